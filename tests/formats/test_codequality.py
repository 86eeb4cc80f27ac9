"""``--format codequality``: GitLab's Code Quality report, in the shape GitLab reads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gitops_guard.formats.findings.codequality import render
from gitops_guard.model import Finding, Location, Report, Severity, fingerprint
from tests.formats.conftest import AWKWARD, FINDINGS, KUSTOMIZATION, VALUES, Golden, load_json

SCHEMA = (
    Path(__file__).resolve().parents[1] / "fixtures" / "codequality" / "codequality.schema.json"
)


def assert_gitlab_reads(text: str) -> list[dict[str, Any]]:
    """Valid against the documented shape, no byte order mark, fingerprints unique (GitLab
    keys issues by them); the parsed issues."""
    assert not text.startswith("\ufeff")
    issues = json.loads(text)
    schema = load_json(SCHEMA)
    Draft202012Validator.check_schema(schema)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(issues)
    ]
    assert errors == []
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == len(prints)
    return list(issues)


def test_golden(report: Report, golden: Golden) -> None:
    golden("codequality.json", render(report))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("codequality-clean.json", render(clean_report))
    assert json.loads(render(clean_report)) == []


@pytest.mark.parametrize("which", ["report", "clean_report"])
def test_gitlab_reads_it(which: str, request: pytest.FixtureRequest) -> None:
    assert_gitlab_reads(render(request.getfixturevalue(which)))


def test_schema_refuses_what_gitlab_refuses() -> None:
    good = {
        "description": "d",
        "check_name": "GG102 mutable-tag",
        "fingerprint": "f",
        "severity": "major",
        "location": {"path": "a.yaml", "lines": {"begin": 1}},
    }
    assert_gitlab_reads(json.dumps([good]))
    bad = [
        {**good, "severity": "error"},
        {**good, "location": {"path": "./a.yaml", "lines": {"begin": 1}}},
        {**good, "location": {"path": "a.yaml"}},
        {key: value for key, value in good.items() if key != "check_name"},
    ]
    for issue in bad:
        with pytest.raises(AssertionError):
            assert_gitlab_reads(json.dumps([issue]))
    with pytest.raises(AssertionError):
        assert_gitlab_reads(json.dumps([good, good]))


def test_issues_are_located(report: Report) -> None:
    issues = assert_gitlab_reads(render(report))
    assert [
        (i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"], i["severity"])
        for i in issues
    ] == [
        (KUSTOMIZATION, 12, "GG102 mutable-tag", "critical"),
        (KUSTOMIZATION, 14, "GG103 tag-pattern", "minor"),
        (VALUES, 1, "GG001 unreadable-input", "critical"),
        (VALUES, 7, "GG201 unknown-annotation", "minor"),
    ]


def test_description_carries_the_hint(report: Report) -> None:
    issues = json.loads(render(report))
    assert issues[0]["description"] == (
        "tag `latest` of registry.example.com/team/api is mutable (prod) "
        "(hint: use an immutable version tag, e.g. 1.4.2, and pin its digest)"
    )
    assert issues[1]["description"] == f"{AWKWARD} (hint: {FINDINGS[1].hint})"
    assert issues[2]["description"] == FINDINGS[2].message


def test_fingerprints_are_the_stable_keys(report: Report) -> None:
    issues = json.loads(render(report))
    assert [i["fingerprint"] for i in issues] == [fingerprint(f) for f in FINDINGS]
    moved = dataclasses.replace(
        report,
        findings=(dataclasses.replace(FINDINGS[0], location=Location(KUSTOMIZATION, 40, 9)),),
    )
    assert json.loads(render(moved))[0]["fingerprint"] == issues[0]["fingerprint"]


def test_findings_with_one_key_stay_two_issues() -> None:
    one = Finding("GG201", "unknown key a", Location("app.yaml", 5, 3), resource="Application/x")
    two = Finding("GG201", "unknown key b", Location("app.yaml", 6, 3), resource="Application/x")
    issues = assert_gitlab_reads(render(Report(findings=(one, two), files=1, images=0, rules=())))
    assert [i["fingerprint"] for i in issues] == [fingerprint(one), f"{fingerprint(one)}:2"]
    # Without the rule's documentation: the id alone, the default severity warning.
    assert [(i["check_name"], i["severity"]) for i in issues] == [("GG201", "minor")] * 2


def test_a_finding_without_a_line_points_at_line_one() -> None:
    whole = Finding("GG307", "the policy got looser", Location(".gitops-guard.yaml", 0, 0))
    report = Report(findings=(whole,), files=1, images=0, rules=())
    issue = assert_gitlab_reads(render(report))[0]
    assert issue["location"] == {"path": ".gitops-guard.yaml", "lines": {"begin": 1}}


def test_the_document_is_ascii(report: Report) -> None:
    text = render(report)
    assert text.isascii()
    assert json.loads(text)[1]["description"].startswith(AWKWARD)


@pytest.mark.parametrize(
    ("severity", "expected"), [(Severity.ERROR, "critical"), (Severity.WARNING, "minor")]
)
def test_severities(severity: Severity, expected: str) -> None:
    finding = Finding("GG102", "m", Location("a.yaml", 1, 1), severity=severity)
    report = Report(findings=(finding,), files=1, images=0, rules=())
    assert json.loads(render(report))[0]["severity"] == expected
