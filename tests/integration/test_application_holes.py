"""Issue 13 item 6 and 7: an environment is what its Argo CD Applications deploy.

Each case is a real repository (dev → staging → prod, one Application per environment
deploying its overlay) with one pushed change; `check` and the server's pre-receive hook
must both refuse it (or both accept the controls). Before, an environment was the
folders the layout names, so pointing prod's Application elsewhere passed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.integration.holes import Hole, assert_caught, deployment
from tests.policies import APPLICATIONS_POLICY

IMAGE = "registry.example.com/team/api"
DESTINATIONS = {
    "dev": "name: dev",
    "staging": "name: staging",
    "prod": "server: https://prod.k8s.example.com",
}


def application(
    env: str,
    path: str,
    name: str | None = None,
    destination: str | None = None,
    revision: str = "HEAD",
) -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: {name or f"api-{env}"}
          namespace: argocd
        spec:
          project: default
          source:
            repoURL: https://git.example.com/acme/gitops.git
            targetRevision: {revision}
            path: {path}
          destination:
            {destination or DESTINATIONS[env]}
            namespace: api
        """
    )


def overlay(version: str, base: str = "../../base") -> str:
    return f"resources: [{base}]\nimages:\n  - name: {IMAGE}\n    newTag: '{version}'\n"


def history() -> list[dict[str, str | None]]:
    """1.0.0 everywhere; then 2.0.0 in dev only (staging has not run it)."""
    first: dict[str, str | None] = {
        "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/api/base/deployment.yaml": deployment(f"{IMAGE}:1.0.0"),
    }
    for env in ("dev", "staging", "prod"):
        first[f"apps/api/overlays/{env}/kustomization.yaml"] = overlay("1.0.0")
        first[f"argocd/api-{env}.yaml"] = application(env, f"apps/api/overlays/{env}")
    return [first, {"apps/api/overlays/dev/kustomization.yaml": overlay("2.0.0")}]


@pytest.mark.slow
@pytest.mark.parametrize("path", ["apps/api/overlays/dev", "apps/api/overlays/prod/../dev"])
def test_pointing_prod_at_the_dev_overlay_is_a_promotion(tmp_path: Path, path: str) -> None:
    hole = Hole(
        history=history(),
        change={"argocd/api-prod.yaml": application("prod", path)},
        expected={"GG303"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_moving_the_prod_overlay_to_an_unmapped_folder_keeps_it_prod(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={
            "apps/api/overlays/prod/kustomization.yaml": None,
            "deploy/p/kustomization.yaml": overlay("2.0.0", base="../../apps/api/base"),
            "argocd/api-prod.yaml": application("prod", "deploy/p"),
        },
        expected={"GG303"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_a_new_application_deploying_to_the_prod_cluster_is_prod(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={
            "deploy/sneaky/deployment.yaml": deployment(f"{IMAGE}:3.0.0", name="sneaky"),
            "argocd/sneaky.yaml": application("prod", "deploy/sneaky", name="sneaky"),
        },
        expected={"GG303"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_prod_tracking_an_unprotected_branch_is_refused(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={
            "argocd/api-prod.yaml": application(
                "prod", "apps/api/overlays/prod", revision="feature-x"
            )
        },
        expected={"GG004"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_an_unmapped_destination_is_named_and_kept_out_where_the_policy_says(
    tmp_path: Path,
) -> None:
    hole = Hole(
        history=history(),
        change={
            "deploy/other/deployment.yaml": deployment(f"{IMAGE}:3.0.0", name="other"),
            "argocd/other.yaml": application(
                "prod", "deploy/other", name="other", destination="server: https://10.9.8.7"
            ),
        },
        expected={"GG003"},
        policy=APPLICATIONS_POLICY + "    on_unresolved: error\n",
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_prod_deploying_another_repository_is_named(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={"argocd/api-prod.yaml": application("prod", "elsewhere/api/prod")},
        expected={"GG003"},
        policy=APPLICATIONS_POLICY + "    on_unresolved: error\n",
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_without_destinations_the_application_name_says_prod(tmp_path: Path) -> None:
    policy = "\n".join(
        line
        for line in APPLICATIONS_POLICY.splitlines()
        if "destinations" not in line and "name: " not in line and "server:" not in line
    )
    hole = Hole(
        history=history(),
        change={"argocd/api-prod.yaml": application("prod", "apps/api/overlays/dev")},
        expected={"GG303"},
        policy=policy + "\n",
    )
    assert_caught(tmp_path, hole)


# --- controls: what a team does every day still passes ------------------------------------


@pytest.mark.slow
def test_promoting_through_staging_passes(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={"apps/api/overlays/staging/kustomization.yaml": overlay("2.0.0")},
        expected=set(),
        policy=APPLICATIONS_POLICY,
    )
    verdict = assert_caught(tmp_path, hole)
    moves = [(p["environment"], p["from"], p["to"]) for p in verdict.check_document["promotions"]]
    assert moves == [("staging", "1.0.0", "2.0.0")]


@pytest.mark.slow
def test_an_application_change_that_deploys_the_same_passes(tmp_path: Path) -> None:
    same = application("prod", "apps/api/overlays/prod").replace(
        "  project: default\n", "  project: default\n  revisionHistoryLimit: 3\n"
    )
    hole = Hole(
        history=history(),
        change={"argocd/api-prod.yaml": same},
        expected=set(),
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


def helm_application(env: str, value_file: str) -> str:
    return application(env, "charts/api").replace(
        "    path: charts/api\n",
        f"    path: charts/api\n    helm:\n      valueFiles: [{value_file}]\n",
    )


def helm_history() -> list[dict[str, str | None]]:
    """A chart with one values file per environment; 2.0.0 in dev only."""
    first: dict[str, str | None] = {
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "charts/api/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: '1.0.0'\n",
    }
    for env in ("dev", "staging", "prod"):
        first[f"charts/api/values-{env}.yaml"] = "image:\n  tag: '1.0.0'\n"
        first[f"argocd/api-{env}.yaml"] = helm_application(env, f"values-{env}.yaml")
    return [first, {"charts/api/values-dev.yaml": "image:\n  tag: '2.0.0'\n"}]


@pytest.mark.slow
def test_pointing_prod_at_the_dev_values_file_is_a_promotion(tmp_path: Path) -> None:
    hole = Hole(
        history=helm_history(),
        change={"argocd/api-prod.yaml": helm_application("prod", "values-dev.yaml")},
        expected={"GG303"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_a_generic_override_file_in_the_prod_overlay_is_a_promotion(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={
            "apps/api/overlays/prod/.argocd-source.yaml": (
                f"kustomize:\n  images: ['{IMAGE}:2.0.0']\n"
            )
        },
        expected={"GG303"},
        policy=APPLICATIONS_POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_promoting_a_chart_through_staging_values_passes(tmp_path: Path) -> None:
    hole = Hole(
        history=helm_history(),
        change={"charts/api/values-staging.yaml": "image:\n  tag: '2.0.0'\n"},
        expected=set(),
        policy=APPLICATIONS_POLICY,
    )
    verdict = assert_caught(tmp_path, hole)
    moves = [(p["environment"], p["from"], p["to"]) for p in verdict.check_document["promotions"]]
    assert moves == [("staging", "1.0.0", "2.0.0")]
