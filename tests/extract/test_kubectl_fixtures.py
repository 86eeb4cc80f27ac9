"""Every overlay of the fixture repositories against ``kubectl kustomize``.

For each fixture (small cuts of public GitOps repositories, see their ORIGIN.md), every
overlay that kubectl renders offline must have the same (container, image) pairs in
``images --format json`` (no miss, no extra), and every overlay kubectl cannot render
must carry a finding (GG003 for what cannot be followed, GG001 for what kustomize
refuses). Bases and components are compared through the overlays that use them.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from gitops_guard.extract.inventory import Extraction
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.extract.kubectl import images_by_overlay, inventory, kubectl, render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPOSITORIES = {
    "microservices-demo": {"rendered": 3, "unresolved": 0},
    "environment-promotion": {"rendered": 5, "unresolved": 0},
    "flux2-kustomize-helm-example": {"rendered": 4, "unresolved": 0},
    "argocd-autopilot": {"rendered": 1, "unresolved": 2},
}


def copy_fixture(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("ORIGIN.md"))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REPOSITORIES))
def test_every_overlay_deploys_what_kubectl_renders(tmp_path: Path, name: str) -> None:
    kubectl()
    root = copy_fixture(name, tmp_path)
    by_overlay = images_by_overlay(inventory(root))
    extraction = Extraction(DiskSource(root), default_policy())
    rendered, unresolved = [], []
    for kustomization in extraction.graph.roots:
        folder = kustomization.rpartition("/")[0]
        result = render(root / folder)
        if result.images is None:
            build = extraction.graph.build_resources(kustomization)
            rules = {f.rule for f in build.findings} | {p.rule for p in extraction.ctx.problems}
            assert rules & {"GG001", "GG003"}, f"{folder}: kubectl says {result.error}"
            unresolved.append(folder)
            continue
        assert dict(by_overlay.get(folder, Counter())) == dict(result.images), folder
        rendered.append(folder)
    assert set(by_overlay) <= set(rendered) | set(unresolved)
    expected = REPOSITORIES[name]
    assert (len(rendered), len(unresolved)) == (expected["rendered"], expected["unresolved"])
