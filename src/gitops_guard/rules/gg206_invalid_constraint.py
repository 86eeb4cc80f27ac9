"""The version constraint of an image is invalid for its strategy: Image Updater errors.

The part after the image name in `image-list` (or in an ImageUpdater `imageName`) is not a
tag but a constraint. With the semver strategy (the default) it must be a Masterminds/semver
v3 constraint such as `~1.4`, `^1.2`, `1.x` or `>=1.2 <2`; anything else — `latest`, `1.2.3.4`,
`>=1.2 && <2`, `== 1.2` — makes Image Updater report an error for the image on every run and
never update it. The digest strategy needs the opposite: the tag to track, so an entry
without one is an error too.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:latest
        # ↑ GG206: `latest` is not a semver constraint

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.checks import entry_is_sound
from gitops_guard.updater.config import (
    Configuration,
    ImageConfig,
    semantics_label,
)
from gitops_guard.updater.selection import (
    DIGEST,
    SEMVER,
)
from gitops_guard.versions import InvalidConstraint, parse_constraint

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG206"
NAME = "invalid-constraint"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    yield from config.report(_findings(config))


def constraint_problem(image: ImageConfig, version: str) -> tuple[str, str] | None:
    """(message, hint) when the image's constraint does not fit its strategy."""
    from gitops_guard.updater.selection import resolve_strategy

    if not entry_is_sound(image):
        return None  # a misread entry (GG202)
    settings = image.settings(version)
    strategy = resolve_strategy(settings.strategy).name
    constraint = image.entry.constraint
    if strategy == DIGEST and not constraint:
        return (
            f"{image.label} uses the digest strategy but names no tag to track: Image Updater "
            "reports an error for this image and never updates it",
            f"name the tag to follow, e.g. `{image.entry.text}:stable`",
        )
    if strategy != SEMVER or not constraint:
        return None
    try:
        parse_constraint(constraint)
    except InvalidConstraint as exc:
        return (
            f"constraint `{constraint}` of {image.label} is not a semver constraint "
            f"({exc.reason}): with the semver strategy Image Updater reports an error for this "
            "image and never updates it",
            "use e.g. `~1.4`, `1.x` or `>=1.2 <2`; to follow a moving tag such as `latest`, "
            "use the digest strategy",
        )
    return None


def _findings(config: Configuration) -> Iterator[Finding]:
    version = semantics_label(config.semantics)
    for application in config.annotation_applications():
        for image in application.annotation_images:
            problem = constraint_problem(image, version)
            if problem is not None:
                yield application.finding(ID, problem[0], image.location, problem[1], image)
    if not config.semantics.v1:
        return
    for resource in config.resources:
        for ref in resource.refs:
            if ref.annotations_mode and config.semantics.use_annotations:
                continue
            for image in ref.images:
                problem = constraint_problem(image, version)
                if problem is not None:
                    yield resource.finding(
                        ID, problem[0], image.location, problem[1], image, ref=ref
                    )
