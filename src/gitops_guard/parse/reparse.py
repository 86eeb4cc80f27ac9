"""Re-reading a YAML file after a value edit without parsing it again.

Most commits of a GitOps history change one value: ``newTag: 1.4.1`` becomes
``newTag: 1.4.2``. Replaying history parses every changed file, and parsing is most of
the replay's cost. When the new text differs from the old one only in single-line
scalar values (plain or quoted, same line count, same text around the value), the new
node tree is the old one with those scalars replaced: the nodes on the path from the
document root are copied, everything else is shared.

Anything this module cannot prove equivalent to a full parse is left to the parser: a
value that spans lines, sits in a flow collection, carries an anchor or is shared
through an alias; a key; a line with two values; text that is not plain ASCII; a token
that is not a simple plain or quoted scalar; files with problems. The tests compare
every patch with a full parse of the new text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.parse.loader import (
    STR_TAG,
    Document,
    LoadedFile,
    resolve_plain,
)

# At most this many changed lines are patched; more is a rewrite, parsed again.
MAX_CHANGED_LINES = 8
# A plain scalar this module rewrites: starts with a letter, digit or one of ``._/``,
# goes on without blanks or YAML indicators that could start something else, and does
# not end with ``:`` (that would make it a key).
_PLAIN = re.compile(r"[A-Za-z0-9._/][A-Za-z0-9._/@:+=~-]*")
_DOUBLE = re.compile(r'"[^"\\]*"')
_SINGLE = re.compile(r"'[^']*'")

Step = tuple[int, int]  # (index in the collection's value list, 1 for a mapping value)
Path = tuple[int, tuple[Step, ...]]  # (document index in LoadedFile.documents, steps)


@dataclass(frozen=True, slots=True)
class ScalarIndex:
    """Where each patchable scalar starts: line (0-based) → path, None when ambiguous."""

    lines: dict[int, Path | None]


def build_index(loaded: LoadedFile) -> ScalarIndex | None:
    """The patchable scalars of a parsed file, or None when nothing in it can be patched."""
    lines: dict[int, Path | None] = {}
    seen: set[int] = set()
    for doc_index, document in enumerate(loaded.documents):
        stack: list[tuple[Node, tuple[Step, ...], bool]] = [(document.root, (), False)]
        while stack:
            node, steps, in_flow = stack.pop()
            if id(node) in seen:
                return None  # an alias: a patch would have to change every place it appears
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                line = node.start_mark.line
                simple = not in_flow and steps and line == node.end_mark.line
                # Any other node starting on the line makes it ambiguous.
                lines[line] = (doc_index, steps) if simple and line not in lines else None
                continue
            flow = in_flow or bool(getattr(node, "flow_style", None))
            if isinstance(node, MappingNode):
                for index, (key, value) in enumerate(node.value):
                    if isinstance(key, ScalarNode):
                        # A key is never patched; its line holds the value it introduces.
                        _claim_key(lines, key, value)
                    else:
                        stack.append((key, steps, True))
                    stack.append((value, (*steps, (index, 1)), flow))
            elif isinstance(node, SequenceNode):
                for index, item in enumerate(node.value):
                    stack.append((item, (*steps, (index, 0)), flow))
    return ScalarIndex(lines)


def _claim_key(lines: dict[int, Path | None], key: ScalarNode, value: Node) -> None:
    """A key's line may hold its own value only; a collection starting there is ambiguous."""
    line = key.start_mark.line
    opens_collection = not isinstance(value, ScalarNode) and value.start_mark.line == line
    if key.end_mark.line != line or opens_collection:
        lines[line] = None


def patch(old: LoadedFile, data: bytes, max_bytes: int) -> LoadedFile | None:
    """``old`` re-read as ``data`` by replacing values, or None when a parse is needed."""
    if old.problems or not old.documents or len(data) > max_bytes:
        return None
    try:
        text = data.decode("ascii")  # also refuses byte-order marks
    except UnicodeDecodeError:
        return None
    # Plain ASCII with "\n" line ends only: columns are characters, lines are what libyaml
    # counts (splitlines() would also break at form feeds and other separators).
    if "\r" in text or "\t" in text or "\0" in text or _OTHER_BREAKS.search(text):
        return None
    old_lines = old.text.split("\n")
    new_lines = text.split("\n")
    if len(new_lines) != len(old_lines):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    if not changed or len(changed) > MAX_CHANGED_LINES:
        return None
    index = _index_of(old)
    if index is None:
        return None
    documents = list(old.documents)
    for line in changed:
        place = index.lines.get(line)
        if place is None:
            return None
        doc_index, steps = place
        root = documents[doc_index].root
        target = _node_at(root, steps)
        assert isinstance(target, ScalarNode)
        replacement = _rescan(target, old_lines[line], new_lines[line])
        if replacement is None:
            return None
        document = documents[doc_index]
        new_root = _replace(root, steps, replacement)
        documents[doc_index] = Document(document.path, document.index, new_root)
    patched = LoadedFile(old.path, documents, [], text)
    patched.patch_index = index  # the structure is the same, so is the index
    return patched


_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e]")


def _index_of(loaded: LoadedFile) -> ScalarIndex | None:
    if loaded.patch_index is None:
        loaded.patch_index = build_index(loaded) or False
    return loaded.patch_index or None


def _node_at(root: Node, steps: tuple[Step, ...]) -> Node:
    node = root
    for position, side in steps:
        item = node.value[position]
        node = item[side] if isinstance(node, MappingNode) else item
    return node


def _replace(node: Node, steps: tuple[Step, ...], replacement: Node) -> Node:
    """A copy of ``node`` with the node at ``steps`` replaced (the rest shared)."""
    if not steps:
        return replacement
    (position, _side), rest = steps[0], steps[1:]
    items = list(node.value)
    if isinstance(node, MappingNode):
        key, value = items[position]
        items[position] = (key, _replace(value, rest, replacement))
        return MappingNode(node.tag, items, node.start_mark, node.end_mark, node.flow_style)
    assert isinstance(node, SequenceNode)
    items[position] = _replace(items[position], rest, replacement)
    return SequenceNode(node.tag, items, node.start_mark, node.end_mark, node.flow_style)


def _rescan(old: ScalarNode, old_line: str, new_line: str) -> ScalarNode | None:
    """The scalar the new line holds where ``old`` was, if both are simple tokens."""
    start, end = old.start_mark.column, old.end_mark.column
    if start == 0 or not old_line.isascii() or old_line[:start] != new_line[:start]:
        return None
    # The old value must read back as the parser read it: no tag, no anchor, no escapes.
    if _read_token(old_line[start:end]) != (old.value, old.style, old.tag):
        return None
    suffix = old_line[end:]
    if suffix.strip() and not (suffix[0] == " " and suffix.lstrip(" ").startswith("#")):
        return None  # something other than a comment follows the value
    if not new_line.endswith(suffix) or len(new_line) - len(suffix) <= start:
        return None
    token = new_line[start : len(new_line) - len(suffix)]
    read = _read_token(token)
    if read is None:
        return None
    value, style, tag = read
    mark = old.end_mark
    end_mark = type(mark)(
        mark.name, mark.index, mark.line, start + len(token), mark.buffer, mark.pointer
    )
    return ScalarNode(tag, value, old.start_mark, end_mark, style)


def _read_token(token: str) -> tuple[str, str, str] | None:
    """(value, style, tag) of a simple scalar token as libyaml composes it, else None."""
    if _PLAIN.fullmatch(token) and not token.endswith(":"):
        return token, "", resolve_plain(token)
    if _DOUBLE.fullmatch(token):
        return token[1:-1], '"', STR_TAG
    if _SINGLE.fullmatch(token):
        return token[1:-1], "'", STR_TAG
    return None
