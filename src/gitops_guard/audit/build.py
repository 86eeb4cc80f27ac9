"""Glue for `report` and `at`: open the repository, replay, compute, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
from gitops_guard.errors import GuardError
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.policy.model import (
    POLICY_FILE,
    Policy,
)
from gitops_guard.repo.git import GitRepository
from gitops_guard.repo.policy_source import policy_at

if TYPE_CHECKING:  # audit.plan imports this module: the plan is imported where it is made
    from gitops_guard.audit.plan import Plan


@dataclass
class BuiltReport:
    """An audit with its metrics, ready for any format."""

    audit: Audit
    metrics: Metrics
    root: Path
    notes: list[str] = field(default_factory=list)
    # What waits to be promoted at the head (`plan`'s rows), when the report was asked for
    # it; ``waiting_skipped`` says why a report that asked has none.
    plan: Plan | None = None
    waiting_skipped: str | None = None


def today_policy(repo: GitRepository, head: str) -> tuple[Policy, bytes | None, list[str]]:
    """The policy whose layout maps paths to apps and environments: the head's.

    A shallow clone is refused as ``check`` refuses it: the history it reports is cut.
    """
    repo.refuse_shallow()
    policy, data = policy_at(repo, repo.resolve(head))
    notes = [] if data else [f"no {POLICY_FILE} (or .yml) at {head}; using the default layout"]
    return policy, data, notes


def check_selection(
    repo: GitRepository,
    policy: Policy,
    head: str,
    environments: frozenset[str],
    apps: frozenset[str] = frozenset(),
) -> None:
    """``--env`` and ``--app`` must name what exists: a typo would report nothing."""
    if not environments and not apps:
        return
    known_envs: set[str] = set(policy.environments)
    known_apps: set[str] = set()
    for path in repo.tree(repo.resolve(head)):
        placement = policy.layout.place(path)
        if placement.environment is not None and not policy.environments:
            known_envs.add(placement.environment)
        if placement.app is not None:
            known_apps.add(placement.app)
    for option, wanted, known in (("--env", environments, known_envs), ("--app", apps, known_apps)):
        unknown = sorted(wanted - known)
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise GuardError(
                f"{option} {unknown[0]!r}: no such {option[2:]} in this repository",
                hint=f"{hint}known: {', '.join(sorted(known)) or 'none'}",
            )


def build_report(
    path: Path,
    options: AuditOptions,
    failure_window: datetime.timedelta,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
    plan_now: datetime.datetime | None = None,
) -> BuiltReport:
    """Replay the history and compute the metrics of the period, keeping every event
    (Markdown and HTML list them all; JSON and CSV use :func:`stream_report`).

    ``plan_now``: also what waits to be promoted at the head, judged at that moment (the
    HTML report's "Waiting to be promoted"), by :func:`gitops_guard.audit.plan.build_plan`
    itself — the rows `plan` prints, with the report's environment, app and image filters.
    """
    streamed = stream_report(path, options, failure_window, progress, mode)
    events = []
    for event in streamed.events:
        streamed.metrics.add(event)
        events.append(event)
    audit = streamed.events.audit(events)
    metrics = streamed.metrics.finish(audit.state, audit.start, audit.end)
    built = BuiltReport(audit, metrics, streamed.root, streamed.all_notes())
    if plan_now is not None:
        built.plan, built.waiting_skipped = waiting_plan(path, options, plan_now, mode)
    return built


def waiting_plan(
    path: Path, options: AuditOptions, now: datetime.datetime, mode: ReplayMode = FAST
) -> tuple[Plan | None, str | None]:
    """The plan of the report's head at ``now`` and, without one, why: a report that ends
    before the head (``--until``) shows no plan, which is about the head alone."""
    if options.until is not None or options.until_revision is not None:
        return None, "the report ends before the head (--until); `gitops-guard plan` lists it"
    from gitops_guard.audit.plan import PlanOptions, build_plan
    from gitops_guard.patterns.wildcard import glob_matches

    plan = build_plan(
        path,
        PlanOptions(
            environments=options.environments,
            apps=options.apps,
            head=options.head,
            now=now,
            # The report sends no registry request: the supply-chain gates say "not
            # checked", as `plan --offline` does (never "passed").
            offline=True,
        ),
        mode=mode,
    )
    if options.image is not None:
        pattern = options.image
        plan.rows = [row for row in plan.rows if glob_matches(pattern, row.image)]
    return plan, None


@dataclass
class StreamedReport:
    """An audit whose events are written as they are replayed (JSON and CSV): memory
    depends on the number of images, not on the length of history."""

    events: AuditStream
    metrics: MetricsBuilder
    root: Path
    notes: list[str] = field(default_factory=list)
    # What waits to be promoted, planned when called (after the events: the cache is
    # warm then), and why a report that asked has none; None: not asked.
    waiting: Callable[[], tuple[Plan | None, str | None]] | None = None

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
    plan_now: datetime.datetime | None = None,
) -> StreamedReport:
    """Prepare a report whose events are replayed while it is written; ``plan_now``: with
    what waits to be promoted at that moment (planned once the events are out)."""
    repo = GitRepository(path)
    policy, policy_bytes, notes = today_policy(repo, options.head)
    check_selection(repo, policy, options.head, options.environments, options.apps)
    events = stream_audit(repo, policy, options, progress, policy_bytes, mode)
    # The policy's environment order; without one, the builder ranks what it saw.
    metrics = MetricsBuilder(list(policy.environments), failure_window)
    streamed = StreamedReport(events, metrics, repo.root, notes)
    if plan_now is not None:
        moment = plan_now
        streamed.waiting = lambda: waiting_plan(path, options, moment, mode)
    return streamed


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
    check_selection(repo, policy, head, environments)
    options = AuditOptions(until=moment, environments=environments, head=head)
    return replay(repo, policy, options, progress, policy_bytes, mode).state
