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
# Sources that may also be a `helm.parameters` entry (an Application, a write-back file).
_PARAMETER_SOURCES = frozenset((Source.APPLICATION, Source.WRITE_BACK))
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
    """Apply the pins of one file to its text; returns the new text and what happened.

    A pin is the general edit (:func:`set_references`) that keeps the tag and adds the
    digest, so ``pin`` and ``promote`` share one patcher.
    """
    changes = [
        Change(use, use.reference.tag if use.reference is not None else None, digest)
        for use, digest in items
    ]
    new_text, done = set_references(text, changes)
    pins = [
        Pin(
            edit.location,
            edit.image,
            change.digest,
            edit.inserted,
            f"not pinned: {edit.problem}" if edit.problem else None,
        )
        for change, edit in zip(changes, done, strict=True)
    ]
    return new_text, pins


@dataclass(frozen=True, slots=True)
class Change:
    """What one use must reference after the edit: its tag and digest (None: none)."""

    use: ImageUse
    tag: str | None
    digest: str | None


@dataclass(frozen=True, slots=True)
class Edit:
    """What happened to one :class:`Change`: the text before and after (``problem``: why
    nothing was written), and what a pure insertion added (``@sha256:…``, ``digest: …``)."""

    location: Location
    image: str
    before: str | None = None
    after: str | None = None
    inserted: str | None = None
    problem: str | None = None


# (start offset, end offset, replacement): a splice of the original text.
_Splice = tuple[int, int, str]


def set_references(text: str, changes: Sequence[Change]) -> tuple[str, list[Edit]]:
    """Make each change's use reference its tag and digest, changing only those bytes.

    Where the reference is one string (a container's ``image:``, a Helm ``image:`` string,
    an Application's or write-back file's Kustomize image) its tag and digest part is
    rewritten, the name kept as written; where tag and digest are keys of a mapping
    (Kustomize ``newTag``/``digest``, Helm ``tag``/``digest``, an Application's or
    write-back file's ``helm.parameters`` value) the tag's scalar is replaced (its quoting
    kept) and the ``digest`` key replaced, added after the tag's line, or its line
    removed. The new text must parse into as many documents, else nothing is written.
    Returns the new text and one :class:`Edit` per change, in order.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    try:
        documents = list(yaml.load_all(text))
    except YAMLError as exc:
        problem = f"cannot be edited: not valid YAML ({str(exc).splitlines()[0]})"
        return text, [Edit(c.use.location, _shown(c.use), problem=problem) for c in changes]
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    newline = "\r\n" if "\r\n" in text else "\n"
    planned: list[tuple[Change, list[_Splice]]] = []
    results: dict[int, Edit] = {}
    for index, change in enumerate(changes):
        try:
            splices = _splices(lines, starts, documents, change, newline)
        except _CannotPin as exc:
            results[index] = Edit(change.use.location, _shown(change.use), problem=str(exc))
            continue
        planned.append((change, splices))
    every = sorted((s for _c, splices in planned for s in splices), reverse=True)
    for (_start, end, _r), (next_start, _e, _n) in zip(every[1:], every, strict=False):
        if end > next_start:  # two changes of one value: refuse rather than guess
            return text, [
                Edit(c.use.location, _shown(c.use), problem="two changes of one value")
                for c in changes
            ]
    new_text = text
    # Bottom to top, so earlier offsets stay valid.
    for start, end, replacement in every:
        new_text = new_text[:start] + replacement + new_text[end:]
    invalid = _validate(yaml, new_text, len(documents)) if every else None
    index = 0
    for number, change in enumerate(changes):
        if number in results:
            continue
        _change, splices = planned[index]
        index += 1
        if invalid is not None:
            results[number] = Edit(change.use.location, _shown(change.use), problem=invalid)
            continue
        before = "".join(text[s:e] for s, e, _r in sorted(splices))
        after = "".join(r for _s, _e, r in sorted(splices))
        inserted = after.strip() if splices and all(s == e for s, e, _r in splices) else None
        results[number] = Edit(change.use.location, _shown(change.use), before, after, inserted)
    if invalid is not None:
        return text, [results[n] for n in range(len(changes))]
    return new_text, [results[n] for n in range(len(changes))]


def _shown(use: ImageUse) -> str:
    return use.reference.familiar() if use.reference is not None else use.raw


class _CannotPin(Exception):
    pass


def _validate(yaml: Any, text: str, count: int) -> str | None:
    from ruamel.yaml.error import YAMLError

    try:
        if len(list(yaml.load_all(text))) != count:
            return "the edit would change the document structure"
    except YAMLError:
        return "the edit would not parse"
    return None


# Keys whose value is the tag beside a ``digest`` key (Kustomize, Helm values), and the
# parameter value of an Argo CD ``helm.parameters`` entry.
_TAG_KEYS = ("newTag", "tag")
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]*")


def _reads_as_string(value: str) -> bool:
    """Whether a plain scalar reads back as this string (``1.10`` is a float, ``on`` a
    boolean in the YAML 1.1 the manifests are read with)."""
    import yaml

    if not _PLAIN_SAFE.fullmatch(value):
        return False
    try:
        return bool(yaml.safe_load(f"k: {value}\n") == {"k": value})
    except yaml.YAMLError:
        return False


def _splices(
    lines: list[str],
    starts: list[int],
    documents: list[Any],
    change: Change,
    newline: str,
) -> list[_Splice]:
    """The splices that make one use reference the change's tag and digest."""
    use = change.use
    old = use.reference
    if old is None:
        raise _CannotPin("the reference written here is not valid")
    line, column = use.location.line - 1, use.location.column - 1
    if line >= len(lines):
        raise _CannotPin("the location is outside the file")
    if (change.tag, change.digest) == (old.tag, old.digest):
        return []
    scalar = use.source in _SCALAR_SOURCES
    at = _raw_at(lines[line], column, use.raw)
    if use.source is Source.HELM and at is not None:
        scalar = True  # a Helm `image: name:tag` string, not an image mapping
    if use.source in _PARAMETER_SOURCES and at is None:
        scalar = False  # a `helm.parameters` value: the tag alone, beside the repository's
    if scalar:
        if at is None:
            raise _CannotPin("the reference is not written as one string here; change it by hand")
        name = _name_part(use.raw, old)
        if name is None:
            raise _CannotPin(f"cannot tell the name from the version in {use.raw!r}")
        written = (
            name
            + (f":{change.tag}" if change.tag else "")
            + (f"@{change.digest}" if change.digest else "")
        )
        begin = starts[line] + at
        if written.startswith(use.raw):  # a pin: only an insertion
            return [(begin + len(use.raw), begin + len(use.raw), written[len(use.raw) :])]
        return [(begin, begin + len(use.raw), written)]
    found = _find(documents, line, column)
    if found is None:
        raise _CannotPin("the value is inside an embedded document or a block string")
    container, key = found
    if str(key) == "digest":
        tag_key = next((k for k in _TAG_KEYS if k in container), None)
    elif str(key) in (*_TAG_KEYS, "value") or change.tag == old.tag:
        tag_key = key  # (a pin of an images entry without newTag: the digest goes after it)
    else:
        raise _CannotPin(f"`{key}` here is neither a tag nor a digest; change it by hand")
    splices: list[_Splice] = []
    if change.tag != old.tag:
        if tag_key is None or change.tag is None:
            raise _CannotPin("no tag is written here to change; change it by hand")
        if str(container[tag_key]) != old.tag:
            raise _CannotPin(f"`{tag_key}` here is not the tag {old.tag}; change it by hand")
        splices.append(_replace_scalar(lines, starts, container, tag_key, change.tag))
    if change.digest != old.digest:
        splices += _digest_splices(lines, starts, container, tag_key, change, newline)
    return splices


def _name_part(raw: str, old: ImageRef) -> str | None:
    """``raw`` without its ``:tag`` and ``@digest`` (as written)."""
    rest = raw
    if old.digest:
        if not rest.endswith(f"@{old.digest}"):
            return None
        rest = rest[: -len(old.digest) - 1]
    if old.tag:
        if not rest.endswith(f":{old.tag}"):
            return None
        rest = rest[: -len(old.tag) - 1]
    return rest


def _replace_scalar(
    lines: list[str], starts: list[int], container: Any, key: Any, value: str
) -> _Splice:
    """Replace the scalar value of ``key``, keeping its quoting (a plain scalar that YAML
    would read as another type is double-quoted)."""
    positions = container.lc.data.get(key)
    if positions is None:
        raise _CannotPin("cannot locate the key")
    _kl, _kc, value_line, value_column = positions
    end = _scalar_end(lines[value_line], value_column, flow=bool(container.fa.flow_style()))
    if end is None:
        raise _CannotPin("cannot find the end of the value")
    written = lines[value_line][value_column:end]
    if written[:1] in ("|", ">") or written.strip("'\"") != str(container[key]):
        raise _CannotPin(f"`{key}` is not written on one line here; change it by hand")
    if written[:1] == "'":
        text = "'" + value.replace("'", "''") + "'"
    elif written[:1] == '"' or not _reads_as_string(value):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        text = value
    begin = starts[value_line]
    return (begin + value_column, begin + end, text)


def _digest_splices(
    lines: list[str],
    starts: list[int],
    container: Any,
    tag_key: Any,
    change: Change,
    newline: str,
) -> list[_Splice]:
    """Set, add or remove the ``digest`` key beside the tag."""
    flow = bool(container.fa.flow_style())
    if "digest" in container:
        if change.digest is not None:
            return [_replace_scalar(lines, starts, container, "digest", change.digest)]
        key_line, key_column, value_line, _vc = container.lc.data["digest"]
        keys = list(container.keys())
        if flow or key_line != value_line or keys[0] == "digest":
            raise _CannotPin("the digest cannot be taken out here; change it by hand")
        own = lines[key_line]
        if own[:key_column].strip():
            raise _CannotPin("the digest shares its line; change it by hand")
        return [(starts[key_line], starts[key_line] + len(own), "")]
    if change.digest is None:
        return []
    if tag_key is None:
        raise _CannotPin("no tag is written here to add the digest to; change it by hand")
    if str(tag_key) == "value":
        raise _CannotPin("the digest of a parameter is another parameter; change it by hand")
    _key_line, key_column, value_line, value_column = container.lc.data[tag_key]
    if flow:
        end = _scalar_end(lines[value_line], value_column, flow=True)
        if end is None:
            raise _CannotPin("cannot find the end of the value")
        at = starts[value_line] + end
        return [(at, at, f", digest: {change.digest}")]
    end_of_line = starts[value_line] + len(lines[value_line])
    prefix = "" if lines[value_line].endswith(("\n", "\r")) else newline
    insert = f"{prefix}{' ' * key_column}digest: {change.digest}{newline if prefix == '' else ''}"
    return [(end_of_line, end_of_line, insert)]


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
