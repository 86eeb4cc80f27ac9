"""GG108: a deployed version outside the semver constraint the policy applies."""

from __future__ import annotations

import pytest

from tests.policies import CONSTRAINT_POLICY
from tests.rules.conftest import Check, located, pod


@pytest.mark.parametrize(
    ("env", "image", "expected"),
    [
        ("dev", "registry.example.com/team/api:1.4.7", []),
        ("dev", "registry.example.com/team/api:v1.4", []),
        ("dev", "registry.example.com/team/api:1.5.0", [(7, 14, "GG108")]),
        ("dev", "registry.example.com/team/api:1.4.8-rc.1", [(7, 14, "GG108")]),
        ("dev", "registry.example.com/team/api:main", [(7, 14, "GG108")]),
        # The image override wins over the environment's constraint.
        ("prod", "registry.example.com/team/api:1.4.7", []),
        # Other images: the environment's constraint, else the top level.
        ("dev", "registry.example.com/team/web:0.9.0", [(7, 14, "GG108")]),
        ("dev", "registry.example.com/team/web:1.0.0", []),
        ("prod", "registry.example.com/team/web:1.0.0", [(7, 14, "GG108")]),
        ("prod", "registry.example.com/team/web:2.1.0", []),
        # A constraint that names a prerelease admits prereleases.
        ("dev", "registry.example.com/team/beta:3.1.0-rc.2", []),
        # Digest-only references have no version to judge.
        ("dev", "registry.example.com/team/web@sha256:" + "a" * 64, []),
    ],
)
def test_constraint_violation(
    check: Check, env: str, image: str, expected: list[tuple[int, int, str]]
) -> None:
    report = check({f"clusters/{env}/app/pod.yaml": pod(image)}, policy=CONSTRAINT_POLICY)
    assert located(report, "GG108") == expected


def test_messages_say_why(check: Check) -> None:
    files = {
        "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:1.5.0"),
        "clusters/dev/rc/pod.yaml": pod("registry.example.com/team/api:1.4.8-rc.1"),
        "clusters/dev/main/pod.yaml": pod("registry.example.com/team/api:main"),
    }
    report = check(files, policy=CONSTRAINT_POLICY)
    messages = {f.location.path: f.message for f in report.findings if f.rule == "GG108"}
    assert messages == {
        "clusters/dev/api/pod.yaml": (
            "version `1.5.0` of registry.example.com/team/api is outside the constraint `~1.4` "
            "in api (dev)"
        ),
        "clusters/dev/rc/pod.yaml": (
            "tag `1.4.8-rc.1` of registry.example.com/team/api is a prerelease; the constraint "
            "`~1.4` names no prerelease, so it admits none in rc (dev)"
        ),
        "clusters/dev/main/pod.yaml": (
            "tag `main` of registry.example.com/team/api is not a version, so it cannot satisfy "
            "the constraint `~1.4` in main (dev)"
        ),
    }
    (finding,) = [f for f in report.findings if f.location.path == "clusters/dev/api/pod.yaml"]
    assert (finding.app, finding.environment, finding.severity) == ("api", "dev", "error")


def test_no_constraint_no_finding(check: Check) -> None:
    report = check({"clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:0.0.1")})
    assert located(report, "GG108") == []
