"""`report --format csv`: one row per event, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    AuditStream,
)
from gitops_guard.audit.metrics import (
    Metrics,
    MetricsBuilder,
)

COLUMNS = (
    "time", "commit", "author", "committer", "bot", "signed", "pr", "app", "environment",
    "container", "image", "from", "to", "change", "rollback", "findings", "rules", "path",
    "line", "subject", "promoted_from",
)  # fmt: skip


def _row(e: AuditEvent) -> list[object]:
    return [
        e.time.isoformat(), e.commit, e.author, e.committer, str(e.bot).lower(),
        str(e.signed).lower(), e.pr if e.pr is not None else "", e.app or "",
        e.environment or "", e.container or "", e.image, e.from_version or "",
        e.to_version or "", e.change, str(e.rollback).lower(), len(e.findings),
        " ".join(sorted({f.rule for f in e.findings})), e.path, e.line, e.subject,
        e.promoted_from or "",
    ]  # fmt: skip


def chunks(audit: Audit, _metrics: Metrics, rows: int = 1000) -> Iterator[str]:
    """The CSV report (RFC 4180, header row, booleans as true/false) in pieces."""
    return _rows(audit.events, rows)


def stream(events: AuditStream, _metrics: MetricsBuilder) -> Iterator[str]:
    """The CSV report written as the history is replayed (it has no summary)."""
    return _rows(events, 1000)


def _rows(events: Iterable[AuditEvent], rows: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index, event in enumerate(events, start=1):
        writer.writerow(_row(event))
        if index % rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
