"""`gitops-guard validate` end to end: exit codes, formats, baselines, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.conftest import RepoFactory
from tests.policies import FINDINGS_CLI_POLICY


def pod(image: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n"
        f"    - name: api\n      image: {image}\n"
    )


@pytest.fixture
def repo(make_repo: RepoFactory) -> Path:
    return make_repo(
        {
            ".gitops-guard.yaml": FINDINGS_CLI_POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:latest"),
            "clusters/prod/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
            "clusters/dev/web/pod.yaml": pod("registry.example.com/team/web:1.0.0"),
        }
    )


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_findings_exit_1_and_are_located(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--repo", str(repo)], capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if ": error [" in line]
    assert lines == [
        "clusters/dev/api/pod.yaml:8:14: error [GG102 mutable-tag] tag `latest` of "
        "registry.example.com/team/api is mutable in api (dev)",
        "clusters/prod/api/pod.yaml:8:14: error [GG105 digest-required] "
        "registry.example.com/team/api:1.0.0 is not pinned by digest in api (prod)",
    ]


def test_a_clean_file_exits_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["validate", "--repo", str(repo), str(repo / "clusters/dev/web/pod.yaml")], capsys
    )
    assert code == 0
    assert "no problems in 1 file" in out


def test_json_output_follows_the_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--repo", str(repo), "--format", "json"], capsys)
    assert code == 1
    document = json.loads(out)
    assert document["summary"]["errors"] == 2
    assert document["summary"]["files"] == 4
    first = document["findings"][0]
    assert {k: first[k] for k in ("rule", "path", "line", "column", "app", "environment")} == {
        "rule": "GG102",
        "path": "clusters/dev/api/pod.yaml",
        "line": 8,
        "column": 14,
        "app": "api",
        "environment": "dev",
    }


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "markdown", "text", "json"])
def test_every_format_writes_an_output_file(
    repo: Path, capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: Path
) -> None:
    target = tmp_path / f"report.{fmt}"
    code, out, _ = run(
        ["validate", "--repo", str(repo), "--format", fmt, "--output", str(target)], capsys
    )
    assert code == 1
    assert out == ""
    text = target.read_text()
    assert "clusters/dev/api/pod.yaml" in text
    if fmt == "junit":
        assert ET.fromstring(text).find(".//failure") is not None


def test_fail_on_warning(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = FINDINGS_CLI_POLICY + "severity: {GG102: warning, GG105: warning}\n"
    (repo / ".gitops-guard.yaml").write_text(policy)
    assert run(["validate", "--repo", str(repo)], capsys)[0] == 0
    assert run(["validate", "--repo", str(repo), "--fail-on", "warning"], capsys)[0] == 1


def test_the_baseline_hides_known_findings_only(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    code, out, _ = run(["validate", "--repo", str(repo), "--write-baseline", str(baseline)], capsys)
    assert code == 0
    assert "wrote 2 findings" in out
    assert run(["validate", "--repo", str(repo), "--baseline", str(baseline)], capsys)[0] == 0
    # Moving the finding down a line keeps it known; a new problem is reported.
    (repo / "clusters/dev/api/pod.yaml").write_text(
        "# moved\n" + pod("registry.example.com/team/api:latest")
    )
    (repo / "clusters/dev/web/pod.yaml").write_text(pod("quay.io/web:1.0.0"))
    code, out, _ = run(["validate", "--repo", str(repo), "--baseline", str(baseline)], capsys)
    assert code == 1
    assert "GG104" in out
    assert "GG102" not in out
    assert "2 known from the baseline" in out


def test_bad_paths_are_reported_and_the_rest_still_checked(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (repo / "notes.txt").write_text("hello")
    (repo / "empty.yaml").write_text("")
    code, out, err = run(
        [
            "validate",
            "--repo",
            str(repo),
            str(repo / "clusters/dev/api/pod.yaml"),
            str(repo / "notes.txt"),
            str(repo / "missing.yaml"),
            str(repo / "empty.yaml"),
            str(repo / "clusters/prod"),
            str(tmp_path / "outside.yaml"),
        ],
        capsys,
    )
    assert code == 2
    assert "notes.txt: not a manifest file" in err
    assert "missing.yaml: no such file" in err
    assert "outside the repository" in err
    assert "GG102" in out
    assert "GG105" in out  # the directory expanded to its files


def test_an_unreadable_file_is_a_finding_not_a_hang(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo = repo / "clusters/dev/api/pipe.yaml"
    os.mkfifo(fifo)
    (repo / "clusters/dev/api/dir.yaml").mkdir()
    code, out, _ = run(
        ["validate", "--repo", str(repo), str(fifo), str(repo / "clusters/dev/web/pod.yaml")],
        capsys,
    )
    assert code == 1
    assert (
        "clusters/dev/api/pipe.yaml:1:1: error [GG001 unreadable-input] cannot read the file: not a regular file"
        in out
    )


def test_a_bad_tag_pattern_is_a_policy_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".gitops-guard.yaml").write_text(FINDINGS_CLI_POLICY + "  tag_pattern: '(?<!x)1'\n")
    code, _, err = run(["validate", "--repo", str(repo)], capsys)
    assert code == 2
    assert "images.tag_pattern: not a valid RE2 regular expression" in err


def test_rules_lists_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    assert "GG102  mutable-tag" in out
    code, out, _ = run(["rules", "mutable-tag"], capsys)
    assert code == 0
    assert out.startswith("GG102 mutable-tag (default severity: error)")
    assert "Failing:\n" in out
    code, _, err = run(["rules", "mutable-tga"], capsys)
    assert code == 2
    assert "did you mean 'mutable-tag'" in err


def test_check_policy(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nenvironments: {prod: {soak: forever}}\n")
    code, out, err = run(["check-policy", str(repo / ".gitops-guard.yaml"), str(bad)], capsys)
    assert code == 1
    assert "environments.prod.soak: expected a duration" in err
    code, out, _ = run(["check-policy", str(repo / ".gitops-guard.yaml")], capsys)
    assert code == 0
    assert out.strip() == "1 policy file valid"


def test_the_same_base_line_failing_in_several_environments_is_one_finding(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        {
            ".gitops-guard.yaml": FINDINGS_CLI_POLICY,
            "apps/api/base/pod.yaml": pod("quay.io/api:1.0.0@sha256:" + "a" * 64),
            "apps/api/base/kustomization.yaml": "resources: [pod.yaml]\n",
            **{
                f"apps/api/overlays/{env}/kustomization.yaml": "resources: [../../base]\n"
                for env in ("dev", "staging", "prod")
            },
        }
    )
    code, out, _ = run(["validate", "--repo", str(repo), "--format", "json"], capsys)
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["environment"]) for f in findings] == [("GG104", None)]
    assert findings[0]["message"].endswith("in api (dev, staging, prod)")
