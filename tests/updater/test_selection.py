"""Tag selection for the four strategies, version by version (IMAGE-UPDATER.md §4, §2.8)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.updater.selection import (
    SelectionSettings,
    TagInfo,
    resolve_strategy,
    select_tag,
)
from gitops_guard.versions import parse_version, try_parse_version

DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
DIGEST = "sha256:" + "b" * 64


@dataclass(frozen=True)
class Case:
    """One selection: settings, tags (``name@day`` gives a build date), expected outcome."""

    id: str
    tags: str
    selected: str | None
    strategy: str | None = None
    constraint: str | None = None
    allow: str | None = None
    ignore: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    version: str = "1.3"
    running: str | None = None
    error: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)


def tags_of(text: str) -> list[TagInfo]:
    """``"a,b@3,c@3[linux/arm64]"``: ``@n`` is a build date n days after 2024-01-01."""
    tags = []
    for item in text.split(","):
        if not item:
            continue
        platforms = None
        if "[" in item:
            item, _, rest = item.partition("[")
            platforms = tuple(p for p in rest.rstrip("]").split("|") if p)
        name, _, day = item.partition("@")
        created = T0 + int(day) * DAY if day else None
        tags.append(TagInfo(name, created, DIGEST if name == "stable" else None, platforms))
    return tags


CASES = [
    # --- semver ------------------------------------------------------------------------
    Case("semver-tilde", "1.3.9,1.4.0,1.4.7,1.5.0", "1.4.7", constraint="~1.4"),
    Case("semver-caret", "1.2.0,1.9.9,2.0.0", "1.9.9", constraint="^1.2"),
    Case("semver-caret-zero", "0.2.3,0.2.9,0.3.0", "0.2.9", constraint="^0.2.3"),
    Case("semver-caret-zero-zero", "0.0.3,0.0.4", "0.0.3", constraint="^0.0.3"),
    Case("semver-wildcard", "1.0.0,1.9.0,2.0.0", "1.9.0", constraint="1.x"),
    Case("semver-partial-equals-is-tilde", "1.2.0,1.2.9,1.3.0", "1.2.9", constraint="1.2"),
    Case("semver-space-and", "1.1.0,1.5.0,2.0.0", "1.5.0", constraint=">=1.2 <2"),
    Case("semver-comma-and", "1.1.0,1.5.0,2.0.0", "1.5.0", constraint=">=1.2, <2"),
    Case("semver-or", "1.0.0,2.5.0,3.0.0", "2.5.0", constraint="1.x || 2.x"),
    Case("semver-hyphen-range", "1.2.0,1.4.9,1.5.0", "1.4.9", constraint="1.2 - 1.4"),
    Case("semver-not-equal", "1.2.3,1.2.2", "1.2.2", constraint="!=1.2.3"),
    Case("semver-greater-partial", "1.2.9,1.3.0", "1.3.0", constraint=">1.2"),
    Case("semver-no-match", "2.0.0,3.0.0", None, constraint="~1.4"),
    # Ties: equal precedence is broken by the text of the tag.
    Case("semver-tie-text", "1.0,1.0.0,v1.0.0", "v1.0.0"),
    Case("semver-tie-text-reversed", "v1.0.0,1.0.0,1.0", "v1.0.0"),
    Case("semver-tie-two", "1.0.0,1.0", "1.0.0"),
    # Lenient parsing: a missing part is 0, leading zeros are fine, V is not.
    Case("semver-leading-zeros", "2024.01.15,2024.1.9", "2024.01.15", constraint=">=2024.1.0"),
    Case(
        "semver-capital-v",
        "V2.0.0,1.0.0",
        "1.0.0",
        reasons={"V2.0.0": "not a semantic version: only a lowercase 'v' prefix is allowed"},
    ),
    Case("semver-four-parts", "1.2.3.4,1.2.3", "1.2.3"),
    # The all-digit surprise: a build number is a huge major.
    Case("semver-all-digits", "1.2.3,20240115", "20240115"),
    # Prereleases: excluded unless a comparator of the group names one.
    Case(
        "semver-prerelease-excluded",
        "1.4.0,1.4.8-rc.1",
        "1.4.0",
        constraint="~1.4",
        reasons={
            "1.4.8-rc.1": "prerelease; `~1.4` names no prerelease, so prereleases are excluded"
        },
    ),
    Case("semver-prerelease-opt-in", "1.0.0,1.1.0-rc.1", "1.1.0-rc.1", constraint=">=1.0.0-0"),
    Case(
        "semver-caret-prerelease-not-npm", "1.2.3,1.4.0-beta", "1.4.0-beta", constraint="^1.2.3-0"
    ),
    Case(
        "semver-prerelease-widens-upper",
        "1.9.0,2.0.0-rc.1",
        "2.0.0-rc.1",
        constraint=">=1.2.3-alpha, <2",
    ),
    Case("semver-tilde-prerelease-bounded", "1.2.4,1.3.0-rc.1", "1.2.4", constraint="~1.2.3-0"),
    Case("semver-suffix-is-prerelease", "6.2-alpine,6.2.1", "6.2.1", constraint="~6.2"),
    Case(
        "semver-suffix-idiom",
        "6.2.1,6.2.1-alpine,6.2.2-alpine,6.3.0-alpine",
        "6.2.2-alpine",
        constraint="6.2.x-0",
        allow="regexp:-alpine$",
    ),
    Case("semver-star", "1.0.0,2.0.0-rc.1", "1.0.0", constraint="*"),
    Case("semver-star-prerelease", "1.0.0,2.0.0-rc.1", "2.0.0-rc.1", constraint="*-0"),
    # Masterminds quirks.
    Case("semver-quirk-tilde-zero", "0.0.0,5.0.0", "5.0.0", constraint="~0.0.0"),
    Case("semver-quirk-caret-star", "0.0.0,0.1.0", "0.0.0", constraint="^*"),
    Case("semver-quirk-lte-star", "0.0.9,0.1.0", "0.0.9", constraint="<=*"),
    # Empty constraint: 1.3+ reads `*` (no prereleases), older versions check nothing.
    Case("semver-empty-1.3", "1.0.0,1.1.0-rc.1", "1.0.0", version="1.3"),
    Case("semver-empty-1.2", "1.0.0,1.1.0-rc.1", "1.1.0-rc.1", version="1.2"),
    Case("semver-empty-0.18", "1.0.0,1.1.0-rc.1", "1.1.0-rc.1", version="0.18"),
    # An invalid constraint is an error as soon as a version passes the filters...
    Case(
        "semver-invalid-constraint",
        "1.0.0",
        None,
        constraint="latest",
        error="invalid constraint `latest`",
    ),
    Case(
        "semver-double-equals",
        "1.0.0",
        None,
        constraint="==1.0",
        error="operator '==' is not valid",
    ),
    # ...but AIU returns early, without error, when no tag is a version or none passed.
    Case("semver-invalid-constraint-no-version", "latest,main", None, constraint="latest"),
    Case(
        "semver-invalid-constraint-filtered",
        "1.0.0",
        None,
        constraint="latest",
        allow="regexp:^v",
    ),
    # The running tag must be a version up to 1.1.0.
    Case(
        "running-not-semver-0.18",
        "1.0.0",
        None,
        version="0.18",
        running="latest",
        error="Invalid Semantic Version",
    ),
    Case(
        "running-not-semver-1.1.0",
        "1.0.0",
        None,
        version="1.1.0",
        running="main",
        error="Invalid Semantic Version",
    ),
    Case("running-not-semver-1.1.1", "1.0.0", "1.0.0", version="1.1.1", running="main"),
    Case("running-not-semver-1.2", "1.0.0", "1.0.0", version="1.2", running="main"),
    Case("running-not-semver-no-versions", "main", None, version="0.18", running="latest"),
    Case("running-semver-0.18", "1.0.0,1.1.0", "1.1.0", version="0.18", running="1.0.0"),
    # Strategy names.
    Case("strategy-case", "1.0.0,2.0.0", "2.0.0", strategy="SemVer"),
    Case("strategy-unknown-falls-back", "1.0.0,2.0.0,zzz", "2.0.0", strategy="newest_build"),
    # --- newest-build -----------------------------------------------------------------
    Case("newest-build", "a@1,b@3,c@2", "b", strategy="newest-build"),
    Case("newest-build-old-name", "a@1,b@3,c@2", "b", strategy="latest"),
    Case("newest-build-upper", "a@1,b@3,c@2", "b", strategy="Newest-Build"),
    Case("newest-build-tie-by-name", "x@1,y@1,a@0", "y", strategy="newest-build"),
    Case(
        "newest-build-ignores-constraint",
        "1.0.0@1,2.0.0@2,0.1.0@3",
        "0.1.0",
        strategy="newest-build",
        constraint="~1.0",
    ),
    Case(
        "newest-build-needs-dates",
        "a@1,b",
        "a",
        strategy="newest-build",
        reasons={"b": "no build date known (newest-build orders tags by build date)"},
    ),
    Case(
        "newest-build-platform-default",
        "a@1[linux/amd64],b@2[linux/arm64]",
        "a",
        strategy="newest-build",
    ),
    Case(
        "newest-build-platform-configured",
        "a@1[linux/amd64],b@2[linux/arm64|linux/arm/v7]",
        "b",
        strategy="newest-build",
        platforms=("linux/arm64",),
    ),
    Case(
        "newest-build-platform-impossible",
        "a@1,b@2",
        None,
        strategy="newest-build",
        platforms=("linux",),
    ),
    Case(
        "newest-build-allow", "v1@1,dev-x@3,v2@2", "v2", strategy="newest-build", allow="regexp:^v"
    ),
    Case(
        "newest-build-ignore", "v1@1,v2-rc@3,v2@2", "v2", strategy="newest-build", ignore=("*-rc",)
    ),
    # --- alphabetical -----------------------------------------------------------------
    Case("alphabetical-bytes", "v9,v10", "v9", strategy="alphabetical"),
    Case("alphabetical-case", "Z,a", "a", strategy="alphabetical"),
    Case("alphabetical-old-name", "2024-01-02,2024-01-10", "2024-01-10", strategy="name"),
    Case(
        "alphabetical-ignores-constraint",
        "1.0,9.0",
        "9.0",
        strategy="alphabetical",
        constraint="~1.0",
    ),
    Case(
        "alphabetical-platforms-unused",
        "a[linux/arm64],b[linux/arm64]",
        "b",
        strategy="alphabetical",
    ),
    Case(
        "alphabetical-allow",
        "release-2024.01,release-2024.03,nightly-2024.09",
        "release-2024.03",
        strategy="alphabetical",
        allow="regexp:^release-",
    ),
    # --- digest -----------------------------------------------------------------------
    Case(
        "digest-tracks-one-tag",
        "latest,stable,1.0.0",
        "stable",
        strategy="digest",
        constraint="stable",
        reasons={"latest": "not the tracked tag `stable` (digest strategy)"},
    ),
    Case("digest-upper", "stable", "stable", strategy="DIGEST", constraint="stable"),
    Case(
        "digest-needs-constraint",
        "stable",
        None,
        strategy="digest",
        error="without a version constraint",
    ),
    Case("digest-tracked-missing", "latest", None, strategy="digest", constraint="stable"),
    Case(
        "digest-tracked-ignored",
        "stable",
        None,
        strategy="digest",
        constraint="stable",
        ignore=("stable",),
    ),
    Case(
        "digest-platform",
        "stable[linux/arm64]",
        None,
        strategy="digest",
        constraint="stable",
    ),
    # --- filters ----------------------------------------------------------------------
    Case("allow-unanchored", "11.2.5,1.2.0,2.0.0", "11.2.5", allow="regexp:1\\.2"),
    Case("allow-anchored", "11.2.5,1.2.0,2.0.0", "1.2.0", allow="regexp:^1\\.2"),
    Case(
        "allow-no-colon",
        "1.0.0,2.0.0",
        None,
        allow="^1",
        reasons={
            "1.0.0": "allow-tags `^1` is neither `any` nor `regexp:<pattern>` (no `:`), so it matches no tag"
        },
    ),
    Case("allow-bad-regexp", "1.0.0", None, allow="regexp:(?=1)"),
    Case("allow-any", "1.0.0,2.0.0", "2.0.0", allow="ANY"),
    Case("allow-function-case", "v1.0.0,2.0.0", "v1.0.0", allow="Regexp:^v"),
    Case(
        "ignore-glob",
        "1.0.0,1.1.0-rc1,1.1.0",
        "1.1.0",
        constraint="*-0",
        ignore=("*-rc*",),
        reasons={"1.1.0-rc1": "ignored by ignore-tags pattern `*-rc*`"},
    ),
    Case("ignore-everything-pauses", "1.0.0,2.0.0", None, ignore=("*",)),
    Case("ignore-bad-glob-ignores-nothing", "1.0.0,2.0.0", "2.0.0", ignore=("[",)),
    Case("ignore-negated-class", "1.0.0,x1", "1.0.0", strategy="alphabetical", ignore=("[^0-9]*",)),
    Case(
        "duplicate-tags",
        "1.0.0,1.0.0",
        "1.0.0",
        reasons={"1.0.0": "listed again later; a registry lists each tag once"},
    ),
    Case("no-tags", "", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_selection(case: Case) -> None:
    tags = tags_of(case.tags)
    result = select_tag(
        SelectionSettings(
            strategy=case.strategy,
            constraint=case.constraint,
            allow_tags=case.allow,
            ignore_tags=case.ignore,
            platforms=case.platforms,
            updater_version=case.version,
            running_tag=case.running,
        ),
        tags,
    )
    selected = result.selected.tag if result.selected is not None else None
    assert selected == case.selected
    if case.error is None:
        assert result.error is None
    else:
        assert result.error is not None
        assert case.error in result.error
        assert not any(c.accepted for c in result.candidates)
    # One verdict per input tag, in input order; exactly one selected when something is.
    assert [c.tag for c in result.candidates] == [t.tag for t in tags]
    assert sum(c.selected for c in result.candidates) == (selected is not None)
    for candidate in result.candidates:
        assert candidate.reason
        assert candidate.accepted or not candidate.selected
    for tag, reason in case.reasons.items():
        # The first candidate with this tag (duplicates: the earlier one).
        found = next(c for c in result.candidates if c.tag == tag)
        assert found.reason == reason


def test_reasons_say_why() -> None:
    result = select_tag(
        SelectionSettings(constraint="~1.4", allow_tags="regexp:^[0-9]", ignore_tags=("*-debug",)),
        tags_of("1.4.7,1.4.2,1.5.0,latest,v1.4.9,1.4.3-debug,1.4.8-rc.1,1.4"),
    )
    assert [(c.tag, c.accepted, c.reason) for c in result.candidates] == [
        ("1.4.7", True, "selected: highest version within `~1.4`"),
        ("1.4.2", True, "eligible; older than the selected 1.4.7"),
        ("1.5.0", False, "outside the constraint `~1.4`"),
        ("latest", False, "not matched by allow-tags `regexp:^[0-9]`"),
        ("v1.4.9", False, "not matched by allow-tags `regexp:^[0-9]`"),
        ("1.4.3-debug", False, "ignored by ignore-tags pattern `*-debug`"),
        (
            "1.4.8-rc.1",
            False,
            "prerelease; `~1.4` names no prerelease, so prereleases are excluded",
        ),
        ("1.4", True, "eligible; older than the selected 1.4.7"),
    ]


def test_notes_explain_fallbacks_and_updates() -> None:
    unknown = select_tag(SelectionSettings(strategy="sha"), tags_of("1.0.0"))
    assert unknown.strategy.name == "semver"
    assert unknown.strategy.unknown
    assert any("falls back to semver" in n for n in unknown.notes)
    ignored = select_tag(
        SelectionSettings(strategy="alphabetical", constraint="~1.0", platforms=("linux/arm64",)),
        tags_of("a"),
    )
    assert any("is ignored by the alphabetical strategy" in n for n in ignored.notes)
    assert any("platforms are only used" in n for n in ignored.notes)
    downgrade = select_tag(
        SelectionSettings(constraint="~1.3", running_tag="1.4.2"), tags_of("1.3.9")
    )
    assert downgrade.update is True
    assert any("a downgrade" in n for n in downgrade.notes)
    same = select_tag(SelectionSettings(running_tag="1.3.9"), tags_of("1.3.9"))
    assert same.update is False
    empty = select_tag(SelectionSettings(updater_version="1.3"), tags_of("1.0.0"))
    assert empty.effective_constraint == "*"
    unevaluated = select_tag(SelectionSettings(constraint="latest"), tags_of("main"))
    assert unevaluated.error is None
    assert any("reports that error as soon as a version passes" in n for n in unevaluated.notes)


def test_old_names_resolve() -> None:
    assert resolve_strategy("latest").name == "newest-build"
    assert resolve_strategy("latest").old_name
    assert resolve_strategy("NAME").name == "alphabetical"
    assert resolve_strategy(None).name == "semver"
    assert resolve_strategy("").name == "semver"
    assert resolve_strategy(" digest").unknown


# --- properties ---------------------------------------------------------------------------

_core = st.integers(0, 12)
_version_tag = st.builds(
    lambda v, a, b, c, pre: f"{v}{a}.{b}.{c}{pre}",
    st.sampled_from(["", "v"]),
    _core,
    _core,
    _core,
    st.sampled_from(["", "", "-rc.1", "-rc.2", "-alpha", "-0"]),
)
_tag = st.one_of(_version_tag, st.sampled_from(["latest", "main", "1.2", "1", "x-1"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_tag, max_size=25), st.sampled_from(["", "~1.4", ">=2.0.0-0", "1.x || 3.x", "<5"]))
def test_semver_selects_the_greatest_by_precedence_then_text(
    tags: list[str], constraint: str
) -> None:
    result = select_tag(
        SelectionSettings(constraint=constraint or None, updater_version="1.2"),
        [TagInfo(t) for t in tags],
    )
    from gitops_guard.versions import parse_constraint

    check = parse_constraint(constraint).check if constraint else (lambda _v: True)
    eligible = sorted(
        {(v, t) for t in tags if (v := try_parse_version(t)) is not None and check(v)},
        key=lambda pair: (pair[0], pair[1]),
    )
    expected = eligible[-1][1] if eligible else None
    assert (result.selected.tag if result.selected else None) == expected
    accepted = {c.tag for c in result.candidates if c.accepted}
    assert accepted == {t for _, t in eligible}


@settings(max_examples=100, deadline=None)
@given(st.lists(_tag, min_size=1, max_size=20, unique=True), st.randoms())
def test_the_choice_does_not_depend_on_input_order(tags: list[str], rnd: random.Random) -> None:
    for strategy in ("semver", "alphabetical"):
        first = select_tag(SelectionSettings(strategy=strategy), [TagInfo(t) for t in tags])
        shuffled = list(tags)
        rnd.shuffle(shuffled)
        second = select_tag(SelectionSettings(strategy=strategy), [TagInfo(t) for t in shuffled])
        assert (first.selected and first.selected.tag) == (second.selected and second.selected.tag)


def test_a_hundred_thousand_tags_are_linear() -> None:
    tags = [TagInfo(f"{i // 1000}.{i % 1000}.{i % 7}") for i in range(100_000)]
    tags.append(TagInfo("a" * 10_000))
    result = select_tag(
        SelectionSettings(constraint=">=50.0.0 <60", allow_tags="regexp:^(5|6)[0-9]\\."), tags
    )
    assert result.selected is not None
    assert parse_version(result.selected.tag).major == 59
