"""Tag does not match the tag pattern that applies (image override, environment, or top level).

`images.tag_pattern` is an RE2 regular expression; an environment's `images:` or an
`images.overrides` entry for the image replaces it. The pattern is searched, so
anchor it (`^...$`) to match whole tags.

Policy::

    version: 1
    images:
      tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$'

Failing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:feature-login      # ← GG103

Passing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.patterns.re2 import search
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG103"
NAME = "tag-pattern"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use) or not ref.tag:
        return
    pattern = ctx.image_rules(use).tag_pattern
    if pattern is None or search(pattern, ref.tag):
        return
    yield Problem(
        f"tag `{ref.tag}` of {ref.familiar_name} does not match the tag pattern "
        f"`{pattern}`{where(use)}",
        hint="use a tag of the form the policy asks for",
    )
