"""The history cache: same answers as a fresh replay, and only new commits are read."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gitops_guard.audit.events import AuditOptions
from gitops_guard.audit.replay import replay
from gitops_guard.demo.sample import build_sample_repository
from gitops_guard.history.codec import (
    decode_step,
    encode_step,
)
from gitops_guard.history.replay import FAST, SIMPLE, Replay, ReplayMode
from gitops_guard.history.store import (
    HistoryCache,
    cache_key,
)
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import POLICY_FILE
from gitops_guard.repo.git import GitRepository
from tests.conftest import GIT_ENV


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return build_sample_repository(tmp_path / "repo")


def events_of(repo: GitRepository, use_cache: bool) -> list[tuple[object, ...]]:
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    audit = replay(
        repo, parse_policy(data or b""), AuditOptions(), None, data, ReplayMode(use_cache=use_cache)
    )
    return [
        (
            e.commit,
            e.app,
            e.environment,
            e.container,
            e.from_version,
            e.to_version,
            e.change,
            e.rollback,
            e.bot,
            e.pr,
            tuple(f.rule for f in e.findings),
        )
        for e in audit.events
    ]


def counts(repo: GitRepository) -> tuple[int, int]:
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    runner = Replay(repo, parse_policy(data or b""), data, repo.resolve("HEAD"))
    for _ in runner.steps():
        pass
    runner.close()
    return runner.cached, runner.replayed


def test_steps_survive_encoding(sample: Path) -> None:
    repo = GitRepository(sample)
    data = repo.file_at("HEAD", POLICY_FILE)
    runner = Replay(repo, parse_policy(data or b""), data, repo.resolve("HEAD"), SIMPLE)
    steps = list(runner.steps())
    assert steps
    for step in steps:
        again = decode_step(encode_step(step, (POLICY_FILE,)))
        assert again.commit.sha == step.commit.sha
        assert again.commit.author == step.commit.author
        assert again.commit.trailers() == step.commit.trailers()
        assert [
            (
                e.key,
                e.old.raw if e.old else None,
                e.new.raw if e.new else None,
                e.change,
                e.bot,
                e.pr,
            )
            for e in again.events
        ] == [
            (
                e.key,
                e.old.raw if e.old else None,
                e.new.raw if e.new else None,
                e.change,
                e.bot,
                e.pr,
            )
            for e in step.events
        ]


def test_a_second_run_reads_only_new_commits(sample: Path) -> None:
    repo = GitRepository(sample)
    fresh = events_of(repo, use_cache=False)
    assert events_of(repo, use_cache=True) == fresh
    commits = int(
        subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=sample, capture_output=True, text=True
        ).stdout
    )
    assert counts(repo) == (commits, 0)
    target = sample / "apps/api/overlays/dev/kustomization.yaml"
    target.write_text(target.read_text().replace('"1.5.0"', '"1.5.1"'))
    env = {
        **GIT_ENV,
        "GIT_AUTHOR_DATE": "2026-02-10T09:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-02-10T09:00:00+00:00",
    }
    subprocess.run(
        ["git", "commit", "-qam", "api 1.5.1 in dev"],
        cwd=sample,
        check=True,
        env={**os.environ, **env},
    )
    assert counts(repo) == (commits, 1)
    assert events_of(repo, use_cache=True) == events_of(repo, use_cache=False)


def test_an_older_head_is_read_from_the_cache_alone(sample: Path) -> None:
    repo = GitRepository(sample)
    events_of(repo, use_cache=True)
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    older = repo.resolve("HEAD~3")
    runner = Replay(repo, parse_policy(data or b""), data, older)
    steps = [step.commit.sha for step in runner.steps()]
    runner.close()
    chain = subprocess.run(
        ["git", "rev-list", "--first-parent", "--reverse", older],
        cwd=sample,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert steps == chain
    assert (runner.cached, runner.replayed) == (len(chain), 0)


def test_a_branch_forked_before_the_cached_head_is_replayed_from_the_fork(sample: Path) -> None:
    repo = GitRepository(sample)
    events_of(repo, use_cache=True)
    env = {**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": "2026-02-12T09:00:00+00:00"}
    subprocess.run(["git", "checkout", "-q", "-b", "side", "HEAD~2"], cwd=sample, check=True)
    target = sample / "apps/api/overlays/dev/kustomization.yaml"
    target.write_text(target.read_text().replace('"1.5.0"', '"1.5.2"'))
    subprocess.run(["git", "commit", "-qam", "side"], cwd=sample, check=True, env=env)
    assert events_of(repo, use_cache=True) == events_of(repo, use_cache=False)
    commits = int(
        subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=sample, capture_output=True, text=True
        ).stdout
    )
    assert counts(repo) == (commits, 0)


def test_rewritten_history_is_noticed(sample: Path) -> None:
    repo = GitRepository(sample)
    events_of(repo, use_cache=True)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~2"], cwd=sample, check=True, env=env)
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "rewritten"], cwd=sample, check=True, env=env
    )
    assert events_of(repo, use_cache=True) == events_of(repo, use_cache=False)


def test_a_policy_change_starts_a_new_cache(sample: Path) -> None:
    repo = GitRepository(sample)
    events_of(repo, use_cache=True)
    before = sorted(p.name for p in (sample / ".git/gitops-guard").iterdir())
    policy = sample / ".gitops-guard.yaml"
    policy.write_text(policy.read_text().replace("soak: 24h", "soak: 48h"))
    env = {**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": "2026-02-11T09:00:00+00:00"}
    subprocess.run(["git", "commit", "-qam", "longer soak"], cwd=sample, check=True, env=env)
    events_of(repo, use_cache=True)
    after = sorted(p.name for p in (sample / ".git/gitops-guard").iterdir())
    assert (
        len([n for n in after if n.startswith("history-")])
        == len([n for n in before if n.startswith("history-")]) + 1
    )


def test_an_unwritable_cache_folder_only_costs_time(sample: Path) -> None:
    repo = GitRepository(sample)
    (sample / ".git/gitops-guard").mkdir(exist_ok=True)
    shutil.rmtree(sample / ".git/gitops-guard")
    (sample / ".git/gitops-guard").write_text("not a folder")
    assert events_of(repo, use_cache=True) == events_of(repo, use_cache=False)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"environments": frozenset({"prod"})},
        {"apps": frozenset({"api"}), "since": datetime.datetime(2026, 1, 14, tzinfo=datetime.UTC)},
        {"until": datetime.datetime(2026, 2, 2, 15, tzinfo=datetime.UTC)},
        {"since_revision": "HEAD~3", "until_revision": "HEAD~1"},
        {"image": "ghcr.io/*"},
        {"replay_current": True},
    ],
    ids=["all", "env", "app-since", "until", "revisions", "image", "current-policy"],
)
def test_warm_judged_events_give_the_same_audit(sample: Path, options: dict[str, object]) -> None:
    repo = GitRepository(sample)
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    policy = parse_policy(data or b"")

    def audit(use_cache: bool):  # type: ignore[no-untyped-def]
        mode = ReplayMode(use_cache=use_cache)
        return replay(repo, policy, AuditOptions(**options), None, data, mode)  # type: ignore[arg-type]

    replay(repo, policy, AuditOptions(), None, data, FAST)  # fills the cache, judged events too
    cache = HistoryCache(sample / ".git", cache_key(data))
    assert cache.judged_upto() == int(
        subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=sample, capture_output=True, text=True
        ).stdout
    )
    cache.close()
    warm, cold = audit(True), audit(False)
    assert [e.to_dict() for e in warm.events] == [e.to_dict() for e in cold.events]
    assert warm.state == cold.state
    assert warm.commits == cold.commits


def test_the_ledger_at_any_cached_commit_is_the_stored_one_minus_what_came_after(
    sample: Path,
) -> None:
    from gitops_guard.history.ledger import Ledger

    repo = GitRepository(sample)
    data = repo.file_at(repo.resolve("HEAD"), POLICY_FILE)
    replay(repo, parse_policy(data or b""), AuditOptions(), None, data, FAST)
    cache = HistoryCache(sample / ".git", cache_key(data))
    try:
        upto = cache.judged_upto()
        assert upto > 3
        for position in range(upto):
            replayed = Ledger()
            for step in cache.steps(position + 1):
                for event in step.events:
                    replayed.record(event)
            known = cache.ledger_at(position)
            assert known is not None
            assert known.first_seen == replayed.first_seen, position
        assert cache.ledger_at(upto) is None  # beyond what was judged: not known
    finally:
        cache.close()
