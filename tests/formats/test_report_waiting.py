"""The HTML report's "Waiting to be promoted": the plan of the report's head, laid out.

On the demo's sample with its waiting week (git, pinned dates), judged at the demo's
Saturday morning: the section's rows are `plan`'s rows (one computation, the same
words), each reason in the rules' own words; filters, a report that ends before the
head, escaping and determinism.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import pytest

from gitops_guard.audit.build import BuiltReport, build_report, stream_report
from gitops_guard.audit.events import AuditOptions
from gitops_guard.audit.plan import BLOCKED, READY, PlanOptions, build_plan
from gitops_guard.cli.main import main
from gitops_guard.demo.sample import PLAN_NOW, build_sample_repository
from gitops_guard.formats.plan.json import document as plan_document
from gitops_guard.formats.plan.json import row_json
from gitops_guard.formats.plan.shared import residence, shown, soak_left
from gitops_guard.formats.report import html as report_html
from gitops_guard.formats.report import json as report_json
from gitops_guard.formats.report.render import render_report, render_stream
from tests.conftest import RepoFactory
from tests.formats.test_report_html import Element, Page

NOW = datetime.datetime.fromisoformat(PLAN_NOW)
WEEK = datetime.timedelta(days=7)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_repository(tmp_path_factory.mktemp("waiting") / "repo", waiting=True)


@pytest.fixture(scope="module")
def built(repo: Path) -> BuiltReport:
    return build_report(repo, AuditOptions(), WEEK, plan_now=NOW)


@pytest.fixture(scope="module")
def html(built: BuiltReport) -> str:
    return "".join(render_report("html", built))


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    read = Page.read(html)
    assert read.errors == []
    return read


def groups(page: Page) -> list[Element]:
    """The section's row groups: one <tbody> per promotion."""
    return [e for e in page.find("tbody") if e.section == "waiting"]


def test_the_section_is_the_plan_itself(repo: Path, built: BuiltReport) -> None:
    assert built.plan is not None
    alone = build_plan(repo, PlanOptions(now=NOW))
    # The report's plan is `plan`'s, row for row (offline: the sample asks for no gate).
    assert [row_json(r) for r in built.plan.rows] == [row_json(r) for r in alone.rows]
    assert built.plan.offline
    assert built.waiting_skipped is None


def test_one_row_group_per_waiting_promotion(page: Page, built: BuiltReport) -> None:
    assert built.plan is not None
    waiting = shown(built.plan.rows, False)
    assert [
        (g.attrs["data-app"], g.attrs["data-env"], g.attrs["data-verdict"], g.attrs["data-rules"])
        for g in groups(page)
    ] == [(r.app, r.environment, r.verdict, " ".join(r.rules)) for r in waiting]
    assert [g.attrs["data-verdict"] for g in groups(page)] == [READY] * 2 + [BLOCKED] * 3
    assert {"now", "waiting", "timelines"} <= {e.attrs.get("id") for e in page.elements}
    assert page.find("a", href="#waiting")


def test_each_reason_in_the_rules_words(page: Page) -> None:
    text = page.text("waiting")
    assert "What gitops-guard plan says at 2026-02-14 09:00 +0000" in text
    assert "2 ready, 3 blocked, 7 up to date" in text
    assert "(--all" not in text  # the command's option; the page has no such switch
    # Soak left in hours.
    assert "GG304 soak-time: ghcr.io/acme/web 2.5.0 reaches prod after 14h in staging" in text
    assert "14h since 2026-02-13 19:00 +0000 10h over at 2026-02-14 19:00 +0000" in text
    # Frozen until Monday 08:00.
    assert "Frozen: no weekend deploys, until Mon 2026-02-16T08:00+01:00 (Europe/Berlin)" in text
    # A downgrade that needs a rollback.
    assert "GG302 unmarked-downgrade: registry.example.com/team/api went down" in text
    assert "a downgrade lands only as a rollback" in text
    # Not in staging yet.
    assert "Next: dev runs 1.5.1@sha256:766e27e6…, not yet in staging; straight to prod" in text
    assert "GG303 skipped-environment: registry.example.com/team/api 1.5.1" in text
    assert "Supply-chain gates" not in text  # the sample's policy asks for none
    assert "supply chain:" not in text
    assert "Bot limits (automated:) do not apply to a person's promotion" in text


def test_the_rows_data_is_the_plans(built: BuiltReport) -> None:
    """What the template lays out, computed from the plan's rows with plan's own words."""
    plan = built.plan
    assert plan is not None
    section = report_html._waiting(plan, None)
    assert section is not None
    rows = shown(plan.rows, False)
    assert len(section.rows) == len(rows) == 5
    for laid, row in zip(section.rows, rows, strict=True):
        assert (laid.app, laid.environment, laid.from_environment) == (
            row.app,
            row.environment,
            row.from_environment,
        )
        assert (laid.in_from, laid.soak_left) == (residence(row), soak_left(row) or "–")
        assert (laid.verdict, laid.rules, laid.blockers) == (row.verdict, row.rules, row.blockers)
        assert laid.running == row.running_display
        assert laid.candidate == row.candidate_display
        assert bool(laid.frozen) == (row.frozen_until is not None)
        assert bool(laid.next) == (row.upstream is not None)
    web = next(r for r in section.rows if r.app == "web")
    assert (web.in_from, web.soak_left, web.soak_over) == ("14h", "10h", "2026-02-14 19:00 +0000")
    api = next(r for r in section.rows if (r.app, r.environment) == ("api", "prod"))
    assert [reason.rule for reason in api.next_reasons] == ["GG303", "GG309"]
    assert section.summary == "2 ready, 3 blocked, 7 up to date"


def test_no_plan_no_section(built: BuiltReport) -> None:
    page = report_html.render(built.audit, built.metrics)
    assert 'id="waiting"' not in page
    assert 'href="#waiting"' not in page


def test_a_report_that_ends_before_the_head_shows_no_plan(repo: Path) -> None:
    early = build_report(repo, AuditOptions(until_revision="HEAD~1"), WEEK, plan_now=NOW)
    assert early.plan is None
    assert early.waiting_skipped is not None
    text = Page.read("".join(render_report("html", early))).text("waiting")
    assert "Not shown: the report ends before the head (--until)" in text


def test_the_reports_filters_apply(repo: Path) -> None:
    only_web = build_report(repo, AuditOptions(apps=frozenset({"web"})), WEEK, plan_now=NOW)
    assert only_web.plan is not None
    assert {row.app for row in only_web.plan.rows} == {"web"}
    by_image = build_report(repo, AuditOptions(image="ghcr.io/*"), WEEK, plan_now=NOW)
    assert by_image.plan is not None
    assert {row.image for row in by_image.plan.rows} == {"ghcr.io/acme/web"}
    prod = build_report(repo, AuditOptions(environments=frozenset({"prod"})), WEEK, plan_now=NOW)
    assert prod.plan is not None
    assert {row.environment for row in prod.plan.rows} == {"prod"}


def test_repository_text_is_escaped(built: BuiltReport) -> None:
    assert built.plan is not None
    hostile = "<img src=x onerror=alert(1)>"
    rows = [
        dataclasses.replace(row, app=hostile, notes=[hostile], frozen_reason=hostile)
        for row in built.plan.rows
    ]
    plan = dataclasses.replace(built.plan, rows=rows)
    page = report_html.render(built.audit, built.metrics, plan)
    assert hostile not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert Page.read(page).errors == []


def test_one_plan_moment_gives_the_same_bytes(built: BuiltReport, html: str) -> None:
    assert report_html.render(built.audit, built.metrics, built.plan) == html


def test_report_command_writes_the_section_at_now(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    arguments = ["report", "--repo", str(repo), "--format", "html", "--out", str(out)]
    assert main([*arguments, "--now", PLAN_NOW]) == 0
    page = Page.read((out / "report.html").read_text(encoding="utf-8"))
    assert len(groups(page)) == 5
    assert "2 ready, 3 blocked, 7 up to date" in page.text("waiting")
    # Monday after the freeze, a day later: the soak is over, the freeze too.
    assert main([*arguments, "--now", "2026-02-16T09:00:00+01:00"]) == 0
    later = Page.read((out / "report.html").read_text(encoding="utf-8"))
    assert [g.attrs["data-rules"] for g in groups(later) if g.attrs["data-app"] == "web"] == [""]
    capsys.readouterr()
    assert main([*arguments, "--now", "2026-02-14T09:00"]) == 2
    assert "is not an ISO 8601 timestamp with an offset" in capsys.readouterr().err


# --- the JSON report's "waiting" -----------------------------------------------------------


def schema(name: str) -> dict[str, object]:
    from importlib import resources

    text = resources.files("gitops_guard").joinpath(f"schemas/{name}").read_text()
    loaded: dict[str, object] = json.loads(text)
    return loaded


def test_json_report_has_the_plan_under_waiting(
    repo: Path, built: BuiltReport, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsonschema import Draft202012Validator

    assert main(["report", "--repo", str(repo), "--format", "json", "--now", PLAN_NOW]) == 0
    document = json.loads(capsys.readouterr().out)
    Draft202012Validator(schema("report.schema.json")).validate(document)
    Draft202012Validator(schema("plan.schema.json")).validate(document["waiting"])
    assert built.plan is not None
    assert document["waiting"] == plan_document(built.plan)
    assert document["waiting"]["summary"] == {
        "ready": 2,
        "blocked": 3,
        "up_to_date": 7,
        "no_candidate": 0,
    }
    # Without --now the JSON has no plan: the same history gives the same bytes.
    assert main(["report", "--repo", str(repo), "--format", "json"]) == 0
    assert "waiting" not in json.loads(capsys.readouterr().out)
    # What was there before is unchanged: the same events and summary as without a plan.
    plain = json.loads("".join(report_json.chunks(built.audit, built.metrics)))
    assert "waiting" not in plain
    assert {key: document[key] for key in ("events", "summary")} == plain


def test_json_streamed_and_built_agree(repo: Path, built: BuiltReport) -> None:
    streamed = "".join(
        render_stream("json", stream_report(repo, AuditOptions(), WEEK, plan_now=NOW))
    )
    assert streamed == "".join(render_report("json", built))


def test_json_waiting_is_null_for_a_report_that_ends_before_the_head(repo: Path) -> None:
    early = stream_report(repo, AuditOptions(until_revision="HEAD~1"), WEEK, plan_now=NOW)
    document = json.loads("".join(render_stream("json", early)))
    assert document["waiting"] is None
    from jsonschema import Draft202012Validator

    Draft202012Validator(schema("report.schema.json")).validate(document)


def test_a_policy_without_from_has_nothing_to_promote(make_repo: RepoFactory) -> None:
    """The default layout (no policy): the section says why it is empty, and no supply
    gate is named where none was asked."""
    repo = make_repo(
        {
            "k8s/prod/d.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: "
                '{spec: {containers: [{name: a, image: "nginx:1.27.2"}]}}}\n'
            )
        }
    )
    plain = build_report(repo, AuditOptions(), WEEK, plan_now=NOW)
    assert plain.plan is not None
    assert plain.plan.rows == []
    text = Page.read("".join(render_report("html", plain))).text("waiting")
    assert "No environment has a from: environment, or none deploys an image" in text
    assert "Supply-chain gates" not in text


def test_a_gated_row_says_not_checked_never_passed(built: BuiltReport) -> None:
    """The report plans offline: where a gate applies, the row and the lead say so."""
    assert built.plan is not None
    rows = [
        dataclasses.replace(row, supply_chain="not checked") if row.environment == "prod" else row
        for row in built.plan.rows
    ]
    plan = dataclasses.replace(built.plan, rows=rows)
    text = Page.read(report_html.render(built.audit, built.metrics, plan)).text("waiting")
    assert "Supply-chain gates: not checked (the report sends no registry request" in text
    assert text.count("supply chain: not checked") == 3  # the three prod rows
    assert "supply chain: passed" not in text
