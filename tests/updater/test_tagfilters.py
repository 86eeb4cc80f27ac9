"""allow-tags (RE2, unanchored, anything else matches nothing), ignore-tags (Go globs), platforms."""

from __future__ import annotations

import pytest

from gitops_guard.updater.tagfilters import (
    IgnoreTags,
    is_anchored,
    parse_allow_tags,
    parse_platforms,
)


@pytest.mark.parametrize(
    ("value", "tag", "matches"),
    [
        (None, "anything", True),
        ("", "anything", True),
        ("any", "x", True),
        ("ANY", "x", True),
        ("Any", "x", True),
        ("regexp:^v1\\.", "v1.2.3", True),
        ("regexp:^v1\\.", "1.2.3", False),
        ("REGEXP:^v1\\.", "v1.2.3", True),  # the function name is case-insensitive
        ("RegExp:^v1\\.", "v1.2.3", True),
        ("regexp:1\\.2", "11.2.5", True),  # unanchored: a match anywhere counts
        ("regexp:-alpine$", "6.2.1-alpine", True),
        ("regexp:\\d+", "١٢", False),  # RE2's \d is ASCII only
        ("regexp:[[:digit:]]+", "7", True),
        ("regexp:(?i)RC", "1.0.0-rc1", True),
        ("regexp:(?P<v>[0-9]+)", "v1", True),
        ("regexp:", "anything", True),  # an empty regexp matches everything
        ("regexp:a:b", "xa:bx", True),  # split at the first colon only
        # Anything else matches nothing.
        ("^v1\\.", "v1.2.3", False),
        ("glob:*", "v1.2.3", False),
        ("regex:^v1", "v1.2.3", False),
        (" any", "x", False),
        ("regexp:(?=1)", "1.0", False),  # lookahead is not RE2
        ("regexp:(a)\\1", "aa", False),  # backreference
        ("regexp:x**", "x", False),
        ("regexp:[", "[", False),
    ],
)
def test_allow_tags(value: str | None, tag: str, matches: bool) -> None:
    assert parse_allow_tags(value).matches(tag) is matches


@pytest.mark.parametrize(
    ("value", "kind", "problem"),
    [
        ("any", "any", None),
        ("regexp:^1", "regexp", None),
        ("^1", "none", "no `:`"),
        ("semver:~1", "none", "unknown function `semver`"),
        ("regexp:(?!x)", "none", "not a valid Go (RE2) regular expression"),
    ],
)
def test_allow_tags_problems(value: str, kind: str, problem: str | None) -> None:
    parsed = parse_allow_tags(value)
    assert parsed.kind == kind
    if problem is None:
        assert parsed.problem is None
    else:
        assert parsed.problem is not None
        assert problem in parsed.problem


def test_hostile_regexps_stay_linear() -> None:
    allow = parse_allow_tags("regexp:^(a+)+$")
    assert allow.matches("a" * 50_000 + "b") is False


@pytest.mark.parametrize(
    ("pattern", "anchored"),
    [
        ("^v1", True),
        ("-alpine$", True),
        ("(?i)^v1", True),
        ("\\Av1", True),
        ("v1\\z", True),
        ("1\\.2", False),
        ("rc", False),
        ("a\\$", False),
    ],
)
def test_anchors(pattern: str, anchored: bool) -> None:
    assert is_anchored(pattern) is anchored


@pytest.mark.parametrize(
    ("patterns", "tag", "ignored_by"),
    [
        (("*-rc*",), "1.2.0-rc1", "*-rc*"),
        (("*-rc*",), "1.2.0", None),
        (("latest", "main"), "main", "main"),
        (("*",), "anything", "*"),
        (("[^0-9]*",), "latest", "[^0-9]*"),
        (("[!0-9]*",), "!x", "[!0-9]*"),  # `!` is literal in Go globs
        (("[!0-9]*",), "latest", None),
        (("1.2.\\*",), "1.2.*", "1.2.\\*"),
        (("[",), "[", None),  # a malformed glob ignores nothing
        (("[", "*-rc*"), "1.0-rc", "*-rc*"),
        (("regexp:^v1",), "v1.0", None),
        (("?.?.?",), "1.2.3", "?.?.?"),
    ],
)
def test_ignore_tags(patterns: tuple[str, ...], tag: str, ignored_by: str | None) -> None:
    assert IgnoreTags(patterns).ignoring(tag) == ignored_by


def test_ignore_tags_from_an_annotation_value() -> None:
    assert IgnoreTags.from_value(" latest, *-rc* ,, main ").patterns == ("latest", "*-rc*", "main")
    assert IgnoreTags.from_value("").patterns == ()
    assert IgnoreTags(("[", "ok", "a\\")).problems() == [
        ("[", "unterminated character class"),
        ("a\\", "pattern ends with an unfinished '\\' escape"),
    ]
    assert IgnoreTags(("regexp:^v1", "^v", "*")).regexp_like() == ["regexp:^v1", "^v"]


def test_platforms() -> None:
    default = parse_platforms(())
    assert not default.configured
    assert default.describe() == "linux/amd64"
    assert default.satisfied_by(["linux/amd64", "linux/arm64"])
    assert not default.satisfied_by(["linux/arm64"])
    arm = parse_platforms(["linux/arm64/v8"])
    assert arm.satisfied_by(["linux/arm64/v8"])
    assert not arm.satisfied_by(["linux/arm64/v7"])
    any_variant = parse_platforms(["linux/arm64"])
    assert any_variant.satisfied_by(["linux/arm64/v8"])
    broken = parse_platforms(["linux", " linux/amd64 "])
    assert broken.invalid() == ["linux"]
    assert broken.satisfied_by(["linux/amd64"])
    only_broken = parse_platforms(["linux"])
    assert not only_broken.satisfied_by(["linux/amd64", "linux"])
