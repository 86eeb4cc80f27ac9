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
