"""GG307's diff is driven by the policy schema: every leaf says which way loosens it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml

from gitops_guard.policy.diff import _resolve, loosenings
from gitops_guard.policy.load import schema

WAYS = {"true", "false", "add", "remove", "lower", "raise", "rank", "change", "set", "none", "keys"}
BASE = yaml.safe_load(
    """
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  staging: {automated: [patch]}
  prod: {from: staging, soak: 24h, automated: [], require_pr: true}
images:
  registries: ["registry.example.com/*"]
  tag_pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'
supply_chain:
  signatures: {environments: [prod], identities: [{issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/*}]}
"""
)


def leaves(
    root: Mapping[str, Any], node: Mapping[str, Any], path: str
) -> Iterator[tuple[str, Any]]:
    spec = _resolve(root, node)
    way = spec.get("x-loosens")
    if way == "keys":
        child = spec.get("additionalProperties")
        assert isinstance(child, Mapping), path
        yield from leaves(root, child, f"{path}.*")
        return
    if way is not None:
        yield path, way
        return
    properties = spec.get("properties")
    if not properties:
        yield path, None
        return
    for key, child in properties.items():
        yield from leaves(root, child, f"{path}.{key}" if path else key)


def test_every_leaf_of_the_schema_says_which_way_loosens_it() -> None:
    root = schema()
    found = dict(leaves(root, root, ""))
    assert len(found) > 40
    missing = sorted(path for path, way in found.items() if way is None)
    assert not missing, f"add x-loosens to these keys of the policy schema: {missing}"
    unknown = {path: way for path, way in found.items() if way not in WAYS}
    assert not unknown


def changed(**changes: Any) -> dict[str, Any]:
    import copy

    data: dict[str, Any] = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target.setdefault(part, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    ("new", "path"),
    [
        ({"version": 1}, "environments.prod: removed"),
        (
            changed(environments__prod__images={"registries": ["*"]}),
            "environments.prod.images.registries: adds '*'",
        ),
        (
            changed(images__overrides=[{"image": "registry.example.com/*", "tag_pattern": ".*"}]),
            "images.overrides",
        ),
        (changed(protected_refs=["refs/heads/release"]), "protected_refs: no longer lists"),
        (
            changed(supply_chain__signatures__identities=[{"issuer": "*", "subject": "*"}]),
            "supply_chain.signatures.identities: adds",
        ),
        (
            changed(supply_chain__registry={"insecure": ["*"]}),
            "supply_chain.registry.insecure: adds '*'",
        ),
        (changed(max_file_size="500MiB"), "max_file_size: raises"),
        (changed(image_updater={"version": "0.12"}), "image_updater.version: changes"),
        (changed(severity={"GG304": False}), "severity.GG304: weakens"),
        (changed(environments__prod__soak="1h"), "environments.prod.soak: lowers"),
        (
            changed(environments__prod__require_pr=None),
            "environments.prod.require_pr: turns it off",
        ),
        (
            changed(environments__prod__automated=None),
            "environments.prod.automated: allows anything",
        ),
        (changed(allow_history_rewrites=True), "allow_history_rewrites: turns it on"),
        (
            changed(policy_owners={"allowed_signers": "mine"}),
            "policy_owners.allowed_signers: changes",
        ),
        (changed(bots=["*"]), "bots: adds '*'"),
    ],
)
def test_each_loosening_is_found(new: dict[str, Any], path: str) -> None:
    descriptions = [description for _where, description in loosenings(BASE, new)]
    assert any(d.startswith(path) for d in descriptions), descriptions


@pytest.mark.parametrize(
    "new",
    [
        changed(environments__prod__soak="48h"),
        changed(images__registries=[]),
        changed(environments__staging__automated=[]),
        changed(environments__staging__require_pr=True),
        changed(severity={"GG210": "error"}),
        changed(supply_chain__registry={"timeout": 3}),
    ],
)
def test_a_tightening_or_neutral_change_is_no_loosening(new: dict[str, Any]) -> None:
    assert loosenings(BASE, new) == []


def test_naming_the_forge_s_merge_key_tightens_and_dropping_it_loosens() -> None:
    named = {**BASE, "pull_requests": {"merge_key": ".gitops-guard/web-flow.asc"}}
    assert loosenings(BASE, named) == []
    dropped = [description for _where, description in loosenings(named, BASE)]
    assert any(d.startswith("pull_requests.merge_key: changes") for d in dropped), dropped
    other = {**BASE, "pull_requests": {"merge_key": "mine.asc"}}
    assert loosenings(named, other)
