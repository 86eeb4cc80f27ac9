"""Image tag versions and version constraints, read the way Argo CD Image Updater reads them.

Argo CD Image Updater (AIU) parses tags with Masterminds/semver v3.4.0 (``NewVersion`` in its
default lenient mode) and filters them with ``NewConstraint``/``Check``. Policy checks must
give the same verdicts, quirks included, so this module reproduces that library rather than
the SemVer specification or npm's ranges:

* tags: an optional lowercase ``v``; ``1`` and ``1.2`` mean ``1.0.0`` and ``1.2.0``; leading
  zeros in numbers are accepted (``2024.01.15`` is 2024.1.15); ``6.2-alpine`` is the
  prerelease ``6.2.0-alpine``; numbers must fit in 64 bits;
* constraints: ``=``, ``!=``, ``>``, ``<``, ``>=``/``=>``, ``<=``/``=<``, ``~``/``~>``, ``^``,
  wildcards ``x``/``X``/``*``, hyphen ranges ``A - B``, AND by space or comma, OR by ``||``;
* prereleases: an OR group considers prerelease tags at all only if one of its comparators
  names a prerelease (``>=1.0.0-0``); then they are ordered normally, not just within the
  same ``x.y.z`` as in npm.

The precise reference is section 5 of IMAGE-UPDATER.md. The PyPI ``semver`` package is not
used at run time: it orders numeric prerelease identifiers above 2**64-1 as numbers where
Masterminds treats them as text, and its per-call parsing is too slow for the hot path; the
tests use it as an independent oracle for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "Constraint",
    "InvalidConstraint",
    "InvalidVersion",
    "Version",
    "change_kind",
    "compare",
    "parse_constraint",
    "parse_version",
    "try_parse_version",
]

_MAX_U64: Final = 2**64 - 1

# Go's regexp \s (and RE2's): no vertical tab, no Unicode spaces.
_GO_SPACE: Final = "\t\n\f\r "

# NewVersion's lenient grammar. fullmatch anchors both ends like Go's ^...$, ASCII classes are
# spelled out (Python's \d admits other digits), and every repeated piece is delimited by a
# character the previous piece cannot contain, so backtracking stays linear.
_VERSION_RE: Final = re.compile(
    r"v?(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+))?(?:\.(?P<patch>[0-9]+))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<meta>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)

_PreKey = tuple[tuple[int, int, str], ...]
_Key = tuple[int, int, int, int, _PreKey]


class InvalidVersion(ValueError):
    """A tag that Masterminds/semver ``NewVersion`` rejects; AIU's semver strategy skips it."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"invalid version {text!r}: {reason}")
        self.text = text
        self.reason = reason


class InvalidConstraint(ValueError):
    """A constraint that Masterminds/semver ``NewConstraint`` rejects (AIU errors the image)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"invalid semver constraint {text!r}: {reason}")
        self.text = text
        self.reason = reason


def _prerelease_key(prerelease: str) -> _PreKey:
    """Sort key of a prerelease with Masterminds' identifier rules.

    An identifier is numeric when Go's ``strconv.ParseUint`` accepts it, i.e. ASCII digits
    with a value below 2**64; numeric sorts before text, numbers by value, text byte-wise
    (ASCII, so ``str`` order is byte order). A longer list wins when the shared part is equal,
    which is plain tuple order.
    """
    if not prerelease:
        return ()
    parts: list[tuple[int, int, str]] = []
    for ident in prerelease.split("."):
        if ident.isascii() and ident.isdigit():
            number = int(ident)
            if number <= _MAX_U64:
                parts.append((0, number, ""))
                continue
        parts.append((1, 0, ident))
    return tuple(parts)


@dataclass(frozen=True, slots=True, eq=False)
class Version:
    """A parsed tag, ordered by Masterminds/semver precedence.

    ``major.minor.patch`` compare numerically, a release is newer than its prereleases,
    prereleases compare identifier by identifier, and build ``metadata`` never counts:
    ``1.2.3+a == 1.2.3+b`` and both hash alike. ``original`` keeps the tag as written
    (``v1.2``); ``str()`` gives the canonical form (``1.2.0``).
    """

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    metadata: str = ""
    original: str = ""
    _key: _Key = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The precedence key is computed once, so every comparison is one tuple compare.
        key = (
            self.major,
            self.minor,
            self.patch,
            0 if self.prerelease else 1,
            _prerelease_key(self.prerelease),
        )
        object.__setattr__(self, "_key", key)
        if not self.original:
            object.__setattr__(self, "original", self._canonical())

    def _canonical(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += f"-{self.prerelease}"
        if self.metadata:
            text += f"+{self.metadata}"
        return text

    @property
    def is_prerelease(self) -> bool:
        """True for tags with a ``-prerelease`` part, which constraints skip unless asked."""
        return bool(self.prerelease)

    def __str__(self) -> str:
        return self._canonical()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Version):
            return self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Version):
            return self._key < other._key
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Version):
            return self._key <= other._key
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Version):
            return self._key > other._key
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Version):
            return self._key >= other._key
        return NotImplemented


def _u64(digits: str, text: str) -> int:
    value = int(digits)
    if value > _MAX_U64:
        raise InvalidVersion(text, f"number {digits} does not fit in 64 bits")
    return value


def _why_not_a_version(text: str) -> str:
    """A human reason for a tag that does not have the version shape at all."""
    if not text:
        return "empty string"
    if text[0] == "V":
        return "only a lowercase 'v' prefix is allowed"
    for char in text:
        if not (char.isascii() and (char.isalnum() or char in ".-+")):
            return f"character {char!r} is not allowed"
    core = text[1:] if text[0] == "v" else text
    numeric = re.match(r"[0-9]+(?:\.[0-9]+)*", core)
    if numeric is None:
        return "not a version number (expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD])"
    if numeric.group(0).count(".") >= 3:
        return "more than three numeric parts"
    if text.endswith(("-", "+")) or any(s in text for s in ("..", ".-", ".+", "-.", "+.")):
        return "empty prerelease or build identifier"
    return "not of the form [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]"


def _not_a_version(value: str) -> str:
    why = _why_not_a_version(value)
    if why.startswith("not "):
        return f"{value!r} is not a version"
    return f"{value!r} is not a version: {why}"


def parse_version(text: str) -> Version:
    """Parse a tag the way AIU's semver strategy does (Masterminds ``NewVersion``).

    Accepts ``[v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]``: missing parts are 0, leading
    zeros in the three numbers are dropped, identifiers use ``[0-9A-Za-z-]``, and numeric
    prerelease identifiers may not have leading zeros (``1.2.3-01`` is rejected, build
    metadata ``+01`` is fine). Rejects ``V1.2.3``, ``1.2.3.4``, ``release-1.2``, ``_``, spaces,
    empty identifiers and numbers above 2**64-1. All-digit tags such as ``20240115`` parse
    (as a big major), which is a common surprise with date- or build-number tags.

    Raises :class:`InvalidVersion` with a one-line reason.
    """
    match = _VERSION_RE.fullmatch(text)
    if match is None:
        raise InvalidVersion(text, _why_not_a_version(text))
    major, minor, patch, pre, meta = match.group("major", "minor", "patch", "pre", "meta")
    prerelease = pre or ""
    for ident in prerelease.split(".") if prerelease else ():
        if len(ident) > 1 and ident[0] == "0" and ident.isdigit():
            raise InvalidVersion(
                text, f"numeric prerelease identifier {ident!r} has a leading zero"
            )
    return Version(
        _u64(major, text),
        _u64(minor, text) if minor is not None else 0,
        _u64(patch, text) if patch is not None else 0,
        prerelease,
        meta or "",
        text,
    )


def try_parse_version(text: str) -> Version | None:
    """Like :func:`parse_version`, but None for tags AIU's semver strategy would drop."""
    try:
        return parse_version(text)
    except InvalidVersion:
        return None


def compare(a: Version, b: Version) -> int:
    """-1, 0 or 1 as ``a`` has lower, equal or higher precedence than ``b`` (Go ``Compare``)."""
    return (a._key > b._key) - (a._key < b._key)


def change_kind(old: Version, new: Version) -> str:
    """Classify a move from ``old`` to ``new`` by precedence.

    * ``"downgrade"``: ``new`` sorts below ``old``;
    * ``"same"``: equal precedence, even if the text differs (``v1.2`` vs ``1.2.0``, or only
      the ``+build`` metadata changed, which never counts for precedence);
    * otherwise the highest number that changed: ``"major"``, ``"minor"`` or ``"patch"``.
      A move within the same ``x.y.z`` that only changes the prerelease
      (``1.2.3-rc.1`` to ``1.2.3-rc.2`` or to ``1.2.3``) counts as ``"patch"``.
    """
    order = compare(new, old)
    if order < 0:
        return "downgrade"
    if order == 0:
        return "same"
    if new.major != old.major:
        return "major"
    if new.minor != old.minor:
        return "minor"
    return "patch"


# --------------------------------------------------------------------------------------------
# Constraints

# A constraint is user input, and Masterminds' grammar (written as Go regexps) is ambiguous
# about how whitespace is split between its pieces: Python's backtracking engine needs
# exponential time on "1  1  1 ... !" (0.8 s at 14 repetitions). RE2, whose semantics Go's
# regexp shares (\s, $, leftmost-first submatches), runs it in linear time, so the grammar is
# matched with RE2. The patterns accept exactly what version 3.4.0's do, oddities included:
# its character class for version parts also admits '|', so "1 | 2" passes the grammar and
# only fails later, when "|" does not parse as a number.
_PART: Final = r"[0-9xX*|]+"
_IDENTS: Final = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
# Operators; at most one alternative can succeed at a position, so their order is irrelevant.
_OPERATOR: Final = r"(?:!=|>=|=>|<=|=<|~>|=|>|<|~|\^|)"


def _cv(prefix: str = "") -> str:
    """A constraint version; with ``prefix`` its pieces are captured as named groups."""

    def group(name: str, body: str) -> str:
        return f"(?P<{prefix}{name}>{body})" if prefix else f"(?:{body})"

    return (
        "v?"
        + group("major", _PART)
        + group("minor", rf"\.{_PART}")
        + "?"
        + group("patch", rf"\.{_PART}")
        + "?"
        + group("pre", rf"-{_IDENTS}")
        + "?"
        + group("build", rf"\+{_IDENTS}")
        + "?"
    )


_RANGE_SRC: Final = rf"\s*(?P<lo>{_cv()})\s+-\s+(?P<hi>{_cv()})\s*"
_FIND_SRC: Final = rf"{_OPERATOR}\s*{_cv()}"
_ONE_SRC: Final = rf"^\s*(?P<op>{_OPERATOR})\s*(?P<ver>{_cv('c_')})\s*$"
_VALID_SRC: Final = rf"^\s*{_OPERATOR}\s*{_cv()}\s*(?:(?:\s+|,\s*){_OPERATOR}\s*{_cv()}\s*)*$"


def _re2(source: str) -> Any:
    # Imported lazily: only constraint parsing needs RE2, and it is cached per pattern.
    from gitops_guard.patterns.re2 import compile_re2

    return compile_re2(source)


_Test = Callable[[Version], bool]


def _comparator_test(
    op: str, con: Version, dirty: bool, minor_dirty: bool, patch_dirty: bool
) -> _Test:
    """Build the check for one comparator (the prerelease gate is applied per OR group).

    ``con`` is the comparator's version with wildcards/missing parts zeroed. ``dirty`` means
    some part was missing or a wildcard; ``minor_dirty`` that the minor was (``1``, ``1.x``),
    ``patch_dirty`` that the patch was (``1.2``, ``1.2.x``). A wildcard major (``*``) is dirty
    without either detail flag, which is what makes ``^*``, ``<=*`` and ``!=*`` behave oddly.
    Each branch below mirrors one operator function of Masterminds/semver v3.4.0.
    """
    ck = con._key
    major, minor, patch, pre = con.major, con.minor, con.patch, con.prerelease

    if op in ("", "="):
        if dirty:
            return _comparator_test("~", con, dirty, minor_dirty, patch_dirty)
        return lambda v: v._key == ck
    if op == "!=":
        if minor_dirty:  # != 1.x excludes the whole major line
            return lambda v: v.major != major
        if patch_dirty:  # != 1.2 excludes the 1.2 line, but only for the same prerelease text
            return lambda v: v.major != major or v.minor != minor or v.prerelease != pre
        return lambda v: v._key != ck  # also covers != * (= != 0.0.0)
    if op == ">":
        if minor_dirty:  # > 1 means >= 2.0.0
            return lambda v: v.major > major
        if patch_dirty:  # > 1.2 means >= 1.3.0
            return lambda v: v.major > major or (v.major == major and v.minor > minor)
        return lambda v: v._key > ck
    if op == "<":  # partial versions are not special here: < 1.2 is < 1.2.0
        return lambda v: v._key < ck
    if op in (">=", "=>"):
        return lambda v: v._key >= ck
    if op in ("<=", "=<"):
        if minor_dirty:  # <= 1 means < 2.0.0
            return lambda v: v.major <= major
        if dirty:  # <= 1.2 means < 1.3.0; <= * means < 0.1.0 (wildcard major)
            return lambda v: v.major < major or (v.major == major and v.minor <= minor)
        return lambda v: v._key <= ck
    if op in ("~", "~>"):
        if major == minor == patch == 0 and not minor_dirty and not patch_dirty:
            return lambda v: v._key >= ck  # ~0.0.0 and ~* accept everything
        if minor_dirty:
            return lambda v: v._key >= ck and v.major == major
        return lambda v: v._key >= ck and v.major == major and v.minor == minor
    if op == "^":
        if major > 0 or minor_dirty:
            return lambda v: v._key >= ck and v.major == major
        if minor > 0 or patch_dirty:
            return lambda v: v._key >= ck and v.major == 0 and v.minor == minor
        # ^0.0.3 (and ^*, which is ^0.0.0) pin the patch too.
        return lambda v: v._key >= ck and v.major == 0 and v.minor == 0 and v.patch == patch
    raise AssertionError(f"unreachable operator {op!r}")  # pragma: no cover


def _is_x(part: str) -> bool:
    return part in ("x", "X", "*")


class _Comparator:
    # A plain slotted class: creating dataclasses costs import time, this one needs nothing.
    __slots__ = ("test", "version")

    def __init__(self, version: Version, test: _Test) -> None:
        self.version = version
        self.test = test


def _parse_comparator(text: str, piece: str) -> _Comparator:
    match = _re2(_ONE_SRC).search(piece)
    if match is None:  # pragma: no cover - the validation regexp already vouched for it
        raise InvalidConstraint(text, f"improper constraint: {piece.strip(_GO_SPACE)}")
    op: str = match.group("op")
    written: str = match.group("ver")
    major: str = match.group("c_major")
    minor: str = match.group("c_minor") or ""
    patch: str = match.group("c_patch") or ""
    pre: str = match.group("c_pre") or ""
    # Everything after the first wildcard (or missing part) is ignored, build metadata too;
    # the prerelease is kept. Flags: (dirty, minor_dirty, patch_dirty).
    if _is_x(major):  # "*", "x.1.2"
        core, flags = f"0.0.0{pre}", (True, False, False)
    elif not minor or _is_x(minor[1:]):  # "1", "1.x"
        core, flags = f"{major}.0.0{pre}", (True, True, False)
    elif not patch or _is_x(patch[1:]):  # "1.2", "1.2.x"
        core, flags = f"{major}{minor}.0{pre}", (True, False, True)
    else:  # "v1.2.3-rc.1+build"
        core, flags = written, (False, False, False)
    try:
        con = parse_version(core)
    except InvalidVersion as exc:
        if "|" in written:
            reason = "a single '|' is not valid (alternatives are separated by '||')"
        elif re.fullmatch(_DIAG_VERSION, written) is None:  # e.g. "1x", "**", "1.2.x3"
            reason = _not_a_version(written)
        else:  # a number too big or a prerelease with a leading zero
            reason = f"version {written!r}: {exc.reason}"
        raise InvalidConstraint(text, f"improper constraint: {reason}") from None
    return _Comparator(con, _comparator_test(op, con, *flags))


def _rewrite_ranges(text: str) -> str:
    """Turn each ``A - B`` into ``>= A, <= B`` exactly like Masterminds' rewriteRange.

    Matches are found on the original text, then each matched span's first occurrence in the
    text being rewritten is replaced, as Go's strings.Replace(..., 1) does.
    """
    out = text
    for match in _re2(_RANGE_SRC).finditer(text):
        out = out.replace(match.group(0), f">= {match.group('lo')}, <= {match.group('hi')} ", 1)
    return out


# Only needed to explain errors, so left to re's own compile cache instead of import time.
_DIAG_TOKEN: Final = r"(?P<op>[=!<>~^]+)|(?P<ver>[^\t\n\f\r ,=!<>~^]+)|(?P<sep>[\t\n\f\r ,]+)"
_DIAG_VERSION: Final = (
    r"v?(?:[0-9]+|[xX*])(?:\.(?:[0-9]+|[xX*])){0,2}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_OPERATORS: Final = frozenset({"", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"})


def _diagnose(segment: str) -> str:
    """Explain why an OR group failed Masterminds' grammar (the verdict itself is RE2's)."""
    body = segment.strip(_GO_SPACE)
    if not body:
        return "empty alternative (a doubled or dangling '||')"
    if "|" in body:
        return "a single '|' is not valid (alternatives are separated by '||')"
    if body[0] == "," or body[-1] == "," or re.search(r",[\t\n\f\r ]*,", body):
        return "doubled or dangling ','"
    tokens = [(m.lastgroup or "", m.group(0)) for m in re.finditer(_DIAG_TOKEN, body)]
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        previous = tokens[index - 1] if index else ("", "")
        if kind == "op":
            if value not in _OPERATORS:
                return f"operator {value!r} is not valid"
            if following[0] == "sep" and index + 2 < len(tokens):
                following = tokens[index + 2]
            if following[0] != "ver":
                return f"operator {value!r} has no version"
            if previous[0] == "ver":
                return (
                    f"operator {value!r} directly follows {previous[1]!r}; "
                    "separate comparators with a space or ','"
                )
        elif kind == "ver" and re.fullmatch(_DIAG_VERSION, value) is None:
            if value.startswith("-"):
                return "a hyphen range needs spaces on both sides of '-' (as in '1.2 - 1.4')"
            if value.startswith("&"):
                return f"{value!r} is not valid (AND is written as a space or ',')"
            return _not_a_version(value)
        elif kind == "sep" and value.count(",") > 1:  # pragma: no cover - caught above
            return "doubled or dangling ','"
    return f"{body!r} is not a valid constraint"


_Group = tuple[bool, tuple[_Test, ...]]


class Constraint:
    """A parsed Masterminds/semver constraint such as ``^1.2``, ``>=1.0.0-0 <2`` or ``1.x || 2.x``.

    Parse once with :func:`parse_constraint` (cached) and call :meth:`check` per tag. Instances
    are immutable; equality and hashing follow the constraint text.
    """

    __slots__ = ("_groups", "text")

    text: str
    _groups: tuple[_Group, ...]

    def __init__(self, text: str) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_groups", _compile(text))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"Constraint({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Constraint):
            return self.text == other.text
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)

    def check(self, version: Version) -> bool:
        """True when ``version`` satisfies the constraint, exactly as AIU's filter decides.

        The constraint holds when any ``||`` group holds, and a group holds when all of its
        comparators do. A prerelease tag (``2.0.0-rc.1``) can only satisfy a group in which
        some comparator names a prerelease: ``<2.0.0`` rejects ``2.0.0-rc.1`` while
        ``>=1.0.0-0 <2.0.0`` accepts it (it sorts below ``2.0.0``), and ``^1.2.3-0`` accepts
        ``1.4.0-beta`` (prereleases are not limited to ``1.2.3-*`` as in npm).
        """
        is_pre = bool(version.prerelease)
        for allows_pre, tests in self._groups:
            if is_pre and not allows_pre:
                continue
            for test in tests:
                if not test(version):
                    break
            else:
                return True
        return False

    def allows_prereleases(self) -> bool:
        """True when some ``||`` group opts in to prerelease tags (e.g. ``>=1.0.0-0``)."""
        return any(allows_pre for allows_pre, _ in self._groups)


def _compile(text: str) -> tuple[_Group, ...]:
    rewritten = _rewrite_ranges(text)
    valid, find = _re2(_VALID_SRC), _re2(_FIND_SRC)
    groups: list[_Group] = []
    for segment in rewritten.split("||"):
        if valid.search(segment) is None:
            if not text.strip(_GO_SPACE):
                reason = "empty constraint"
            elif "==" in segment:
                reason = "operator '==' is not valid"
            else:
                reason = _diagnose(segment)
            raise InvalidConstraint(text, f"improper constraint: {reason}")
        comparators = [_parse_comparator(text, m.group(0)) for m in find.finditer(segment)]
        allows_pre = any(c.version.prerelease for c in comparators)
        groups.append((allows_pre, tuple(c.test for c in comparators)))
    return tuple(groups)


@lru_cache(maxsize=1024)
def parse_constraint(text: str) -> Constraint:
    """Parse a constraint as AIU does (Masterminds ``NewConstraint``); results are cached.

    Grammar: ``||`` separates alternatives; inside one, comparators are separated by
    whitespace or a comma (both mean AND); a comparator is an optional operator (``=``,
    ``!=``, ``>``, ``<``, ``>=``/``=>``, ``<=``/``=<``, ``~``/``~>``, ``^``) and a version
    ``[v]X[.Y[.Z]][-PRE][+BUILD]`` whose parts may be ``x``, ``X`` or ``*``; ``A - B`` (spaces
    on both sides) means ``>= A, <= B``. Missing or wildcard parts make a range: ``1.2`` is
    ``>=1.2.0 <1.3.0``, ``>1.2`` is ``>=1.3.0``, ``<=1`` is ``<2.0.0``. Masterminds' quirks are
    kept: ``~0.0.0`` and ``~*`` accept everything, ``^*`` only ``0.0.0``, ``<=*`` is
    ``<0.1.0``, ``!=*`` is ``!=0.0.0``.

    An empty string is an error here, as in the library; AIU 1.3+ substitutes ``*`` for an
    empty constraint before parsing, older AIU skips the check. Raises
    :class:`InvalidConstraint` whose ``reason`` starts with ``improper constraint:``.
    """
    return Constraint(text)
