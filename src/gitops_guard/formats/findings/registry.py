"""The findings formats of ``validate`` and ``check``: one module per ``--format``.

Each module provides ``render(report, context) -> str`` (the :class:`FindingsFormat`
Protocol, checked by mypy against every module); :func:`render_findings` imports only
the module it needs. The helpers here are shared by those modules; they import nothing
beyond the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from gitops_guard.model import Severity, fingerprint

if TYPE_CHECKING:
    from gitops_guard.gate.result import CheckResult
    from gitops_guard.model import Finding, Report


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a findings format may use besides the report.

    ``check``: the result of ``check`` the report comes from (its promotion plan and the
    range compared), None for ``validate``; ``color``: whether the reader is a terminal
    that shows colours; ``quiet``: the reader wants the findings only (no summary line
    when there are none). The last two concern the text format only.
    """

    check: CheckResult | None = None
    color: bool = False
    quiet: bool = False


PLAIN: Final = RenderContext()


class FindingsFormat(Protocol):
    """A findings format module."""

    def render(self, report: Report, context: RenderContext = ..., /) -> str: ...


FINDING_FORMATS: Final = (
    "text",
    "json",
    "sarif",
    "github",
    "junit",
    "markdown",
    "codequality",
)


def findings_format(name: str) -> FindingsFormat:
    """The module of the format ``name``, imported now (raises ValueError for others)."""
    # One branch per format: mypy checks each module against FindingsFormat.
    if name == "text":
        from gitops_guard.formats.findings import text

        return text
    if name == "json":
        from gitops_guard.formats.findings import json

        return json
    if name == "sarif":
        from gitops_guard.formats.findings import sarif

        return sarif
    if name == "github":
        from gitops_guard.formats.findings import github

        return github
    if name == "junit":
        from gitops_guard.formats.findings import junit

        return junit
    if name == "markdown":
        from gitops_guard.formats.findings import markdown

        return markdown
    if name == "codequality":
        from gitops_guard.formats.findings import codequality

        return codequality
    known = ", ".join(FINDING_FORMATS)
    raise ValueError(f"unknown output format {name!r} (known: {known})")


def render_findings(name: str, report: Report, context: RenderContext = PLAIN) -> str:
    """Render ``report`` in the format ``name``."""
    return findings_format(name).render(report, context)


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


def fingerprinted(report: Report) -> list[tuple[Finding, str]]:
    """Each finding with its :func:`~gitops_guard.model.fingerprint`, made distinct: two
    findings with one key (say, two unknown annotations on one Application) must stay two
    alerts, so later ones get an occurrence number (``<hex>:2``)."""
    seen: dict[str, int] = {}
    pairs = []
    for finding in report.findings:
        print_ = fingerprint(finding)
        seen[print_] = seen.get(print_, 0) + 1
        pairs.append((finding, print_ if seen[print_] == 1 else f"{print_}:{seen[print_]}"))
    return pairs
