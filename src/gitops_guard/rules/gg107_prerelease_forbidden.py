"""Image tag is a prerelease version where the environment (or image) forbids prereleases.

With `allow_prerelease: false` a tag that semver reads as a prerelease is refused.
Versions are read the way Argo CD Image Updater reads them (Masterminds/semver,
lenient): `1.5.0-rc.1` is a prerelease, and so is `1.27-alpine` (read as
`1.27.0-alpine`). Tags that are not versions at all are left to the tag pattern.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      prod: {allow_prerelease: false}

Failing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.5.0-rc.1     # ← GG107

Passing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.5.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG107"
NAME = "prerelease-forbidden"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use) or not ref.tag:
        return
    if ctx.image_rules(use).allow_prerelease is not False:
        return
    from gitops_guard.versions import try_parse_version

    version = try_parse_version(ref.tag)
    if version is None or not version.is_prerelease:
        return
    yield Problem(
        f"tag `{ref.tag}` of {ref.familiar_name} is a prerelease "
        f"(`-{version.prerelease}`){where(use)}, which is not allowed there",
        hint="promote a release version",
    )
