"""``--format github``: GitHub Actions workflow commands, which annotate the PR diff.

    ::error file=apps/api/kustomization.yaml,line=12,col=5,title=GG102 mutable-tag::tag ...

Escaping follows the Actions runner: in the message ``%``, CR and LF are encoded
(``%25``, ``%0D``, ``%0A``); property values also encode ``:`` and ``,`` (``%3A``,
``%2C``). The hint follows the message on its own (encoded) line.
"""

from __future__ import annotations

from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    rule_title,
    severity_of,
)
from gitops_guard.model import Finding, Report


def escape_data(text: str) -> str:
    """A command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(report: Report, finding: Finding) -> str:
    """The workflow command for one finding (no trailing newline)."""
    properties = {
        "file": finding.location.path,
        "line": str(finding.location.line),
        "col": str(finding.location.column),
        "title": rule_title(report, finding.rule),
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = finding.message
    if finding.hint:
        message += f"\nhint: {finding.hint}"
    return f"::{severity_of(report, finding).value} {joined}::{escape_data(message)}"


def render(report: Report, _context: RenderContext = PLAIN) -> str:
    """One command per finding; nothing at all for a clean report."""
    return "".join(command(report, f) + "\n" for f in report.findings)
