"""The rule registry: every rule, imported and listed explicitly, by scope.

No rule registers itself as a side effect of a folder being imported. Adding a rule
changes three places: its module, one line in the dictionary of its scope here, its
test. Each dictionary is typed by its scope's Protocol (``rules/base.py``), so
``mypy --strict`` checks that every module listed has that scope and a ``check`` of
that scope's signature. ``gitops-guard rules``, the documentation and the schema's
list of ids come from here.
"""

from __future__ import annotations

from typing import Final, TypeVar

from gitops_guard.model import RuleInfo
from gitops_guard.rules import (
    gg001_unreadable_input,
    gg002_invalid_suppression,
    gg003_unresolved_source,
    gg004_unprotected_revision,
    gg101_missing_tag,
    gg102_mutable_tag,
    gg103_tag_pattern,
    gg104_registry_not_allowed,
    gg105_digest_required,
    gg106_malformed_reference,
    gg107_prerelease_forbidden,
    gg108_constraint_violation,
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
    gg301_change_too_large,
    gg302_unmarked_downgrade,
    gg303_skipped_environment,
    gg304_soak_time,
    gg305_outside_review,
    gg306_multi_environment_commit,
    gg307_policy_loosened,
    gg308_history_rewritten,
    gg309_frozen_environment,
    gg401_vague_automated_message,
    gg402_unsigned_commit,
    gg501_tag_missing,
    gg502_digest_moved,
    gg503_signature_invalid,
    gg504_vulnerabilities,
    gg505_provenance,
    gg506_registry_unreachable,
)
from gitops_guard.rules.base import (
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


# One line per rule, in id order within its scope.
INPUT_RULES: Final[dict[str, InputRule]] = _by_id(
    gg001_unreadable_input,
    gg002_invalid_suppression,
    gg003_unresolved_source,
    gg004_unprotected_revision,
)
IMAGE_RULES: Final[dict[str, ImageRule]] = _by_id(
    gg101_missing_tag,
    gg102_mutable_tag,
    gg103_tag_pattern,
    gg104_registry_not_allowed,
    gg105_digest_required,
    gg106_malformed_reference,
    gg107_prerelease_forbidden,
    gg108_constraint_violation,
)
INVENTORY_RULES: Final[dict[str, InventoryRule]] = _by_id(
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
EVENT_RULES: Final[dict[str, EventRule]] = _by_id(
    gg301_change_too_large,
    gg302_unmarked_downgrade,
    gg303_skipped_environment,
    gg304_soak_time,
    gg305_outside_review,
    gg309_frozen_environment,
)
COMMIT_RULES: Final[dict[str, CommitRule]] = _by_id(
    gg306_multi_environment_commit,
    gg401_vague_automated_message,
    gg402_unsigned_commit,
)
RANGE_RULES: Final[dict[str, RangeRule]] = _by_id(
    gg307_policy_loosened,
    gg308_history_rewritten,
)
SUPPLY_RULES: Final[dict[str, SupplyRule]] = _by_id(
    gg501_tag_missing,
    gg502_digest_moved,
    gg503_signature_invalid,
    gg504_vulnerabilities,
    gg505_provenance,
    gg506_registry_unreachable,
)

# Every rule, in id order.
RULES: Final[tuple[RuleModule, ...]] = tuple(
    sorted(
        (
            *INPUT_RULES.values(),
            *IMAGE_RULES.values(),
            *INVENTORY_RULES.values(),
            *EVENT_RULES.values(),
            *COMMIT_RULES.values(),
            *RANGE_RULES.values(),
            *SUPPLY_RULES.values(),
        ),
        key=lambda rule: rule.ID,
    )
)


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
    wanted = id_or_name.strip()
    for rule in RULES:
        if wanted.upper() == rule.ID or wanted.lower() == rule.NAME:
            return rule
    return None


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
    """Documentation of every rule, in registry order."""
    return tuple(info(rule) for rule in RULES)
