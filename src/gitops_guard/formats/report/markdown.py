"""`report --format markdown`: summary, metrics, timelines, rollbacks and findings."""

from __future__ import annotations

from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
)
from gitops_guard.audit.metrics import (
    Group,
    Metrics,
    is_promotion,
)
from gitops_guard.formats.cells import escape_cell


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:g}{unit}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(escape_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def group_row(group: Group) -> list[str]:
    data = group.summary()
    lead = data["lead_time_hours"]
    restore = data["time_to_restore_hours"]
    assert isinstance(lead, dict)
    assert isinstance(restore, dict)
    rate = group.change_failure_rate
    return [
        group.environment if group.app is None else f"{group.app} ({group.environment})",
        str(group.promotions),
        _number(round(group.per_week, 2)),
        _number(lead["median"], " h"),
        _number(lead["p90"], " h"),
        str(group.rollbacks),
        str(group.downgrades),
        "–" if rate is None else f"{rate:.0%}",
        _number(restore["median"], " h"),
        "–" if not group.promotions else f"{group.automated / group.promotions:.0%}",
    ]


METRIC_HEADER = [
    "Scope",
    "Promotions",
    "Per week",
    "Lead time (median)",
    "Lead time (p90)",
    "Rollbacks",
    "Downgrades",
    "Change failure rate",
    "Time to restore (median)",
    "Automated",
]


def _event_row(event: AuditEvent) -> list[str]:
    who = f"{event.author} (bot)" if event.bot else event.author
    change = f"{event.change} (rollback)" if event.rollback else event.change
    rules = ", ".join(sorted({f.rule for f in event.findings})) or "ok"
    return [
        event.time.strftime("%Y-%m-%d %H:%M %z"),
        event.app or "-",
        event.image,
        f"{event.from_version or '∅'} → {event.to_version or '∅'}",
        change,
        who,
        f"#{event.pr}" if event.pr else "–",
        _commit(event),
        rules,
    ]


def _commit(event: AuditEvent) -> str:
    """The commit, and for a `promote` commit the source commit it names
    (``1a2b3c4d5e6f ← staging@9f8e7d6c5b4a``)."""
    source = event.promoted_from
    if source is None:
        return event.commit[:12]
    env, _at, sha = source.rpartition("@")
    return f"{event.commit[:12]} ← {env}@{sha[:12]}" if env else f"{event.commit[:12]} ← {source}"


EVENT_HEADER = ["Time", "App", "Image", "From → To", "Change", "By", "PR", "Commit", "Findings"]


def render(audit: Audit, metrics: Metrics) -> str:
    """The Markdown report."""
    start = audit.start.date().isoformat() if audit.start else "the beginning"
    end = audit.end.date().isoformat() if audit.end else "now"
    promotions = [e for e in audit.events if is_promotion(e)]
    share = metrics.automated_share
    automated = "–" if share is None else f"{share:.0%}"
    lines = [
        "# Promotion audit",
        "",
        f"{len(promotions)} promotions in {audit.commits} commits, {start} – {end} "
        f"(head `{audit.head[:12]}`); "
        f"{sum(len(e.findings) for e in audit.events)} policy findings; "
        f"automated: {automated}.",
        "",
        "## Metrics by environment",
        "",
        *_table(METRIC_HEADER, [group_row(g) for g in metrics.environments]),
        "",
        "## Metrics by app",
        "",
        *_table(METRIC_HEADER, [group_row(g) for g in metrics.apps]),
        "",
        "## What runs now",
        "",
    ]
    state_rows = [
        [
            r.environment or "-",
            r.app or "-",
            r.container or "-",
            r.reference,
            r.since.strftime("%Y-%m-%d %H:%M"),
            r.commit[:12],
        ]
        for r in audit.state
    ]
    lines += _table(["Environment", "App", "Container", "Image", "Since", "Commit"], state_rows)
    lines += ["", "### Drift between environments", ""]
    if metrics.drift:
        envs = [g.environment for g in metrics.environments]
        rows = []
        for row in metrics.drift:
            versions = row["versions"]
            assert isinstance(versions, dict)
            rows.append(
                [str(row["app"]), str(row["image"]), *[str(versions.get(e, "–")) for e in envs]]
            )
        lines += _table(["App", "Image", *envs], rows)
    else:
        lines.append("Every environment runs the same versions.")
    lines += ["", "## Timelines", ""]
    for group in metrics.environments:
        env_events = [
            e for e in audit.events if e.environment == group.environment and not e.initial
        ]
        lines += [f"### {group.environment}", ""]
        lines += (
            _table(EVENT_HEADER, [_event_row(e) for e in env_events])
            if env_events
            else ["No changes."]
        )
        lines.append("")
    rollbacks = [e for e in audit.events if e.rollback or e.change == "downgrade"]
    lines += ["## Rollbacks and downgrades", ""]
    lines += _table(EVENT_HEADER, [_event_row(e) for e in rollbacks]) if rollbacks else ["None."]
    lines += ["", "## Findings", ""]
    finding_rows = [
        [
            e.time.strftime("%Y-%m-%d"),
            f.severity.value if f.severity else "error",
            f.rule,
            f"{e.app or '-'} ({e.environment or '-'})",
            e.commit[:12],
            f.message,
        ]
        for e in audit.events
        for f in e.findings
    ]
    if finding_rows:
        lines += _table(
            ["Date", "Severity", "Rule", "App (env)", "Commit", "Message"], finding_rows
        )
    else:
        lines.append("No finding: every change complied with the policy in force.")
    if audit.notes:
        lines += ["", "## Notes", "", *[f"- {escape_cell(n)}" for n in audit.notes]]
    return "\n".join(lines) + "\n"
