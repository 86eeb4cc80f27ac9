"""Shell patterns with the exact semantics of Go's ``path/filepath.Match`` on Linux.

Argo CD Image Updater matches ``ignore-tags`` entries (and the ImageUpdater CRD's
Application ``namePattern``) with ``filepath.Match``. Python's ``fnmatch`` differs on points
that matter here (``[!...]`` negation, case folding on some systems, no ``\\`` escapes, no
errors), so this is a port of Go's algorithm:

* ``*`` matches any run of characters except ``/``; ``?`` one character except ``/``;
* ``[abc]``, ``[a-z]``, negated ``[^a-z]`` (``!`` is an ordinary character); a class is
  never empty, and unlike ``?`` it can match ``/``;
* ``\\`` escapes the next character, inside or outside a class;
* the pattern must match the whole name;
* a malformed pattern is an error, and never matches (AIU then ignores nothing for it).

Go splits a pattern at each ``*`` and parses a part only when matching reaches it. The first
part is always checked; a later one only for names that match everything before it, so
``filepath.Match("x*[", "y")`` is simply false while ``("x*[", "xy")`` is an error.
(``path.Match``, a different function, checks the rest too; ``filepath.Match`` does not.)
:func:`validate_pattern` answers the validator's question: would Go ever report it?

Matching works on UTF-8 bytes as Go does: ``?`` and classes consume one whole character,
while ``*`` backtracks byte by byte, so after a ``*`` a ``?`` can match part of a multi-byte
character (``*??`` matches ``☺``); tags and Application names are ASCII, where this never
shows. Go commits to the leftmost match of every part except the last, which keeps the cost
within len(pattern) * len(name) and produces one more quirk: ``*a[^x]*b`` does not match
``aa/b`` (``a[^x]`` takes ``aa``, and the next ``*`` may not cross the ``/``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

__all__ = ["BadPattern", "go_match", "validate_pattern"]

_SEPARATOR: Final = 0x2F  # '/'
_STAR: Final = 0x2A  # '*'
_QUESTION: Final = 0x3F  # '?'
_BACKSLASH: Final = 0x5C  # '\\'
_LBRACKET: Final = 0x5B  # '['
_RBRACKET: Final = 0x5D  # ']'
_CARET: Final = 0x5E  # '^'
_DASH: Final = 0x2D  # '-'
_RUNE_ERROR: Final = 0xFFFD


class BadPattern(ValueError):
    """Go's ``filepath.ErrBadPattern`` ("syntax error in pattern"), with the reason."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"syntax error in pattern {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


def _utf8(text: str) -> bytes:
    # Lone surrogates cannot be UTF-8; surrogateescape restores bytes that came from
    # undecodable input, anything else becomes bytes Go would see as invalid UTF-8.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass")


def _decode_rune(data: bytes, i: int) -> tuple[int, int]:
    """Go's utf8.DecodeRune at ``data[i:]``: (rune, width), (0xFFFD, 1) when invalid."""
    b0 = data[i]
    if b0 < 0x80:
        return b0, 1
    avail = len(data) - i
    if 0xC2 <= b0 <= 0xDF:
        if avail >= 2 and 0x80 <= data[i + 1] <= 0xBF:
            return ((b0 & 0x1F) << 6) | (data[i + 1] & 0x3F), 2
        return _RUNE_ERROR, 1
    if 0xE0 <= b0 <= 0xEF:
        # Second-byte limits exclude overlong forms (E0) and UTF-16 surrogates (ED).
        lo = 0xA0 if b0 == 0xE0 else 0x80
        hi = 0x9F if b0 == 0xED else 0xBF
        if avail >= 3 and lo <= data[i + 1] <= hi and 0x80 <= data[i + 2] <= 0xBF:
            rune = ((b0 & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
            return rune, 3
        return _RUNE_ERROR, 1
    if 0xF0 <= b0 <= 0xF4:
        lo = 0x90 if b0 == 0xF0 else 0x80
        hi = 0x8F if b0 == 0xF4 else 0xBF
        if (
            avail >= 4
            and lo <= data[i + 1] <= hi
            and 0x80 <= data[i + 2] <= 0xBF
            and 0x80 <= data[i + 3] <= 0xBF
        ):
            rune = (
                ((b0 & 0x07) << 18)
                | ((data[i + 1] & 0x3F) << 12)
                | ((data[i + 2] & 0x3F) << 6)
                | (data[i + 3] & 0x3F)
            )
            return rune, 4
    return _RUNE_ERROR, 1


def _scan_chunk(pattern: bytes, start: int) -> tuple[bool, int, int]:
    """Split off the next chunk: (leading star?, chunk start, chunk end).

    A chunk is a run of single-character terms; it ends at a ``*`` outside a class. As in Go,
    ``\\`` hides the next byte, and ``[``/``]`` toggle "inside a class" without validating.
    """
    end = len(pattern)
    star = False
    while start < end and pattern[start] == _STAR:
        start += 1
        star = True
    in_class = False
    i = start
    while i < end:
        byte = pattern[i]
        if byte == _BACKSLASH:
            if i + 1 < end:
                i += 1
        elif byte == _LBRACKET:
            in_class = True
        elif byte == _RBRACKET:
            in_class = False
        elif byte == _STAR and not in_class:
            break
        i += 1
    return star, start, i


# A term matches one character: a literal byte, '?' (-1), or a class (negated, ranges).
_Term = int | tuple[bool, tuple[tuple[int, int], ...]]
_ANY: Final = -1


class _Chunk:
    """One '*'-separated part of a pattern (a plain class: dataclasses cost import time)."""

    __slots__ = ("error", "star", "terms")

    def __init__(self, star: bool, terms: tuple[_Term, ...], error: str) -> None:
        self.star = star  # preceded by '*'
        self.terms = terms
        self.error = error  # why the part is malformed; Go reports it only when reached


class _Bad(Exception):
    """Internal: a malformed part, turned into BadPattern when matching reaches it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _class_char(chunk: bytes, i: int, end: int) -> tuple[int, int]:
    """One possibly escaped character of a class: (rune, next index). Go's getEsc."""
    if i >= end:
        raise _Bad("unterminated character class")
    if chunk[i] == _DASH:
        raise _Bad("'-' without a range start (escape it as '\\-')")
    if chunk[i] == _RBRACKET:
        raise _Bad("empty character class or range without an end")
    if chunk[i] == _BACKSLASH:
        i += 1
        if i >= end:
            raise _Bad("pattern ends with an unfinished '\\' escape")
    rune, width = _decode_rune(chunk, i)
    if rune == _RUNE_ERROR and width == 1:
        raise _Bad("invalid UTF-8 in character class")
    i += width
    if i >= end:
        raise _Bad("unterminated character class")
    return rune, i


def _parse_terms(pattern: bytes, start: int, end: int) -> tuple[_Term, ...]:
    """The terms of one chunk, raising _Bad as Go's matchChunk would on reaching it."""
    terms: list[_Term] = []
    i = start
    while i < end:
        byte = pattern[i]
        if byte == _LBRACKET:
            i += 1
            negated = i < end and pattern[i] == _CARET
            if negated:
                i += 1
            ranges: list[tuple[int, int]] = []
            while True:
                if i < end and pattern[i] == _RBRACKET and ranges:
                    i += 1
                    break
                lo, i = _class_char(pattern, i, end)
                hi = lo
                if pattern[i] == _DASH:
                    hi, i = _class_char(pattern, i + 1, end)
                ranges.append((lo, hi))  # lo > hi is allowed and matches nothing
            terms.append((negated, tuple(ranges)))
        elif byte == _QUESTION:
            terms.append(_ANY)
            i += 1
        else:
            if byte == _BACKSLASH:
                i += 1
                if i >= end:
                    raise _Bad("pattern ends with an unfinished '\\' escape")
            terms.append(pattern[i])
            i += 1
    return tuple(terms)


@lru_cache(maxsize=512)
def _compile(pattern: str) -> tuple[_Chunk, ...]:
    data = _utf8(pattern)
    chunks: list[_Chunk] = []
    p = 0
    while p < len(data):
        star, start, end = _scan_chunk(data, p)
        p = end
        try:
            chunks.append(_Chunk(star, _parse_terms(data, start, end), ""))
        except _Bad as bad:
            chunks.append(_Chunk(star, (), bad.reason))
    return tuple(chunks)


def _match_terms(terms: tuple[_Term, ...], name: bytes, pos: int) -> int:
    """Match one chunk at ``name[pos:]``: the position after it, or -1."""
    size = len(name)
    for term in terms:
        if pos >= size:
            return -1
        if isinstance(term, int):
            if term == _ANY:
                if name[pos] == _SEPARATOR:
                    return -1
                pos += _decode_rune(name, pos)[1]
            elif name[pos] == term:
                pos += 1
            else:
                return -1
        else:
            negated, ranges = term
            rune, width = _decode_rune(name, pos)
            matched = any(lo <= rune <= hi for lo, hi in ranges)
            if matched == negated:
                return -1
            pos += width
    return pos


def _reach(chunk: _Chunk, pattern: str) -> tuple[_Term, ...]:
    # Go parses a chunk only when matching reaches it; that is when its error surfaces.
    if chunk.error:
        raise BadPattern(pattern, chunk.error)
    return chunk.terms


def _match(pattern: str, name: bytes) -> bool:
    """Go's filepath.Match loop over chunks (leftmost match for all but the last chunk)."""
    chunks = _compile(pattern)
    count, size = len(chunks), len(name)
    pos = 0
    for index, chunk in enumerate(chunks):
        last = index == count - 1
        if chunk.star and not chunk.terms and not chunk.error:
            # Trailing '*': matches the rest of the name unless it crosses a '/'.
            return name.find(b"/", pos) < 0
        terms = _reach(chunk, pattern)
        found = _match_terms(terms, name, pos)
        # The last chunk must consume the whole name; any other takes its leftmost match.
        if found >= 0 and (found == size or not last):
            pos = found
            continue
        if not chunk.star:
            return False
        # Let the star swallow one more byte at a time, never a '/'.
        skip = pos
        while skip < size and name[skip] != _SEPARATOR:
            found = _match_terms(terms, name, skip + 1)
            if found >= 0 and not (last and found < size):
                break
            skip += 1
        else:
            return False
        pos = found
    return pos == size


def go_match(pattern: str, name: str) -> bool:
    """True when ``name`` matches the shell ``pattern`` as Go's ``filepath.Match`` decides.

    ``*`` stands for any run of characters other than ``/``, ``?`` for one such character,
    ``[a-z0-9]`` for one character from the class and ``[^...]`` for one outside it; ``\\``
    makes the next character literal. The whole name must match: ``*-rc*`` matches
    ``1.2.0-rc1``, ``1.2.*`` matches ``1.2.3`` but not ``1.2.3/x``.

    Raises :class:`BadPattern` when matching reaches a malformed part of the pattern
    (unclosed ``[``, empty class ``[]``, a dangling ``-`` in a class, a trailing ``\\``).
    Like Go, a malformed part after a ``*`` is only reached by names that match everything
    before it: ``v1*[`` is an error for ``v1.2`` but simply no match for ``latest``.
    """
    return _match(pattern, _utf8(name))


def _satisfiable(term: _Term) -> bool:
    """Whether some character matches the term (inverted ranges such as ``[z-a]`` match none)."""
    if isinstance(term, int):
        return True
    negated, ranges = term
    if not negated:
        return any(lo <= hi for lo, hi in ranges)
    # A negated class matches nothing only if its ranges cover every rune UTF-8 can encode.
    uncovered = 0
    for lo, hi in sorted((lo, hi) for lo, hi in ranges if lo <= hi):
        if lo > uncovered:  # a gap; it starts outside the surrogates (see below)
            return True
        uncovered = max(uncovered, hi + 1)
        if 0xD800 <= uncovered <= 0xDFFF:
            uncovered = 0xE000  # surrogates are not runes
    return uncovered <= 0x10FFFF


def validate_pattern(pattern: str) -> None:
    """Raise :class:`BadPattern` if Go's ``filepath.Match`` reports the pattern for some name.

    Go only notices a malformed part when matching gets that far (``x*[`` is fine for ``y``,
    an error for ``xy``), so this checks every part that some name can reach. A malformed
    pattern never matches anything, so in ``ignore-tags`` it ignores nothing for any tag.
    """
    for chunk in _compile(pattern):
        terms = _reach(chunk, pattern)
        if not all(_satisfiable(term) for term in terms):
            return  # no name gets past this part, so Go never parses the rest
