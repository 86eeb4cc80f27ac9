"""Metrics built one event at a time agree with the batch computation they replaced."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.audit.events import (
    AuditEvent,
    Running,
)
from gitops_guard.audit.metrics import (
    PROMOTION_KINDS,
    Group,
    Metrics,
    _hours,
    compute,
    drift,
)
from gitops_guard.audit.metrics import iso_week as _week
from gitops_guard.model import Finding, Location, Severity

UTC = datetime.UTC
START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# --- the batch computation as it was (the reference) -----------------------------------


def reference(
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


# --- generated periods -----------------------------------------------------------------

KINDS = ["patch", "minor", "major", "digest", "tag", "downgrade", "new", "removed"]


@st.composite
def periods(draw: st.DrawFn) -> list[AuditEvent]:
    events = []
    hours = 0
    for index in range(draw(st.integers(0, 60))):
        # Mostly forward in time, sometimes back (committer clocks are not ordered).
        hours += draw(st.sampled_from([1, 5, 12, 30, 100, 168, 200, -10]))
        kind = draw(st.sampled_from(KINDS))
        findings: tuple[Finding, ...] = ()
        if draw(st.integers(0, 5)) == 0:
            severity = draw(st.sampled_from([Severity.ERROR, Severity.WARNING]))
            findings = (Finding("GG303", "m", Location("p", 1, 1), severity=severity),)
        events.append(
            AuditEvent(
                time=START + datetime.timedelta(hours=hours),
                commit=f"{index:040x}",
                subject="s",
                author="a",
                author_email="a@x",
                committer="a",
                bot=draw(st.booleans()),
                signed=False,
                pr=None,
                app=draw(st.sampled_from(["api", "web", None])),
                environment=draw(st.sampled_from(["dev", "staging", "prod", "qa", None])),
                container=draw(st.sampled_from(["c1", "c2"])),
                resource="Deployment/x",
                image=draw(st.sampled_from(["r/api", "r/web"])),
                from_version="1.0.0",
                to_version=None if kind == "removed" else draw(st.sampled_from(["1", "2", "3"])),
                from_reference=None,
                to_reference=None,
                change=kind,
                rollback=kind == "downgrade" and draw(st.booleans()),
                findings=findings,
                path="p",
                line=1,
                initial=index < draw(st.integers(0, 2)),
            )
        )
    return events


def comparable(metrics: Metrics) -> tuple[object, ...]:
    def group(g: Group) -> dict[str, object]:
        return {
            **g.summary(),
            "lead": sorted(g.lead_time_hours),
            "restore": sorted(g.restore_hours),
        }

    return (
        metrics.weeks,
        [group(g) for g in metrics.environments],
        [group(g) for g in metrics.apps],
        metrics.findings_per_week,
        metrics.drift,
        metrics.automated_share,
    )


@settings(max_examples=300, deadline=None)
@given(
    periods(),
    st.sampled_from([[], ["dev", "staging", "prod"], ["staging", "dev"]]),
    st.sampled_from([datetime.timedelta(days=7), datetime.timedelta(hours=12)]),
)
def test_one_event_at_a_time_is_the_batch_computation(
    events: list[AuditEvent], order: list[str], window: datetime.timedelta
) -> None:
    state = [
        Running("api", "prod", "c1", "r/api", "1", "r/api:1", START, "c" * 40),
        Running("api", "dev", "c1", "r/api", "2", "r/api:2", START, "d" * 40),
    ]
    start = events[0].time if events else None
    end = events[-1].time if events else None
    built = compute(events, state, order, start, end, window)
    # Without environments in the policy, reports rank the environments they saw.
    seen = sorted({e.environment for e in events if e.environment})
    expected = reference(events, state, order or seen, start, end, window)
    assert comparable(built) == comparable(expected)
    assert built.events == len(events)
    assert built.findings == sum(len(e.findings) for e in events)
