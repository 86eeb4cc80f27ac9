"""`plan` on a dev → staging → prod history with pinned dates (tests/audit/plan_repo.py).

Each row says what waits and why, in the rules' own words: the soak still to wait in
hours, a freeze with its end, a downgrade that needs a rollback, a version that has not
reached staging yet; what is ready is ready.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from gitops_guard.audit.plan import (
    BLOCKED,
    NOT_ASKED,
    NOT_CHECKED,
    READY,
    UP_TO_DATE,
    Plan,
    PlanOptions,
    PlanRow,
    build_plan,
)
from gitops_guard.errors import GuardError
from gitops_guard.history.replay import SIMPLE
from tests.audit.plan_repo import NOW, build_plan_history
from tests.policies import PLAN_POLICY


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_history(tmp_path_factory.mktemp("plan") / "repo").path


def rows(plan: Plan) -> dict[tuple[str | None, str], PlanRow]:
    return {(row.app, row.environment): row for row in plan.rows}


def test_every_candidate_with_what_holds_it(repo: Path) -> None:
    plan = build_plan(repo, PlanOptions(now=NOW))
    found = rows(plan)
    assert {
        key: (row.running, row.candidate, row.verdict, row.rules) for key, row in found.items()
    } == {
        ("api", "staging"): ("1.5.0", "1.5.0", UP_TO_DATE, []),
        ("billing", "staging"): ("3.2.0", "3.2.0", UP_TO_DATE, []),
        ("search", "staging"): ("1.2.0", "1.3.0", BLOCKED, ["GG309"]),
        ("worker", "staging"): ("0.8.0", "0.9.0", BLOCKED, ["GG309"]),
        ("api", "prod"): ("1.4.0", "1.5.0", BLOCKED, ["GG304"]),
        ("billing", "prod"): ("3.1.0", "3.2.0", READY, []),
        ("search", "prod"): ("1.1.0", "1.2.0", READY, []),
        ("worker", "prod"): ("0.9.0", "0.8.0", BLOCKED, ["GG302"]),
    }
    assert [row.environment for row in plan.rows] == ["staging"] * 4 + ["prod"] * 4
    assert (plan.count(READY), plan.count(BLOCKED), plan.count(UP_TO_DATE)) == (2, 4, 2)


def test_soak_still_to_wait_in_hours(repo: Path) -> None:
    api = rows(build_plan(repo, PlanOptions(now=NOW)))[("api", "prod")]
    assert api.change == "minor"
    # staging got 1.5.0 at 22:00 the day before: 14 h of 24 h.
    assert api.residence_since == datetime.datetime(2026, 3, 19, 22, 0, tzinfo=datetime.UTC)
    assert (api.soaked, api.soak_left) == (
        datetime.timedelta(hours=14),
        datetime.timedelta(hours=10),
    )
    assert api.ready_at == datetime.datetime(2026, 3, 20, 22, 0, tzinfo=datetime.UTC)
    (reason,) = api.blockers
    assert reason.name == "soak-time"
    assert "after 14h in staging; prod requires 1d" in reason.message
    # After the soak, the same candidate is ready.
    later = rows(build_plan(repo, PlanOptions(now=NOW + datetime.timedelta(hours=10))))
    assert (later[("api", "prod")].verdict, later[("api", "prod")].soak_left) == (
        READY,
        datetime.timedelta(0),
    )


def test_a_freeze_blocks_with_its_end(repo: Path) -> None:
    search = rows(build_plan(repo, PlanOptions(now=NOW)))[("search", "staging")]
    assert search.frozen_reason == "load test week"
    assert search.frozen_until == "2026-03-23T08:00+01:00"
    assert "frozen (load test week) until 2026-03-23T08:00+01:00" in search.blockers[0].message
    monday = datetime.datetime(
        2026, 3, 23, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    after = rows(build_plan(repo, PlanOptions(now=monday)))[("search", "staging")]
    assert (after.verdict, after.frozen_until) == (READY, None)


def test_a_downgrade_needs_a_rollback_and_says_whether_one_would_do(repo: Path) -> None:
    worker = rows(build_plan(repo, PlanOptions(now=NOW)))[("worker", "prod")]
    assert (worker.change, worker.rollback_needed, worker.rollback_possible) == (
        "downgrade",
        True,
        True,
    )
    assert "without a rollback marker" in worker.blockers[0].message
    assert any("it ran in prod before" in note for note in worker.notes)


def test_a_version_not_yet_in_staging_is_the_next_one_for_prod(repo: Path) -> None:
    search = rows(build_plan(repo, PlanOptions(now=NOW)))[("search", "prod")]
    assert search.verdict == READY  # staging's 1.2.0 may go
    up = search.upstream
    assert up is not None
    assert (up.from_environment, up.candidate, up.verdict, up.rules) == (
        "dev",
        "1.3.0",
        BLOCKED,
        ["GG303"],
    )
    assert "never ran in staging" in up.blockers[0].message


def test_bot_limits_do_not_apply_to_a_person(repo: Path) -> None:
    billing = rows(build_plan(repo, PlanOptions(now=NOW)))[("billing", "prod")]
    assert billing.verdict == READY
    assert not [r for r in billing.blockers if r.rule == "GG301"]
    assert billing.bot_limit is not None
    assert "bot limits do not apply to a person" in billing.bot_limit


def test_filters_by_environment_and_app(repo: Path) -> None:
    prod = build_plan(repo, PlanOptions(now=NOW, environments=frozenset({"prod"})))
    assert {row.environment for row in prod.rows} == {"prod"}
    assert len(prod.rows) == 4
    one = build_plan(repo, PlanOptions(now=NOW, apps=frozenset({"api"})))
    assert [(row.app, row.environment) for row in one.rows] == [("api", "staging"), ("api", "prod")]
    with pytest.raises(GuardError, match="--env 'prd': no such env"):
        build_plan(repo, PlanOptions(now=NOW, environments=frozenset({"prd"})))


def test_the_simple_replay_and_a_warm_cache_plan_alike(repo: Path) -> None:
    def shape(plan: Plan) -> list[tuple[object, ...]]:
        return [
            (r.app, r.environment, r.candidate, r.verdict, r.rules, r.soaked, r.residence_since)
            for r in plan.rows
        ]

    warm = build_plan(repo, PlanOptions(now=NOW))
    assert (Path(repo) / ".git" / "gitops-guard").is_dir()
    again = build_plan(repo, PlanOptions(now=NOW))
    simple = build_plan(repo, PlanOptions(now=NOW), mode=SIMPLE)
    assert shape(warm) == shape(again) == shape(simple)


def test_supply_chain_gates_offline_are_not_checked_never_passed(tmp_path: Path) -> None:
    warn = (
        PLAN_POLICY
        + "supply_chain:\n  on_unreachable: warn\n  registry:\n    environments: [prod]\n"
    )
    repo = build_plan_history(tmp_path / "warn", warn).path
    plan = rows(build_plan(repo, PlanOptions(now=NOW, offline=True)))
    billing = plan[("billing", "prod")]
    assert billing.supply_chain == NOT_CHECKED
    assert billing.verdict == READY  # a warning: check passes too
    assert [r.rule for r in billing.warnings] == ["GG506"]
    assert plan[("search", "staging")].supply_chain == NOT_ASKED
    fail = warn.replace("on_unreachable: warn", "on_unreachable: fail")
    repo = build_plan_history(tmp_path / "fail", fail).path
    billing = rows(build_plan(repo, PlanOptions(now=NOW, offline=True)))[("billing", "prod")]
    assert (billing.supply_chain, billing.verdict, billing.rules) == (
        NOT_CHECKED,
        BLOCKED,
        ["GG506"],
    )


def test_new_commits_on_a_warm_cache_are_judged_and_planned_alike(tmp_path: Path) -> None:
    repo = build_plan_history(tmp_path / "repo")
    build_plan(repo.path, PlanOptions(now=NOW))  # the cache judges the whole history
    repo.set("billing", "prod", "3.2.0", "2026-03-20T11:00:00+00:00")
    repo.set("api", "dev", "1.5.1", "2026-03-20T11:30:00+00:00")
    warm = build_plan(repo.path, PlanOptions(now=NOW))
    simple = build_plan(repo.path, PlanOptions(now=NOW), mode=SIMPLE)
    older = build_plan(repo.path, PlanOptions(now=NOW, head="HEAD~2"))

    def shape(plan: Plan) -> list[tuple[object, ...]]:
        return [
            (r.app, r.environment, r.candidate, r.verdict, r.rules, r.soaked) for r in plan.rows
        ]

    assert shape(warm) == shape(simple)
    assert rows(warm)[("billing", "prod")].verdict == UP_TO_DATE
    assert rows(warm)[("api", "staging")].candidate == "1.5.1"
    assert shape(older) == shape(
        build_plan(repo.path, PlanOptions(now=NOW, head="HEAD~2"), mode=SIMPLE)
    )
    assert rows(older)[("billing", "prod")].verdict == READY


def test_a_soak_that_ends_inside_a_freeze_says_how_long_it_waits(tmp_path: Path) -> None:
    nights = PLAN_POLICY.replace(
        "    automated: []\n",
        "    automated: []\n    freeze:\n"
        "      - {reason: nightly batch runs, days: [mon, tue, wed, thu, fri], start: '22:00',"
        " end: '06:00', timezone: Europe/Berlin}\n"
        "      - {reason: no weekend deploys, days: [sat, sun], timezone: Europe/Berlin}\n",
    )
    repo = build_plan_history(tmp_path / "repo", nights).path
    api = rows(build_plan(repo, PlanOptions(now=NOW)))[("api", "prod")]
    assert api.rules == ["GG304"]  # Friday 13:00 in Berlin: not frozen yet
    # The soak is over on Friday at 23:00 in Berlin: frozen through the weekend.
    assert (
        "when the soak is over (2026-03-20T22:00+00:00), prod is frozen (nightly batch runs) "
        "until 2026-03-23T00:00+01:00 (Europe/Berlin)"
    ) in api.notes


def test_an_image_too_young_for_prod_blocks_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan asks the registry for the build times of prod's candidates (GG507), at its now;
    registry.example.com is the test bed's registry behind a loopback proxy."""
    from tests.rules.examples import REGISTRY_HOST
    from tests.rules.test_examples import served
    from tests.supply.helpers import tls_certificate

    policy = PLAN_POLICY.replace("    soak: 24h\n", "    soak: 24h\n    min_image_age: 24h\n")
    repo = build_plan_history(tmp_path / "age", policy).path
    young = (NOW - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = {
        f"team/{app}:{version}": {"image": f"{app}-{version}", "created": created}
        for app, version, created in (
            ("api", "1.5.0", "2026-01-01T00:00:00Z"),
            ("billing", "3.2.0", young),
            ("search", "1.2.0", "2026-01-01T00:00:00Z"),
            ("search", "1.3.0", "2026-01-01T00:00:00Z"),  # the next one, also judged for prod
            ("worker", "0.8.0", "2026-01-01T00:00:00Z"),
        )
    }
    tls = tls_certificate(tmp_path / "tls", REGISTRY_HOST)
    with served(spec, tmp_path, tls, monkeypatch):
        plan = rows(build_plan(repo, PlanOptions(environments=frozenset({"prod"}), now=NOW)))
    billing = plan[("billing", "prod")]
    assert (billing.verdict, billing.rules, billing.supply_chain) == (
        BLOCKED,
        ["GG507"],
        "failed",
    )
    assert "was built 2h ago" in billing.blockers[0].message
    search = plan[("search", "prod")]
    assert (search.verdict, search.supply_chain) == (READY, "passed"), search.blockers
