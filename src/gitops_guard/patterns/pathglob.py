"""Path globs of the policy's ``exclude:`` and ``reports:`` keys (``*`` within a segment, ``**``
across).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append(r"(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(r".*")
            i += 2
        elif pattern[i] == "*":
            out.append(r"[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append(r"[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # A pattern naming a directory also covers everything under it.
    return re.compile("".join(out) + r"(?:/.*)?\Z")


def path_matches(pattern: str, path: str) -> bool:
    """Whether a repository path matches a glob (``*`` one segment, ``**`` any depth)."""
    return _glob_regex(pattern).match(path) is not None


def matches_any(patterns: Iterable[str], path: str) -> bool:
    """Whether any of the globs matches the path."""
    return any(path_matches(p, path) for p in patterns)
