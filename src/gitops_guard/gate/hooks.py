"""Native Git hooks: what `gitops-guard hook <name>` does, and installing the scripts.

Client side: ``pre-commit`` validates the staged files (read from the index, not the
work tree), ``commit-msg`` judges the commit being made against history (rollback
trailer, bot messages, promotion order), ``pre-push`` judges each pushed range.
Server side: ``pre-receive`` (and ``update``) judge every push to a protected ref
by the policy already on that ref, and reject it with a short message.
"""

from __future__ import annotations

import datetime
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.errors import InputError
from gitops_guard.gate.check import (
    Range,
    deletion_findings,
    judge,
    refuse_shallow,
    staged_range,
    update_range,
)
from gitops_guard.gate.deleted_refs import deleted_tip, remember_deletion
from gitops_guard.gate.result import PlannedChange
from gitops_guard.model import Finding, Report, Severity
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    DEFAULT_PROTECTED_REFS,
    POLICY_FILE,
    Policy,
    default_policy,
)
from gitops_guard.repo.git import (
    ZERO,
    GitRepository,
)
from gitops_guard.repo.policy_source import policy_at, policy_blob_in, policy_file_at
from gitops_guard.rules import (
    gg305_outside_review,
    gg309_frozen_environment,
    gg402_unsigned_commit,
)

CLIENT_HOOKS = ("pre-commit", "commit-msg", "pre-push")
# pre-receive sees the whole push at once; `update` (one ref per call) is for servers that
# only run that hook. Installing both would judge every push twice.
SERVER_HOOKS = ("pre-receive",)
UPDATE_HOOK = "update"
DEFAULT_PROTECTED = DEFAULT_PROTECTED_REFS
MARKER = "# gitops-guard hook"
# Judged later, when it is known: whether the commit will be signed, how it arrives, and
# when it lands (a freeze blocks promotions landing, not commits being made).
_NOT_AT_COMMIT_TIME = frozenset(
    {gg402_unsigned_commit.ID, gg305_outside_review.ID, gg309_frozen_environment.ID}
)
# What a push to a ref that is not protected does not do: land in an environment.
_NOT_BEFORE_LANDING = frozenset({gg309_frozen_environment.ID})


def hook_script(name: str, executable: str = "gitops-guard") -> str:
    """The thin shell script for one hook (what `hooks/<name>` holds)."""
    return (
        "#!/bin/sh\n"
        f"{MARKER}: {name}. A thin wrapper; `gitops-guard install-hooks` writes it.\n"
        f'GITOPS_GUARD="${{GITOPS_GUARD:-{executable}}}"\n'
        'command -v "$GITOPS_GUARD" >/dev/null 2>&1 || GITOPS_GUARD=gitops-guard\n'
        # A gate whose program went away (a deleted virtual environment) refuses, and says
        # why, instead of a bare "exec: not found".
        'if ! command -v "$GITOPS_GUARD" >/dev/null 2>&1; then\n'
        f'  echo "gitops-guard: the {name} hook cannot run $GITOPS_GUARD: not found" >&2\n'
        '  echo "  hint: reinstall gitops-guard, then run gitops-guard install-hooks --force'
        ' (or set GITOPS_GUARD to its path)" >&2\n'
        "  exit 1\n"
        "fi\n"
        f'exec "$GITOPS_GUARD" hook {name} "$@"\n'
    )


def install(hooks_dir: Path, names: Sequence[str], executable: str, force: bool) -> list[Path]:
    """Write hook scripts; a hook someone else wrote is kept unless ``force``."""
    try:
        hooks_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create {hooks_dir}: {exc.strerror}",
            hint="install the hooks as a user who may write the repository",
        ) from None
    foreign = []
    for name in names:
        target = hooks_dir / name
        if target.exists() and MARKER not in target.read_text(errors="replace"):
            foreign.append(target)
    if foreign and not force:
        raise InputError(
            f"{', '.join(str(p) for p in foreign)} already exists and is not a gitops-guard hook; "
            "nothing was installed",
            hint="merge it by hand (call `gitops-guard hook <name>` from it), or use --force",
        )
    written = []
    for name in names:
        target = hooks_dir / name
        try:
            target.write_text(hook_script(name, executable))
            target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise InputError(
                f"cannot write {target}: {exc.strerror}",
                hint="install the hooks as a user who may write the repository's hooks folder",
            ) from None
        written.append(target)
    return written


def enable_receive_clock(repo: GitRepository) -> None:
    """Make the server keep a reflog of every ref update, for good.

    The reflog records when the server received each update: the trusted clock that
    soak times on the server are measured by (a commit's own dates are the author's
    claim). ``core.logAllRefUpdates=always`` keeps it in bare repositories too, and
    the expiry settings keep ``git gc`` from pruning it.
    """
    for key, value in (
        ("core.logAllRefUpdates", "always"),
        ("gc.reflogExpire", "never"),
        ("gc.reflogExpireUnreachable", "never"),
    ):
        repo.run("config", key, value)


@dataclass
class HookOutcome:
    """What a hook decided: its reports (one per ref or range) and what it refused."""

    results: list[tuple[str, Report, list[PlannedChange]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, report: Report, plan: list[PlannedChange]) -> None:
        self.results.append((label, report, plan))
        if _blocking(report):
            self.refused.append(label)


def pre_commit(repo: GitRepository) -> HookOutcome:
    """Validate the staged manifests as they are staged (the index, not the work tree)."""
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.files import is_manifest_path
    from gitops_guard.repo.tree import TreeSource

    outcome = HookOutcome()
    index, links = repo.index_entries()
    if repo.is_unborn():  # the first commit: everything staged is new
        paths = sorted(p for p in index if is_manifest_path(p))
    else:
        changes = repo.staged_changes()
        paths = sorted(c.path for c in changes if c.new_blob and is_manifest_path(c.path))
    if not paths:
        return outcome
    found = policy_blob_in(index, "the staged changes")
    policy = parse_policy(repo.read_blob(found[1]), found[0]) if found else default_policy()
    source = TreeSource(repo, index, links)
    known = None
    if policy.baseline is not None:  # the policy's baseline, as it is staged
        from gitops_guard.engine.baseline import parse_baseline

        baseline_blob = index.get(policy.baseline)
        if baseline_blob is None:
            raise InputError(
                f"the policy's baseline {policy.baseline} is not staged",
                hint=f"write it with `gitops-guard validate --write-baseline {policy.baseline}`",
            )
        known = parse_baseline(repo.read_blob(baseline_blob), policy.baseline)
    report = run_rules(extract(source, policy, paths), policy, baseline=known)
    outcome.add("the staged files", report, [])
    return outcome


def _without(report: Report, rules: frozenset[str]) -> Report:
    from dataclasses import replace

    return replace(report, findings=tuple(f for f in report.findings if f.rule not in rules))


def _blocking(report: Report) -> bool:
    return any(f.severity is Severity.ERROR for f in report.findings)


def protected_patterns(repo: GitRepository, policy: Policy) -> tuple[str, ...]:
    """The refs the server hooks judge under ``policy``.

    The default branch (the ref HEAD names) always; then the policy's ``protected_refs``,
    or by default ``refs/heads/main`` and ``refs/heads/master``. When HEAD names a ref that
    does not exist (``git init --bare`` names ``master``, the team pushes ``main``) or is
    detached, ``main`` and ``master`` are protected whatever the policy lists: a server
    whose default branch is unknown must not judge nothing.
    """
    head = repo.head_ref()
    patterns = list(policy.protected_refs) if policy.protected_refs else list(DEFAULT_PROTECTED)
    if head is not None and head not in patterns:
        patterns.insert(0, head)
    if head is None or not repo.ref_exists(head):
        patterns += [ref for ref in DEFAULT_PROTECTED if ref not in patterns]
    return tuple(patterns)


def is_protected(patterns: Sequence[str], ref: str) -> bool:
    """Whether a ref matches one of the protected patterns (``*`` wildcards)."""
    return any(glob_matches(p, ref) for p in patterns)


def server_policy(repo: GitRepository) -> tuple[Policy, bytes | None]:
    """The policy the server holds: at the tip of its default branch (else of ``main`` or
    ``master``), the defaults when none of them exists yet."""
    head = repo.head_ref()
    for ref in (head, *DEFAULT_PROTECTED):
        if ref is not None and repo.ref_exists(ref):
            return policy_at(repo, ref)
    return default_policy(), None


def describe_protection(repo: GitRepository) -> list[str]:
    """What ``install-hooks --server`` says about a server: the refs it protects, and
    whether HEAD names a branch that does not exist."""
    lines = []
    policy, _data = server_policy(repo)
    patterns = protected_patterns(repo, policy)
    source = "the policy's protected_refs" if policy.protected_refs else "the defaults"
    lines.append(f"protected refs ({source} and the default branch): {', '.join(patterns)}")
    head = repo.head_ref()
    if head is None:
        lines.append("warning: HEAD is detached: main and master are protected")
    elif not repo.ref_exists(head):
        lines.append(
            f"warning: HEAD names {head}, which does not exist: main and master are protected "
            "too; point HEAD at the branch Argo CD deploys "
            "(git symbolic-ref HEAD refs/heads/<branch>)"
        )
    return lines


def commit_msg(
    repo: GitRepository, message_file: Path, now: datetime.datetime | None = None
) -> HookOutcome:
    """Judge the commit being made: staged changes on top of HEAD, with its message."""
    outcome = HookOutcome()
    if repo.is_unborn():
        outcome.notes.append("first commit: nothing to compare with yet")
        return outcome
    repo.resolve("HEAD")  # a HEAD that does not resolve is an error, never a pass
    message = message_file.read_text(encoding="utf-8", errors="replace")
    message = "\n".join(line for line in message.splitlines() if not line.startswith("#"))
    result = judge(repo, staged_range(repo, message), now=now)
    outcome.add("the commit being made", _without(result.report, _NOT_AT_COMMIT_TIME), result.plan)
    return outcome


def _ranges(
    repo: GitRepository, updates: Iterable[tuple[str, str, str]], known: Sequence[str]
) -> Iterable[tuple[str, str, str]]:
    """(ref, base, head) for each update of a ref the client pushes.

    A new ref starts where its commits leave what the other side already has
    (``known``: ``--remotes=<remote>``).
    """
    for ref, old, new in updates:
        if new == ZERO:
            continue  # a deleted ref brings nothing to judge
        if old == ZERO:
            fresh = repo.run("rev-list", "--reverse", "--topo-order", new, "--not", *known).split()
            if not fresh:
                continue  # nothing new: the commits are already there
            parents = repo.run("rev-list", "--parents", "-n", "1", fresh[0]).split()[1:]
            if not parents:
                continue  # an unrelated history: the server judges it
            old = parents[0]
        yield ref, old, new


def receive(
    repo: GitRepository,
    updates: Iterable[tuple[str, str, str]],
    *,
    server: bool,
    remote: str | None = None,
    now: datetime.datetime | None = None,
) -> HookOutcome:
    """Judge pushed updates: ``(ref, old, new)`` each; on the server, every protected ref.

    ``now``: when the push counts as made (default: the wall clock; see ``judge``).
    """
    if server:
        return _receive_on_server(repo, list(updates), now)
    outcome = HookOutcome()
    known = [f"--remotes={remote}" if remote else "--remotes"]
    for ref, base, head in _ranges(repo, updates, known):
        base_policy = policy_at(repo, base)
        protected = is_protected(protected_patterns(repo, base_policy[0]), ref)
        refuse_shallow(repo)
        files, links = repo.tree_entries(head)
        found = policy_file_at(repo, head)
        selected = Range(
            base,
            repo.log(["--reverse", "--topo-order", f"{base}..{head}"]),
            head,
            files,
            found[1] if found else None,
            head_links=links,
            policy_file=found[0] if found else POLICY_FILE,
        )
        result = judge(repo, selected, direct=protected, base_policy=base_policy, now=now)
        # A branch pushed for review lands nowhere yet: its check, at merge, says.
        report = result.report if protected else _without(result.report, _NOT_BEFORE_LANDING)
        outcome.add(ref, report, result.plan)
    return outcome


def _anchor(repo: GitRepository, ref: str) -> str | None:
    """What a protected ref created by a push is judged against: the tip of the default
    branch (else of ``main`` or ``master``) when that is another ref; None on a server
    that has none of them yet (the first push)."""
    for candidate in (repo.head_ref(), *DEFAULT_PROTECTED):
        if candidate is not None and candidate != ref and repo.ref_exists(candidate):
            return repo.resolve(candidate)
    return None


def _receive_on_server(
    repo: GitRepository, updates: list[tuple[str, str, str]], now: datetime.datetime | None
) -> HookOutcome:
    """Judge every update of a protected ref by the policy the server already holds.

    Protected: by the server's policy (its default branch's) or by the policy at the
    ref's own old tip. An update is judged as what lands: the first-parent chain above
    the old tip, each merge with the commits it brings, and, when that chain does not
    continue the old tip, the net change from old tip to new tip as one step (GG308
    refuses the rewrite itself unless the policy allows it). A deleted protected ref is
    refused the same way (where the policy allows it, the tip it had is remembered: see
    ``gate.deleted_refs``); a created one is judged against that remembered tip when it
    was deleted before, else against the default branch, and the first push into an
    empty server against the empty tree by the default policy.
    """
    from dataclasses import replace

    outcome = HookOutcome()
    trusted = server_policy(repo)[0]
    trusted_patterns = protected_patterns(repo, trusted)
    refuse_shallow(repo)
    for ref, old, new in updates:
        # A protected ref deleted earlier (where rewrites are allowed) and created again
        # continues from the tip it had: judged as an update of that tip, by its policy.
        earlier = deleted_tip(repo, ref) if old == ZERO and new != ZERO else None
        held = old if old != ZERO else earlier
        own = policy_at(repo, held) if held is not None else None
        patterns = trusted_patterns + (protected_patterns(repo, own[0]) if own else ())
        if not is_protected(patterns, ref):
            base = held if held is not None else _anchor(repo, ref)
            note = None
            if new != ZERO and base is not None:
                note = _unprotected_note(repo, trusted, ref, base, new, patterns)
            if note:
                outcome.notes.append(note)
            continue
        if new == ZERO:
            judged_by = own[0] if own else trusted
            report = _bare_report(deletion_findings(judged_by, ref, old))
            outcome.add(ref, report, [])
            if not _blocking(report):
                remember_deletion(repo, ref, old)
            continue
        base = held if held is not None else _anchor(repo, ref)
        if base is None:
            base_policy: tuple[Policy, bytes | None] = (default_policy(), None)
            outcome.notes.append(
                f"{ref}: the first push into this repository is judged by the default policy "
                "(the server holds none yet); from now on the ref's own policy judges pushes"
            )
        else:
            base_policy = own if own is not None and base == held else policy_at(repo, base)
            if earlier is not None:
                outcome.notes.append(
                    f"{ref} is created again: judged as an update of {earlier[:12]}, "
                    "the tip it had when it was deleted"
                )
        selected = replace(update_range(repo, base, new), ref=ref)
        result = judge(repo, selected, direct=True, base_policy=base_policy, landing=True, now=now)
        outcome.add(ref, result.report, result.plan)
    return outcome


def _bare_report(findings: list[Finding]) -> Report:
    """A report of findings that are not about files (a refused deletion)."""
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import Inventory

    return run_rules(Inventory(), default_policy(), extra=findings)


def _unprotected_note(
    repo: GitRepository,
    policy: Policy,
    ref: str,
    base: str,
    head: str,
    patterns: Sequence[str],
) -> str | None:
    """What a push to an unprotected ref is told when it changes environment files."""
    changed = repo.run("diff", "--name-only", "-z", "--no-renames", base, head).split("\0")
    touched = [p for p in changed if p and policy.layout.place(p).environment is not None]
    if not touched:
        return None
    return (
        f"{ref} is not a protected ref, so its changes to {len(touched)} environment "
        f"file(s) (e.g. {touched[0]}) were not judged; "
        f"protected: {', '.join(dict.fromkeys(patterns))}"
    )


def parse_receive_lines(text: str) -> list[tuple[str, str, str]]:
    """``<old> <new> <ref>`` lines (pre-receive) as (ref, old, new)."""
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            old, new, ref = parts
            updates.append((ref, old, new))
    return updates


def parse_push_lines(text: str) -> list[tuple[str, str, str]]:
    """``<local ref> <local sha> <remote ref> <remote sha>`` lines (pre-push) as (ref, old, new)."""
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            _local_ref, local_sha, remote_ref, remote_sha = parts
            updates.append((remote_ref, remote_sha, local_sha))
    return updates


def pre_commit_framework_push() -> list[tuple[str, str, str]] | None:
    """The range the pre-commit framework passes to pre-push hooks in its environment."""
    # FROM is what the remote has (the base), TO what is pushed (the head).
    base, head = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if not base or not head:
        return None
    ref = os.environ.get("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/unknown")
    return [(ref, base, head)]
