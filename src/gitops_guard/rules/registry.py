"""The rule registry: every rule, imported and listed explicitly, by scope.

No rule registers itself as a side effect of a folder being imported. Adding a rule
changes four places: its module, one line in the loader of its scope here, its entry in
the catalogue (``catalogue.RULE_NAMES`` and ``RULE_SCOPES``), its test. Each loader's
dictionary is typed by its scope's Protocol (``rules/base.py``), so ``mypy --strict``
checks that every module listed has that scope and a ``check`` of that scope's
signature. ``gitops-guard rules``, the documentation and the schema's list of ids come
from here.

A scope's modules are imported the first time its loader is called (then cached): a
``validate`` of plain manifests runs the input and image rules and never imports the
Image Updater, history or supply-chain rules, nor what those import. :data:`RULE_BOOK`
documents every rule for a report without importing a rule before a format asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import Final, TypeVar, overload

from gitops_guard.catalogue import RULE_NAMES, RULE_SCOPES, rule_id
from gitops_guard.model import RuleInfo
from gitops_guard.rules.base import (
    COMMIT_SCOPE,
    EVENT_SCOPE,
    IMAGE_SCOPE,
    INPUT_SCOPE,
    INVENTORY_SCOPE,
    RANGE_SCOPE,
    SUPPLY_SCOPE,
    CommitRule,
    EventRule,
    ImageRule,
    InputRule,
    InventoryRule,
    RangeRule,
    RuleModule,
    SupplyRule,
    summary_of,
)

_Rule = TypeVar("_Rule", bound=RuleModule)


def _by_id(*rules: _Rule) -> dict[str, _Rule]:
    return {rule.ID: rule for rule in rules}


# One loader per scope, one line per rule, in id order within its scope.
@cache
def input_rules() -> dict[str, InputRule]:
    """The rules reported while reading input (GG0xx)."""
    from gitops_guard.rules import (
        gg001_unreadable_input,
        gg002_invalid_suppression,
        gg003_unresolved_source,
        gg004_unprotected_revision,
    )

    return _by_id(
        gg001_unreadable_input,
        gg002_invalid_suppression,
        gg003_unresolved_source,
        gg004_unprotected_revision,
    )


@cache
def image_rules() -> dict[str, ImageRule]:
    """The rules run once per image use (GG1xx)."""
    from gitops_guard.rules import (
        gg101_missing_tag,
        gg102_mutable_tag,
        gg103_tag_pattern,
        gg104_registry_not_allowed,
        gg105_digest_required,
        gg106_malformed_reference,
        gg107_prerelease_forbidden,
        gg108_constraint_violation,
    )

    return _by_id(
        gg101_missing_tag,
        gg102_mutable_tag,
        gg103_tag_pattern,
        gg104_registry_not_allowed,
        gg105_digest_required,
        gg106_malformed_reference,
        gg107_prerelease_forbidden,
        gg108_constraint_violation,
    )


@cache
def inventory_rules() -> dict[str, InventoryRule]:
    """The rules run once per inventory: Image Updater configuration (GG2xx)."""
    from gitops_guard.rules import (
        gg201_invalid_annotation,
        gg202_malformed_image_list,
        gg203_unknown_alias,
        gg204_unknown_strategy,
        gg205_invalid_tag_filter,
        gg206_invalid_constraint,
        gg207_forbidden_by_policy,
        gg208_no_git_write_back,
        gg209_missing_selection_rule,
        gg210_ineffective_setting,
        gg211_automation_not_allowed,
    )

    return _by_id(
        gg201_invalid_annotation,
        gg202_malformed_image_list,
        gg203_unknown_alias,
        gg204_unknown_strategy,
        gg205_invalid_tag_filter,
        gg206_invalid_constraint,
        gg207_forbidden_by_policy,
        gg208_no_git_write_back,
        gg209_missing_selection_rule,
        gg210_ineffective_setting,
        gg211_automation_not_allowed,
    )


@cache
def event_rules() -> dict[str, EventRule]:
    """The rules run once per promotion event of a history step."""
    from gitops_guard.rules import (
        gg301_change_too_large,
        gg302_unmarked_downgrade,
        gg303_skipped_environment,
        gg304_soak_time,
        gg305_outside_review,
        gg309_frozen_environment,
    )

    return _by_id(
        gg301_change_too_large,
        gg302_unmarked_downgrade,
        gg303_skipped_environment,
        gg304_soak_time,
        gg305_outside_review,
        gg309_frozen_environment,
    )


@cache
def commit_rules() -> dict[str, CommitRule]:
    """The rules run once per commit that promotes something."""
    from gitops_guard.rules import (
        gg306_multi_environment_commit,
        gg401_vague_automated_message,
        gg402_unsigned_commit,
    )

    return _by_id(
        gg306_multi_environment_commit,
        gg401_vague_automated_message,
        gg402_unsigned_commit,
    )


@cache
def range_rules() -> dict[str, RangeRule]:
    """The rules ``gate.check`` reports for a range."""
    from gitops_guard.rules import (
        gg307_policy_loosened,
        gg308_history_rewritten,
    )

    return _by_id(
        gg307_policy_loosened,
        gg308_history_rewritten,
    )


@cache
def supply_rules() -> dict[str, SupplyRule]:
    """The rules ``supply.gates`` reports (GG5xx)."""
    from gitops_guard.rules import (
        gg501_tag_missing,
        gg502_digest_moved,
        gg503_signature_invalid,
        gg504_vulnerabilities,
        gg505_provenance,
        gg506_registry_unreachable,
        gg507_image_too_young,
    )

    return _by_id(
        gg501_tag_missing,
        gg502_digest_moved,
        gg503_signature_invalid,
        gg504_vulnerabilities,
        gg505_provenance,
        gg506_registry_unreachable,
        gg507_image_too_young,
    )


_LOADERS: Final[Mapping[str, Callable[[], Mapping[str, RuleModule]]]] = {
    INPUT_SCOPE: input_rules,
    IMAGE_SCOPE: image_rules,
    INVENTORY_SCOPE: inventory_rules,
    EVENT_SCOPE: event_rules,
    COMMIT_SCOPE: commit_rules,
    RANGE_SCOPE: range_rules,
    SUPPLY_SCOPE: supply_rules,
}


@cache
def all_rules() -> tuple[RuleModule, ...]:
    """Every rule, in id order (imports every rule module)."""
    scopes = sorted(set(RULE_SCOPES.values()))
    every = [rule for scope in scopes for rule in _LOADERS[scope]().values()]
    return tuple(sorted(every, key=lambda rule: rule.ID))


def rule_with_id(id_: str) -> RuleModule | None:
    """The rule with exactly this id (``GG102``), importing only the rules of its scope."""
    scope = RULE_SCOPES.get(id_)
    return _LOADERS[scope]().get(id_) if scope is not None else None


def info(rule: RuleModule) -> RuleInfo:
    """The documentation record of a rule module."""
    import inspect

    return RuleInfo(
        id=rule.ID,
        name=rule.NAME,
        severity=rule.SEVERITY,
        summary=summary_of(rule),
        doc=inspect.cleandoc(rule.__doc__ or ""),
    )


def find(id_or_name: str) -> RuleModule | None:
    """The rule with this id (``GG102``, any case) or name (``mutable-tag``)."""
    found = rule_id(id_or_name)
    return rule_with_id(found) if found is not None else None


@cache
def _info_of(id_: str) -> RuleInfo:
    found = rule_with_id(id_)
    assert found is not None, id_
    return info(found)


class RuleBook(Sequence[RuleInfo]):
    """The documentation of every rule, in id order, as a report carries it.

    A rule's record is read from its module the first time it is asked for (by index or
    by iterating), so a report that shows two GG102 findings in text imports the input
    and image rules only; a format that lists every rule (SARIF) imports them all. Equal
    to any sequence of the same records (``all_info()``).
    """

    __slots__ = ()

    def __len__(self) -> int:
        return len(_IDS)

    @overload
    def __getitem__(self, index: int) -> RuleInfo: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RuleInfo, ...]: ...
    def __getitem__(self, index: int | slice) -> RuleInfo | tuple[RuleInfo, ...]:
        if isinstance(index, slice):
            return tuple(_info_of(id_) for id_ in _IDS[index])
        return _info_of(_IDS[index])

    def __iter__(self) -> Iterator[RuleInfo]:
        return (_info_of(id_) for id_ in _IDS)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RuleBook):
            return True
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"RuleBook({len(self)} rules)"

    def __reduce__(self) -> tuple[type[RuleBook], tuple[()]]:
        return (RuleBook, ())


_IDS: Final[tuple[str, ...]] = tuple(sorted(RULE_NAMES))

# What run_rules puts in every report: every rule, documented on demand.
RULE_BOOK: Final = RuleBook()


def documentation() -> str:
    """Every rule's documentation as one Markdown page (docs/rules.md is this)."""
    lines = [
        "# Rules",
        "",
        "Generated from the rule registry by `gitops-guard rules --markdown`; "
        "`gitops-guard rules ID` shows one.",
        "",
        "The examples are run by the test suite. Each names its file in a first comment "
        "line (`# apps/api/prod/values.yaml`) and marks the line a finding is reported at "
        "(`# ← GG101`, or `# ↑ GG101` under a line that cannot end in a comment); a "
        "`Policy` is the `.gitops-guard.yaml` the examples run under; history examples "
        "are commits on top of the `History` on main, checked with `gitops-guard check`; "
        "`# registry.example.com` says what that registry serves (a tag and the image "
        "pushed under it).",
        "",
        "| Id | Name | Default severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    records = all_info()
    lines += [f"| {r.id} | `{r.name}` | {r.severity.value} | {r.summary} |" for r in records]
    for record in records:
        lines += [
            "",
            f"## {record.id} `{record.name}`",
            "",
            f"Default severity: {record.severity.value}.",
        ]
        lines += ["", plain_doc(record.doc)]
    return "\n".join(lines) + "\n"


def plain_doc(doc: str) -> str:
    """A rule's docstring for readers: reST's ``Failing::`` block markers as ``Failing:``."""
    return doc.replace("::\n", ":\n")


def all_info() -> tuple[RuleInfo, ...]:
    """Documentation of every rule, in registry order (imports every rule module)."""
    return tuple(RULE_BOOK)
