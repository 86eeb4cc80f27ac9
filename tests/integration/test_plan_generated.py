"""`plan` and `check` agree on generated histories (bench/generate_history.py).

The generator simulates bots and people promoting through dev → staging → prod with soak
times, digests required in prod, Kustomize overlays, Helm values and Argo CD Applications.
For every row of the plan whose promotion is a one-token edit of the line the plan names
(a tag for a tag; rows that add or drop a digest need `promote`'s patcher and are left
out), the edit is committed by a person at the plan's moment and `check` judges it: it
must pass exactly the ready rows and fail the blocked ones with the plan's rule ids.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.cli.main import main
from tests.conftest import git

PROJECT = Path(__file__).resolve().parents[2]


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main(args)
    out, _err = capsys.readouterr()
    return code, json.loads(out)


def cases(entry: dict[str, Any]) -> list[tuple[str | None, str | None, str, list[str]]]:
    """(version, reference, verdict, rules) of the row and of its next version up."""
    found = []
    if entry["verdict"] in ("ready", "blocked"):
        candidate = entry["candidate"]
        found.append(
            (candidate["version"], candidate["reference"], entry["verdict"], entry["rules"])
        )
    up = entry["upstream"]
    if up is not None:
        found.append((up["version"], up["reference"], up["verdict"], up["rules"]))
    return found


@pytest.mark.parametrize("seed", [3, 11])
def test_plan_and_check_agree_on_a_generated_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    repo = tmp_path / "history"
    generator = PROJECT / "bench" / "generate_history.py"
    subprocess.run(
        [sys.executable, str(generator), "--commits", "800", "--manifests", "120", "--seed",
         str(seed), "--out", str(repo)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    head_time = datetime.datetime.fromisoformat(git(repo, "log", "-1", "--format=%cI").strip())
    judged = 0
    for moment in (head_time, head_time + datetime.timedelta(hours=20)):
        now = moment.isoformat()
        code, plan = run_json(
            ["plan", "--repo", str(repo), "--now", now, "--format", "json"], capsys
        )
        assert code == 0
        for index, entry in enumerate(plan["promotions"]):
            running = entry["running"]
            for number, (version, reference, verdict, rules) in enumerate(cases(entry)):
                assert version is not None
                path = repo / entry["path"]
                lines = path.read_text().splitlines(keepends=True)
                line = lines[entry["line"] - 1]
                if "@" in (reference or "") or "@" in running["reference"]:
                    continue  # adds or drops a digest: more than one token
                if line.count(running["version"]) != 1:
                    continue
                branch = f"plan-{moment:%H%M}-{index}-{number}"
                git(repo, "checkout", "-q", "-B", branch, "main")
                lines[entry["line"] - 1] = line.replace(running["version"], version)
                path.write_text("".join(lines))
                git(repo, "add", "-A")
                message = f"Promote {entry['app']} {version} to {entry['environment']}"
                dates = {"GIT_AUTHOR_DATE": now, "GIT_COMMITTER_DATE": now}
                git(repo, "commit", "-q", "--no-verify", "-m", message, env=dates)
                git(repo, "checkout", "-q", "main")
                code, checked = run_json(
                    ["check", "--repo", str(repo), "--base", "main", "--head", branch, "--now",
                     now, "--format", "json"],
                    capsys,
                )  # fmt: skip
                errors = sorted(
                    {f["rule"] for f in checked["findings"] if f["severity"] == "error"}
                )
                where = f"{entry['app']} → {entry['environment']} {version} at {now}"
                assert errors == rules, where
                assert code == (0 if verdict == "ready" else 1), where
                judged += 1
    assert judged >= 10
