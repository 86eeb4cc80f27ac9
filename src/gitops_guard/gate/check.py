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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_guard.engine.baseline import Key, parse_baseline
from gitops_guard.engine.promotion import judge_step
from gitops_guard.engine.run import run_rules
from gitops_guard.engine.suppressions import InlineSuppression
from gitops_guard.errors import GitError, GuardError, InputError
from gitops_guard.extract.inventory import extract
from gitops_guard.gate.result import CheckResult, PlannedChange
from gitops_guard.history.ledger import (
    Clock,
    Ledger,
    PromotionContext,
    order_bounds,
)
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.history.steps import (
    History,
    PromotionEvent,
    Step,
    classify,
)
from gitops_guard.imageref import ImageRef
from gitops_guard.model import (
    Commit,
    FileChange,
    Finding,
    Location,
    Report,
    Severity,
    printable,
)
from gitops_guard.parse.loader import (
    load_yaml,
    location,
)
from gitops_guard.policy.diff import loosenings
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    POLICY_FILE,
    POLICY_FILES,
    Policy,
    default_policy,
)
from gitops_guard.repo.files import is_manifest_path
from gitops_guard.repo.git import GitRepository, landing_chain
from gitops_guard.repo.policy_source import policy_at, policy_blob_in, policy_file_at
from gitops_guard.repo.tree import TreeSource
from gitops_guard.rules import gg307_policy_loosened, gg308_history_rewritten
from gitops_guard.words import count


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

    base: str | None  # None: the empty tree (the first push into an empty repository)
    commits: Iterable[Commit]
    head: str
    head_tree: dict[str, str]
    head_policy: bytes | None
    # The update as one step (old tip → new tip), judged when the commits do not simply
    # continue the base on its first-parent chain; ``rewritten`` says how they do not.
    net: Commit | None = None
    rewritten: str | None = None
    ref: str | None = None
    head_links: dict[str, str] = field(default_factory=dict)  # symlink → target
    policy_file: str = POLICY_FILE  # the name the head's policy has (.yaml or .yml)


def revision_range(repo: GitRepository, base_revision: str, head_revision: str) -> Range:
    """``base..head`` of the repository, commits oldest first.

    A head that is an ancestor of the base (``--base HEAD --head HEAD~2``) is a reversed
    range: it would judge nothing and pass, so it is an error.
    """
    base = repo.resolve(base_revision)
    head = repo.resolve(head_revision)
    refuse_reversed(repo, base, head, base_revision, head_revision)
    commits = repo.log(["--reverse", "--topo-order", f"{base}..{head}"])
    files, links = repo.tree_entries(head)
    name, text = _policy_of(repo, head)
    return Range(base, commits, head, files, text, head_links=links, policy_file=name)


def _policy_of(repo: GitRepository, revision: str) -> tuple[str, bytes | None]:
    """The policy file's name and bytes at a revision (the usual name when it has none)."""
    found = policy_file_at(repo, revision)
    return found if found is not None else (POLICY_FILE, None)


def update_range(repo: GitRepository, base: str | None, head: str, ref: str | None = None) -> Range:
    """A protected ref moving from ``base`` (None: it had nothing) to ``head``.

    What lands is the first-parent chain of ``head`` above ``base``, in order, each merge
    with the commits it brings (one ``git log`` of every new commit). When that chain
    does not continue ``base`` (a force push, an orphan history, a merge made from the
    other side), the update is a rewrite: its net change is judged as one step too.
    """
    # A first push has no history the server judged: its tree is judged as one step.
    chain = (
        landing_chain(list(repo.log(["--reverse", "--topo-order", head, f"^{base}"])), head)
        if base is not None
        else []
    )
    rewritten: str | None = None
    net: Commit | None = None
    if base is not None and head != base:
        first = chain[0].parents[:1] if chain else ()
        if not chain:
            rewritten = f"moves back to {head[:12]}, a commit it already had"
        elif first != (base,):
            rewritten = f"gets {head[:12]}, whose first-parent chain does not continue {base[:12]}"
    if base is None or rewritten is not None:
        tip = repo.commit(head)
        changes = (
            repo.tree_diff(base, head)
            if base is not None
            else tuple(
                FileChange(path, None, blob) for path, blob in sorted(repo.tree(head).items())
            )
        )
        net = replace(
            tip,
            parents=(base,) if base is not None else (),
            changes=tuple(changes),
            merged=tuple(chain) if rewritten is not None else (),
        )
    files, links = repo.tree_entries(head)
    name, text = _policy_of(repo, head)
    return Range(
        base,
        chain,
        head,
        files,
        text,
        net=net,
        rewritten=rewritten,
        ref=ref,
        head_links=links,
        policy_file=name,
    )


def staged_range(repo: GitRepository, message: str) -> Range:
    """The commit being made: HEAD plus the staged changes, with the message given."""
    base = repo.resolve("HEAD")
    index, links = repo.index_entries()
    changes = repo.staged_changes()
    author = repo.identity("GIT_AUTHOR_IDENT")
    committer = repo.identity("GIT_COMMITTER_IDENT")
    commit = Commit("0" * 40, (base,), author, committer, message, None, tuple(changes))
    found = policy_blob_in(index, "the staged changes")
    name, head_policy = (found[0], repo.read_blob(found[1])) if found else (POLICY_FILE, None)
    return Range(
        base, [commit], "the staged changes", index, head_policy, head_links=links, policy_file=name
    )


def run_check(
    repo: GitRepository,
    base_revision: str,
    head_revision: str = "HEAD",
    *,
    direct: bool = False,
    today: datetime.date | None = None,
    offline: bool = False,
    mode: ReplayMode = FAST,
    baseline: str | None = None,
    now: datetime.datetime | None = None,
) -> CheckResult:
    """Judge ``base..head``: static checks on changed files, promotion, commit and supply rules.

    ``baseline``: a baseline file (repository path) to use instead of the one the base's
    policy names; either way it is read at the base.

    ``now``: the moment the check counts as run (default: the wall clock), see :func:`judge`.

    ``direct``: the range is pushed straight to a protected branch; it is then judged as
    the server's hook judges an update (its first-parent chain, a rewrite refused).
    """
    refuse_shallow(repo)
    if direct:
        base = repo.resolve(base_revision)
        selected = update_range(repo, base, repo.resolve(head_revision))
    else:
        selected = revision_range(repo, base_revision, head_revision)
    return judge(
        repo,
        selected,
        direct=direct,
        today=today,
        supply=True,
        offline=offline,
        mode=mode,
        baseline=baseline,
        now=now,
    )


def refuse_reversed(
    repo: GitRepository, base: str, head: str, base_revision: str, head_revision: str
) -> None:
    """A head behind its base judges nothing: say so instead of passing."""
    if base != head and repo.is_ancestor(head, base):
        raise GitError(
            f"the range is reversed: --head {head_revision} is behind --base {base_revision}",
            hint="--base is the revision the change is merged into, --head the change",
        )


def refuse_shallow(repo: GitRepository) -> None:
    """Promotion rules need the history before the base; a shallow clone lacks it."""
    repo.refuse_shallow()


def judge(
    repo: GitRepository,
    selected: Range,
    *,
    direct: bool = False,
    today: datetime.date | None = None,
    supply: bool = False,
    offline: bool = False,
    base_policy: tuple[Policy, bytes | None] | None = None,
    landing: bool = False,
    mode: ReplayMode = FAST,
    baseline: str | None = None,
    now: datetime.datetime | None = None,
) -> CheckResult:
    """Judge a range by the policy of its base (with the supply-chain gates when ``supply``).

    The baseline (``baseline``, else the one the base's policy names) is read at the base:
    a change cannot bring the entries that would hide its own findings.

    ``base_policy`` is that policy and its bytes when the caller has read them already.
    ``landing``: the range lands now (the server's pre-receive): its commits count as
    made now, whatever dates they carry.

    ``now``: when the judgement is made (default: the wall clock, never a commit's date,
    which its author writes): freeze windows (GG309) are in effect or not at that moment,
    no commit counts as made after it, and a landing range lands then.
    """
    base = selected.base
    if base_policy is not None:
        policy, base_policy_bytes = base_policy
    elif base is not None:
        policy, base_policy_bytes = policy_at(repo, base)
    else:
        policy, base_policy_bytes = default_policy(), None

    history = History(repo, policy, start=base)
    if base is not None:
        # Without `repositories:`, this repository is what the base's Applications (and
        # the remotes) name: a fork's URL brought by the range is another repository.
        history.extraction.anchor_repositories(repo.remote_urls())
    base_blobs = dict(history.source.blobs)  # the base's tree, before the range moves it
    merge_key = None
    if policy.merge_key_file is not None:
        from gitops_guard.gate.merge_signatures import merge_key_at_base

        merge_key = merge_key_at_base(repo, policy.merge_key_file, base_blobs, base)
        history.merge_proof = merge_key.signed
    order = ChainOrder(repo, selected.head, base)
    try:
        return _judge(
            repo,
            selected,
            policy,
            base_policy_bytes,
            history,
            base_blobs,
            order,
            direct=direct,
            today=today,
            supply=supply,
            offline=offline,
            landing=landing,
            mode=mode,
            baseline=baseline,
            now=now,
        )
    finally:
        order.close()
        if merge_key is not None:
            merge_key.close()


def _judge(
    repo: GitRepository,
    selected: Range,
    policy: Policy,
    base_policy_bytes: bytes | None,
    history: History,
    base_blobs: dict[str, str],
    order: Mapping[str, datetime.datetime],
    *,
    direct: bool,
    today: datetime.date | None,
    supply: bool,
    offline: bool,
    landing: bool,
    mode: ReplayMode,
    baseline: str | None,
    now: datetime.datetime | None,
) -> CheckResult:
    base = selected.base
    base_state = dict(history.state)
    now = now if now is not None else datetime.datetime.now(datetime.UTC)
    clock = Clock(
        now=now,
        received=received_times(repo, base),
        landing=now if landing else None,
        order=order,
    )
    # A rewrite's net change is judged first, against what ran before the update: the
    # commits it brings are not a history the ref had.
    net_step = history.apply(selected.net) if selected.net is not None else None
    steps = list(history.apply_all(selected.commits))
    everything = [net_step, *steps] if net_step is not None else steps
    ledger = (
        ledger_before(
            repo,
            policy,
            base_policy_bytes,
            base,
            history,
            everything,
            mode,
            replace(clock, landing=None),
        )
        if base is not None
        else Ledger()
    )
    # What runs at the base is the base's tree, whatever the ledger's source knew.
    ledger.running = {
        key: str(use.reference) if use.reference is not None else use.raw
        for key, use in base_state.items()
    }
    ctx = PromotionContext(
        policy, ledger, direct=direct, verify_signature=signature_verifier(repo), clock=clock
    )

    findings: list[Finding] = []
    if selected.rewritten is not None:
        findings.extend(_rewrite_findings(policy, selected))
    events: list[PromotionEvent] = []
    rolled_back: set[int] = set()
    changed: set[str] = set()
    net_found: set[tuple[str, Location]] = set()
    for step in everything:
        changed.update(change.path for change in step.commit.changes)
        verdict = judge_step(step, ctx)
        for index in sorted(verdict.findings):
            for _rule, finding in verdict.findings[index]:
                if step is net_step:
                    net_found.add((finding.rule, finding.location))
                elif (finding.rule, finding.location) in net_found:
                    continue  # the net change already says it
                findings.append(finding)
        rolled_back.update(id(step.events[index]) for index in verdict.rollbacks)
        if step is not net_step:
            events.extend(step.events)
    if net_step is not None and not steps:
        events.extend(net_step.events)

    head_policy_bytes = selected.head_policy
    # The keys the policy trusts are part of it: changing them is a loosening.
    keys_changed = [
        (path, what, detail)
        for path, what, detail in (
            (
                policy.owners_file,
                "the keys of policy_owners: who may approve a loosening of the policy",
                "policy_owners keys",
            ),
            (
                policy.merge_key_file,
                "the forge's merge key (pull_requests.merge_key): what proves a pull request",
                "merge key",
            ),
        )
        if path is not None and base_blobs.get(path) != selected.head_tree.get(path)
    ]
    # The first push into an empty server brings the first policy: nothing to loosen.
    if base is not None and (head_policy_bytes != base_policy_bytes or keys_changed):
        loosened = _policy_change(
            policy, base_policy_bytes, head_policy_bytes, selected.policy_file
        )
        for path, what, detail in keys_changed:
            loosened.append(
                Finding(
                    gg307_policy_loosened.ID,
                    f"the range changes {path}, {what}",
                    Location(path),
                    detail=detail,
                )
            )
        if loosened:
            findings.extend(
                review_policy_change(repo, policy, base_blobs, selected, everything, loosened)
            )
    baseline_path = baseline or policy.baseline
    known, added = _baseline_at_base(repo, base, base_blobs, selected, baseline_path)
    if added:
        assert baseline_path is not None
        findings.extend(review_policy_change(repo, policy, base_blobs, selected, everything, added))

    source = TreeSource(repo, dict(selected.head_tree), selected.head_links)
    paths = sorted(p for p in changed if is_manifest_path(p) and source.is_file(p))
    # The head is read as the history read it (this repository's URLs anchored at the base).
    inventory = extract(source, history.extraction.policy, paths)
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
                now=now,
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
        inventory,
        policy,
        today=today,
        extra=findings,
        suppressions_allowed=suppression_allowed,
        baseline=known,
    )
    plan = _plan(events, report, rolled_back)
    return CheckResult(report, plan, base or "", selected.head, len(steps), events)


def _rewrite_findings(policy: Policy, selected: Range) -> list[Finding]:
    """GG308 for an update that rewrites a protected ref (unless the policy allows it)."""
    if policy.allow_history_rewrites or selected.rewritten is None:
        return []
    ref = selected.ref or "the branch"
    return [
        Finding(
            gg308_history_rewritten.ID,
            f"{ref} {selected.rewritten}: its history would be rewritten "
            "(a force push, or a merge whose first parents run through another branch)",
            Location(selected.policy_file),
            hint="add commits on top of the ref instead (git revert, or a merge made on the "
            "ref); a rewrite needs allow_history_rewrites: true in the policy",
            commit=selected.head,
        )
    ]


def deletion_findings(policy: Policy, ref: str, old: str) -> list[Finding]:
    """GG308 for deleting a protected ref (unless the policy allows rewrites)."""
    if policy.allow_history_rewrites:
        return []
    return [
        Finding(
            gg308_history_rewritten.ID,
            f"{ref} would be deleted (it is at {old[:12]}); a re-created ref would start a "
            "history the gate never judged",
            Location(POLICY_FILE),
            hint="protected refs are not deleted; a deletion needs allow_history_rewrites: "
            "true in the policy",
            commit=old,
        )
    ]


def ledger_before(
    repo: GitRepository,
    policy: Policy,
    policy_bytes: bytes | None,
    base: str,
    history: History,
    steps: list[Step],
    mode: ReplayMode = FAST,
    clock: Clock | None = None,
) -> Ledger:
    """Where and since when versions ran before ``base``: what the range is judged against.

    From the history cache when it holds the whole first-parent chain of the base (and
    no receive times are known: the cache holds commit times); otherwise by replaying
    only the commits that touch the files of the apps and environments the range
    changes (and the environments they come from) — on a large repository that is a few
    hundred commits instead of tens of thousands.
    """
    from gitops_guard.history.store import open_cache

    clock = clock or Clock()
    ledger = Ledger()
    use_cache = mode.use_cache and not clock.received
    cache = open_cache(repo.git_dir, policy_bytes) if use_cache else None
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
                    when = clock.moment(step.commit, ledger.floor)
                    for event in step.events:
                        ledger.record(event, when)
                    ledger.passed(when)  # the cache holds every commit of the chain
                return ledger
        finally:
            cache.close()
    paths = relevant_paths(policy, history, steps)
    if not paths:
        return ledger
    partial = History(repo, policy, linear=True)
    for step in partial.apply_all(repo.log(["--first-parent", "--reverse", base], paths)):
        when = clock.moment(step.commit, ledger.floor)
        for event in step.events:
            ledger.record(event, when)
    return ledger


class ChainOrder(Mapping[str, datetime.datetime]):
    """The order bound of every commit on the first-parent chains of ``revisions`` (the
    head when it is a commit, and the base): the latest committer time among it and the
    commits before it (see ``Clock.order``).

    One ``git log`` per chain, the first started at once and read when a bound is first
    asked for (the range is replayed meanwhile); a chain already covered by another (the
    base on the head's, usually) is not read again.
    """

    def __init__(self, repo: GitRepository, *revisions: str | None) -> None:
        self._repo = repo
        self._revisions = [r for r in revisions if r is not None and _is_sha(r)]
        self._first = repo.first_parent_dates(self._revisions[0]) if self._revisions else None
        self._bounds: dict[str, datetime.datetime] | None = None

    def _loaded(self) -> dict[str, datetime.datetime]:
        if self._bounds is None:
            bounds: dict[str, datetime.datetime] = {}
            for index, revision in enumerate(self._revisions):
                if revision in bounds:
                    continue
                chain = self._first if index == 0 else None
                if chain is None:
                    chain = self._repo.first_parent_dates(revision)
                bounds.update(order_bounds(chain.collect()))
            self._bounds = bounds
            self._first = None
        return self._bounds

    def close(self) -> None:
        """Stop the ``git log`` if no bound was ever asked for."""
        if self._first is not None:
            self._first.cancel()
            self._first = None

    def __getitem__(self, sha: str) -> datetime.datetime:
        return self._loaded()[sha]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def received_times(repo: GitRepository, base: str | None) -> dict[str, datetime.datetime]:
    """When the server received each commit of ``base``'s first-parent chain, from the
    reflog of its branches (``install-hooks --server`` keeps one, and the server hook a
    copy of a deleted ref's): the earliest push that brought it, a push bringing the
    first-parent commits above its old tip (all of them when the old tip is not on the
    chain: a force push). A ref's creation (a first push, a mirror) says nothing of when
    its history arrived and is left out, and so is what came before the first push that
    is known; so is everything a clone or fetch wrote (only ``push`` entries count)."""
    from gitops_guard.gate.deleted_refs import deleted_receive_log

    pushes = repo.receive_log() + deleted_receive_log(repo)
    if base is None or not pushes:
        return {}
    chain = repo.run("rev-list", "--first-parent", base).split()
    chain.reverse()  # oldest first
    index = {sha: i for i, sha in enumerate(chain)}
    # Earliest push first; each gives its time to the positions no earlier one covered.
    # ``free[p]`` points at the highest position at or below p not yet given a time.
    free = list(range(len(chain)))
    received: dict[str, datetime.datetime] = {}

    def find(position: int) -> int:
        root = position
        while root >= 0 and free[root] != root:
            root = free[root]
        while position >= 0 and free[position] != position:
            free[position], position = root, free[position]
        return root

    for old, new, when in sorted(pushes, key=lambda push: push[2]):
        top = index.get(new)
        if top is None:
            continue
        bottom = index.get(old, -1)  # the old tip itself was there before
        position = find(top)
        while position > bottom:
            received[chain[position]] = when
            free[position] = position - 1
            position = find(position - 1)
    return received


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


def _baseline_at_base(
    repo: GitRepository,
    base: str | None,
    base_blobs: dict[str, str],
    selected: Range,
    path: str | None,
) -> tuple[Counter[Key] | None, list[Finding]]:
    """The baseline as the base has it, and GG307 for the entries the range adds to it."""
    if path is None or base is None:  # a first push has no base to take a baseline from
        return None, []
    blob = base_blobs.get(path)
    if blob is None:
        raise InputError(
            f"the baseline {path} is not in {base[:12]}, the revision the change is merged into",
            hint="a range is judged by the baseline of its base: land the baseline first "
            "(`gitops-guard validate --write-baseline FILE`, committed on its own)",
        )
    known = parse_baseline(repo.read_blob(blob), f"{path} at {base[:12]}")
    head_blob = selected.head_tree.get(path)
    if head_blob == blob:
        return known, []
    head = parse_baseline(repo.read_blob(head_blob), path) if head_blob else Counter()
    added = sum((head - known).values())
    if not added:
        return known, []
    return known, [
        Finding(
            gg307_policy_loosened.ID,
            f"the range adds {count(added, 'entry')} to the baseline {path}: findings they "
            "match would no longer fail any gate; this change is judged by the base's baseline",
            Location(path),
            detail="baseline entries",
        )
    ]


def _policy_change(
    policy: Policy, base_bytes: bytes | None, head_bytes: bytes | None, display: str = POLICY_FILE
) -> list[Finding]:
    """GG307 for what the range's own policy file loosens (judged by the base's)."""
    if head_bytes is None:
        if base_bytes is None:
            return []
        found = loosenings(policy.data, {})
        summary = "; ".join(description for _path, description in found) or "nothing is left"
        return [
            Finding(
                gg307_policy_loosened.ID,
                f"the range deletes {display}: every requirement of the policy goes, and the "
                f"next range would be judged by the defaults ({summary})",
                Location(display),
                detail="deleted",
            )
        ]
    loaded = load_yaml(display, head_bytes)
    try:
        new_policy = parse_policy(head_bytes, display)
    except GuardError as exc:  # the new policy does not even load (an empty file, too)
        return [
            Finding(
                gg307_policy_loosened.ID,
                f"the range changes {display} into a policy that does not load: {exc.message}",
                Location(display),
                detail="does not load",
            )
        ]
    root = loaded.documents[0].root if loaded.documents else None
    results = []
    from gitops_guard.policy.load import node_at

    for path, description in loosenings(policy.data, new_policy.data):
        where = location(display, node_at(root, path)) if root is not None else Location(display)
        results.append(
            Finding(
                gg307_policy_loosened.ID,
                f"the range loosens {display}: {description}; this change is judged by "
                "the base's policy",
                where,
                detail=description,
            )
        )
    return results


def review_policy_change(
    repo: GitRepository,
    policy: Policy,
    base_blobs: dict[str, str],
    selected: Range,
    steps: list[Step],
    loosened: list[Finding],
) -> list[Finding]:
    """GG307 findings as they count: errors, unless the loosening is reviewed.

    A loosening lands on its own: the range changes nothing but the policy file (and the
    policy owners' keys). It is approved when a commit of the range (or one a merge in it
    brings) sets the policy file to exactly what the range ends with and carries an SSH
    signature that verifies against the base's ``policy_owners.allowed_signers`` (read at
    the base: a change cannot bring its own owners), or, where the base names none, the
    allowed-signers file the repository's own Git configuration names
    (``gitops-guard.policyOwners``: set by whoever administers the server or CI, not by a
    contributor). An approved loosening is reported as a warning naming the approver.
    """
    from dataclasses import replace as with_

    owners = policy.owners_file
    reviewable = {
        *POLICY_FILES,
        *([owners] if owners else []),
        *([policy.merge_key_file] if policy.merge_key_file else []),
        *([policy.baseline] if policy.baseline else []),
        *(f.location.path for f in loosened),
    }
    riders = sorted(
        {
            change.path
            for step in steps
            for change in step.commit.changes
            if change.path not in reviewable
        }
    )
    if riders:
        hint = (
            f"land the policy change on its own, without {riders[0]}"
            + (f" and {len(riders) - 1} other file(s)" if len(riders) > 1 else "")
            + ": a loosening cannot ride along with a promotion"
        )
        return [with_(f, hint=hint, commit=selected.head) for f in loosened]
    signers = _owners_signers(repo, policy, base_blobs)
    if signers is None:
        hint = (
            "the base policy names no policy_owners: a loosening needs an approval it "
            "accepts (policy_owners.allowed_signers, or gitops-guard.policyOwners in the "
            "server's Git configuration for the first owners)"
        )
        return [with_(f, hint=hint, commit=selected.head) for f in loosened]
    reviewed = []
    for finding in loosened:
        # A baseline change is approved on the baseline file; the rest on the policy file.
        path = (
            finding.location.path if finding.detail == "baseline entries" else selected.policy_file
        )
        approver = _approval(repo, signers, selected, steps, path)
        if approver is None:
            hint = (
                f"have a policy owner sign the commit that sets {path} "
                f"(git commit -S with an SSH key listed in {signers[1]})"
            )
            reviewed.append(with_(finding, hint=hint, commit=selected.head))
        else:
            reviewed.append(
                with_(
                    finding,
                    message=f"{finding.message} (approved: signed by {approver})",
                    severity=Severity.WARNING,
                    commit=selected.head,
                )
            )
    return reviewed


def _owners_signers(
    repo: GitRepository, policy: Policy, base_blobs: dict[str, str]
) -> tuple[bytes, str] | None:
    """The allowed-signers text of the policy owners, and where it comes from."""
    owners = policy.owners_file
    if owners is not None:
        blob = base_blobs.get(owners)
        if blob is None:
            return None
        return repo.read_blob(blob), owners
    configured = repo.config("gitops-guard.policyOwners")
    if configured is None:
        return None
    try:
        return Path(configured).read_bytes(), configured
    except OSError as exc:
        raise GuardError(
            f"gitops-guard.policyOwners names {configured}, which cannot be read: {exc.strerror}"
        ) from None


def _approval(
    repo: GitRepository,
    signers: tuple[bytes, str],
    selected: Range,
    steps: list[Step],
    path: str = POLICY_FILE,
) -> str | None:
    """Who approved the file (the policy, or its baseline) the range ends with, by a
    verified owner's signature on a commit that sets it so."""
    final = selected.head_tree.get(path)
    candidates: list[Commit] = []
    for step in steps:
        for commit in (step.commit, *(step.commit.merged or ())):
            for change in commit.changes:
                if change.path == path and change.new_blob == final:
                    candidates.append(commit)
                    break
    if final is None:
        candidates = [step.commit for step in steps]
    for commit in candidates:
        if commit.signature != "ssh":
            continue
        signer = repo.verify_ssh_signature(commit.sha, signers[0])
        if signer is not None:
            return signer
    return None


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
        # Findings show paths (and the names taken from them) printable: so do the rows.
        app, environment, container = (
            printable(part) if part is not None else None
            for part in (event.app, event.environment, event.container)
        )
        row = rows.get(event.key)
        if row is None:
            row = rows[event.key] = PlannedChange(
                app, environment, container, image, None, None, change
            )
        row.old = short_version(old) if old else (first.old.raw if first.old else None)
        row.new = short_version(new) if new else (event.new.raw if event.new else None)
        row.change = change
        author = event.commit.author.name
        if author not in row.authors:
            row.authors.append(author)
        if event.commit.sha.strip("0") and event.commit.sha not in row.commits:
            row.commits.append(event.commit.sha)
        row.bot = row.bot or event.bot
        row.rollback = row.rollback or id(event) in rolled_back
        row.rules = blocking.get((app, environment, container), [])
    return list(rows.values())
