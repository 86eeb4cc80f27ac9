"""The policy file: schema validation with located messages, and the frozen policy."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gitops_guard.errors import PolicyError
from gitops_guard.policy.load import (
    parse_policy,
    schema,
)
from gitops_guard.policy.model import (
    default_policy,
    parse_duration,
    parse_size,
)

FULL = """
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - clusters/{env}/{app}/**
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch]
  prod:
    from: staging
    soak: 24h
    automated: []
    require_digest: true
    allow_prerelease: false
    require_signed_commits: true
    images:
      tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$'
bots: ["argocd-image-updater*", "*[bot]"]
rollback_trailer: Rollback
images:
  registries: ["registry.example.com/*", "ghcr.io/acme/*"]
  forbidden_tags: [latest, main]
  tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$'
  overrides:
    - image: registry.example.com/team/api
      tag_pattern: '^1\\.[0-9]+\\.[0-9]+$'
      constraint: '~1.4'
annotations:
  require_selection_rule: [prod]
  require_git_write_back: [staging, prod]
  forbidden_strategies:
    prod: [newest-build, latest, alphabetical, name]
supply_chain:
  on_unreachable: fail
  registry:
    environments: [staging, prod]
  signatures:
    environments: [prod]
    keys: [keys/cosign.pub]
  vulnerabilities:
    environments: [prod]
    reports: "security/scans/**/*.json"
    max: {critical: 0, high: 3}
  provenance:
    environments: [prod]
    source_repositories: ["github.com/acme/*"]
    refs: ["refs/heads/main", "refs/tags/v*"]
    builders: ["https://github.com/slsa-framework/slsa-github-generator/*"]
image_updater:
  version: "1.3"
severity: {GG209: warning}
exclude: ["legacy/**"]
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_policy(textwrap.dedent(text).lstrip("\n").encode(), ".gitops-guard.yaml")


def error_of(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse(text)
    return caught.value.message


def test_the_spec_example_policy_is_valid_and_frozen() -> None:
    policy = parse(FULL)
    assert list(policy.environments) == ["dev", "staging", "prod"]
    prod = policy.environments["prod"]
    assert prod.from_environment == "staging"
    assert prod.soak_seconds == 86400
    assert prod.automated == frozenset()
    assert prod.require_digest
    assert not prod.allow_prerelease
    assert prod.require_signed_commits
    assert policy.environments["staging"].automated == {"patch"}
    assert policy.layout.place("apps/api/overlays/prod/k.yaml").environment == "prod"
    assert policy.severity["GG209"] == "warning"
    assert policy.exclude == ("legacy/**",)
    assert policy.images.overrides[0].constraint == "~1.4"


def test_environment_image_rules_override_the_top_level_key_by_key() -> None:
    policy = parse(FULL)
    prod = policy.image_rules("prod")
    assert prod.tag_pattern == "^v?[0-9]+\\.[0-9]+\\.[0-9]+$"
    assert prod.registries == ("registry.example.com/*", "ghcr.io/acme/*")
    assert prod.require_digest is True
    assert prod.allow_prerelease is False
    assert policy.image_rules("dev").tag_pattern == policy.images.tag_pattern
    assert policy.image_rules(None) == policy.images


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nenviroments: {}\n",
            ".gitops-guard.yaml:2:1: enviroments: unknown key 'enviroments' "
            "(did you mean 'environments'?)",
        ),
        ("environments: {}\n", "(top level): missing required key 'version'"),
        ("version: 2\n", ".gitops-guard.yaml:1:10: version: the int 2 is not allowed; expected 1"),
        (
            "version: 1\nenvironments:\n  prod:\n    soak: 1 day\n",
            ".gitops-guard.yaml:4:11: environments.prod.soak: expected a duration such as 30m, "
            "24h, 7d or 1d12h (units s, m, h, d, w), found '1 day'",
        ),
        (
            "version: 1\nenvironments:\n  prod:\n    automated: patch\n",
            ".gitops-guard.yaml:4:16: environments.prod.automated: expected a list, "
            "found the string 'patch'",
        ),
        (
            "version: 1\nenvironments:\n  prod:\n    automated: [hotfix]\n",
            "environments.prod.automated[0]: the string 'hotfix' is not allowed",
        ),
        (
            "version: 1\nenvironments:\n  dev: {}\n  prod: {from: staging}\n",
            ".gitops-guard.yaml:4:10: environments.prod.from: unknown environment 'staging'; "
            "declared: dev, prod",
        ),
        (
            "version: 1\nenvironments:\n  prod: {from: dev}\n  dev: {}\n",
            "'dev' is declared after 'prod'; list environments in promotion order",
        ),
        (
            "version: 1\nimages:\n  tag_pattern: '(?=v)1'\n",
            ".gitops-guard.yaml:3:3: images.tag_pattern: not a valid RE2 regular expression",
        ),
        (
            "version: 1\nimages:\n  constraint: '>>1'\n",
            "images.constraint: not a valid semver constraint",
        ),
        (
            "version: 1\nenvironments: {dev: {}, prod: {}}\nannotations:\n"
            "  require_git_write_back: [prd]\n",
            "annotations.require_git_write_back[0]: unknown environment 'prd' "
            "(did you mean 'prod'?)",
        ),
        ("version: 1\nlayout: ['{team}/x']\n", "unknown placeholder {team}"),
        ("version: 1\nseverity: {GG102: fatal}\n", "severity.GG102"),
        ("version: 1\nversion: 1\n", "duplicate key 'version'"),
        ("version: [1\n", "YAML syntax error"),
        ("", "the policy file is empty"),
        ("version: 1\n---\nversion: 1\n", "must be one document"),
        ("- version\n", "expected a mapping, found a list"),
    ],
)
def test_a_bad_policy_names_the_key_and_what_was_expected(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_policy_errors_are_one_line() -> None:
    assert "\n" not in error_of("version: 1\nenviroments: {}\n")


def test_default_policy_is_safe_and_says_it_is_default() -> None:
    policy = default_policy()
    assert policy.is_default
    assert policy.environments == {}
    assert policy.layout.place("apps/api/overlays/prod/x.yaml").environment == "prod"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("30m", 1800), ("24h", 86400), ("1d12h", 129600), ("2w", 1209600)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_sizes() -> None:
    assert parse_size("5MiB") == 5 * 1024 * 1024
    assert parse_size(100) == 100
    with pytest.raises(ValueError, match="not a size"):
        parse_size("5 parsecs")


def test_shipped_schema_copy_is_identical_to_package_data() -> None:
    top = Path(__file__).resolve().parents[2] / "schemas" / "policy.schema.json"
    assert json.loads(top.read_text()) == schema()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())


def test_a_policy_that_passed_the_schema_once_skips_jsonschema_next_time(tmp_path: Path) -> None:
    import subprocess
    import sys

    policy = tmp_path / ".gitops-guard.yaml"
    policy.write_text(FULL)
    cache = tmp_path / "cache"
    program = (
        "import sys; from pathlib import Path; from gitops_guard.policy.load import load_policy_file; "
        f"load_policy_file(Path({str(policy)!r}), cache_dir=Path({str(cache)!r})); "
        "print('jsonschema' in sys.modules)"
    )
    first = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert (first.stdout.strip(), second.stdout.strip()) == ("True", "False")
    policy.write_text(FULL.replace("soak: 24h", "soak: 1 day"))
    from gitops_guard.policy.load import load_policy_file

    with pytest.raises(PolicyError, match="expected a duration"):
        load_policy_file(policy, cache_dir=cache)
