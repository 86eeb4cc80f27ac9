"""GG309 frozen-environment: while a freeze window holds an environment, no version is
promoted into it, except a rollback.

The gate judges at the moment it runs (the wall clock, or ``--now``/``GITOPS_GUARD_NOW``),
never at a commit's date, which its author writes. The audit report, where nothing lands
now, judges each promotion at its commit's time.

Every test builds ``main`` under FREEZE_POLICY (prod frozen over the year end, every
weekend and every weeknight from 22:00 to 06:00, Europe/Berlin) with api 1.4.1 in staging
and prod and 1.5.0 in staging, then checks a branch ``change`` on top of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.conftest import git, write_files
from tests.policies import FREEZE_POLICY, freeze_policy_around_now

STAGING = "apps/api/staging/values.yaml"
PROD = "apps/api/prod/values.yaml"
IN_THE_YEAR_END_FREEZE = "2026-12-23T10:00:00+01:00"  # a Wednesday morning
AFTER_THE_YEAR_END_FREEZE = "2027-01-05T10:00:00+01:00"  # a Tuesday morning: no window
Findings = list[dict]  # type: ignore[type-arg]


def values(version: str) -> str:
    return f"image: registry.example.com/team/api:{version}\n"


def commit(
    repo: Path, message: str, files: Mapping[str, str | None], date: str | None = None
) -> None:
    for path, text in files.items():
        if text is None:
            (repo / path).unlink()
    write_files(repo, {path: text for path, text in files.items() if text is not None})
    git(repo, "add", "-A")
    dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    git(repo, "commit", "-q", "--no-verify", "-m", message, env=dates)


def frozen_repo(tmp_path: Path, policy: str = FREEZE_POLICY, prod: str = "1.4.1") -> Path:
    """``main``: the policy, api 1.4.1 everywhere, 1.5.0 in staging (and in prod when
    ``prod`` says so); then the branch ``change``, checked out."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Policy", {".gitops-guard.yaml": policy})
    commit(repo, "Deploy api 1.4.1", {STAGING: values("1.4.1"), PROD: values("1.4.1")})
    commit(repo, "Promote api 1.5.0 to staging", {STAGING: values("1.5.0")})
    if prod != "1.4.1":
        commit(repo, f"Promote api {prod} to prod", {PROD: values(prod)})
    git(repo, "checkout", "-q", "-b", "change")
    return repo


def check(
    repo: Path, capsys: pytest.CaptureFixture[str], now: str | None, *extra: str
) -> tuple[int, Findings]:
    argv = ["check", "--repo", str(repo), "--base", "main", "--head", "change"]
    code = main([*argv, "--format", "json", *(["--now", now] if now else []), *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    findings: Findings = json.loads(out)["findings"]
    return code, findings


def gg309(findings: Findings) -> list[str]:
    return [f["message"] for f in findings if f["rule"] == "GG309"]


# --- fixed windows ---------------------------------------------------------------------------


def test_a_promotion_into_prod_during_a_fixed_window_is_an_error_naming_reason_and_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    code, findings = check(repo, capsys, IN_THE_YEAR_END_FREEZE)
    assert code == 1
    (finding,) = findings
    assert (finding["rule"], finding["severity"], finding["path"], finding["line"]) == (
        "GG309",
        "error",
        PROD,
        1,
    )
    assert finding["environment"] == "prod"
    assert finding["message"] == (
        "registry.example.com/team/api 1.5.0 is promoted to prod while prod is frozen "
        "(year-end change freeze) until 2027-01-04T00:00+01:00; now is 2026-12-23T10:00+01:00"
    )


def test_the_same_promotion_after_the_window_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    assert check(repo, capsys, AFTER_THE_YEAR_END_FREEZE) == (0, [])


def test_an_environment_without_windows_is_not_frozen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.6.0 to staging", {STAGING: values("1.6.0")})
    assert check(repo, capsys, IN_THE_YEAR_END_FREEZE) == (0, [])


def test_every_change_of_version_is_frozen_but_removing_an_image_is_not_a_promotion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "A new image in prod", {"apps/web/prod/values.yaml": values("2.0.0")})
    _code, findings = check(repo, capsys, IN_THE_YEAR_END_FREEZE)
    assert [m.split(" is promoted")[0] for m in gg309(findings)] == [
        "registry.example.com/team/api 2.0.0"
    ]
    git(repo, "reset", "-q", "--hard", "main")
    commit(repo, "Retire api in prod", {PROD: None})
    assert gg309(check(repo, capsys, IN_THE_YEAR_END_FREEZE)[1]) == []


# --- recurring windows -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-03-28T09:00:00Z", "2026-03-30T00:00+02:00 (Europe/Berlin)"),  # Sat 10:00 CET
        ("2026-03-29T21:30:00Z", "2026-03-30T00:00+02:00 (Europe/Berlin)"),  # Sun 23:30 CEST
        ("2026-03-29T22:30:00Z", None),  # Mon 00:30 CEST: a fixed +01:00 would still be Sunday
        ("2026-10-25T22:30:00Z", "2026-10-26T00:00+01:00 (Europe/Berlin)"),  # Sun 23:30 CET
        ("2026-10-25T23:30:00Z", None),  # Mon 00:30 CET
    ],
)
def test_a_weekend_window_in_berlin_follows_the_wall_clock_across_a_dst_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: str, until: str | None
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    messages = gg309(check(repo, capsys, now)[1])
    if until is None:
        assert messages == []
    else:
        (message,) = messages
        assert f"(no weekend deploys) until {until}" in message


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-12-08T20:59:00Z", None),  # Tuesday 21:59 CET
        ("2026-12-08T21:00:00Z", "2026-12-09T06:00+01:00 (Europe/Berlin)"),  # Tuesday 22:00
        ("2026-12-09T04:59:00Z", "2026-12-09T06:00+01:00 (Europe/Berlin)"),  # Wednesday 05:59
        ("2026-12-09T05:00:00Z", None),  # Wednesday 06:00
        # Friday 23:00: the night runs into the weekend, one freeze until Monday.
        ("2026-12-11T22:00:00Z", "2026-12-14T00:00+01:00 (Europe/Berlin)"),
    ],
)
def test_a_nightly_window_runs_across_midnight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: str, until: str | None
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    messages = gg309(check(repo, capsys, now)[1])
    assert [m.split(") until ")[1].split(";")[0] for m in messages] == ([until] if until else [])
    assert all("(nightly batch runs)" in m for m in messages)


# --- rollbacks -------------------------------------------------------------------------------


def test_a_rollback_during_the_freeze_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path, prod="1.5.0")
    commit(repo, "Roll back api in prod to 1.4.1\n\nRollback: INC-42", {PROD: values("1.4.1")})
    assert check(repo, capsys, IN_THE_YEAR_END_FREEZE) == (0, [])


@pytest.mark.parametrize(
    ("message", "version", "rules"),
    [
        # The same downgrade without the trailer is no rollback.
        ("Downgrade api in prod to 1.4.1", "1.4.1", ["GG302", "GG309"]),
        # A trailer on a version that never ran in prod is no rollback either.
        ("Roll back api in prod\n\nRollback: INC-42", "1.3.0", ["GG302", "GG309"]),
    ],
)
def test_a_downgrade_that_is_not_a_rollback_is_frozen(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    message: str,
    version: str,
    rules: list[str],
) -> None:
    repo = frozen_repo(tmp_path, prod="1.5.0")
    commit(repo, message, {PROD: values(version)})
    code, findings = check(repo, capsys, IN_THE_YEAR_END_FREEZE)
    assert code == 1
    assert sorted(f["rule"] for f in findings) == rules


@pytest.mark.parametrize(("allowed", "code"), [(True, 0), (False, 1)])
def test_a_fix_that_is_no_rollback_passes_only_with_a_suppression_where_they_are_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], allowed: bool, code: int
) -> None:
    policy = FREEZE_POLICY
    if not allowed:
        policy = policy.replace(
            "    from: staging\n", "    from: staging\n    allow_suppressions: false\n"
        )
    repo = frozen_repo(tmp_path, policy)
    line = (
        values("1.5.0").rstrip("\n")
        + "  # gitops-guard: ignore[GG309] INC-42 fix, on-call approved\n"
    )
    commit(repo, "Promote the fix for INC-42 to prod", {PROD: line})
    assert check(repo, capsys, IN_THE_YEAR_END_FREEZE)[0] == code


# --- whose clock -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        "2020-06-01T12:00:00+00:00",  # back-dated to long before the freeze
        "2099-01-01T12:00:00+00:00",  # or dated after it
    ],
)
def test_the_gate_judges_on_the_wall_clock_never_on_the_commit_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], date: str
) -> None:
    repo = frozen_repo(tmp_path, freeze_policy_around_now())
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")}, date=date)
    code, findings = check(repo, capsys, None)
    assert code == 1
    assert [f["rule"] for f in findings] == ["GG309"]


def test_gitops_guard_now_sets_the_moment_as_now_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = frozen_repo(tmp_path)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    monkeypatch.setenv("GITOPS_GUARD_NOW", IN_THE_YEAR_END_FREEZE)
    assert check(repo, capsys, None)[0] == 1
    monkeypatch.setenv("GITOPS_GUARD_NOW", AFTER_THE_YEAR_END_FREEZE)
    assert check(repo, capsys, None) == (0, [])
    assert check(repo, capsys, IN_THE_YEAR_END_FREEZE)[0] == 1  # the option wins


@pytest.mark.parametrize("now", ["2026-12-23T10:00:00", "next tuesday"])
def test_a_moment_without_an_offset_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: str
) -> None:
    repo = frozen_repo(tmp_path)
    argv = ["check", "--repo", str(repo), "--base", "main", "--now", now]
    assert main(argv) == 2
    assert "is not an ISO 8601 timestamp with an offset" in capsys.readouterr().err


# --- the policy ------------------------------------------------------------------------------


def test_a_bad_window_in_the_base_policy_stops_the_check_with_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = FREEZE_POLICY.replace("timezone: Europe/Berlin\n", "timezone: Europe/Berln\n", 1)
    repo = frozen_repo(tmp_path, bad)
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")})
    argv = ["check", "--repo", str(repo), "--base", "main", "--now", AFTER_THE_YEAR_END_FREEZE]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gitops-guard: error: .gitops-guard.yaml at ")  # main's commit
    assert (
        ":13:9: environments.prod.freeze[1].timezone: unknown time zone 'Europe/Berln' "
        "(did you mean 'Europe/Berlin'?)"
    ) in err


def test_removing_a_freeze_window_is_a_loosening_of_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    year_end = (
        "      - reason: year-end change freeze\n"
        "        from: 2026-12-20T00:00:00+01:00\n"
        "        until: 2027-01-04T00:00:00+01:00\n"
    )
    commit(repo, "No year-end freeze", {".gitops-guard.yaml": FREEZE_POLICY.replace(year_end, "")})
    code, findings = check(repo, capsys, AFTER_THE_YEAR_END_FREEZE)
    assert code == 1
    (finding,) = findings
    assert finding["rule"] == "GG307"
    assert (
        "environments.prod.freeze: no longer lists {'reason': 'year-end change freeze'"
        in (finding["message"])
    )


def test_the_range_is_judged_by_the_freeze_of_the_base_not_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    unfrozen = FREEZE_POLICY.split("    freeze:\n")[0] + "rollback_trailer: Rollback\n"
    commit(
        repo,
        "Promote api 1.5.0 to prod and drop the freeze",
        {".gitops-guard.yaml": unfrozen, PROD: values("1.5.0")},
    )
    _code, findings = check(repo, capsys, IN_THE_YEAR_END_FREEZE)
    assert sorted(f["rule"] for f in findings) == ["GG307", "GG309"]


# --- the audit -------------------------------------------------------------------------------


def test_the_report_shows_a_promotion_made_during_a_window_by_its_commit_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = frozen_repo(tmp_path)
    git(repo, "checkout", "-q", "main")
    commit(repo, "Promote api 1.5.0 to prod", {PROD: values("1.5.0")}, "2026-12-23T10:00:00+01:00")
    commit(
        repo,
        "Promote api 1.5.0 to staging",
        {STAGING: values("1.5.1")},
        "2026-12-23T11:00:00+01:00",
    )
    commit(repo, "Promote api 1.5.1 to prod", {PROD: values("1.5.1")}, "2027-01-05T10:00:00+01:00")
    code = main(["report", "--repo", str(repo), "--format", "json", "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    events = json.loads((tmp_path / "out" / "report.json").read_text())["events"]
    prod = {e["to"]: e["findings"] for e in events if e["environment"] == "prod"}
    (finding,) = prod["1.5.0"]
    assert finding["rule"] == "GG309"
    assert finding["message"] == (
        "registry.example.com/team/api 1.5.0 was promoted to prod at 2026-12-23T10:00+01:00, "
        "while it was frozen (year-end change freeze) until 2027-01-04T00:00+01:00"
    )
    assert prod["1.5.1"] == []
