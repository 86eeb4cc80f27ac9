"""What a deleted protected ref held, kept by the server hook for when it is re-created.

Where the policy allows rewrites, a protected ref may be deleted; git then forgets it
(its reflog goes with it) and a push that creates it again would have nothing to be
judged against but the default branch, or, alone on the server, the empty tree. So the
server hook remembers, when it lets a deletion through, the tip the ref had and a copy
of its reflog (the receive times of its history), in the bare repository's own folder
(``gitops-guard-deleted-refs/<ref>``): a file, not a ref, so no push can write it. A
re-created ref is then judged as an update from that tip.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from gitops_guard.errors import GitError
from gitops_guard.repo.git import GitRepository, receive_entries

# Beside the history cache (.git/gitops-guard/, which may be deleted at any time), not in it.
FOLDER = ("gitops-guard-deleted-refs",)
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def record_path(repo: GitRepository, ref: str) -> Path:
    """Where the record of a deleted ref is kept (``refs/heads/main`` → ``…/refs/heads/main``)."""
    return repo.git_dir.joinpath(*FOLDER, *ref.split("/"))


def log_copy_path(repo: GitRepository, ref: str) -> Path:
    """Where the copy of a deleted ref's reflog is kept (read with the live reflogs)."""
    return repo.git_dir.joinpath(*FOLDER, "logs", *ref.split("/"))


def remember_deletion(repo: GitRepository, ref: str, tip: str) -> None:
    """Record that ``ref`` is deleted at ``tip``, with its reflog so far (appended to the
    copy an earlier deletion of the same ref left)."""
    from gitops_guard.repo.atomic import write_atomically

    live = repo.git_dir.joinpath("logs", *ref.split("/"))
    copy = log_copy_path(repo, ref)
    try:
        earlier = copy.read_bytes() if copy.is_file() else b""
        current = live.read_bytes() if live.is_file() else b""
    except OSError as exc:
        raise GitError(f"cannot read the reflog of {ref}: {exc.strerror}") from None
    if current:
        # Only the hashes and times are read back; names that are not UTF-8 may blur.
        write_atomically(copy, (earlier + current).decode("utf-8", "replace"))
    write_atomically(record_path(repo, ref), f"{tip}\n")


def deleted_receive_log(repo: GitRepository) -> list[tuple[str, str, datetime.datetime]]:
    """The pushes the copies of deleted refs' reflogs record (as ``receive_log``)."""
    found: list[tuple[str, str, datetime.datetime]] = []
    folder = repo.git_dir.joinpath(*FOLDER, "logs")
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                found.extend(receive_entries(path.read_bytes().decode("utf-8", "replace")))
            except OSError:
                continue
    return found


def deleted_tip(repo: GitRepository, ref: str) -> str | None:
    """The tip ``ref`` had when the server hook last let it be deleted (None: never).

    A record naming a commit the repository no longer has (pruned by ``git gc``) is an
    error: the re-created ref cannot be judged against it, and must not pass unjudged.
    """
    path = record_path(repo, ref)
    if not path.is_file():
        return None
    try:
        tip = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError as exc:
        raise GitError(f"cannot read {path}: {exc.strerror}") from None
    if not _SHA.match(tip):
        raise GitError(
            f"{path} does not name a commit: the tip {ref} had before it was deleted is unknown",
            hint=f"restore the file, or remove it to judge a re-created {ref} as a new ref",
        )
    try:
        repo.run("cat-file", "-e", f"{tip}^{{commit}}")
    except GitError:
        raise GitError(
            f"{ref} was deleted at {tip[:12]}, which the repository no longer has: "
            f"a re-created {ref} cannot be judged against what it held",
            hint=f"push {tip[:12]} back first, or remove {path} to judge {ref} as a new ref",
        ) from None
    return tip
