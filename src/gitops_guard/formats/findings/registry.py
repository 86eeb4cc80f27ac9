"""Output formats: one module per format, each a pure ``render(...) -> str``.

The findings formats of ``validate`` and ``check`` are listed in :data:`FINDING_FORMATS`
and reached through :func:`render_findings`, which imports only the module it needs.
The helpers here are shared by those modules; they import nothing beyond the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitops_guard.model import Severity

if TYPE_CHECKING:
    from gitops_guard.model import Finding, Report


FINDING_FORMATS: dict[str, str] = {
    "text": "gitops_guard.formats.findings.text",
    "json": "gitops_guard.formats.findings.json",
    "sarif": "gitops_guard.formats.findings.sarif",
    "github": "gitops_guard.formats.findings.github",
    "junit": "gitops_guard.formats.findings.junit",
    "markdown": "gitops_guard.formats.findings.markdown",
}


def render_findings(
    name: str, report: Report, *, color: bool = False, plan: str | None = None
) -> str:
    """Render ``report`` in the format ``name``, passing only the options it takes."""
    import importlib
    import inspect

    if name not in FINDING_FORMATS:
        known = ", ".join(FINDING_FORMATS)
        raise ValueError(f"unknown output format {name!r} (known: {known})")
    module = importlib.import_module(FINDING_FORMATS[name])
    render = module.render
    offered: dict[str, Any] = {"color": color, "plan": plan}
    accepted = inspect.signature(render).parameters
    text: str = render(report, **{k: v for k, v in offered.items() if k in accepted})
    return text


def severity_of(report: Report, finding: Finding) -> Severity:
    """The severity a finding counts with: its own, else its rule's default, else warning."""
    if finding.severity is not None:
        return finding.severity
    info = report.rule(finding.rule)
    return info.severity if info is not None else Severity.WARNING


def rule_title(report: Report, rule_id: str) -> str:
    """``GG102 mutable-tag``, or just the id when the report does not document the rule."""
    info = report.rule(rule_id)
    return f"{rule_id} {info.name}" if info is not None else rule_id
