"""Counts and sizes as people read them: ``1 file``, ``2 files``, ``5 MiB``, ``10 bytes``."""

from __future__ import annotations

_IRREGULAR = {
    "policy": "policies",
    "this": "these",
    "is": "are",
    "entry": "entries",
    "registry": "registries",
}
_UNITS = (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))


def plural(number: int, noun: str) -> str:
    """``noun`` for ``number`` of them: ``file``/``files``, ``policy``/``policies``."""
    if number == 1:
        return noun
    return _IRREGULAR.get(noun, noun + ("es" if noun.endswith(("s", "x", "sh", "ch")) else "s"))


def count(number: int, noun: str) -> str:
    """``1 file``, ``0 files``, ``3 policies``."""
    return f"{number:,} {plural(number, noun)}"


def size(number: int) -> str:
    """A byte count in the largest binary unit that keeps it at one or more: ``5 MiB``,
    ``1.5 KiB``, ``10 bytes``."""
    for unit, scale in _UNITS:
        if number >= scale:
            value = number / scale
            return f"{value:.1f} {unit}".replace(".0 ", " ")
    return count(number, "byte")
