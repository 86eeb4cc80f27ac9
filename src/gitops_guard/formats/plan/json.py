"""`plan --format json`: the document ``schemas/plan.schema.json`` describes (docs/plan.md)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from gitops_guard import __version__
from gitops_guard.audit.plan import (
    BLOCKED,
    NO_CANDIDATE,
    READY,
    UP_TO_DATE,
    Plan,
    PlanRow,
    Reason,
)
from gitops_guard.formats.plan.shared import shown


def _time(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _seconds(delta: datetime.timedelta | None) -> int | None:
    return int(delta.total_seconds()) if delta is not None else None


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "rule": reason.rule,
        "name": reason.name,
        "severity": reason.severity,
        "message": reason.message,
        "hint": reason.hint,
    }


def row_json(row: PlanRow) -> dict[str, Any]:
    """One promotion of the plan."""
    return {
        "app": row.app,
        "environment": row.environment,
        "from_environment": row.from_environment,
        "resource": row.resource,
        "container": row.container,
        "image": row.image,
        "path": row.path,
        "line": row.line,
        "running": {"version": row.running, "reference": row.running_reference},
        "candidate": (
            {
                "version": row.candidate,
                "reference": row.candidate_reference,
                "first_ran": _time(row.first_ran),
                "running_since": _time(row.residence_since),
            }
            if row.candidate is not None
            else None
        ),
        "change": row.change,
        "verdict": row.verdict,
        "rules": row.rules,
        "soak": (
            {
                "required_seconds": _seconds(row.soak_required),
                "soaked_seconds": _seconds(row.soaked),
                "left_seconds": _seconds(row.soak_left),
                "ready_at": _time(row.ready_at),
            }
            if row.soak_required is not None
            else None
        ),
        "soaked_seconds": _seconds(row.soaked),
        "freeze": (
            {
                "reason": row.frozen_reason,
                "until": _time(row.frozen_until_time),
                "until_text": row.frozen_until,
            }
            if row.frozen_until is not None
            else None
        ),
        "rollback": {"needed": row.rollback_needed, "possible": row.rollback_possible},
        "supply_chain": row.supply_chain,
        "blockers": [_reason(r) for r in row.blockers],
        "warnings": [_reason(r) for r in row.warnings],
        "notes": list(row.notes),
        "bot_limit": row.bot_limit,
        "upstream": (
            {
                "environment": row.upstream.from_environment,
                "version": row.upstream.candidate,
                "reference": row.upstream.candidate_reference,
                "change": row.upstream.change,
                "verdict": row.upstream.verdict,
                "rules": row.upstream.rules,
                "blockers": [_reason(r) for r in row.upstream.blockers],
            }
            if row.upstream is not None
            else None
        ),
    }


def render_json(plan: Plan, show_all: bool = False) -> str:
    """``{"tool", "head", "now", "offline", "summary", "promotions"}``."""
    return json.dumps(document(plan, show_all), indent=2, ensure_ascii=False) + "\n"


def document(plan: Plan, show_all: bool = False) -> dict[str, Any]:
    """The plan as data: what ``render_json`` writes (and the JSON report's ``waiting``)."""
    return {
        "tool": {"name": "gitops-guard", "version": __version__},
        "head": plan.head,
        "now": plan.now.isoformat(),
        "offline": plan.offline,
        "summary": {
            "ready": plan.count(READY),
            "blocked": plan.count(BLOCKED),
            "up_to_date": plan.count(UP_TO_DATE),
            "no_candidate": plan.count(NO_CANDIDATE),
        },
        "promotions": [row_json(row) for row in shown(plan.rows, show_all)],
    }
