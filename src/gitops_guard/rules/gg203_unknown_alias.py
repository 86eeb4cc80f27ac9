"""Per-image annotation for an alias that `image-list` does not define: it is never read.

Per-image keys are `argocd-image-updater.argoproj.io/<alias>.<option>`; the alias must be one
that `image-list` defines with `<alias>=<image>`. A key for any other alias — a typo, an
image listed without an alias, or (1.x) an alias containing `/` that 0.x used to spell with
`_` — is ignored, and the image runs with the application-wide settings or the defaults.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/app.update-strategy: digest  # ← GG203: no alias `app`

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/api.update-strategy: semver
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import Semantics
from gitops_guard.updater.config import (
    Annotation,
    Application,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG203"
NAME = "unknown-alias"
SEVERITY = Severity.WARNING
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    found: list[Finding] = []
    for application in config.annotation_applications():
        if application.image_list is None or application.image_list.error is not None:
            continue
        found.extend(_application(config.semantics, application))
    yield from config.report(found)


def _application(semantics: Semantics, application: Application) -> Iterator[Finding]:
    aliases = application.key_aliases(semantics)
    aliasless = [entry for entry, _ in application.entries if entry.alias is None and entry.text]
    for annotation in application.updater_annotations:
        name = annotation.name
        if name.alias is None or name.option is None or name.alias in aliases:
            continue
        if name.alias == "" and aliasless and not semantics.v1:
            continue  # 0.x reads "<prefix>.<option>" for images without an alias
        yield application.finding(
            ID,
            _message(semantics, application, annotation, aliases),
            annotation.value.key_location,
            "per-image keys need an alias defined in image-list: `<alias>=<image>`",
            container=name.alias,
        )


def _message(
    semantics: Semantics,
    application: Application,
    annotation: Annotation,
    aliases: dict[str, str],
) -> str:
    alias = annotation.name.alias or ""
    head = f"`{annotation.suffix}` names the alias `{alias}`, which image-list does not define"
    defined = ", ".join(f"`{a}`" for a in aliases.values()) or "none"
    for entry, _where in application.entries:
        if entry.alias and "/" in entry.alias and entry.alias.replace("/", "_") == alias:
            return (
                f"{head}: Image Updater {semantics.label} uses aliases verbatim, so `{alias}` is "
                f"not `{entry.alias}` (only 0.x mapped `/` to `_`), and an alias with `/` cannot "
                "carry per-image keys; the setting is never read"
            )
        if (
            entry.alias is None
            and entry.text
            and alias
            in (
                entry.name,
                entry.name.rsplit("/", 1)[-1],
            )
        ):
            return (
                f"{head}: the image `{entry.text}` is listed without an alias, so per-image keys "
                f"cannot reach it; write `{alias}={entry.text}` in image-list"
            )
    suggestion = difflib.get_close_matches(alias, list(aliases), n=1, cutoff=0.6)
    extra = f" (did you mean `{aliases[suggestion[0]]}`?)" if suggestion else ""
    return f"{head}{extra}; aliases: {defined}. Image Updater never reads it"
