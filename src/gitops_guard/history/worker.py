"""The later part of a long history, replayed on a second core by a forked worker.

Replaying history is parsing-bound and runs in one Python process; judging what it
finds must follow the chain in order (what ran where, and since when, is the state the
rules judge against). So a cold replay of many commits is split: a forked worker starts
from a full extraction of the tree at a split commit and replays the rest of the chain,
sending each step as the history cache stores it (JSON text); the main process replays
the first part itself, then decodes and judges the worker's steps as they arrive.

Linux only (``fork``: the worker inherits the parsed policy and imported modules at no
cost; a spawned interpreter would spend longer starting than it saves on most
repositories). Elsewhere, and for short replays, everything runs in one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from gitops_guard.errors import GitError, GuardError
from gitops_guard.policy.model import (
    POLICY_FILES,
    Policy,
)

# Below this many commits to replay, a worker costs more (its own full extraction of the
# tree at the split, decoding its steps) than it saves.
PARALLEL_MIN = 2000
# The main process's share of the commits: it also judges every step and decodes the
# worker's, so the worker takes the larger part (measured on the 10,000-commit benchmark).
MAIN_SHARE = 0.25
_CHUNK = 256  # steps per message
_END = b"."
_FAILED = b"!"  # a GuardError's message follows: bad input, Git failing
_CRASHED = b"?"  # a bug: the worker's traceback follows


class ReplayWorkerError(Exception):
    """The worker met an unexpected error (an internal error, reported as such)."""


def parallel_available() -> bool:
    """Whether a replay may fork a worker: Linux with more than one core to run it."""
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1


def split_point(first: int, total: int) -> int:
    """Where to split chain positions ``first`` to ``total`` (excluded) between the two."""
    return first + max(1, int((total - first) * MAIN_SHARE))


class StepWorker:
    """A forked process replaying ``start..head`` (first parents), steps read as text."""

    def __init__(self, git_dir: Path, policy: Policy, start: str, head: str) -> None:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_replay, args=(sender, git_dir, policy, start, head), daemon=True
        )
        # Fork before this process opens its own git pipes: the worker would hold their
        # write ends open, and the git processes behind them would never see the end.
        self.process.start()
        sender.close()
        self.receiver = receiver
        self.messages: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        # Drained by a thread so the worker never waits on a full pipe while this process
        # is busy replaying its own part.
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        try:
            while True:
                self.messages.put(self.receiver.recv_bytes())
        except (EOFError, OSError):
            self.messages.put(None)

    def texts(self) -> Iterator[str]:
        """The worker's encoded steps, in chain order, as they arrive."""
        while True:
            message = self.messages.get()
            if message is None:
                raise GitError(
                    "the history replay worker stopped without finishing",
                    hint="run again; GITOPS_GUARD_TRACEBACK=1 shows more if it happens again",
                )
            if message == _END:
                return
            if message.startswith(_FAILED):
                raise GuardError(message[1:].decode("utf-8", "replace"))
            if message.startswith(_CRASHED):
                raise ReplayWorkerError(message[1:].decode("utf-8", "replace"))
            yield from message.decode("utf-8").split("\n")

    def close(self) -> None:
        """Stop the worker if it is still running (an early end of the replay)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receiver.close()
        self.reader.join(timeout=5)


def _replay(sender: Connection, git_dir: Path, policy: Policy, start: str, head: str) -> None:
    """The worker: replay ``start..head`` and send the encoded steps in chunks."""
    from gitops_guard.history.codec import encode_step
    from gitops_guard.history.steps import History
    from gitops_guard.repo.git import GitRepository

    # What was inherited stays untouched: a collection here must not run the finalizers
    # of the parent's objects (GitPython's would stop the parent's git processes).
    gc.freeze()
    # Ctrl-C is the parent's to handle: it stops the worker, which has nothing to add.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # Its own repository object: Git processes the parent started are not shared.
        repo = GitRepository(git_dir)
        history = History(repo, policy, start=start)
        texts: list[str] = []
        commits = repo.log(["--first-parent", "--reverse", f"{start}..{head}"])
        for step in history.apply_all(commits):
            texts.append(encode_step(step, POLICY_FILES))
            if len(texts) >= _CHUNK:
                sender.send_bytes("\n".join(texts).encode("utf-8"))
                texts = []
        if texts:
            sender.send_bytes("\n".join(texts).encode("utf-8"))
        sender.send_bytes(_END)
    except GuardError as exc:
        sender.send_bytes(_FAILED + exc.message.encode("utf-8"))
    except Exception:  # noqa: BLE001 - a bug: the main process reports it as an internal error
        import traceback

        sender.send_bytes(_CRASHED + traceback.format_exc().encode("utf-8", "replace"))
    finally:
        sender.close()
