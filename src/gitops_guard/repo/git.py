"""Git access: every git process the program starts goes through this module.

:class:`GitRepository` wraps GitPython (imported lazily, it is slow to import) where it
serves: finding the repository around a folder and its command wrapper with readable
errors. History is read with as few processes as possible: one streaming ``git log``
for the commits and their changed paths, and one persistent ``git cat-file --batch`` for
blobs — never one process per commit. :func:`run_git` runs one command without
GitPython, for the pre-commit path (listing files) and plain pipes (``rev-list``).
"""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gitops_guard.errors import GitError
from gitops_guard.model import Commit, FileChange, Person

ZERO = "0" * 40
_NOT_FILES = ("120000", "160000")
_SIGNATURE_KINDS = (
    ("-----BEGIN SSH SIGNATURE", "ssh"),
    ("-----BEGIN PGP SIGNATURE", "gpg"),
    ("-----BEGIN SIGNED MESSAGE", "x509"),
)


def run_git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> bytes:
    """Run ``git ARGS`` in ``cwd`` and return its output, read in one go.

    ``env`` adds variables to the environment. Raises :class:`GitError` when git is
    missing or fails, with git's own message.
    """
    import os

    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=True,
            env={**os.environ, **env} if env else None,
        )
    except FileNotFoundError:
        raise GitError("git is not installed", hint="install git and try again") from None
    except subprocess.CalledProcessError as exc:
        message = exc.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args)} failed: {message}") from None
    return result.stdout


# Requests written before reading answers: 1,000 object ids stay well inside a pipe
# buffer, so writing them never waits on git, which waits on us to read.
_BATCH = 1000


class BlobBatch:
    """One ``git cat-file --batch`` process answering many requests per round trip."""

    def __init__(self, git_dir: Path) -> None:
        self.process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=git_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def fetch(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The bytes of many blobs; writing every request before reading keeps git busy
        instead of waiting on one request at a time."""
        found: dict[str, bytes] = {}
        for start in range(0, len(shas), _BATCH):
            found.update(self._fetch(shas[start : start + _BATCH]))
        return found

    def _fetch(self, shas: Sequence[str]) -> dict[str, bytes]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write("".join(f"{sha}\n" for sha in shas).encode())
        stdin.flush()
        found: dict[str, bytes] = {}
        for sha in shas:
            header = stdout.readline().split()
            if len(header) != 3:
                continue  # "<sha> missing": not in this repository
            data = stdout.read(int(header[2]))
            stdout.read(1)  # the newline after each object
            found[sha] = data
        return found

    def __enter__(self) -> BlobBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class GitRepository:
    """A repository (work tree or bare) to read revisions, history and blobs from."""

    def __init__(self, path: Path) -> None:
        import git

        try:
            self.repo: Any = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(
                f"{path} is not a Git repository",
                hint="run gitops-guard inside a clone of the GitOps repository",
            ) from None
        self.git_dir = Path(self.repo.git_dir)
        self.root = Path(self.repo.working_tree_dir) if self.repo.working_tree_dir else self.git_dir

    def run(self, *args: str) -> str:
        """Run a git command and return its output; failures become :class:`GitError`."""
        import git

        try:
            return str(self.repo.git.execute(["git", *args], stdout_as_string=True))
        except git.GitCommandError as exc:
            message = (exc.stderr or str(exc)).strip().removeprefix("stderr:").strip(" '\n")
            raise GitError(f"git {args[0]} failed: {message}") from None

    def resolve(self, revision: str) -> str:
        """The commit a revision names; an unknown one is a clear error."""
        if revision.startswith("-"):
            raise GitError(f"{revision!r} is not a revision")
        try:
            return self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
        except GitError:
            if revision == "HEAD" and self.is_unborn():
                raise GitError(
                    "the repository has no commits yet: there is no history to read",
                    hint="commit the GitOps files first (git add -A && git commit)",
                ) from None
            raise GitError(
                f"unknown revision {revision!r}",
                hint="fetch it first (git fetch origin <branch>) or check the spelling",
            ) from None

    def head_ref(self) -> str | None:
        """The ref HEAD names (``refs/heads/main``), None when HEAD is detached."""
        import git

        try:
            out = self.repo.git.execute(["git", "symbolic-ref", "-q", "HEAD"], with_exceptions=True)
        except git.GitCommandError as exc:
            if exc.status == 1:
                return None  # detached
            raise GitError(f"git symbolic-ref failed: {str(exc.stderr).strip()}") from None
        return str(out).strip() or None

    def ref_exists(self, ref: str) -> bool:
        """Whether a ref exists (``refs/heads/main``); HEAD naming a ref that does not is unborn."""
        import git

        try:
            self.repo.git.execute(["git", "show-ref", "--verify", "--quiet", ref])
        except git.GitCommandError as exc:
            if exc.status == 1:
                return False
            raise GitError(f"git show-ref failed: {str(exc.stderr).strip()}") from None
        return True

    def is_unborn(self) -> bool:
        """Whether HEAD names a branch that has no commit yet (a repository's first commit).

        A HEAD that names a ref pointing at a missing or broken object is not unborn: that
        is a broken repository, and resolving it is an error.
        """
        head = self.head_ref()
        return head is not None and not self.ref_exists(head)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ``ancestor`` is reachable from ``descendant`` (one ``merge-base``)."""
        result = subprocess.run(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant],
            cwd=self.git_dir,
            capture_output=True,
        )
        if result.returncode not in (0, 1):
            raise GitError(f"git merge-base failed: {result.stderr.decode(errors='replace')}")
        return result.returncode == 0

    def refuse_shallow(self) -> None:
        """Promotion rules and reports need the whole history; a shallow clone lacks it."""
        if self.is_shallow():
            raise GitError(
                "this is a shallow clone: promotion history before the base is missing",
                hint="fetch the whole history: `git fetch --unshallow` "
                "(GitHub Actions: actions/checkout with fetch-depth: 0)",
            )

    def is_shallow(self) -> bool:
        """Whether the clone is shallow (history before the graft is missing)."""
        return (self.git_dir / "shallow").exists()

    def config(self, key: str) -> str | None:
        """A git configuration value, or None."""
        try:
            value = self.run("config", "--get", key).strip()
        except GitError:
            return None
        return value or None

    def remote_urls(self) -> list[str]:
        """The fetch URLs of the repository's remotes (local configuration, not history)."""
        try:
            listed = self.run("config", "--get-regexp", r"^remote\..*\.url$")
        except GitError:
            return []  # no remote at all (git exits 1)
        return [line.split(" ", 1)[1] for line in listed.splitlines() if " " in line]

    def read_blob(self, sha: str) -> bytes:
        """A blob's bytes through the persistent ``cat-file --batch`` process."""
        data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def blob_batch(self) -> BlobBatch:
        """A ``cat-file --batch`` process for reading many blobs per round trip (close it)."""
        return BlobBatch(self.git_dir)

    def tree(self, commit: str) -> dict[str, str]:
        """Every regular file of a commit: path → blob id (symlinks and submodules left out)."""
        return self.tree_entries(commit)[0]

    def tree_entries(self, commit: str) -> tuple[dict[str, str], dict[str, str]]:
        """A commit's regular files (path → blob id) and symlinks (path → target text)."""
        if commit == ZERO:
            return {}, {}
        output = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        files: dict[str, str] = {}
        link_blobs: dict[str, str] = {}
        for entry in output.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, sha = meta.split(" ")
            if kind == "blob" and mode == "120000":
                link_blobs[path] = sha
            elif kind == "blob":
                files[path] = sha
        return files, self._link_targets(link_blobs)

    def links(self, commit: str) -> dict[str, str]:
        """A commit's symlinks: path → target text."""
        return self.tree_entries(commit)[1]

    def _link_targets(self, link_blobs: dict[str, str]) -> dict[str, str]:
        if not link_blobs:
            return {}
        with self.blob_batch() as batch:
            data = batch.fetch(list(dict.fromkeys(link_blobs.values())))
        return {
            path: data.get(sha, b"").decode("utf-8", "surrogateescape")
            for path, sha in link_blobs.items()
        }

    def tree_diff(self, old: str, new: str) -> list[FileChange]:
        """What changes from one commit's tree to another's (any two commits)."""
        return _raw_changes(self.run("diff-tree", "-r", "-z", "--no-renames", old, new))

    def file_at(self, commit: str, path: str) -> bytes | None:
        """A file's bytes at a commit, or None when it does not exist there."""
        try:
            sha = self.run("rev-parse", "--verify", "--quiet", f"{commit}:{path}").strip()
        except GitError:
            return None
        return self.read_blob(sha) if sha else None

    def index_tree(self) -> dict[str, str]:
        """The files staged in the index: path → blob id (what the next commit will hold)."""
        return self.index_entries()[0]

    def index_entries(self) -> tuple[dict[str, str], dict[str, str]]:
        """The index's regular files (path → blob id) and symlinks (path → target text)."""
        files: dict[str, str] = {}
        link_blobs: dict[str, str] = {}
        for entry in self.run("ls-files", "-s", "-z").split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, sha, _stage = meta.split(" ")
            if mode == "120000":
                link_blobs[path] = sha
            elif mode not in _NOT_FILES:
                files[path] = sha
        return files, self._link_targets(link_blobs)

    def staged_changes(self) -> list[FileChange]:
        """What the index changes against HEAD."""
        return _raw_changes(
            self.run("diff-index", "--cached", "--raw", "-z", "--no-renames", "HEAD")
        )

    def identity(self, variable: str) -> Person:
        """``git var GIT_AUTHOR_IDENT`` (or committer) as a Person."""
        return _person(self.run("var", variable).strip())

    def verify_ssh_signature(self, sha: str, allowed_signers: bytes) -> str | None:
        """Who signed a commit with SSH, if the signature verifies against the given
        allowed-signers text (the principal it names); None otherwise."""
        import re
        import tempfile

        with tempfile.NamedTemporaryFile("wb", suffix=".allowed_signers") as handle:
            handle.write(allowed_signers)
            handle.flush()
            result = subprocess.run(
                [
                    "git",
                    "-c",
                    "gpg.format=ssh",
                    "-c",
                    f"gpg.ssh.allowedSignersFile={handle.name}",
                    "verify-commit",
                    sha,
                ],
                cwd=self.git_dir,
                capture_output=True,
            )
        if result.returncode != 0:
            return None
        text = result.stderr.decode("utf-8", "replace") + result.stdout.decode("utf-8", "replace")
        match = re.search(r'Good "git" signature for (\S+)', text)
        return match.group(1) if match else "an owner's key"

    def verify_commit(self, sha: str) -> bool:
        """Whether ``git verify-commit`` accepts the commit's signature."""
        result = subprocess.run(
            ["git", "verify-commit", sha],
            cwd=self.git_dir,
            capture_output=True,
        )
        return result.returncode == 0

    def first_parent_dates(self, revision: str) -> DatedChain:
        """(sha, committer time) of the first-parent chain of ``revision``, oldest first,
        in one ``git log`` started now: ``collect()`` waits for it (meanwhile the caller
        does other work) and reads the times as :func:`_person` reads them; ``cancel()``
        stops it when it is not needed after all."""
        process = subprocess.Popen(
            ["git", "log", "--first-parent", "--reverse", "--format=%H %ct", revision, "--"],
            cwd=self.git_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

        def collect() -> list[tuple[str, datetime.datetime]]:
            out, err = process.communicate()
            if process.returncode != 0:
                message = err.decode("utf-8", "replace").strip()
                raise GitError(f"git log failed: {message}")
            found = []
            utc = datetime.UTC
            for line in out.decode("ascii", "replace").splitlines():
                sha, _, seconds = line.partition(" ")
                try:
                    when = datetime.datetime.fromtimestamp(int(seconds), utc)
                except (ValueError, OverflowError, OSError):  # hostile stamps, as _person reads
                    when = _person(f"<> {seconds} +0000").time
                found.append((sha, min(when, _LATEST)))
            return found

        def cancel() -> None:
            if process.poll() is None:
                process.kill()
            process.communicate()

        return DatedChain(collect, cancel)

    def receive_log(self) -> list[tuple[str, str, datetime.datetime]]:
        """(old, new, when) of every update the server received by a push to a branch that
        existed, from the reflogs under ``logs/refs/heads`` (written when
        ``core.logAllRefUpdates`` is on); empty in a clone, whose reflogs record fetches."""
        found: list[tuple[str, str, datetime.datetime]] = []
        folder = self.git_dir / "logs" / "refs" / "heads"
        if not folder.is_dir():
            return found
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            try:
                text = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            found.extend(receive_entries(text))
        return found

    def commit(self, revision: str) -> Commit:
        """One commit, read as the history reads it (its changes against its first parent)."""
        for found in self.log(["-1", revision]):
            return found
        raise GitError(f"unknown revision {revision!r}")

    def log(self, arguments: Sequence[str], paths: Sequence[str] = ()) -> Iterator[Commit]:
        """Stream commits with their changes against the first parent, parsed as they come."""
        command = [
            "log",
            "--pretty=raw",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--diff-merges=first-parent",
            "-z",
            *arguments,
            "--",
            *paths,
        ]
        process = self.repo.git.execute(["git", *command], as_process=True)
        try:
            yield from parse_log(_chunks(process.proc.stdout))
        finally:
            process.proc.stdout.close()
            code = process.proc.wait()
            stderr = (
                process.proc.stderr.read().decode("utf-8", "replace") if process.proc.stderr else ""
            )
            if code not in (0, None) and stderr and "Broken pipe" not in stderr:
                raise GitError(f"git log failed: {stderr.strip()}")


@dataclass(frozen=True)
class DatedChain:
    """A ``git log`` of dated commits under way (see ``first_parent_dates``)."""

    collect: Callable[[], list[tuple[str, datetime.datetime]]]
    cancel: Callable[[], None]


def receive_entries(text: str) -> list[tuple[str, str, datetime.datetime]]:
    """(old, new, when) of the ``push`` entries of a reflog's text that update a ref which
    existed (a creation says nothing of when the history it brings arrived)."""
    found: list[tuple[str, str, datetime.datetime]] = []
    for line in text.splitlines():
        head, _, message = line.partition("\t")
        if message.strip() != "push":
            continue
        parts = head.split(" ")
        if len(parts) < 4 or parts[0] == ZERO:
            continue
        try:
            when = datetime.datetime.fromtimestamp(int(parts[-2]), datetime.UTC)
        except (ValueError, OverflowError, OSError):
            continue
        found.append((parts[0], parts[1], when))
    return found


def landing_chain(commits: Sequence[Commit], head: str) -> list[Commit]:
    """The first-parent chain of ``head`` among ``commits`` (all the commits new to a ref,
    from one ``git log``), oldest first, each merge with the commits it brings.

    What lands on a ref, in order, is its first-parent chain; a merge's other commits
    (a pull request's branch) never ran anywhere, but who made them and what trailers
    they carry belong to the merge.
    """
    by_sha = {commit.sha: commit for commit in commits}
    chain: list[str] = []
    current: str | None = head
    while current is not None and current in by_sha:
        chain.append(current)
        parents = by_sha[current].parents
        current = parents[0] if parents else None
    on_chain = set(chain)
    claimed: set[str] = set()
    landed: list[Commit] = []
    for sha in reversed(chain):
        commit = by_sha[sha]
        if len(commit.parents) > 1:
            merged: list[Commit] = []
            stack = list(commit.parents[1:])
            while stack:
                other = stack.pop()
                if other in on_chain or other in claimed or other not in by_sha:
                    continue
                claimed.add(other)
                merged.append(by_sha[other])
                stack.extend(by_sha[other].parents)
            commit = replace(commit, merged=tuple(merged))
        landed.append(commit)
    return landed


def _chunks(stream: Any, size: int = 1 << 16) -> Iterator[bytes]:
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


# Git accepts any number of seconds and any zone; a datetime does not. What it cannot
# hold is clamped (a commit dated in year 5000 is far in the future either way).
_EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_LATEST = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)


def _person(text: str) -> Person:
    """``Name <email> 1770109500 +0100`` → Person with an aware datetime.

    Hostile stamps never stop a run: a zone of 24 hours or more (``+2500``) or not a
    zone at all is read as UTC, a time outside what a datetime holds is clamped, and a
    time that is not a number is the epoch.
    """
    name_email, _, stamp = text.rpartition(">")
    name, _, email = name_email.partition("<")
    seconds, _, zone = stamp.strip().partition(" ")
    try:
        sign = -1 if zone.startswith("-") else 1
        hours, minutes = int(zone[1:3] or 0), int(zone[3:5] or 0)
        zone_info = datetime.timezone(datetime.timedelta(hours=hours, minutes=minutes) * sign)
    except ValueError:
        zone_info = datetime.UTC
    try:
        moment = datetime.datetime.fromtimestamp(int(seconds), zone_info)
    except (ValueError, OverflowError, OSError):
        try:
            moment = _LATEST if int(seconds) > 0 else _EARLIEST
        except ValueError:
            moment = _EARLIEST
    if moment > _LATEST:
        moment = _LATEST.astimezone(zone_info)
    return Person(_text(name.strip()), _text(email.strip()), moment)


def _text(value: str) -> str:
    """Text git gave as bytes that are not UTF-8 (decoded with surrogate escapes), with
    each undecodable byte as U+FFFD: names and messages end up in JSON and HTML."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _commit(header: str, changes: list[FileChange]) -> Commit:
    head, _, body = header.partition("\n\n")
    fields: dict[str, list[str]] = {}
    current = ""
    for line in head.split("\n"):
        if line.startswith(" ") and current:
            fields[current][-1] += "\n" + line[1:]
            continue
        current, _, value = line.partition(" ")
        fields.setdefault(current, []).append(value)
    signature = None
    for key in ("gpgsig", "gpgsig-sha256"):
        for value in fields.get(key, ()):
            for marker, kind in _SIGNATURE_KINDS:
                if value.startswith(marker):
                    signature = kind
            signature = signature or "gpg"
    message = "\n".join(line[4:] for line in body.split("\n"))
    return Commit(
        sha=fields["commit"][0].split(" ")[0],
        parents=tuple(fields.get("parent", ())),
        author=_person(fields["author"][0]),
        committer=_person(fields["committer"][0]),
        message=_text(message.strip("\n")) + "\n",
        signature=signature,
        changes=tuple(changes),
    )


def parse_log(chunks: Iterator[bytes]) -> Iterator[Commit]:
    """Parse ``git log --pretty=raw --raw -z`` output into commits, streaming.

    Records are NUL-separated tokens: a header (``commit …`` … message, possibly followed
    by the first ``:mode mode old new status`` line), then ``path`` and further
    ``:meta`` tokens. A token right after a ``:meta`` is always a path, whatever it
    looks like.
    """
    header: str | None = None
    changes: list[FileChange] = []
    meta: str | None = None
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *tokens, buffer = buffer.split(b"\0")
        for raw in tokens:
            token = raw.decode("utf-8", "surrogateescape")
            if meta is not None:
                changes.append(_change(meta, token))
                meta = None
            elif token.startswith("commit ") or token.startswith("\ncommit "):
                if header is not None:
                    yield _commit(header, changes)
                header, changes = token.lstrip("\n"), []
                last = header.rsplit("\n", 1)
                if len(last) == 2 and last[1].startswith(":"):
                    header, meta = last[0], last[1]
            elif token.startswith(":") or token.startswith("\n:"):
                meta = token.lstrip("\n")
    tail = buffer.decode("utf-8", "surrogateescape")
    if tail.startswith("commit ") and header is not None:
        yield _commit(header, changes)
        header, changes = tail, []
    elif tail.startswith("commit "):
        header = tail
    if header is not None:
        yield _commit(header.rstrip("\n"), changes)


def _raw_changes(output: str) -> list[FileChange]:
    """``--raw -z`` output of diff-tree/diff-index: ``:meta\\0path\\0`` pairs."""
    tokens = output.split("\0")
    return [
        _change(meta, path)
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False)
        if meta.startswith(":")
    ]


def _change(meta: str, path: str) -> FileChange:
    old_mode, new_mode, old, new, _status = meta.lstrip(":").split(" ", 4)
    # Submodules (160000) are not files we read; a symlink's (120000) blob is its target.
    old_blob = None if old == ZERO or old_mode in _NOT_FILES else old
    if new_mode == "120000" and new != ZERO:
        return FileChange(path, old_blob, new, link=True)
    new_blob = None if new == ZERO or new_mode in _NOT_FILES else new
    return FileChange(path, old_blob, new_blob)
