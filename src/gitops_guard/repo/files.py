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


_MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit


def resolve_links(path: str, links: dict[str, str]) -> str:
    """``path`` with every symlink on it followed (``links``: link path → target text).

    Raises OutsideRepository for a link that leaves the repository (absolute, or too many
    ``..``) and for a loop. A path through no link is returned unchanged.
    """
    if not links:
        return path
    parts = [p for p in path.split("/") if p]
    resolved: list[str] = []
    hops = 0
    index = 0
    while index < len(parts):
        candidate = "/".join([*resolved, parts[index]])
        target = links.get(candidate)
        if target is None:
            resolved.append(parts[index])
            index += 1
            continue
        hops += 1
        if hops > _MAX_LINK_HOPS:
            raise OutsideRepository(f"{path}: too many levels of symbolic links (a loop)")
        if target.startswith("/"):
            raise OutsideRepository(f"{path} points outside the repository (to {target})")
        joined = normalize(posixpath.join("/".join(resolved), target))
        if joined is None:
            raise OutsideRepository(f"{path} points outside the repository (to {target})")
        parts = [*(joined.split("/") if joined else []), *parts[index + 1 :]]
        resolved, index = [], 0
    return "/".join(resolved)


def link_aliases(files: set[str], links: dict[str, str]) -> dict[str, str]:
    """The paths symlinks add to a listing: alias → the regular file it reads.

    A link to a file adds itself; a link to a folder adds every file under it, seen
    through the link (links inside it followed too). Links leaving the repository or
    looping add nothing (reading them is refused where they are read).
    """
    aliases: dict[str, str] = {}
    directories: dict[str, list[str]] = {}
    for path in files:
        directory = posixpath.dirname(path)
        while True:
            directories.setdefault(directory, []).append(path)
            if not directory:
                break
            directory = posixpath.dirname(directory)
    for link in sorted(links):
        try:
            real = resolve_links(link, links)
        except OutsideRepository:
            continue
        if real in files:
            aliases[link] = real
            continue
        for path in directories.get(real, []) if real else files:
            alias = f"{link}/{path[len(real) + 1 :]}" if real else f"{link}/{path}"
            aliases.setdefault(alias, path)
    return aliases


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

    def real_path(self, path: str) -> str:
        """``path`` with its symlinks followed; raises OutsideRepository when it leaves."""
        ...

    def is_link(self, path: str) -> bool:
        """Whether ``path`` itself is a symlink."""
        ...


def is_yaml_path(path: str) -> bool:
    """Whether a path is one we read as YAML (``*.yaml``, ``*.yml``, ``Kustomization``)."""
    name = path.rsplit("/", 1)[-1]
    return name.endswith(YAML_SUFFIXES) or name == "Kustomization"


def is_manifest_path(path: str) -> bool:
    """Whether a path may hold manifests: YAML, or JSON (Argo CD applies ``*.json`` too)."""
    return is_yaml_path(path) or path.endswith(".json")


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
        self.links: dict[str, str] = {}  # symlink → its target text, as listed

    def list_files(self) -> list[str]:
        if self._listing is None:
            listing = _git_listing(self.root)
            if listing is None:
                listing = _walk_listing(self.root)
            prefix = str(self.root) + os.sep
            for path in listing:
                if os.path.islink(prefix + path):
                    self.links[path] = os.readlink(prefix + path).replace(os.sep, "/")
            if self.links:
                regular = set(listing) - set(self.links)
                added = link_aliases(regular, self.links)
                listing = sorted(set(listing) | set(added))
            self._listing = listing
        return self._listing

    def real_path(self, path: str) -> str:
        real = os.path.realpath(os.path.join(self.root, path))
        self._inside(path, real)
        relative = os.path.relpath(real, self.root)
        return "" if relative == "." else relative.replace(os.sep, "/")

    def is_link(self, path: str) -> bool:
        return os.path.islink(os.path.join(self.root, path))

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
        # A symlinked folder is listed as the link (as Git lists it), not walked into.
        links = [d for d in dirnames if os.path.islink(os.path.join(directory, d))]
        dirnames[:] = [d for d in dirnames if d not in links]
        for name in [*filenames, *links]:
            path = name if relative == "." else f"{relative}/{name}"
            found.append(path.replace(os.sep, "/"))
    return sorted(found)
