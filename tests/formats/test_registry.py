"""``render_findings``: every format by name, with the options it takes."""

from __future__ import annotations

import importlib

import pytest

from gitops_guard.formats.findings.registry import (
    FINDING_FORMATS,
    render_findings,
)
from gitops_guard.model import Report


def test_the_six_formats() -> None:
    assert list(FINDING_FORMATS) == ["text", "json", "sarif", "github", "junit", "markdown"]


@pytest.mark.parametrize("name", list(FINDING_FORMATS))
def test_render_findings_matches_the_module(name: str, report: Report) -> None:
    module = importlib.import_module(FINDING_FORMATS[name])
    assert render_findings(name, report, color=False, plan=None) == module.render(report)


def test_options_reach_only_the_formats_that_take_them(report: Report) -> None:
    from gitops_guard.formats.findings import (
        json,
        markdown,
        text,
    )

    assert render_findings("text", report, color=True, plan="x") == text.render(report, color=True)
    assert render_findings("markdown", report, color=True, plan="**plan**") == markdown.render(
        report, plan="**plan**"
    )
    assert render_findings("json", report, color=True, plan="x") == json.render(report)


def test_unknown_format(report: Report) -> None:
    with pytest.raises(ValueError, match="unknown output format 'yaml'"):
        render_findings("yaml", report)
