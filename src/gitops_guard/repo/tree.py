"""The files of a commit (or the index), read through one persistent ``git cat-file --batch``."""

from __future__ import annotations

import builtins
import posixpath
from collections import Counter

from gitops_guard.repo.files import (
    OutsideRepository,
    link_aliases,
    resolve_links,
)
from gitops_guard.repo.git import (
    GitRepository,
)


class TreeSource:
    """The files of one commit, read from Git: a FileSource kept up to date commit by commit."""

    def __init__(
        self, repo: GitRepository, blobs: dict[str, str], links: dict[str, str] | None = None
    ) -> None:
        self.repo = repo
        self.blobs = blobs
        self.links = dict(links or {})  # symlink path → target text
        self._directories: Counter[str] = Counter()
        for path in blobs:
            self._count(path, 1)
        self._listing: list[str] | None = None
        self._aliases: dict[str, str] | None = None
        self.prefetched: dict[str, bytes] = {}  # blobs read ahead by History.apply_all

    def _count(self, path: str, delta: int) -> None:
        directory = posixpath.dirname(path)
        while directory:
            self._directories[directory] += delta
            if self._directories[directory] <= 0:
                del self._directories[directory]
            directory = posixpath.dirname(directory)

    def set(self, path: str, blob: str | None, link: bool = False) -> None:
        """Record a change of one path (None: deleted; ``link``: the blob is a symlink's)."""
        if self.links.pop(path, None) is not None:
            self._listing = self._aliases = None
        if blob is None:
            if self.blobs.pop(path, None) is not None:
                self._count(path, -1)
                self._listing = self._aliases = None
        elif link:
            if self.blobs.pop(path, None) is not None:
                self._count(path, -1)
            data = self.prefetched.get(blob)
            target = data if data is not None else self.repo.read_blob(blob)
            self.links[path] = target.decode("utf-8", "surrogateescape")
            self._listing = self._aliases = None
        else:
            if path not in self.blobs:
                self._count(path, 1)
                self._listing = self._aliases = None
            self.blobs[path] = blob

    def aliases(self) -> dict[str, str]:
        """Paths seen through symlinks → the file they read."""
        if self._aliases is None:
            self._aliases = link_aliases(set(self.blobs), self.links) if self.links else {}
        return self._aliases

    def aliases_of(self, paths: builtins.set[str]) -> builtins.set[str]:
        """Every listed path that reads one of ``paths`` through a symlink."""
        if not self.links:
            return set()
        return {alias for alias, real in self.aliases().items() if real in paths}

    def under_link(self, link: str) -> builtins.set[str]:
        """The listed paths a symlink adds (itself, or the files of its folder)."""
        return {a for a in self.aliases() if a == link or a.startswith(link + "/")}

    def list_files(self) -> list[str]:
        if self._listing is None:
            self._listing = sorted({*self.blobs, *self.links, *self.aliases()})
        return self._listing

    def _real(self, path: str) -> str:
        return resolve_links(path, self.links) if self.links else path

    def read(self, path: str) -> bytes:
        blob = self.blobs.get(self._real(path))
        if blob is None:
            raise OutsideRepository(f"{path} is not a file at this revision")
        data = self.prefetched.get(blob)
        return data if data is not None else self.repo.read_blob(blob)

    def is_file(self, path: str) -> bool:
        try:
            return self._real(path) in self.blobs
        except OutsideRepository:
            return False

    def is_dir(self, path: str) -> bool:
        try:
            real = self._real(path)
        except OutsideRepository:
            return False
        return real == "" or real in self._directories

    def real_path(self, path: str) -> str:
        return self._real(path)

    def is_link(self, path: str) -> bool:
        return path in self.links
