"""`promote`: write the promotion the plan judges, as one commit that `check` then judges.

The value that sets the version of an app in an environment is the line the extraction
names for it (an :class:`~gitops_guard.model.ImageUse`'s location): a Kustomize
``newTag``/``digest``, Helm values' ``tag``/``digest`` or ``image:`` string, an Argo CD
Application's ``helm.parameters`` or ``kustomize.images``, an Image Updater write-back
file, a Flux setter-marked line. That value, and nothing else, is rewritten by the patcher
``pin`` uses (:func:`gitops_guard.supply.pin.set_references`). The promotion is judged
first, by the plan's judgement (:class:`gitops_guard.audit.plan.Judge`) with the very
message the commit will carry (a rollback's trailer counts), and the patched tree is
replayed over the head as the history would replay the commit: a change that would
move anything but the intended images is refused.

The commit is built with Git's plumbing (a temporary index, ``commit-tree``), so other
staged or unstaged work is left as it was: on the current branch the ref moves and the
one file (work tree and index) is updated; with ``branch`` only that new branch is made.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_guard.audit.plan import (
    BLOCKED,
    NO_CANDIDATE,
    UP_TO_DATE,
    Judge,
    PlanRow,
    Reason,
    open_judge,
)
from gitops_guard.errors import GitError, GuardError
from gitops_guard.history.ledger import identities
from gitops_guard.history.replay import FAST, ReplayMode
from gitops_guard.history.steps import StateKey, version_of
from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Commit, FileChange, ImageUse, Location, Person
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.model import DEFAULT_PROTECTED_REFS
from gitops_guard.repo.git import run_git
from gitops_guard.supply.pin import Change, Edit, set_references

PROMOTED_FROM = "Promoted-From"
SOAKED = "Soaked"
OVERRIDE = "Promotion-Override"
# How far back the commit that brought the candidate to the from environment is looked for.
_SOURCE_DEPTH = 500


@dataclass
class PromoteRequest:
    """What to promote where, and how the commit is to be written."""

    app: str
    environment: str
    version: str | None = None  # a tag, tag@digest or @digest; default: the plan's candidate
    image: str | None = None  # which image, when the app runs several there
    override: str | None = None  # commit although blocked, with this reason as a trailer
    rollback: str | None = None  # the incident of a rollback (the policy's trailer)
    sign: bool = False  # sign the commit (git commit-tree -S); commit.gpgSign also signs
    head: str = "HEAD"
    now: datetime.datetime | None = None
    offline: bool = False


@dataclass
class Target:
    """One use the promotion changes: its state key, the line, the row that judged it."""

    key: StateKey
    use: ImageUse
    new: ImageRef
    row: PlanRow
    edit: Edit | None = None


@dataclass
class Promotion:
    """The promotion, judged and written out as text: what ``promote`` commits."""

    request: PromoteRequest
    from_environment: str
    targets: list[Target]
    path: str
    old_text: str
    new_text: str
    message: str
    head: str
    source_commit: str | None
    soaked: datetime.timedelta | None
    notes: list[str] = field(default_factory=list)
    # The refs a commit into an environment with `require_pr` must not land on directly.
    review_refs: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return any(t.row.verdict == BLOCKED for t in self.targets)

    @property
    def blockers(self) -> list[Reason]:
        """Every error-level reason, once each (a rule may block several targets)."""
        seen: dict[tuple[str, str], Reason] = {}
        for target in self.targets:
            for reason in target.row.blockers:
                seen.setdefault((reason.rule, reason.message), reason)
        return list(seen.values())

    @property
    def warnings(self) -> list[Reason]:
        seen: dict[tuple[str, str], Reason] = {}
        for target in self.targets:
            for reason in target.row.warnings:
                seen.setdefault((reason.rule, reason.message), reason)
        return list(seen.values())

    def diff(self) -> str:
        """A unified diff of the file, as ``git diff`` shows it."""
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


def prepare_promotion(
    path: Path,
    request: PromoteRequest,
    progress: Callable[[int], None] | None = None,
    mode: ReplayMode = FAST,
) -> Promotion:
    """Find the value, judge the promotion and write its text and message (nothing on disk).

    Raises :class:`GuardError` (exit 2) when the app or environment does not exist, there
    is nothing to promote, the value cannot be located or edited, or a rollback is asked
    for a version that never ran there.
    """
    judge = open_judge(path, request.head, request.now, progress, mode)
    keys = _keys(judge, request)
    env = judge.policy.environment(request.environment)
    assert env is not None
    assert env.from_environment is not None
    source = env.from_environment
    targets: list[Target] = []
    notes: list[str] = []
    for key in keys:
        use = judge.state()[key]
        assert use.reference is not None
        new = _new_reference(judge, key, use.reference, request)
        if new is not None:
            new = _pinned(judge, use, new, request.offline, notes)
            targets.append(Target(key, use, new, judge.candidate(key)))
    if not targets:
        rows = [judge.candidate(key) for key in keys]
        raise GuardError(
            f"nothing to promote: {_what(request)} in {request.environment} "
            + "; ".join(_nothing(row) for row in rows),
            hint=f"--version V promotes another version than what {source} runs",
        )
    paths = sorted({t.use.location.path for t in targets})
    if len(paths) > 1:
        raise GuardError(
            f"{_what(request)} in {request.environment} is set in {len(paths)} files "
            f"({', '.join(paths)}); promote changes one",
            hint="name the image with --image",
        )
    file = paths[0]
    old_bytes = judge.repo.file_at(judge.head, file)
    if old_bytes is None:
        raise GuardError(f"{file} is not a file at {request.head}")
    try:
        old_text = old_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise GuardError(f"{file} is not UTF-8 text: it cannot be edited") from None
    # One value may set several containers (a Kustomize override of an image two
    # Deployments use): one change per line, which must agree on what to write.
    by_location: dict[Location, Target] = {}
    for target in targets:
        seen = by_location.setdefault(target.use.location, target)
        if (seen.new.tag, seen.new.digest) != (target.new.tag, target.new.digest):
            raise GuardError(
                f"{target.use.location} sets {seen.key[3] or '?'} and "
                f"{target.key[3] or '?'}, whose candidates differ ({version_of(seen.new)}, "
                f"{version_of(target.new)}); name the version with --version"
            )
    changes = [Change(t.use, t.new.tag, t.new.digest) for t in by_location.values()]
    new_text, edits = set_references(old_text, changes)
    done = dict(zip(by_location, edits, strict=True))
    for target in targets:
        edit = target.edit = done[target.use.location]
        if edit.problem is not None:
            raise GuardError(
                f"{target.use.location}: cannot set {target.use.reference} to "
                f"{version_of(target.new)}: {edit.problem}",
                hint="change the line by hand and commit it; `check` judges it",
            )
    # The first target decides the message's figures (one image, as a rule).
    first = targets[0]
    source_commit = _source_commit(judge, first.key, source, first.new)
    # Judged once for the figures (how long it soaked), then with the message it carries.
    soaked = judge.judge(first.key, first.new, "Promote", offline=True).soaked
    message = promotion_message(request, source, targets, source_commit, soaked, judge)
    # Judged as it will be written: signed only where it will be (GG402 otherwise).
    signed = request.sign or _signs_by_default(judge.repo.root)
    # And by whom: the Git identity that will write it (a CI bot's is a bot's change).
    author = judge.repo.identity("GIT_AUTHOR_IDENT")
    for target in targets:
        target.row = judge.judge(
            target.key,
            target.new,
            message,
            offline=request.offline,
            signed=signed,
            who=(author.name, author.email),
        )
    _check_rollback(request, targets)
    _replayed(judge, file, new_text, targets, message)
    notes = [*judge.notes, *notes]
    review: tuple[str, ...] = ()
    if env.require_pr:
        review = judge.policy.protected_refs or DEFAULT_PROTECTED_REFS
        notes.append(
            f"{env.name} requires a pull request: commit with --branch NAME and open one "
            "(check judges the range as a pull request; a direct push is GG305)"
        )
    return Promotion(
        request,
        source,
        targets,
        file,
        old_text,
        new_text,
        message,
        judge.head,
        source_commit,
        soaked,
        notes,
        review,
    )


def _what(request: PromoteRequest) -> str:
    return request.app + (f" ({request.image})" if request.image else "")


def _nothing(row: PlanRow) -> str:
    if row.change == UP_TO_DATE:
        return f"runs {row.running}, as {row.from_environment} does (up to date)"
    return "; ".join(row.notes) or f"{row.from_environment} runs no candidate"


def _keys(judge: Judge, request: PromoteRequest) -> list[StateKey]:
    """The state keys of the app in the environment (refusing what does not exist)."""
    policy = judge.policy
    state = judge.state()
    env = policy.environment(request.environment)
    known = sorted({k[1] for k in state if k[1] is not None} | set(policy.environments))
    if env is None:
        close = difflib.get_close_matches(request.environment, known, n=1)
        raise GuardError(
            f"--to {request.environment!r}: no such environment in the policy",
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + f"known: {', '.join(known) or 'none'}",
        )
    if env.from_environment is None:
        promoted = [name for name, e in policy.environments.items() if e.from_environment]
        raise GuardError(
            f"--to {request.environment!r}: the environment has no `from:` environment to "
            "promote from",
            hint=f"environments with one: {', '.join(promoted) or 'none'}",
        )
    here = [k for k in state if k[1] == request.environment and state[k].reference is not None]
    apps = sorted({k[0] for k in here if k[0] is not None})
    mine = [k for k in here if k[0] == request.app]
    if not mine:
        close = difflib.get_close_matches(request.app, apps, n=1)
        raise GuardError(
            f"no app {request.app!r} runs in {request.environment}",
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + f"apps in {request.environment}: {', '.join(apps) or 'none'}",
        )
    images = sorted({_image(state[k]) for k in mine})
    if request.image is not None:
        mine = [k for k in mine if request.image in (_image(state[k]), _name(state[k]))]
        if not mine:
            raise GuardError(
                f"{request.app} runs no image {request.image!r} in {request.environment}",
                hint=f"its images there: {', '.join(images)}",
            )
    elif len(images) > 1:
        # The images with a candidate waiting (a sidecar that is up to date is not asked
        # about); with --version, which image it is a version of must be said.
        waiting = [k for k in mine if judge.candidate(k).change not in (UP_TO_DATE, NO_CANDIDATE)]
        named = sorted({_image(state[k]) for k in waiting})
        if request.version is not None or len(named) != 1:
            what = (
                f"{len(named)} images of {request.app} wait for {request.environment}: "
                f"{', '.join(named)}"
                if len(named) > 1 and request.version is None
                else f"{request.app} runs {len(images)} images in {request.environment}: "
                f"{', '.join(images)}"
            )
            raise GuardError(what, hint="name one with --image (promote changes one value)")
        mine = [k for k in mine if _image(state[k]) == named[0]]
    return sorted(mine, key=lambda k: tuple(part or "" for part in k))


def _image(use: ImageUse) -> str:
    assert use.reference is not None
    return use.reference.familiar_name


def _name(use: ImageUse) -> str:
    assert use.reference is not None
    return use.reference.name


def _new_reference(
    judge: Judge, key: StateKey, current: ImageRef, request: PromoteRequest
) -> ImageRef | None:
    """What the promotion writes: ``--version``, else the plan's candidate (None: none)."""
    row = judge.candidate(key)
    candidate = None
    if row.candidate_reference is not None and row.candidate is not None:
        try:
            candidate = parse_reference(row.candidate_reference)
        except InvalidReference:
            candidate = None
    if request.version is None and request.rollback is not None:
        previous = _previous(judge, key, current)
        if previous is None:
            raise GuardError(
                f"--rollback: no other version of {current.familiar_name} ran in {key[1]} "
                f"before {version_of(current)}",
                hint="name the version to go back to with --version",
            )
        return previous
    if request.version is None:
        if row.change == UP_TO_DATE or candidate is None:
            return None
        return replace(current, tag=candidate.tag, digest=candidate.digest)
    tag, _sep, digest = request.version.partition("@")
    if not _sep and candidate is not None and candidate.tag == tag and candidate.digest:
        digest = candidate.digest  # the version the from environment runs, pinned there
    new = replace(current, tag=tag or None, digest=digest or None)
    try:
        checked = parse_reference(_text(new))
    except InvalidReference as exc:
        raise GuardError(f"--version {request.version!r}: {exc}") from None
    if (checked.tag, checked.digest) != (new.tag, new.digest):
        raise GuardError(f"--version {request.version!r} is not a tag, tag@digest or @digest")
    if (new.tag, new.digest) == (current.tag, current.digest):
        return None
    return replace(new, raw=_text(new))


def _pinned(
    judge: Judge, use: ImageUse, new: ImageRef, offline: bool, notes: list[str]
) -> ImageRef:
    """``new`` with the digest its tag resolves to where the environment requires digests
    (GG105) and neither the from environment nor ``--version`` pins it: as ``pin`` would
    pin it. Offline, or where the registry cannot say, it stays as it is (and GG105 says
    why it cannot land)."""
    from gitops_guard.rules.base import RuleContext

    if new.digest is not None or new.tag is None:
        return new
    if not RuleContext(judge.policy).image_rules(use).require_digest:
        return new
    if offline:
        notes.append(f"{new.familiar()} is not pinned (offline): give --version {new.tag}@sha256:…")
        return new
    from gitops_guard.supply.registry import RegistryClient, RegistryError, settings_from_policy

    settings = settings_from_policy(judge.policy.supply_chain.registry, judge.repo.root)
    try:
        with RegistryClient(settings) as client:
            descriptor = client.head_manifest(new.registry, new.repository, new.tag)
    except RegistryError as exc:
        notes.append(f"cannot pin {new.familiar()}: {exc}")
        return new
    if descriptor is None:
        notes.append(f"cannot pin {new.familiar()}: the registry has no such tag")
        return new
    notes.append(f"pinned {new.familiar()} to {descriptor.digest}, as the registry serves it")
    return replace(new, digest=descriptor.digest, raw=f"{_text(new)}@{descriptor.digest}")


def _previous(judge: Judge, key: StateKey, current: ImageRef) -> ImageRef | None:
    """What ran in the environment before what runs now (a rollback's default): the other
    version whose latest arrival there is the latest, with the digest it ran with."""
    seen = judge.ledger.arrivals.get((key[0], key[1], current.name), {})
    now = set(identities(current))
    best: tuple[datetime.datetime, str] | None = None
    for identity, times in seen.items():
        tag = identity.removesuffix("@")
        if identity in now or identity.startswith("@") or tag == current.tag or not times:
            continue
        if best is None or times[-1] > best[0]:
            best = (times[-1], identity)
    if best is None:
        return None
    when, identity = best
    digest = None
    if identity.endswith("@"):  # it ran pinned: the digest that arrived with it
        digest = next(
            (i[1:] for i, times in seen.items() if i.startswith("@") and when in times), None
        )
    return replace(current, tag=identity.removesuffix("@"), digest=digest)


def _text(ref: ImageRef) -> str:
    return ref.name + (f":{ref.tag}" if ref.tag else "") + (f"@{ref.digest}" if ref.digest else "")


def _check_rollback(request: PromoteRequest, targets: list[Target]) -> None:
    """A rollback is a downgrade to a version that ran in the environment before."""
    if request.rollback is None:
        return
    for target in targets:
        row = target.row
        if row.change != "downgrade":
            raise GuardError(
                f"--rollback: {row.candidate} is not older than {row.running} "
                f"({row.change}): a rollback goes back to a version that ran before",
                hint="name the version to go back to with --version, or leave out --rollback",
            )
        if not row.rollback_possible:
            raise GuardError(
                f"--rollback: {row.candidate_reference} never ran in {row.environment}: "
                "a rollback returns to a version that ran there",
                hint="a version that never ran there is a promotion (drop --rollback)",
            )


def promotion_message(
    request: PromoteRequest,
    source: str,
    targets: list[Target],
    source_commit: str | None,
    soaked: datetime.timedelta | None,
    judge: Judge,
) -> str:
    """The commit message: app, environment, image, old → new, the source commit, trailers."""
    first = targets[0]
    old = version_of(first.use.reference) or "?"
    new = version_of(first.new) or "?"
    verb = "Roll back" if request.rollback else "Promote"
    subject = f"{verb} {request.app} {_plain(old)} -> {_plain(new)} in {request.environment}"
    body = []
    for target in targets:
        assert target.use.reference is not None
        where = target.use.location
        line = (
            f"{target.use.reference.familiar_name}: {version_of(target.use.reference)} -> "
            f"{version_of(target.new)} ({target.row.change}) at {where.path}:{where.line}"
        )
        if line not in body:  # one line may set several containers
            body.append(line)
    if source_commit is not None:
        body.append(
            f"In {source} since commit {source_commit[:12]}"
            + (f", {_hours(soaked)}h ago." if soaked is not None else ".")
        )
    trailers = []
    if source_commit is not None:
        trailers.append(f"{PROMOTED_FROM}: {source}@{source_commit}")
    if soaked is not None:
        trailers.append(f"{SOAKED}: {_hours(soaked)}h")
    if request.rollback is not None:
        trailers.append(f"{judge.policy.rollback_trailer}: {_line(request.rollback)}")
    if request.override is not None:
        trailers.append(f"{OVERRIDE}: {_line(request.override)}")
    return f"{subject}\n\n" + "\n".join(body) + "\n\n" + "\n".join(trailers) + "\n"


def _plain(version: str) -> str:
    """A version for a subject line: a digest is cut to its first 12 hex digits."""
    tag, sep, digest = version.partition("@")
    if not sep:
        return tag if not tag.startswith("sha256:") else tag[:19]
    return f"{tag}@{digest[:19]}"


def _line(text: str) -> str:
    """A trailer value on one line (a reason written over several is joined)."""
    joined = " ".join(text.split())
    if not joined:
        raise GuardError("a trailer value cannot be empty")
    return joined


def _hours(soaked: datetime.timedelta | None) -> int:
    return int(soaked.total_seconds() // 3600) if soaked is not None else 0


def _source_commit(judge: Judge, key: StateKey, source: str, new: ImageRef) -> str | None:
    """The commit that brought the candidate to the from environment, where it has run
    since: the oldest of the latest first-parent commits of its file whose text names it."""
    state = judge.state()
    counterpart = state.get((key[0], source, key[2], key[3]))
    if counterpart is None:
        for other_key, use in state.items():
            if (
                other_key[0] == key[0]
                and other_key[1] == source
                and use.reference is not None
                and use.reference.name == new.name
            ):
                counterpart = use
                break
    if counterpart is None or counterpart.reference is None:
        return None
    running = counterpart.reference
    if (running.digest and running.digest != new.digest) or running.tag != new.tag:
        return None  # another version than the from environment runs: no source commit
    version = running.digest or running.tag
    if version is None:
        return None
    file = counterpart.location.path
    out = run_git(
        judge.repo.root,
        "rev-list",
        "--first-parent",
        f"--max-count={_SOURCE_DEPTH}",
        judge.head,
        "--",
        file,
    ).decode()
    # The version as a whole token: `1.0` is not in a file that says `1.0.1`.
    token = re.compile(rb"(?<![\w.+-])" + re.escape(version.encode()) + rb"(?![\w.+-])")
    found = None
    for sha in out.split():
        data = judge.repo.file_at(sha, file)
        if data is None or token.search(data) is None:
            break
        found = sha
    return found


def _replayed(
    judge: Judge,
    file: str,
    new_text: str,
    targets: list[Target],
    message: str,
) -> None:
    """Replay the patched file over the head: exactly the targets must change, to their new
    references; anything else (a values file two environments share) is refused."""
    history = judge.history
    blob = "promote-" + "0" * 32  # a name no real blob has, served from memory
    old_blob = history.source.blobs.get(file)
    history.source.prefetched[blob] = new_text.encode("utf-8")
    person = Person("gitops-guard promote", "promote@gitops-guard.invalid", judge.now)
    commit = Commit(
        "0" * 40, (judge.head,), person, person, message, None, (FileChange(file, old_blob, blob),)
    )
    try:
        step = history.apply(commit)
    finally:
        history.source.prefetched.pop(blob, None)
    wanted = {t.key: t.new for t in targets}
    changed = {event.key: event.new_ref for event in step.events}
    others = sorted(set(changed) - set(wanted), key=lambda k: tuple(p or "" for p in k))
    if others:
        named = ", ".join(f"{k[0] or '?'} in {k[1] or '?'}" for k in others)
        raise GuardError(
            f"{file}: the value also sets {named}; promote changes one environment",
            hint="give the environment its own value (an overlay or values file) first",
        )
    for key, new in wanted.items():
        got = changed.get(key)
        if got is None or (got.name, got.tag, got.digest) != (new.name, new.tag, new.digest):
            shown = version_of(got) if got is not None else "no version there"
            raise GuardError(
                f"{file}: the edit does not promote {key[0]} in {key[1]} to "
                f"{version_of(new)} (it reads {shown}); nothing was written",
                hint="another line overrides this one; change it by hand",
            )


def dirty(path: Path, file: str) -> bool:
    """Whether ``file`` has uncommitted changes (staged or not) against HEAD."""
    out = run_git(path, "status", "--porcelain", "--", file).decode()
    return bool(out.strip())


def write_promotion(root: Path, promotion: Promotion, branch: str | None = None) -> str:
    """Commit the promotion; returns the new commit's id.

    On the current branch (``branch`` None) HEAD must still be the commit judged and the
    file must have no uncommitted changes; the branch moves, and the file is updated in the
    index and work tree (other changes, staged or not, stay as they were). With ``branch``
    a new branch is made at the commit and nothing else changes.
    """
    head = run_git(root, "rev-parse", "--verify", "HEAD").decode().strip()
    if head != promotion.head:
        raise GuardError(
            f"HEAD is {head[:12]}, not {promotion.head[:12]} the promotion was judged at",
            hint="promote from HEAD (leave out --head), or check out that commit first",
        )
    if branch is not None:
        ref = f"refs/heads/{branch}"
        try:
            run_git(root, "check-ref-format", ref)
        except GitError:
            raise GuardError(f"--branch {branch!r} is not a valid branch name") from None
        if _ref_exists(root, ref):
            raise GuardError(
                f"--branch {branch!r}: the branch exists already",
                hint="name a new branch, or delete that one first",
            )
    elif promotion.review_refs and _on_protected(root, promotion.review_refs):
        raise GuardError(
            f"{promotion.request.environment} requires a pull request, and the current "
            "branch is protected: a commit there would be a direct push (GG305)",
            hint="commit on a branch for the pull request: --branch NAME",
        )
    elif (busy := _in_progress(root)) is not None:
        raise GuardError(
            f"a {busy} is in progress: promote does not commit in the middle of it",
            hint="finish or abort it first, or use --branch NAME",
        )
    elif dirty(root, promotion.path):
        raise GuardError(
            f"{promotion.path} has uncommitted changes: promote writes that file",
            hint="commit or stash them first (git stash), or use --branch NAME",
        )
    sha = _commit(root, promotion)
    if branch is not None:
        run_git(root, "update-ref", "-m", "gitops-guard promote", f"refs/heads/{branch}", sha, "")
        return sha
    run_git(root, "update-ref", "-m", "gitops-guard promote", "HEAD", sha, head)
    blob = run_git(root, "rev-parse", f"{sha}:{promotion.path}").decode().strip()
    mode = _mode(root, sha, promotion.path)
    run_git(root, "update-index", "--cacheinfo", f"{mode},{blob},{promotion.path}")
    run_git(root, "checkout-index", "-f", "--", promotion.path)
    return sha


# What Git leaves in the Git directory while an operation waits for the user.
_IN_PROGRESS = (
    ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("BISECT_LOG", "bisect"),
)


def _on_protected(root: Path, patterns: tuple[str, ...]) -> bool:
    """Whether HEAD is on a protected ref (or detached: where it lands is not known)."""
    try:
        ref = run_git(root, "symbolic-ref", "-q", "HEAD").decode().strip()
    except GitError:
        return True
    return any(glob_matches(pattern, ref) for pattern in patterns)


def _in_progress(root: Path) -> str | None:
    """The Git operation under way in the work tree (a merge, a rebase...), if any."""
    git_dir = Path(run_git(root, "rev-parse", "--absolute-git-dir").decode().strip())
    for name, what in _IN_PROGRESS:
        if (git_dir / name).exists():
            return what
    return None


def _signs_by_default(root: Path) -> bool:
    """Whether Git signs commits here without being asked (``commit.gpgSign``)."""
    try:
        return run_git(root, "config", "--bool", "commit.gpgSign").decode().strip() == "true"
    except GitError:
        return False  # not set


def _ref_exists(root: Path, ref: str) -> bool:
    try:
        run_git(root, "show-ref", "--verify", "--quiet", ref)
    except GitError:
        return False
    return True


def _mode(root: Path, commit: str, path: str) -> str:
    listing = run_git(root, "ls-tree", commit, "--", path).decode().split()
    return listing[0] if listing else "100644"


def _commit(root: Path, promotion: Promotion) -> str:
    """The commit object: the head's tree with the one file replaced (a temporary index)."""
    git_dir = Path(run_git(root, "rev-parse", "--absolute-git-dir").decode().strip())
    with tempfile.TemporaryDirectory(prefix="gitops-guard-promote-", dir=git_dir) as temp:
        content = Path(temp) / "content"
        content.write_bytes(promotion.new_text.encode("utf-8"))
        blob = run_git(root, "hash-object", "-w", "--no-filters", str(content)).decode().strip()
        index = {"GIT_INDEX_FILE": os.path.join(temp, "index")}
        run_git(root, "read-tree", promotion.head, env=index)
        mode = _mode(root, promotion.head, promotion.path)
        run_git(root, "update-index", "--cacheinfo", f"{mode},{blob},{promotion.path}", env=index)
        tree = run_git(root, "write-tree", env=index).decode().strip()
        message = Path(temp) / "message"
        message.write_bytes(promotion.message.encode("utf-8"))
        # commit-tree signs where commit.gpgSign says so, as `git commit` would.
        sign = ["-S"] if promotion.request.sign else []
        return (
            run_git(root, "commit-tree", *sign, tree, "-p", promotion.head, "-F", str(message))
            .decode()
            .strip()
        )
