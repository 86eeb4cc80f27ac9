"""Reading YAML the fast way, with positions, and turning every failure into a finding.

Reading goes through libyaml (PyYAML's ``CSafeLoader``): about 19 times faster than a
round-trip loader, and YAML 1.1 like Kubernetes' own parser. We stop at the node
graph (``compose``) instead of building Python objects, because nodes carry the line
and column every finding needs. Aliases stay shared nodes, so an alias bomb costs
nothing until someone walks it: every walker here remembers the nodes it has seen.

ruamel.yaml's round-trip mode is used only where a file is rewritten (``pin``,
fixes, ``init``), so comments and formatting survive.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Finding, Location
from gitops_guard.words import size

try:  # pragma: no branch - libyaml is part of every PyYAML wheel we support
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

# Plain scalars YAML 1.1 may read as something other than a string start with one of
# these (bool, int, float, null, timestamp, merge, value); anything else is a string.
_MAYBE_TYPED = frozenset("yYnNtTfFoO-+0123456789.<~=")


class _Loader(_BaseLoader):
    """libyaml with a shortcut in tag resolution, which otherwise costs a Python call and
    a regexp scan per scalar: most scalars are plain words and resolve to str at once."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            # Quoted scalars (implicit[0] False) are strings; plain ones are resolved.
            return resolve_plain(value) if implicit[0] else STR_TAG
        if kind is MappingNode:
            return "tag:yaml.org,2002:map"
        return "tag:yaml.org,2002:seq"


_RESOLVER = yaml.resolver.Resolver()


def resolve_plain(value: str) -> str:
    """The tag YAML 1.1 gives a plain scalar (the loader's resolution, shared with
    :mod:`gitops_guard.parse.reparse`)."""
    if value and value[0] not in _MAYBE_TYPED:
        return STR_TAG
    tag: str = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag


DEFAULT_MAX_BYTES = 5 * 1024 * 1024
PARSE_RULE = "GG001"

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
_TYPE_NAMES = {
    "tag:yaml.org,2002:int": "the number",
    "tag:yaml.org,2002:float": "the number",
    "tag:yaml.org,2002:bool": "the boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "the date",
}


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file: its position in the file and its root node."""

    path: str
    index: int
    root: Node


@dataclass(slots=True)
class LoadedFile:
    """A file read once: its documents, the problems met, and its text for comments."""

    path: str
    documents: list[Document] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    text: str = ""
    _lines: list[str] | None = None
    # the re-parser's index of this file's patchable scalars (False: none), built on demand.
    patch_index: Any = None

    @property
    def lines(self) -> list[str]:
        """The raw lines (without line endings), for reading suppression comments."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines


def location(path: str, node: Node) -> Location:
    """The 1-based location where ``node`` starts."""
    mark = node.start_mark
    return Location(path, mark.line + 1, mark.column + 1)


def _problem(path: str, line: int, column: int, message: str, hint: str | None = None) -> Finding:
    return Finding(PARSE_RULE, message, Location(path, line, column), hint=hint)


def _decode(path: str, data: bytes) -> tuple[str | None, Finding | None]:
    """Decode the bytes YAML allows (UTF-8, or UTF-16/32 with a BOM)."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError as exc:
                return None, _problem(path, 1, 1, f"file is not valid {encoding}: {exc.reason}")
    if b"\0" in data[:8192]:
        return None, _problem(path, 1, 1, "binary file (contains NUL bytes), not YAML; not read")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, _problem(
            path,
            line,
            column,
            f"file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; not read",
            hint="YAML files must be UTF-8 (Kubernetes and Argo CD read nothing else)",
        )


def load_yaml(path: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedFile:
    """Parse every document of a YAML file; never raises for bad input.

    Syntax errors, duplicate keys, undecodable or binary content and files over
    ``max_bytes`` become GG001 findings; documents before a syntax error are kept.
    """
    loaded = LoadedFile(path)
    if len(data) > max_bytes:
        loaded.problems.append(
            _problem(
                path,
                1,
                1,
                f"file is {size(len(data))}, over the {size(max_bytes)} limit; not read",
                hint="raise the limit with --max-file-size if this file really is a manifest",
            )
        )
        return loaded
    text, problem = _decode(path, data)
    if text is None:
        assert problem is not None
        loaded.problems.append(problem)
        return loaded
    loaded.text = text
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            root = loader.get_node()
            # An empty document ("---" alone) composes to a null scalar: nothing in it.
            if root is not None and not _is_empty(root):
                loaded.documents.append(Document(path, index, root))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "cannot be parsed"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        loaded.problems.append(_problem(path, line, column, f"YAML syntax error: {what}"))
    except yaml.YAMLError as exc:
        loaded.problems.append(_problem(path, 1, 1, f"YAML error: {exc}"))
    except RecursionError:
        loaded.problems.append(_problem(path, 1, 1, "YAML nesting is too deep to read; not read"))
    finally:
        loader.dispose()
    for document in loaded.documents:
        loaded.problems.extend(duplicate_keys(path, document.root))
    return loaded


def _is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG and node.value in ("", "~")


def duplicate_keys(path: str, root: Node) -> Iterator[Finding]:
    """Yield a GG001 finding for every mapping key that appears twice.

    Kubernetes' strict decoding rejects such documents, while YAML libraries quietly
    keep the last value, so the file would not mean what it seems to.
    """
    seen: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != MERGE_TAG:
                    marker = (key.tag, key.value)
                    if marker in first:
                        before = first[marker].start_mark.line + 1
                        yield _problem(
                            path,
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            f"duplicate key {key.value!r} (first at line {before}); "
                            "only the last one counts",
                        )
                    else:
                        first[marker] = key
                stack.append(value)
                if not isinstance(key, ScalarNode):
                    stack.append(key)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


# --- navigation over nodes -------------------------------------------------------------


def mapping_items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, key node, value node) for the scalar keys of a mapping, merge keys resolved.

    Keys written in the mapping win over keys brought in by ``<<`` merges, as in YAML.
    """
    if not isinstance(node, MappingNode):
        return
    merged: list[Node] = []
    own: set[str] = set()
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            if key.tag == MERGE_TAG:
                merged.extend(value.value if isinstance(value, SequenceNode) else [value])
                continue
            own.add(key.value)
            yield key.value, key, value
    seen_merge: set[int] = {id(node)}
    for source in merged:
        if id(source) in seen_merge:
            continue
        seen_merge.add(id(source))
        for name, key, value in mapping_items(source):
            if name not in own:
                own.add(name)
                yield name, key, value


def child(node: Node | None, key: str) -> Node | None:
    """The value node of ``key`` in a mapping node, or None."""
    if not isinstance(node, MappingNode):
        return None
    # The mapping's own keys first, without the generator: this is the hottest lookup of
    # extraction, and an own key wins over merged ones anyway.
    merges = False
    for key_node, value in node.value:
        if isinstance(key_node, ScalarNode):
            if key_node.tag == MERGE_TAG:
                merges = True
            elif key_node.value == key:
                found: Node = value
                return found
    if merges:
        for name, _key, value in mapping_items(node):
            if name == key:
                return value
    return None


def child_path(node: Node | None, *keys: str) -> Node | None:
    """Follow ``keys`` through nested mappings."""
    for key in keys:
        node = child(node, key)
        if node is None:
            return None
    return node


def sequence(node: Node | None) -> list[Node]:
    """The items of a sequence node; empty for anything else."""
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def scalar_text(node: Node | None) -> str | None:
    """A scalar's text whatever its type (``1.10`` stays ``"1.10"``), else None."""
    if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return str(node.value)
    return None


class WrongType(ValueError):
    """A value that should be a string is read as something else by YAML."""

    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def string_value(node: Node | None, what: str) -> str | None:
    """The string value of a scalar node that must be a string.

    Returns None when the node is absent or null. Raises :class:`WrongType` when YAML
    reads the value as another type: an unquoted ``newTag: 1.10`` is the float 1.1,
    which Kubernetes tooling then renders as ``1.1``, a different tag.
    """
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        if node.tag == STR_TAG:
            return str(node.value)
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        kind = _TYPE_NAMES.get(node.tag, f"a value of type {node.tag.rsplit(':', 1)[-1]}")
        raw = node.value
        shown = _as_yaml_reads(node)
        reads = f"{kind} {shown}" if kind != "null" else "null"
        raise WrongType(
            f"{what} {raw!r} is read by YAML as {reads}, not as the string {raw!r}",
            hint=f'quote it: {what.rsplit(" ", 1)[-1]}: "{raw}"',
        )
    kind = "a mapping" if isinstance(node, MappingNode) else "a list"
    raise WrongType(f"{what} must be a string, found {kind}", hint=None)


def _as_yaml_reads(node: ScalarNode) -> str:
    """How a YAML 1.1 reader renders a non-string scalar (``1.10`` → ``1.1``)."""
    try:
        value = yaml.load(node.value, Loader=_Loader)
    except yaml.YAMLError:  # pragma: no cover - the scalar was already parsed once
        return str(node.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_python(node: Node | None, _depth: int = 0) -> object:
    """Build plain Python data from a node (for small documents such as the policy).

    Not for manifests: the walkers above work on nodes. Recursion and alias bombs are
    bounded by the depth limit and a node budget.
    """
    budget = [100_000]
    return _to_python(node, budget, 0)


def _to_python(node: Node | None, budget: list[int], depth: int) -> object:
    budget[0] -= 1
    if budget[0] < 0 or depth > 200:
        raise ValueError("document is too large or too deeply nested (alias bomb?)")
    if node is None:
        return None
    if isinstance(node, MappingNode):
        return {
            name: _to_python(value, budget, depth + 1) for name, _k, value in mapping_items(node)
        }
    if isinstance(node, SequenceNode):
        return [_to_python(item, budget, depth + 1) for item in node.value]
    if isinstance(node, ScalarNode):
        if node.tag == STR_TAG:
            return str(node.value)
        return yaml.load(node.value, Loader=_Loader)
    return None  # pragma: no cover - no other node kinds exist
