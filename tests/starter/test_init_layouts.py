"""``init`` on the layouts of issue 14, item 2: each shape built in code, then ``validate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_guard import REPOSITORY_URL
from tests.conftest import RepoFactory
from tests.starter.helpers import findings, images, policy_of, run

PROJECT = Path(__file__).resolve().parents[2]


def deployment(image: str, name: str = "web") -> str:
    return f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          template:
            spec:
              containers:
                - name: {name}
                  image: {image}
        """


def kustomization(*resources: str, images: str = "") -> str:
    listed = "\n".join(f"  - {r}" for r in resources)
    text = (
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{listed}\n"
    )
    return text + images


def overlay(tag: str, name: str = "registry.example.com/team/web") -> str:
    return kustomization("../../base", images=f"images:\n  - name: {name}\n    newTag: '{tag}'\n")


def test_a_top_level_app_with_overlays_writes_a_policy_that_loads(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: `- {app}/overlays/{env}/**` was written unquoted, and init exited 2 on it.
    files: dict[str, str] = {}
    for app in ("api", "web"):
        files[f"{app}/base/deployment.yaml"] = deployment(
            f"registry.example.com/team/{app}:1.0.0", app
        )
        files[f"{app}/base/kustomization.yaml"] = kustomization("deployment.yaml")
        for env in ("dev", "prod"):
            files[f"{app}/overlays/{env}/kustomization.yaml"] = overlay(
                "1.0.1", f"registry.example.com/team/{app}"
            )
    repo = make_repo(files)
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 0, result.err
    assert "- '{app}/overlays/{env}/**'" in (repo / ".gitops-guard.yaml").read_text()
    assert policy_of(repo)["layout"] == ["{app}/overlays/{env}/**"]
    assert list(policy_of(repo)["environments"]) == ["dev", "prod"]
    assert findings(repo, capsys) == []
    placed = {(i["path"], i["app"], i["environment"]) for i in images(repo, capsys)}
    assert ("api/overlays/prod/kustomization.yaml", "api", "prod") in placed


def test_registries_admit_the_images_they_were_inferred_from(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: `host/org/*` globs rejected `host/org`, `k8s.gcr.io/redis`, `10.42.0.1:30000/test-image`.
    seen = [
        "registry.example.com/team:1.0.0",
        "k8s.gcr.io/redis:1.0.0",
        "10.42.0.1:30000/test-image:1.0.0",
        "ghcr.io/acme/tools/cli:1.0.0",
        "nginx:1.27.2",
        "bitnami/redis:7.2.4",
    ]
    files = {f"clusters/dev/app{i}/d.yaml": deployment(image) for i, image in enumerate(seen)}
    files.update(
        {f"clusters/prod/app{i}/d.yaml": deployment(image) for i, image in enumerate(seen)}
    )
    repo = make_repo(files)
    assert run(["init", "--repo", str(repo)], capsys).code == 0
    assert policy_of(repo)["images"]["registries"] == [
        "10.42.0.1:30000/test-image",
        "docker.io/bitnami/*",
        "docker.io/library/*",
        "ghcr.io/acme/*",
        "k8s.gcr.io/redis",
        "registry.example.com/team",
    ]
    assert [f for f in findings(repo, capsys) if f["rule"] == "GG104"] == []


def test_environments_are_the_folder_names_in_use_in_promotion_order(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: names came from a fixed list, so `envs/prod-eu` or `alpha` were never
    # environments, and file names or environment folders became apps.
    files = {"base/deployment.yaml": deployment("registry.example.com/team/web:1.0.0")}
    files["base/kustomization.yaml"] = kustomization("deployment.yaml")
    for env in ("prod-eu", "prod-us", "staging-eu", "staging-us", "qa", "alpha"):
        files[f"envs/{env}/kustomization.yaml"] = kustomization("../../base")
    repo = make_repo(files)
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 0, result.err
    policy = policy_of(repo)
    assert list(policy["environments"]) == [
        "alpha",
        "qa",
        "staging-eu",
        "staging-us",
        "prod-eu",
        "prod-us",
    ]
    assert policy["environments"]["prod-eu"]["from"] == "staging-eu"
    assert policy["environments"]["staging-eu"]["from"] == "qa"  # the only one before it
    assert "from" not in policy["environments"]["alpha"]  # its place is not known
    assert policy["layout"] == ["envs/{env}/**"]
    placed = {(i["path"], i["app"], i["environment"]) for i in images(repo, capsys)}
    assert ("base/deployment.yaml", None, "prod-eu") in placed
    assert ("base/deployment.yaml", None, "alpha") in placed
    assert findings(repo, capsys) == []


def test_files_in_an_environment_folder_are_not_apps(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {}
    for env in ("staging", "production"):
        files[f"clusters/{env}/apps.yaml"] = deployment("ghcr.io/acme/sync:2.0.0", "sync")
        for app in ("podinfo", "redis"):
            files[f"clusters/{env}/{app}/d.yaml"] = deployment(f"ghcr.io/acme/{app}:2.0.0", app)
    repo = make_repo(files)
    assert run(["init", "--repo", str(repo)], capsys).code == 0
    assert policy_of(repo)["layout"] == ["clusters/{env}/{app}/**", "clusters/{env}/**"]
    placed = {(i["path"], i["app"], i["environment"]) for i in images(repo, capsys)}
    assert ("clusters/production/apps.yaml", None, "production") in placed
    assert ("clusters/staging/redis/d.yaml", "redis", "staging") in placed


def test_the_tag_pattern_admits_the_version_tags_in_use(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: the starter's x.y.z pattern failed repositories that use `1.0`.
    files = {"envs/qa/d.yaml": deployment("docker.io/acme/app:1.0")}
    files["envs/prod/d.yaml"] = deployment("docker.io/acme/app:v2.0.1-alpine")
    repo = make_repo(files)
    assert run(["init", "--repo", str(repo)], capsys).code == 0
    assert findings(repo, capsys) == []


def test_the_summary_counts_what_was_written(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: "0 layout templates" while writing one.
    repo = make_repo({"envs/dev/d.yaml": deployment("ghcr.io/acme/app:1.0.0")})
    result = run(["init", "--repo", str(repo)], capsys)
    assert "1 layout template," in result.out
    assert "1 environment (dev)" in result.out
    assert "1 registry," in result.out
    repo = make_repo(
        {f"envs/{e}/d.yaml": deployment(f"ghcr.io/{e}/app:1.0.0") for e in ("qa", "prod")}
    )
    result = run(["init", "--repo", str(repo)], capsys)
    assert "1 layout template, 2 environments (qa, prod), 2 registries," in result.out


def test_the_first_line_names_the_schema_for_editors(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14, item 7: no `# yaml-language-server: $schema=...` line.
    repo = make_repo({"envs/dev/d.yaml": deployment("ghcr.io/acme/app:1.0.0")})
    assert run(["init", "--repo", str(repo)], capsys).code == 0
    first = (repo / ".gitops-guard.yaml").read_text().splitlines()[0]
    schema = json.loads((PROJECT / "schemas/policy.schema.json").read_text())
    # The schema's own $id: the file in the project's repository ([project.urls]).
    assert first == f"# yaml-language-server: $schema={schema['$id']}"
    assert schema["$id"].startswith(
        REPOSITORY_URL.replace("github.com", "raw.githubusercontent.com")
    )


def test_mutable_tags_in_use_stay_findings_recorded_in_a_baseline(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = {"envs/dev/d.yaml": deployment("ghcr.io/acme/app:latest")}
    files["envs/prod/d.yaml"] = deployment("ghcr.io/acme/app:1.2.3")
    repo = make_repo(files)
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 0, result.err
    assert "latest" not in policy_of(repo)["images"]["tag_pattern"]
    assert "which the policy names as its baseline" in result.out
    assert policy_of(repo)["baseline"] == ".gitops-guard-baseline.json"
    rules = {(f["path"], f["rule"]) for f in findings(repo, capsys)}
    assert ("envs/dev/d.yaml", "GG102") in rules
    assert findings(repo, capsys, "--baseline", str(repo / ".gitops-guard-baseline.json")) == []
