"""``--format junit``: JUnit XML as GitLab and Jenkins read it.

One ``testsuite`` named gitops-guard; one failing ``testcase`` per finding (classname
and ``file`` are the path, name ``GG102 mutable-tag at line 12``, the failure's type its
severity), then one passing ``testcase`` per checked file without a finding, so the CI
page shows what was checked. Characters XML 1.0 cannot carry become U+FFFD; the
document is ASCII, other characters are written as character references.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gitops_guard.formats.findings.registry import (
    PLAIN,
    RenderContext,
    rule_title,
    severity_of,
)
from gitops_guard.model import Finding, Report

# Everything XML 1.0 forbids: C0 controls except tab, LF and CR; surrogates; U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _failure_text(finding: Finding) -> str:
    text = f"{finding.location}: {finding.message}"
    if finding.hint:
        text += f"\nhint: {finding.hint}"
    return _xml(text)


def _testcase(suite: ET.Element, path: str, name: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", {"classname": _xml(path), "name": _xml(name), "file": _xml(path)}
    )


def render(report: Report, _context: RenderContext = PLAIN) -> str:
    """The XML document with its declaration, indented, ending with a newline."""
    flagged = {f.location.path for f in report.findings}
    passing = [path for path in report.paths if path not in flagged]
    total = str(len(report.findings) + len(passing))
    failures = str(len(report.findings))
    counts = {"tests": total, "failures": failures, "errors": "0", "skipped": "0"}

    root = ET.Element("testsuites", {"name": "gitops-guard", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "gitops-guard", **counts})
    for finding in report.findings:
        name = f"{rule_title(report, finding.rule)} at line {finding.location.line}"
        case = _testcase(suite, finding.location.path, name)
        failure = ET.SubElement(
            case,
            "failure",
            {"message": _xml(finding.message), "type": severity_of(report, finding).value},
        )
        failure.text = _failure_text(finding)
    for path in passing:
        _testcase(suite, path, "gitops-guard")
    ET.indent(root)
    # Character references keep the document ASCII, whatever encoding writes it.
    body = ET.tostring(root, encoding="unicode").encode("ascii", "xmlcharrefreplace").decode()
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
