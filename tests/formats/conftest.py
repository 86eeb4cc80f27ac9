"""Reports built in code for the format tests, and the golden-file check.

Golden files under ``golden/`` are written only by ``pytest tests/formats
--update-goldens`` (the option is registered in tests/conftest.py), never by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.gate.result import CheckResult, PlannedChange
from gitops_guard.model import Finding, Location, Report, RuleInfo, Severity, Suppression

GOLDEN = Path(__file__).parent / "golden"
SCHEMAS = Path(__file__).parent.parent.parent / "schemas"
SARIF_SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"

KUSTOMIZATION = "apps/api/overlays/prod/kustomization.yaml"
BASE = "apps/api/base/deployment.yaml"
VALUES = "clusters/prod/my app/values.yaml"

# Escaping trouble in one message: table pipes, command separators, percent signs,
# markup, an ampersand, backticks, a non-ASCII arrow, and a line break.
AWKWARD = 'tag "1.2|3" does not match ^v[0-9]+$: 50% of <prod> & `stable`, a → b\nsee the policy'

RULES = (
    RuleInfo(
        id="GG001",
        name="unreadable-input",
        severity=Severity.ERROR,
        summary="File cannot be parsed as YAML, or a value has the wrong type",
        doc="File cannot be parsed as YAML, or a value has the wrong type.\n\n"
        "Reported at the parser's line.",
    ),
    RuleInfo(
        id="GG101",
        name="missing-tag",
        severity=Severity.ERROR,
        summary="Image has no tag and no digest",
        doc="",
    ),
    RuleInfo(
        id="GG102",
        name="mutable-tag",
        severity=Severity.ERROR,
        summary="Image uses a mutable tag: `latest` or a tag the policy lists in `forbidden_tags`",
        doc=(
            "Image uses a mutable tag: `latest` or a tag the policy lists in `forbidden_tags`.\n"
            "\n"
            "Tags such as `latest` move: the same manifest deploys\n"
            "different code over time.\n"
            "\n"
            "Failing::\n"
            "\n"
            "    image: ghcr.io/acme/web:latest\n"
            "\n"
            "Passing::\n"
            "\n"
            "    image: ghcr.io/acme/web:2.4.0"
        ),
    ),
    RuleInfo(
        id="GG103",
        name="tag-pattern",
        severity=Severity.ERROR,
        summary="Tag does not match the tag pattern that applies",
        doc="Tag does not match the tag pattern that applies.\n\nSee `images.tag_pattern`.",
    ),
    RuleInfo(
        id="GG201",
        name="unknown-annotation",
        severity=Severity.WARNING,
        summary="Unknown argocd-image-updater.argoproj.io/* annotation key",
        doc="Unknown argocd-image-updater.argoproj.io/* annotation key.",
    ),
)

FINDINGS = (
    Finding(
        rule="GG102",
        message="tag `latest` of registry.example.com/team/api is mutable (prod)",
        location=Location(KUSTOMIZATION, 12, 5),
        severity=Severity.ERROR,
        hint="use an immutable version tag, e.g. 1.4.2, and pin its digest",
        app="api",
        environment="prod",
        image="registry.example.com/team/api:latest",
        resource="Deployment/api",
        container="api",
    ),
    Finding(
        rule="GG103",
        message=AWKWARD,
        location=Location(KUSTOMIZATION, 14, 7),
        severity=Severity.WARNING,
        hint="allowed: `^v[0-9]+$` | ask #platform, 100% sure",
        app="api",
        environment="prod",
        image="registry.example.com/team/api:1.2.3-rc",
        resource="Deployment/api",
        container="sidecar",
    ),
    Finding(
        rule="GG001",
        message="cannot parse YAML: mapping values are not allowed here",
        location=Location(VALUES, 1, 1),
        severity=Severity.ERROR,
    ),
    Finding(
        rule="GG201",
        message="unknown annotation key api.allow-tag → did you mean api.allow-tags?",
        location=Location(VALUES, 7, 3),
        severity=Severity.WARNING,
        hint="rename it to argocd-image-updater.argoproj.io/api.allow-tags",
        app="my app",
        environment="prod",
        resource="Application/my-app",
    ),
)


def make_report() -> Report:
    """Four findings in two files (one path with a space), a clean third file, one
    suppression and two baselined findings."""
    silenced = Finding(
        rule="GG102",
        message="tag `main` of docker.io/library/nginx is mutable (prod)",
        location=Location(KUSTOMIZATION, 30, 5),
        severity=Severity.ERROR,
    )
    return Report(
        findings=FINDINGS,
        files=3,
        images=5,
        rules=RULES,
        paths=(BASE, KUSTOMIZATION, VALUES),
        suppressed=(
            Suppression(silenced, "legacy nginx, removed in Q3", Location(KUSTOMIZATION, 29, 5)),
        ),
        baselined=2,
        tool_version="1.2.3",
    )


def make_clean_report() -> Report:
    """Nothing found in twelve files."""
    return Report(
        findings=(),
        files=12,
        images=34,
        rules=RULES,
        paths=("apps/a.yaml", "apps/b.yaml"),
        tool_version="1.2.3",
    )


@pytest.fixture
def report() -> Report:
    return make_report()


@pytest.fixture
def clean_report() -> Report:
    return make_clean_report()


def make_check(report: Report, plan: list[PlannedChange] | None = None) -> CheckResult:
    """What ``check`` returns for ``report``: by default a plan of a promotion and a block."""
    rows = plan if plan is not None else [
        PlannedChange("api", "prod", "api", "registry.example.com/team/api", "1.4.1", "1.4.2",
                      "patch", ["Ana <ana@example.com>"]),
        PlannedChange("web", "staging", "web", "ghcr.io/acme/web", "3.1.0", "4.0.0", "major",
                      ["argocd-image-updater"], bot=True, rules=["GG301"]),
    ]  # fmt: skip
    return CheckResult(report, rows, "1111111", "2222222", 2, [])


@pytest.fixture
def checked(report: Report) -> CheckResult:
    return make_check(report)


Golden = Callable[[str, str], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compare output with ``golden/<name>``, or rewrite it under ``--update-goldens``."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="")
            return
        if not path.exists():
            pytest.fail(f"golden file {name} is missing: run pytest tests/formats --update-goldens")
        with path.open(encoding="utf-8", newline="") as stream:
            expected = stream.read()
        assert actual == expected, (
            f"{name} differs: run pytest tests/formats --update-goldens and review the diff"
        )

    return check


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
