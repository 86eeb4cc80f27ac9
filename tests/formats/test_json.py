"""``--format json``: the SPEC §6 document, checked against findings.schema.json."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from gitops_guard.formats.findings.json import render
from gitops_guard.model import Report, fingerprint
from tests.formats.conftest import (
    AWKWARD,
    FINDINGS,
    KUSTOMIZATION,
    SCHEMAS,
    VALUES,
    Golden,
    load_json,
)

CONTRACT_FINDING_KEYS = [
    "rule",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "app",
    "environment",
    "image",
]


def package_schema() -> Any:
    text = resources.files("gitops_guard").joinpath("schemas/findings.schema.json").read_text()
    return json.loads(text)


def validator() -> Draft202012Validator:
    return Draft202012Validator(package_schema(), format_checker=FormatChecker())


def test_golden(report: Report, golden: Golden) -> None:
    golden("json.json", render(report))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("json-clean.json", render(clean_report))


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(package_schema())


def test_shipped_schema_copy_is_identical_to_package_data() -> None:
    assert load_json(SCHEMAS / "findings.schema.json") == package_schema()


@pytest.mark.parametrize("which", ["report", "clean_report"])
def test_output_is_valid_against_the_schema(which: str, request: pytest.FixtureRequest) -> None:
    document = json.loads(render(request.getfixturevalue(which)))
    errors = [error.message for error in validator().iter_errors(document)]
    assert errors == []


def test_contract_keys_and_values(report: Report) -> None:
    document = json.loads(render(report))
    assert document["tool"] == {"name": "gitops-guard", "version": "1.2.3"}
    assert document["summary"] == {
        "errors": 2,
        "warnings": 2,
        "files": 3,
        "images": 5,
        "suppressed": 1,
        "baselined": 2,
    }
    findings = document["findings"]
    for finding in findings:
        assert set(CONTRACT_FINDING_KEYS) <= set(finding)
    located = [(f["path"], f["line"], f["column"], f["rule"], f["severity"]) for f in findings]
    assert located == [
        (KUSTOMIZATION, 12, 5, "GG102", "error"),
        (KUSTOMIZATION, 14, 7, "GG103", "warning"),
        (VALUES, 1, 1, "GG001", "error"),
        (VALUES, 7, 3, "GG201", "warning"),
    ]
    first = findings[0]
    assert (first["app"], first["environment"], first["image"]) == (
        "api",
        "prod",
        "registry.example.com/team/api:latest",
    )
    assert first["name"] == "mutable-tag"
    assert first["hint"] == "use an immutable version tag, e.g. 1.4.2, and pin its digest"
    assert first["fingerprint"] == fingerprint(FINDINGS[0])
    unknown = findings[2]
    assert (unknown["app"], unknown["environment"], unknown["image"], unknown["hint"]) == (
        None,
        None,
        None,
        None,
    )


def test_messages_round_trip(report: Report) -> None:
    document = json.loads(render(report))
    assert document["findings"][1]["message"] == AWKWARD
    assert [f["message"] for f in document["findings"]] == [f.message for f in FINDINGS]


def test_output_is_ascii(report: Report) -> None:
    assert render(report).isascii()


def test_clean_report(clean_report: Report) -> None:
    document = json.loads(render(clean_report))
    assert document["findings"] == []
    assert document["summary"]["errors"] == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("summary"),
        lambda d: d["findings"][0].pop("image"),
        lambda d: d["findings"][0].update(severity="fatal"),
        lambda d: d["findings"][0].update(line=0),
        lambda d: d["findings"][0].update(path="/abs/path.yaml"),
    ],
)
def test_schema_rejects_broken_documents(report: Report, damage: Any) -> None:
    document = json.loads(render(report))
    damage(document)
    assert list(validator().iter_errors(document))
