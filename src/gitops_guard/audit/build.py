"""Glue for `report` and `at`: open the repository, replay, compute, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.audit.events import (
    Audit,
    AuditOptions,
    AuditStream,
    Running,
)
from gitops_guard.audit.metrics import (
    Metrics,
    MetricsBuilder,
)
from gitops_guard.audit.replay import (
    replay,
    stream_audit,
)
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.policy.model import (
    POLICY_FILE,
    Policy,
)
from gitops_guard.repo.git import GitRepository
from gitops_guard.repo.policy_source import policy_at


@dataclass
class BuiltReport:
    """An audit with its metrics, ready for any format."""

    audit: Audit
    metrics: Metrics
    root: Path
    notes: list[str] = field(default_factory=list)


def today_policy(repo: GitRepository, head: str) -> tuple[Policy, bytes | None, list[str]]:
    """The policy whose layout maps paths to apps and environments: the head's."""
    policy, data = policy_at(repo, repo.resolve(head))
    notes = [] if data else [f"no {POLICY_FILE} at {head}; using the default layout"]
    return policy, data, notes


def build_report(
    path: Path,
    options: AuditOptions,
    failure_window: datetime.timedelta,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> BuiltReport:
    """Replay the history and compute the metrics of the period, keeping every event
    (Markdown and HTML list them all; JSON and CSV use :func:`stream_report`)."""
    streamed = stream_report(path, options, failure_window, progress, mode)
    events = []
    for event in streamed.events:
        streamed.metrics.add(event)
        events.append(event)
    audit = streamed.events.audit(events)
    metrics = streamed.metrics.finish(audit.state, audit.start, audit.end)
    return BuiltReport(audit, metrics, streamed.root, streamed.all_notes())


@dataclass
class StreamedReport:
    """An audit whose events are written as they are replayed (JSON and CSV): memory
    depends on the number of images, not on the length of history."""

    events: AuditStream
    metrics: MetricsBuilder
    root: Path
    notes: list[str] = field(default_factory=list)

    def all_notes(self) -> list[str]:
        """The notes, the replay's included (once its events have all come)."""
        return self.notes + (self.events.end.notes if self.events.end is not None else [])


STREAMED_FORMATS = ("json", "csv")


def stream_report(
    path: Path,
    options: AuditOptions,
    failure_window: datetime.timedelta,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> StreamedReport:
    """Prepare a report whose events are replayed while it is written."""
    repo = GitRepository(path)
    policy, policy_bytes, notes = today_policy(repo, options.head)
    events = stream_audit(repo, policy, options, progress, policy_bytes, mode)
    # The policy's environment order; without one, the builder ranks what it saw.
    metrics = MetricsBuilder(list(policy.environments), failure_window)
    return StreamedReport(events, metrics, repo.root, notes)


def running_at(
    path: Path,
    moment: datetime.datetime,
    environments: frozenset[str],
    head: str = "HEAD",
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> list[Running]:
    """What ran in each environment at an instant (the state after the last commit before it)."""
    repo = GitRepository(path)
    policy, policy_bytes, _notes = today_policy(repo, head)
    options = AuditOptions(until=moment, environments=environments, head=head)
    return replay(repo, policy, options, progress, policy_bytes, mode).state
