"""GG003: what cannot be followed is named at the line that brings it in, per environment."""

from __future__ import annotations

from gitops_guard.model import Severity
from gitops_guard.policy.load import parse_policy
from gitops_guard.starter.write import write_starter_policy
from tests.conftest import RepoFactory
from tests.policies import IMAGE_RULES_POLICY
from tests.rules.conftest import Check, located

REMOTE = "resources:\n  - github.com/acme/platform//api/base?ref=v1.4.0\n"
STRICT = IMAGE_RULES_POLICY.replace(
    "  prod:\n    from: staging\n", "  prod:\n    from: staging\n    on_unresolved: error\n"
)


def test_a_remote_base_is_a_warning_by_default(check: Check) -> None:
    report = check({"apps/api/overlays/prod/kustomization.yaml": REMOTE})
    assert located(report) == [(2, 5, "GG003")]
    (finding,) = report.findings
    assert finding.severity is Severity.WARNING
    assert finding.environment == "prod"
    assert "in api (prod)" in finding.message
    assert report.errors == 0


def test_an_environment_can_make_it_an_error(check: Check) -> None:
    report = check(
        {
            "apps/api/overlays/prod/kustomization.yaml": REMOTE,
            "apps/api/overlays/dev/kustomization.yaml": REMOTE,
        },
        policy=STRICT,
    )
    by_environment = {f.environment: f.severity for f in report.findings}
    assert by_environment == {"dev": Severity.WARNING, "prod": Severity.ERROR}


def test_a_shared_base_is_judged_per_environment_deploying_it(check: Check) -> None:
    report = check(
        {
            "apps/api/base/kustomization.yaml": REMOTE,
            "apps/api/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
            "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        },
        policy=STRICT,
    )
    assert sorted((f.location.path, f.environment, f.severity.value) for f in report.findings) == [  # type: ignore[union-attr]
        ("apps/api/base/kustomization.yaml", "dev", "warning"),
        ("apps/api/base/kustomization.yaml", "prod", "error"),
    ]


def test_the_policy_severity_key_still_wins(check: Check) -> None:
    report = check(
        {"apps/api/overlays/prod/kustomization.yaml": REMOTE},
        policy=STRICT + "severity: {unresolved-source: off}\n",
    )
    assert report.findings == ()


def test_init_makes_it_an_error_for_the_last_environment(make_repo: RepoFactory) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'redis:7.2.1'}]}\n"
    overlays = {
        f"apps/api/overlays/{env}/kustomization.yaml": "resources: [pod.yaml]\n"
        for env in ("dev", "staging", "prod")
    } | {f"apps/api/overlays/{env}/pod.yaml": pod for env in ("dev", "staging", "prod")}
    text = write_starter_policy(make_repo(overlays), dry_run=True).text
    policy = parse_policy(text.encode())
    assert {name: e.on_unresolved for name, e in policy.environments.items()} == {
        "dev": "warning",
        "staging": "warning",
        "prod": "error",
    }


def test_an_unknown_severity_is_a_policy_error() -> None:
    import pytest

    from gitops_guard.errors import PolicyError

    with pytest.raises(PolicyError, match="on_unresolved"):
        parse_policy(STRICT.replace("on_unresolved: error", "on_unresolved: fatal").encode())
