"""``render_findings``: every format by name, each given the same typed context."""

from __future__ import annotations

import json
from types import ModuleType
from typing import cast

import pytest

from gitops_guard.formats.findings import plan as plan_format
from gitops_guard.formats.findings.registry import (
    FINDING_FORMATS,
    PLAIN,
    RenderContext,
    findings_format,
    render_findings,
)
from gitops_guard.gate.result import CheckResult
from gitops_guard.model import Report


def test_the_seven_formats() -> None:
    assert FINDING_FORMATS == (
        "text",
        "json",
        "sarif",
        "github",
        "junit",
        "markdown",
        "codequality",
    )


@pytest.mark.parametrize("name", FINDING_FORMATS)
def test_render_findings_is_the_module_s_render(name: str, report: Report) -> None:
    module = findings_format(name)
    assert cast(ModuleType, module).__name__ == f"gitops_guard.formats.findings.{name}"
    assert render_findings(name, report) == module.render(report, PLAIN)


@pytest.mark.parametrize("name", ["sarif", "github", "junit", "codequality"])
def test_formats_without_a_plan_or_colour_ignore_them(
    name: str, report: Report, checked: CheckResult
) -> None:
    context = RenderContext(check=checked, color=True)
    assert render_findings(name, report, context) == render_findings(name, report)


def test_json_of_a_check_carries_the_plan_and_the_range(
    report: Report, checked: CheckResult
) -> None:
    plain = json.loads(render_findings("json", report))
    document = json.loads(render_findings("json", report, RenderContext(check=checked)))
    assert list(document) == [*plain, "promotions", "range"]
    assert document["promotions"] == plan_format.to_json(checked.plan)
    assert document["range"] == {"base": "1111111", "head": "2222222", "commits": 2}
    assert {k: document[k] for k in plain} == plain


def test_text_of_a_check_starts_with_the_plan(report: Report, checked: CheckResult) -> None:
    text = render_findings("text", report, RenderContext(check=checked))
    assert text == plan_format.render_text(checked.plan) + render_findings("text", report)


def test_colour_reaches_the_text_format_only(report: Report) -> None:
    coloured = render_findings("text", report, RenderContext(color=True))
    assert "\033[" in coloured
    assert "\033[" not in render_findings("markdown", report, RenderContext(color=True))


def test_unknown_format(report: Report) -> None:
    with pytest.raises(ValueError, match="unknown output format 'yaml'"):
        render_findings("yaml", report)


def test_a_findings_format_loads_no_stage_of_the_pipeline() -> None:
    # The plan's rows are plain dataclasses: rendering a check's output must not import the
    # check, the history or the extraction (it used to load 74 of 113 modules).
    import subprocess
    import sys

    code = (
        "import sys; import gitops_guard.formats.findings.markdown; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('gitops_guard.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    stages = {m.split(".")[1] for m in loaded}
    assert stages <= {"formats", "gate", "model", "imageref", "words"}, loaded
    assert "gitops_guard.gate.check" not in loaded
