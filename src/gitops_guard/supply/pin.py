"""``gitops-guard pin``: write the digest each tag resolves to, without touching anything else.

Where a reference is one string (``image: name:tag``, a Helm ``image: name:tag`` value,
an Application's Kustomize image string) it becomes ``name:tag@sha256:…``; a Kustomize
``images:`` override gets a ``digest:`` key and Helm values get a ``digest`` key next to
``tag``.

How: ruamel.yaml's round-trip loader finds the mapping and key that hold each value (its
line/column data and flow style), and the edit is spliced into the original text at
that position. Dumping the round-trip tree would also keep comments, but re-indents,
re-wraps and re-quotes elsewhere; splicing changes exactly the bytes of the pin. The
result is parsed again before anything is written: a file that would not parse, or
whose value is not what was meant, is left alone and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_guard.imageref import ImageRef
from gitops_guard.model import ImageUse, Location, Source

_SCALAR_SOURCES = frozenset(
    (
        Source.CONTAINER,
        Source.INIT_CONTAINER,
        Source.EPHEMERAL_CONTAINER,
        Source.APPLICATION,
        Source.WRITE_BACK,
    )
)
_PLAIN_END = re.compile(r"\s+#|\s*$")
_FLOW_PLAIN_END = re.compile(r"\s+#|\s*[,}\]]|\s*$")


@dataclass(frozen=True, slots=True)
class Pin:
    """One pin: where, which image, the digest, and what was (or would be) written.

    ``problem`` says why a use could not be pinned (tag not found, a form pin cannot
    edit); ``written`` is the text inserted.
    """

    location: Location
    image: str
    digest: str | None = None
    written: str | None = None
    problem: str | None = None


def candidates(uses: Iterable[ImageUse]) -> list[ImageUse]:
    """Uses with a tag and no digest, one per location (a base used by many overlays)."""
    chosen: dict[Location, ImageUse] = {}
    for use in uses:
        ref = use.reference
        if ref is None or use.source is Source.ANNOTATION:
            continue
        if ref.tag is None or ref.digest is not None:
            continue
        chosen.setdefault(use.location, use)
    return sorted(chosen.values(), key=lambda u: u.location)


def pin_text(text: str, items: Sequence[tuple[ImageUse, str]]) -> tuple[str, list[Pin]]:
    """Apply the pins of one file to its text; returns the new text and what happened."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        documents = list(yaml.load_all(text))
    except YAMLError as exc:
        problem = f"cannot be edited: not valid YAML ({str(exc).splitlines()[0]})"
        return text, [Pin(u.location, _shown(u), d, None, problem) for u, d in items]
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, str, Pin]] = []
    results: list[Pin] = []
    for use, digest in items:
        try:
            offset, insert = _edit(lines, starts, documents, use, digest, newline)
        except _CannotPin as exc:
            results.append(Pin(use.location, _shown(use), digest, None, str(exc)))
            continue
        edits.append((offset, insert, Pin(use.location, _shown(use), digest, insert.strip())))
    new_text: str = text
    # Bottom to top, so earlier offsets stay valid.
    for offset, insert, _pin in sorted(edits, key=lambda e: e[0], reverse=True):
        new_text = new_text[:offset] + insert + new_text[offset:]
    if edits:
        invalid = _validate(yaml, new_text, len(documents))
        if invalid is not None:
            return text, results + [
                Pin(p.location, p.image, p.digest, None, invalid) for _o, _i, p in edits
            ]
    return new_text, results + [p for _o, _i, p in edits]


def _shown(use: ImageUse) -> str:
    return use.reference.familiar() if use.reference is not None else use.raw


class _CannotPin(Exception):
    pass


def _validate(yaml: Any, text: str, count: int) -> str | None:
    from ruamel.yaml.error import YAMLError

    try:
        if len(list(yaml.load_all(text))) != count:
            return "not pinned: the edit would change the document structure"
    except YAMLError:
        return "not pinned: the edit would not parse"
    return None


def _edit(
    lines: list[str],
    starts: list[int],
    documents: list[Any],
    use: ImageUse,
    digest: str,
    newline: str,
) -> tuple[int, str]:
    """Where to insert what for one use: ``@digest`` in a string, or a ``digest`` key."""
    line, column = use.location.line - 1, use.location.column - 1
    if line >= len(lines):
        raise _CannotPin("not pinned: the location is outside the file")
    found = _find(documents, line, column)
    scalar = use.source in _SCALAR_SOURCES
    if use.source is Source.HELM and _raw_at(lines[line], column, use.raw) is not None:
        scalar = True  # a Helm `image: name:tag` string, not an image mapping
    if scalar:
        at = _raw_at(lines[line], column, use.raw)
        if at is None:
            raise _CannotPin(
                "not pinned: the reference is not written as one string here; "
                "add the digest by hand"
            )
        return starts[line] + at + len(use.raw), f"@{digest}"
    if found is None:
        raise _CannotPin("not pinned: the value is inside an embedded document or a block string")
    container, key = found
    if "digest" in container:
        raise _CannotPin("not pinned: a digest key is already set here")
    positions = container.lc.data.get(key)
    if positions is None:
        raise _CannotPin("not pinned: cannot locate the key")
    _key_line, key_column, value_line, value_column = positions
    if container.fa.flow_style():
        end = _scalar_end(lines[value_line], value_column, flow=True)
        if end is None:
            raise _CannotPin("not pinned: cannot find the end of the value")
        return starts[value_line] + end, f", digest: {digest}"
    end_of_line = starts[value_line] + len(lines[value_line])
    prefix = "" if lines[value_line].endswith(("\n", "\r")) else newline
    return (
        end_of_line,
        f"{prefix}{' ' * key_column}digest: {digest}{newline if prefix == '' else ''}",
    )


def _raw_at(line: str, column: int, raw: str) -> int | None:
    """Column where the reference text starts in the scalar at ``column``, or None.

    The scalar may be quoted, and may hold more than the reference (an Argo CD
    Kustomize image ``name=new-name:tag``); the reference must end at a delimiter.
    """
    start = column
    while True:
        found = line.find(raw, start)
        if found < 0:
            return None
        before = line[column:found]
        after = line[found + len(raw) : found + len(raw) + 1]
        if after in ("", " ", "\t", "\r", "\n", ",", "}", "]", "#", "'", '"') and (
            before in ("", "'", '"') or before.endswith("=")
        ):
            return found
        start = found + 1


def _scalar_end(line: str, column: int, *, flow: bool) -> int | None:
    """Column just after the scalar that starts at ``column`` (quoted or plain)."""
    rest = line[column:]
    if rest[:1] == '"':
        index = 1
        while index < len(rest):
            if rest[index] == "\\":
                index += 2
                continue
            if rest[index] == '"':
                return column + index + 1
            index += 1
        return None
    if rest[:1] == "'":
        index = 1
        while index < len(rest):
            if rest[index] == "'":
                if rest[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return column + index + 1
            index += 1
        return None
    match = (_FLOW_PLAIN_END if flow else _PLAIN_END).search(rest)
    return column + (match.start() if match else len(rest))


def _find(documents: list[Any], line: int, column: int) -> tuple[Any, Any] | None:
    """The mapping and key whose scalar value starts at (line, column), 0-based.

    A mapping that itself starts there (a Kustomize images entry anchored at the item)
    is returned with its last key.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    stack: list[Any] = [d for d in documents if isinstance(d, CommentedMap | CommentedSeq)]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                position = node.lc.data.get(key)
                if isinstance(value, CommentedMap | CommentedSeq):
                    if (
                        position is not None
                        and isinstance(value, CommentedMap)
                        and (
                            position[2],
                            position[3],
                        )
                        == (line, column)
                    ):
                        return _last_key(value)
                    stack.append(value)
                elif position is not None and (position[2], position[3]) == (line, column):
                    return node, key
        else:
            for index, value in enumerate(node):
                position = node.lc.data.get(index)
                if (
                    isinstance(value, CommentedMap)
                    and position is not None
                    and (
                        position[0],
                        position[1],
                    )
                    == (line, column)
                ):
                    return _last_key(value)
                if isinstance(value, CommentedMap | CommentedSeq):
                    stack.append(value)
    return None


def _last_key(mapping: Any) -> tuple[Any, Any] | None:
    keys = list(mapping.keys())
    return (mapping, keys[-1]) if keys else None


def pin_files(
    uses: Iterable[ImageUse],
    read: Callable[[str], bytes],
    resolve: Callable[[ImageRef], str | None],
) -> tuple[dict[str, str], list[Pin]]:
    """Resolve and pin every candidate use; returns new texts by path and every pin.

    ``resolve`` returns the digest a reference's tag points to (None: tag not found) and
    may raise RegistryError, which the caller turns into a message.
    """
    by_path: dict[str, list[tuple[ImageUse, str]]] = {}
    pins: list[Pin] = []
    for use in candidates(uses):
        assert use.reference is not None
        digest = resolve(use.reference)
        if digest is None:
            pins.append(
                Pin(use.location, _shown(use), None, None, "not pinned: the tag does not exist")
            )
            continue
        by_path.setdefault(use.location.path, []).append((use, digest))
    texts: dict[str, str] = {}
    for path, items in sorted(by_path.items()):
        try:
            text = read(path).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            pins.extend(
                Pin(u.location, _shown(u), d, None, f"not pinned: cannot read the file ({exc})")
                for u, d in items
            )
            continue
        new_text, done = pin_text(text, items)
        pins.extend(done)
        if new_text != text:
            texts[path] = new_text
    pins.sort(key=lambda p: p.location)
    return texts, pins
