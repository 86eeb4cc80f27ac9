"""``kubectl kustomize`` as the oracle for what an overlay deploys.

Helpers shared by the differential, property and history tests: render a folder with
the kustomize embedded in kubectl (v5.5 on the machines we test on), list the images of
the rendered objects, and list the images gitops-guard's inventory gives per overlay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.conftest import require_tool

GITOPS_GUARD = Path(sys.executable).parent / "gitops-guard"
Images = Counter[tuple[str | None, str]]  # (container name, image) → count
CONTAINER_KEYS = ("containers", "initContainers", "ephemeralContainers")


def kubectl() -> str:
    """kubectl's path: skip when it is missing and CI is unset, fail in CI."""
    return require_tool("kubectl")


@dataclass
class Rendered:
    images: Images | None  # None: kubectl could not render it
    error: str = ""


def rendered_images(documents: list[object]) -> Images:
    """Every container image of rendered objects, wherever a container list sits."""
    found: Images = Counter()
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("kind") == "CustomResourceDefinition":
                continue
            for key, value in node.items():
                if key in CONTAINER_KEYS and isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict) and isinstance(item.get("image"), str):
                            found[(item.get("name"), item["image"])] += 1
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def render(directory: Path) -> Rendered:
    """``kubectl kustomize DIR``: its images, or the error that stopped it (offline)."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        env={**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"},
        timeout=120,
    )
    if done.returncode != 0:
        return Rendered(None, done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return Rendered(rendered_images(list(yaml.safe_load_all(done.stdout))))


def inventory(root: Path, policy: Path | None = None) -> dict:  # type: ignore[type-arg]
    """``gitops-guard images --format json`` of a repository."""
    command = [str(GITOPS_GUARD), "images", "--format", "json", "--repo", str(root)]
    if policy is not None:
        command += ["--policy", str(policy)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    document: dict = json.loads(done.stdout)  # type: ignore[type-arg]
    return document


_DEPLOYED = ("container", "initContainer", "ephemeralContainer", "kustomize")


def images_by_overlay(document: dict) -> dict[str, Images]:  # type: ignore[type-arg]
    """The inventory's (container, image) per overlay folder, as kubectl would print them."""
    found: dict[str, Images] = {}
    for use in document["images"]:
        if use.get("overlay") is None or use["source"] not in _DEPLOYED:
            continue
        found.setdefault(use["overlay"], Counter())[
            (use["container"], use["reference"]["raw"])
        ] += 1
    return found


def kustomization_folders(root: Path) -> list[str]:
    """Every folder holding a kustomization, relative to ``root``."""
    names = ("kustomization.yaml", "kustomization.yml", "Kustomization")
    folders = set()
    for name in names:
        for path in root.rglob(name):
            if ".git" not in path.parts:
                folders.add(path.parent.relative_to(root).as_posix())
    return sorted(folders)
