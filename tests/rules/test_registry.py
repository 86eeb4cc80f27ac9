"""The rule registry: every rule is complete, unique, documented, and the docs page is current."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest

from gitops_guard.catalogue import CONTRACT_IDS, RULE_NAMES, rule_id
from gitops_guard.rules import base, registry
from gitops_guard.rules.registry import (
    RULES,
    documentation,
    find,
    info,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
RULES_DIR = Path(base.__file__).parent
SCOPES: dict[str, Mapping[str, base.RuleModule]] = {
    base.INPUT_SCOPE: registry.INPUT_RULES,
    base.IMAGE_SCOPE: registry.IMAGE_RULES,
    base.INVENTORY_SCOPE: registry.INVENTORY_RULES,
    base.EVENT_SCOPE: registry.EVENT_RULES,
    base.COMMIT_SCOPE: registry.COMMIT_RULES,
    base.RANGE_SCOPE: registry.RANGE_RULES,
    base.SUPPLY_SCOPE: registry.SUPPLY_RULES,
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_every_rule_is_complete(rule: base.RuleModule) -> None:
    assert re.fullmatch(r"GG\d{3}", rule.ID)
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.NAME)
    module = cast(ModuleType, rule)
    assert module.__name__.rsplit(".", 1)[1] == f"{rule.ID.lower()}_{rule.NAME.replace('-', '_')}"
    assert info(rule).summary  # its examples are run by test_examples.py
    assert find(rule.ID) is rule
    assert find(rule.NAME) is rule


def test_ids_and_names_are_unique_and_in_order() -> None:
    ids = [r.ID for r in RULES]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert len({r.NAME for r in RULES}) == len(RULES)


def test_every_rule_module_in_the_folder_is_registered() -> None:
    # Registration is static: a new module that is not listed would never run.
    on_disk = {path.stem for path in RULES_DIR.glob("gg*.py")}
    assert {cast(ModuleType, rule).__name__.rsplit(".", 1)[1] for rule in RULES} == on_disk


def test_each_scope_registry_holds_the_rules_of_that_scope_keyed_by_id() -> None:
    assert set(SCOPES) == set(typing.get_args(base.Scope))
    for scope, rules in SCOPES.items():
        assert rules, scope
        assert [(key, rule.SCOPE) for key, rule in rules.items()] == [
            (rule.ID, scope) for rule in rules.values()
        ]
    assert sorted(key for rules in SCOPES.values() for key in rules) == [r.ID for r in RULES]


def test_the_catalogue_lists_exactly_the_registered_rules() -> None:
    # The policy reads rule names from the catalogue without importing the rules.
    assert dict(RULE_NAMES) == {r.ID: r.NAME for r in RULES}
    assert all(rule_id(r.NAME) == rule_id(r.ID.lower()) == r.ID for r in RULES)
    assert rule_id("no-such-rule") is None


def test_every_id_of_the_contract_is_implemented() -> None:
    assert {r.ID for r in RULES} >= CONTRACT_IDS


def test_the_documentation_page_is_generated_from_the_registry() -> None:
    assert DOCS.read_text() == documentation(), (
        "regenerate: gitops-guard rules --markdown > docs/rules.md"
    )
