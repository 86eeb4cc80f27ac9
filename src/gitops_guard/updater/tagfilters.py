"""Image Updater's tag filters: ``allow-tags``, ``ignore-tags`` and ``platforms``.

* ``allow-tags`` (``ParseMatch``): empty or ``any`` (any case) admits every tag; otherwise the
  value is split at its first ``:`` and the function name, in any case, must be ``regexp``,
  whose argument is a Go (RE2) regular expression searched anywhere in the tag (unanchored
  ``MatchString``). Anything else (no ``:``, another function, a regexp that does not compile)
  becomes *match nothing*: the image can never update, and AIU only logs a warning.
* ``ignore-tags``: Go ``filepath.Match`` globs, whole-tag match; a malformed glob errors for
  the tags that reach its bad part and ignores nothing for them.
* ``platforms``: ``os/arch[/variant]``; an entry without ``/`` is kept on purpose as a
  platform no image has, so that AIU never updates to the wrong architecture.

Every filter is linear in the tag length: regexps are RE2, globs are Go's algorithm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from gitops_guard.patterns.gofilepath import (
    BadPattern,
    go_match,
    validate_pattern,
)
from gitops_guard.patterns.re2 import (
    InvalidRegex,
    searcher,
)

__all__ = [
    "DEFAULT_PLATFORM",
    "AllowTags",
    "IgnoreTags",
    "Platform",
    "Platforms",
    "is_anchored",
    "parse_allow_tags",
    "parse_platforms",
]

ANY: Final = "any"
REGEXP: Final = "regexp"
NONE: Final = "none"
# Where AIU normally runs; it is the platform used when none is configured.
DEFAULT_PLATFORM: Final = "linux/amd64"


@dataclass(frozen=True, slots=True)
class AllowTags:
    """A parsed ``allow-tags`` value.

    ``kind`` is ``any``, ``regexp`` or ``none`` (matches nothing); ``problem`` says why a
    value that is not empty became ``none``.
    """

    value: str | None
    kind: str
    pattern: str | None = None
    problem: str | None = None
    _compiled: Any = field(default=None, repr=False, compare=False)

    def matches(self, tag: str) -> bool:
        """Whether AIU keeps ``tag`` (Go ``regexp.MatchString``: a match anywhere counts)."""
        if self.kind == ANY:
            return True
        if self.kind == NONE:
            return False
        result: bool = self._compiled(tag)
        return result

    def describe(self) -> str:
        """``allow-tags `regexp:^v1\\.` `` for messages."""
        return f"allow-tags `{self.value}`" if self.value else "allow-tags"

    @property
    def anchored(self) -> bool:
        """True unless the regexp has neither a start nor an end anchor."""
        return self.kind != REGEXP or is_anchored(self.pattern or "")


def parse_allow_tags(value: str | None) -> AllowTags:
    """Read an ``allow-tags`` value exactly as AIU's ``ParseMatch`` does."""
    if value is None or value == "":
        return AllowTags(value, ANY)
    if value.lower() == ANY:
        return AllowTags(value, ANY)
    function, colon, argument = value.partition(":")
    if not colon:
        return AllowTags(
            value,
            NONE,
            problem="is neither `any` nor `regexp:<pattern>` (no `:`), so it matches no tag",
        )
    if function.lower() != REGEXP:
        return AllowTags(
            value,
            NONE,
            problem=f"uses the unknown function `{function}` (only `regexp:` exists), so it "
            "matches no tag",
        )
    try:
        matches = searcher(argument)
    except InvalidRegex as exc:
        return AllowTags(
            value,
            NONE,
            argument,
            problem=f"is not a valid Go (RE2) regular expression ({exc.reason}), so it matches "
            "no tag",
        )
    return AllowTags(value, REGEXP, argument, None, matches)


def is_anchored(pattern: str) -> bool:
    """Whether a regexp is anchored at the start or the end (``^``, ``\\A``, ``$``, ``\\z``).

    A heuristic on the text: flags such as ``(?i)`` before the anchor are skipped.
    """
    text = pattern
    while text.startswith("(?") and ")" in text and ":" not in text[: text.index(")")]:
        text = text[text.index(")") + 1 :]
    starts = text.startswith(("^", "\\A"))
    ends = (text.endswith("$") and not text.endswith("\\$")) or text.endswith("\\z")
    return starts or ends


@dataclass(frozen=True, slots=True)
class IgnoreTags:
    """A list of ``ignore-tags`` globs (already split and trimmed)."""

    patterns: tuple[str, ...] = ()

    @classmethod
    def from_value(cls, value: str | None) -> IgnoreTags:
        """Split a comma-separated annotation value the way v0.x does (empty entries dropped)."""
        if not value:
            return cls(())
        return cls(tuple(p.strip() for p in value.strip().split(",") if p.strip()))

    def ignoring(self, tag: str) -> str | None:
        """The first pattern that ignores ``tag`` (AIU's ``IsTagIgnored``), or None."""
        for pattern in self.patterns:
            try:
                if go_match(pattern, tag):
                    return pattern
            except BadPattern:
                continue  # AIU: an erroring pattern ignores nothing for this tag
        return None

    def problems(self) -> list[tuple[str, str]]:
        """(pattern, reason) for every pattern Go would report as malformed."""
        found: list[tuple[str, str]] = []
        for pattern in self.patterns:
            try:
                validate_pattern(pattern)
            except BadPattern as exc:
                found.append((pattern, exc.reason))
        return found

    def regexp_like(self) -> list[str]:
        """Patterns that look like they were meant as regular expressions."""
        return [p for p in self.patterns if p.lower().startswith("regexp:") or p.startswith("^")]


@dataclass(frozen=True, slots=True)
class Platform:
    """One wanted platform; ``valid`` is False for entries AIU cannot parse (no ``/``)."""

    text: str
    os: str
    arch: str
    variant: str
    valid: bool

    def matches(self, available: str) -> bool:
        """Whether an image for ``available`` (``os/arch[/variant]``) satisfies this entry."""
        if not self.valid:
            return False
        parts = available.strip().split("/", 2)
        if len(parts) < 2:
            return False
        variant = parts[2] if len(parts) == 3 else ""
        if parts[0] != self.os or parts[1] != self.arch:
            return False
        return not self.variant or variant == self.variant


def _platform(text: str) -> Platform:
    parts = text.strip().split("/", 2)
    if len(parts) < 2:
        return Platform(text, text, "", "", False)
    return Platform(text, parts[0], parts[1], parts[2] if len(parts) == 3 else "", True)


@dataclass(frozen=True, slots=True)
class Platforms:
    """The wanted platforms; the default (none configured) is the platform AIU runs on."""

    entries: tuple[Platform, ...]
    configured: bool

    def invalid(self) -> list[str]:
        """Entries AIU keeps as impossible platforms."""
        return [p.text for p in self.entries if not p.valid]

    def satisfied_by(self, available: Iterable[str]) -> bool:
        """Whether an image offered for ``available`` platforms is acceptable."""
        offered = list(available)
        return any(p.matches(a) for p in self.entries for a in offered)

    def describe(self) -> str:
        """The wanted platforms, comma-separated, for messages."""
        return ", ".join(p.text for p in self.entries)


def parse_platforms(values: Sequence[str] | None) -> Platforms:
    """The wanted platforms from a list of entries (trimmed; empty ones dropped)."""
    entries = tuple(_platform(v) for v in values or () if v.strip())
    if not entries:
        return Platforms((_platform(DEFAULT_PLATFORM),), configured=False)
    return Platforms(entries, configured=True)
