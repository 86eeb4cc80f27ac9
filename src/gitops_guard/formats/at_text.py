"""`at DATE`: what ran in each environment at an instant, as text or JSON (SPEC §6)."""

from __future__ import annotations

import datetime
import json

from gitops_guard.audit.events import Running


def render_json(moment: datetime.datetime, state: list[Running]) -> str:
    """`{"at": ..., "environments": {"prod": [{"app", "image", "version", "since", "commit"}]}}`."""
    environments: dict[str, list[dict[str, object]]] = {}
    for running in state:
        environments.setdefault(running.environment or "-", []).append(
            {
                "app": running.app,
                "image": running.image,
                "version": running.version,
                "since": running.since.isoformat(),
                "commit": running.commit,
                "container": running.container,
                "reference": running.reference,
            }
        )
    return json.dumps({"at": moment.isoformat(), "environments": environments}, indent=2) + "\n"


def render_text(moment: datetime.datetime, state: list[Running]) -> str:
    """One block per environment: app, image and version, since when, which commit."""
    lines = [f"At {moment.isoformat()}:"]
    if not state:
        lines.append(
            "  no image of a known environment ran then: no commit before that time, or the "
            "layout places no path in an environment (`gitops-guard images` shows where)"
        )
    current = None
    for running in state:
        if running.environment != current:
            current = running.environment
            lines.append(f"\n{current}:")
        container = f" [{running.container}]" if running.container else ""
        lines.append(
            f"  {running.app or '-'}{container}: {running.reference}  "
            f"since {running.since.isoformat(timespec='minutes')} ({running.commit[:12]})"
        )
    return "\n".join(lines) + "\n"
