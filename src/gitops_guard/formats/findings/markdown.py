"""``--format markdown``: a pull-request comment.

    <!-- gitops-guard -->
    **gitops-guard**: 1 error, 1 warning in 12 files

    (the promotion plan, when there is one)

    | Severity | Rule | Location | Message |
    | --- | --- | --- | --- |
    | error | GG102 mutable-tag | apps/api/kustomization.yaml:12:5 | tag ... |

The hidden marker on the first line lets a CI job find its earlier comment and update
it. Cell text is escaped so that no message can break the table or add markup: Markdown
punctuation (``$`` too, which starts math on GitHub) gets a backslash, ``<``, ``>`` and
``&`` become entities, line breaks ``<br>``.
"""

from __future__ import annotations

from gitops_guard.formats.cells import escape_cell
from gitops_guard.formats.findings import plan as plan_format
from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    rule_title,
    severity_of,
)
from gitops_guard.formats.findings.text import summary
from gitops_guard.model import Finding, Report

MARKER = "<!-- gitops-guard -->"


def _row(report: Report, finding: Finding) -> str:
    message = escape_cell(finding.message)
    if finding.hint:
        message += f"<br>hint: {escape_cell(finding.hint)}"
    cells = [
        severity_of(report, finding).value,
        escape_cell(rule_title(report, finding.rule)),
        escape_cell(str(finding.location)),
        message,
    ]
    return f"| {' | '.join(cells)} |"


def render(report: Report, context: RenderContext = PLAIN) -> str:
    """The comment body: marker, summary, a check's promotion plan, then the findings table."""
    lines = [MARKER, f"**gitops-guard**: {summary(report, images=False)}", ""]
    plan = plan_format.render_markdown(context.check.plan) if context.check is not None else ""
    if plan.strip():
        lines += [plan.strip("\n"), ""]
    if report.findings:
        lines.append("| Severity | Rule | Location | Message |")
        lines.append("| --- | --- | --- | --- |")
        lines += [_row(report, finding) for finding in report.findings]
    else:
        lines.append("No problems found.")
    return "\n".join(lines) + "\n"
