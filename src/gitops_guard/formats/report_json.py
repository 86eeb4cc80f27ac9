"""`report --format json`: {"events": [...], "summary": {...}} (SPEC §6).

Written one event per line and streamed: a year of a busy repository is hundreds of
thousands of events, and building one indented document in memory would cost several
times the report's size (and the pure-Python pretty printer's time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from gitops_guard.audit import Audit
from gitops_guard.formats.report_data import summary
from gitops_guard.metrics import Metrics


def chunks(audit: Audit, metrics: Metrics) -> Iterator[str]:
    """The JSON report in pieces, in order."""
    yield '{"events": ['
    events = audit.events
    # A thousand lines per piece: one join instead of a concatenation per event.
    for start in range(0, len(events), 1000):
        lines = ",\n".join(event.line_json() for event in events[start : start + 1000])
        yield ("\n" if start == 0 else ",\n") + lines
    yield '\n],\n"summary": '
    yield json.dumps(summary(audit, metrics), indent=2, ensure_ascii=False)
    yield "}\n"


def render(audit: Audit, metrics: Metrics) -> str:
    """The JSON report as one string."""
    return "".join(chunks(audit, metrics))
