"""Inline suppressions: ``# gitops-guard: ignore[GG102,mutable-tag] until=2027-03-31 reason``.

A suppression comment applies to findings on its own line, or — when the comment is
alone on its line — to the line below. It must give a reason; an ``until=`` date in
the past ends it; every id or name must be a known rule. A suppression that breaks
these rules silences nothing and is reported as GG002.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gitops_guard.model import Finding, Location
from gitops_guard.rules import gg002_invalid_suppression

_COMMENT = re.compile(
    r"#\s*gitops-guard:\s*ignore\[(?P<rules>[^\]]*)\]"
    r"(?:\s+until=(?P<until>\S+))?"
    r"(?P<reason>.*)$"
)
SUPPRESSION_RULE = gg002_invalid_suppression.ID


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    """One parsed suppression comment and the line it covers."""

    location: Location
    covers_line: int
    rules: frozenset[str]
    reason: str
    until: datetime.date | None


def parse_line(
    path: str,
    number: int,
    text: str,
    canonical: Callable[[str], str | None],
    today: datetime.date,
    problems: list[Finding],
) -> InlineSuppression | None:
    """Parse a suppression on one line (1-based ``number``); report malformed ones."""
    if "gitops-guard" not in text:
        return None
    match = _COMMENT.search(text)
    if match is None:
        return None
    where = Location(path, number, match.start() + 1)
    standalone = text[: match.start()].strip() == ""
    covers = number + 1 if standalone else number
    names = [n.strip() for n in match.group("rules").split(",") if n.strip()]
    reason = match.group("reason").strip()
    until_text = match.group("until")

    def refuse(message: str, hint: str) -> None:
        problems.append(Finding(SUPPRESSION_RULE, message, where, hint=hint))

    rules: set[str] = set()
    for name in names:
        rule_id = canonical(name)
        if rule_id is None:
            refuse(f"suppression names unknown rule `{name}`", "`gitops-guard rules` lists them")
            return None
        rules.add(rule_id)
    if not rules:
        refuse("suppression names no rule", "write ignore[GG102] or ignore[mutable-tag]")
        return None
    until: datetime.date | None = None
    if until_text is not None:
        try:
            until = datetime.date.fromisoformat(until_text)
        except ValueError:
            refuse(f"suppression date `{until_text}` is not YYYY-MM-DD", "e.g. until=2027-03-31")
            return None
        if until < today:
            refuse(
                f"suppression of {', '.join(sorted(rules))} expired on {until.isoformat()}",
                "fix the finding, or extend the date with a reason",
            )
            return None
    if not reason:
        refuse(
            f"suppression of {', '.join(sorted(rules))} gives no reason",
            "add why after the brackets: ignore[GG102] vendor image has no version tags",
        )
        return None
    return InlineSuppression(where, covers, frozenset(rules), reason, until)


def parse_file(
    path: str,
    lines: Iterable[str],
    canonical: Callable[[str], str | None],
    today: datetime.date,
    problems: list[Finding],
) -> dict[int, list[InlineSuppression]]:
    """Every suppression of a file, by the line it covers."""
    covered: dict[int, list[InlineSuppression]] = {}
    for number, text in enumerate(lines, start=1):
        suppression = parse_line(path, number, text, canonical, today, problems)
        if suppression is not None:
            covered.setdefault(suppression.covers_line, []).append(suppression)
    return covered
