"""The rule registry: every rule, listed explicitly (no import-time self-registration).

Adding a rule changes three places: its module, one line here, its test.
``gitops-guard rules``, the documentation and the schema's list of ids come from here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from gitops_guard.model import RuleInfo
from gitops_guard.rules.base import (
    COMMIT_SCOPE,
    EVENT_SCOPE,
    IMAGE_SCOPE,
    INVENTORY_SCOPE,
    summary_of,
)

# One line per rule, in id order. Listed by name and imported here, explicitly: no
# rule registers itself as a side effect of a folder being imported.
RULE_MODULES: tuple[str, ...] = (
    "gg001_unreadable_input",
    "gg002_invalid_suppression",
    "gg003_unresolved_source",
    "gg101_missing_tag",
    "gg102_mutable_tag",
    "gg103_tag_pattern",
    "gg104_registry_not_allowed",
    "gg105_digest_required",
    "gg106_malformed_reference",
    "gg107_prerelease_forbidden",
    "gg108_constraint_violation",
    "gg201_invalid_annotation",
    "gg202_malformed_image_list",
    "gg203_unknown_alias",
    "gg204_unknown_strategy",
    "gg205_invalid_tag_filter",
    "gg206_invalid_constraint",
    "gg207_forbidden_by_policy",
    "gg208_no_git_write_back",
    "gg209_missing_selection_rule",
    "gg210_ineffective_setting",
    "gg301_change_too_large",
    "gg302_unmarked_downgrade",
    "gg303_skipped_environment",
    "gg304_soak_time",
    "gg305_outside_review",
    "gg306_multi_environment_commit",
    "gg307_policy_loosened",
    "gg401_vague_automated_message",
    "gg402_unsigned_commit",
    "gg501_tag_missing",
    "gg502_digest_moved",
    "gg503_signature_invalid",
    "gg504_vulnerabilities",
    "gg505_provenance",
    "gg506_registry_unreachable",
)
RULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"gitops_guard.rules.{name}") for name in RULE_MODULES
)
IMAGE_RULES: tuple[ModuleType, ...] = tuple(r for r in RULES if r.SCOPE == IMAGE_SCOPE)
INVENTORY_RULES: tuple[ModuleType, ...] = tuple(r for r in RULES if r.SCOPE == INVENTORY_SCOPE)
EVENT_RULES: tuple[ModuleType, ...] = tuple(r for r in RULES if r.SCOPE == EVENT_SCOPE)
COMMIT_RULES: tuple[ModuleType, ...] = tuple(r for r in RULES if r.SCOPE == COMMIT_SCOPE)


def info(rule: ModuleType) -> RuleInfo:
    """The documentation record of a rule module."""
    import inspect

    return RuleInfo(
        id=rule.ID,
        name=rule.NAME,
        severity=rule.SEVERITY,
        summary=summary_of(rule),
        doc=inspect.cleandoc(rule.__doc__ or ""),
    )


def find(id_or_name: str) -> ModuleType | None:
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
        lines += ["", record.doc.replace("::\n", ":\n")]
    return "\n".join(lines) + "\n"


def all_info() -> tuple[RuleInfo, ...]:
    """Documentation of every rule, in registry order."""
    return tuple(info(rule) for rule in RULES)
