"""`report --format json`: {"events": [...], "summary": {...}, "waiting": {...}} (SPEC §6).

``waiting``, when the report was asked for it (the command asks with ``--now``: without
it the document is the same for the same history), is the plan of the head as `plan
--format json` writes it (``schemas/plan.schema.json``), or null for a report that ends
before the head.

Written one event per line and streamed: a year of a busy repository is hundreds of
thousands of events, and building one indented document in memory would cost several
times the report's size (and the pure-Python pretty printer's time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    AuditStream,
)
from gitops_guard.audit.metrics import (
    Metrics,
    MetricsBuilder,
)
from gitops_guard.formats.report.data import summary, waiting

if TYPE_CHECKING:
    from gitops_guard.audit.plan import Plan

# The plan of the head, and why there is none (the report ends before the head).
Waiting = Callable[[], "tuple[Plan | None, str | None]"]

BATCH = 1000  # events per piece: one join instead of a concatenation per event


def chunks(
    audit: Audit, metrics: Metrics, plan: Plan | None = None, skipped: str | None = None
) -> Iterator[str]:
    """The JSON report in pieces, in order; ``plan`` or ``skipped``: with ``waiting``."""
    asked = plan is not None or skipped is not None
    return _document(
        audit.events,
        lambda: summary(audit, metrics),
        None,
        (lambda: (plan, skipped)) if asked else None,
    )


def stream(
    events: AuditStream, metrics: MetricsBuilder, waiting_of: Waiting | None = None
) -> Iterator[str]:
    """The JSON report written as the history is replayed: each event goes out as it
    comes (the metrics take it on the way), the summary once they have all come, then
    what waits to be promoted (planned then, from the cache the replay has just filled)."""

    def summary_at_the_end() -> dict[str, Any]:
        audit = events.audit([])
        return summary(audit, metrics.finish(audit.state, audit.start, audit.end))

    return _document(events, summary_at_the_end, metrics.add, waiting_of)


def _document(
    events: Iterable[AuditEvent],
    summary_of: Callable[[], dict[str, Any]],
    each: Callable[[AuditEvent], None] | None = None,
    waiting_of: Waiting | None = None,
) -> Iterator[str]:
    """The document: ``BATCH`` event lines per piece, then the summary (and ``waiting``);
    ``each`` sees every event on its way out."""
    yield '{"events": ['
    lines: list[str] = []
    first = True
    for event in events:
        if each is not None:
            each(event)
        lines.append(event.line_json())
        if len(lines) == BATCH:
            yield ("\n" if first else ",\n") + ",\n".join(lines)
            lines, first = [], False
    if lines:
        yield ("\n" if first else ",\n") + ",\n".join(lines)
    yield '\n],\n"summary": '
    yield json.dumps(summary_of(), indent=2, ensure_ascii=False)
    if waiting_of is not None:
        yield ',\n"waiting": '
        plan, _why_none = waiting_of()  # the reason is the HTML's to print; JSON has null
        yield json.dumps(waiting(plan), indent=2, ensure_ascii=False)
    yield "}\n"


def render(audit: Audit, metrics: Metrics) -> str:
    """The JSON report as one string."""
    return "".join(chunks(audit, metrics))
