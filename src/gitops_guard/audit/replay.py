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
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

from gitops_guard.audit.events import (
    PROMOTED_FROM_KEY,
    Audit,
    AuditEnd,
    AuditEvent,
    AuditOptions,
    AuditStream,
    Running,
    audit_event,
)
from gitops_guard.engine.promotion import judge_step
from gitops_guard.engine.run import (
    effective_severity,
    image_findings,
)
from gitops_guard.errors import GuardError
from gitops_guard.history.ledger import (
    Clock,
    Ledger,
    PromotionContext,
)
from gitops_guard.history.replay import FAST, Replay, ReplayMode
from gitops_guard.history.steps import (
    Step,
)
from gitops_guard.history.store import open_cache
from gitops_guard.model import Commit, Finding, Person
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    POLICY_FILE,
    POLICY_FILES,
    Policy,
)
from gitops_guard.repo.git import GitRepository
from gitops_guard.repo.policy_source import policy_cache_dir
from gitops_guard.rules.base import RuleContext
from gitops_guard.rules.registry import image_rules


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
                data = self.repo.read_blob(blob)
                self._parsed[blob] = parse_policy(data, POLICY_FILE, policy_cache_dir(self.repo))
            except GuardError as exc:
                self.notes.append(f"a past policy file ({blob[:12]}) did not load: {exc.message}")
                self._parsed[blob] = None
        return self._parsed[blob]

    def before(self, commit: Commit) -> Policy | None:
        """The policy that judges a commit: its first parent's, else its own; None before
        any policy existed (SPEC §6: such a change has no findings)."""
        if self.replay_current:
            return self.today
        if self.current is not None:
            return self.current
        for change in commit.changes:
            if change.path in POLICY_FILES and change.new_blob:
                own = self._parse(change.new_blob)
                if own is not None:
                    return own
        return None

    def resume(self, blob: str | None) -> None:
        """Continue from a stored position: the policy file's blob at that commit."""
        self.blob = blob
        self.current = self._parse(blob) if blob else None

    def after(self, commit: Commit) -> None:
        """Follow a commit's change to the policy file."""
        # Deletions first: renaming .gitops-guard.yaml to .yml (or back) keeps the policy.
        for change in sorted(commit.changes, key=lambda change: change.new_blob is not None):
            if change.path in POLICY_FILES:
                self.blob = change.new_blob
                self.current = self._parse(change.new_blob) if change.new_blob else None


def judge(
    step: Step, ledger: Ledger, rule_ctx: RuleContext
) -> tuple[dict[int, list[Finding]], set[int]]:
    """Findings of each event of a step (by index), stamped with the severities of the
    policy in ``rule_ctx``, and which events are rollbacks: the promotion and commit rules
    as `check` runs them, plus the image rules on each new reference.

    ``rule_ctx`` keeps what the image rules derive from the policy across steps: a replay
    passes the same one for every step one policy judges.
    """
    policy = rule_ctx.policy
    verdict = judge_step(step, PromotionContext(policy, ledger, direct=True))
    found: dict[int, list[Finding]] = {}
    for index, event in enumerate(step.events):
        pairs = list(verdict.findings[index])
        if event.new is not None and event.change != "removed":
            pairs += [(image_rules()[f.rule], f) for f in image_findings([event.new], rule_ctx)]
        found[index] = []
        for rule, finding in pairs:
            severity = effective_severity(policy, rule)
            if severity is not None:
                found[index].append(replace(finding, severity=severity))
    return found, verdict.rollbacks


class _Collector:
    """What a replay keeps while it goes: the last event per key and the period's ends.

    The reported events themselves are not kept here: they are yielded as they come.
    """

    def __init__(self, options: AuditOptions, since_revision: str | None) -> None:
        self.options = options
        self.last: dict[tuple[str | None, ...], AuditEvent] = {}
        self.inside = since_revision is None
        self.since_revision = since_revision
        self.commits = 0
        self.first: datetime.datetime | None = None  # of the reported events
        self.latest: datetime.datetime | None = None

    def take(self, event: AuditEvent) -> bool:
        """Follow an event; True when the report lists it."""
        self.last[(event.app, event.environment, event.resource, event.container)] = event
        options = self.options
        recent = options.since is None or event.time >= options.since
        if self.inside and recent and options.wants(event):
            if self.first is None:
                self.first = event.time
            self.latest = event.time
            return True
        return False

    def passed(self, sha: str) -> None:
        if sha == self.since_revision:
            self.inside = True


def replay(
    repo: GitRepository,
    today: Policy,
    options: AuditOptions,
    progress: Callable[[int], None] | None = None,
    policy_bytes: bytes | None = None,
    mode: ReplayMode = FAST,
) -> Audit:
    """Replay the first-parent history of ``options.head`` into an audit (events kept)."""
    stream = stream_audit(repo, today, options, progress, policy_bytes, mode)
    return stream.audit(list(stream))


def stream_audit(
    repo: GitRepository,
    today: Policy,
    options: AuditOptions,
    progress: Callable[[int], None] | None = None,
    policy_bytes: bytes | None = None,
    mode: ReplayMode = FAST,
) -> AuditStream:
    """Replay the first-parent history of ``options.head``, its events as they come.

    Steps come from the history cache where it has them (``.git/gitops-guard/``), and so
    do their judged events when judged by the policy in force (the default): a warm run
    reads those and judges only new commits. The state at the end is rebuilt from the
    events, so a cached run parses nothing.
    """
    events = _audit_events(repo, today, options, progress, policy_bytes, mode)
    return AuditStream(events, today)


def _audit_events(
    repo: GitRepository,
    today: Policy,
    options: AuditOptions,
    progress: Callable[[int], None] | None,
    policy_bytes: bytes | None,
    mode: ReplayMode,
) -> Generator[AuditEvent, None, AuditEnd]:
    head = repo.resolve(options.head)
    since_revision = repo.resolve(options.since_revision) if options.since_revision else None
    until_revision = repo.resolve(options.until_revision) if options.until_revision else None
    runner = Replay(repo, today, policy_bytes, head, mode)
    policies = PolicyHistory(repo, today, options.replay_current)
    ledger = Ledger()
    collected = _Collector(options, since_revision)
    stopped = False
    try:
        runner.prepare()
        cache = runner.cache if not options.replay_current else None
        state = cache.judged_state() if cache is not None else {}
        judged = min(int(state.get("upto", 0)), runner.count)
        if cache is not None and judged:
            if judged < len(runner.chain):  # new commits will be judged against it
                ledger.restore(state.get("ledger", {}))
            policies.resume(state.get("policy"))
            stopped = yield from _read_judged(
                cache, judged, runner.chain, collected, until_revision, progress
            )
        if not stopped:
            yield from _replay_steps(
                runner, judged, cache, ledger, policies, collected, until_revision, progress
            )
    finally:
        runner.close()
    running = _running(collected.last, options, list(today.environments))
    start = options.since or collected.first
    end = options.until or collected.latest
    return AuditEnd(running, head, collected.commits, start, end, policies.notes)


def _read_judged(
    cache: Any,
    count: int,
    chain: list[str],
    collected: _Collector,
    until_revision: str | None,
    progress: Callable[[int], None] | None,
) -> Generator[AuditEvent, None, bool]:
    """The judged events of the first ``count`` steps; returns True when the period ended."""
    until = collected.options.until
    revisions = collected.since_revision is not None or until_revision is not None
    build, take = AuditEvent.from_record, collected.take  # a warm report's hottest loop
    for seq, (time, records) in enumerate(cache.judged(count)):
        if until is not None and datetime.datetime.fromisoformat(time) > until:
            return True
        collected.commits += 1
        if progress is not None and collected.commits % 500 == 0:
            progress(collected.commits)
        for record in records:
            event = build(record)
            if take(event):
                yield event
        if revisions:
            collected.passed(chain[seq])
            if chain[seq] == until_revision:
                return True
    return False


def _replay_steps(
    runner: Any,
    skip: int,
    cache: Any,
    ledger: Ledger,
    policies: PolicyHistory,
    collected: _Collector,
    until_revision: str | None,
    progress: Callable[[int], None] | None,
) -> Generator[AuditEvent, None, bool]:
    """Judge the steps after ``skip``, yielding the reported events; store them when the
    whole history was judged. Returns True when the period ended before the head."""
    until = collected.options.until
    wall_clock = datetime.datetime.now(datetime.UTC)
    sequence = skip
    steps = runner.steps(skip=skip)
    rule_ctx: RuleContext | None = None
    try:
        for step in steps:
            commit = step.commit
            when = commit.committer.time
            if until is not None and when > until:
                return True
            collected.commits += 1
            if progress is not None and collected.commits % 500 == 0:
                progress(collected.commits)
            policy = policies.before(commit)
            if policy is None:
                # Before any policy existed: nothing is judged, what ran is still recorded.
                findings: dict[int, list[Finding]] = {i: [] for i in range(len(step.events))}
                rollbacks: set[int] = set()
                moment = Clock().moment(commit, ledger.floor)
                for event in step.events:
                    ledger.record(event, moment)
            else:
                if rule_ctx is None or rule_ctx.policy is not policy:
                    rule_ctx = RuleContext(policy)
                findings, rollbacks = judge(step, ledger, rule_ctx)
            # Nothing later on the chain counts as made before this commit (a child is
            # never older than its parent), dates in the future aside.
            ledger.passed(min(when, wall_clock))
            audited = [
                audit_event(event, findings[index], index in rollbacks)
                for index, event in enumerate(step.events)
            ]
            if len(commit.parents) > 1 and audited:
                audited = merged_sources(runner, commit, audited)
            for event in audited:
                if collected.take(event):
                    yield event
            policies.after(commit)
            added = ledger.take_added()
            if cache is not None:
                records = [e.to_record() for e in audited]
                cache.add_judged(sequence, when.isoformat(), records, added)
            sequence += 1
            collected.passed(commit.sha)
            if commit.sha == until_revision:
                return True
    finally:
        steps.close()
    if cache is not None and sequence > skip:
        # Only a replay that reached the head records its state: it is where the next
        # warm run resumes judging.
        cache.save_judged(sequence, {"ledger": ledger.dump(), "policy": policies.blob})
    return False


# How many commits of a merged branch are read for the `promote` trailers they carry.
_MERGED_DEPTH = 50


def merged_sources(runner: Any, commit: Commit, events: list[AuditEvent]) -> list[AuditEvent]:
    """Events of a merge, given the ``Promoted-From`` trailer of the promotion it merges.

    `promote --branch` writes the trailer in its commit, and a pull request merged with a
    merge commit lands it on the second parent's side, which a first-parent replay does
    not read. The merged commits (those of the second parents not on the first-parent
    chain, newest first, at most ``_MERGED_DEPTH``) are read through one persistent
    ``cat-file``; an event takes the trailer of the commit whose subject names its app and
    environment as promote writes it (``Promote api 1.4.0 -> 1.5.0 in prod``), else of the
    newest one that carries it. A merge that carries the trailer itself keeps its own.
    """
    if all(event.promoted_from is not None for event in events):
        return events
    found = _merged_promotions(runner, commit)
    if not found:
        return events
    result = []
    for event in events:
        if event.promoted_from is None:
            named = [
                value
                for subject, value in found
                if f" {event.app} " in f" {subject} "
                and subject.endswith(f" in {event.environment}")
            ]
            value = named[0] if named else found[0][1]
            event = replace(event, trailers=(*event.trailers, (PROMOTED_FROM_KEY, value)))
        result.append(event)
    return result


def _merged_promotions(runner: Any, commit: Commit) -> list[tuple[str, str]]:
    """(subject, Promoted-From value) of each merged commit that carries the trailer."""
    chain = runner.chain_set()
    batch = runner.object_batch()
    pending = list(commit.parents[1:])
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    while pending and len(seen) < _MERGED_DEPTH:
        sha = pending.pop(0)
        if sha in seen or sha in chain:
            continue
        seen.add(sha)
        data = batch.fetch([sha]).get(sha)
        if data is None:
            continue
        header, _sep, message = data.decode("utf-8", "replace").partition("\n\n")
        pending += [line.split()[1] for line in header.splitlines() if line.startswith("parent ")]
        value = _trailer(message, PROMOTED_FROM_KEY)
        if value is not None:
            found.append((message.split("\n", 1)[0].strip(), value))
    return found


def _trailer(message: str, key: str) -> str | None:
    """The last value of a trailer of a commit message (as `Commit.trailers` reads them)."""
    person = Person("", "", datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC))
    return Commit("", (), person, person, message, None).trailers().get(key)


def _running(
    last: dict[tuple[str | None, ...], AuditEvent],
    options: AuditOptions,
    order: list[str],
) -> list[Running]:
    """What ran at the end of the period: the last event of every key, unless a removal."""
    running = []
    for event in last.values():
        if event.environment is None or event.change == "removed" or not options.wants(event):
            continue
        running.append(
            Running(
                event.app,
                event.environment,
                event.container,
                event.image,
                event.to_version,
                event.to_reference or event.image,
                event.time,
                event.commit,
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


def ledger_at(
    repo: GitRepository,
    today: Policy,
    head: str,
    policy_bytes: bytes | None = None,
    mode: ReplayMode = FAST,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Where and since when every version ran, after the first-parent chain of ``head``.

    The ledger the audit keeps (what ``report`` and ``check`` read from the history
    cache): a warm cache that judged the whole chain answers without replaying or
    reading any event; otherwise the steps the cache has not judged are judged as a
    report judges them (and stored, so the next run is warm), their events discarded.
    """
    if mode.use_cache:
        # The head's place in the cached chain stands for its whole first-parent chain (as
        # check finds its base): no chain is listed when the judged state covers it.
        found = open_cache(repo.git_dir, policy_bytes)
        if found is not None:
            try:
                position = found.position(head)
                known = found.ledger_at(position) if position is not None else None
            finally:
                found.close()
            if known is not None:
                return known
    runner = Replay(repo, today, policy_bytes, head, mode)
    try:
        runner.prepare()
        cache = runner.cache
        state = cache.judged_state() if cache is not None else {}
        upto = int(state.get("upto", 0))
        ledger = Ledger()
        policies = PolicyHistory(repo, today, replay_current=False)
        judged = min(upto, runner.count)
        if cache is not None and judged:
            ledger.restore(state.get("ledger", {}))
            policies.resume(state.get("policy"))
        collected = _Collector(AuditOptions(head=head), None)
        steps = _replay_steps(runner, judged, cache, ledger, policies, collected, None, progress)
        for _event in steps:
            pass
        return ledger
    finally:
        runner.close()
