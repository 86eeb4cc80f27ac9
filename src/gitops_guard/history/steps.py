"""Commits → repository states → promotion events: the same extraction, over history.

``History.replay`` walks commits oldest first, keeps one incremental
:class:`~gitops_guard.extract.Extraction` of the tree, and after each commit compares
the effective image of every (app, environment, resource, container) with the one
before: every difference is a :class:`PromotionEvent`. Only changed blobs are read
and parsed, through one persistent ``cat-file --batch``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from gitops_guard.extract.inventory import (
    Extraction,
    UnitKey,
)
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Commit, FileChange, ImageUse, Source
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import (
    is_manifest_path,
)
from gitops_guard.repo.git import (
    BlobBatch,
    GitRepository,
)
from gitops_guard.repo.tree import TreeSource
from gitops_guard.versions import change_kind, try_parse_version

StateKey = tuple[str | None, str | None, str | None, str | None]  # app, env, resource, container


# Which use wins when several set the same container's image: Image Updater's write-back
# file overrides the Application, which overrides what the manifests say.
def state_key(use: ImageUse) -> StateKey:
    """What one deployed container is: app, environment, resource and container, the
    resource qualified by the Argo CD Application deploying it.

    Two Applications deploying the same Deployment into one environment (a canary in
    another namespace, a second Application in the same file) run two containers; keyed
    apart, neither can hide what the other changes.
    """
    resource = use.resource
    if use.application is not None:
        resource = f"{resource or ''}@{use.application}"
    return (use.app, use.environment, resource, use.container)


def precedence(use: ImageUse) -> tuple[bool, bool, bool]:
    """Which use decides what a container runs when several set it (highest wins).

    Image Updater's write-back file is laid over everything; then what an Argo CD
    Application is known to deploy (its overrides first) over what the layout only
    presumes: a folder no Application deploys any more keeps its images in the
    inventory, but the Application's build says what runs.
    """
    return (
        use.source is Source.WRITE_BACK,
        use.application is not None or use.source is Source.APPLICATION,
        use.source is Source.APPLICATION,
    )


_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_GITLAB_MR = re.compile(r"See merge request \S*!(\d+)")
_UPDATER_SUBJECT = re.compile(r"^build: automatic update of (\S+)$")
_UPDATER_LINE = re.compile(r"^updates image (\S+) tag '([^']*)' to '([^']*)'$", re.MULTILINE)


def version_of(ref: ImageRef | None) -> str | None:
    """What a promotion moves: the tag, else the digest."""
    if ref is None:
        return None
    return ref.tag or ref.digest


def classify(old: ImageRef | None, new: ImageRef | None) -> str | None:
    """The kind of change between two references of one image use (None: no change).

    new, removed; for the same repository: digest (same tag, other digest), patch,
    minor, major, downgrade (semver, read as Image Updater reads versions), tag (any
    other tag change); another repository counts as new.
    """
    if old is None and new is None:
        return None
    if old is None:
        return "new"
    if new is None:
        return "removed"
    if str(old) == str(new):
        return None
    if old.identity != new.identity:
        return "new"
    if old.tag == new.tag:
        return "digest"
    old_version = try_parse_version(old.tag) if old.tag else None
    new_version = try_parse_version(new.tag) if new.tag else None
    if old_version is None or new_version is None:
        return "tag"
    kind = change_kind(old_version, new_version)
    return "tag" if kind == "same" else kind


def pull_request(commit: Commit) -> int | None:
    """The PR (or GitLab merge request) number a commit's message names, for reports.

    A number in a message proves nothing (anyone can write ``(#999)``): whether a change
    came through a pull request is :func:`is_pull_request`.
    """
    for pattern, text in (
        (_MERGE_PR, commit.subject),
        (_SQUASH_PR, commit.subject),
        (_GITLAB_MR, commit.message),
    ):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def is_pull_request(commit: Commit) -> bool:
    """Whether a commit landed through a pull request, proven by its structure.

    A merge commit whose second parent was not on the ref: what a forge's merge button
    makes. A merge of commits already on the ref (``git merge -s ours`` of an old
    branch) brings nothing to review; a subject naming a PR is only text.
    """
    if len(commit.parents) < 2:
        return False
    return commit.merged is None or bool(commit.merged)


def _matches(patterns: Sequence[str], name: str, email: str) -> bool:
    return any(glob_matches(p, name) or glob_matches(p, email) for p in patterns)


def is_bot_author(commit: Commit, patterns: Sequence[str]) -> bool:
    """Whether the author's name or email matches a ``bots`` pattern (``*`` only wildcard)."""
    return _matches(patterns, commit.author.name, commit.author.email)


def co_authors(commit: Commit) -> list[tuple[str, str]]:
    """(name, email) of every ``Co-authored-by:`` trailer."""
    people = []
    for value in commit.trailer_lists().get("co-authored-by", []):
        name, _, email = value.partition("<")
        people.append((name.strip(), email.rstrip(">").strip()))
    return people


def is_bot(commit: Commit, patterns: Sequence[str]) -> bool:
    """Whether a bot made the change: the author, a ``Co-authored-by`` trailer (squash
    merges keep them), or any commit a merge brings matches a ``bots`` pattern."""
    if is_bot_author(commit, patterns):
        return True
    if any(_matches(patterns, name, email) for name, email in co_authors(commit)):
        return True
    return any(is_bot(merged, patterns) for merged in commit.merged or ())


def landing_trailers(commit: Commit) -> dict[str, str]:
    """The trailers a change lands with: the commit's, and those of the commits it merges
    (a pull request's rollback trailer is in its commit, not in the merge commit)."""
    found: dict[str, str] = {}
    for merged in commit.merged or ():
        found.update(merged.trailers())
    found.update(commit.trailers())
    return found


@dataclass(frozen=True, slots=True)
class UpdaterMessage:
    """What Image Updater's default commit message says it changed."""

    application: str
    changes: tuple[tuple[str, str, str], ...]  # (image path, old tag, new tag)


def updater_message(commit: Commit) -> UpdaterMessage | None:
    """Parse Image Updater's default commit message, if this is one."""
    match = _UPDATER_SUBJECT.match(commit.subject)
    if match is None:
        return None
    lines = tuple(
        (m.group(1), m.group(2), m.group(3)) for m in _UPDATER_LINE.finditer(commit.message)
    )
    return UpdaterMessage(match.group(1), lines)


def effective(uses: Iterable[ImageUse]) -> dict[StateKey, ImageUse]:
    """The image each (app, environment, resource, container) runs: the winning use.

    Image Updater ``image-list`` entries are configuration, not deployed images.
    """
    state: dict[StateKey, ImageUse] = {}
    for use in uses:
        if use.source is Source.ANNOTATION:
            continue
        key = state_key(use)
        current = state.get(key)
        if current is None or precedence(use) >= precedence(current):
            state[key] = use
    return state


@dataclass(frozen=True, slots=True)
class PromotionEvent:
    """One image change of one (app, environment, resource, container) in one commit."""

    commit: Commit
    key: StateKey
    old: ImageUse | None
    new: ImageUse | None
    change: str
    bot: bool
    pr: int | None
    through_pr: bool = False  # proven by structure (see is_pull_request)

    @property
    def app(self) -> str | None:
        return self.key[0]

    @property
    def environment(self) -> str | None:
        return self.key[1]

    @property
    def container(self) -> str | None:
        return self.key[3]

    @property
    def use(self) -> ImageUse:
        """The use that locates the event: the new one, else the removed one."""
        use = self.new or self.old
        assert use is not None
        return use

    @property
    def old_ref(self) -> ImageRef | None:
        return self.old.reference if self.old else None

    @property
    def new_ref(self) -> ImageRef | None:
        return self.new.reference if self.new else None

    @property
    def repository(self) -> str | None:
        ref = self.new_ref or self.old_ref
        return ref.name if ref else None


def _key_text(item: tuple[StateKey, ImageUse]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])


def taken_over(
    key: StateKey,
    new: ImageUse,
    vanished: Sequence[tuple[StateKey, ImageUse]],
    present: Collection[tuple[str | None, str | None]] = (),
) -> ImageUse | None:
    """What a container that appears took over: the image of a container of the same
    app and environment that disappeared in the same change, of the same repository.

    Renaming a container, a Deployment or the Application deploying it makes a new
    state key; judged as new, a downgrade through a rename would need no rollback
    marker. Of several candidates, one the change goes down from is taken (a gate
    assumes the worst), and none whose image is the same (a plain rename).
    """
    ref = new.reference
    if ref is None:
        return None
    same_repository = [
        (app, use)
        for (app, environment, _resource, _container), use in vanished
        if environment == key[1]
        and use.reference is not None
        and use.reference.identity == ref.identity
        and use.raw != new.raw
    ]
    # Renaming the Application (or the folder the app's name comes from) makes another app:
    # the same app's vanished container first, then one of an app that left the environment,
    # then any (a folder the Application left may still be placed by the layout).
    candidates = (
        [use for app, use in same_repository if app == key[0]]
        or [use for app, use in same_repository if (app, key[1]) not in present]
        or [use for _app, use in same_repository]
    )
    downgrades = [use for use in candidates if classify(use.reference, ref) == "downgrade"]
    chosen = downgrades or candidates
    return chosen[0] if chosen else None


def _running_by_repository(
    state: dict[StateKey, ImageUse],
) -> dict[tuple[str | None, str | None, str], list[ImageUse]]:
    grouped: dict[tuple[str | None, str | None, str], list[ImageUse]] = {}
    for (app, environment, _resource, _container), use in state.items():
        if use.reference is not None:
            grouped.setdefault((app, environment, use.reference.identity), []).append(use)
    return grouped


def running_above(
    key: StateKey,
    new: ImageUse,
    running: dict[tuple[str | None, str | None, str], list[ImageUse]],
) -> ImageUse | None:
    """A newer version of the same repository that the app already runs in the environment,
    deployed the same way, beside a container that appears: a second Deployment running an
    older version (the first one scaled to zero) is a downgrade of what runs there, not a
    new image."""
    ref = new.reference
    if ref is None:
        return None
    above = [
        use
        for use in running.get((key[0], key[1], ref.identity), [])
        if use is not new
        # Deployed the same way (the same Application and overlay): another deployer of
        # the environment (a layout-placed folder an Application left) is another matter.
        and use.application == new.application
        and use.overlay == new.overlay
        and classify(use.reference, ref) == "downgrade"
    ]
    return above[0] if above else None


def _winner(units: dict[UnitKey, list[ImageUse]]) -> ImageUse:
    """The use that decides a key's image when several units set it (see `effective`)."""
    uses = [use for unit in sorted(units) for use in units[unit]]
    chosen = effective(uses)
    return next(iter(chosen.values()))


@dataclass
class Step:
    """A commit with the events it made; ``state`` is the live state after it (not a copy)."""

    commit: Commit
    events: list[PromotionEvent]
    state: dict[StateKey, ImageUse]


@dataclass
class History:
    """Replays commits over an incrementally maintained extraction of the tree."""

    repo: GitRepository
    policy: Policy
    start: str | None = None  # the commit whose tree the replay starts from (None: empty)
    # A replay restricted to some paths sees only the commits that touch them: each
    # commit then follows the previous one, whatever its parents say.
    linear: bool = False
    extraction: Extraction = field(init=False)
    source: TreeSource = field(init=False)
    state: dict[StateKey, ImageUse] = field(init=False)
    head: str | None = field(init=False)
    # Uses by state key and unit, so a commit only re-decides the keys its units touch.
    _by_key: dict[StateKey, dict[UnitKey, list[ImageUse]]] = field(init=False)
    _unit_keys: dict[UnitKey, set[StateKey]] = field(init=False)

    def __post_init__(self) -> None:
        blobs, links = self.repo.tree_entries(self.start) if self.start else ({}, {})
        self.source = TreeSource(self.repo, blobs, links)
        self.extraction = Extraction(self.source, self.policy)
        self._by_key, self._unit_keys = {}, {}
        for key in self.extraction.all_keys():
            self.extraction.compute(key)
            self._index(key)
        self.state = {key: _winner(units) for key, units in self._by_key.items()}
        self.head = self.start

    def _index(self, unit_key: UnitKey) -> set[StateKey]:
        """Move a unit's uses into the key index; returns every state key it touched."""
        touched = self._unit_keys.pop(unit_key, set())
        for known in touched:
            units = self._by_key.get(known)
            if units is not None:
                units.pop(unit_key, None)
                if not units:
                    del self._by_key[known]
        unit = self.extraction.units.get(unit_key)
        if unit is not None:
            mine: set[StateKey] = set()
            for use in unit.uses:
                if use.source is Source.ANNOTATION:
                    continue
                key = state_key(use)
                self._by_key.setdefault(key, {}).setdefault(unit_key, []).append(use)
                mine.add(key)
            if mine:
                self._unit_keys[unit_key] = mine
            touched |= mine
        return touched

    def reset(self, commit: str | None) -> None:
        """Start again from another commit's tree (a range that is not linear)."""
        self.start = commit
        self.__post_init__()

    def apply(self, commit: Commit) -> Step:
        """Move the tree to ``commit`` and return the events it made."""
        parent = commit.parents[0] if commit.parents else None
        if parent != self.head and not self.linear:
            self.move_to(parent)
        before, touched = self._advance(commit.changes)
        events = self._diff(commit, before, touched)
        self.head = commit.sha
        return Step(commit, events, self.state)

    def move_to(self, commit: str | None) -> None:
        """Bring the tree to another commit without events (a range that is not linear).

        One ``git diff-tree`` gives what differs; only that is extracted again, where
        rebuilding the tree from scratch would parse every file.
        """
        if commit is None or self.head is None:
            self.reset(commit)
            return
        self._advance(self.repo.tree_diff(self.head, commit))
        self.head = commit

    def _advance(
        self, changes: Iterable[FileChange]
    ) -> tuple[dict[StateKey, ImageUse], set[StateKey]]:
        """Apply file changes; returns the state before for the keys they touched."""
        changed: set[str] = set()
        source = self.source
        for change in changes:
            if source.links and (change.link or change.path in source.links):
                changed |= source.under_link(change.path)  # what the link showed before
            source.set(change.path, change.new_blob, change.link)
            changed.add(change.path)
            if change.link:
                changed |= source.under_link(change.path)  # and what it shows now
        if source.links:
            changed |= source.aliases_of(changed)  # files also read through a symlink
        touched: set[StateKey] = set()
        if changed:
            for unit_key in self.extraction.update(changed, self.source):
                touched |= self._index(unit_key)
        before = {key: self.state[key] for key in touched if key in self.state}
        for key in touched:
            units = self._by_key.get(key)
            if units:
                self.state[key] = _winner(units)
            else:
                self.state.pop(key, None)
        return before, touched

    def _diff(
        self, commit: Commit, before: dict[StateKey, ImageUse], touched: set[StateKey]
    ) -> list[PromotionEvent]:
        events: list[PromotionEvent] = []
        if not touched:
            return events
        bot = is_bot(commit, self.policy.bots)
        pr = pull_request(commit)
        through_pr = is_pull_request(commit)
        order = {name: index for index, name in enumerate(self.policy.environments)}
        ordered = sorted(before.items(), key=_key_text)
        vanished = [(key, use) for key, use in ordered if key not in self.state]
        running: dict[tuple[str | None, str | None, str], list[ImageUse]] | None = None
        present: set[tuple[str | None, str | None]] | None = None
        for key in sorted(
            touched,
            key=lambda k: (order.get(k[1] or "", len(order)), tuple(str(p) for p in k)),
        ):
            old, new = before.get(key), self.state.get(key)
            if old is None and new is not None:
                if present is None:
                    present = {(k[0], k[1]) for k in self.state}
                old = taken_over(key, new, vanished, present)
                if old is None and before:
                    if running is None:
                        running = _running_by_repository(self.state)
                    old = running_above(key, new, running)
            if old is not None and new is not None and old.raw == new.raw:
                continue
            old_ref = old.reference if old else None
            new_ref = new.reference if new else None
            kind = classify(old_ref, new_ref)
            if kind is None:
                if old is None or new is None or old.raw == new.raw:
                    continue
                kind = "tag"  # unparsable references that changed
            events.append(PromotionEvent(commit, key, old, new, kind, bot, pr, through_pr))
        return events

    def replay(self, arguments: Sequence[str]) -> Iterator[Step]:
        """Apply every commit ``git log`` lists (give ``--reverse``) and yield the steps."""
        yield from self.apply_all(self.repo.log(arguments))

    def apply_all(self, commits: Iterable[Commit], chunk: int = 256) -> Iterator[Step]:
        """Apply commits in order, reading the blobs of each chunk in one round trip."""
        batch = self.repo.blob_batch()
        try:
            pending: list[Commit] = []
            for commit in commits:
                pending.append(commit)
                if len(pending) >= chunk:
                    yield from self._apply_chunk(batch, pending)
                    pending = []
            yield from self._apply_chunk(batch, pending)
        finally:
            batch.close()

    def _apply_chunk(self, batch: BlobBatch, commits: list[Commit]) -> Iterator[Step]:
        wanted = [
            change.new_blob
            for commit in commits
            for change in commit.changes
            if change.new_blob and is_manifest_path(change.path)
        ]
        self.source.prefetched.update(batch.fetch(list(dict.fromkeys(wanted))))
        try:
            for commit in commits:
                yield self.apply(commit)
        finally:
            self.source.prefetched.clear()
