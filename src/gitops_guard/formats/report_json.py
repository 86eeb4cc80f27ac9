"""`report --format json`: {"events": [...], "summary": {...}} (SPEC §6)."""

from __future__ import annotations

import json

from gitops_guard.audit import Audit
from gitops_guard.formats.report_data import event_to_dict, summary
from gitops_guard.metrics import Metrics


def render(audit: Audit, metrics: Metrics) -> str:
    """The JSON report."""
    document = {
        "events": [event_to_dict(e) for e in audit.events],
        "summary": summary(audit, metrics),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
