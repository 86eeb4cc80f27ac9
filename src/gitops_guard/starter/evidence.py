"""What the repository deploys, read once on the safe defaults: the starter's evidence.

``placed`` are the paths extraction asks the layout to place — Kustomize roots, Helm
values files, manifests no root includes, Argo CD Applications and the folders their
``spec.source.path`` names — kept when they deploy something (a root, a values file, a
file with images, a folder). Bases an overlay includes are never asked: their images take
the overlay's place, so ``base`` or ``variants/prod`` never look like environments.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_guard.extract.deployments import folders_of
from gitops_guard.extract.helm import is_values_file
from gitops_guard.extract.inventory import Inventory, extract
from gitops_guard.policy.layout import Layout, Placement
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import KUSTOMIZATION_NAMES, DiskSource


@dataclass(frozen=True, slots=True)
class Evidence:
    """The paths to place, every file of the repository, and the inventory on defaults."""

    placed: tuple[str, ...]
    files: frozenset[str]
    inventory: Inventory


def folders(files: frozenset[str]) -> frozenset[str]:
    """Every folder that holds a file, at any depth (repository-relative, no ``/`` at the end)."""
    return frozenset(folders_of(files) - {""})  # the extraction's own, without the root


@dataclass(frozen=True, slots=True)
class _RecordingLayout(Layout):
    """The default layout, remembering every path it was asked to place."""

    asked: set[str] = field(default_factory=set)

    def place(self, path: str) -> Placement:
        self.asked.add(path)
        return Layout.place(self, path)


def collect(root: Path) -> Evidence:
    """Extract the repository on the safe defaults and keep what must be placed."""
    policy = default_policy()
    recorder = _RecordingLayout(policy.layout.templates, policy.layout.patterns)
    source = DiskSource(root)
    inventory = extract(source, replace(policy, layout=recorder))
    files = frozenset(source.list_files())
    return Evidence(deployable(recorder.asked, files, inventory), files, inventory)


def deployable(asked: set[str], files: frozenset[str], inventory: Inventory) -> tuple[str, ...]:
    """The asked paths that deploy something, normalised, outside hidden folders."""
    with_images = {use.location.path for use in inventory.uses}
    directories = folders(files)
    kept: set[str] = set()
    for raw in asked:
        path = posixpath.normpath(raw.strip("/")) if raw.strip("/") else ""
        if not path or path == "." or path.startswith("../"):
            continue
        if any(part.startswith(".") for part in path.split("/")[:-1]):
            continue  # .github/, .deploystack/: not what a cluster runs
        name = posixpath.basename(path)
        if path in files:
            if name in KUSTOMIZATION_NAMES or is_values_file(path) or path in with_images:
                kept.add(path)
        elif path in directories:
            kept.add(path)  # a folder an Application deploys
    return tuple(sorted(kept))
