"""The rule catalogue: every rule's id, name and scope, and the ids of the product contract.

Reading a policy checks the rule ids and names of its ``severity:`` key; it must not
import the rules themselves, which depend on the policy model. The registry
(``rules/registry.py``) lists exactly these rules and imports a scope's modules only
when that scope is asked for, which it finds here; a meta-test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# Id → kebab-case name of every implemented rule, in id order.
RULE_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GG001": "unreadable-input",
        "GG002": "invalid-suppression",
        "GG003": "unresolved-source",
        "GG004": "unprotected-revision",
        "GG101": "missing-tag",
        "GG102": "mutable-tag",
        "GG103": "tag-pattern",
        "GG104": "registry-not-allowed",
        "GG105": "digest-required",
        "GG106": "malformed-reference",
        "GG107": "prerelease-forbidden",
        "GG108": "constraint-violation",
        "GG201": "invalid-annotation",
        "GG202": "malformed-image-list",
        "GG203": "unknown-alias",
        "GG204": "unknown-strategy",
        "GG205": "invalid-tag-filter",
        "GG206": "invalid-constraint",
        "GG207": "forbidden-by-policy",
        "GG208": "no-git-write-back",
        "GG209": "missing-selection-rule",
        "GG210": "ineffective-setting",
        "GG211": "automation-not-allowed",
        "GG301": "change-too-large",
        "GG302": "unmarked-downgrade",
        "GG303": "skipped-environment",
        "GG304": "soak-time",
        "GG305": "outside-review",
        "GG306": "multi-environment-commit",
        "GG307": "policy-loosened",
        "GG308": "history-rewritten",
        "GG309": "frozen-environment",
        "GG401": "vague-automated-message",
        "GG402": "unsigned-commit",
        "GG501": "tag-missing",
        "GG502": "digest-moved",
        "GG503": "signature-invalid",
        "GG504": "vulnerabilities",
        "GG505": "provenance",
        "GG506": "registry-unreachable",
        "GG507": "image-too-young",
    }
)

# The scope of every rule (``rules.base.Scope``): which of the registry's loaders holds it.
RULE_SCOPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        **dict.fromkeys(("GG001", "GG002", "GG003", "GG004"), "input"),
        **dict.fromkeys((f"GG10{i}" for i in range(1, 9)), "image"),
        **dict.fromkeys((f"GG2{i:02d}" for i in range(1, 12)), "inventory"),
        **dict.fromkeys((*(f"GG30{i}" for i in range(1, 6)), "GG309"), "event"),
        **dict.fromkeys(("GG306", "GG401", "GG402"), "commit"),
        **dict.fromkeys(("GG307", "GG308"), "range"),
        **dict.fromkeys((f"GG50{i}" for i in range(1, 8)), "supply"),
    }
)

# Every id of the product contract (SPEC §4). A policy may configure one before this
# version implements it; it then has no effect yet.
CONTRACT_IDS: Final[frozenset[str]] = frozenset(
    (
        "GG001",
        "GG002",
        "GG003",
        *(f"GG10{i}" for i in range(1, 9)),
        *(f"GG2{i:02d}" for i in range(1, 11)),
        *(f"GG30{i}" for i in range(1, 8)),
        "GG401",
        "GG402",
        *(f"GG50{i}" for i in range(1, 7)),
    )
)


def rule_id(id_or_name: str) -> str | None:
    """The id of the rule with this id (``GG102``, any case) or name (``mutable-tag``)."""
    wanted = id_or_name.strip()
    for id_, name in RULE_NAMES.items():
        if wanted.upper() == id_ or wanted.lower() == name:
            return id_
    return None
