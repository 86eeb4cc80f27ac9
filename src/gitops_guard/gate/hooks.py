"""Native Git hooks: what `gitops-guard hook <name>` does, and installing the scripts.

Client side: ``pre-commit`` validates the staged files (read from the index, not the
work tree), ``commit-msg`` judges the commit being made against history (rollback
trailer, bot messages, promotion order), ``pre-push`` judges each pushed range.
Server side: ``pre-receive`` (and ``update``) judge every push to a protected ref
by the policy already on that ref, and reject it with a short message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.errors import InputError
from gitops_guard.gate.check import (
    Range,
    judge,
    refuse_shallow,
    staged_range,
)
from gitops_guard.gate.result import PlannedChange
from gitops_guard.model import Report, Severity
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    POLICY_FILE,
    Policy,
    default_policy,
)
from gitops_guard.repo.git import (
    ZERO,
    GitRepository,
)
from gitops_guard.repo.policy_source import policy_at
from gitops_guard.rules import gg305_outside_review, gg402_unsigned_commit

CLIENT_HOOKS = ("pre-commit", "commit-msg", "pre-push")
# pre-receive sees the whole push at once; `update` (one ref per call) is for servers that
# only run that hook. Installing both would judge every push twice.
SERVER_HOOKS = ("pre-receive",)
UPDATE_HOOK = "update"
MARKER = "# gitops-guard hook"
# Judged later, when it is known: whether the commit will be signed, and how it arrives.
_NOT_AT_COMMIT_TIME = frozenset({gg402_unsigned_commit.ID, gg305_outside_review.ID})


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
    hooks_dir.mkdir(parents=True, exist_ok=True)
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
        target.write_text(hook_script(name, executable))
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written.append(target)
    return written


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
    """Validate the staged YAML files as they are staged (the index, not the work tree)."""
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.files import is_yaml_path
    from gitops_guard.repo.tree import TreeSource

    outcome = HookOutcome()
    index = repo.index_tree()
    try:
        changes = repo.staged_changes()
        paths = sorted(c.path for c in changes if c.new_blob and is_yaml_path(c.path))
    except Exception:  # no HEAD yet: everything staged is new
        paths = sorted(p for p in index if is_yaml_path(p))
    if not paths:
        return outcome
    policy_blob = index.get(POLICY_FILE)
    policy = (
        parse_policy(repo.read_blob(policy_blob), POLICY_FILE) if policy_blob else default_policy()
    )
    source = TreeSource(repo, index)
    report = run_rules(extract(source, policy, paths), policy)
    outcome.add("the staged files", report, [])
    return outcome


def _without(report: Report, rules: frozenset[str]) -> Report:
    from dataclasses import replace

    return replace(report, findings=tuple(f for f in report.findings if f.rule not in rules))


def _blocking(report: Report) -> bool:
    return any(f.severity is Severity.ERROR for f in report.findings)


def default_branch(repo: GitRepository) -> str:
    """The ref HEAD points to (``refs/heads/main`` in most repositories)."""
    try:
        return repo.run("symbolic-ref", "HEAD").strip()
    except Exception:
        return "refs/heads/main"


def is_protected(repo: GitRepository, policy: Policy, ref: str) -> bool:
    """Whether a ref is one the policy protects (default: the default branch)."""
    patterns = policy.protected_refs or (default_branch(repo),)
    return any(glob_matches(p, ref) for p in patterns)


def commit_msg(repo: GitRepository, message_file: Path) -> HookOutcome:
    """Judge the commit being made: staged changes on top of HEAD, with its message."""
    outcome = HookOutcome()
    try:
        repo.resolve("HEAD")
    except Exception:
        outcome.notes.append("first commit: nothing to compare with yet")
        return outcome
    message = message_file.read_text(encoding="utf-8", errors="replace")
    message = "\n".join(line for line in message.splitlines() if not line.startswith("#"))
    result = judge(repo, staged_range(repo, message))
    outcome.add("the commit being made", _without(result.report, _NOT_AT_COMMIT_TIME), result.plan)
    return outcome


def _ranges(
    repo: GitRepository, updates: Iterable[tuple[str, str, str]], known: Sequence[str]
) -> Iterable[tuple[str, str, str]]:
    """(ref, base, head) for each update.

    A new ref starts where its commits leave what the other side already has
    (``known``: ``--all`` on a server, ``--remotes=<remote>`` on a client).
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
                continue  # an unrelated history: nothing to compare with
            old = parents[0]
        yield ref, old, new


def receive(
    repo: GitRepository,
    updates: Iterable[tuple[str, str, str]],
    *,
    server: bool,
    remote: str | None = None,
) -> HookOutcome:
    """Judge pushed ranges: ``(ref, old, new)`` each; only protected refs on the server."""
    outcome = HookOutcome()
    known = ["--all"] if server else [f"--remotes={remote}" if remote else "--remotes"]
    for ref, base, head in _ranges(repo, updates, known):
        base_policy = policy_at(repo, base)
        protected = is_protected(repo, base_policy[0], ref)
        if server and not protected:
            continue
        refuse_shallow(repo)
        selected = Range(
            base,
            repo.log(["--reverse", "--topo-order", f"{base}..{head}"]),
            head,
            repo.tree(head),
            repo.file_at(head, POLICY_FILE),
        )
        result = judge(repo, selected, direct=protected, base_policy=base_policy)
        outcome.add(ref, result.report, result.plan)
    return outcome


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
