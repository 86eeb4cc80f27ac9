"""Freeze windows in the policy: how they are read, when each is in effect, and their errors.

``environments.<env>.freeze`` lists windows, each with a reason: fixed (``from``/``until``,
ISO 8601 timestamps with their offset) or recurring (``days`` with ``start``/``end`` in a
``timezone``'s wall time, ``end`` at or before ``start`` meaning the next day).
"""

from __future__ import annotations

import datetime

import pytest

from gitops_guard.errors import EXIT_USAGE, PolicyError
from gitops_guard.policy.diff import loosenings
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import FixedFreeze, Freeze, RecurringFreeze
from tests.policies import FREEZE_POLICY

PROD = parse_policy(FREEZE_POLICY.encode()).environments["prod"]


def frozen(moment: str) -> Freeze | None:
    return PROD.frozen_at(datetime.datetime.fromisoformat(moment))


def test_windows_are_read_in_policy_order_quoted_or_not() -> None:
    year_end, weekend, nights = PROD.freeze
    assert year_end == FixedFreeze(
        "year-end change freeze",
        datetime.datetime.fromisoformat("2026-12-20T00:00:00+01:00"),
        datetime.datetime.fromisoformat("2027-01-04T00:00:00+01:00"),
    )
    assert isinstance(weekend, RecurringFreeze)
    assert (weekend.days, weekend.start, weekend.end) == (
        frozenset({5, 6}),
        datetime.time(0, 0),
        datetime.time(0, 0),
    )
    # YAML 1.1 reads an unquoted 06:00 as the number 360: the window reads the text.
    assert isinstance(nights, RecurringFreeze)
    assert (nights.start, nights.end, nights.timezone) == (
        datetime.time(22, 0),
        datetime.time(6, 0),
        "Europe/Berlin",
    )
    assert parse_policy(FREEZE_POLICY.encode()).environments["staging"].freeze == ()


def test_a_fixed_window_includes_its_start_and_not_its_end() -> None:
    year_end = PROD.freeze[0]
    at = datetime.datetime.fromisoformat
    assert year_end.end_of_occurrence(at("2026-12-19T22:59:59Z")) is None
    assert year_end.end_of_occurrence(at("2026-12-19T23:00:00Z")) == at("2027-01-04T00:00+01:00")
    assert year_end.end_of_occurrence(at("2027-01-03T23:00:00Z")) is None
    inside = frozen("2026-12-23T10:00:00+01:00")  # a Wednesday
    assert inside is not None
    assert inside.window.reason == "year-end change freeze"
    assert inside.describe_until() == "2027-01-04T00:00+01:00"
    assert frozen("2027-01-04T00:00:00+01:00") is None  # a Monday, 00:00: nothing else


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        # Saturday 28 March 2026, 10:00 CET: the weekend freeze, to Monday 00:00 local.
        ("2026-03-28T09:00:00Z", "2026-03-30T00:00+02:00 (Europe/Berlin)"),
        # Sunday 29 March, 23:30 CEST: the clocks went forward at 02:00, still Sunday.
        ("2026-03-29T21:30:00Z", "2026-03-30T00:00+02:00 (Europe/Berlin)"),
        # Saturday 24 October, before the clocks go back: the end is in winter time.
        ("2026-10-24T12:00:00Z", "2026-10-26T00:00+01:00 (Europe/Berlin)"),
    ],
)
def test_a_weekend_window_keeps_its_wall_clock_times_across_a_dst_change(
    moment: str, until: str
) -> None:
    freeze = frozen(moment)
    assert freeze is not None
    assert freeze.window.reason == "no weekend deploys"
    assert freeze.describe_until() == until


def test_the_weekend_ends_at_local_midnight_not_at_a_fixed_offset() -> None:
    # Monday 30 March 2026, 00:30 CEST is 22:30 UTC on Sunday: a window computed with the
    # winter offset (+01:00) would still hold it.
    assert frozen("2026-03-29T22:30:00Z") is None
    # Monday 26 October, 00:30 CET is 23:30 UTC on Sunday.
    assert frozen("2026-10-25T23:30:00Z") is None
    assert frozen("2026-10-25T22:30:00Z") is not None  # Sunday 23:30 CET


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-08T21:00:00Z", "2026-12-09T06:00+01:00 (Europe/Berlin)"),  # Tue 22:00
        ("2026-12-09T04:59:00Z", "2026-12-09T06:00+01:00 (Europe/Berlin)"),  # Wed 05:59
        ("2026-12-09T05:00:00Z", None),  # Wed 06:00: the night is over
        ("2026-12-08T20:59:00Z", None),  # Tue 21:59: not yet
    ],
)
def test_a_window_whose_end_is_before_its_start_ends_the_next_day(
    moment: str, expected: str | None
) -> None:
    freeze = frozen(moment)
    assert (freeze.describe_until() if freeze is not None else None) == expected
    if freeze is not None:
        assert freeze.window.reason == "nightly batch runs"


def test_windows_that_follow_on_are_one_freeze() -> None:
    # Friday 11 December, 23:00 CET: the night runs into the weekend, which ends Monday.
    freeze = frozen("2026-12-11T22:00:00Z")
    assert freeze is not None
    assert freeze.window.reason == "nightly batch runs"
    assert freeze.describe_until() == "2026-12-14T00:00+01:00 (Europe/Berlin)"
    # Over the year end the weekend of 2-3 January ends with the fixed window.
    year_end = frozen("2026-12-20T10:00:00+01:00")
    assert year_end is not None
    assert year_end.describe_until() == "2027-01-04T00:00+01:00"


def test_windows_that_never_end_are_said_to_last_at_least_as_far_as_looked() -> None:
    policy = FREEZE_POLICY.replace("days: [sat, sun]", "days: [mon, tue, wed, thu, fri, sat, sun]")
    prod = parse_policy(policy.encode()).environments["prod"]
    freeze = prod.frozen_at(datetime.datetime.fromisoformat("2026-06-01T10:00:00Z"))
    assert freeze is not None
    assert freeze.open_ended
    assert freeze.describe_until().startswith("at least ")


def window_error(window: str) -> PolicyError:
    policy = FREEZE_POLICY.replace("    freeze:\n", f"    freeze:\n      - {window}\n", 1)
    with pytest.raises(PolicyError) as raised:
        parse_policy(policy.encode())
    assert raised.value.exit_code == EXIT_USAGE
    return raised.value


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            "{reason: r, from: 2026-12-20T00:00:00, until: 2027-01-04T00:00:00+01:00}",
            ".gitops-guard.yaml:8:21: environments.prod.freeze[0].from: '2026-12-20T00:00:00' "
            "has no UTC offset",
        ),
        (
            "{reason: r, from: 2026-12-20T00:00:00+01:00, until: 2027-01-04}",
            ".gitops-guard.yaml:8:54: environments.prod.freeze[0].until: '2027-01-04' is a date",
        ),
        (
            "{reason: r, from: after Christmas, until: 2027-01-04T00:00:00+01:00}",
            "environments.prod.freeze[0].from: 'after Christmas' is not an ISO 8601 timestamp",
        ),
        (
            "{reason: r, from: 2027-01-04T00:00:00+01:00, until: 2026-12-20T00:00:00+01:00}",
            "environments.prod.freeze[0].until: 2026-12-20T00:00:00+01:00 is not after",
        ),
        (
            "{reason: r, from: 2026-12-20T00:00:00+01:00}",
            ".gitops-guard.yaml:8:9: environments.prod.freeze[0]: a fixed window needs until:",
        ),
        (
            "{reason: r, days: [sat], timezone: Europe/Berln}",
            ".gitops-guard.yaml:8:34: environments.prod.freeze[0].timezone: unknown time zone "
            "'Europe/Berln' (did you mean 'Europe/Berlin'?)",
        ),
        (
            "{reason: r, days: [sat]}",
            "environments.prod.freeze[0]: a recurring window needs timezone:",
        ),
        (
            "{reason: r, start: '22:00', timezone: UTC}",
            "environments.prod.freeze[0]: a recurring window needs days:",
        ),
        (
            "{reason: r, days: [saturday], timezone: UTC}",
            "environments.prod.freeze[0].days[0]: the string 'saturday' is not allowed",
        ),
        (
            "{reason: r, days: [sat], start: '24:00', timezone: UTC}",
            "environments.prod.freeze[0].start: expected a time of day",
        ),
        (
            "{reason: r, days: [sat], timezone: UTC, from: 2026-12-20T00:00:00+01:00}",
            "environments.prod.freeze[0].days: a window is fixed (from) or recurring "
            "(days, timezone), not both",
        ),
        ("{reason: r}", "environments.prod.freeze[0]: a window needs from: and until: (fixed)"),
        (
            "{from: 2026-12-20T00:00:00+01:00, until: 2027-01-04T00:00:00+01:00}",
            "environments.prod.freeze[0]: missing required key 'reason'",
        ),
    ],
)
def test_a_bad_window_is_a_located_policy_error(window: str, message: str) -> None:
    assert message in window_error(window).message


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("next week", "environments.prod.freeze[0]: expected a mapping, found the string"),
        (
            "{reason: r, from: null, until: 2027-01-04T00:00:00+01:00}",
            "environments.prod.freeze[0].from: expected a string, found nothing (null)",
        ),
        ("{reason: r, days: [sat], start: [22, 0], timezone: UTC}", "expected a string"),
    ],
)
def test_a_window_of_the_wrong_shape_is_a_located_schema_error(window: str, message: str) -> None:
    assert message in window_error(window).message


def test_a_machine_without_a_time_zone_database_is_told_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import zoneinfo

    def missing(name: str) -> None:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    monkeypatch.setattr(zoneinfo, "available_timezones", set)
    error = window_error("{reason: r, days: [sat], timezone: Europe/Berlin}")
    assert "unknown time zone 'Europe/Berlin': this machine has no time zone database" in (
        error.message
    )
    assert error.hint == "install one: the system's tzdata package, or `pip install tzdata`"


def loosened(old: str, new: str) -> list[str]:
    parse = parse_policy
    return [text for _where, text in loosenings(parse(old.encode()).data, parse(new.encode()).data)]


def test_removing_or_changing_a_window_loosens_the_policy_and_adding_one_does_not() -> None:
    without_weekends = FREEZE_POLICY.replace(
        "      - reason: no weekend deploys\n        days: [sat, sun]\n"
        "        timezone: Europe/Berlin\n",
        "",
    )
    (removed,) = loosened(FREEZE_POLICY, without_weekends)
    assert removed.startswith("environments.prod.freeze: no longer lists {'reason': 'no weekend")
    shorter = FREEZE_POLICY.replace("2027-01-04T00:00:00+01:00", "2026-12-27T00:00:00+01:00")
    (shortened,) = loosened(FREEZE_POLICY, shorter)
    assert "'until': '2027-01-04T00:00:00+01:00'" in shortened  # times as written, not parsed
    unfrozen = FREEZE_POLICY.split("    freeze:\n")[0] + "rollback_trailer: Rollback\n"
    assert len(loosened(FREEZE_POLICY, unfrozen)) == 1
    assert loosened(without_weekends, FREEZE_POLICY) == []
    assert loosened(unfrozen, FREEZE_POLICY) == []
