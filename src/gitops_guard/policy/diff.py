"""What a change to the policy file loosens (GG307), driven by the policy's JSON Schema.

Every leaf of ``schemas/policy.schema.json`` says which way loosens it, with the custom
keyword ``x-loosens`` (a meta-test fails when a key has none):

- ``"true"`` / ``"false"``: a boolean loosens when it becomes that value;
- ``"add"``: a list loosens when it gains items (``x-absent: "any"``: an absent list
  allows everything, so removing it loosens too);
- ``"remove"``: a list loosens when it loses items;
- ``"lower"`` / ``"raise"``: a number, size or duration loosens when it goes that way
  (``x-absent: "any"``: absent means unlimited);
- ``"rank"``: an enum loosens when it moves down ``x-rank`` (strictest first);
- ``"change"``: any change loosens (a pattern, the layout, which Image Updater semantics),
  except setting a key that was absent and has no ``default``;
- ``"none"``: never loosens (timeouts, retries);
- ``"keys"`` on a mapping of named entries (environments, severities): each entry is
  compared by its own schema, an entry that disappears with ``x-removed: true`` is
  reported as removed.

Absent keys take their ``default``. Before comparing, each environment's ``images``
receives the top-level ``images`` keys it does not set (what the rules do), so adding
``environments.prod.images.registries: ['*']`` is seen as what it is. A policy file that
is deleted or emptied is compared as ``{}``: the strongest loosening, every requirement
reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops_guard.policy.model import parse_duration, parse_size

Loosening = tuple[list[str | int], str]  # key path in the new file, description

_ABSENT = object()
_INHERITED = (
    "registries",
    "forbidden_tags",
    "tag_pattern",
    "constraint",
    "require_digest",
    "allow_prerelease",
)


def loosenings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Loosening]:
    """Every way ``new`` (the policy a change brings) allows more than ``old``."""
    from gitops_guard.policy.load import schema

    root = schema()
    found: list[Loosening] = []
    _walk(root, root, _effective(old), _effective(new), [], found)
    return found


def _effective(data: Mapping[str, Any]) -> dict[str, Any]:
    """The policy data with each environment's images completed from the top-level ones."""
    result = dict(data)
    top = result.get("images")
    environments = result.get("environments")
    if not isinstance(top, Mapping) or not isinstance(environments, Mapping):
        return result
    completed: dict[str, Any] = {}
    for name, settings in environments.items():
        env = dict(settings) if isinstance(settings, Mapping) else {}
        images = dict(env.get("images") or {})
        for key in _INHERITED:
            if key not in images and key in top:
                images[key] = top[key]
        if images:
            env["images"] = images
        completed[name] = env
    result["environments"] = completed
    return result


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema node with ``$ref`` followed and ``allOf`` merged (properties united)."""
    merged: dict[str, Any] = {}
    pending = [node]
    while pending:
        part = pending.pop(0)
        ref = part.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for piece in ref[2:].split("/"):
                target = target[piece]
            pending.append(target)
        for sub in part.get("allOf", ()):
            pending.append(sub)
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key not in ("$ref", "allOf"):
                merged.setdefault(key, value)
    return merged


def direction(root: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    """The ``x-loosens`` of a schema node (after ``$ref``), None for an inner node."""
    value = _resolve(root, node).get("x-loosens")
    return value if isinstance(value, str) else None


def _dotted(path: list[str | int]) -> str:
    return ".".join(str(p) for p in path)


def _walk(
    root: Mapping[str, Any],
    node: Mapping[str, Any],
    old: Any,
    new: Any,
    path: list[str | int],
    found: list[Loosening],
) -> None:
    spec = _resolve(root, node)
    way = spec.get("x-loosens")
    if way == "keys":
        _walk_keys(root, spec, old, new, path, found)
        return
    if way is None:
        properties = spec.get("properties", {})
        old_map = old if isinstance(old, Mapping) else {}
        new_map = new if isinstance(new, Mapping) else {}
        for key, child in properties.items():
            _walk(
                root,
                child,
                old_map.get(key, _ABSENT),
                new_map.get(key, _ABSENT),
                [*path, key],
                found,
            )
        return
    default = spec.get("default", _ABSENT)
    before = default if old is _ABSENT else old
    after = default if new is _ABSENT else new
    text = _leaf(spec, str(way), before, after)
    if text is not None:
        where = path if new is not _ABSENT else path[:-1]
        found.append((where, f"{_dotted(path)}: {text}"))


def _walk_keys(
    root: Mapping[str, Any],
    spec: Mapping[str, Any],
    old: Any,
    new: Any,
    path: list[str | int],
    found: list[Loosening],
) -> None:
    child = spec.get("additionalProperties")
    old_map = old if isinstance(old, Mapping) else {}
    new_map = new if isinstance(new, Mapping) else {}
    if not isinstance(child, Mapping):
        return
    for key in dict.fromkeys([*old_map, *new_map]):
        if key in old_map and key not in new_map and spec.get("x-removed"):
            found.append((path, f"{_dotted([*path, key])}: removed"))
            continue
        _walk(
            root,
            child,
            old_map.get(key, _ABSENT),
            new_map.get(key, _ABSENT),
            [*path, key],
            found,
        )


def _leaf(spec: Mapping[str, Any], way: str, before: Any, after: Any) -> str | None:
    """What a change of one leaf loosens, or None."""
    if before == after:
        return None
    if way == "none":
        return None
    if way in ("true", "false"):
        wanted = way == "true"
        if after is wanted and before is not wanted:
            return f"turns it {'on' if wanted else 'off'}"
        return None
    if way == "set":  # absent is the strict side: setting it at all loosens
        if after is _ABSENT:
            return None
        if before is _ABSENT:
            return f"sets it to {_shown(after)}"
        return f"changes it from {_shown(before)} to {_shown(after)}"
    if way == "change":
        if before is _ABSENT:
            return None  # a setting where there was none (and no default) only adds a rule
        return f"changes it from {_shown(before)} to {_shown(after)}"
    if way == "add":
        return _added(spec, before, after)
    if way == "remove":
        old_items = _items(before)
        lost = [item for item in old_items if item not in _items(after)]
        if lost:
            return f"no longer lists {', '.join(map(_shown, lost))}"
        return None
    if way in ("lower", "raise"):
        return _moved(spec, way, before, after)
    if way == "rank":
        order = [repr(o) for o in spec.get("x-rank", ())]
        if repr(before) in order and repr(after) in order:
            if order.index(repr(after)) > order.index(repr(before)):
                return f"weakens it from {_shown(before)} to {_shown(after)}"
            return None
        return f"changes it from {_shown(before)} to {_shown(after)}"
    raise ValueError(f"unknown x-loosens direction {way!r}")


def _added(spec: Mapping[str, Any], before: Any, after: Any) -> str | None:
    unlimited = spec.get("x-absent") == "any"
    if after is _ABSENT and unlimited:
        return "allows anything (the list is gone)"
    if before is _ABSENT and unlimited:
        return None  # a list where anything was allowed: stricter
    gained = [item for item in _items(after) if item not in _items(before)]
    if gained:
        return f"adds {', '.join(map(_shown, gained))}"
    return None


def _moved(spec: Mapping[str, Any], way: str, before: Any, after: Any) -> str | None:
    unlimited = spec.get("x-absent") == "any"
    if after is _ABSENT:
        if unlimited:
            return "drops the limit"
        return None
    if before is _ABSENT:
        return None if unlimited else f"sets it to {_shown(after)}"
    old_value, new_value = _number(before), _number(after)
    if old_value is None or new_value is None:
        return f"changes it from {_shown(before)} to {_shown(after)}"
    if (way == "lower" and new_value < old_value) or (way == "raise" and new_value > old_value):
        verb = "lowers" if way == "lower" else "raises"
        return f"{verb} it from {_shown(before)} to {_shown(after)}"
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            if value and value[-1] in "smhdw":
                return float(parse_duration(value))
            return float(parse_size(value))
        except ValueError:
            return None
    return None


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [value]
    return []


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return "nothing"
    if value is False:
        return "off"
    return repr(value)
