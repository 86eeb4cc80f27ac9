"""Resources as plain trees whose every scalar remembers where it was written.

Kustomize changes resources in ways a walk over the parsed file cannot follow (a
strategic-merge patch adds a container, a JSON patch copies a value into ``image``, a
replacement takes it from a ConfigMap): those are applied to a copy of the resource as a
tree of ``dict`` / ``list`` / :class:`Leaf`. A leaf keeps the location of the text that
produced it, so an image found after every transformation still points at the line a
person must change.

Trees are built from parsed nodes with a budget (an alias bomb inside a manifest is
refused, not expanded) and copied cheaply: leaves are immutable and shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Location
from gitops_guard.parse.loader import MERGE_TAG, NULL_TAG, STR_TAG, mapping_items

MAX_NODES = 200_000
MAX_DEPTH = 200


class TreeTooLarge(ValueError):
    """A document that expands to more nodes than a manifest plausibly has."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """A scalar: its text, YAML 1.1 type (``str``, ``int``, ``bool``, ``null``...), place.

    ``origin`` is where the value first came from when a transformation moved it
    (the base's ``image:`` line under an overlay's ``newTag``).
    """

    value: str
    kind: str
    where: Location
    origin: Location | None = None
    kustomized: bool = False  # written by an ``images:`` entry (source ``kustomize``)

    @property
    def is_null(self) -> bool:
        return self.kind == "null"

    @property
    def text(self) -> str | None:
        """The value as a string, None for null."""
        return None if self.kind == "null" else self.value


def kind_of_tag(tag: str) -> str:
    if tag == STR_TAG:
        return "str"
    return tag.rsplit(":", 1)[-1]


Locate = Callable[[Node], Location]


def to_tree(node: Node, locate: Locate, budget: list[int] | None = None, depth: int = 0) -> object:
    """The tree of a parsed node (merge keys resolved); raises TreeTooLarge."""
    if budget is None:
        budget = [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise TreeTooLarge("document is too large or too deeply nested to follow (alias bomb?)")
    if isinstance(node, MappingNode):
        result: dict[str, object] = {}
        for name, _key, value in mapping_items(node):
            result[name] = to_tree(value, locate, budget, depth + 1)
        return result
    if isinstance(node, SequenceNode):
        return [to_tree(item, locate, budget, depth + 1) for item in node.value]
    assert isinstance(node, ScalarNode)
    tag = node.tag
    if tag == NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
        return Leaf("", "null", locate(node))
    if tag == MERGE_TAG:  # pragma: no cover - merge keys are resolved by mapping_items
        return Leaf(str(node.value), "str", locate(node))
    return Leaf(str(node.value), kind_of_tag(tag), locate(node))


def copy_tree(tree: object) -> object:
    """A copy whose mappings and lists may be changed (leaves are shared)."""
    if isinstance(tree, dict):
        return {key: copy_tree(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [copy_tree(item) for item in tree]
    return tree


def get(tree: object, *keys: str) -> object:
    """Follow mapping keys; None when a step is missing."""
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def text_at(tree: object, *keys: str) -> str | None:
    """The string text at a key path, or None."""
    leaf = get(tree, *keys)
    return leaf.text if isinstance(leaf, Leaf) else None


def equal(a: object, b: object) -> bool:
    """Value equality, ignoring locations."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Leaf) and isinstance(b, Leaf):
        return a.value == b.value and (a.kind == b.kind or "str" not in (a.kind, b.kind))
    return False


# --- pod templates, found by shape --------------------------------------------------------

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class FoundImage:
    """One container's ``image`` leaf in a resource tree."""

    field: str  # containers | initContainers | ephemeralContainers
    index: int
    container: str | None
    leaf: Leaf


def tree_images(tree: object) -> Iterator[FoundImage]:
    """Every container image: lists named like a pod's containers directly under a ``spec``."""
    stack: list[tuple[object, str | None]] = [(tree, None)]
    while stack:
        node, key = stack.pop()
        if isinstance(node, dict):
            if key == "spec":
                for field in CONTAINER_LISTS:
                    items = node.get(field)
                    if isinstance(items, list):
                        for index, item in enumerate(items):
                            image = item.get("image") if isinstance(item, dict) else None
                            if isinstance(image, Leaf) and not image.is_null:
                                assert isinstance(item, dict)
                                name = item.get("name")
                                yield FoundImage(
                                    field,
                                    index,
                                    name.text if isinstance(name, Leaf) else None,
                                    image,
                                )
            for child_key, value in reversed(list(node.items())):
                if isinstance(value, dict | list):
                    stack.append((value, child_key))
        elif isinstance(node, list):
            for item in reversed(node):
                if isinstance(item, dict | list):
                    stack.append((item, key))


# --- JSON pointers (RFC 6901) and JSON patch (RFC 6902) -----------------------------------


class PatchError(ValueError):
    """A JSON patch operation that cannot be applied (what kustomize reports as an error)."""


def pointer_parts(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _index(container: list[object], part: str, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(container)
    if not part.isdigit() or (len(part) > 1 and part.startswith("0")):
        raise PatchError(f"{part!r} is not an index into a list")
    index = int(part)
    limit = len(container) + (1 if allow_end else 0)
    if index >= limit:
        raise PatchError(f"index {index} is out of range")
    return index


def _parent(tree: object, parts: list[str]) -> object:
    node = tree
    for part in parts[:-1]:
        if isinstance(node, dict):
            if part not in node:
                raise PatchError(f"missing key {part!r}")
            node = node[part]
        elif isinstance(node, list):
            node = node[_index(node, part, False)]
        else:
            raise PatchError(f"cannot descend into a scalar at {part!r}")
    return node


def pointer_get(tree: object, pointer: str) -> object:
    parts = pointer_parts(pointer)
    if not parts:
        return tree
    parent = _parent(tree, parts)
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"missing key {last!r}")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, False)]
    raise PatchError("cannot descend into a scalar")


def pointer_add(tree: object, pointer: str, value: object) -> object:
    parts = pointer_parts(pointer)
    if not parts:
        return value
    parent = _parent(tree, parts)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, True), value)
    else:
        raise PatchError("cannot add into a scalar")
    return tree


def pointer_remove(tree: object, pointer: str) -> object:
    parts = pointer_parts(pointer)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _parent(tree, parts)
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"missing key {last!r}")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, False))
    raise PatchError("cannot remove from a scalar")


def pointer_replace(tree: object, pointer: str, value: object) -> object:
    parts = pointer_parts(pointer)
    if not parts:
        return value
    parent = _parent(tree, parts)
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"missing key {last!r}")
        parent[last] = value
    elif isinstance(parent, list):
        parent[_index(parent, last, False)] = value
    else:
        raise PatchError("cannot replace in a scalar")
    return tree


def json_patch(tree: object, operations: list[object]) -> object:
    """Apply RFC 6902 operations (given as trees) to ``tree``; raises PatchError."""
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError("a JSON patch operation must be a mapping")
        op = text_at(operation, "op")
        path = text_at(operation, "path")
        if op is None or path is None:
            raise PatchError("a JSON patch operation needs 'op' and 'path'")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"{op} needs a 'value'")
        value = operation.get("value")
        if op == "add":
            tree = pointer_add(tree, path, copy_tree(value))
        elif op == "remove":
            pointer_remove(tree, path)
        elif op == "replace":
            tree = pointer_replace(tree, path, copy_tree(value))
        elif op in ("move", "copy"):
            source = text_at(operation, "from")
            if source is None:
                raise PatchError(f"{op} needs 'from'")
            if op == "move":
                taken = pointer_remove(tree, source)
            else:
                taken = copy_tree(pointer_get(tree, source))
            tree = pointer_add(tree, path, taken)
        elif op == "test":
            if not equal(pointer_get(tree, path), value):
                raise PatchError(f"test failed at {path}")
        else:
            raise PatchError(f"unknown JSON patch operation {op!r}")
    return tree
