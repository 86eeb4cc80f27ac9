"""An incremental cache of replayed history: SQLite under ``.git/gitops-guard/``.

Replaying history is the slow part of `report`, `at` and `check`: every changed blob
is parsed once. The cache keeps, per first-parent commit, what the replay found (the
commit's metadata and its promotion events) so the next run reads only new commits.
It is keyed by tool version and by the policy whose layout mapped the paths (today's,
or the base's for `check`): when either changes, a new cache starts. A history that was
rewritten is noticed (the cached commits are no longer a prefix) and replayed again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import marshal
import sqlite3
import subprocess
import sys
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from gitops_guard import __version__
from gitops_guard.errors import GitError
from gitops_guard.gitio import GitRepository
from gitops_guard.history import History, PromotionEvent, Step
from gitops_guard.imageref import InvalidReference, parse_reference
from gitops_guard.model import Commit, FileChange, ImageUse, Location, Person, Source
from gitops_guard.policy import POLICY_FILE, Policy
from gitops_guard.promotion import Ledger, LedgerKey

SCHEMA = 5  # the cache layout and what it stores; a change starts new caches


def cache_key(policy_bytes: bytes | None) -> str:
    """What a cache depends on: this tool's version and the policy that mapped paths."""
    digest = hashlib.sha256()
    # marshal's format belongs to the Python version.
    python = "{}.{}".format(*sys.version_info[:2])
    digest.update(f"{__version__}\0{SCHEMA}\0{python}\0".encode())
    digest.update(policy_bytes or b"(default policy)")
    return digest.hexdigest()[:24]


def _person(person: Person) -> list[Any]:
    return [person.name, person.email, person.time.isoformat()]


def _unperson(data: list[Any]) -> Person:
    return Person(data[0], data[1], datetime.datetime.fromisoformat(data[2]))


def _use(use: ImageUse | None) -> dict[str, Any] | None:
    if use is None:
        return None
    return {
        "l": [use.location.path, use.location.line, use.location.column],
        "s": use.source.value,
        "r": use.raw,
        "a": use.app,
        "e": use.environment,
        "res": use.resource,
        "c": use.container,
    }


def _unuse(data: dict[str, Any] | None) -> ImageUse | None:
    if data is None:
        return None
    try:
        reference = parse_reference(data["r"])
        error = None
    except InvalidReference as exc:
        reference, error = None, exc.reason
    return ImageUse(
        Location(*data["l"]),
        Source(data["s"]),
        data["r"],
        reference,
        error,
        data["a"],
        data["e"],
        data["res"],
        data["c"],
    )


# One encoder for every step: json.dumps with options builds a new one per call.
_STEP_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_step(step: Step, keep_paths: Sequence[str]) -> str:
    """A step as JSON: the commit (changes of ``keep_paths`` only) and its events."""
    commit = step.commit
    data = {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "author": _person(commit.author),
        "committer": _person(commit.committer),
        "message": commit.message,
        "signature": commit.signature,
        "changes": [
            [c.path, c.old_blob, c.new_blob] for c in commit.changes if c.path in keep_paths
        ],
        "events": [
            {
                "k": list(event.key),
                "o": _use(event.old),
                "n": _use(event.new),
                "ch": event.change,
                "b": event.bot,
                "pr": event.pr,
            }
            for event in step.events
        ],
    }
    return _STEP_ENCODER.encode(data)


def decode_step(text: str) -> Step:
    """The step :func:`encode_step` wrote (its state is not kept: an empty dict)."""
    data = json.loads(text)
    commit = Commit(
        data["sha"],
        tuple(data["parents"]),
        _unperson(data["author"]),
        _unperson(data["committer"]),
        data["message"],
        data["signature"],
        tuple(FileChange(*c) for c in data["changes"]),
    )
    events = [
        PromotionEvent(
            commit,
            tuple(e["k"]),
            _unuse(e["o"]),
            _unuse(e["n"]),
            e["ch"],
            e["b"],
            e["pr"],
        )
        for e in data["events"]
    ]
    return Step(commit, events, {})


class HistoryCache:
    """The steps of one first-parent history, in order, for one cache key."""

    def __init__(self, git_dir: Path, key: str) -> None:
        directory = git_dir / "gitops-guard"
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"history-{key}.sqlite"
        self.connection = sqlite3.connect(self.path)
        # A cache needs no durability, only consistency: write-ahead logging without an
        # fsync per commit (a crash loses at most the last commits, never the file's
        # integrity). The default journal cost 0.15 s per commit on a 300 MiB cache.
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS steps "
            "(seq INTEGER PRIMARY KEY, sha TEXT NOT NULL, data TEXT)"
        )
        # What the audit made of each step (its judged events, as report JSON lines) and,
        # in `meta`, the replay state after the last judged step: a warm report then only
        # judges new commits.
        # `added`: the ledger entries the step recorded, so the ledger at an earlier commit
        # (check's base) is the stored one minus what came after it.
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS judged "
            "(seq INTEGER PRIMARY KEY, time TEXT, data BLOB, added BLOB)"
        )
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
        )
        # Finding a commit in the cached chain (a warm run's head, check's base) by its sha
        # spares listing the whole first-parent chain with rev-list: 0.6 s at 100,000 commits.
        self.connection.execute("CREATE INDEX IF NOT EXISTS steps_sha ON steps (sha)")
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()

    def shas(self, count: int | None = None) -> list[str]:
        """The cached commits (the first ``count`` of them), oldest first."""
        # From the sha index alone (the table's rows carry the encoded steps, kilobytes
        # each, and scanning them costs several times more), put in order here: positions
        # run from 0 without gaps, and placing each is cheaper than any sort.
        query = "SELECT seq, sha FROM steps INDEXED BY steps_sha WHERE seq < ?"
        limit = sys.maxsize if count is None else count
        rows: list[tuple[int, str]] = self.connection.execute(query, (limit,)).fetchall()
        shas = [""] * len(rows)
        try:
            for seq, sha in rows:
                shas[seq] = sha
        except IndexError:  # a gap: a damaged cache still answers, in order
            return [sha for _seq, sha in sorted(rows)]
        return shas

    def position(self, sha: str) -> int | None:
        """Where a commit sits in the cached chain, or None when it is not there.

        The rows before it are its whole first-parent chain: a commit determines the
        chain of first parents behind it, and the cache only ever holds one such chain.
        """
        row = self.connection.execute("SELECT seq FROM steps WHERE sha = ?", (sha,)).fetchone()
        return int(row[0]) if row else None

    def last(self) -> tuple[int, str] | None:
        """The position and sha of the newest cached commit."""
        row = self.connection.execute(
            "SELECT seq, sha FROM steps ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def prefix(self, chain: Sequence[str]) -> int:
        """How many leading commits of ``chain`` the cache holds (drops the rest if it diverged)."""
        last = self.last()
        if last is None:
            return 0
        # A commit determines its whole first-parent chain: when the cache's last commit
        # sits at the same place in ``chain``, everything before it matches too.
        if last[0] < len(chain) and chain[last[0]] == last[1]:
            return last[0] + 1
        cached = self.shas()
        count = 0
        for cached_sha, sha in zip(cached, chain, strict=False):
            if cached_sha != sha:
                break
            count += 1
        if count < len(cached):
            # History was rewritten (or a different branch): forget what no longer applies.
            self.connection.execute("DELETE FROM steps WHERE seq >= ?", (count,))
            self.connection.execute("DELETE FROM judged WHERE seq >= ?", (count,))
            if self.judged_upto() > count:
                self.connection.execute("DELETE FROM meta WHERE key = 'judged'")
            self.connection.commit()
        return count

    def judged_upto(self) -> int:
        """How many leading steps have their judged events (and state) stored."""
        return int(self.judged_state().get("upto", 0))

    def judged_state(self) -> dict[str, Any]:
        """The replay state after the last judged step (``upto``, ledger, policy blob)."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'judged'").fetchone()
        state: dict[str, Any] = json.loads(row[0]) if row else {}
        return state

    def judged(self, count: int) -> Iterator[tuple[str, list[Any]]]:
        """(commit time, event records) of the first ``count`` judged steps, in order."""
        cursor = self.connection.execute(
            "SELECT time, data FROM judged WHERE seq < ? ORDER BY seq", (count,)
        )
        for time, data in cursor:
            yield time, marshal.loads(data)

    def add_judged(
        self,
        seq: int,
        time: str,
        records: Sequence[Any],
        added: Sequence[tuple[LedgerKey, str]] = (),
    ) -> None:
        """Remember what the audit made of one step and the ledger entries it recorded
        (committed with :meth:`flush`)."""
        self.connection.execute(
            "INSERT OR REPLACE INTO judged (seq, time, data, added) VALUES (?, ?, ?, ?)",
            # marshal: plain data only (it cannot run code), and several times faster to read
            # back than JSON — a warm report reads every judged step.
            (
                seq,
                time,
                marshal.dumps(list(records)),
                marshal.dumps([[*key, version] for key, version in added]),
            ),
        )

    def ledger_at(self, position: int) -> Ledger | None:
        """The ledger after the cached step at ``position`` (None: no judged state covers it).

        The judged state holds the ledger after the last judged step; the entries the
        steps after ``position`` recorded are taken out again.
        """
        state = self.judged_state()
        upto = int(state.get("upto", 0))
        if position >= upto:
            return None
        ledger = Ledger()
        ledger.restore(state.get("ledger", {}))
        cursor = self.connection.execute(
            "SELECT added FROM judged WHERE seq > ? AND seq < ?", (position, upto)
        )
        for (added,) in cursor:
            for app, environment, repository, version in marshal.loads(added):
                ledger.forget((app, environment, repository), version)
        return ledger

    def save_judged(self, upto: int, state: dict[str, Any]) -> None:
        """Record that steps before ``upto`` are judged, and the state after them."""
        value = json.dumps({"upto": upto, **state}, separators=(",", ":"))
        self.connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('judged', ?)", (value,)
        )
        self.connection.commit()

    def steps(self, count: int, start: int = 0) -> Iterator[Step]:
        """Cached steps ``start`` to ``count`` (excluded), oldest first, streamed."""
        cursor = self.connection.execute(
            "SELECT data FROM steps WHERE seq >= ? AND seq < ? ORDER BY seq", (start, count)
        )
        for (text,) in cursor:
            yield decode_step(text)

    def add(self, seq: int, sha: str, encoded: str) -> None:
        """Remember a step :func:`encode_step` wrote (committed in batches by :meth:`flush`)."""
        self.connection.execute(
            "INSERT OR REPLACE INTO steps (seq, sha, data) VALUES (?, ?, ?)", (seq, sha, encoded)
        )

    def flush(self) -> None:
        self.connection.commit()


def open_cache(git_dir: Path, policy_bytes: bytes | None) -> HistoryCache | None:
    """The cache for this policy, or None when it cannot be used (read-only, disabled)."""
    import os

    if os.environ.get("GITOPS_GUARD_NO_CACHE"):
        return None
    try:
        return HistoryCache(git_dir, cache_key(policy_bytes))
    except (OSError, sqlite3.Error):
        return None


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
        *,
        use_cache: bool = True,
        parallel: bool = True,
    ) -> None:
        self.repo = repo
        self.policy = policy
        self.head = head
        self.parallel = parallel  # may a long replay use a second core (replay_worker)
        self.cache = open_cache(repo.git_dir, policy_bytes) if use_cache else None
        self.cached = 0
        self.replayed = 0
        self.chain: list[str] = []
        self.count = 0  # leading commits of the chain the cache holds

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
        process = subprocess.Popen(
            ["git", "rev-list", "--first-parent", "--reverse", *arguments],
            cwd=self.repo.git_dir,
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        with process.stdout:
            output = process.stdout.read()
        if process.wait() != 0:
            raise GitError(f"git rev-list failed for {arguments[-1]}")
        return output.decode()

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
        from gitops_guard import replay_worker

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
                    encoded = text if text is not None else encode_step(step, (POLICY_FILE,))
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

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
