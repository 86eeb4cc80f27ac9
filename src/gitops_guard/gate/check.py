"""`check --base --head`: validate what changed, and judge every commit against history.

Trust: the range is judged by the policy of ``base`` (the revision it is merged into),
never by a policy it brings along; a change to the policy file is reported as GG307
with what it loosens. History before ``base`` is replayed (first-parent, oldest
first) to learn where and since when each version ran; then each commit of the
range is applied in order and its events are judged before being recorded.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.engine.promotion import judge_step
from gitops_guard.engine.run import run_rules
from gitops_guard.engine.suppressions import InlineSuppression
from gitops_guard.errors import GitError
from gitops_guard.extract.inventory import extract
from gitops_guard.gate.result import CheckResult, PlannedChange
from gitops_guard.history.ledger import (
    Ledger,
    PromotionContext,
)
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.history.steps import (
    History,
    PromotionEvent,
    Step,
    classify,
)
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Commit, Finding, Location, Report
from gitops_guard.parse.loader import (
    load_yaml,
    location,
)
from gitops_guard.policy.diff import loosenings
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    POLICY_FILE,
    Policy,
)
from gitops_guard.repo.files import is_yaml_path
from gitops_guard.repo.git import GitRepository
from gitops_guard.repo.policy_source import policy_at
from gitops_guard.repo.tree import TreeSource
from gitops_guard.rules import gg307_policy_loosened


def signature_verifier(repo: GitRepository) -> Callable[[Commit], bool | None]:
    """Verify signatures the repository configures verification for; None for the others."""
    ssh_signers = repo.config("gpg.ssh.allowedSignersFile")
    home = Path(os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
    gpg_keyring = any((home / name).exists() for name in ("pubring.kbx", "pubring.gpg"))
    cache: dict[str, bool] = {}

    def verify(commit: Commit) -> bool | None:
        if commit.signature == "ssh" and not ssh_signers:
            return None
        if commit.signature in ("gpg", "x509") and not gpg_keyring:
            return None
        if commit.sha not in cache:
            cache[commit.sha] = repo.verify_commit(commit.sha)
        return cache[commit.sha]

    return verify


@dataclass
class Range:
    """What to judge: commits on top of ``base``, and the tree they end in."""

    base: str
    commits: Iterable[Commit]
    head: str
    head_tree: dict[str, str]
    head_policy: bytes | None
    head_links: dict[str, str] = field(default_factory=dict)  # symlink → target


def revision_range(repo: GitRepository, base_revision: str, head_revision: str) -> Range:
    """``base..head`` of the repository, commits oldest first."""
    base = repo.resolve(base_revision)
    head = repo.resolve(head_revision)
    commits = repo.log(["--reverse", "--topo-order", f"{base}..{head}"])
    files, links = repo.tree_entries(head)
    return Range(base, commits, head, files, repo.file_at(head, POLICY_FILE), links)


def staged_range(repo: GitRepository, message: str) -> Range:
    """The commit being made: HEAD plus the staged changes, with the message given."""
    base = repo.resolve("HEAD")
    index, links = repo.index_entries()
    changes = repo.staged_changes()
    author = repo.identity("GIT_AUTHOR_IDENT")
    committer = repo.identity("GIT_COMMITTER_IDENT")
    commit = Commit("0" * 40, (base,), author, committer, message, None, tuple(changes))
    policy_blob = index.get(POLICY_FILE)
    head_policy = repo.read_blob(policy_blob) if policy_blob else None
    return Range(base, [commit], "the staged changes", index, head_policy, links)


def run_check(
    repo: GitRepository,
    base_revision: str,
    head_revision: str = "HEAD",
    *,
    direct: bool = False,
    today: datetime.date | None = None,
    offline: bool = False,
    mode: ReplayMode = FAST,
) -> CheckResult:
    """Judge ``base..head``: static checks on changed files, promotion, commit and supply rules."""
    refuse_shallow(repo)
    selected = revision_range(repo, base_revision, head_revision)
    return judge(
        repo, selected, direct=direct, today=today, supply=True, offline=offline, mode=mode
    )


def refuse_shallow(repo: GitRepository) -> None:
    """Promotion rules need the history before the base; a shallow clone lacks it."""
    if repo.is_shallow():
        raise GitError(
            "this is a shallow clone: promotion history before the base is missing",
            hint="fetch the whole history: `git fetch --unshallow` "
            "(GitHub Actions: actions/checkout with fetch-depth: 0)",
        )


def judge(
    repo: GitRepository,
    selected: Range,
    *,
    direct: bool = False,
    today: datetime.date | None = None,
    supply: bool = False,
    offline: bool = False,
    base_policy: tuple[Policy, bytes | None] | None = None,
    mode: ReplayMode = FAST,
) -> CheckResult:
    """Judge a range by the policy of its base (with the supply-chain gates when ``supply``).

    ``base_policy`` is that policy and its bytes when the caller has read them already.
    """
    base = selected.base
    policy, base_policy_bytes = base_policy or policy_at(repo, base)

    history = History(repo, policy, start=base)
    base_blobs = dict(history.source.blobs)  # the base's tree, before the range moves it
    steps = list(history.apply_all(selected.commits))
    ledger = ledger_before(repo, policy, base_policy_bytes, base, history, steps, mode)
    ctx = PromotionContext(policy, ledger, direct=direct, verify_signature=signature_verifier(repo))

    findings: list[Finding] = []
    events: list[PromotionEvent] = []
    rolled_back: set[int] = set()
    changed: set[str] = set()
    for step in steps:
        changed.update(change.path for change in step.commit.changes)
        verdict = judge_step(step, ctx)
        for index in sorted(verdict.findings):
            findings.extend(finding for _rule, finding in verdict.findings[index])
        rolled_back.update(id(step.events[index]) for index in verdict.rollbacks)
        events.extend(step.events)

    head_policy_bytes = selected.head_policy
    if head_policy_bytes != base_policy_bytes and head_policy_bytes is not None:
        findings.extend(_policy_change(policy, head_policy_bytes))

    source = TreeSource(repo, dict(selected.head_tree), selected.head_links)
    paths = sorted(p for p in changed if is_yaml_path(p) and source.is_file(p))
    inventory = extract(source, policy, paths)
    base_source = TreeSource(repo, base_blobs)
    if supply:
        from gitops_guard.supply.gates import supply_findings

        # Keys and the trusted root are read at the base: a change cannot bring its own key.
        findings.extend(
            supply_findings(
                inventory,
                policy,
                repo.root,
                offline=offline,
                source=source,
                read_trusted=base_source.read,
            )
        )

    def suppression_allowed(finding: Finding, suppression: InlineSuppression) -> bool:
        env = policy.environment(finding.environment)
        if env is None or env.allow_suppressions:
            return True
        # Where suppressions are not allowed, only those the base already had still count.
        path = suppression.location.path
        if not base_source.is_file(path):
            return False
        base_lines = base_source.read(path).decode("utf-8", "replace").splitlines()
        text = inventory.parsed[path].lines[suppression.location.line - 1]
        return text in base_lines

    report = run_rules(
        inventory, policy, today=today, extra=findings, suppressions_allowed=suppression_allowed
    )
    plan = _plan(events, report, rolled_back)
    return CheckResult(report, plan, base, selected.head, len(steps), events)


def ledger_before(
    repo: GitRepository,
    policy: Policy,
    policy_bytes: bytes | None,
    base: str,
    history: History,
    steps: list[Step],
    mode: ReplayMode = FAST,
) -> Ledger:
    """Where and since when versions ran before ``base``: what the range is judged against.

    From the history cache when it holds the whole first-parent chain of the base;
    otherwise by replaying only the commits that touch the files of the apps and
    environments the range changes (and the environments they come from) — on a large
    repository that is a few hundred commits instead of tens of thousands.
    """
    from gitops_guard.history.store import open_cache

    ledger = Ledger()
    cache = open_cache(repo.git_dir, policy_bytes) if mode.use_cache else None
    if cache is not None:
        try:
            # The base's place in the cached chain stands for its whole first-parent chain.
            position = cache.position(base)
            if position is not None:
                # From the ledger a report left (minus what came after the base), else
                # from every cached step up to the base.
                known = cache.ledger_at(position)
                if known is not None:
                    return known
                for step in cache.steps(position + 1):
                    for event in step.events:
                        ledger.record(event)
                return ledger
        finally:
            cache.close()
    paths = relevant_paths(policy, history, steps)
    if not paths:
        return ledger
    partial = History(repo, policy, linear=True)
    for step in partial.apply_all(repo.log(["--first-parent", "--reverse", base], paths)):
        for event in step.events:
            ledger.record(event)
    return ledger


def relevant_paths(policy: Policy, history: History, steps: list[Step]) -> list[str]:
    """The files that decide the images of the apps and environments the steps change."""
    # What the rules look up: where a promoted version ran before (the from-environment,
    # for GG303/GG304) and, for a downgrade, whether it ran in its own environment before
    # (a rollback). Nothing else of the past matters to a range.
    targets: set[tuple[str | None, str | None]] = set()
    for step in steps:
        for event in step.events:
            if event.environment is None:
                continue  # an app may be unnamed (a layout without {app}), not its environment
            if event.change == "downgrade":
                targets.add((event.app, event.environment))
            env = policy.environment(event.environment)
            if env is not None and env.from_environment:
                targets.add((event.app, env.from_environment))
    paths: set[str] = set()
    for unit in history.extraction.units.values():
        if any((use.app, use.environment) in targets for use in unit.uses):
            paths |= unit.reads
    return sorted(paths)


def _policy_change(policy: Policy, head_bytes: bytes) -> list[Finding]:
    """GG307 for what the range's own policy file loosens (judged by the base's)."""
    display = POLICY_FILE
    loaded = load_yaml(display, head_bytes)
    try:
        new_policy = parse_policy(head_bytes, display)
    except Exception as exc:  # the new policy does not even load
        message = getattr(exc, "message", str(exc))
        return [
            Finding(
                gg307_policy_loosened.ID,
                f"the range changes {display} into a policy that does not load: {message}",
                Location(display),
                hint="fix the policy file; the range is judged by the base's policy meanwhile",
            )
        ]
    found = loosenings(policy.data, new_policy.data)
    root = loaded.documents[0].root if loaded.documents else None
    results = []
    from gitops_guard.policy.load import node_at

    for path, description in found:
        where = location(display, node_at(root, path)) if root is not None else Location(display)
        results.append(
            Finding(
                gg307_policy_loosened.ID,
                f"the range changes {display}: it {description}; this change is judged by "
                "the base's policy",
                where,
                hint="have the policy change reviewed on its own, separately from promotions",
                detail=description,
            )
        )
    return results


def short_version(ref: ImageRef) -> str:
    """``1.4.2@sha256:4f4f4f4f…`` — the version a promotion moves, short enough for a table."""
    version = ref.tag or ""
    if ref.digest:
        version += f"@{ref.digest[:15]}…"
    return version or ref.familiar()


def _plan(
    events: list[PromotionEvent], report: Report, rolled_back: set[int]
) -> list[PlannedChange]:
    """Collapse the range's events per image use: first old → last new, with verdicts."""
    blocking: dict[tuple[str | None, str | None, str | None], list[str]] = {}
    for finding in report.findings:
        if finding.severity is not None and finding.severity.value == "error":
            blocking.setdefault((finding.app, finding.environment, finding.container), []).append(
                finding.rule
            )
    rows: dict[tuple[object, ...], PlannedChange] = {}
    firsts: dict[tuple[object, ...], PromotionEvent] = {}
    for event in events:
        firsts.setdefault(event.key, event)
        first = firsts[event.key]
        old, new = first.old_ref, event.new_ref
        change = classify(old, new) or "unchanged"
        either = new or old
        image = either.familiar_name if either is not None else event.use.raw
        row = rows.get(event.key)
        if row is None:
            row = rows[event.key] = PlannedChange(
                event.app, event.environment, event.container, image, None, None, change
            )
        row.old = short_version(old) if old else (first.old.raw if first.old else None)
        row.new = short_version(new) if new else (event.new.raw if event.new else None)
        row.change = change
        author = event.commit.author.name
        if author not in row.authors:
            row.authors.append(author)
        row.bot = row.bot or event.bot
        row.rollback = row.rollback or id(event) in rolled_back
        row.rules = blocking.get((event.app, event.environment, event.container), [])
    return list(rows.values())
