"""A long replay split with a forked worker gives exactly what one process gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.audit.events import AuditOptions
from gitops_guard.audit.replay import replay
from gitops_guard.cli.main import main
from gitops_guard.demo.sample import build_sample_repository
from gitops_guard.errors import GuardError
from gitops_guard.history import worker as replay_worker
from gitops_guard.history.replay import SIMPLE, Replay, ReplayMode
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import POLICY_FILE
from gitops_guard.repo.git import GitRepository

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the worker forks: Linux only")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return build_sample_repository(tmp_path / "repo")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every replay of two commits or more use a worker; lists where each started."""
    monkeypatch.setattr(replay_worker, "PARALLEL_MIN", 2)
    monkeypatch.setattr(replay_worker, "parallel_available", lambda: True)  # one core too
    started: list[str] = []
    original = replay_worker.StepWorker.__init__

    def recording(self, git_dir, policy, start, head):  # type: ignore[no-untyped-def]
        started.append(start)
        original(self, git_dir, policy, start, head)

    monkeypatch.setattr(replay_worker.StepWorker, "__init__", recording)
    return started


def steps_of(repo: GitRepository, parallel: bool) -> list[tuple[Any, ...]]:
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    runner = Replay(
        repo, parse_policy(data or b"version: 1\n"), data, repo.resolve("HEAD"),
        ReplayMode(use_cache=False, parallel=parallel),
    )  # fmt: skip
    found = [
        (
            step.commit.sha,
            step.commit.message,
            # Steps from a worker (like those from the cache) keep the policy file's changes.
            tuple(c.path for c in step.commit.changes if c.path == POLICY_FILE),
            tuple(
                (e.key, e.old.raw if e.old else None, e.new.raw if e.new else None, e.change, e.bot)
                for e in step.events
            ),
        )
        for step in runner.steps()
    ]
    runner.close()
    return found


def test_the_worker_replays_the_later_part_of_the_chain(sample: Path, forks: list[str]) -> None:
    repo = GitRepository(sample)
    alone = steps_of(repo, parallel=False)
    assert forks == []
    split = steps_of(repo, parallel=True)
    chain = [sha for sha, *_ in alone]
    assert forks == [chain[replay_worker.split_point(0, len(chain)) - 1]]
    assert split == alone


@pytest.mark.parametrize("use_cache", [False, True], ids=["no-cache", "cache"])
def test_the_audit_is_the_same_with_a_worker(
    sample: Path, forks: list[str], use_cache: bool
) -> None:
    repo = GitRepository(sample)
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    policy = parse_policy(data or b"version: 1\n")
    split = replay(repo, policy, AuditOptions(), None, data, ReplayMode(use_cache=use_cache))
    assert len(forks) == 1
    replay_worker.PARALLEL_MIN = 10**9  # monkeypatched: restored after the test
    alone = replay(repo, policy, AuditOptions(), None, data, SIMPLE)
    assert [e.to_dict() for e in split.events] == [e.to_dict() for e in alone.events]
    assert split.state == alone.state


def test_report_through_the_command_line_with_a_worker(
    sample: Path, forks: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--repo", str(sample), "--format", "json"]) == 0
    split = capsys.readouterr().out
    assert len(forks) == 1
    (sample / ".git/gitops-guard").rename(sample / ".git/kept")
    replay_worker.PARALLEL_MIN = 10**9
    assert main(["report", "--repo", str(sample), "--format", "json"]) == 0
    assert json.loads(split) == json.loads(capsys.readouterr().out)


def test_an_early_end_stops_the_worker(sample: Path, forks: list[str]) -> None:
    repo = GitRepository(sample)
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    no_cache = ReplayMode(use_cache=False)
    runner = Replay(
        repo, parse_policy(data or b"version: 1\n"), data, repo.resolve("HEAD"), no_cache
    )
    steps = runner.steps()
    next(steps)
    workers: list[replay_worker.StepWorker] = []
    original_close = replay_worker.StepWorker.close

    def watched(self: replay_worker.StepWorker) -> None:
        workers.append(self)
        original_close(self)

    replay_worker.StepWorker.close = watched  # type: ignore[method-assign]
    try:
        steps.close()
    finally:
        replay_worker.StepWorker.close = original_close  # type: ignore[method-assign]
    runner.close()
    assert len(workers) == 1
    assert not workers[0].process.is_alive()


def test_a_git_failure_in_the_worker_is_a_clear_error(sample: Path) -> None:
    repo = GitRepository(sample)
    worker = replay_worker.StepWorker(repo.git_dir, parse_policy(b"version: 1\n"), "0" * 40, "HEAD")
    try:
        with pytest.raises(GuardError) as caught:
            list(worker.texts())
    finally:
        worker.close()
    assert "git" in caught.value.message


def test_a_bug_in_the_worker_is_reported_with_its_traceback(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_guard.history import steps

    def broken(self: object, commit: object) -> None:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(steps.History, "apply", broken)
    repo = GitRepository(sample)
    worker = replay_worker.StepWorker(
        repo.git_dir, parse_policy(b"version: 1\n"), repo.resolve("HEAD~3"), "HEAD"
    )
    try:
        with pytest.raises(replay_worker.ReplayWorkerError) as caught:
            list(worker.texts())
    finally:
        worker.close()
    assert "RuntimeError: broken on purpose" in str(caught.value)
    assert "Traceback" in str(caught.value)


def test_a_worker_that_dies_is_noticed(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from gitops_guard.history import steps

    def dies(self: object, commit: object) -> None:
        os._exit(9)

    monkeypatch.setattr(steps.History, "apply", dies)
    repo = GitRepository(sample)
    worker = replay_worker.StepWorker(
        repo.git_dir, parse_policy(b"version: 1\n"), repo.resolve("HEAD~3"), "HEAD"
    )
    try:
        with pytest.raises(GuardError, match="stopped without finishing"):
            list(worker.texts())
    finally:
        worker.close()


def test_ctrl_c_is_left_to_the_main_process(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal
    import time

    from gitops_guard.history import steps

    original = steps.History.apply

    def slow(self: steps.History, commit: object) -> object:
        time.sleep(0.02)
        return original(self, commit)  # type: ignore[arg-type]

    monkeypatch.setattr(steps.History, "apply", slow)
    repo = GitRepository(sample)
    policy = parse_policy(repo.file_at("HEAD", POLICY_FILE) or b"version: 1\n")
    worker = replay_worker.StepWorker(repo.git_dir, policy, repo.resolve("HEAD~10"), "HEAD")
    try:
        status = Path(f"/proc/{worker.process.pid}/status")
        for _attempt in range(1000):  # until the worker ignores SIGINT (bit 2 of SigIgn)
            ignored = next(line for line in status.read_text().splitlines() if "SigIgn" in line)
            if int(ignored.split()[1], 16) & 1 << (signal.SIGINT - 1):
                break
            time.sleep(0.001)
        else:
            pytest.fail("the worker never ignored SIGINT")
        assert worker.process.pid is not None
        os.kill(worker.process.pid, signal.SIGINT)
        assert len(list(worker.texts())) == 10
    finally:
        worker.close()


def test_short_replays_and_single_cores_stay_in_one_process() -> None:
    assert replay_worker.split_point(0, 10_000) == 2_500
    assert replay_worker.split_point(100, 101) == 101  # the main process takes one at least
    assert replay_worker.PARALLEL_MIN >= 1000
