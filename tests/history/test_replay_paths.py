"""One switch, one proof: every replay path gives the same report, byte for byte.

Cold in one process (``GITOPS_GUARD_SIMPLE_REPLAY=1``: no cache, no worker), cold with the
forked worker replaying the later part of the chain, and warm from the history cache, over
the demo's sample history and a generated 2,000-commit one (the length at which a cold
replay starts using the worker).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from gitops_guard.demo.sample import PLAN_NOW, build_sample_repository
from gitops_guard.history import worker as replay_worker

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the worker forks: Linux only")

PROJECT = Path(__file__).resolve().parents[2]


def report_json(repo: Path, out: Path) -> bytes:
    assert main(["report", "--repo", str(repo), "--format", "json", "--out", str(out)]) == 0
    return (out / "report.json").read_bytes()


def three_paths(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, bytes, bytes, list[str]]:
    """The report simple, cold with a worker, and warm; and where the workers started."""

    def cached() -> list[Path]:
        return sorted((repo / ".git").glob("gitops-guard/history-*.sqlite"))

    started: list[str] = []
    original = replay_worker.StepWorker.__init__

    def recording(self, git_dir, policy, start, head):  # type: ignore[no-untyped-def]
        started.append(start)
        original(self, git_dir, policy, start, head)

    monkeypatch.setattr(replay_worker.StepWorker, "__init__", recording)
    monkeypatch.setattr(replay_worker, "parallel_available", lambda: True)  # one core too

    monkeypatch.setenv("GITOPS_GUARD_SIMPLE_REPLAY", "1")
    simple = report_json(repo, tmp_path / "simple")
    assert cached() == []  # the simple path writes no cache
    assert started == []  # and forks no worker
    monkeypatch.delenv("GITOPS_GUARD_SIMPLE_REPLAY")

    cold = report_json(repo, tmp_path / "cold")
    assert len(started) == 1
    assert cached()
    warm = report_json(repo, tmp_path / "warm")
    assert len(started) == 1  # the warm run replays nothing
    return simple, cold, warm, started


def test_the_sample_history_reports_the_same_on_every_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = build_sample_repository(tmp_path / "repo")
    monkeypatch.setattr(replay_worker, "PARALLEL_MIN", 2)  # the sample has a dozen commits
    simple, cold, warm, _ = three_paths(repo, tmp_path, monkeypatch)
    assert b'"events": [' in simple
    assert cold == simple
    assert warm == simple


def test_what_waits_is_the_same_on_every_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a moment to plan at, the report's `waiting` (the plan of the head, from the
    ledger each path rebuilt or read) is part of the same bytes."""
    repo = build_sample_repository(tmp_path / "repo", waiting=True)
    monkeypatch.setattr(replay_worker, "PARALLEL_MIN", 2)
    monkeypatch.setenv("GITOPS_GUARD_NOW", PLAN_NOW)
    simple, cold, warm, _ = three_paths(repo, tmp_path, monkeypatch)
    assert b'"waiting": {' in simple
    assert b'"blocked": 3' in simple
    assert cold == simple
    assert warm == simple


def test_a_generated_2000_commit_history_reports_the_same_on_every_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "history"
    generator = PROJECT / "bench" / "generate_history.py"
    subprocess.run(
        [sys.executable, str(generator), "--commits", "2000", "--out", str(repo)],
        check=True,
        capture_output=True,
    )
    assert replay_worker.PARALLEL_MIN == 2000  # the default: this chain is just long enough
    simple, cold, warm, started = three_paths(repo, tmp_path, monkeypatch)
    assert simple.count(b'"commit": ') > 1000
    assert cold == simple
    assert warm == simple
    # The worker replayed the last three quarters of the chain.
    chain = subprocess.run(
        ["git", "rev-list", "--first-parent", "--reverse", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert started == [chain[replay_worker.split_point(0, len(chain)) - 1]]
    shutil.rmtree(repo)
