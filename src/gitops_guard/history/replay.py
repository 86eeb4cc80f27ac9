"""Replays a branch's first-parent chain: steps from the cache where it has them, the rest from
Git.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Final

from gitops_guard.history.codec import decode_step, encode_step
from gitops_guard.history.steps import (
    History,
    Step,
)
from gitops_guard.history.store import HistoryCache, open_cache
from gitops_guard.policy.model import (
    POLICY_FILES,
    Policy,
)
from gitops_guard.repo.git import BlobBatch, GitRepository, run_git


@dataclass(frozen=True, slots=True)
class ReplayMode:
    """What a replay may use to go faster than one process walking the chain.

    ``use_cache``: the history cache under ``.git/gitops-guard/`` (steps, and the audit's
    judged events); ``parallel``: a forked worker for the later part of a long cold chain.
    Every mode gives the same answers, byte for byte (tests/history/test_replay_paths.py);
    :data:`SIMPLE` is the plain path, for debugging (``GITOPS_GUARD_SIMPLE_REPLAY=1``).
    """

    use_cache: bool = True
    parallel: bool = True


FAST: Final = ReplayMode()
SIMPLE: Final = ReplayMode(use_cache=False, parallel=False)


class Replay:
    """The first-parent history of a commit, from the cache where it can, replayed after.

    ``steps()`` yields every step oldest first: the cached ones, then those replayed
    (and cached) from the last cached commit on. Steps that come from the cache or from
    a replay worker list only the policy file among their commit's changes (all the
    audit follows); their ``state`` is empty.
    """

    def __init__(
        self,
        repo: GitRepository,
        policy: Policy,
        policy_bytes: bytes | None,
        head: str,
        mode: ReplayMode = FAST,
    ) -> None:
        self.repo = repo
        self.policy = policy
        self.head = head
        self.parallel = mode.parallel  # may a long replay use a second core (replay_worker)
        self.cache = open_cache(repo.git_dir, policy_bytes) if mode.use_cache else None
        self.cached = 0
        self.replayed = 0
        self.chain: list[str] = []
        self.count = 0  # leading commits of the chain the cache holds
        self._chain_set: set[str] | None = None
        self._objects: BlobBatch | None = None

    def prepare(self) -> None:
        """List the first-parent chain and find how much of it the cache holds."""
        if self.chain:
            return
        if self.cache is not None and self._extend_cached(self.cache):
            return
        self.chain = self._rev_list(self.head).split()
        self.count = self.cache.prefix(self.chain) if self.cache is not None else 0

    def _rev_list(self, *arguments: str) -> str:
        """What ``git rev-list --first-parent --reverse`` prints."""
        # A plain pipe read in one go: the chain of a large history is megabytes.
        listed = run_git(self.repo.git_dir, "rev-list", "--first-parent", "--reverse", *arguments)
        return listed.decode()

    def _extend_cached(self, cache: HistoryCache) -> bool:
        """Take the chain from the cache when the head is in it or descends from its end.

        Only the commits after the cache's newest are listed (its first parent must be
        that commit); anything else (a rewritten history, another branch) falls back to
        listing the whole chain.
        """
        known = cache.position(self.head)
        if known is not None:
            self.chain, self.count = cache.shas(known + 1), known + 1
            return True
        last = cache.last()
        if last is None:
            return False
        seq, sha = last
        # With --parents each line is a commit and its parents; the oldest new commit
        # comes first and its first parent must be the cache's newest commit.
        listed = self._rev_list("--parents", f"{sha}..{self.head}")
        lines = [line.split() for line in listed.splitlines()]
        if not lines or len(lines[0]) < 2 or lines[0][1] != sha:
            return False
        self.chain, self.count = cache.shas(seq + 1) + [line[0] for line in lines], seq + 1
        return True

    def steps(self, skip: int = 0) -> Generator[Step, None, None]:
        """Every step of the first-parent chain of ``head`` from ``skip`` on, oldest first."""
        self.prepare()
        chain, count, cache = self.chain, self.count, self.cache
        if cache is not None:
            for step in cache.steps(count, start=skip):
                self.cached += 1
                yield step
        if count == len(chain):
            return
        from gitops_guard.history import worker as replay_worker

        # A long replay is split: a forked worker replays the later part on another core
        # while this process replays the first part, then judges the worker's steps.
        worker, end = None, self.head
        if (
            self.parallel
            and len(chain) - count >= replay_worker.PARALLEL_MIN
            and replay_worker.parallel_available()
        ):
            split = replay_worker.split_point(count, len(chain))
            end = chain[split - 1]
            worker = replay_worker.StepWorker(self.repo.git_dir, self.policy, end, self.head)
        start = chain[count - 1] if count else None

        def replayed() -> Iterator[tuple[Step, str | None]]:
            """Steps replayed here, then the worker's (with the text it sent)."""
            history = History(self.repo, self.policy, start=start)
            arguments = ["--first-parent", "--reverse", f"{start}..{end}" if start else end]
            for step in history.apply_all(self.repo.log(arguments)):
                yield step, None
            for text in worker.texts() if worker is not None else ():
                yield decode_step(text), text

        sequence = count
        try:
            for step, text in replayed():
                if cache is not None:
                    encoded = text if text is not None else encode_step(step, POLICY_FILES)
                    cache.add(sequence, step.commit.sha, encoded)
                    if sequence % 2000 == 0:
                        cache.flush()
                sequence += 1
                self.replayed += 1
                yield step
        finally:
            if worker is not None:
                worker.close()
            if cache is not None:
                cache.flush()

    def chain_set(self) -> set[str]:
        """The first-parent chain as a set (what a merge's other side is told apart from)."""
        if self._chain_set is None:
            self._chain_set = set(self.chain)
        return self._chain_set

    def object_batch(self) -> BlobBatch:
        """One ``cat-file --batch`` for the objects the audit reads besides the replay's
        (the commits a merge brings), started when first asked for."""
        if self._objects is None:
            self._objects = self.repo.blob_batch()
        return self._objects

    def close(self) -> None:
        if self._objects is not None:
            self._objects.close()
        if self.cache is not None:
            self.cache.close()
