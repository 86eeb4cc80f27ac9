"""The audit: every image change of the history, judged by the policy in force, with metrics.

The same history replay as `check` (one streaming `git log`, incremental extraction),
over the first-parent chain of a branch: what Argo CD deployed, in order. Each event
carries the findings the policy of its commit's first parent raises on it (or today's
policy, on request), replayed with the same rules as `check`. Which path is which app
and environment always comes from today's layout, so history from before the policy
existed is still mapped.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from types import ModuleType

from gitops_guard.engine import effective_severity, image_findings
from gitops_guard.errors import GuardError
from gitops_guard.gitio import GitRepository
from gitops_guard.history import PromotionEvent, StateKey, Step, version_of
from gitops_guard.model import Commit, Finding, ImageUse, Location
from gitops_guard.policy import POLICY_FILE, Policy, parse_policy
from gitops_guard.promotion import Ledger, PromotionContext, is_rollback
from gitops_guard.rules import COMMIT_RULES, EVENT_RULES
from gitops_guard.rules.base import RuleContext
from gitops_guard.wildcard import glob_matches


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One image change of one (app, environment, container), as the report lists it."""

    time: datetime.datetime
    commit: str
    subject: str
    author: str
    author_email: str
    committer: str
    bot: bool
    signed: bool
    pr: int | None
    app: str | None
    environment: str | None
    container: str | None
    resource: str | None
    image: str
    from_version: str | None
    to_version: str | None
    from_reference: str | None
    to_reference: str | None
    change: str
    rollback: bool
    findings: tuple[Finding, ...]
    path: str
    line: int
    initial: bool = False  # made by the repository's first commit: setup, not a promotion
    trailers: tuple[tuple[str, str], ...] = ()  # the commit's trailers (Rollback: INC-42)


@dataclass(frozen=True, slots=True)
class Running:
    """What ran for one (app, environment, container) at some instant."""

    app: str | None
    environment: str | None
    container: str | None
    image: str
    version: str | None
    reference: str
    since: datetime.datetime
    commit: str


@dataclass
class AuditOptions:
    """Which part of history to report on."""

    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    since_revision: str | None = None
    until_revision: str | None = None
    environments: frozenset[str] = frozenset()
    apps: frozenset[str] = frozenset()
    image: str | None = None  # glob over the image name
    replay_current: bool = False
    head: str = "HEAD"

    def wants(self, event: AuditEvent) -> bool:
        """Whether an event passes the environment, app and image filters."""
        if self.environments and event.environment not in self.environments:
            return False
        if self.apps and event.app not in self.apps:
            return False
        return self.image is None or glob_matches(self.image, event.image)


@dataclass
class Audit:
    """The events of the period and the state at its end."""

    events: list[AuditEvent]
    state: list[Running]
    policy: Policy
    head: str
    commits: int
    start: datetime.datetime | None
    end: datetime.datetime | None
    notes: list[str] = field(default_factory=list)


class PolicyHistory:
    """The policy in force along the replay: today's layout, the rules of each moment."""

    def __init__(self, repo: GitRepository, today: Policy, replay_current: bool) -> None:
        self.repo = repo
        self.today = today
        self.replay_current = replay_current
        self.blob: str | None = None
        self.current: Policy | None = None
        self._parsed: dict[str, Policy | None] = {}
        self.notes: list[str] = []

    def _parse(self, blob: str) -> Policy | None:
        if blob not in self._parsed:
            try:
                self._parsed[blob] = parse_policy(self.repo.read_blob(blob), POLICY_FILE)
            except GuardError as exc:
                self.notes.append(f"a past policy file ({blob[:12]}) did not load: {exc.message}")
                self._parsed[blob] = None
        return self._parsed[blob]

    def before(self, commit: Commit) -> Policy:
        """The policy that judges a commit: its first parent's, else its own, else today's."""
        if self.replay_current:
            return self.today
        if self.current is not None:
            return self.current
        for change in commit.changes:
            if change.path == POLICY_FILE and change.new_blob:
                own = self._parse(change.new_blob)
                if own is not None:
                    return own
        return self.today

    def after(self, commit: Commit) -> None:
        """Follow a commit's change to the policy file."""
        for change in commit.changes:
            if change.path == POLICY_FILE:
                self.blob = change.new_blob
                self.current = self._parse(change.new_blob) if change.new_blob else None


def _stamp(policy: Policy, rule: ModuleType, finding: Finding) -> Finding | None:
    severity = effective_severity(policy, rule)
    return None if severity is None else replace(finding, severity=severity)


def judge_step(
    step: Step, ledger: Ledger, policy: Policy, direct: bool = True
) -> tuple[dict[int, list[Finding]], set[int]]:
    """Findings of each event of a step (by index) and which are rollbacks.

    Events are recorded in the ledger as they are judged, in promotion order, as `check`
    does: a commit that sets a version in staging and then prod judges prod after staging.
    """
    ctx = PromotionContext(policy, ledger, direct=direct)
    rule_ctx = RuleContext(policy)
    found: dict[int, list[Finding]] = {index: [] for index in range(len(step.events))}
    by_location = {event.use.location: index for index, event in enumerate(step.events)}
    image_rules = {rule.ID: rule for rule in _image_rules()}
    rollbacks: set[int] = set()
    # The repository's first commit lays out what already ran: nothing was promoted.
    promotion_rules = EVENT_RULES if step.commit.parents else ()
    for index, event in enumerate(step.events):
        if is_rollback(event, ctx):
            rollbacks.add(index)
        for rule in promotion_rules:
            for problem in rule.check(event, ctx):
                finding = Finding(
                    rule.ID,
                    problem.message,
                    problem.location or event.use.location,
                    hint=problem.hint,
                    app=event.app,
                    environment=event.environment,
                )
                stamped = _stamp(policy, rule, finding)
                if stamped is not None:
                    found[index].append(stamped)
        if event.new is not None and event.change != "removed":
            for finding in image_findings([event.new], rule_ctx):
                stamped = _stamp(policy, image_rules[finding.rule], finding)
                if stamped is not None:
                    found[index].append(stamped)
        ledger.record(event)
    for rule in COMMIT_RULES if step.commit.parents else ():
        for problem in rule.check(step, ctx):
            index = by_location.get(problem.location or Location(""), 0)
            if not step.events:
                continue
            finding = Finding(
                rule.ID,
                problem.message,
                problem.location or step.events[0].use.location,
                hint=problem.hint,
            )
            stamped = _stamp(policy, rule, finding)
            if stamped is not None:
                found[index].append(stamped)
    return found, rollbacks


def _image_rules() -> tuple[ModuleType, ...]:
    from gitops_guard.rules import IMAGE_RULES

    return IMAGE_RULES


def _label(use: ImageUse | None) -> tuple[str | None, str | None]:
    if use is None:
        return None, None
    if use.reference is None:
        return use.raw, use.raw
    return version_of(use.reference), use.reference.familiar()


def audit_event(event: PromotionEvent, findings: list[Finding], rollback: bool) -> AuditEvent:
    """The report's view of a promotion event."""
    commit = event.commit
    from_version, from_reference = _label(event.old)
    to_version, to_reference = _label(event.new)
    ref = event.new_ref or event.old_ref
    image = ref.familiar_name if ref is not None else event.use.raw
    return AuditEvent(
        time=commit.committer.time,
        commit=commit.sha,
        subject=commit.subject,
        author=commit.author.name,
        author_email=commit.author.email,
        committer=commit.committer.name,
        bot=event.bot,
        signed=commit.signed,
        pr=event.pr,
        app=event.app,
        environment=event.environment,
        container=event.container,
        resource=event.key[2],
        image=image,
        from_version=from_version,
        to_version=to_version,
        from_reference=from_reference,
        to_reference=to_reference,
        change=event.change,
        rollback=rollback,
        findings=tuple(findings),
        path=event.use.location.path,
        line=event.use.location.line,
        initial=not commit.parents,
        trailers=tuple(commit.trailers().items()),
    )


def replay(
    repo: GitRepository,
    today: Policy,
    options: AuditOptions,
    progress: Callable[[int], None] | None = None,
    policy_bytes: bytes | None = None,
    use_cache: bool = True,
) -> Audit:
    """Replay the first-parent history of ``options.head`` into an audit.

    Steps come from the history cache where it has them (``.git/gitops-guard/``); the
    state at the end is rebuilt from the events, so a cached run parses nothing.
    """
    from gitops_guard.cache import Replay

    head = repo.resolve(options.head)
    since_revision = repo.resolve(options.since_revision) if options.since_revision else None
    until_revision = repo.resolve(options.until_revision) if options.until_revision else None
    runner = Replay(repo, today, policy_bytes, head, use_cache=use_cache)
    policies = PolicyHistory(repo, today, options.replay_current)
    ledger = Ledger()
    events: list[AuditEvent] = []
    last_change: dict[StateKey, tuple[datetime.datetime, str]] = {}
    state: dict[StateKey, ImageUse] = {}
    inside = since_revision is None
    commits = 0
    steps = runner.steps()
    try:
        for step in steps:
            commit = step.commit
            when = commit.committer.time
            if options.until is not None and when > options.until:
                break
            commits += 1
            if progress is not None and commits % 500 == 0:
                progress(commits)
            policy = policies.before(commit)
            findings, rollbacks = judge_step(step, ledger, policy)
            for index, event in enumerate(step.events):
                last_change[event.key] = (when, commit.sha)
                if event.new is None:
                    state.pop(event.key, None)
                else:
                    state[event.key] = event.new
                if inside and (options.since is None or when >= options.since):
                    audited = audit_event(event, findings[index], index in rollbacks)
                    if options.wants(audited):
                        events.append(audited)
            policies.after(commit)
            if commit.sha == since_revision:
                inside = True
            if commit.sha == until_revision:
                break
    finally:
        steps.close()
        runner.close()
    running = _running(state, last_change, options, list(today.environments))
    start = options.since or (events[0].time if events else None)
    end = options.until or (events[-1].time if events else None)
    return Audit(events, running, today, head, commits, start, end, policies.notes)


def _running(
    state: dict[StateKey, ImageUse],
    last_change: dict[StateKey, tuple[datetime.datetime, str]],
    options: AuditOptions,
    order: list[str],
) -> list[Running]:
    running = []
    for key, use in state.items():
        app, environment, _resource, container = key
        if environment is None:
            continue
        if options.environments and environment not in options.environments:
            continue
        if options.apps and app not in options.apps:
            continue
        ref = use.reference
        image = ref.familiar_name if ref else use.raw
        if options.image is not None and not glob_matches(options.image, image):
            continue
        since, commit = last_change.get(
            key, (datetime.datetime.min.replace(tzinfo=datetime.UTC), "")
        )
        running.append(
            Running(
                app,
                environment,
                container,
                image,
                version_of(ref) if ref else use.raw,
                ref.familiar() if ref else use.raw,
                since,
                commit,
            )
        )
    rank = {name: index for index, name in enumerate(order)}
    running.sort(
        key=lambda r: (
            rank.get(r.environment or "", len(rank)),
            r.environment or "",
            r.app or "",
            r.container or "",
        )
    )
    return running


def iter_findings(events: list[AuditEvent]) -> Iterator[tuple[AuditEvent, Finding]]:
    """Every finding of every event, with its event."""
    for event in events:
        for finding in event.findings:
            yield event, finding
