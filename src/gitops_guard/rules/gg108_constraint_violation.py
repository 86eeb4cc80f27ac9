"""Image version is outside the semver constraint the policy applies to it.

`images.constraint` (top level, per environment, or in an `images.overrides` entry for the
image) is a Masterminds/semver v3 constraint, the grammar Argo CD Image Updater uses:
`~1.4` means `>=1.4.0 <1.5.0`, `^1.2` means `>=1.2.0 <2.0.0`, `1.x` any 1.y.z. Tags are read
the lenient way Image Updater reads them (`v1.4`, `1.4` and `1.4.0` are the same version).
A prerelease such as `1.4.3-rc.1` only satisfies a constraint that names a prerelease
(`~1.4.0-0`); a tag that is not a version at all cannot satisfy any constraint.

Policy::

    version: 1
    images:
      overrides:
        - {image: registry.example.com/team/api, constraint: "~1.4"}

Failing::

    # apps/api/prod/values.yaml
    api:
      image: registry.example.com/team/api:1.5.0      # ← GG108
    canary:
      image: registry.example.com/team/api:main       # ← GG108

Passing::

    # apps/api/prod/values.yaml
    api:
      image: registry.example.com/team/api:1.4.7
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG108"
NAME = "constraint-violation"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    """Yield this rule's findings (see the module documentation)."""
    ref = use.reference
    if ref is None or not is_checked_image(use) or not ref.tag:
        return
    text = ctx.image_rules(use).constraint
    if not text:
        return
    from gitops_guard.versions import InvalidConstraint, parse_constraint, try_parse_version

    try:
        constraint = parse_constraint(text)
    except InvalidConstraint:  # pragma: no cover - the policy loader validates constraints
        return
    version = try_parse_version(ref.tag)
    hint = f"deploy a version within `{text}`, or change the constraint in the policy"
    if version is None:
        yield Problem(
            f"tag `{ref.tag}` of {ref.familiar_name} is not a version, so it cannot satisfy "
            f"the constraint `{text}`{where(use)}",
            hint=hint,
        )
        return
    if constraint.check(version):
        return
    if version.prerelease and not constraint.allows_prereleases():
        yield Problem(
            f"tag `{ref.tag}` of {ref.familiar_name} is a prerelease; the constraint `{text}` "
            f"names no prerelease, so it admits none{where(use)}",
            hint=f"deploy a release, or opt in to prereleases with `-0` (e.g. `{text}-0`)"
            if not any(c in text for c in " ,|")
            else "deploy a release, or add a prerelease bound such as `>=1.4.0-0` to the policy",
        )
        return
    yield Problem(
        f"version `{ref.tag}` of {ref.familiar_name} is outside the constraint `{text}`"
        f"{where(use)}",
        hint=hint,
    )
