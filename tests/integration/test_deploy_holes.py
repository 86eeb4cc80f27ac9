"""Issue 13's holes: each change is caught by `check` and by the server's pre-receive hook.

Every case is a small real repository with a dev → staging → prod history and one
pushed change that, before issue 13, passed both gates.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.holes import GITOPS_GUARD, Hole, assert_caught, build, commit, deployment

IMAGE = "registry.example.com/team/api"


def smp_version(version: str, name: str = "api") -> str:
    """A strategic-merge patch file that sets the image (kostis-codefresh's version.yml)."""
    return deployment(f"{IMAGE}:{version}", name=name).replace(
        "kind: Deployment\n", "kind: Deployment\n"
    )


def patch_overlays(style: str) -> Callable[[str, str], dict[str, str]]:
    def overlay(env: str, version: str) -> dict[str, str]:
        if style == "patchesStrategicMerge":
            body = "resources: [../../base]\npatchesStrategicMerge:\n  - version.yaml\n"
        else:
            body = "resources: [../../base]\npatches:\n  - path: version.yaml\n"
        return {
            f"envs/{env}/kustomization.yaml": body,
            f"envs/{env}/version.yaml": smp_version(version),
        }

    return overlay


def promoted(overlay: Callable[[str, str], dict[str, str]]) -> list[dict[str, str | None]]:
    """1.0.0 everywhere, then 2.0.0 promoted through dev, staging and prod."""
    return [
        {
            "base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "base/deployment.yaml": deployment(f"{IMAGE}:1.0.0"),
            **overlay("dev", "1.0.0"),
            **overlay("staging", "1.0.0"),
            **overlay("prod", "1.0.0"),
        },
        {**overlay("dev", "2.0.0")},
        {**overlay("staging", "2.0.0")},
        {**overlay("prod", "2.0.0")},
    ]


STYLES = ["patches", "patchesStrategicMerge"]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_a_downgrade_in_a_patch_file_is_caught(tmp_path: Path, style: str) -> None:
    overlay = patch_overlays(style)
    hole = Hole(
        history=promoted(overlay),
        change={"envs/prod/version.yaml": smp_version("1.5.0")},
        expected={"GG302"},
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_a_version_skipping_staging_in_a_patch_file_is_caught(tmp_path: Path, style: str) -> None:
    overlay = patch_overlays(style)
    hole = Hole(
        history=promoted(overlay),
        change={"envs/prod/version.yaml": smp_version("2.1.0")},
        expected={"GG303"},
        extra_commits=[{"README.md": "unrelated\n"}],
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_a_proper_promotion_in_a_patch_file_passes(tmp_path: Path) -> None:
    overlay = patch_overlays("patches")
    history = promoted(overlay)
    history.append({**overlay("dev", "2.1.0")})
    history.append({**overlay("staging", "2.1.0")})
    hole = Hole(
        history=history, change={"envs/prod/version.yaml": smp_version("2.1.0")}, expected=set()
    )
    verdict = assert_caught(tmp_path, hole)
    plan = [(p["environment"], p["from"], p["to"]) for p in verdict.check_document["promotions"]]
    assert plan == [("prod", "2.0.0", "2.1.0")]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_report_puts_a_patch_file_change_at_the_commit_that_made_it(
    tmp_path: Path, style: str
) -> None:
    overlay = patch_overlays(style)
    root = build(tmp_path / "repo", Hole(history=promoted(overlay), change={}, expected=set()))
    commit(root, {"README.md": "later, unrelated\n"}, "unrelated", 9)
    done = subprocess.run(
        [str(GITOPS_GUARD), "report", "--format", "json", "--out", str(tmp_path / "out")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    events = json.loads((tmp_path / "out/report.json").read_text())["events"]
    moves = [(e["subject"], e["environment"], e["from"], e["to"]) for e in events]
    assert moves == [
        ("history 1", "dev", None, "1.0.0"),
        ("history 1", "staging", None, "1.0.0"),
        ("history 1", "prod", None, "1.0.0"),
        ("history 2", "dev", "1.0.0", "2.0.0"),
        ("history 3", "staging", "1.0.0", "2.0.0"),
        ("history 4", "prod", "1.0.0", "2.0.0"),
    ]


# --- Kustomize constructs that deploy images (items 2 and 3) --------------------------------


def images_overlay(env: str, version: str, extra: str = "") -> dict[str, str]:
    return {
        f"apps/api/overlays/{env}/kustomization.yaml": (
            f"resources: [../../base]\nimages:\n  - name: {IMAGE}\n    newTag: '{version}'\n{extra}"
        )
    }


def kustomize_history() -> list[dict[str, str | None]]:
    """2.0.0 promoted through dev, staging and prod with images: entries."""
    return [
        {
            "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/api/base/deployment.yaml": deployment(f"{IMAGE}:1.0.0"),
            **images_overlay("dev", "2.0.0"),
            **images_overlay("staging", "2.0.0"),
        },
        {**images_overlay("prod", "2.0.0")},
    ]


PROD = "apps/api/overlays/prod/kustomization.yaml"
# Constructs that set the api image replace prod's images: entry (kustomize would apply
# it after them); constructs that add an image keep it.
BASE_PROD = "resources: [../../base]\n"
TAGGED_PROD = BASE_PROD + f"images:\n  - name: {IMAGE}\n    newTag: '2.0.0'\n"
KUSTOMIZE_HOLES: dict[str, tuple[dict[str, str | None], set[str]]] = {
    "a JSON patch replaces the whole container": (
        {
            PROD: BASE_PROD
            + "patches:\n  - target: {kind: Deployment, name: api}\n    patch: |\n"
            + "      - op: replace\n        path: /spec/template/spec/containers/0\n"
            + f"        value: {{name: api, image: '{IMAGE}:2.1.0'}}\n"
        },
        {"GG303"},
    ),
    "a JSON patch adds a container": (
        {
            PROD: TAGGED_PROD
            + "patches:\n  - target: {kind: Deployment}\n    patch: |\n"
            + "      - op: add\n        path: /spec/template/spec/containers/-\n"
            + "        value: {name: debug, image: 'busybox:latest'}\n"
        },
        {"GG102", "GG303"},
    ),
    "a patch targets the Deployment by a name regexp": (
        {
            PROD: BASE_PROD
            + "patches:\n  - target: {kind: Deployment, name: 'a.*'}\n    patch: |\n"
            + "      - op: replace\n        path: /spec/template/spec/containers/0/image\n"
            + f"        value: '{IMAGE}:2.1.0'\n"
        },
        {"GG303"},
    ),
    "a JSON patch copies another container's image": (
        {
            "apps/api/base/deployment.yaml": deployment(f"{IMAGE}:1.0.0")
            + f"        - name: tools\n          image: {IMAGE}:9.9.9\n",
            PROD: BASE_PROD
            + "patches:\n  - target: {kind: Deployment, name: api}\n    patch: |\n"
            + "      - op: copy\n        from: /spec/template/spec/containers/1/image\n"
            + "        path: /spec/template/spec/containers/0/image\n",
        },
        {"GG303"},
    ),
    "a strategic-merge patch adds a container": (
        {
            PROD: TAGGED_PROD + "patches:\n  - path: sidecar.yaml\n",
            "apps/api/overlays/prod/sidecar.yaml": deployment("busybox:latest", container="debug"),
        },
        {"GG102", "GG303"},
    ),
    "a replacement sets the image from a ConfigMap": (
        {
            PROD: "resources: [../../base]\n"
            + f"configMapGenerator:\n  - name: versions\n    literals: ['api={IMAGE}:2.1.0']\n"
            + "replacements:\n  - source: {kind: ConfigMap, name: versions, fieldPath: data.api}\n"
            + "    targets:\n      - select: {kind: Deployment, name: api}\n"
            + "        fieldPaths: ['spec.template.spec.containers.[name=api].image']\n"
        },
        {"GG303"},
    ),
    "a component with images: is added to prod": (
        {
            PROD: BASE_PROD + "components: [../../components/fast]\n",
            "apps/api/components/fast/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                f"images:\n  - name: {IMAGE}\n    newTag: '2.1.0'\n"
            ),
        },
        {"GG303"},
    ),
    "a second document in the kustomization": (
        {PROD: TAGGED_PROD + f"---\nimages:\n  - name: {IMAGE}\n    newTag: '2.1.0'\n"},
        {"GG001"},
    ),
    "a custom resource with a pod template": (
        {
            PROD: TAGGED_PROD.replace("[../../base]", "[../../base, knative.yaml]"),
            "apps/api/overlays/prod/knative.yaml": (
                "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: edge}\n"
                "spec:\n  template:\n    spec:\n      containers:\n        - image: nginx:latest\n"
            ),
        },
        {"GG102", "GG303"},
    ),
    "a Helm chart inflated by kustomize": (
        {
            PROD: TAGGED_PROD
            + "helmCharts:\n  - name: redis\n    repo: https://charts.bitnami.com/bitnami\n"
            + "    version: 18.0.0\n"
        },
        {"GG003"},
    ),
    "a remote base with an images: override": (
        {
            PROD: "resources:\n  - github.com/acme/platform//api?ref=v1\n"
            + f"images:\n  - name: {IMAGE}\n    newTag: '2.1.0'\n"
        },
        {"GG003", "GG303"},
    ),
    "the container is deleted and added back with another image": (
        {
            PROD: BASE_PROD + "patches:\n  - path: swap.yaml\n",
            "apps/api/overlays/prod/swap.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
                "  template:\n    spec:\n      containers:\n        - {name: api, $patch: delete}\n"
                f"        - {{name: api2, image: '{IMAGE}:2.1.0'}}\n"
            ),
        },
        {"GG303"},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(KUSTOMIZE_HOLES))
def test_a_kustomize_construct_cannot_step_around_the_gate(tmp_path: Path, name: str) -> None:
    from tests.integration.holes import STRICT_POLICY

    change, expected = KUSTOMIZE_HOLES[name]
    hole = Hole(history=kustomize_history(), change=change, expected=expected, policy=STRICT_POLICY)
    assert_caught(tmp_path, hole)
