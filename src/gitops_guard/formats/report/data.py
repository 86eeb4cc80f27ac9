"""The audit as plain data: what the JSON, CSV, Markdown and HTML reports are made of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitops_guard import __version__
from gitops_guard.audit.events import (
    Audit,
    Running,
)
from gitops_guard.audit.metrics import Metrics

if TYPE_CHECKING:
    from gitops_guard.audit.plan import Plan


def running_to_dict(running: Running) -> dict[str, Any]:
    """What ran for one app and container (the `at` shape)."""
    return {
        "app": running.app,
        "container": running.container,
        "image": running.image,
        "version": running.version,
        "reference": running.reference,
        "since": running.since.isoformat(),
        "commit": running.commit,
    }


def state_by_environment(state: list[Running]) -> dict[str, list[dict[str, Any]]]:
    """The state grouped by environment."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for running in state:
        grouped.setdefault(running.environment or "-", []).append(running_to_dict(running))
    return grouped


def summary(audit: Audit, metrics: Metrics) -> dict[str, Any]:
    """The `summary` object of the JSON report (event and finding counts from the metrics,
    which saw every event of the period)."""
    return {
        "tool": {"name": "gitops-guard", "version": __version__},
        "head": audit.head,
        "commits": audit.commits,
        "period": {
            "start": audit.start.isoformat() if audit.start else None,
            "end": audit.end.isoformat() if audit.end else None,
            "weeks": metrics.weeks,
        },
        "events": metrics.events,
        "findings": metrics.findings,
        "automated_share": metrics.automated_share,
        "environments": [g.summary() for g in metrics.environments],
        "apps": [g.summary() for g in metrics.apps],
        "findings_per_week": metrics.findings_per_week,
        "state": state_by_environment(audit.state),
        "drift": metrics.drift,
        "notes": audit.notes,
    }


def waiting(plan: Plan | None) -> dict[str, Any] | None:
    """The JSON report's ``waiting``: the plan of the head as `plan --format json` has it
    (the same function writes both), or None when the report ends before the head."""
    if plan is None:
        return None
    from gitops_guard.formats.plan.json import document

    return document(plan)
