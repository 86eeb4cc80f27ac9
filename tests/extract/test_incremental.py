"""Incremental extraction gives the same uses as extracting the new state from scratch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard.extract.inventory import (
    Extraction,
    extract,
)
from gitops_guard.policy.load import parse_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.policies import EXTRACTION_POLICY

POD = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: {image}\n"

START = {
    "apps/api/base/deploy.yaml": POD.format(name="api", image="r.io/api:1.0.0"),
    "apps/api/base/kustomization.yaml": "resources: [deploy.yaml]\n",
    "apps/api/overlays/dev/kustomization.yaml": "resources: [../../base]\nimages:\n  - name: r.io/api\n    newTag: '1.1.0'\n",
    "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
    "clusters/dev/web/deploy.yaml": POD.format(name="web", image="r.io/web:2.0.0"),
    "charts/worker/values.yaml": "image:\n  repository: r.io/worker\n  tag: '0.1.0'\n",
    "argocd/api-prod.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-prod}\n"
        "spec:\n  source:\n    path: apps/api/overlays/prod\n    kustomize:\n      images: ['r.io/api:1.0.5']\n"
    ),
    "argocd/worker-prod.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: worker-prod}\n"
        "spec:\n  source:\n    path: charts/worker\n    helm:\n      parameters:\n"
        "        - {name: image.tag, value: '0.1.1'}\n"
    ),
    "argocd/api-dev.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-dev}\n"
        "spec:\n  source:\n    path: apps/api/overlays/dev\n    kustomize:\n      images: ['r.io/api=mirror.io/api']\n"
    ),
}

WEB_PROD = "resources: [../../base]\npatches:\n  - path: version.yaml\n"
START.update(
    {
        "apps/web/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "apps/web/base/deploy.yaml": POD.format(name="web", image="r.io/web:1.0.0"),
        "apps/web/overlays/prod/kustomization.yaml": WEB_PROD,
        "apps/web/overlays/prod/version.yaml": POD.format(name="web", image="r.io/web:1.1.0"),
        "apps/web/components/mirror/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "images:\n  - name: r.io/web\n    newName: mirror.io/web\n"
        ),
    }
)

CHANGES: dict[str, dict[str, str | None]] = {
    "edit the patch file": {
        "apps/web/overlays/prod/version.yaml": POD.format(name="web", image="r.io/web:1.2.0")
    },
    "delete the patch file": {"apps/web/overlays/prod/version.yaml": None},
    "enable the component": {
        "apps/web/overlays/prod/kustomization.yaml": WEB_PROD
        + "components: [../../components/mirror]\n"
    },
    "change the component": {
        "apps/web/components/mirror/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "images:\n  - name: r.io/web\n    newName: other.io/web\n"
        )
    },
    "a replacement sets the image": {
        "apps/web/overlays/prod/kustomization.yaml": WEB_PROD
        + "configMapGenerator:\n  - name: versions\n    literals: [web=r.io/web:3.0.0]\n"
        + "replacements:\n  - source: {kind: ConfigMap, name: versions, fieldPath: data.web}\n"
        + "    targets:\n      - select: {kind: Deployment}\n"
        + "        fieldPaths: [spec.template.spec.containers.[name=web].image]\n"
    },
    "bump dev overlay": {
        "apps/api/overlays/dev/kustomization.yaml": "resources: [../../base]\nimages:\n  - name: r.io/api\n    newTag: '1.2.0'\n"
    },
    "bump base": {"apps/api/base/deploy.yaml": POD.format(name="api", image="r.io/api:1.0.1")},
    "add staging overlay": {
        "apps/api/overlays/staging/kustomization.yaml": "resources: [../../base]\nimages:\n  - name: r.io/api\n    newTag: '1.1.5'\n"
    },
    "delete prod overlay": {"apps/api/overlays/prod/kustomization.yaml": None},
    "add values-prod": {"charts/worker/values-prod.yaml": "image:\n  tag: '0.2.0'\n"},
    "change application": {
        "argocd/api-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-prod}\n"
            "spec:\n  source:\n    path: apps/api/overlays/prod\n    kustomize:\n      images: ['r.io/api:1.0.6']\n"
        )
    },
    "add a resource to the base": {
        "apps/api/base/kustomization.yaml": "resources: [deploy.yaml, sidecar.yaml]\n",
        "apps/api/base/sidecar.yaml": POD.format(name="side", image="r.io/side:3.0.0"),
    },
    "write-back file": {
        "apps/api/overlays/dev/.argocd-source-api-dev.yaml": "kustomize:\n  images:\n  - r.io/api:1.3.0\n"
    },
    "web becomes a kustomize app": {
        "clusters/dev/web/kustomization.yaml": "resources: [deploy.yaml]\nimages:\n  - name: r.io/web\n    newTag: '2.1.0'\n"
    },
    "delete the web manifest": {"clusters/dev/web/deploy.yaml": None},
    "add values-staging": {"charts/worker/values-staging.yaml": "image:\n  tag: '0.1.5'\n"},
    "bump values-staging": {"charts/worker/values-staging.yaml": "image:\n  tag: '0.1.6'\n"},
    "bump the chart's default tag": {
        "charts/worker/values.yaml": "image:\n  repository: r.io/worker\n  tag: '0.1.9'\n"
    },
    # What the Applications deploy moves the images between environments.
    "point prod's application at dev": {
        "argocd/api-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-prod}\n"
            "spec:\n  source:\n    path: apps/api/overlays/dev\n"
        )
    },
    "delete prod's application": {"argocd/api-prod.yaml": None},
    "an application deploys the plain web folder to prod": {
        "argocd/web-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-prod}\n"
            "spec:\n  source:\n    path: clusters/dev/web\n"
        )
    },
    "an application deploys every cluster folder, recursively": {
        "argocd/everything-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: all-prod}\n"
            "spec:\n  source:\n    path: clusters\n    directory: {recurse: true}\n"
        )
    },
    "add a manifest to the web folder": {
        "clusters/dev/web/cron.yaml": POD.format(name="cron", image="r.io/cron:1.0.0")
    },
    "an application deploys a folder that does not exist": {
        "argocd/ghost-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: ghost-prod}\n"
            "spec:\n  source:\n    path: apps/ghost/overlays/prod\n"
        )
    },
    "the ghost folder appears": {
        "apps/ghost/overlays/prod/deploy.yaml": POD.format(name="ghost", image="r.io/ghost:1.0.0")
    },
    "worker-prod renders values-prod and values-staging": {
        "argocd/worker-prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: worker-prod}\n"
            "spec:\n  source:\n    path: charts/worker\n    helm:\n"
            "      valueFiles: [values-prod.yaml, values-staging.yaml]\n"
        )
    },
    "an application set deploys every overlay folder": {
        "argocd/overlays-set.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: overlays}\n"
            "spec:\n  generators:\n    - git:\n        directories: [{path: 'apps/*/overlays/*'}]\n"
            "  template:\n    metadata: {name: 'set-{{path.basename}}'}\n    spec:\n"
            "      source: {path: '{{path}}'}\n"
        )
    },
    "an application set reads config files": {
        "argocd/config-set.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: config}\n"
            "spec:\n  generators:\n    - git:\n        files: [{path: 'config/*.json'}]\n"
            "  template:\n    metadata: {name: 'cfg-{{env}}'}\n    spec:\n"
            "      source: {path: '{{folder}}'}\n"
        ),
        "config/prod.json": '{"env": "prod", "folder": "apps/web/overlays/prod"}',
    },
    "a config file points prod elsewhere": {
        "config/prod.json": '{"env": "prod", "folder": "apps/api/overlays/dev"}',
    },
    "move the chart's repository": {
        "charts/worker/values.yaml": "image:\n  repository: mirror.io/worker\n  tag: '0.1.0'\n"
    },
}


def apply(root: Path, change: dict[str, str | None]) -> None:
    for path, text in change.items():
        target = root / path
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def fingerprint(uses: list) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    return sorted((str(u.location), u.raw, u.environment or "", u.source.value) for u in uses)


def check_sequence(root: Path, names: list[str]) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    write_files(root, START)
    policy = parse_policy(EXTRACTION_POLICY.encode())
    extraction = Extraction(DiskSource(root), policy)
    for key in extraction.all_keys():
        extraction.compute(key)
    for name in names:
        change = CHANGES[name]
        apply(root, change)
        extraction.update(change.keys(), DiskSource(root))
        fresh = extract(DiskSource(root), policy)
        assert fingerprint(extraction.uses()) == fingerprint(fresh.uses), name


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_alone(tmp_path: Path, name: str) -> None:
    check_sequence(tmp_path / "repo", [name])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=6))
def test_any_sequence_of_changes(tmp_path: Path, names: list[str]) -> None:
    check_sequence(tmp_path / "repo", names)
