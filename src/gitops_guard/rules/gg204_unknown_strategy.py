"""Unknown update strategy: Image Updater logs a warning and uses semver instead.

`update-strategy` (or `updateStrategy` in an ImageUpdater resource) takes `semver`,
`newest-build`, `alphabetical` or `digest` (any case; `latest` and `name` are the old names
of `newest-build` and `alphabetical`). Anything else — `newest_build`, `lastest`, `sha` —
is not an error for Image Updater: it logs "Unknown sort option" and runs **semver**, which
usually means a tag-tracking image silently stops updating, or updates along versions when
build order was meant. Image Updater 0.x does not trim values, so `" digest"` is unknown too.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api
        argocd-image-updater.argoproj.io/api.update-strategy: newest_build      # ← GG204
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api
        argocd-image-updater.argoproj.io/api.update-strategy: newest-build
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import Semantics
from gitops_guard.updater.config import (
    Configuration,
    UpdaterResource,
    Value,
)
from gitops_guard.updater.selection import (
    OLD_NAMES,
    STRATEGIES,
    resolve_strategy,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG204"
NAME = "unknown-strategy"
SEVERITY = Severity.WARNING
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    yield from config.report(_findings(config))


def unknown_message(value: Value, semantics: Semantics) -> str | None:
    """The message for a strategy value Image Updater does not know, else None."""
    text = semantics.read(value.text)
    strategy = resolve_strategy(text)
    if not strategy.unknown:
        return None
    names = [*STRATEGIES, *OLD_NAMES]
    normalized = text.strip().lower().replace("_", "-").replace(" ", "-")
    suggestion = normalized if normalized in names else None
    if suggestion is None:
        close = difflib.get_close_matches(normalized, names, n=1, cutoff=0.6)
        suggestion = close[0] if close else None
    if suggestion in OLD_NAMES:
        suggestion = OLD_NAMES[suggestion]
    extra = f" (did you mean `{suggestion}`?)" if suggestion else ""
    spaces = (
        "; Image Updater 0.x does not trim the value, and the spaces make it unknown"
        if text != text.strip()
        else ""
    )
    return (
        f"unknown update strategy `{value.text}`{extra}{spaces}: Image Updater logs "
        '"Unknown sort option" and uses semver'
    )


def _findings(config: Configuration) -> Iterator[Finding]:
    semantics = config.semantics
    for application in config.annotation_applications():
        aliases = application.key_aliases(semantics)
        for annotation in application.updater_annotations:
            name = annotation.name
            if name.option != "update-strategy" or annotation.error is not None:
                continue
            if name.alias is not None and name.alias not in aliases:
                continue  # never read (GG203)
            message = unknown_message(annotation.value, semantics)
            if message is not None:
                yield application.finding(
                    ID,
                    message,
                    annotation.value.location,
                    "use semver, newest-build, alphabetical or digest",
                    container=aliases.get(name.alias or ""),
                )
    if semantics.v1:
        for resource in config.resources:
            yield from _resource(semantics, resource)


def _resource(semantics: Semantics, resource: UpdaterResource) -> Iterator[Finding]:
    for block, ref in resource.setting_blocks():
        value = block.get("updateStrategy")
        if value is None:
            continue
        message = unknown_message(value, semantics)
        if message is not None:
            yield resource.finding(
                ID,
                message,
                value.location,
                "use semver, newest-build, alphabetical or digest",
                ref=ref,
            )
