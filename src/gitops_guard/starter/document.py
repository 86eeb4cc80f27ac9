"""A small YAML document model for the starter policy, and the emitter that writes it.

The starter is a comment-heavy file laid out by hand, so it is built from these records
rather than dumped from a dictionary; every value that comes from the repository (a
folder name, an image name, a pattern) is a ``str`` and is always written quoted, so no
folder name can turn into YAML syntax. ``Word`` marks the few fixed words the program
itself writes (``patch``, ``24h``) and names that are safe as plain scalars.
``to_data`` is what a YAML loader must read back; tests hold the emitter to it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml

from gitops_guard.parse.loader import STR_TAG, resolve_plain

# Plain scalars that neither YAML 1.1 (what Kubernetes and this tool read) nor YAML 1.2
# (what editors read) takes for anything but a string: a letter first (no number can
# start so), nothing that is YAML syntax, and not a YAML 1.1 boolean or null (``on``, ``y``);
# or a duration such as ``24h``.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._-]*|[0-9]+[smhdw]")
# YAML 1.1 booleans that PyYAML reads as strings but go-yaml (Kubernetes) does not.
_YAML11_Y_N = frozenset(("y", "n"))
FLOW_WIDTH = 88  # a one-line sequence longer than this is written one item a line


@dataclass(frozen=True, slots=True)
class Word:
    """A scalar written plain when YAML would read it back as the same string."""

    text: str


Scalar = str | Word | int | bool


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a sequence, with an end-of-line comment (block sequences only)."""

    value: Scalar
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Items:
    """A sequence: on one line (``[patch, minor]``) when ``flow`` and short enough, else
    one entry a line."""

    items: Sequence[Item]
    flow: bool = False


def flow(values: Sequence[Scalar]) -> Items:
    """A one-line sequence of ``values``."""
    return Items(tuple(Item(v) for v in values), flow=True)


@dataclass(frozen=True, slots=True)
class Note:
    """A comment line inside a mapping (a suggestion the user may uncomment)."""

    text: str


@dataclass(frozen=True, slots=True)
class Key:
    """``name: value  # comment``, after ``before`` (comment lines; "" is a blank line)."""

    name: str | Word
    value: Scalar | Items | Mapping
    comment: str = ""
    before: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Mapping:
    """A block mapping: its keys (and notes) in order."""

    entries: Sequence[Key | Note] = field(default_factory=tuple)


def scalar(value: Scalar) -> str:
    """One scalar as YAML text that reads back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Word) and is_plain_safe(value.text):
        return value.text
    text = value.text if isinstance(value, Word) else value
    return quote(text)


def _key(name: str | Word) -> str:
    """A mapping key: the program's own names and environment names, plain when safe."""
    text = name.text if isinstance(name, Word) else name
    return text if is_plain_safe(text) else quote(text)


def is_plain_safe(text: str) -> bool:
    """Whether ``text`` can be written unquoted and still be read as this string."""
    if not _PLAIN.fullmatch(text) or text.lower() in _YAML11_Y_N:
        return False
    return resolve_plain(text) == STR_TAG


def quote(text: str) -> str:
    """``text`` quoted: single quotes when it is printable, else escaped double quotes."""
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    # PyYAML's emitter escapes what single quotes cannot hold (line breaks, tabs,
    # control and non-characters); an unlimited width keeps it on one line.
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=False, width=sys.maxsize)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def render(document: Mapping, header: Sequence[str] = ()) -> str:
    """The YAML text of ``document``, after ``header`` comment lines."""
    lines = [_comment(text) for text in header]
    _mapping(document, 0, lines)
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: int = 0) -> str:
    if not text:
        return ""
    # A comment is one line of printable text: a line break becomes a space, anything
    # else YAML does not allow in a file an escape (`\u0009`).
    flat = " ".join(text.splitlines())
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in flat)
    return " " * indent + "# " + shown


def _eol(comment: str) -> str:
    return f"  {_comment(comment)}" if comment else ""


def _mapping(mapping: Mapping, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for entry in mapping.entries:
        if isinstance(entry, Note):
            lines.append(_comment(entry.text, indent))
            continue
        lines.extend(_comment(text, indent) for text in entry.before)
        key = _key(entry.name) + ":"
        value = entry.value
        if isinstance(value, Mapping):
            empty = not any(isinstance(e, Key) for e in value.entries)  # notes only
            lines.append(f"{pad}{key}{' {}' if empty else ''}{_eol(entry.comment)}")
            _mapping(value, indent + 2, lines)
        elif isinstance(value, Items):
            one_line = f"{pad}{key} [{', '.join(scalar(i.value) for i in value.items)}]"
            if not value.items or (value.flow and len(one_line) <= FLOW_WIDTH):
                lines.append(one_line + _eol(entry.comment))
                continue
            lines.append(f"{pad}{key}{_eol(entry.comment)}")
            lines.extend(f"{pad}  - {scalar(i.value)}{_eol(i.comment)}" for i in value.items)
        else:
            lines.append(f"{pad}{key} {scalar(value)}{_eol(entry.comment)}")


def to_data(document: Mapping) -> dict[str, object]:
    """What a YAML loader reads from ``render(document)``."""
    data: dict[str, object] = {}
    for entry in document.entries:
        if isinstance(entry, Key):
            name = entry.name.text if isinstance(entry.name, Word) else entry.name
            data[name] = _value(entry.value)
    return data


def _value(value: Scalar | Items | Mapping) -> object:
    if isinstance(value, Mapping):
        return to_data(value)
    if isinstance(value, Items):
        return [_plain(i.value) for i in value.items]
    return _plain(value)


def _plain(value: Scalar) -> object:
    return value.text if isinstance(value, Word) else value
