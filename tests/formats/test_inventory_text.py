"""``images --format text``: each row says what deploys it (issue 13 item 13)."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.extract.inventory import extract
from gitops_guard.formats.inventory_text import render
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: api\n          image: r.io/api:1.0.0\n"
)


def test_a_base_image_has_one_row_per_overlay_or_application_deploying_it(
    tmp_path: Path,
) -> None:
    write_files(
        tmp_path,
        {
            "apps/api/base/kustomization.yaml": "resources: [d.yaml]\n",
            "apps/api/base/d.yaml": DEPLOY,
            "apps/api/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
            "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
            "argocd/api-prod.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-prod}\n"
                "spec:\n  source: {path: apps/api/overlays/prod}\n"
                "  destination: {name: in-cluster, namespace: api}\n"
            ),
        },
    )
    inventory = extract(DiskSource(tmp_path), default_policy())
    lines = render(inventory.uses, len(inventory.files)).splitlines()
    assert lines[0].split() == ["LOCATION", "APP", "ENV", "SOURCE", "DEPLOYED", "BY", "IMAGE"]
    assert [line.split() for line in lines[1:3]] == [
        [
            "apps/api/base/d.yaml:9:18",
            "api",
            "dev",
            "container",
            "apps/api/overlays/dev/",
            "r.io/api:1.0.0",
        ],
        [
            "apps/api/base/d.yaml:9:18",
            "api",
            "prod",
            "container",
            "application/api-prod",
            "r.io/api:1.0.0",
        ],
    ]
