"""``--format json`` of ``validate`` and ``check``: the SPEC §6 document, plus a few keys.

The contract keys (``tool``, ``summary`` with ``errors``/``warnings``/``files``/``images``,
and per finding ``rule``, ``severity``, ``message``, ``path``, ``line``, ``column``,
``app``, ``environment``, ``image``) are never removed or renamed; this version adds
``suppressed`` and ``baselined`` to the summary and ``name``, ``hint``, ``resource``,
``container`` and ``fingerprint`` to each finding. ``schemas/findings.schema.json``
describes the document.
"""

from __future__ import annotations

import json
from typing import Any

from gitops_guard.formats.findings import plan
from gitops_guard.formats.findings.registry import PLAIN, RenderContext, severity_of
from gitops_guard.model import Finding, Report, fingerprint


def finding_to_dict(report: Report, finding: Finding) -> dict[str, Any]:
    """One finding in the stable JSON shape."""
    info = report.rule(finding.rule)
    return {
        "rule": finding.rule,
        "name": info.name if info is not None else None,
        "severity": severity_of(report, finding).value,
        "message": finding.message,
        "hint": finding.hint,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "app": finding.app,
        "environment": finding.environment,
        "image": finding.image,
        "resource": finding.resource,
        "container": finding.container,
        "fingerprint": fingerprint(finding),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole document as plain data."""
    return {
        "tool": {"name": "gitops-guard", "version": report.tool_version},
        "summary": {
            "errors": report.errors,
            "warnings": report.warnings,
            "files": report.files,
            "images": report.images,
            "suppressed": len(report.suppressed),
            "baselined": report.baselined,
        },
        "findings": [finding_to_dict(report, f) for f in report.findings],
    }


def render(report: Report, context: RenderContext = PLAIN) -> str:
    """The document, pretty-printed, ending with a newline.

    A check adds its promotion plan (``promotions``) and what it compared (``range``).
    """
    document = report_to_dict(report)
    check = context.check
    if check is not None:
        document["promotions"] = plan.to_json(check.plan)
        document["range"] = {"base": check.base, "head": check.head, "commits": check.commits}
    return json.dumps(document, indent=2) + "\n"
