"""`plan`: what may be promoted next, and what holds the rest back.

For every image use of an environment that has a ``from:`` environment, the candidate is
the version its counterpart runs in the ``from`` environment now. Each candidate is
judged as ``check --base HEAD`` would judge the commit that promotes it, made now by a
person, signed, through a pull request: the same ledger (the history cache's, as
``report`` and ``check`` read it), the same promotion and commit rules over the event
that commit would make (:func:`gitops_guard.engine.promotion.judge_step`), the image
rules on the reference it would write, and the supply-chain gates where the policy asks
for them. Nothing is written; the ledger is put back after each judgement.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_guard.audit.build import check_selection, today_policy
from gitops_guard.audit.replay import ledger_at
from gitops_guard.engine.promotion import judge_step
from gitops_guard.engine.run import effective_severity, image_findings
from gitops_guard.history.ledger import (
    Clock,
    Ledger,
    PromotionContext,
)
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.history.steps import (
    History,
    PromotionEvent,
    StateKey,
    Step,
    classify,
    is_bot,
    version_of,
)
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Commit, Finding, ImageUse, Person, Severity
from gitops_guard.policy.model import EnvironmentPolicy, Policy
from gitops_guard.repo.git import GitRepository
from gitops_guard.rules.base import RuleContext
from gitops_guard.rules.registry import rule_with_id

READY = "ready"
BLOCKED = "blocked"
UP_TO_DATE = "up to date"
NO_CANDIDATE = "no candidate"

# Whether the supply-chain gates let the candidate through (only where the policy asks).
NOT_ASKED = "not asked"
PASSED = "passed"
NOT_CHECKED = "not checked"
FAILED = "failed"

# Who the plan assumes makes the promotion: a person (bot limits do not apply).
PLANNER = ("gitops-guard plan", "plan@gitops-guard.invalid")
UNSUPPLY = "GG506"  # the gate that reports "not checked"


@dataclass(frozen=True, slots=True)
class Reason:
    """A finding the promotion would get: a blocker at error level, else a warning."""

    rule: str
    name: str
    severity: str
    message: str
    hint: str | None


@dataclass
class PlanRow:
    """One (app, environment, resource, container) and the candidate from its ``from``."""

    app: str | None
    environment: str
    from_environment: str
    resource: str | None
    container: str | None
    image: str  # the familiar name of the repository
    path: str  # the line a promotion changes
    line: int
    running: str | None  # the version (tag, else digest) running now
    running_reference: str | None
    running_display: str | None  # ``1.4.2@sha256:4f4f4f4f…``: short enough for a table
    candidate: str | None  # None: the from environment runs no counterpart
    candidate_reference: str | None
    change: str  # patch, minor, ..., or "up to date" / "no candidate"
    verdict: str = READY
    candidate_display: str | None = None
    # Since when the candidate runs without a break in the from environment (GG304's
    # residence), and since when it first ran there (GG303).
    residence_since: datetime.datetime | None = None
    first_ran: datetime.datetime | None = None
    soaked: datetime.timedelta | None = None
    soak_required: datetime.timedelta | None = None
    soak_left: datetime.timedelta | None = None
    ready_at: datetime.datetime | None = None
    frozen_reason: str | None = None
    frozen_until: str | None = None  # as GG309 words it (with the zone of a recurring one)
    frozen_until_time: datetime.datetime | None = None
    rollback_needed: bool = False  # a downgrade: only a rollback (the trailer) lands it
    rollback_possible: bool = False  # the candidate ran in this environment before
    supply_chain: str = NOT_ASKED
    blockers: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where a bot could not make this change (GG301): the plan's promotion is a person's.
    bot_limit: str | None = None
    # A newer version further up the chain (dev's, for prod) that has not reached the from
    # environment yet, judged as a promotion straight into this one (GG303 says why not).
    upstream: PlanRow | None = None

    @property
    def rules(self) -> list[str]:
        """The ids of the rules that block it, sorted, once each."""
        return sorted({reason.rule for reason in self.blockers})


@dataclass
class Plan:
    """Every row, the moment it was judged at, and the revision it starts from."""

    rows: list[PlanRow]
    head: str
    now: datetime.datetime
    offline: bool
    policy: Policy
    notes: list[str] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for row in self.rows if row.verdict == verdict)


@dataclass
class PlanOptions:
    """Which rows to compute, and at which moment."""

    environments: frozenset[str] = frozenset()
    apps: frozenset[str] = frozenset()
    head: str = "HEAD"
    now: datetime.datetime | None = None
    offline: bool = False


def build_plan(
    path: Path,
    options: PlanOptions,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> Plan:
    """The plan of the repository at ``path``: open it, read the ledger, judge candidates."""
    repo = GitRepository(path)
    policy, policy_bytes, notes = today_policy(repo, options.head)
    check_selection(repo, policy, options.head, options.environments, options.apps)
    head = repo.resolve(options.head)
    ledger = ledger_at(repo, policy, head, policy_bytes, mode, progress)
    history = History(repo, policy, start=head)
    now = options.now if options.now is not None else datetime.datetime.now(datetime.UTC)
    rows = plan_rows(repo, policy, history, ledger, head, now, options)
    return Plan(rows, head, now, options.offline, policy, notes)


@dataclass
class Judge:
    """What judging a promotion from the head needs: the ledger at the head (with what runs
    there now), the head's state and the clock, as :func:`plan_rows` sets them up."""

    repo: GitRepository
    policy: Policy
    history: History
    ledger: Ledger
    head: str
    now: datetime.datetime
    notes: list[str]

    def state(self) -> dict[StateKey, ImageUse]:
        """Which line sets each image at the head, by state key."""
        return self.history.state

    def candidate(self, key: StateKey) -> PlanRow:
        """The plan's row of one state key (its ``from`` environment must be set)."""
        current = self.history.state[key]
        env = self.policy.environment(key[1])
        assert env is not None
        return _row(key, current, env, self.ledger)[0]

    def judge(
        self,
        key: StateKey,
        new_ref: ImageRef,
        message: str,
        *,
        offline: bool,
        signed: bool = True,
        who: tuple[str, str] = PLANNER,
    ) -> PlanRow:
        """The row of promoting ``key`` to ``new_ref`` with the commit message ``message``
        (its trailers count: a rollback's) in a commit signed or not, by ``who`` (name,
        e-mail), judged as :func:`plan_rows` judges a candidate; the ledger is put back."""
        current = self.history.state[key]
        env = self.policy.environment(key[1])
        assert env is not None
        assert env.from_environment is not None
        assert current.reference is not None
        row, _new = _row(key, current, env, self.ledger)
        row.candidate = version_of(new_ref)
        row.candidate_reference = new_ref.familiar()
        row.candidate_display = short_version(new_ref)
        row.change = classify(current.reference, new_ref) or UP_TO_DATE
        row.notes.clear()
        if row.change == UP_TO_DATE:
            row.verdict = UP_TO_DATE
            return row
        new = replace(current, raw=str(new_ref), reference=new_ref)
        ctx = PromotionContext(self.policy, self.ledger, direct=False, clock=Clock(now=self.now))
        rule_ctx = RuleContext(self.policy, self.now.date())
        _judge(
            row, key, current, new, env, ctx, rule_ctx, self.head, self.now, message, signed, who
        )
        _supply(self.policy, self.repo, self.history, [(row, new)], offline, self.now)
        row.verdict = BLOCKED if row.blockers else READY
        return row


def open_judge(
    path: Path,
    head: str = "HEAD",
    now: datetime.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> Judge:
    """Open the repository at ``path`` for judging promotions from ``head`` (the ledger
    is the history cache's, as the plan's)."""
    repo = GitRepository(path)
    policy, policy_bytes, notes = today_policy(repo, head)
    sha = repo.resolve(head)
    ledger = ledger_at(repo, policy, sha, policy_bytes, mode, progress)
    history = History(repo, policy, start=sha)
    moment = now if now is not None else datetime.datetime.now(datetime.UTC)
    _set_running(ledger, history.state)
    return Judge(repo, policy, history, ledger, sha, moment, notes)


def _set_running(ledger: Ledger, state: dict[StateKey, ImageUse]) -> None:
    # What runs at the head is the head's tree (as check sets it from its base).
    ledger.running = {
        key: str(use.reference) if use.reference is not None else use.raw
        for key, use in state.items()
    }
    ledger.take_added()


def plan_rows(
    repo: GitRepository,
    policy: Policy,
    history: History,
    ledger: Ledger,
    head: str,
    now: datetime.datetime,
    options: PlanOptions,
) -> list[PlanRow]:
    """Judge every candidate of the head's state against the ledger (put back after each)."""
    state = history.state
    _set_running(ledger, state)
    ctx = PromotionContext(policy, ledger, direct=False, clock=Clock(now=now))
    rule_ctx = RuleContext(policy, now.date())
    order = {name: index for index, name in enumerate(policy.environments)}
    rows: list[PlanRow] = []
    promoted: list[tuple[PlanRow, ImageUse]] = []
    for key in sorted(state, key=lambda k: (order.get(k[1] or "", len(order)), _text(k))):
        app, environment = key[0], key[1]
        env = policy.environment(environment)
        if env is None or env.from_environment is None or environment is None:
            continue
        if options.environments and environment not in options.environments:
            continue
        if options.apps and app not in options.apps:
            continue
        current = state[key]
        if current.reference is None:
            continue  # an unreadable reference: validate reports it, nothing to promote
        row, new = _row(key, current, env, ledger)
        rows.append(row)
        upstream = _upstream(policy, key, current, env, ledger, ctx, rule_ctx, head, now)
        if upstream is not None:
            row.upstream = upstream[0]
            promoted.append(upstream)
        if new is None:
            continue
        _judge(row, key, current, new, env, ctx, rule_ctx, head, now)
        promoted.append((row, new))
    _supply(policy, repo, history, promoted, options.offline, now)
    for row, _use in promoted:
        row.verdict = BLOCKED if row.blockers else READY
    return rows


def short_version(ref: ImageRef) -> str:
    """``1.4.2@sha256:4f4f4f4f…``: the version a promotion moves, as check's plan shows it."""
    version = ref.tag or ""
    if ref.digest:
        version += f"@{ref.digest[:15]}…"
    return version or ref.familiar()


def _text(key: StateKey) -> tuple[str, ...]:
    return tuple(part or "" for part in key)


def _row(
    key: StateKey, current: ImageUse, env: EnvironmentPolicy, ledger: Ledger
) -> tuple[PlanRow, ImageUse | None]:
    """The row of one use and the use the promotion would write (None: nothing to promote)."""
    assert current.reference is not None
    assert env.from_environment is not None
    ref = current.reference
    probe = _event(key, current, current, "tag", None)
    candidate, text = ledger.runs(probe, env.from_environment)
    row = PlanRow(
        app=key[0],
        environment=env.name,
        from_environment=env.from_environment,
        resource=current.resource,
        container=key[3],
        image=ref.familiar_name,
        path=current.location.path,
        line=current.location.line,
        running=version_of(ref),
        running_reference=ref.familiar(),
        running_display=short_version(ref),
        candidate=version_of(candidate) if candidate is not None else None,
        candidate_reference=candidate.familiar() if candidate is not None else text,
        change=NO_CANDIDATE,
        verdict=NO_CANDIDATE,
    )
    if candidate is None:
        row.notes.append(
            f"{env.from_environment} runs no {ref.familiar_name} for this app"
            if text is None
            else f"{env.from_environment} runs {text}, not a reference of {ref.familiar_name}"
        )
        return row, None
    kind = classify(ref, candidate)
    # The tag the from environment runs unpinned, pinned here: the same version (the
    # ledger counts it as having run); promoting it would only drop the pin.
    pinned_here = candidate.digest is None and ref.digest is not None and ref.tag == candidate.tag
    if kind is None or pinned_here:
        row.change = row.verdict = UP_TO_DATE
        return row, None
    row.change, row.verdict = kind, READY
    row.candidate_display = short_version(candidate)
    new = replace(current, raw=str(candidate), reference=candidate)
    return row, new


def _upstream(
    policy: Policy,
    key: StateKey,
    current: ImageUse,
    env: EnvironmentPolicy,
    ledger: Ledger,
    ctx: PromotionContext,
    rule_ctx: RuleContext,
    head: str,
    now: datetime.datetime,
) -> tuple[PlanRow, ImageUse] | None:
    """The nearest environment up the chain that runs another version than the from
    environment, judged as if that version were promoted straight into ``env``."""
    assert current.reference is not None
    assert env.from_environment is not None
    probe = _event(key, current, current, "tag", None)
    near, _text = ledger.runs(probe, env.from_environment)
    if near is None:
        return None
    seen = {env.name, env.from_environment}
    above = policy.environment(env.from_environment)
    while above is not None and above.from_environment and above.from_environment not in seen:
        name = above.from_environment
        seen.add(name)
        far, _far_text = ledger.runs(probe, name)
        if far is not None and classify(near, far) is not None and classify(current.reference, far):
            pinned_same = far.digest is None and near.digest is not None and far.tag == near.tag
            if not pinned_same:
                row = PlanRow(
                    app=key[0],
                    environment=env.name,
                    from_environment=name,
                    resource=current.resource,
                    container=key[3],
                    image=far.familiar_name,
                    path=current.location.path,
                    line=current.location.line,
                    running=version_of(current.reference),
                    running_reference=current.reference.familiar(),
                    running_display=short_version(current.reference),
                    candidate=version_of(far),
                    candidate_reference=far.familiar(),
                    change=classify(current.reference, far) or "tag",
                    candidate_display=short_version(far),
                )
                new = replace(current, raw=str(far), reference=far)
                _judge(row, key, current, new, env, ctx, rule_ctx, head, now)
                row.notes.clear()
                row.bot_limit = None
                return row, new
        above = policy.environment(name)
    return None


def _event(
    key: StateKey,
    old: ImageUse,
    new: ImageUse,
    change: str,
    commit: Commit | None,
    bot: bool = False,
) -> PromotionEvent:
    return PromotionEvent(
        commit if commit is not None else _commit((), _moment()),
        key,
        old,
        new,
        change,
        bot=bot,
        pr=None,
        through_pr=True,
    )


def _moment() -> datetime.datetime:
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _commit(
    parents: tuple[str, ...],
    when: datetime.datetime,
    message: str = "",
    signed: bool = True,
    who: tuple[str, str] = PLANNER,
) -> Commit:
    """The commit a promotion would be: a person's (unless told whose), signed (unless
    told), made now (no id yet)."""
    person = Person(who[0], who[1], when)
    return Commit(
        "0" * 40, parents, person, person, message or "Promote", "ssh" if signed else None
    )


def _judge(
    row: PlanRow,
    key: StateKey,
    current: ImageUse,
    new: ImageUse,
    env: EnvironmentPolicy,
    ctx: PromotionContext,
    rule_ctx: RuleContext,
    head: str,
    now: datetime.datetime,
    message: str | None = None,
    signed: bool = True,
    who: tuple[str, str] = PLANNER,
) -> None:
    """The findings of the promotion's commit, by the rules `check` runs, and the figures.

    ``message`` is the commit's message (default: a plain "Promote ..." without trailers);
    ``signed`` whether the commit will be signed (the plan assumes it will); ``who`` its
    author and committer (the plan's: a person; one the policy's bots match is a bot's).
    """
    assert new.reference is not None
    assert env.from_environment is not None
    ref = new.reference
    ledger = ctx.ledger
    strict = row.change == "digest"
    if message is None:
        message = f"Promote {row.app or row.image} {row.candidate} to {env.name}"
    commit = _commit((head,), now, message, signed, who)
    event = _event(key, current, new, row.change, commit, is_bot(commit, ctx.policy.bots))
    row.first_ran = ledger.ran(key[0], env.from_environment, ref, strict=strict)
    row.residence_since = ledger.residence(event, env.from_environment, ref, strict=strict)
    when = ctx.moment(commit)
    if row.residence_since is not None:
        row.soaked = max(when - row.residence_since, datetime.timedelta(0))
    if env.soak_seconds:
        row.soak_required = datetime.timedelta(seconds=env.soak_seconds)
        if row.residence_since is not None and row.soaked is not None:
            row.soak_left = max(row.soak_required - row.soaked, datetime.timedelta(0))
            row.ready_at = row.residence_since + row.soak_required
    if row.ready_at is not None and row.soak_left:
        # The soak ends inside a freeze: the candidate waits for both.
        later = env.frozen_at(row.ready_at)
        if later is not None:
            row.notes.append(
                f"when the soak is over ({row.ready_at.isoformat(timespec='minutes')}), "
                f"{env.name} is frozen ({later.window.reason}) until {later.describe_until()}"
            )
    freeze = env.frozen_at(ctx.lands_at(commit))
    if freeze is not None:
        row.frozen_reason = freeze.window.reason
        row.frozen_until = freeze.describe_until()
        row.frozen_until_time = freeze.until
    if row.change == "downgrade":
        row.rollback_needed = True
        row.rollback_possible = ledger.ran(key[0], env.name, ref, strict=True) is not None
    found = _findings(Step(commit, [event], {}), ctx)
    found += image_findings([new], rule_ctx)
    _sort(row, found, ctx.policy)
    if env.automated_set and row.change not in env.automated:
        allowed = ", ".join(sorted(env.automated)) or "nothing"
        row.bot_limit = (
            f"a bot may not make this {row.change} change in {env.name} (automated: "
            f"{allowed}); bot limits do not apply to a person's promotion"
        )
    if env.require_signed_commits:
        row.notes.append(f"{env.name} requires the promotion's commit to be signed")
    if env.require_pr:
        row.notes.append(f"{env.name} requires the promotion to go through a pull request")
    if row.rollback_needed:
        row.notes.append(
            f"a downgrade lands only as a rollback: the trailer "
            f"`{ctx.policy.rollback_trailer}: <incident>`"
            + (
                f" (it ran in {env.name} before)"
                if row.rollback_possible
                else f", and {row.candidate} never ran in {env.name}, so not even then"
            )
        )


def _findings(step: Step, ctx: PromotionContext) -> list[Finding]:
    """The promotion and commit rules over one hypothetical step; the ledger is put back."""
    ledger = ctx.ledger
    floor = ledger.floor
    running = {event.key: ledger.running.get(event.key) for event in step.events}
    try:
        verdict = judge_step(step, ctx)
    finally:
        for entry_key, identity in ledger.take_added():
            ledger.forget(entry_key, identity)
        ledger.floor = floor
        for state_key, text in running.items():
            if text is None:
                ledger.running.pop(state_key, None)
            else:
                ledger.running[state_key] = text
    return [finding for pairs in verdict.findings.values() for _rule, finding in pairs]


def _stamped(policy: Policy, finding: Finding) -> Finding | None:
    """A finding at the severity the policy gives its rule (None: the rule is off), as
    the engine stamps it (a rule that picks its own severity, GG506, keeps it)."""
    module = rule_with_id(finding.rule)
    if module is None:
        return replace(finding, severity=finding.severity or Severity.ERROR)
    severity = effective_severity(policy, module)
    if severity is None:
        return None
    named = module.ID in policy.severity or module.NAME in policy.severity
    if finding.severity is not None and not named:
        return finding
    return replace(finding, severity=severity)


def _sort(row: PlanRow, findings: Iterable[Finding], policy: Policy) -> None:
    """Blockers (error level) and warnings, in the order the rules gave them, once each."""
    seen = {(r.rule, r.message) for r in (*row.blockers, *row.warnings)}
    for raw in findings:
        finding = _stamped(policy, raw)
        if finding is None or (finding.rule, finding.message) in seen:
            continue
        seen.add((finding.rule, finding.message))
        module = rule_with_id(finding.rule)
        reason = Reason(
            finding.rule,
            module.NAME if module is not None else finding.rule,
            finding.severity.value if finding.severity is not None else "error",
            finding.message,
            finding.hint,
        )
        if finding.severity is Severity.ERROR:
            row.blockers.append(reason)
        else:
            row.warnings.append(reason)


def _supply(
    policy: Policy,
    repo: GitRepository,
    history: History,
    promoted: list[tuple[PlanRow, ImageUse]],
    offline: bool,
    now: datetime.datetime,
) -> None:
    """The supply-chain gates over every candidate the policy gates, each image once (image
    ages, GG507, at the plan's now)."""
    supply_chain = policy.supply_chain
    gated = [(row, use) for row, use in promoted if supply_chain.gates_for(use.environment)]
    if not gated:
        return
    from gitops_guard.supply.gates import run_gates

    # Keys, the trusted root and the reports are read at the head, as check reads them at
    # its base.
    source = history.source
    found = run_gates(
        [use for _row, use in gated],
        policy,
        offline=offline,
        root=repo.root,
        read_trusted=source.read,
        source=source,
        now=now,
    )
    by_place: dict[tuple[str, int, int], list[Finding]] = {}
    for finding in found:
        where = finding.location
        by_place.setdefault((where.path, where.line, where.column), []).append(finding)
    for row, use in gated:
        where = use.location
        mine = [
            stamped
            for finding in by_place.get((where.path, where.line, where.column), [])
            if (stamped := _stamped(policy, finding)) is not None
        ]
        _sort(row, mine, policy)
        failing = {f.rule for f in mine if f.severity is Severity.ERROR} - {UNSUPPLY}
        if failing:
            row.supply_chain = FAILED
        elif any(f.rule == UNSUPPLY for f in mine):
            row.supply_chain = NOT_CHECKED
        else:
            row.supply_chain = PASSED
