"""Image has no tag and no digest, so it runs whatever `latest` is at pull time.

Kubernetes pulls `:latest` for an image without a tag: the version can change on
any restart, and nothing in Git says which one ran.

Failing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api        # ← GG101

Passing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG101"
NAME = "missing-tag"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, _ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use) or ref.tag or ref.digest:
        return
    yield Problem(
        f"image {ref.familiar_name} has no tag and no digest{where(use)}: "
        "it runs whatever `latest` is when the pod starts",
        hint=f"pin a version: {ref.familiar_name}:<version>",
    )
