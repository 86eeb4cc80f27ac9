"""The files of a commit (or the index), read through one persistent ``git cat-file --batch``."""

from __future__ import annotations

import posixpath
from collections import Counter

from gitops_guard.repo.files import (
    OutsideRepository,
)
from gitops_guard.repo.git import (
    GitRepository,
)


class TreeSource:
    """The files of one commit, read from Git: a FileSource kept up to date commit by commit."""

    def __init__(self, repo: GitRepository, blobs: dict[str, str]) -> None:
        self.repo = repo
        self.blobs = blobs
        self._directories: Counter[str] = Counter()
        for path in blobs:
            self._count(path, 1)
        self._listing: list[str] | None = None
        self.prefetched: dict[str, bytes] = {}  # blobs read ahead by History.apply_all

    def _count(self, path: str, delta: int) -> None:
        directory = posixpath.dirname(path)
        while directory:
            self._directories[directory] += delta
            if self._directories[directory] <= 0:
                del self._directories[directory]
            directory = posixpath.dirname(directory)

    def set(self, path: str, blob: str | None) -> None:
        """Record a change of one path (None: deleted)."""
        if blob is None:
            if self.blobs.pop(path, None) is not None:
                self._count(path, -1)
                self._listing = None
        else:
            if path not in self.blobs:
                self._count(path, 1)
                self._listing = None
            self.blobs[path] = blob

    def list_files(self) -> list[str]:
        if self._listing is None:
            self._listing = sorted(self.blobs)
        return self._listing

    def read(self, path: str) -> bytes:
        blob = self.blobs.get(path)
        if blob is None:
            raise OutsideRepository(f"{path} is not a file at this revision")
        data = self.prefetched.get(blob)
        return data if data is not None else self.repo.read_blob(blob)

    def is_file(self, path: str) -> bool:
        return path in self.blobs

    def is_dir(self, path: str) -> bool:
        return path == "" or path in self._directories
