"""Reads every Application, ApplicationSet and ImageUpdater of a set of files and links resources
to Applications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from gitops_guard.parse.loader import (
    LoadedFile,
    child,
)
from gitops_guard.policy.layout import (
    UNPLACED,
)
from gitops_guard.updater.annotations import (
    NEWEST_VERSION,
    Semantics,
)
from gitops_guard.updater.config import (
    Application,
    Configuration,
    Place,
    PlaceApplication,
    UpdaterResource,
    _text,
    annotation_mode_error,
    specificity,
)
from gitops_guard.updater.kinds import configuration_kind
from gitops_guard.updater.read_annotations import _read_application
from gitops_guard.updater.read_resource import _read_resource

if TYPE_CHECKING:
    pass


def read_configuration(
    files: Mapping[str, LoadedFile],
    version: str = NEWEST_VERSION,
    place: Place | None = None,
    paths: Iterable[str] | None = None,
    place_application: PlaceApplication | None = None,
) -> Configuration:
    """Read every Application, ApplicationSet and ImageUpdater of ``files`` (or of ``paths``).

    ``place`` maps a repository path to its app and environment (the policy's layout);
    ``place_application`` places an Application where it deploys (its destination).
    """
    placer: Place = place or (lambda _path: UNPLACED)
    config = Configuration(Semantics.of(version))
    for path in paths if paths is not None else sorted(files):
        loaded = files.get(path)
        if loaded is None:
            continue
        for document in loaded.documents:
            root = document.root
            found = configuration_kind(root)
            if found == "application":
                kind = _text(child(root, "kind")) or ""
                application = _read_application(config, path, root, kind, placer, place_application)
                if application is not None:
                    config.applications.append(application)
            elif found == "resource":
                config.resources.append(_read_resource(config, path, root, placer))
    _link(config)
    return config


def _same_namespace(resource: UpdaterResource, application: Application) -> bool:
    # A namespace left out of a file is set by `kubectl apply -n`; it can match anything.
    wanted = resource.target_namespace
    return wanted is None or application.namespace is None or wanted == application.namespace


def _link(config: Configuration) -> None:
    """Give each Application the applicationRef (one per resource) that governs it."""
    semantics = config.semantics
    if not semantics.v1:
        return
    for resource in config.resources:
        if resource.broken:
            continue
        ordered = sorted(resource.refs, key=specificity, reverse=True)
        for application in config.applications:
            if application.templated or not _same_namespace(resource, application):
                continue
            for ref in ordered:
                if not ref.matches(application):
                    continue
                if ref.annotations_mode and semantics.use_annotations:
                    reason = annotation_mode_error(application)
                    if reason is not None:
                        # AIU abandons this ref for the Application and tries the next one.
                        application.abandoned.append((resource, ref, reason))
                        continue
                application.governed_by.append((resource, ref))
                resource.governs.append(application)
                break
