"""`report --format csv`: one row per event, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io

from gitops_guard.audit import Audit
from gitops_guard.metrics import Metrics

COLUMNS = (
    "time",
    "commit",
    "author",
    "committer",
    "bot",
    "signed",
    "pr",
    "app",
    "environment",
    "container",
    "image",
    "from",
    "to",
    "change",
    "rollback",
    "findings",
    "rules",
    "path",
    "line",
    "subject",
)


def render(audit: Audit, metrics: Metrics) -> str:
    """The CSV report (RFC 4180, header row, booleans as true/false)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in audit.events:
        writer.writerow(
            [
                e.time.isoformat(),
                e.commit,
                e.author,
                e.committer,
                str(e.bot).lower(),
                str(e.signed).lower(),
                e.pr if e.pr is not None else "",
                e.app or "",
                e.environment or "",
                e.container or "",
                e.image,
                e.from_version or "",
                e.to_version or "",
                e.change,
                str(e.rollback).lower(),
                len(e.findings),
                " ".join(sorted({f.rule for f in e.findings})),
                e.path,
                e.line,
                e.subject,
            ]
        )
    return buffer.getvalue()
