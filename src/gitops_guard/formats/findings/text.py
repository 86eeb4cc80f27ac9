"""``--format text``: one line per finding for people, then a summary line.

    apps/api/overlays/prod/kustomization.yaml:12:5: error [GG102 mutable-tag] tag ...
      hint: use an immutable version tag

    1 error in 12 files (34 images); 3 suppressed

Continuation lines of a multi-line message or hint are indented, so every line that
starts in the first column is a finding. Whether to colour is the caller's decision.
"""

from __future__ import annotations

from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    rule_title,
    severity_of,
)
from gitops_guard.model import Report, Severity
from gitops_guard.words import count

_BOLD = "\033[1m"
_DIM = "\033[2m"
_RED = "\033[31m"
_YELLOW = "\033[33m"
_RESET = "\033[0m"

_SEVERITY_COLOR = {Severity.ERROR: _RED, Severity.WARNING: _YELLOW}


def summary(report: Report, *, images: bool = True) -> str:
    """``2 errors, 1 warning in 12 files (34 images); 3 suppressed; 2 known from the baseline``.

    The error count is always given once there is a finding; the other parts only when
    they are not zero. ``images=False`` leaves out the image count.
    """
    scope = count(report.files, "file")
    if images:
        scope += f" ({count(report.images, 'image')})"
    if report.findings:
        counts = [count(report.errors, "error")]
        if report.warnings:
            counts.append(count(report.warnings, "warning"))
        line = f"{', '.join(counts)} in {scope}"
    else:
        line = f"no problems in {scope}"
    if report.suppressed:
        line += f"; {len(report.suppressed)} suppressed"
    if report.baselined:
        line += f"; {report.baselined} known from the baseline"
    return line


def _indented(text: str, indent: str) -> str:
    return f"\n{indent}".join(text.splitlines() or [""])


def render(report: Report, context: RenderContext = PLAIN) -> str:
    """The findings, one per line with an optional hint line, then a blank line and the summary.

    A check's promotion plan comes first.
    """
    color = context.color
    lines: list[str] = []
    for finding in report.findings:
        severity = severity_of(report, finding)
        where = str(finding.location)
        label = severity.value
        if color:
            where = f"{_BOLD}{where}{_RESET}"
            label = f"{_SEVERITY_COLOR[severity]}{label}{_RESET}"
        message = _indented(finding.message, "    ")
        if finding.commit:
            message = f"commit {finding.commit[:12]}: {message}"
        lines.append(f"{where}: {label} [{rule_title(report, finding.rule)}] {message}")
        if finding.hint:
            hint = f"  hint: {_indented(finding.hint, '        ')}"
            lines.append(f"{_DIM}{hint}{_RESET}" if color else hint)
    if context.quiet and not lines:
        return ""
    if lines:
        lines.append("")
    lines.append(summary(report))
    body = "\n".join(lines) + "\n"
    if context.check is None:
        return body
    # The promotion plan of `check` (and the gate's result types) are not validate's.
    from gitops_guard.formats.findings import plan

    return plan.render_text(context.check.plan) + body
