"""GG101–GG107: each rule fires where it should, located at the line to change."""

from __future__ import annotations

import pytest

from tests.rules.conftest import Check, located, pod

GOOD_PROD = "registry.example.com/team/api:1.4.2@sha256:" + "a" * 64


def in_env(env: str, image: str) -> dict[str, str]:
    return {f"clusters/{env}/api/pod.yaml": pod(image)}


@pytest.mark.parametrize(
    ("env", "image", "expected"),
    [
        # GG101 missing tag
        ("dev", "registry.example.com/team/api", [(7, 14, "GG101")]),
        ("dev", "registry.example.com/team/api@sha256:" + "a" * 64, []),
        # GG102 mutable tag: latest always, and the policy's list
        ("dev", "registry.example.com/team/api:latest", [(7, 14, "GG102"), (7, 14, "GG103")]),
        ("dev", "registry.example.com/team/api:main", [(7, 14, "GG102"), (7, 14, "GG103")]),
        ("dev", "registry.example.com/team/api:1.0.0", []),
        # GG103 tag pattern: environment pattern overrides the top-level one
        ("dev", "registry.example.com/team/api:1.0.0-rc.1", []),
        ("dev", "registry.example.com/team/api:feature-x", [(7, 14, "GG103")]),
        # GG104 registries
        ("dev", "quay.io/someone/api:1.0.0", [(7, 14, "GG104")]),
        ("dev", "nginx:1.27.0", []),
        ("dev", "docker.io/someone/nginx:1.27.0", [(7, 14, "GG104")]),
        # GG105 digest required in prod
        ("prod", "registry.example.com/team/api:1.4.2", [(7, 14, "GG105")]),
        ("prod", GOOD_PROD, []),
        ("staging", "registry.example.com/team/api:1.4.2", []),
        # GG106 malformed
        ("dev", "registry.example.com/Team/api:1.0.0", [(7, 14, "GG106")]),
        ("dev", "registry.example.com/team/api:1.0@sha256:abc", [(7, 14, "GG106")]),
        # GG107 prerelease forbidden in prod (and the prod tag pattern forbids it too)
        (
            "prod",
            "registry.example.com/team/api:1.5.0-rc.1@sha256:" + "a" * 64,
            [(7, 14, "GG103"), (7, 14, "GG107")],
        ),
        ("staging", "registry.example.com/team/api:1.5.0-rc.1", []),
    ],
)
def test_image_rules(
    check: Check, env: str, image: str, expected: list[tuple[int, int, str]]
) -> None:
    assert located(check(in_env(env, image))) == expected


def test_findings_name_app_environment_and_image(check: Check) -> None:
    report = check(in_env("prod", "registry.example.com/team/api:1.4.2"))
    (finding,) = report.findings
    assert (finding.app, finding.environment, finding.image) == (
        "api",
        "prod",
        "registry.example.com/team/api:1.4.2",
    )
    assert finding.message == (
        "registry.example.com/team/api:1.4.2 is not pinned by digest in api (prod)"
    )
    assert finding.severity is not None
    assert finding.severity.value == "error"


def test_a_kustomize_override_finding_points_at_the_override_line(check: Check) -> None:
    files = {
        "apps/api/base/deploy.yaml": pod("registry.example.com/team/api:1.0.0"),
        "apps/api/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "apps/api/overlays/dev/kustomization.yaml": (
            "resources: [../../base]\nimages:\n  - name: registry.example.com/team/api\n"
            "    newTag: latest\n"
        ),
    }
    report = check(files)
    assert [(f.location.path, f.location.line, f.rule) for f in report.findings] == [
        ("apps/api/overlays/dev/kustomization.yaml", 4, "GG102"),
        ("apps/api/overlays/dev/kustomization.yaml", 4, "GG103"),
    ]


def test_a_base_is_checked_in_every_environment_that_includes_it(check: Check) -> None:
    files = {
        "apps/api/base/deploy.yaml": pod("registry.example.com/team/api:1.0.0"),
        "apps/api/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "apps/api/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
    }
    report = check(files, paths=["apps/api/base/deploy.yaml"])
    assert [(f.location.path, f.environment, f.rule) for f in report.findings] == [
        ("apps/api/base/deploy.yaml", "prod", "GG105")
    ]


def test_image_overrides_apply_to_matching_images_only(check: Check) -> None:
    policy = (
        "version: 1\nlayout: ['clusters/{env}/{app}/**']\nenvironments: {dev: {}}\n"
        "images:\n  overrides:\n    - image: registry.example.com/team/api\n"
        "      tag_pattern: '^1\\.'\n      forbidden_tags: [stable]\n"
    )
    files = {
        **in_env("dev", "registry.example.com/team/api:2.0.0"),
        "clusters/dev/web/pod.yaml": pod("registry.example.com/team/web:2.0.0"),
        "clusters/dev/x/pod.yaml": pod("registry.example.com/team/api:stable"),
    }
    report = check(files, policy=policy)
    assert [(f.location.path, f.rule) for f in report.findings] == [
        ("clusters/dev/api/pod.yaml", "GG103"),
        ("clusters/dev/x/pod.yaml", "GG102"),
        ("clusters/dev/x/pod.yaml", "GG103"),
    ]


def test_without_a_policy_latest_and_untagged_images_are_still_refused(check: Check) -> None:
    files = {
        "a.yaml": pod("nginx:latest"),
        "b.yaml": pod("nginx"),
        "c.yaml": pod("nginx:1.27"),
    }
    report = check(files, policy=None)
    assert [(f.location.path, f.rule) for f in report.findings] == [
        ("a.yaml", "GG102"),
        ("b.yaml", "GG101"),
    ]


def test_annotation_entries_are_not_judged_as_tags(check: Check) -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api-prod\n"
        "  annotations:\n    argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4\n"
        "spec:\n  source:\n    path: clusters/prod/api\n"
    )
    report = check({"argocd/api.yaml": app})
    assert [f for f in report.findings if f.rule.startswith("GG1")] == []
