"""``--format junit``: JUnit XML, parsed back and checked."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from gitops_guard.formats.findings.junit import render
from gitops_guard.model import Finding, Location, Report
from tests.formats.conftest import AWKWARD, BASE, FINDINGS, KUSTOMIZATION, VALUES, Golden


def test_golden(report: Report, golden: Golden) -> None:
    golden("junit.xml", render(report))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("junit-clean.xml", render(clean_report))


def test_declaration_and_ascii(report: Report) -> None:
    text = render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert text.isascii()


def test_counts_and_locations(report: Report) -> None:
    root = ET.fromstring(render(report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    for element in (root, suite):
        assert element.get("name") == "gitops-guard"
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == (
            "5",
            "4",
            "0",
        )
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("file"), c.get("name")) for c in cases] == [
        (KUSTOMIZATION, KUSTOMIZATION, "GG102 mutable-tag at line 12"),
        (KUSTOMIZATION, KUSTOMIZATION, "GG103 tag-pattern at line 14"),
        (VALUES, VALUES, "GG001 unreadable-input at line 1"),
        (VALUES, VALUES, "GG201 unknown-annotation at line 7"),
        (BASE, BASE, "gitops-guard"),
    ]
    failures = [c.find("failure") for c in cases]
    assert failures[-1] is None
    assert [(f.get("type"), f.get("message")) for f in failures[:4] if f is not None] == [
        (finding.severity.value if finding.severity else None, finding.message)
        for finding in FINDINGS
    ]


def test_failure_text_has_location_and_hint(report: Report) -> None:
    cases = ET.fromstring(render(report)).iter("testcase")
    texts = [case.findtext("failure") for case in cases]
    assert texts[0] == (
        f"{KUSTOMIZATION}:12:5: tag `latest` of registry.example.com/team/api is mutable (prod)\n"
        "hint: use an immutable version tag, e.g. 1.4.2, and pin its digest"
    )
    assert texts[1] == f"{KUSTOMIZATION}:14:7: {AWKWARD}\nhint: {FINDINGS[1].hint}"
    assert texts[2] == f"{VALUES}:1:1: {FINDINGS[2].message}"


def test_clean_report_has_one_passing_case_per_file(clean_report: Report) -> None:
    suite = ET.fromstring(render(clean_report)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")
    assert [
        (c.get("classname"), c.get("name"), c.find("failure")) for c in suite.iter("testcase")
    ] == [
        ("apps/a.yaml", "gitops-guard", None),
        ("apps/b.yaml", "gitops-guard", None),
    ]


def test_characters_xml_cannot_hold_are_replaced(report: Report) -> None:
    bad = Finding("GG102", "bell\x07 and nul\x00 here", Location("a\x1b.yaml", 2, 1))
    root = ET.fromstring(render(dataclasses.replace(report, findings=(bad,), paths=())))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "bell\ufffd and nul\ufffd here"
    assert root.find("testsuite/testcase").get("classname") == "a\ufffd.yaml"  # type: ignore[union-attr]
