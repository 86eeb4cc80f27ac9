"""Image comes from a registry or repository that `images.registries` does not allow.

Each entry is a glob over the normalised image name, where `*` matches any
characters: `registry.example.com/*`, `ghcr.io/acme/*`, `docker.io/library/nginx`.
Docker Hub names are normalised first (`nginx` is `docker.io/library/nginx`) and the
short form is also tried, so `nginx` works as an entry too.

Policy::

    version: 1
    images:
      registries: ["registry.example.com/*"]

Failing::

    # apps/api/prod/values.yaml
    image: docker.io/someone/api:1.0.0          # ← GG104

Passing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.0.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.rules.base import (
    IMAGE_SCOPE,
    Problem,
    RuleContext,
    image_names,
    is_checked_image,
    where,
)

ID = "GG104"
NAME = "registry-not-allowed"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use):
        return
    allowed = ctx.image_rules(use).registries
    if allowed is None:
        return
    names = image_names(ref)
    if any(glob_matches(pattern, name) for pattern in allowed for name in names):
        return
    yield Problem(
        f"{ref.name} is not from an allowed registry{where(use)}",
        hint=f"allowed: {', '.join(allowed)}",
    )
