"""What a change to the policy file loosens (GG307).

Compares the policy data of two revisions and lists every way the new one allows
more, each with the key path where it happens, so the finding can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Loosening = tuple[list[str | int], str]  # key path in the new file, description

_REQUIREMENTS = (
    "require_digest",
    "require_signed_commits",
    "require_pr",
    "single_environment_commits",
)
_PERMISSIONS = ("allow_prerelease", "allow_suppressions")
_SEVERITY_RANK = {"error": 2, "warning": 1, "off": 0, False: 0}
_UNREACHABLE_RANK = {"fail": 2, "warn": 1, "skip": 0}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def loosenings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Loosening]:
    """Every way ``new`` (the policy a change brings) allows more than ``old``."""
    found: list[Loosening] = []
    old_envs, new_envs = _map(old.get("environments")), _map(new.get("environments"))
    for name, before in old_envs.items():
        if name not in new_envs:
            found.append((["environments"], f"removes environment {name!r}"))
            continue
        found += _environment(name, _map(before), _map(new_envs[name]))
    found += _images(["images"], "", _map(old.get("images")), _map(new.get("images")))
    if old.get("layout") != new.get("layout") and "layout" in old:
        found.append((["layout"], "changes the layout (which paths belong to which environment)"))
    added_bots = [b for b in _list(new.get("bots")) if b not in _list(old.get("bots"))]
    if added_bots:
        found.append((["bots"], f"adds bots {', '.join(map(repr, added_bots))}"))
    if old.get("rollback_trailer", "Rollback") != new.get("rollback_trailer", "Rollback"):
        found.append((["rollback_trailer"], "changes the rollback trailer"))
    added_excludes = [e for e in _list(new.get("exclude")) if e not in _list(old.get("exclude"))]
    if added_excludes:
        found.append((["exclude"], f"excludes {', '.join(map(repr, added_excludes))}"))
    for rule, level in _map(new.get("severity")).items():
        before = _map(old.get("severity")).get(rule, "error")
        if _SEVERITY_RANK.get(level, 2) < _SEVERITY_RANK.get(before, 2):
            shown = "off" if level is False else level
            found.append((["severity", rule], f"lowers {rule} from {before} to {shown}"))
    found += _annotations(_map(old.get("annotations")), _map(new.get("annotations")))
    found += _supply_chain(_map(old.get("supply_chain")), _map(new.get("supply_chain")))
    return found


def _environment(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Loosening]:
    path: list[str | int] = ["environments", name]
    found: list[Loosening] = []
    if "from" in old and old.get("from") != new.get("from"):
        after = (
            f"comes from {new['from']!r}" if "from" in new else "no longer has a stage before it"
        )
        found.append(([*path], f"{name} {after} instead of {old['from']!r}"))
    if "soak" in old:
        from gitops_guard.policy.model import parse_duration

        before = parse_duration(old["soak"])
        after_seconds = parse_duration(new["soak"]) if "soak" in new else 0
        if after_seconds < before:
            shown = new.get("soak", "none")
            found.append(
                ([*path, "soak"], f"shortens the soak time of {name} from {old['soak']} to {shown}")
            )
    if "automated" in old:
        if "automated" not in new:
            found.append(([*path], f"lets bots make any change in {name}"))
        else:
            added = sorted(set(_list(new["automated"])) - set(_list(old["automated"])))
            if added:
                found.append(
                    ([*path, "automated"], f"lets bots make {', '.join(added)} changes in {name}")
                )
    for key in _REQUIREMENTS:
        if old.get(key) is True and new.get(key) is not True:
            found.append(([*path], f"turns off {key} in {name}"))
    for key in _PERMISSIONS:
        if old.get(key) is False and new.get(key) is not False:
            found.append(([*path], f"turns on {key} in {name}"))
    if old.get("on_unresolved") == "error" and new.get("on_unresolved") != "error":
        found.append(([*path], f"lets what cannot be followed (GG003) reach {name}"))
    found += _images(
        [*path, "images"], f" in {name}", _map(old.get("images")), _map(new.get("images"))
    )
    return found


def _images(
    path: list[str | int], where: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Loosening]:
    found: list[Loosening] = []
    if "registries" in old:
        if "registries" not in new:
            found.append(([*path], f"allows any registry{where}"))
        else:
            added = [r for r in _list(new["registries"]) if r not in _list(old["registries"])]
            if added:
                found.append(
                    (
                        [*path, "registries"],
                        f"allows registries {', '.join(map(repr, added))}{where}",
                    )
                )
    removed = [
        t for t in _list(old.get("forbidden_tags")) if t not in _list(new.get("forbidden_tags"))
    ]
    if removed:
        found.append(([*path], f"no longer forbids tags {', '.join(map(repr, removed))}{where}"))
    for key, label in (("tag_pattern", "tag pattern"), ("constraint", "version constraint")):
        if key in old and old.get(key) != new.get(key):
            after = f"{new[key]!r}" if key in new else "nothing"
            found.append(
                (
                    [*path, key] if key in new else [*path],
                    f"changes the {label}{where} from {old[key]!r} to {after}",
                )
            )
    for key in ("require_digest",):
        if old.get(key) is True and new.get(key) is not True:
            found.append(([*path], f"turns off {key}{where}"))
    if old.get("allow_prerelease") is False and new.get("allow_prerelease") is not False:
        found.append(([*path], f"turns on allow_prerelease{where}"))
    old_overrides = {
        o.get("image"): o for o in _list(old.get("overrides")) if isinstance(o, Mapping)
    }
    new_overrides = {
        o.get("image"): o for o in _list(new.get("overrides")) if isinstance(o, Mapping)
    }
    for image, override in old_overrides.items():
        if new_overrides.get(image) != override:
            found.append(([*path], f"changes or removes the override for {image}{where}"))
    return found


def _annotations(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Loosening]:
    found: list[Loosening] = []
    for key in ("require_selection_rule", "require_git_write_back"):
        removed = [e for e in _list(old.get(key)) if e not in _list(new.get(key))]
        if removed:
            found.append((["annotations"], f"drops {key} for {', '.join(removed)}"))
    old_forbidden, new_forbidden = (
        _map(old.get("forbidden_strategies")),
        _map(new.get("forbidden_strategies")),
    )
    for env, strategies in old_forbidden.items():
        allowed = [s for s in _list(strategies) if s not in _list(new_forbidden.get(env))]
        if allowed:
            found.append(
                (["annotations"], f"allows update strategies {', '.join(allowed)} in {env}")
            )
    return found


def _supply_chain(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Loosening]:
    found: list[Loosening] = []
    before = _UNREACHABLE_RANK.get(old.get("on_unreachable", "fail"), 2)
    after = _UNREACHABLE_RANK.get(new.get("on_unreachable", "fail"), 2)
    if after < before:
        found.append(
            (
                ["supply_chain"],
                f"lets unreachable registries {new.get('on_unreachable')} instead of fail",
            )
        )
    for gate in ("registry", "signatures", "vulnerabilities", "provenance"):
        old_gate, new_gate = _map(old.get(gate)), _map(new.get(gate))
        removed = [
            e
            for e in _list(old_gate.get("environments"))
            if e not in _list(new_gate.get("environments"))
        ]
        if removed:
            found.append((["supply_chain"], f"stops the {gate} gate in {', '.join(removed)}"))
        for key in ("keys", "source_repositories", "refs", "builders", "insecure"):
            added = [v for v in _list(new_gate.get(key)) if v not in _list(old_gate.get(key))]
            if added and key in old_gate:
                found.append(
                    (
                        ["supply_chain", gate],
                        f"adds {key} {', '.join(map(repr, added))} to the {gate} gate",
                    )
                )
        for severity, limit in _map(new_gate.get("max")).items():
            previous = _map(old_gate.get("max")).get(severity)
            if previous is not None and isinstance(limit, int) and limit > previous:
                found.append(
                    (
                        ["supply_chain", gate],
                        f"raises the {severity} vulnerability limit from {previous} to {limit}",
                    )
                )
        for severity in _map(old_gate.get("max")):
            if severity not in _map(new_gate.get("max")):
                found.append((["supply_chain", gate], f"drops the {severity} vulnerability limit"))
    return found
