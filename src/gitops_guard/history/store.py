"""An incremental cache of replayed history: SQLite under ``.git/gitops-guard/``.

Replaying history is the slow part of `report`, `at` and `check`: every changed blob
is parsed once. The cache keeps, per first-parent commit, what the replay found (the
commit's metadata and its promotion events) so the next run reads only new commits.
It is keyed by tool version and by the policy whose layout mapped the paths (today's,
or the base's for `check`): when either changes, a new cache starts. A history that was
rewritten is noticed (the cached commits are no longer a prefix) and replayed again.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gitops_guard import __version__
from gitops_guard.history.codec import decode_step
from gitops_guard.history.ledger import (
    Ledger,
    LedgerKey,
)
from gitops_guard.history.steps import (
    Step,
)

SCHEMA = 10  # the cache layout and what it stores; a change starts new caches


def cache_key(policy_bytes: bytes | None) -> str:
    """What a cache depends on: this tool's version and the policy that mapped paths."""
    digest = hashlib.sha256()
    # marshal's format belongs to the Python version.
    python = "{}.{}".format(*sys.version_info[:2])
    digest.update(f"{__version__}\0{SCHEMA}\0{python}\0".encode())
    digest.update(policy_bytes or b"(default policy)")
    return digest.hexdigest()[:24]


class HistoryCache:
    """The steps of one first-parent history, in order, for one cache key."""

    def __init__(self, git_dir: Path, key: str) -> None:
        directory = git_dir / "gitops-guard"
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"history-{key}.sqlite"
        # Two reports at once on one repository: the second waits for the first's writes
        # (up to a minute) instead of failing with "database is locked".
        self.connection = sqlite3.connect(self.path, timeout=60)
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
        ledger.settle()
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
    """The cache for this policy, or None when it cannot be used (read-only .git)."""
    try:
        return HistoryCache(git_dir, cache_key(policy_bytes))
    except (OSError, sqlite3.Error):
        return None
