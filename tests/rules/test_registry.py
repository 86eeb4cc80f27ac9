"""The rule registry: every rule is complete, unique, documented, and the docs page is current."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest

from gitops_guard.catalogue import CONTRACT_IDS, RULE_NAMES, RULE_SCOPES, rule_id
from gitops_guard.model import Report
from gitops_guard.rules import base, registry
from gitops_guard.rules.registry import (
    RULE_BOOK,
    all_info,
    all_rules,
    documentation,
    find,
    info,
    rule_with_id,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
RULES_DIR = Path(base.__file__).parent
SCOPES: dict[str, Mapping[str, base.RuleModule]] = {
    base.INPUT_SCOPE: registry.input_rules(),
    base.IMAGE_SCOPE: registry.image_rules(),
    base.INVENTORY_SCOPE: registry.inventory_rules(),
    base.EVENT_SCOPE: registry.event_rules(),
    base.COMMIT_SCOPE: registry.commit_rules(),
    base.RANGE_SCOPE: registry.range_rules(),
    base.SUPPLY_SCOPE: registry.supply_rules(),
}
RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_every_rule_is_complete(rule: base.RuleModule) -> None:
    assert re.fullmatch(r"GG\d{3}", rule.ID)
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.NAME)
    module = cast(ModuleType, rule)
    assert module.__name__.rsplit(".", 1)[1] == f"{rule.ID.lower()}_{rule.NAME.replace('-', '_')}"
    assert info(rule).summary  # its examples are run by test_examples.py
    assert find(rule.ID) is rule
    assert find(rule.NAME) is rule
    assert registry.rule_with_id(rule.ID) is rule


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
    # The policy reads rule names from the catalogue without importing the rules, and the
    # registry finds a rule's scope there to import only the rules of that scope.
    assert dict(RULE_NAMES) == {r.ID: r.NAME for r in RULES}
    assert dict(RULE_SCOPES) == {r.ID: r.SCOPE for r in RULES}
    assert all(rule_id(r.NAME) == rule_id(r.ID.lower()) == r.ID for r in RULES)
    assert rule_id("no-such-rule") is None


def test_every_id_of_the_contract_is_implemented() -> None:
    assert {r.ID for r in RULES} >= CONTRACT_IDS


def test_the_documentation_page_is_generated_from_the_registry() -> None:
    assert DOCS.read_text() == documentation(), (
        "regenerate: gitops-guard rules --markdown > docs/rules.md"
    )


def test_an_unknown_id_is_no_rule() -> None:
    assert rule_with_id("GG999") is None
    assert rule_with_id("mutable-tag") is None  # by id only; find() takes names
    assert find("no-such-rule") is None


def test_the_rule_book_documents_every_rule_in_id_order() -> None:
    # What run_rules puts in a report: the same records as all_info(), read on demand.
    assert len(RULE_BOOK) == len(RULES)
    assert list(RULE_BOOK) == [info(r) for r in RULES]
    assert RULE_BOOK[2] == info(RULES[2])
    assert RULE_BOOK[-1].id == RULES[-1].ID
    assert RULE_BOOK[1:3] == (info(RULES[1]), info(RULES[2]))
    assert tuple(all_info()) == tuple(RULE_BOOK)
    book, every = RULE_BOOK, all_info()  # equal both ways round, as a tuple compares
    assert book == every
    assert every == book
    assert book != every[:-1]
    assert hash(RULE_BOOK) == hash(all_info())
    report = Report(findings=(), files=0, images=0, rules=RULE_BOOK)
    assert report == Report(findings=(), files=0, images=0, rules=all_info())
    assert report.rule("GG102") == info(next(r for r in RULES if r.ID == "GG102"))
    assert report.rule("GG999") is None
