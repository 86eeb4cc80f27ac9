"""Image reference is malformed: Kubernetes and the registry would refuse it.

References follow the distribution/reference grammar: lowercase repository path,
tags of at most 128 characters from `[A-Za-z0-9_.-]`, digests `sha256:` with 64
lowercase hex characters, no scheme, no spaces.

Failing::

    # apps/api/prod/values.yaml
    api:
      image: Registry.example.com/Team/API:1.0                # ← GG106
    proxy:
      image: registry.example.com/team/proxy:1.0@sha256:abc   # ← GG106

Passing::

    # apps/api/prod/values.yaml
    api:
      image: registry.example.com/team/api:1.0
    proxy:
      image: registry.example.com/team/proxy:1.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity, Source
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext

ID = "GG106"
NAME = "malformed-reference"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, _ctx: RuleContext) -> Iterator[Problem]:
    if use.reference is not None or use.source is Source.ANNOTATION:
        return
    yield Problem(f"malformed image reference `{use.raw}`: {use.error}")
