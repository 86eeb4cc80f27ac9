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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gitops_guard.audit import AuditEvent, Running

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


def compute(
    events: Sequence[AuditEvent],
    state: Sequence[Running],
    order: Sequence[str],
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    failure_window: datetime.timedelta = datetime.timedelta(days=7),
) -> Metrics:
    """Compute the metrics of a period from its events (oldest first) and final state."""
    weeks = max((end - start).total_seconds() / 604800, 1 / 7) if start and end else 1.0
    ranked = list(order) + sorted({e.environment for e in events if e.environment} - set(order))
    by_env: dict[str, Group] = {env: Group(env, None) for env in ranked}
    by_app: dict[tuple[str, str], Group] = {}

    # The groups of each (environment, app), made once: this runs for every event.
    known: dict[tuple[str | None, str | None], tuple[Group, ...]] = {}

    def groups(env: str | None, app: str | None) -> Iterable[Group]:
        found = known.get((env, app))
        if found is None:
            if env is None:
                found = ()
            else:
                if env not in by_env:
                    by_env[env] = Group(env, None)
                if (env, app or "-") not in by_app:
                    by_app[(env, app or "-")] = Group(env, app)
                found = (by_env[env], by_app[(env, app or "-")])
            known[(env, app)] = found
        return found

    promotions = [e for e in events if e.change in PROMOTION_KINDS and not e.initial]
    # Counted per (environment, app) first, then added to its groups: one pass of list
    # increments instead of attribute updates on two groups per event.
    tallies: dict[tuple[str | None, str | None], list[int]] = {}
    for event in promotions:
        tally = tallies.get((event.environment, event.app))
        if tally is None:
            tally = tallies[(event.environment, event.app)] = [0, 0, 0, 0, 0]
        downgrade = event.change == "downgrade"
        tally[0] += 1
        tally[1] += event.bot
        tally[2] += event.rollback
        tally[3] += downgrade
        tally[4] += not event.rollback and not downgrade
    for (environment, app), tally in tallies.items():
        for group in groups(environment, app):
            group.promotions += tally[0]
            group.automated += tally[1]
            group.rollbacks += tally[2]
            group.downgrades += tally[3]
            group.forward += tally[4]

    _failures(events, failure_window, groups)
    _lead_times(events, ranked, groups)
    for group in [*by_env.values(), *by_app.values()]:
        group.per_week = group.promotions / weeks
        forward = group.forward
        group.change_failure_rate = round(group.failed / forward, 3) if forward > 0 else None

    findings: dict[str, Counter[str]] = defaultdict(Counter)
    for event in events:
        if not event.findings:
            continue
        week = _week(event.time)
        for finding in event.findings:
            severity = finding.severity.value if finding.severity else "error"
            findings[week][severity] += 1
    automated = sum(e.bot for e in promotions)
    return Metrics(
        weeks=round(weeks, 2),
        environments=[g for g in by_env.values() if g.promotions or g.environment in order],
        apps=sorted(by_app.values(), key=lambda g: (ranked.index(g.environment), g.app or "")),
        findings_per_week={week: dict(counts) for week, counts in sorted(findings.items())},
        drift=drift(state, ranked),
        automated_share=round(automated / len(promotions), 3) if promotions else None,
    )


def _week(moment: datetime.datetime) -> str:
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _failures(events: Sequence[AuditEvent], window: datetime.timedelta, groups) -> None:  # type: ignore[no-untyped-def]
    """Mark promotions followed by a rollback/downgrade, and time to the restoring change."""
    by_target: dict[tuple[str | None, str | None, str | None], list[AuditEvent]] = defaultdict(list)
    for event in events:
        if not event.initial:
            by_target[(event.app, event.environment, event.container)].append(event)
    for series in by_target.values():
        # The next rollback or downgrade after each position, found in one backward pass.
        next_bad: list[AuditEvent | None] = [None] * len(series)
        upcoming: AuditEvent | None = None
        for position in range(len(series) - 1, -1, -1):
            next_bad[position] = upcoming
            if series[position].rollback or series[position].change == "downgrade":
                upcoming = series[position]
        for index, event in enumerate(series):
            if event.change not in PROMOTION_KINDS or event.rollback or event.change == "downgrade":
                continue
            bad = next_bad[index]
            if bad is None or bad.time - event.time > window:
                continue
            restore = series[index + 1]
            for group in groups(event.environment, event.app):
                group.failed += 1
                group.restore_hours.append(_hours(restore.time - event.time))


def _lead_times(events: Sequence[AuditEvent], ranked: Sequence[str], groups) -> None:  # type: ignore[no-untyped-def]
    """Time from a version's first appearance in the first environment to each later one."""
    if not ranked:
        return
    first_env = ranked[0]
    first_seen: dict[tuple[str | None, str, str], datetime.datetime] = {}
    reached: set[tuple[tuple[str | None, str, str], str]] = set()
    for event in events:
        version, environment = event.to_version, event.environment
        # The first commit lays out what already ran: no lead time to measure.
        if version is None or environment is None or event.initial or event.change == "removed":
            continue
        key = (event.app, event.image, version)
        if environment == first_env:
            if key not in first_seen:
                first_seen[key] = event.time
            continue
        origin = first_seen.get(key)
        if origin is None or event.rollback:
            continue
        marker = (key, environment)
        if marker in reached:
            continue
        reached.add(marker)
        for group in groups(event.environment, event.app):
            group.lead_time_hours.append(_hours(event.time - origin))


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
