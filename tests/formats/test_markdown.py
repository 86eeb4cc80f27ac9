"""``--format markdown``: a PR comment whose table no message can break."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.formats.cells import escape_cell
from gitops_guard.formats.findings import plan as plan_format
from gitops_guard.formats.findings.markdown import MARKER, render
from gitops_guard.formats.findings.registry import RenderContext
from gitops_guard.gate.result import CheckResult
from gitops_guard.model import Finding, Location, Report
from tests.formats.conftest import KUSTOMIZATION, VALUES, Golden, make_check


def cells(row: str) -> list[str]:
    """Split a GFM table row on its unescaped pipes, as GitHub does."""
    assert row.startswith("| "), row
    assert row.endswith(" |"), row
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row[1:-1])]


def unescape(cell: str) -> str:
    text = re.sub(r"\\([\\`*_\[\]|~$])", r"\1", cell).replace("<br>", "\n")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_golden(report: Report, golden: Golden) -> None:
    golden("markdown.md", render(report))


def test_golden_with_plan(report: Report, checked: CheckResult, golden: Golden) -> None:
    golden("markdown-plan.md", render(report, RenderContext(check=checked)))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("markdown-clean.md", render(clean_report))


def test_marker_and_heading(report: Report) -> None:
    lines = render(report).splitlines()
    assert lines[0] == MARKER == "<!-- gitops-guard -->"
    assert (
        lines[1]
        == "**gitops-guard**: 2 errors, 2 warnings in 3 files; 1 suppressed; 2 known from the baseline"
    )


def test_every_row_has_four_cells(report: Report) -> None:
    rows = [line for line in render(report).splitlines() if line.startswith("|")]
    assert rows[0] == "| Severity | Rule | Location | Message |"
    assert rows[1] == "| --- | --- | --- | --- |"
    assert [len(cells(row)) for row in rows] == [4] * 6
    table = [cells(row) for row in rows[2:]]
    assert [(c[0], c[1], unescape(c[2])) for c in table] == [
        ("error", "GG102 mutable-tag", f"{KUSTOMIZATION}:12:5"),
        ("warning", "GG103 tag-pattern", f"{KUSTOMIZATION}:14:7"),
        ("error", "GG001 unreadable-input", f"{VALUES}:1:1"),
        ("warning", "GG201 unknown-annotation", f"{VALUES}:7:3"),
    ]


def test_message_cell_round_trips_with_hint(report: Report) -> None:
    rows = [line for line in render(report).splitlines() if line.startswith("|")][2:]
    for finding, row in zip(report.findings, rows, strict=True):
        expected = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
        assert unescape(cells(row)[3]) == expected


def test_markup_is_neutralised() -> None:
    assert escape_cell("<img src=x> & `code` | *b* _i_ [l](u) ~s~ $x$ \\") == (
        "&lt;img src=x&gt; &amp; \\`code\\` \\| \\*b\\* \\_i\\_ \\[l\\](u) \\~s\\~ \\$x\\$ \\\\"
    )
    assert escape_cell("a\r\nb\rc\nd") == "a<br>b<br>c<br>d"


def test_plan_comes_after_the_heading(report: Report, checked: CheckResult) -> None:
    lines = render(report, RenderContext(check=checked)).splitlines()
    plan = plan_format.render_markdown(checked.plan).splitlines()
    assert lines[:3] == [MARKER, lines[1], ""]
    assert lines[3 : 3 + len(plan) + 1] == [*plan, ""]
    assert lines[3 + len(plan) + 1] == "| Severity | Rule | Location | Message |"


def test_clean(clean_report: Report) -> None:
    assert (
        render(clean_report)
        == f"{MARKER}\n**gitops-guard**: no problems in 12 files\n\nNo problems found.\n"
    )
    nothing_promoted = make_check(clean_report, plan=[])
    assert render(clean_report, RenderContext(check=nothing_promoted)) == render(clean_report)


@given(st.text(), st.text())
def test_no_message_breaks_the_table(message: str, path: str) -> None:
    finding = Finding("GG102", message, Location(path or "a", 1, 1), hint=message or None)
    rows = [
        line for line in render(Report((finding,), 1, 1, ())).split("\n") if line.startswith("| ")
    ]
    assert len(rows) == 3
    assert len(cells(rows[2])) == 4
    lines = message.replace("\r\n", "\n").replace("\r", "\n")
    expected = lines + (f"\nhint: {lines}" if message else "")
    assert unescape(cells(rows[2])[3]).strip() == expected.strip()
