"""`plan`'s formats: the JSON document against plan.schema.json, Markdown and text goldens."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from gitops_guard.audit.plan import Plan, PlanOptions, build_plan
from gitops_guard.formats.plan.json import render_json
from gitops_guard.formats.plan.markdown import render_markdown
from gitops_guard.formats.plan.text import render_text
from tests.audit.plan_repo import NOW, build_plan_history
from tests.formats.conftest import SCHEMAS, Golden, load_json


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    repo = build_plan_history(tmp_path_factory.mktemp("plan-formats") / "repo").path
    return build_plan(repo, PlanOptions(now=NOW))


def package_schema() -> Any:
    text = resources.files("gitops_guard").joinpath("schemas/plan.schema.json").read_text()
    return json.loads(text)


def test_schema_is_valid_and_shipped_alike() -> None:
    Draft202012Validator.check_schema(package_schema())
    assert load_json(SCHEMAS / "plan.schema.json") == package_schema()


@pytest.mark.parametrize("show_all", [False, True])
def test_json_is_valid_against_the_schema(plan: Plan, show_all: bool) -> None:
    document = json.loads(render_json(plan, show_all))
    validator = Draft202012Validator(package_schema(), format_checker=FormatChecker())
    assert [error.message for error in validator.iter_errors(document)] == []
    assert document["summary"] == {"ready": 2, "blocked": 4, "up_to_date": 2, "no_candidate": 0}
    assert len(document["promotions"]) == (8 if show_all else 6)


def test_json_shape_of_a_row(plan: Plan) -> None:
    document = json.loads(render_json(plan))
    api = next(p for p in document["promotions"] if (p["app"], p["environment"]) == ("api", "prod"))
    assert api["running"] == {
        "version": "1.4.0",
        "reference": "registry.example.com/team/api:1.4.0",
    }
    assert api["candidate"] == {
        "version": "1.5.0",
        "reference": "registry.example.com/team/api:1.5.0",
        "first_ran": "2026-03-19T22:00:00+00:00",
        "running_since": "2026-03-19T22:00:00+00:00",
    }
    assert (api["change"], api["verdict"], api["rules"]) == ("minor", "blocked", ["GG304"])
    assert api["soak"] == {
        "required_seconds": 86400,
        "soaked_seconds": 50400,
        "left_seconds": 36000,
        "ready_at": "2026-03-20T22:00:00+00:00",
    }
    assert api["blockers"][0]["name"] == "soak-time"
    search = next(
        p for p in document["promotions"] if (p["app"], p["environment"]) == ("search", "staging")
    )
    assert search["freeze"] == {
        "reason": "load test week",
        "until": "2026-03-23T08:00:00+01:00",
        "until_text": "2026-03-23T08:00+01:00",
    }
    assert document["now"] == NOW.isoformat()


def test_markdown_golden(plan: Plan, golden: Golden) -> None:
    golden("plan.md", render_markdown(plan))


def test_text_golden(plan: Plan, golden: Golden) -> None:
    golden("plan.txt", render_text(plan))


def test_nothing_to_promote_is_said(tmp_path: Path) -> None:
    repo = build_plan_history(tmp_path / "repo").path
    plan = build_plan(
        repo, PlanOptions(now=NOW, apps=frozenset({"billing"}), environments=frozenset({"staging"}))
    )
    assert "Nothing waits to be promoted." in render_markdown(plan)
    assert "nothing waits to be promoted" in render_text(plan)
    assert "billing" in render_text(plan, show_all=True)
