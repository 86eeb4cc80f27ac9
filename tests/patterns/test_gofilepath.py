"""Specification of gitops_guard.patterns.gofilepath: Go's path/filepath.Match on Linux.

The first table restates Go's own match_test.go; the rest pins down what ignore-tags users
meet (``!`` is literal, ``\\`` escapes, when errors surface) and Go's algorithmic quirks.
Every row was also run through Go's filepath.Match.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gitops_guard.patterns.gofilepath import (
    BadPattern,
    go_match,
    validate_pattern,
)

BAD = "BadPattern"

# (pattern, name, expected): True/False, or BAD when Go returns ErrBadPattern.
GO_MATCH_TESTS: list[tuple[str, str, bool | str]] = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*", "abc", True),
    ("a*", "ab/c", False),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a?b", "a☺b", True),
    ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("a[^a][^a][^a]b", "a☺b", False),
    ("[a-ζ]*", "α", True),
    ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("[\\]a]", "]", True),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("[]a]", "]", BAD),
    ("[-]", "-", BAD),
    ("[x-]", "x", BAD),
    ("[x-]", "-", BAD),
    ("[x-]", "z", BAD),
    ("[-x]", "x", BAD),
    ("[-x]", "-", BAD),
    ("[-x]", "a", BAD),
    ("\\", "a", BAD),
    ("[a-b-c]", "a", BAD),
    ("[", "a", BAD),
    ("[^", "a", BAD),
    ("[^bc", "a", BAD),
    ("a[", "a", BAD),
    ("a[", "ab", BAD),
    ("a[", "x", BAD),  # reported although the first byte already fails to match
    ("a/b[", "x", BAD),
    ("*x", "xxx", True),
]

IGNORE_TAGS_TESTS: list[tuple[str, str, bool | str]] = [
    ("latest", "latest", True),
    ("latest", "latest-1", False),  # whole-string match, not substring
    ("*-rc*", "1.2.0-rc1", True),
    ("*-rc*", "1.2.0", False),
    ("*-SNAPSHOT", "1.0-SNAPSHOT", True),
    ("v1.*", "v1.2.3", True),
    ("v1.*", "v10.0", False),
    ("1.2.*", "1.2.3", True),
    ("[0-9]*", "1.2.3", True),
    ("[0-9]*", "v1.2.3", False),
    ("sha-???????", "sha-abc1234", True),
    ("sha-???????", "sha-abc123", False),
    ("*", "", True),
    ("", "", True),
    ("", "a", False),
    ("?", "", False),
    ("[!a]", "!", True),  # '!' is an ordinary character, not negation
    ("[!a]", "a", True),
    ("[!a]", "b", False),
    ("[^a]", "b", True),
    ("[^a]", "a", False),
    ("[^!]", "!", False),
    ("a^b", "a^b", True),
    ("!latest", "!latest", True),
    ("!latest", "v1", False),
    ("\\[x]", "[x]", True),
    ("\\?", "?", True),
    ("\\?", "a", False),
    ("\\a", "a", True),  # escaping an ordinary character is allowed
    ("[\\\\]", "\\", True),
    ("a]b", "a]b", True),  # a lone ']' is literal
    ("[*]", "*", True),  # '*' inside a class is literal
    ("[*]x", "ax", False),
    ("[a-c]", "B", False),  # case-sensitive
    ("LATEST", "latest", False),
    ("[z-a]", "m", False),  # an inverted range matches nothing, but is not an error
    ("[^z-a]", "m", True),
    ("**", "abc", True),
    ("a**b", "axxb", True),
    ("*/*", "a/b", True),
    ("*/*", "a/b/c", False),
    ("a[/]b", "a/b", True),  # a class can match '/', unlike '?' and '*'
    ("a[^x]b", "a/b", True),
    # Go commits to the leftmost match of every chunk but the last, and then a '*' may not
    # cross '/': here "a[^x]" takes "aa" and "*b" cannot reach past the '/'.
    ("*a[^x]*b", "aa/b", False),
    ("*a[^x]*b", "xa/b", True),
    # '*' backtracks byte by byte, so after it '?' can match part of a UTF-8 character.
    ("*??", "☺", True),
    ("??", "☺", False),
    ("*[^a][^a]", "☺", True),
    ("[☺]", "☺", True),
    ("[\ufffd]", "\ufffd", True),
    ("[", "", BAD),
    ("[]", "", BAD),
    ("[^]", "^", BAD),
    ("[a", "a", BAD),
    ("[a-", "a", BAD),
    ("a\\", "a", BAD),
    ("*[", "anything", BAD),
    ("*x[", "x", BAD),
    ("a*b[", "ab", BAD),
    ("[a*", "a", BAD),
    # Go parses the part after a '*' only when the name matched everything before it.
    ("x*[", "y", False),
    ("x*[", "xy", BAD),
    ("v1*[", "latest", False),
    ("v1*[", "v1.2", BAD),
    ("ok*[a-]", "nope", False),
    ("ok*[a-]", "okay", BAD),
    ("[b-a]*[", "b", False),  # nothing gets past "[b-a]", so the '[' is never parsed
]


def _expect(pattern: str, name: str, expected: bool | str) -> None:
    if expected == BAD:
        with pytest.raises(BadPattern) as caught:
            go_match(pattern, name)
        assert caught.value.pattern == pattern
        assert caught.value.reason
        assert str(caught.value).startswith("syntax error in pattern")
    else:
        assert go_match(pattern, name) is expected


def _params(rows: list[tuple[str, str, bool | str]]) -> list[object]:
    words = {True: "matches", False: "does not match", BAD: "is malformed for"}
    return [pytest.param(p, n, e, id=f"{p!r} {words[e]} {n!r}") for p, n, e in rows]


@pytest.mark.parametrize(("pattern", "name", "expected"), _params(GO_MATCH_TESTS))
def test_go_match_test_table(pattern: str, name: str, expected: bool | str) -> None:
    _expect(pattern, name, expected)


@pytest.mark.parametrize(("pattern", "name", "expected"), _params(IGNORE_TAGS_TESTS))
def test_ignore_tags_semantics(pattern: str, name: str, expected: bool | str) -> None:
    _expect(pattern, name, expected)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        pytest.param("[", "unterminated character class", id="open bracket"),
        pytest.param("a[bc", "unterminated character class", id="unclosed class"),
        pytest.param("[]", "empty character class", id="empty class"),
        pytest.param("[-a]", "'-' without a range start", id="leading dash"),
        pytest.param("[a-]", "range without an end", id="range without end"),
        pytest.param("a\\", "unfinished '\\' escape", id="trailing backslash"),
        pytest.param("[a\\", "unfinished '\\' escape", id="backslash ending a class"),
        pytest.param("x*[", "unterminated", id="reported only for names starting with x"),
        pytest.param("v1.*[0-9", "unterminated", id="reported only for v1. names"),
    ],
)
def test_validate_pattern_reports_why(pattern: str, reason: str) -> None:
    with pytest.raises(BadPattern) as caught:
        validate_pattern(pattern)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "*",
        "latest",
        "*-rc*",
        "[!a]",
        "[^a-z]*",
        "\\*",
        "[\\]]",
        "[z-a]",
        "a]",
        "**/x",
        "[b-a]*[",  # the malformed '[' is unreachable: nothing matches "[b-a]"
        "[^\x00-\U0010ffff]*[",  # a negated class covering every character
    ],
)
def test_validate_pattern_accepts_well_formed(pattern: str) -> None:
    validate_pattern(pattern)


# ---------------------------------------------------------------------------------------------
# Properties

_META = "*?[\\"
_plain = st.text(st.characters(blacklist_characters=_META, codec="utf-8"), max_size=12)
_no_slash = st.text(st.characters(blacklist_characters="/", codec="utf-8"), max_size=12)
_pattern_chars = st.text(st.sampled_from("ab/-^!]*?[\\"), max_size=10)
_name_chars = st.text(st.sampled_from("ab/-^!]*?[\\☺"), max_size=8)


@given(_plain, _plain)
def test_a_literal_pattern_matches_only_itself(literal: str, other: str) -> None:
    assert go_match(literal, literal)
    assert go_match(literal, other) == (literal == other)


@given(_no_slash)
def test_star_matches_any_name_without_a_slash(name: str) -> None:
    assert go_match("*", name)
    assert not go_match("*", name + "/")


@given(_pattern_chars, _name_chars)
def test_validate_pattern_catches_every_error_matching_can_raise(pattern: str, name: str) -> None:
    try:
        matched = go_match(pattern, name)
    except BadPattern:
        with pytest.raises(BadPattern):
            validate_pattern(pattern)
    else:
        if matched:  # a malformed pattern never matches anything
            validate_pattern(pattern)


# Differential check against an independent translation to a regular expression. Go's
# algorithm takes the leftmost match of each chunk, which equals full backtracking as long as
# only literal '/' can match '/', so negated classes are only used with names without '/'.
_ALPHABET = "ab-^!]/."


@st.composite
def _terms(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """A well-formed pattern as (kind, go_text, regex_text) terms."""
    terms: list[tuple[str, str, str]] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["lit", "lit", "any", "star", "class", "negated"]))
        if kind == "lit":
            char = draw(st.sampled_from(_ALPHABET + "*?[\\"))
            go = "\\" + char if char in "*?[\\" else char
            terms.append((kind, go, re.escape(char)))
        elif kind == "any":
            terms.append((kind, "?", "[^/]"))
        elif kind == "star":
            terms.append((kind, "*", "[^/]*"))
        else:
            items = draw(st.lists(st.sampled_from("ab-^!]."), min_size=1, max_size=3))
            go_items = "".join("\\" + c if c in "-]^\\" else c for c in items)
            rx_items = "".join(re.escape(c) for c in items)
            if draw(st.booleans()):  # add a range
                lo, hi = sorted(draw(st.lists(st.sampled_from("abc"), min_size=2, max_size=2)))
                go_items += f"{lo}-{hi}"
                rx_items += f"{lo}-{hi}"
            if kind == "negated":
                terms.append((kind, f"[^{go_items}]", f"[^{rx_items}]"))
            else:
                terms.append((kind, f"[{go_items}]", f"[{rx_items}]"))
    return terms


@given(_terms(), st.text(st.sampled_from(_ALPHABET), max_size=8))
def test_agrees_with_a_regex_translation(terms: list[tuple[str, str, str]], name: str) -> None:
    assume("/" not in name or all(kind != "negated" for kind, _, _ in terms))
    pattern = "".join(go for _, go, _ in terms)
    regex = "".join(rx for _, _, rx in terms)
    validate_pattern(pattern)
    assert go_match(pattern, name) == (re.fullmatch(regex, name) is not None)
