"""Which tag Argo CD Image Updater would pick, and why every other tag was left out.

A port of AIU's pipeline (``GetTags`` then ``GetNewestVersionFromTags``, IMAGE-UPDATER.md §4):

1. ``digest`` without a constraint is an error for the image.
2. A tag stays only if ``allow-tags`` matches it, no ``ignore-tags`` glob matches it and, for
   ``digest``, it equals the constraint (the tag to track).
3. ``newest-build`` and ``digest`` read each remaining tag's manifest: tags without metadata
   or without an image for a wanted platform are dropped.
4. No tag left: nothing happens (no error, even for a broken constraint).
5. ``semver``: up to 1.1.0 the *running* tag must be a version, else the image errors; the
   constraint must parse (1.3+: empty means ``*``; before: no check, prereleases included);
   tags that are not versions are skipped; candidates satisfy the constraint.
6. The greatest candidate wins: semver precedence then the tag text (``1.0`` < ``1.0.0`` <
   ``v1.0.0``); byte order for ``alphabetical`` and ``digest``; build date then name for
   ``newest-build``.

Strategy names are case-insensitive; ``latest`` and ``name`` are the old names of
``newest-build`` and ``alphabetical``; anything else falls back to ``semver``.

Everything is one pass over the tags plus a maximum, so 100,000 tags take well under a second.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from gitops_guard.updater.annotations import (
    NEWEST_VERSION,
    Semantics,
)
from gitops_guard.updater.tagfilters import (
    AllowTags,
    IgnoreTags,
    Platforms,
    parse_allow_tags,
)
from gitops_guard.updater.tagfilters import parse_platforms as _parse_platforms
from gitops_guard.versions import (
    Constraint,
    InvalidConstraint,
    InvalidVersion,
    Version,
    parse_constraint,
    parse_version,
)

__all__ = [
    "ALPHABETICAL",
    "DIGEST",
    "NEWEST_BUILD",
    "SEMVER",
    "STRATEGIES",
    "Candidate",
    "Selection",
    "SelectionSettings",
    "Strategy",
    "TagInfo",
    "resolve_strategy",
    "select_tag",
]

SEMVER: Final = "semver"
NEWEST_BUILD: Final = "newest-build"
ALPHABETICAL: Final = "alphabetical"
DIGEST: Final = "digest"
STRATEGIES: Final = (SEMVER, NEWEST_BUILD, ALPHABETICAL, DIGEST)
OLD_NAMES: Final = {"latest": NEWEST_BUILD, "name": ALPHABETICAL}
# Strategies for which the entry's constraint means nothing.
IGNORES_CONSTRAINT: Final = frozenset({NEWEST_BUILD, ALPHABETICAL})
# Strategies that read manifests (dates, digests) and therefore honour platforms.
READS_MANIFESTS: Final = frozenset({NEWEST_BUILD, DIGEST})


@dataclass(frozen=True, slots=True)
class Strategy:
    """A strategy value as AIU reads it.

    ``name`` is the canonical strategy that runs; ``written`` the value as configured (None
    when none was); ``old_name`` is True for ``latest``/``name``; ``unknown`` is True when an
    unrecognised value fell back to semver.
    """

    name: str
    written: str | None = None
    old_name: bool = False
    unknown: bool = False


def resolve_strategy(value: str | None) -> Strategy:
    """``ParseUpdateStrategy``: case-insensitive, old names, unknown values → semver."""
    if value is None or value == "":
        return Strategy(SEMVER, value)
    lowered = value.lower()
    if lowered in STRATEGIES:
        return Strategy(lowered, value)
    if lowered in OLD_NAMES:
        return Strategy(OLD_NAMES[lowered], value, old_name=True)
    return Strategy(SEMVER, value, unknown=True)


@dataclass(frozen=True, slots=True)
class TagInfo:
    """One tag offered to the selection, with what the registry would tell about it.

    ``created`` is the image's build date (needed by ``newest-build``); ``digest`` its
    manifest digest; ``platforms`` the ``os/arch[/variant]`` it is available for (None:
    unknown, assumed to fit).
    """

    tag: str
    created: datetime.datetime | None = None
    digest: str | None = None
    platforms: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SelectionSettings:
    """What decides the selection for one image.

    ``strategy`` and ``allow_tags`` are the values as configured (None: not set);
    ``constraint`` is the "tag" part of the image-list entry (or ``imageName``);
    ``running_tag`` the tag currently deployed, when known.
    """

    strategy: str | None = None
    constraint: str | None = None
    allow_tags: str | None = None
    ignore_tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    updater_version: str = NEWEST_VERSION
    running_tag: str | None = None


class Candidate(NamedTuple):
    """The verdict on one input tag: ``accepted`` means it passed every filter.

    A named tuple rather than a dataclass: one is built per input tag, and a frozen
    dataclass costs several times more to create (100,000 tags make it show).
    """

    tag: str
    accepted: bool
    reason: str
    selected: bool = False
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """The outcome for one image: the selected tag (if any), an error, and every verdict.

    ``error`` is what AIU would report for the image (then nothing is updated).
    ``candidates`` has one entry per input tag, in input order. ``notes`` explain behaviour
    a reader may not expect (fallbacks, ignored settings, downgrades).
    """

    strategy: Strategy
    constraint: str | None
    effective_constraint: str | None
    selected: TagInfo | None
    error: str | None
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]
    update: bool | None = None


def _format_date(when: datetime.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _date_key(when: datetime.datetime) -> datetime.datetime:
    # Naive dates count as UTC so that mixed inputs still compare.
    return when if when.tzinfo is not None else when.replace(tzinfo=datetime.UTC)


_EPOCH: Final = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_REJECTED: Final = 0
_ELIGIBLE: Final = 1
_SELECTED: Final = 2


class _Verdicts:
    """The state and reason of every input tag, filled in as the pipeline runs."""

    __slots__ = ("reasons", "states")

    def __init__(self, size: int) -> None:
        self.reasons: list[str] = [""] * size
        self.states: list[int] = [_REJECTED] * size

    def reject(self, index: int, reason: str) -> None:
        """Record that a tag is left out, and why."""
        self.reasons[index] = reason

    def accept(self, index: int, reason: str, selected: bool = False) -> None:
        """Record that a tag passed every filter (``selected``: and won)."""
        self.states[index] = _SELECTED if selected else _ELIGIBLE
        self.reasons[index] = reason


def select_tag(settings: SelectionSettings, tags: Sequence[TagInfo]) -> Selection:
    """Run AIU's selection over ``tags`` and explain the verdict on each of them."""
    semantics = Semantics.of(settings.updater_version)
    strategy = resolve_strategy(settings.strategy)
    allow = parse_allow_tags(settings.allow_tags)
    ignore = IgnoreTags(tuple(settings.ignore_tags))
    platforms = _parse_platforms(settings.platforms)
    constraint_text = settings.constraint or ""
    notes: list[str] = _setting_notes(strategy, constraint_text, allow, platforms)
    verdicts = _Verdicts(len(tags))
    run = _Run(settings, semantics, strategy, tags, verdicts, notes)

    if strategy.name == DIGEST and not constraint_text:
        return run.failed(
            "cannot use update strategy 'digest' without a version constraint: the image-list "
            "entry must name the tag to track (e.g. `app=registry/app:stable`)",
            "not considered: the digest strategy has no tag to track",
            None,
        )

    survivors = _filter(tags, verdicts, strategy, constraint_text, allow, ignore)
    if strategy.name in READS_MANIFESTS:
        survivors = _manifest_stage(tags, survivors, verdicts, strategy, platforms)
    if not survivors:
        notes.append("no tag passed the filters, so Image Updater leaves the image as it is")
        return run.result(None, constraint_text or None)

    if strategy.name == SEMVER:
        return _semver(run, survivors)
    if strategy.name == NEWEST_BUILD:
        best = max(survivors, key=lambda i: (_date_key(tags[i].created or _EPOCH), tags[i].tag))
        chosen = tags[best]
        when = _format_date(chosen.created) if chosen.created else "?"
        for index in survivors:
            if index == best:
                verdicts.accept(index, f"selected: newest build ({when})", selected=True)
            elif tags[index].created == chosen.created:
                verdicts.accept(
                    index,
                    f"eligible; built at the same time as {chosen.tag}, which sorts after it "
                    "by name",
                )
            else:
                verdicts.accept(index, f"eligible; built before the selected {chosen.tag}")
        return run.result(chosen, constraint_text or None)

    # alphabetical and digest: byte-wise order of the tag text (UTF-8 byte order is code
    # point order, which is how Python compares strings).
    best = max(survivors, key=lambda i: tags[i].tag)
    chosen = tags[best]
    for index in survivors:
        if index != best:
            verdicts.accept(index, f"eligible; sorts before the selected {chosen.tag}")
        elif strategy.name == ALPHABETICAL:
            verdicts.accept(index, "selected: last in byte-wise (alphabetical) order", True)
        else:
            tracked = "selected: the tracked tag"
            if chosen.digest:
                tracked += f", now at {chosen.digest}"
            verdicts.accept(index, tracked, True)
    return run.result(chosen, constraint_text or None)


def _setting_notes(
    strategy: Strategy, constraint: str, allow: AllowTags, platforms: Platforms
) -> list[str]:
    notes: list[str] = []
    if strategy.unknown:
        notes.append(
            f"unknown update strategy `{strategy.written}`: Image Updater falls back to semver"
        )
    elif strategy.old_name:
        notes.append(
            f"`{strategy.written}` is the deprecated name of `{strategy.name}` (it still works)"
        )
    if constraint and strategy.name in IGNORES_CONSTRAINT:
        notes.append(f"the constraint `{constraint}` is ignored by the {strategy.name} strategy")
    if allow.problem:
        notes.append(f"{allow.describe()} {allow.problem}")
    if platforms.configured and strategy.name not in READS_MANIFESTS:
        notes.append(f"platforms are only used by newest-build and digest, not by {strategy.name}")
    return notes


def _filter(
    tags: Sequence[TagInfo],
    verdicts: _Verdicts,
    strategy: Strategy,
    constraint: str,
    allow: AllowTags,
    ignore: IgnoreTags,
) -> list[int]:
    """GetTags: allow-tags, ignore-tags and (digest) the tracked tag; returns survivors."""
    last: dict[str, int] = {}
    for index, info in enumerate(tags):
        last[info.tag] = index
    survivors: list[int] = []
    digest = strategy.name == DIGEST
    allow_text = allow.describe()
    allow_reason = (
        f"{allow_text} {allow.problem}" if allow.problem else f"not matched by {allow_text}"
    )
    patterns = bool(ignore.patterns)
    for index, info in enumerate(tags):
        tag = info.tag
        if last[tag] != index:
            verdicts.reject(index, "listed again later; a registry lists each tag once")
            continue
        if not allow.matches(tag):
            verdicts.reject(index, allow_reason)
            continue
        if patterns:
            pattern = ignore.ignoring(tag)
            if pattern is not None:
                verdicts.reject(index, f"ignored by ignore-tags pattern `{pattern}`")
                continue
        if digest and tag != constraint:
            verdicts.reject(index, f"not the tracked tag `{constraint}` (digest strategy)")
            continue
        survivors.append(index)
    return survivors


def _manifest_stage(
    tags: Sequence[TagInfo],
    survivors: list[int],
    verdicts: _Verdicts,
    strategy: Strategy,
    platforms: Platforms,
) -> list[int]:
    """Tags whose manifest offers no wanted platform (or, newest-build, no date) drop out."""
    kept: list[int] = []
    impossible = not any(p.valid for p in platforms.entries)
    for index in survivors:
        info = tags[index]
        if impossible:
            verdicts.reject(
                index,
                f"no image for the platforms `{platforms.describe()}` (an entry needs os/arch)",
            )
            continue
        if info.platforms is not None and not platforms.satisfied_by(info.platforms):
            offered = ", ".join(info.platforms) or "none"
            verdicts.reject(
                index,
                f"no image for the wanted platforms {platforms.describe()} (offers {offered})",
            )
            continue
        if strategy.name == NEWEST_BUILD and info.created is None:
            verdicts.reject(index, "no build date known (newest-build orders tags by build date)")
            continue
        kept.append(index)
    return kept


class _Run:
    """The state one selection shares between its steps."""

    __slots__ = ("notes", "semantics", "settings", "strategy", "tags", "verdicts")

    def __init__(
        self,
        settings: SelectionSettings,
        semantics: Semantics,
        strategy: Strategy,
        tags: Sequence[TagInfo],
        verdicts: _Verdicts,
        notes: list[str],
    ) -> None:
        self.settings = settings
        self.semantics = semantics
        self.strategy = strategy
        self.tags = tags
        self.verdicts = verdicts
        self.notes = notes

    def failed(self, error: str, reason: str, pending: Sequence[int] | None) -> Selection:
        """AIU reports an error for the image; tags still in the race are "not considered".

        ``pending`` are those tags (None: all of them).
        """
        waiting = None if pending is None else set(pending)
        for index in range(len(self.tags)):
            if waiting is None or index in waiting:
                self.verdicts.reject(index, reason)
        return self._selection(None, error, self.settings.constraint, None)

    def result(self, chosen: TagInfo | None, effective: str | None) -> Selection:
        """The outcome when Image Updater evaluates the image (``chosen`` may be None)."""
        if chosen is None and self.strategy.name == SEMVER and self.settings.constraint:
            # AIU only parses the constraint once a version got through: say what will come.
            try:
                parse_constraint(self.settings.constraint)
            except InvalidConstraint as exc:
                self.notes.append(
                    f"the constraint `{self.settings.constraint}` is invalid ({exc.reason}); "
                    "Image Updater reports that error as soon as a version passes the filters"
                )
        update = _update_note(self.strategy, self.settings.running_tag, chosen, self.notes)
        return self._selection(chosen, None, effective, update)

    def _selection(
        self, chosen: TagInfo | None, error: str | None, effective: str | None, update: bool | None
    ) -> Selection:
        verdicts = self.verdicts
        candidates = tuple(
            Candidate(
                info.tag,
                verdicts.states[i] != _REJECTED,
                verdicts.reasons[i],
                verdicts.states[i] == _SELECTED,
                info.digest,
            )
            for i, info in enumerate(self.tags)
        )
        return Selection(
            self.strategy,
            self.settings.constraint,
            effective,
            chosen,
            error,
            candidates,
            tuple(self.notes),
            update,
        )


def _semver(run: _Run, survivors: list[int]) -> Selection:
    tags, verdicts, notes, semantics = run.tags, run.verdicts, run.notes, run.semantics
    versions: dict[int, Version] = {}
    for index in survivors:
        try:
            versions[index] = parse_version(tags[index].tag)
        except InvalidVersion as exc:
            verdicts.reject(index, _not_semver(exc.reason))
    if not versions:
        # AIU sorts first and returns early when no tag is a version: no error is raised,
        # not even for a broken constraint or a non-version running tag.
        notes.append("no tag is a semantic version, so Image Updater leaves the image as it is")
        return run.result(None, run.settings.constraint or None)

    running = run.settings.running_tag
    if semantics.running_tag_must_be_semver and running:
        try:
            parse_version(running)
        except InvalidVersion as exc:
            return run.failed(
                f"Invalid Semantic Version: the running tag `{running}` is not a version "
                f"({exc.reason}); Image Updater {semantics.label} refuses to update from it "
                "(fixed in 1.1.1)",
                "not considered: the running tag is not a version",
                list(versions),
            )
    text = run.settings.constraint or ""
    effective: str | None = text or None
    if not text and semantics.empty_constraint_is_star:
        text, effective = "*", "*"
        notes.append("no constraint: Image Updater 1.3+ reads it as `*` (releases only)")
    elif not text:
        notes.append(
            f"no constraint: Image Updater {semantics.label} checks none, so prereleases "
            "are eligible too (1.3+ excludes them)"
        )
    constraint: Constraint | None = None
    if text:
        try:
            constraint = parse_constraint(text)
        except InvalidConstraint as exc:
            return run.failed(
                f"invalid constraint `{text}`: {exc.reason}",
                "not considered: the constraint is invalid",
                list(versions),
            )

    if constraint is not None:
        outside = f"outside the constraint `{text}`"
        no_pre = (
            outside
            if constraint.allows_prereleases()
            else f"prerelease; `{text}` names no prerelease, so prereleases are excluded"
        )
        check = constraint.check
        for index, version in list(versions.items()):
            if not check(version):
                verdicts.reject(index, no_pre if version.prerelease else outside)
                del versions[index]
    if not versions:
        notes.append("no tag satisfies the constraint, so Image Updater leaves the image as it is")
        return run.result(None, effective)

    top = max(versions.values())
    best = max((i for i, v in versions.items() if v == top), key=lambda i: tags[i].tag)
    chosen = tags[best]
    within = f" within `{text}`" if constraint is not None else ""
    for index, version in versions.items():
        if index == best:
            verdicts.accept(index, f"selected: highest version{within}", selected=True)
        elif version == top:
            verdicts.accept(
                index,
                f"eligible; same version as the selected {chosen.tag}, which sorts after it "
                "as text",
            )
        else:
            verdicts.accept(index, f"eligible; older than the selected {chosen.tag}")
    return run.result(chosen, effective)


def _not_semver(reason: str) -> str:
    # "not a version number (expected ...)" already says it; other reasons add detail.
    return (
        "not a semantic version"
        if reason.startswith("not ")
        else f"not a semantic version: {reason}"
    )


def _update_note(
    strategy: Strategy, running: str | None, chosen: TagInfo | None, notes: list[str]
) -> bool | None:
    """Would AIU write a change? It compares by name (digest: by digest), never by age."""
    if running is None or chosen is None:
        return None
    if strategy.name == DIGEST:
        notes.append(
            "digest strategy: Image Updater writes the tag with its digest whenever that digest "
            "differs from the running one"
        )
        return None
    if chosen.tag == running:
        notes.append(f"already running {running}: nothing to update")
        return False
    message = f"would update {running} → {chosen.tag}"
    if strategy.name == SEMVER:
        try:
            older = parse_version(chosen.tag) < parse_version(running)
        except InvalidVersion:
            older = False
        if older:
            message += (
                " — a downgrade: Image Updater has no newer-than-running check and writes "
                "whatever the settings select"
            )
    notes.append(message)
    return True
