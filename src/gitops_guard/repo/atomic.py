"""Writing result files: only after the work is done, and atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from gitops_guard.errors import InputError


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A reader never sees a half-written file, and a failed run leaves the old one.
    """
    if _is_special(path):
        # A device, a FIFO or a socket (`-o /dev/null`, `-o /dev/stdout`): renaming over it
        # would replace it with a regular file, so it is written in place.
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                if isinstance(text, str):
                    handle.write(text)
                else:
                    handle.writelines(text)
        except OSError as exc:
            raise InputError(f"{path}: cannot write: {exc.strerror}") from None
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if isinstance(text, str):
                handle.write(text)
            else:
                handle.writelines(text)
        # mkstemp creates 0600; the result gets the mode a plain open() would have given
        # (or keeps the mode of the file it replaces).
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        # The text may be produced while it is written (a streamed report): whatever
        # stopped it, the old file stays and no temporary one is left behind.
        Path(temporary).unlink(missing_ok=True)
        raise


def _is_special(path: Path) -> bool:
    """Whether the path names something other than a regular file or nothing."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
