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


@dataclass(frozen=True, slots=True)
class ValuesImage:
    """An image set in Helm values: its key path, reference text and the leaf to change."""

    keypath: str
    reference: str
    leaf: Leaf


_IMAGE_FIELDS = ("registry", "repository", "tag", "digest")


def values_images(values: object, prefix: str = "") -> Iterator[ValuesImage]:
    """The images of a Helm values tree (a Flux HelmRelease's ``spec.values`` as built):
    ``image: name:tag`` strings and ``image: {registry, repository, tag, digest}`` maps."""
    stack: list[tuple[object, str]] = [(values, prefix)]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict):
            if isinstance(node, list):
                stack.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(node))))
            continue
        for key, value in reversed(list(node.items())):
            keypath = f"{path}.{key}" if path else str(key)
            if key == "image" or (str(key).endswith("Image") and len(str(key)) > 5):
                found = _values_image(keypath, value)
                if found is not None:
                    yield found
                    continue
            if isinstance(value, dict | list):
                stack.append((value, keypath))


def _values_image(keypath: str, value: object) -> ValuesImage | None:
    if isinstance(value, Leaf):
        text = value.text
        if text and any(c in text for c in "/:@"):
            return ValuesImage(keypath, text, value)
        return None
    if not isinstance(value, dict):
        return None
    fields = {k: v for k in _IMAGE_FIELDS if isinstance(v := value.get(k), Leaf) and v.text}
    repository = fields.get("repository") or (
        value.get("name") if isinstance(value.get("name"), Leaf) else None
    )
    if not isinstance(repository, Leaf) or not repository.text:
        return None
    text = repository.text
    if "registry" in fields:
        text = f"{(fields['registry'].text or '').rstrip('/')}/{text}"
    if "tag" in fields:
        text += f":{fields['tag'].text}"
    if "digest" in fields:
        text += f"@{fields['digest'].text}"
    leaf = fields.get("tag") or fields.get("digest") or repository
    return ValuesImage(keypath, text, leaf)


# --- JSON patch (RFC 6902) as kustomize applies it ----------------------------------------
#
# Kustomize applies JSON patches with evanphx/json-patch v4, which is laxer than the RFC in
# ways real patches rely on: ``replace`` of a missing key in a mapping adds it, ``copy`` from
# a missing key copies null, negative list indexes count from the end, and an operation
# without ``value`` writes null. The functions below follow that library, not the RFC.


class PatchError(ValueError):
    """A JSON patch operation that cannot be applied (what kustomize reports as an error)."""


_NULL_WHERE = Location("")


def _null(where: Location | None = None) -> Leaf:
    return Leaf("", "null", where or _NULL_WHERE)


def pointer_parts(pointer: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def _go_int(text: str) -> int | None:
    """``strconv.Atoi``: an optional sign and decimal digits."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _find(tree: object, pointer: str) -> tuple[object, str] | None:
    """The container holding the last part of ``pointer``, and that part (``findObject``)."""
    if "/" not in pointer:
        return None
    parts = pointer_parts(pointer)
    node = tree
    for part in parts[:-1]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list):
            index = _go_int(part)
            if index is None or index >= len(node) or index < -len(node):
                return None
            node = node[index]
        else:
            return None
        if not isinstance(node, dict | list):
            return None
    return node, parts[-1]


def _list_index(key: str, size: int) -> int:
    index = _go_int(key)
    if index is None:
        raise PatchError(f"{key!r} is not an index into a list")
    if index >= size or index < -size:
        raise PatchError(f"index {index} is out of range")
    return index + size if index < 0 else index


def _get(container: object, key: str) -> object:
    if isinstance(container, dict):
        return container.get(key, _null())
    assert isinstance(container, list)
    return container[_list_index(key, len(container))]


def _add(container: object, key: str, value: object) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    assert isinstance(container, list)
    if key == "-":
        container.append(value)
        return
    container.insert(_list_index(key, len(container) + 1), value)


def _remove(container: object, key: str) -> object:
    if isinstance(container, dict):
        if key not in container:
            raise PatchError(f"cannot remove the missing key {key!r}")
        return container.pop(key)
    assert isinstance(container, list)
    return container.pop(_list_index(key, len(container)))


def _located(tree: object, path: str) -> tuple[object, str]:
    found = _find(tree, path)
    if found is None:
        raise PatchError(f"the document has no path {path!r}")
    return found


def json_patch(tree: object, operations: list[object]) -> object:
    """Apply JSON patch operations (given as trees) to ``tree``; raises PatchError."""
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError("a JSON patch operation must be a mapping")
        op = text_at(operation, "op")
        path = text_at(operation, "path") or ""
        value = operation.get("value", _null())
        if op == "add":
            _add(*_located(tree, path), copy_tree(value))
        elif op == "remove":
            _remove(*_located(tree, path))
        elif op == "replace":
            if path == "":
                if not isinstance(value, dict | list):
                    raise PatchError("replacing the document needs a mapping or a list")
                tree = copy_tree(value)
                continue
            container, key = _located(tree, path)
            if isinstance(container, list):
                container[_list_index(key, len(container))] = copy_tree(value)
            else:
                assert isinstance(container, dict)
                container[key] = copy_tree(value)
        elif op in ("move", "copy"):
            source = text_at(operation, "from") or ""
            container, key = _located(tree, source)
            if op == "move":
                if isinstance(container, dict) and key not in container:
                    raise PatchError(f"cannot move the missing key {key!r}")
                taken = _remove(container, key)
            else:
                taken = copy_tree(_get(container, key))
            _add(*_located(tree, path), taken)
        elif op == "test":
            current = tree if path == "" else _get(*_located(tree, path))
            if not equal(current, value):
                raise PatchError(f"test failed at {path}")
        else:
            raise PatchError(f"unknown JSON patch operation {op!r}")
    return tree


def changed_fields(
    before: object, after: object, at: str = "", depth: int = 0
) -> list[tuple[str, Location | None]]:
    """Where two trees differ: each changed, added or removed path, with the place its
    new value was written (None for a removal)."""
    if before is after:
        return []
    if depth > MAX_DEPTH:
        return [(at, None)]
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Location | None]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            path = f"{at}.{key}" if at else key
            if key not in after:
                found.append((path, None))
            elif key not in before:
                found.append((path, first_location(after[key])))
            else:
                found.extend(changed_fields(before[key], after[key], path, depth + 1))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found.extend(changed_fields(old, new, f"{at}[{index}]", depth + 1))
        return found
    if isinstance(before, Leaf) and isinstance(after, Leaf):
        same = before.value == after.value and before.kind == after.kind
        return [] if same else [(at, after.where)]
    if before == after:
        return []
    return [(at, first_location(after))]


def first_location(tree: object) -> Location | None:
    """Where the first leaf of a tree was written (None for an empty one)."""
    stack = [tree]
    while stack:
        node = stack.pop(0)
        if isinstance(node, Leaf):
            return node.where
        if isinstance(node, dict):
            stack = [*node.values(), *stack]
        elif isinstance(node, list):
            stack = [*node, *stack]
    return None
