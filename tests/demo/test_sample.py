"""The demo's sample repository and its waiting week: what `plan` shows at PLAN_NOW.

Built with git, pinned dates: every kind of waiting promotion the demo tells about is a
row, in the rules' own words (soak left in hours, not in staging yet, frozen until Monday
08:00, a downgrade that needs a rollback), and the ready ones are ready.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gitops_guard.audit.build import build_report
from gitops_guard.audit.events import AuditOptions
from gitops_guard.audit.plan import BLOCKED, READY, UP_TO_DATE, Plan, PlanOptions, build_plan
from gitops_guard.demo.sample import (
    API_IMAGE,
    PLAN_NOW,
    WEB_IMAGE,
    add_waiting_history,
    build_sample_repository,
    digest_of,
    history,
    waiting_history,
)

NOW = datetime.datetime.fromisoformat(PLAN_NOW)


@pytest.fixture(scope="module")
def waiting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_repository(tmp_path_factory.mktemp("waiting") / "repo", waiting=True)


@pytest.fixture(scope="module")
def plan(waiting: Path) -> Plan:
    return build_plan(waiting, PlanOptions(now=NOW))


def head(path: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_waiting_week_is_the_same_built_at_once_or_added(waiting: Path, tmp_path: Path) -> None:
    later = build_sample_repository(tmp_path / "later")
    add_waiting_history(later)
    assert head(later) == head(waiting)  # pinned dates: the same commits, byte for byte
    count = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=waiting, capture_output=True, text=True
    ).stdout.strip()
    assert int(count) == len(history()) + len(waiting_history())


def test_each_pinned_version_has_its_own_digest(waiting: Path) -> None:
    overlay = (waiting / "apps/web/overlays/prod/kustomization.yaml").read_text()
    assert f"digest: {digest_of(WEB_IMAGE, '2.3.0')}" in overlay
    dev = (waiting / "apps/api/overlays/dev/.argocd-source-api-dev.yaml").read_text()
    assert f"{API_IMAGE}:1.5.1@{digest_of(API_IMAGE, '1.5.1')}" in dev
    assert digest_of(API_IMAGE, "1.4.1") != digest_of(API_IMAGE, "1.5.0")


def test_plan_shows_each_reason_a_promotion_waits(plan: Plan) -> None:
    found = {
        (row.app, row.environment, row.container): row
        for row in plan.rows
        if row.verdict != UP_TO_DATE
    }
    summary = {
        (app, env): (row.running, row.candidate, row.change, row.verdict, row.rules)
        for (app, env, _container), row in found.items()
    }
    assert summary == {
        ("api", "staging"): ("1.4.1", "1.5.1", "minor", READY, []),
        ("worker", "staging"): ("0.10.0", "0.11.0", "minor", READY, []),
        # The rollback target runs unpinned in staging: prod's digest rule holds it too.
        ("api", "prod"): ("1.5.0", "1.4.1", "downgrade", BLOCKED, ["GG105", "GG302", "GG309"]),
        ("web", "prod"): ("2.3.0", "2.5.0", "minor", BLOCKED, ["GG304", "GG309"]),
        ("worker", "prod"): ("0.9.1", "0.10.0", "minor", BLOCKED, ["GG309"]),
    }
    rows = {(app, env): row for (app, env, _container), row in found.items()}
    # Soak left in hours: web 2.5.0 reached staging on Friday at 19:00.
    web = rows[("web", "prod")]
    assert web.soaked == datetime.timedelta(hours=14)
    assert web.soak_left == datetime.timedelta(hours=10)
    assert "after 14h in staging; prod requires 1d" in web.blockers[0].message
    # Frozen until Monday 08:00, Berlin time, on every prod row.
    monday = datetime.datetime(2026, 2, 16, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    for (_app, env), row in rows.items():
        if env == "prod":
            assert row.frozen_until_time == monday
            assert row.frozen_until_time is not None
            assert row.frozen_until_time.weekday() == 0
            assert row.frozen_reason == "no weekend deploys"
    # A downgrade that needs a rollback, to a version that ran in prod before.
    api = rows[("api", "prod")]
    assert (api.rollback_needed, api.rollback_possible) == (True, True)
    # Not in staging yet: the fix in dev, judged straight into prod.
    assert api.upstream is not None
    assert (api.upstream.from_environment, api.upstream.candidate) == ("dev", "1.5.1")
    assert "GG303" in api.upstream.rules
    worker = rows[("worker", "prod")]
    assert worker.upstream is not None
    assert worker.upstream.candidate == "0.11.0"
    assert "GG303" in worker.upstream.rules
    # Nothing about image age or signatures: the sample's policy asks for no registry.
    assert {row.supply_chain for row in plan.rows} == {"not asked"}


def test_the_waiting_week_adds_no_finding_to_the_audit(waiting: Path, tmp_path: Path) -> None:
    """Its commits are clean: the staging rollback is marked (to a version that ran there),
    digests are pinned in dev before staging, the freeze is a policy change that tightens,
    nothing is promoted to prod."""
    since = f"HEAD~{len(waiting_history())}"
    week = build_report(
        waiting, AuditOptions(since_revision=since), datetime.timedelta(days=7)
    ).audit
    assert {e.commit for e in week.events} <= set(
        subprocess.run(
            ["git", "rev-list", f"{since}..HEAD"], cwd=waiting, capture_output=True, text=True
        ).stdout.split()
    )
    assert [f.rule for e in week.events for f in e.findings] == []
    assert sum(e.rollback for e in week.events) == 1
