"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it.

One run; ``tool.driver.rules`` documents every rule of the run (help from the rule's
docstring), each result points at its rule by ``ruleId`` and ``ruleIndex``. What
GitHub's upload documentation asks for, and how this module meets it:

- file paths stay the same across runs: ``artifactLocation.uri`` is the path relative
  to the repository root (``/`` separators, percent-encoded), with ``uriBaseId``
  ``%SRCROOT%``; ``region`` has a 1-based ``startLine`` and ``startColumn``;
- alerts are matched across runs by ``partialFingerprints``: ``gitopsGuard/v1`` is
  :func:`~gitops_guard.model.fingerprint` (rule, file, resource, container — not the
  line), so an edit above a finding does not reopen it; the upload action adds its own
  ``primaryLocationLineHash``;
- ``level`` is ``error`` or ``warning``; rule ids are the stable GG codes; a rule has at
  most two tags (the limit is 20);
- ``informationUri`` is the project's repository and each rule's ``helpUri`` its section
  of ``docs/rules.md`` there (GitHub's heading anchor, ``#gg102-mutable-tag``), so the
  links lead to documentation the project owns.

Suppressed and baselined findings are not results: they are not in the report's list.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from gitops_guard import REPOSITORY_URL, RULES_URL
from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    fingerprinted,
    severity_of,
)
from gitops_guard.model import Finding, Report, RuleInfo

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = REPOSITORY_URL
FINGERPRINT_KEY = "gitopsGuard/v1"
SRCROOT = "%SRCROOT%"

# The rule families of SPEC §4, by the first digit of the GG code.
_FAMILIES = {
    "0": "input",
    "1": "image-reference",
    "2": "annotations",
    "3": "promotion",
    "4": "commits",
    "5": "supply-chain",
}


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference: every byte but unreserved ones and
    ``/`` percent-encoded (UTF-8), so spaces, ``%``, ``#``, ``?`` and a ``:`` in the
    first segment cannot change its meaning."""
    return quote(path, safe="/")


def help_uri(info: RuleInfo) -> str:
    """The rule's section of the rules page: GitHub anchors the heading ``GG102
    `mutable-tag``` as ``gg102-mutable-tag`` (lower case, backticks dropped, spaces to
    hyphens)."""
    return f"{RULES_URL}#{info.id.lower()}-{info.name}"


def _paragraphs(doc: str) -> list[str]:
    return [p.strip("\n") for p in doc.split("\n\n") if p.strip()]


def _full_description(info: RuleInfo) -> str:
    """The docstring up to its first example, each paragraph on one line."""
    explanation: list[str] = []
    for paragraph in _paragraphs(info.doc):
        if paragraph.rstrip().endswith("::") or paragraph.startswith((" ", "\t")):
            break
        explanation.append(" ".join(line.strip() for line in paragraph.splitlines()))
    return "\n\n".join(explanation) or info.summary or info.id


def _help_markdown(doc: str) -> str:
    """The docstring as Markdown: a reST ``Failing::`` introduces an indented code block,
    which Markdown renders as code already; only the double colon goes."""
    lines = [line[:-1] if line.endswith("::") else line for line in doc.splitlines()]
    return "\n".join(lines)


def _tags(rule_id: str) -> list[str]:
    family = _FAMILIES.get(rule_id[2:3]) if rule_id.startswith("GG") else None
    return ["gitops", family] if family else ["gitops"]


def rule_descriptor(info: RuleInfo) -> dict[str, Any]:
    """A ``reportingDescriptor`` for one rule."""
    doc = info.doc.strip() or info.summary or info.id
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary or info.id},
        "fullDescription": {"text": _full_description(info)},
        "helpUri": help_uri(info),
        "help": {"text": doc, "markdown": _help_markdown(doc)},
        "defaultConfiguration": {"level": info.severity.value},
        "properties": {"tags": _tags(info.id)},
    }


def _undocumented_descriptor(rule_id: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "shortDescription": {"text": rule_id},
        "properties": {"tags": _tags(rule_id)},
    }


def _message(finding: Finding) -> str:
    if finding.hint:
        return f"{finding.message}\nhint: {finding.hint}"
    return finding.message


def _result(report: Report, finding: Finding, rule_index: int, print_: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": severity_of(report, finding).value,
        "message": {"text": _message(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": artifact_uri(finding.location.path),
                        "uriBaseId": SRCROOT,
                    },
                    "region": {
                        "startLine": max(1, finding.location.line),
                        "startColumn": max(1, finding.location.column),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: print_},
    }
    extra = {
        "app": finding.app,
        "environment": finding.environment,
        "image": finding.image,
        "resource": finding.resource,
        "container": finding.container,
    }
    properties = {key: value for key, value in extra.items() if value is not None}
    if properties:
        result["properties"] = properties
    return result


def report_to_sarif(report: Report) -> dict[str, Any]:
    """The SARIF log as plain data."""
    descriptors = [rule_descriptor(info) for info in report.rules]
    index = {info.id: i for i, info in enumerate(report.rules)}
    for rule_id in sorted({f.rule for f in report.findings} - index.keys()):
        index[rule_id] = len(descriptors)
        descriptors.append(_undocumented_descriptor(rule_id))

    results = [
        _result(report, finding, index[finding.rule], print_)
        for finding, print_ in fingerprinted(report)
    ]

    driver: dict[str, Any] = {"name": "gitops-guard", "informationUri": INFORMATION_URI}
    if report.tool_version:
        driver["version"] = report.tool_version
        driver["semanticVersion"] = report.tool_version
    driver["rules"] = descriptors
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {
                    SRCROOT: {"description": {"text": "The root of the repository checked."}}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(report: Report, _context: RenderContext = PLAIN) -> str:
    """The SARIF log, pretty-printed, ending with a newline."""
    return json.dumps(report_to_sarif(report), indent=2) + "\n"
