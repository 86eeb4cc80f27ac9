"""Flux repositories: what a Kustomization and a HelmRelease deploy is judged by `check`
and by the server's pre-receive hook (issue 13 item 10).

The repository has the shape of fluxcd/flux2-kustomize-helm-example: a Flux
Kustomization per cluster folder deploying ``./apps/<env>``, a HelmRelease base patched per
environment with the image's tag.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.extract.test_flux import REPO, flux_kustomization, values_patch
from tests.integration.holes import Hole, assert_caught

POLICY = """\
version: 1
layout:
  - clusters/{env}/**
  - apps/{env}/**
environments:
  staging: {}
  production:
    from: staging
"""


def history() -> list[dict[str, str | None]]:
    """6.5.4 runs in staging and production; then 6.6.0 in staging."""
    first: dict[str, str | None] = {
        **REPO,
        "apps/staging/podinfo-values.yaml": values_patch("6.5.4"),
    }
    return [first, {"apps/staging/podinfo-values.yaml": values_patch("6.6.0")}]


@pytest.mark.slow
def test_a_version_production_gets_before_staging_is_refused(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={"apps/production/podinfo-values.yaml": values_patch("6.7.0")},
        expected={"GG303"},
        policy=POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_production_pointed_at_a_new_folder_is_a_promotion(tmp_path: Path) -> None:
    hotfix = {
        "apps/hotfix/kustomization.yaml": (
            "resources: [../base/podinfo]\npatches:\n  - path: podinfo-values.yaml\n"
            "    target: {kind: HelmRelease}\n"
        ),
        "apps/hotfix/podinfo-values.yaml": values_patch("9.9.9"),
    }
    hole = Hole(
        history=history(),
        change={
            **hotfix,
            "clusters/production/apps.yaml": flux_kustomization("p", "./apps/hotfix"),
        },
        expected={"GG303"},
        policy=POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_production_pointed_at_the_staging_folder_runs_what_staging_ran(tmp_path: Path) -> None:
    # The folder production no longer deploys keeps its images (presumed, no app): what
    # ran in staging for any app counts for it, so no false GG303.
    hole = Hole(
        history=history(),
        change={"clusters/production/apps.yaml": flux_kustomization("p", "./apps/staging")},
        expected=set(),
        policy=POLICY,
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_promoting_what_staging_ran_passes(tmp_path: Path) -> None:
    hole = Hole(
        history=history(),
        change={"apps/production/podinfo-values.yaml": values_patch("6.6.0")},
        expected=set(),
        policy=POLICY,
    )
    verdict = assert_caught(tmp_path, hole)
    moves = [(p["environment"], p["from"], p["to"]) for p in verdict.check_document["promotions"]]
    assert moves == [("production", "6.5.4", "6.6.0")]
