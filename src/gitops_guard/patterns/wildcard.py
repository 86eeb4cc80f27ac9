"""Policy wildcards: `*` matches any characters (`/` included); nothing else is special.

Used for registry allow-lists, image overrides and bot names, where brackets and
question marks are literal (`*[bot]` matches `renovate[bot]`).
"""

from __future__ import annotations


def glob_matches(pattern: str, text: str) -> bool:
    """Whether ``text`` matches ``pattern``, where only ``*`` is a wildcard."""
    if "*" not in pattern:
        return pattern == text
    parts = pattern.split("*")
    if not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return False
    position = len(parts[0])
    end = len(text) - len(parts[-1])
    if position > end:
        return False
    for middle in parts[1:-1]:
        found = text.find(middle, position, end)
        if found < 0:
            return False
        position = found + len(middle)
    return True
