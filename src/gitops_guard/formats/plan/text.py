"""`plan` as a table for a terminal, each blocked row followed by the rules that block it."""

from __future__ import annotations

from gitops_guard.audit.plan import BLOCKED, NO_CANDIDATE, READY, UP_TO_DATE, Plan
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

HEADER = ("APP", "ENV", "FROM", "IMAGE", "RUNNING → CANDIDATE", "CHANGE", "IN FROM", "SOAK LEFT",
          "SUPPLY", "VERDICT")  # fmt: skip


def render_text(plan: Plan, show_all: bool = False) -> str:
    """The table, the reasons under each row, and a summary line."""
    rows = shown(plan.rows, show_all)
    lines = [f"Promotion plan at {when(plan.now)} ({plan.head[:12]}):"]
    if not rows:
        lines.append(
            "  nothing waits to be promoted"
            if plan.rows
            else "  no environment has a `from:` environment, or none deploys an image"
        )
    else:
        table: list[tuple[str, ...]] = [HEADER]
        for row in rows:
            table.append(
                (
                    who(row),
                    row.environment,
                    row.from_environment,
                    row.image,
                    versions(row),
                    row.change,
                    residence(row),
                    soak_left(row),
                    supply_cell(row),
                    verdict(row),
                )
            )
        if not gated(rows):  # no gate asked anywhere: no column of "not asked"
            table = [cells[:8] + cells[9:] for cells in table]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for index, cells in enumerate(table):
            text = "  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()
            lines.append("  " + text)
            if index == 0:
                continue
            row = rows[index - 1]
            for reason in row.blockers:
                lines.append(f"      {reason.rule} {reason.name}: {reason.message}")
                if reason.hint:
                    lines.append(f"        hint: {reason.hint}")
            for reason in row.warnings:
                lines.append(f"      warning {reason.rule} {reason.name}: {reason.message}")
            if row.frozen_until is not None:
                lines.append(f"      frozen ({row.frozen_reason}) until {frozen_until(row)}")
            if row.ready_at is not None and row.soak_left:
                lines.append(f"      soak is over at {when(row.ready_at)}")
            for note in row.notes:
                lines.append(f"      note: {note}")
            up = row.upstream
            if up is not None:
                lines.append(
                    f"      next: {up.from_environment} runs {up.candidate_display}, not yet in "
                    f"{row.from_environment}; straight to {row.environment}: {verdict(up)}"
                )
                for reason in up.blockers:
                    lines.append(f"        {reason.rule} {reason.name}: {reason.message}")
    lines.append("")
    lines.append(
        summary(
            plan.count(READY),
            plan.count(BLOCKED),
            plan.count(UP_TO_DATE),
            plan.count(NO_CANDIDATE),
            show_all,
        )
    )
    limits = bot_limits(rows)
    if limits is not None:
        lines.append(limits)
    if plan.offline:
        lines.append("offline: supply-chain gates are not checked (never passed)")
    return "\n".join(lines) + "\n"
