"""``--format sarif``: valid against the official SARIF 2.1.0 schema, and within what
GitHub code scanning accepts (relative URIs, rule ids and indexes, levels, fingerprints).
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from gitops_guard import REPOSITORY_URL, RULES_URL
from gitops_guard.formats.findings.sarif import (
    FINGERPRINT_KEY,
    SRCROOT,
    artifact_uri,
    render,
    rule_descriptor,
)
from gitops_guard.model import Finding, Location, Report, fingerprint
from gitops_guard.rules.registry import all_info
from tests.formats.conftest import (
    FINDINGS,
    KUSTOMIZATION,
    RULES,
    SARIF_SCHEMA,
    VALUES,
    Golden,
    load_json,
)

URI_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~/%]+$")
RULES_PAGE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page: lower case, punctuation
    but hyphens dropped, spaces to hyphens; a repeated heading gets ``-1``, ``-2``..."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


@cache
def sarif_validator() -> Validator:
    schema = load_json(SARIF_SCHEMA)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif(report: Report) -> Any:
    return json.loads(render(report))


def assert_valid(log: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert errors == []


def assert_github_accepts(log: Any) -> None:
    """The constraints of GitHub's "SARIF support for code scanning" that the schema
    does not check."""
    assert log["version"] == "2.1.0"
    assert 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] == "gitops-guard"
        rules = driver["rules"]
        assert len(rules) <= 25_000
        assert len({rule["id"] for rule in rules}) == len(rules)
        for rule in rules:
            assert re.fullmatch(r"GG[0-9]{3}", rule["id"])
            assert len(rule["properties"]["tags"]) <= 10
            assert rule["shortDescription"]["text"]
        assert len(run["results"]) <= 25_000
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["level"] in {"error", "warning"}
            assert result["message"]["text"].strip()
            assert 1 <= len(result["locations"]) <= 100
            for location in result["locations"]:
                physical = location["physicalLocation"]
                artifact = physical["artifactLocation"]
                uri = artifact["uri"]
                parts = urlsplit(uri)
                assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
                assert not uri.startswith("/")
                assert URI_CHARACTERS.match(uri), uri
                assert artifact["uriBaseId"] in run["originalUriBaseIds"]
                assert physical["region"]["startLine"] >= 1
                assert physical["region"]["startColumn"] >= 1
            assert result["partialFingerprints"][FINGERPRINT_KEY]


def test_golden(report: Report, golden: Golden) -> None:
    golden("sarif.json", render(report))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("sarif-clean.json", render(clean_report))


def test_schema_fixture_is_the_official_one() -> None:
    schema = load_json(SARIF_SCHEMA)
    assert (
        schema["id"]
        == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )


@pytest.mark.parametrize("which", ["report", "clean_report"])
def test_valid_and_accepted_by_github(which: str, request: pytest.FixtureRequest) -> None:
    log = sarif(request.getfixturevalue(which))
    assert_valid(log)
    assert_github_accepts(log)


def test_results_are_located(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    located = [
        (
            unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            r["ruleId"],
            r["level"],
        )
        for r in results
    ]
    assert located == [
        (KUSTOMIZATION, 12, 5, "GG102", "error"),
        (KUSTOMIZATION, 14, 7, "GG103", "warning"),
        (VALUES, 1, 1, "GG001", "error"),
        (VALUES, 7, 3, "GG201", "warning"),
    ]
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "clusters/prod/my%20app/values.yaml",
        "uriBaseId": SRCROOT,
    }


def test_message_carries_the_hint(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    assert results[0]["message"]["text"] == (
        "tag `latest` of registry.example.com/team/api is mutable (prod)\n"
        "hint: use an immutable version tag, e.g. 1.4.2, and pin its digest"
    )
    assert results[2]["message"]["text"] == FINDINGS[2].message


def test_fingerprints_ignore_the_line(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in results] == [
        {FINGERPRINT_KEY: fingerprint(f)} for f in FINDINGS
    ]
    moved = dataclasses.replace(
        report,
        findings=(dataclasses.replace(FINDINGS[0], location=Location(KUSTOMIZATION, 40, 9)),),
    )
    assert (
        sarif(moved)["runs"][0]["results"][0]["partialFingerprints"]
        == results[0]["partialFingerprints"]
    )


def test_every_rule_is_documented(report: Report) -> None:
    driver = sarif(report)["runs"][0]["tool"]["driver"]
    assert (driver["version"], driver["semanticVersion"]) == ("1.2.3", "1.2.3")
    assert driver["informationUri"] == REPOSITORY_URL
    assert [rule["id"] for rule in driver["rules"]] == [info.id for info in RULES]
    mutable = driver["rules"][2]
    assert mutable["name"] == "mutable-tag"
    assert mutable["defaultConfiguration"] == {"level": "error"}
    assert mutable["shortDescription"]["text"] == RULES[2].summary
    assert mutable["fullDescription"]["text"] == (
        "Image uses a mutable tag: `latest` or a tag the policy lists in `forbidden_tags`.\n\n"
        "Tags such as `latest` move: the same manifest deploys different code over time."
    )
    assert mutable["help"]["text"] == RULES[2].doc
    assert "Failing:\n\n    image: ghcr.io/acme/web:latest" in mutable["help"]["markdown"]
    assert "::" not in mutable["help"]["markdown"]
    assert mutable["properties"]["tags"] == ["gitops", "image-reference"]
    assert driver["rules"][1]["help"]["text"] == RULES[1].summary  # no docstring
    assert driver["rules"][1]["fullDescription"]["text"] == RULES[1].summary
    assert driver["rules"][4]["defaultConfiguration"] == {"level": "warning"}


def test_result_properties_hold_app_environment_image(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    assert results[0]["properties"] == {
        "app": "api",
        "environment": "prod",
        "image": "registry.example.com/team/api:latest",
        "resource": "Deployment/api",
        "container": "api",
    }
    assert "properties" not in results[2]


def test_finding_of_an_undocumented_rule_gets_a_descriptor(report: Report) -> None:
    odd = Finding("GG999", "something new", Location("a.yaml", 3, 1))
    log = sarif(dataclasses.replace(report, findings=(*report.findings, odd)))
    assert_valid(log)
    assert_github_accepts(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[-1]["id"] == "GG999"
    assert log["runs"][0]["results"][-1]["ruleIndex"] == len(rules) - 1
    assert log["runs"][0]["results"][-1]["level"] == "warning"


def test_findings_with_one_key_keep_distinct_fingerprints() -> None:
    one = Finding("GG201", "unknown key a", Location("app.yaml", 5, 3), resource="Application/x")
    two = Finding("GG201", "unknown key b", Location("app.yaml", 6, 3), resource="Application/x")
    assert fingerprint(one) == fingerprint(two)
    log = sarif(Report(findings=(one, two), files=1, images=0, rules=()))
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert prints == [fingerprint(one), f"{fingerprint(one)}:2"]


def test_without_a_version_the_driver_omits_it(report: Report) -> None:
    log = sarif(dataclasses.replace(report, tool_version=""))
    assert_valid(log)
    assert "version" not in log["runs"][0]["tool"]["driver"]
    assert "semanticVersion" not in log["runs"][0]["tool"]["driver"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("apps/api/kustomization.yaml", "apps/api/kustomization.yaml"),
        ("clusters/my app/values.yaml", "clusters/my%20app/values.yaml"),
        ("c:x.yaml", "c%3Ax.yaml"),
        ("100%.yaml", "100%25.yaml"),
        ("a#b?c.yaml", "a%23b%3Fc.yaml"),
        ("dir/é.yaml", "dir/%C3%A9.yaml"),
        ("a~b_c-d.e", "a~b_c-d.e"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri
    assert unquote(uri) == path


def test_every_rule_links_to_its_section_of_the_rules_page() -> None:
    anchors = github_anchors(RULES_PAGE.read_text(encoding="utf-8"))
    assert "gg102-mutable-tag" in anchors
    for info in all_info():
        page, _, anchor = rule_descriptor(info)["helpUri"].partition("#")
        assert page == RULES_URL
        assert anchor in anchors, f"{info.id}: docs/rules.md has no heading #{anchor}"


def test_help_uri_of_the_golden_rules(report: Report) -> None:
    rules = sarif(report)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[2]["helpUri"] == f"{RULES_URL}#gg102-mutable-tag"
    assert [rule["helpUri"].rpartition("#")[2] for rule in rules] == [
        f"{info.id.lower()}-{info.name}" for info in RULES
    ]
