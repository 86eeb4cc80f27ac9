"""DORA-style delivery metrics computed from the audit's events.

- deployment frequency: promotions per week, per environment and app;
- lead time: from a version's first appearance in the first environment of the promotion
  order to its first appearance in each later one (median and p90, hours);
- rollbacks and downgrades;
- change failure rate: the share of promotions followed by a rollback or a downgrade of
  the same app and environment within the failure window (7 days by default);
- time to restore: from such a failing promotion to the next change of that app and
  environment (median, hours);
- the share of automated (bot) changes;
- policy findings per ISO week;
- the current state of every environment and the drift between environments.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_guard.audit.events import (
    AuditEvent,
    Running,
)

PROMOTION_KINDS = frozenset({"new", "patch", "minor", "major", "digest", "tag", "downgrade"})


def is_promotion(event: AuditEvent) -> bool:
    """A change that deploys something (not a removal, not the repository's first commit)."""
    return event.change in PROMOTION_KINDS and not event.initial


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (p90: fraction 0.9) of a list, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[rank]


def _hours(delta: datetime.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


@dataclass
class Group:
    """The metrics of one environment, or of one app in one environment."""

    environment: str
    app: str | None
    promotions: int = 0
    forward: int = 0  # promotions that are neither rollbacks nor downgrades
    per_week: float = 0.0
    automated: int = 0
    rollbacks: int = 0
    downgrades: int = 0
    failed: int = 0
    change_failure_rate: float | None = None
    lead_time_hours: list[float] = field(default_factory=list)
    restore_hours: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """The JSON form of the group."""
        return {
            "environment": self.environment,
            "app": self.app,
            "promotions": self.promotions,
            "promotions_per_week": round(self.per_week, 2),
            "automated": self.automated,
            "automated_share": round(self.automated / self.promotions, 3)
            if self.promotions
            else None,
            "rollbacks": self.rollbacks,
            "downgrades": self.downgrades,
            "failed_promotions": self.failed,
            "change_failure_rate": self.change_failure_rate,
            "lead_time_hours": {
                "count": len(self.lead_time_hours),
                "median": statistics.median(self.lead_time_hours) if self.lead_time_hours else None,
                "p90": percentile(self.lead_time_hours, 0.9),
            },
            "time_to_restore_hours": {
                "count": len(self.restore_hours),
                "median": statistics.median(self.restore_hours) if self.restore_hours else None,
            },
        }


@dataclass
class Metrics:
    """Every metric of the report."""

    weeks: float
    environments: list[Group]
    apps: list[Group]
    findings_per_week: dict[str, dict[str, int]]
    drift: list[dict[str, object]]
    automated_share: float | None
    events: int = 0  # events of the period
    findings: int = 0  # findings on them


class MetricsBuilder:
    """The metrics of a period, built one event at a time (oldest first).

    Nothing here keeps the events themselves: counters per (environment, app), the first
    appearance of each version, the promotions of each target still waiting for a later
    rollback, and the lead and restore times. A report can stream its events out as they
    are replayed.
    """

    def __init__(
        self,
        order: Sequence[str],
        failure_window: datetime.timedelta = datetime.timedelta(days=7),
    ) -> None:
        self.order = list(order)
        self.window = failure_window
        self.events = 0
        self.findings = 0
        self.automated = 0
        self.promotions = 0
        self._environments: set[str] = set()
        self._by_env: dict[str, Group] = {}
        self._by_app: dict[tuple[str, str], Group] = {}
        self._known: dict[tuple[str | None, str | None], tuple[Group, ...]] = {}
        self._tallies: dict[tuple[str | None, str | None], list[int]] = {}
        self._findings: dict[str, Counter[str]] = defaultdict(Counter)
        # Per target (app, environment, container): forward promotions not yet followed
        # by a rollback or downgrade, as [time, time of the next change or None,
        # (environment, app)].
        self._open: dict[tuple[str | None, ...], list[list[Any]]] = {}
        # Lead times: first appearance in the first environment, and what was measured.
        self._first_seen: dict[tuple[str | None, str, str], datetime.datetime] = {}
        self._reached: set[tuple[tuple[str | None, str, str], str]] = set()
        # Without an environment order the first environment is only known at the end
        # (policies without environments): those events wait for it.
        self._deferred: list[AuditEvent] | None = None if self.order else []

    def groups(self, env: str | None, app: str | None) -> tuple[Group, ...]:
        """The environment's group and the app's group in it (made once)."""
        found = self._known.get((env, app))
        if found is None:
            if env is None:
                found = ()
            else:
                if env not in self._by_env:
                    self._by_env[env] = Group(env, None)
                if (env, app or "-") not in self._by_app:
                    self._by_app[(env, app or "-")] = Group(env, app)
                found = (self._by_env[env], self._by_app[(env, app or "-")])
            self._known[(env, app)] = found
        return found

    def add(self, event: AuditEvent) -> None:
        """Take the next event of the period."""
        self.events += 1
        environment = event.environment
        if environment is not None:
            self._environments.add(environment)
        if event.findings:
            self.findings += len(event.findings)
            week = self._findings[iso_week(event.time)]
            for finding in event.findings:
                week[finding.severity.value if finding.severity else "error"] += 1
        if event.initial:
            return  # the first commit lays out what already ran: not a promotion
        promotion = event.change in PROMOTION_KINDS
        downgrade = event.change == "downgrade"
        if promotion:
            self.promotions += 1
            self.automated += event.bot
            # Counted per (environment, app) first, added to the groups at the end.
            tally = self._tallies.get((environment, event.app))
            if tally is None:
                tally = self._tallies[(environment, event.app)] = [0, 0, 0, 0, 0]
            tally[0] += 1
            tally[1] += event.bot
            tally[2] += event.rollback
            tally[3] += downgrade
            tally[4] += not event.rollback and not downgrade
        self._follow_failures(event, promotion and not event.rollback and not downgrade)
        if self._deferred is not None:
            self._deferred.append(event)
        else:
            self._lead_time(event, self.order[0])

    def _follow_failures(self, event: AuditEvent, forward: bool) -> None:
        """A forward promotion fails when the next rollback or downgrade of its target
        comes within the window; time to restore runs to the change right after it."""
        target = (event.app, event.environment, event.container)
        waiting = self._open.get(target)
        if waiting:
            if waiting[-1][1] is None:
                waiting[-1][1] = event.time  # the change right after the latest promotion
            if event.rollback or event.change == "downgrade":
                for when, following, (environment, app) in waiting:
                    if event.time - when <= self.window:
                        for group in self.groups(environment, app):
                            group.failed += 1
                            group.restore_hours.append(_hours(following - when))
                waiting.clear()
        if forward:
            entry = [event.time, None, (event.environment, event.app)]
            if waiting is None:
                self._open[target] = [entry]
            else:
                waiting.append(entry)

    def _lead_time(self, event: AuditEvent, first_env: str) -> None:
        """From a version's first appearance in the first environment to each later one."""
        version, environment = event.to_version, event.environment
        if version is None or environment is None or event.change == "removed":
            return
        key = (event.app, event.image, version)
        if environment == first_env:
            if key not in self._first_seen:
                self._first_seen[key] = event.time
            return
        origin = self._first_seen.get(key)
        if origin is None or event.rollback:
            return
        marker = (key, environment)
        if marker in self._reached:
            return
        self._reached.add(marker)
        for group in self.groups(environment, event.app):
            group.lead_time_hours.append(_hours(event.time - origin))

    def finish(
        self,
        state: Sequence[Running],
        start: datetime.datetime | None,
        end: datetime.datetime | None,
    ) -> Metrics:
        """The metrics of the events taken, with the state at the period's end."""
        weeks = max((end - start).total_seconds() / 604800, 1 / 7) if start and end else 1.0
        ranked = self.order + sorted(self._environments - set(self.order))
        if self._deferred is not None:
            for event in self._deferred if ranked else ():
                self._lead_time(event, ranked[0])
            self._deferred = []
        for (environment, app), tally in self._tallies.items():
            for group in self.groups(environment, app):
                group.promotions += tally[0]
                group.automated += tally[1]
                group.rollbacks += tally[2]
                group.downgrades += tally[3]
                group.forward += tally[4]
        self._tallies = {}
        by_env = {env: self._by_env.get(env) or Group(env, None) for env in ranked}
        # Environments are listed when they had promotions or are named by the order;
        # without an order, every environment seen is (the order is what was seen).
        named = self.order or ranked
        for group in [*by_env.values(), *self._by_app.values()]:
            group.per_week = group.promotions / weeks
            forward = group.forward
            group.change_failure_rate = round(group.failed / forward, 3) if forward > 0 else None
        return Metrics(
            weeks=round(weeks, 2),
            environments=[g for g in by_env.values() if g.promotions or g.environment in named],
            apps=sorted(
                self._by_app.values(), key=lambda g: (ranked.index(g.environment), g.app or "")
            ),
            findings_per_week={w: dict(c) for w, c in sorted(self._findings.items())},
            drift=drift(state, ranked),
            automated_share=round(self.automated / self.promotions, 3) if self.promotions else None,
            events=self.events,
            findings=self.findings,
        )


def compute(
    events: Sequence[AuditEvent],
    state: Sequence[Running],
    order: Sequence[str],
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    failure_window: datetime.timedelta = datetime.timedelta(days=7),
) -> Metrics:
    """Compute the metrics of a period from its events (oldest first) and final state."""
    builder = MetricsBuilder(order, failure_window)
    for event in events:
        builder.add(event)
    return builder.finish(state, start, end)


def iso_week(moment: datetime.datetime) -> str:
    """The ISO week of an instant as the reports key it (``2026-W09``)."""
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


def drift(state: Sequence[Running], ranked: Sequence[str]) -> list[dict[str, object]]:
    """Per app and container: the version each environment runs, where they differ."""
    table: dict[tuple[str | None, str | None, str], dict[str, str | None]] = defaultdict(dict)
    for running in state:
        if running.environment is not None:
            table[(running.app, running.container, running.image)][running.environment] = (
                running.version
            )
    rows: list[dict[str, object]] = []
    for (app, container, image), versions in sorted(
        table.items(), key=lambda i: tuple(str(p) for p in i[0])
    ):
        ordered = {env: versions[env] for env in ranked if env in versions}
        if len(set(ordered.values())) > 1:
            rows.append({"app": app, "container": container, "image": image, "versions": ordered})
    return rows
