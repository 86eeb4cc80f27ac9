"""``--format codequality``: GitLab's Code Quality report (``artifacts:reports:codequality``).

A JSON array with one issue per finding, in the subset of the Code Climate format that
GitLab reads: ``description``, ``check_name``, ``fingerprint``, ``severity`` (one of
``info``, ``minor``, ``major``, ``critical``, ``blocker``) and ``location`` with the path
relative to the repository root and ``lines.begin``. GitLab compares the merge request's
report with the target branch's by ``fingerprint``, so it is the finding's stable key
(rule, file, resource, container — not the line, so an edit above a finding does not turn
it into a new one), made distinct by an occurrence number when two findings share it.

Severities: a finding at ``error`` level fails the check, so it is ``critical``; a
``warning`` is ``minor``. The document is ASCII (JSON escapes), with no byte order mark,
which GitLab's parser refuses.
"""

from __future__ import annotations

import json
from typing import Any

from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    fingerprinted,
    rule_title,
    severity_of,
)
from gitops_guard.model import Finding, Report, Severity

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "minor"}


def _description(finding: Finding) -> str:
    if finding.hint:
        return f"{finding.message} (hint: {finding.hint})"
    return finding.message


def issue(report: Report, finding: Finding, print_: str) -> dict[str, Any]:
    """One Code Quality issue."""
    return {
        "description": _description(finding),
        "check_name": rule_title(report, finding.rule),
        "fingerprint": print_,
        "severity": SEVERITIES[severity_of(report, finding)],
        "location": {
            "path": finding.location.path.removeprefix("./"),
            "lines": {"begin": max(1, finding.location.line)},
        },
    }


def render(report: Report, _context: RenderContext = PLAIN) -> str:
    """The report, pretty-printed, ending with a newline (``[]`` when nothing was found)."""
    issues = [issue(report, finding, print_) for finding, print_ in fingerprinted(report)]
    return json.dumps(issues, indent=2) + "\n"
