"""Where repository files come from: the work tree on disk (and, later, a Git revision).

Extraction only sees repository-relative POSIX paths through a :class:`FileSource`,
so the same code reads the work tree for ``validate`` and old blobs for history.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from pathlib import Path
from typing import Protocol

YAML_SUFFIXES = (".yaml", ".yml")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class OutsideRepository(OSError):
    """A path that leaves the repository (``..`` or a symlink pointing out)."""


class FileSource(Protocol):
    """Read-only access to the files of one repository state."""

    def list_files(self) -> list[str]:
        """Every file, repository-relative with ``/``."""
        ...

    def read(self, path: str) -> bytes:
        """The bytes of a file; raises OSError (OutsideRepository for escapes)."""
        ...

    def is_file(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...


def is_yaml_path(path: str) -> bool:
    """Whether a path is one we read as YAML (``*.yaml``, ``*.yml``, ``Kustomization``)."""
    name = path.rsplit("/", 1)[-1]
    return name.endswith(YAML_SUFFIXES) or name == "Kustomization"


def normalize(path: str) -> str | None:
    """Normalise a repository-relative path; None when it escapes the repository."""
    clean = posixpath.normpath(path.replace("\\", "/"))
    if clean == "..":
        return None
    if clean.startswith("../") or clean.startswith("/"):
        return None
    return "" if clean == "." else clean


class DiskSource:
    """The work tree of a repository on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._listing: list[str] | None = None
        self._real_directories: dict[str, str] = {}

    def list_files(self) -> list[str]:
        if self._listing is None:
            self._listing = _git_listing(self.root)
            if self._listing is None:
                self._listing = _walk_listing(self.root)
        return self._listing

    def _inside(self, path: str, real: str) -> str:
        root = str(self.root)
        if real != root and not real.startswith(root + os.sep):
            raise OutsideRepository(f"{path} points outside the repository (to {real})")
        return real

    def _real_directory(self, directory: str) -> str:
        # Symlinked folders are rare; resolving each folder once keeps reads to one lstat.
        real = self._real_directories.get(directory)
        if real is None:
            real = self._inside(directory, os.path.realpath(os.path.join(self.root, directory)))
            self._real_directories[directory] = real
        return real

    def _resolve(self, path: str) -> Path:
        directory, _, name = path.rpartition("/")
        full = os.path.join(self._real_directory(directory), name)
        if stat.S_ISLNK(os.lstat(full).st_mode):
            self._inside(path, os.path.realpath(full))
        return Path(full)

    def read(self, path: str) -> bytes:
        full = self._resolve(path)
        # A FIFO or device named *.yaml would block or never end: only read regular files.
        # O_NONBLOCK keeps opening a FIFO from waiting for a writer.
        descriptor = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            return handle.read()

    def is_file(self, path: str) -> bool:
        try:
            return self._resolve(path).is_file()
        except OSError:
            return False

    def is_dir(self, path: str) -> bool:
        try:
            return self._resolve(path).is_dir()
        except OSError:
            return False


def _git_listing(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, when ``root`` is a Git work tree."""
    if not (root / ".git").exists():
        return None
    from gitops_guard.errors import GitError
    from gitops_guard.repo.git import run_git

    try:
        listed = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except (OSError, GitError):
        return None
    seen: dict[str, None] = {}
    for raw in listed.split(b"\0"):
        if raw:
            seen[raw.decode("utf-8", "surrogateescape")] = None
    # Deleted-but-tracked files are still listed by ls-files; keep only what exists.
    prefix = str(root) + os.sep
    return sorted(p for p in seen if os.path.lexists(prefix + p))


def _walk_listing(root: Path) -> list[str]:
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", ".venv")]
        relative = os.path.relpath(directory, root)
        for name in filenames:
            path = name if relative == "." else f"{relative}/{name}"
            found.append(path.replace(os.sep, "/"))
    return sorted(found)
