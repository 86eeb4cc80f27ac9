"""`plan` as Markdown, for a scheduled issue or a chat post: a table, then the reasons."""

from __future__ import annotations

from gitops_guard.audit.plan import BLOCKED, NO_CANDIDATE, READY, UP_TO_DATE, Plan
from gitops_guard.formats.cells import escape_cell
from gitops_guard.formats.plan.shared import (
    bot_limits,
    frozen_until,
    gated,
    residence,
    shown,
    soak_left,
    summary,
    supply_cell,
    verdict,
    versions,
    when,
    who,
)


def render_markdown(plan: Plan, show_all: bool = False) -> str:
    """A heading, one table row per candidate, and a list of what blocks each blocked one."""
    rows = shown(plan.rows, show_all)
    lines = [
        f"## Promotion plan at {when(plan.now)}",
        "",
        f"From `{plan.head[:12]}`: "
        + summary(
            plan.count(READY),
            plan.count(BLOCKED),
            plan.count(UP_TO_DATE),
            plan.count(NO_CANDIDATE),
            show_all,
        )
        + ".",
        "",
    ]
    if plan.offline:
        lines += ["Offline: the supply-chain gates were **not checked** (never passed).", ""]
    limits = bot_limits(rows)
    if limits is not None:
        lines += [escape_cell(limits[0].upper() + limits[1:]) + ".", ""]
    if not rows:
        lines.append("Nothing waits to be promoted.")
        return "\n".join(lines) + "\n"
    supply = gated(rows)
    header = ["App", "Environment", "Image", "Running → Candidate", "Change", "In from",
              "Soak left", "Supply chain", "Verdict"]  # fmt: skip
    if not supply:
        del header[7]
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        cells = [
            who(row),
            f"{row.environment} ← {row.from_environment}",
            row.image,
            versions(row),
            row.change,
            residence(row),
            soak_left(row),
            supply_cell(row),
            verdict(row),
        ]
        if not supply:
            del cells[7]
        lines.append("| " + " | ".join(escape_cell(c) for c in cells) + " |")
    detailed = [
        row for row in rows if row.blockers or row.warnings or row.frozen_until or row.upstream
    ]
    if detailed:
        lines += ["", "### What holds them back", ""]
    for row in detailed:
        lines.append(
            f"- **{escape_cell(row.app or '-')}** to {escape_cell(row.environment)} "
            f"({escape_cell(versions(row))}):"
        )
        for reason in row.blockers:
            lines.append(f"  - `{reason.rule}` {reason.name}: {escape_cell(reason.message)}")
        for reason in row.warnings:
            lines.append(
                f"  - warning `{reason.rule}` {reason.name}: {escape_cell(reason.message)}"
            )
        if row.frozen_until is not None:
            lines.append(
                f"  - frozen ({escape_cell(row.frozen_reason or '')}) until "
                f"{escape_cell(frozen_until(row))}"
            )
        if row.ready_at is not None and row.soak_left:
            lines.append(f"  - soak is over at {when(row.ready_at)}")
        up = row.upstream
        if up is not None:
            lines.append(
                f"  - next: {escape_cell(up.from_environment)} runs "
                f"{escape_cell(up.candidate_display or '')}, not yet in "
                f"{escape_cell(row.from_environment)} ({escape_cell(verdict(up))})"
            )
    return "\n".join(lines) + "\n"
