"""The key property of `plan`: what it calls ready, `check` passes; what it blocks, `check`
fails with the same rules.

For every row of the plan of tests/audit/plan_repo.py (and every "next" version further
up the chain), the promotion is made as a person's commit on a branch, dated at the
plan's moment, and `check --base main --head <branch> --now <that moment>` judges it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.cli.main import main
from tests.audit.plan_repo import NOW, PlanRepo, build_plan_history, overlay
from tests.policies import PLAN_POLICY

MOMENTS = [NOW.isoformat(), "2026-03-23T09:00:00+01:00"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main(args)
    out, _err = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith("{") else out


def promote(repo: PlanRepo, name: str, entry: dict[str, Any], version: str, when: str,
            message: str) -> None:  # fmt: skip
    repo.git("checkout", "-q", "-B", name, "main")
    app, env = entry["app"], entry["environment"]
    assert entry["path"] == f"apps/{app}/overlays/{env}/kustomization.yaml"
    repo.commit(when, message, {entry["path"]: overlay(app, version)})
    repo.git("checkout", "-q", "main")


def check_errors(
    repo: PlanRepo, branch: str, when: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code, document = run(
        ["check", "--repo", str(repo.path), "--base", "main", "--head", branch, "--now", when,
         "--format", "json"],
        capsys,
    )  # fmt: skip
    rules = sorted({f["rule"] for f in document["findings"] if f["severity"] == "error"})
    return code, rules


@pytest.mark.parametrize("when", MOMENTS)
@pytest.mark.parametrize("policy", ["plain", "offline-fail"])
def test_ready_passes_check_and_blocked_fails_it_with_the_same_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], when: str, policy: str
) -> None:
    text = PLAN_POLICY
    offline: list[str] = []
    if policy == "offline-fail":
        text += "supply_chain:\n  on_unreachable: fail\n  registry:\n    environments: [prod]\n"
        offline = ["--offline"]
    repo = build_plan_history(tmp_path / "repo", text)
    code, plan = run(
        ["plan", "--repo", str(repo.path), "--now", when, "--format", "json", "--all", *offline],
        capsys,
    )
    assert code == 0
    judged = 0
    for index, entry in enumerate(plan["promotions"]):
        cases = []
        if entry["verdict"] in ("ready", "blocked"):
            cases.append((entry["candidate"]["version"], entry["verdict"], entry["rules"]))
        if entry["upstream"] is not None:
            up = entry["upstream"]
            cases.append((up["version"], up["verdict"], up["rules"]))
        for number, (version, verdict, rules) in enumerate(cases):
            branch = f"plan-{index}-{number}"
            message = f"Promote {entry['app']} {version} to {entry['environment']}"
            promote(repo, branch, entry, version, when, message)
            if offline:  # check's network gates, offline too
                code, errors = _offline_check(repo, branch, when, capsys)
            else:
                code, errors = check_errors(repo, branch, when, capsys)
            where = f"{entry['app']} → {entry['environment']} {version}"
            assert errors == rules, where
            assert code == (0 if verdict == "ready" else 1), where
            judged += 1
    assert judged >= 6


def _offline_check(
    repo: PlanRepo, branch: str, when: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code, document = run(
        ["check", "--repo", str(repo.path), "--base", "main", "--head", branch, "--now", when,
         "--format", "json", "--offline"],
        capsys,
    )  # fmt: skip
    return code, sorted({f["rule"] for f in document["findings"] if f["severity"] == "error"})


def test_a_rollback_where_the_plan_says_one_is_possible_passes_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = build_plan_history(tmp_path / "repo")
    _code, plan = run(
        ["plan", "--repo", str(repo.path), "--now", NOW.isoformat(), "--format", "json"], capsys
    )
    (worker,) = [e for e in plan["promotions"] if e["rollback"]["needed"]]
    assert worker["rollback"]["possible"] is True
    promote(
        repo,
        "rollback",
        worker,
        worker["candidate"]["version"],
        NOW.isoformat(),
        "Roll back worker in prod to 0.8.0\n\nRollback: INC-7\n",
    )
    assert check_errors(repo, "rollback", NOW.isoformat(), capsys) == (0, [])
