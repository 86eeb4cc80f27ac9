"""The promotion plan of `check`: one row per image use the range changes.

Rendered as a Markdown table above the findings of the PR comment, as plain text
above the findings on a terminal, and as JSON objects in `check --format json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitops_guard.formats.cells import escape_cell
from gitops_guard.gate.result import PlannedChange


def _who(row: PlannedChange) -> str:
    names = ", ".join(row.authors)
    return f"{names} (bot)" if row.bot else names


def _change(row: PlannedChange) -> str:
    return f"{row.change} (rollback)" if row.rollback else row.change


def render_markdown(plan: Sequence[PlannedChange]) -> str:
    """The plan as a Markdown table (empty string when nothing changes)."""
    if not plan:
        return ""
    lines = [
        "**Promotion plan**",
        "",
        "| App | Environment | Image | Old → New | Change | Author | Verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in plan:
        cells = [
            row.app or "-",
            row.environment or "-",
            row.image,
            f"{row.old or '∅'} → {row.new or '∅'}",
            _change(row),
            _who(row),
            row.verdict,
        ]
        lines.append("| " + " | ".join(escape_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render_text(plan: Sequence[PlannedChange]) -> str:
    """The plan as aligned text lines for a terminal."""
    if not plan:
        return "Promotion plan: no image changes in this range.\n"
    rows = [("APP", "ENV", "IMAGE", "OLD → NEW", "CHANGE", "AUTHOR", "VERDICT")]
    for row in plan:
        rows.append(
            (
                row.app or "-",
                row.environment or "-",
                row.image,
                f"{row.old or '∅'} → {row.new or '∅'}",
                _change(row),
                _who(row),
                row.verdict,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["Promotion plan:"]
    lines += ["  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines) + "\n\n"


def to_json(plan: Sequence[PlannedChange]) -> list[dict[str, Any]]:
    """The plan as JSON objects (the `promotions` key of `check --format json`)."""
    return [
        {
            "app": row.app,
            "environment": row.environment,
            "container": row.container,
            "image": row.image,
            "from": row.old,
            "to": row.new,
            "change": row.change,
            "authors": row.authors,
            "bot": row.bot,
            "rollback": row.rollback,
            "verdict": "ok" if not row.rules else "blocked",
            "rules": sorted(set(row.rules)),
        }
        for row in plan
    ]
