"""Image uses a mutable tag: `latest` or a tag the policy lists in `forbidden_tags`.

Tags such as `latest`, `main` or `stable` move: the same manifest deploys
different code over time and a rollback has nothing to return to. `latest` is always
forbidden; `images.forbidden_tags` (per environment or per image) adds more.
A digest next to the tag does not make it acceptable: the tag still misleads readers.

Failing::

    # apps/web/prod/values.yaml
    image: ghcr.io/acme/web:latest              # ← GG102

Passing::

    # apps/web/prod/values.yaml
    image: ghcr.io/acme/web:2.4.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG102"
NAME = "mutable-tag"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use) or not ref.tag:
        return
    forbidden = ctx.image_rules(use).forbidden_tags or ()
    if ref.tag != "latest" and ref.tag not in forbidden:
        return
    reason = "is mutable" if ref.tag == "latest" else "is forbidden by the policy (mutable)"
    yield Problem(
        f"tag `{ref.tag}` of {ref.familiar_name} {reason}{where(use)}",
        hint="use an immutable version tag, e.g. 1.4.2, and pin its digest",
    )
