"""The audit report on the sample history: numbers that match a hand count."""

from __future__ import annotations

import csv
import datetime
import io
import json
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from gitops_guard.audit.build import (
    build_report,
    running_at,
)
from gitops_guard.audit.events import AuditOptions
from gitops_guard.audit.metrics import percentile
from gitops_guard.cli.main import main

UTC = datetime.UTC


@pytest.fixture(scope="module")
def report(sample: Path):  # type: ignore[no-untyped-def]
    return build_report(sample, AuditOptions(), datetime.timedelta(days=7))


def test_every_change_is_one_event(report) -> None:  # type: ignore[no-untyped-def]
    moves = [
        (e.time.date().isoformat(), e.app, e.environment, e.from_version, e.to_version, e.change)
        for e in report.audit.events
        if not e.initial and e.container in ("api", "web", "image")
    ]
    assert moves == [
        ("2026-01-12", "api", "dev", "1.4.0", "1.4.1", "patch"),
        ("2026-01-13", "api", "staging", "1.4.0", "1.4.1", "patch"),
        ("2026-01-15", "api", "prod", "1.4.0", "1.4.1", "patch"),
        ("2026-01-20", "web", "dev", "2.3.0", "2.4.0", "minor"),
        ("2026-01-20", "web", "staging", "2.3.0", "2.4.0", "minor"),
        ("2026-01-22", "api", "dev", "1.4.1", "1.5.0", "minor"),
        ("2026-01-26", "worker", "dev", "0.9.1", "0.10.0", "minor"),
        ("2026-01-26", "worker", "staging", "0.9.1", "0.10.0", "minor"),
        ("2026-02-02", "web", "prod", "2.3.0", "2.4.0", "minor"),
        ("2026-02-03", "web", "prod", "2.4.0", "2.3.0", "downgrade"),
        ("2026-02-09", "api", "staging", "1.4.1", "1.5.0", "minor"),
        ("2026-02-09", "api", "prod", "1.4.1", "1.5.0", "minor"),
    ]


def test_who_how_and_through_which_pr(report) -> None:  # type: ignore[no-untyped-def]
    events = {(e.time.date().isoformat(), e.environment, e.app): e for e in report.audit.events}
    bot = events[("2026-01-12", "dev", "api")]
    assert (bot.author, bot.bot, bot.pr) == ("argocd-image-updater", True, None)
    assert events[("2026-01-15", "prod", "api")].pr == 12
    rollback = events[("2026-02-03", "prod", "web")]
    assert (rollback.rollback, rollback.author, rollback.subject) == (
        True,
        "Bob Okafor",
        "Roll back web in prod to 2.3.0",
    )
    late = events[("2026-02-09", "prod", "api")]
    assert [f.rule for f in late.findings] == ["GG304"]


def test_metrics_match_a_hand_count(report) -> None:  # type: ignore[no-untyped-def]
    prod = next(g for g in report.metrics.environments if g.environment == "prod")
    assert (prod.promotions, prod.rollbacks, prod.downgrades, prod.failed) == (4, 1, 1, 1)
    # 3 forward promotions (api 1.4.1, web 2.4.0, api 1.5.0); web 2.4.0 was rolled back in 19h05m.
    assert prod.change_failure_rate == 0.333
    assert prod.restore_hours == [19.08]
    # dev → prod: api 1.4.1 in 73 h, web 2.4.0 in 317.25 h, api 1.5.0 in 429.83 h.
    assert sorted(prod.lead_time_hours) == [73.0, 317.25, 429.83]
    summary = prod.summary()
    assert summary["lead_time_hours"] == {"count": 3, "median": 317.25, "p90": 429.83}
    staging = next(g for g in report.metrics.environments if g.environment == "staging")
    assert sorted(staging.lead_time_hours) == [0.0, 0.0, 29.5, 426.33]
    assert report.metrics.automated_share == round(2 / 12, 3)
    # 2026-01-05 .. 2026-02-09 14:00 is 5.13 weeks; prod made 4 promotions.
    assert round(prod.per_week, 2) == round(4 / report.metrics.weeks, 2)


def test_current_state_and_drift(report) -> None:  # type: ignore[no-untyped-def]
    prod = {(r.app, r.container): r.version for r in report.audit.state if r.environment == "prod"}
    assert prod[("api", "api")] == "1.5.0"
    assert prod[("web", "web")] == "2.3.0"
    drift = {row["app"]: row["versions"] for row in report.metrics.drift}
    assert drift["web"] == {"dev": "2.4.0", "staging": "2.4.0", "prod": "2.3.0"}
    assert "api" not in drift


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-01-15T10:59:00+00:00", "1.4.0"),
        ("2026-01-15T11:00:00+00:00", "1.4.1"),
        ("2026-02-09T13:59:00+00:00", "1.4.1"),
        ("2026-02-10T00:00:00+00:00", "1.5.0"),
    ],
)
def test_what_ran_in_prod_at_any_instant(sample: Path, moment: str, expected: str) -> None:
    state = running_at(sample, datetime.datetime.fromisoformat(moment), frozenset({"prod"}))
    api = next(r for r in state if r.app == "api" and r.container == "api")
    assert api.version == expected


def test_before_the_first_commit_nothing_ran(sample: Path) -> None:
    assert running_at(sample, datetime.datetime(2025, 1, 1, tzinfo=UTC), frozenset()) == []


def test_json_report_matches_the_schema(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--repo", str(sample), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    schema = json.loads(
        resources.files("gitops_guard").joinpath("schemas/report.schema.json").read_text()
    )
    Draft202012Validator(schema).validate(document)
    assert document["summary"]["state"]["prod"]
    top = Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json"
    assert json.loads(top.read_text()) == schema


def test_csv_has_one_row_per_event(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--repo", str(sample), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows
    rollback = next(r for r in rows if r["rollback"] == "true")
    assert (rollback["app"], rollback["environment"], rollback["from"], rollback["to"]) == (
        "web",
        "prod",
        "2.4.0",
        "2.3.0",
    )


def test_filters(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "report",
            "--repo",
            str(sample),
            "--format",
            "json",
            "--env",
            "prod",
            "--app",
            "api",
            "--since",
            "2026-01-14",
        ]
    )
    events = json.loads(capsys.readouterr().out)["events"]
    assert [(e["environment"], e["app"], e["to"]) for e in events if e["change"] != "new"] == [
        ("prod", "api", "1.4.1"),
        ("prod", "api", "1.5.0"),
    ]
    main(
        [
            "report",
            "--repo",
            str(sample),
            "--format",
            "json",
            "--image",
            "ghcr.io/*",
            "--until",
            "2026-01-31",
        ]
    )
    events = json.loads(capsys.readouterr().out)["events"]
    assert {e["image"] for e in events} == {"ghcr.io/acme/web"}
    assert max(e["time"] for e in events) < "2026-02"


def test_since_a_revision(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", "--repo", str(sample), "--format", "json", "--since", "HEAD~2"])
    events = json.loads(capsys.readouterr().out)["events"]
    assert {e["time"][:10] for e in events} == {"2026-02-09"}


def test_replaying_with_todays_policy(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", "--repo", str(sample), "--format", "json", "--replay-policy", "current"])
    assert json.loads(capsys.readouterr().out)["events"]


def test_markdown_and_out_folder(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--repo", str(sample), "--format", "md", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "## Metrics by environment" in text
    assert "| prod | 4 |" in text
    assert "downgrade (rollback)" in text


def test_at_command(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["at", "2026-02-03T12:00", "--repo", str(sample), "--env", "prod", "--format", "json"])
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    web = next(
        r for r in document["environments"]["prod"] if r["app"] == "web" and r["container"] == "web"
    )
    assert (web["version"], web["since"]) == ("2.3.0", "2026-02-03T09:05:00+00:00")
    assert main(["at", "next tuesday", "--repo", str(sample)]) == 2
    assert "is not a date or time" in capsys.readouterr().err


def test_bad_options_are_clear_errors(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--repo", str(sample), "--since", "no-such-rev"]) == 2
    assert "unknown revision 'no-such-rev'" in capsys.readouterr().err
    assert main(["report", "--repo", str(sample), "--failure-window", "soon"]) == 2


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.9, None),
        ([5.0], 0.9, 5.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9),
        ([1, 2, 3], 0.5, 2),
    ],
)
def test_percentile_is_nearest_rank(
    values: list[float], fraction: float, expected: float | None
) -> None:
    assert percentile(values, fraction) == expected
