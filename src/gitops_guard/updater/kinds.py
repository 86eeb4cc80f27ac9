"""The documents Image Updater reads its configuration from, told apart by kind alone.

Argo CD Applications and ApplicationSets (their annotations) and Image Updater's own
``ImageUpdater`` resources (1.x). This module imports only the loader's node helpers, so
the engine can tell that an inventory holds no Image Updater configuration (and skip the
inventory rules, which then find nothing) without importing the configuration model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from yaml.nodes import Node

from gitops_guard.parse.loader import LoadedFile, child, scalar_text

APPLICATION_API: Final = "argoproj.io/"
APPLICATION_KINDS: Final = ("Application", "ApplicationSet")
RESOURCE_API: Final = "argocd-image-updater.argoproj.io/"
RESOURCE_KIND: Final = "ImageUpdater"


def configuration_kind(root: Node) -> Literal["application", "resource"] | None:
    """``application`` for an Argo CD Application or ApplicationSet, ``resource`` for an
    ImageUpdater resource, None for any other document."""
    kind = scalar_text(child(root, "kind"))
    api = scalar_text(child(root, "apiVersion")) or ""
    if kind in APPLICATION_KINDS and api.startswith(APPLICATION_API):
        return "application"
    if kind == RESOURCE_KIND and api.startswith(RESOURCE_API):
        return "resource"
    return None


# Flux image automation's setter comment: the line it marks is rewritten by a bot.
FLUX_SETTER: Final = '"$imagepolicy"'


def holds_configuration(files: Mapping[str, LoadedFile]) -> bool:
    """Whether any document of ``files`` configures image automation: one Image Updater
    reads (an Application, ApplicationSet or ImageUpdater), or a Flux setter comment."""
    return any(
        configuration_kind(document.root) is not None
        for loaded in files.values()
        for document in loaded.documents
    ) or any(FLUX_SETTER in loaded.text for loaded in files.values())
