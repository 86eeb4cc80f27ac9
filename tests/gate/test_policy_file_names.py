"""`.gitops-guard.yml` judges as `.gitops-guard.yaml` does, in every gate and at every commit.

The work tree has always read either name; a gate that read only `.yaml` at the base
would judge a `.yml` repository by the defaults, and pass what its policy forbids.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from gitops_guard.gate.hooks import pre_commit
from gitops_guard.repo.git import GitRepository
from tests.conftest import git

POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments:
  dev: {}
  prod: {from: dev}
images:
  registries: ["registry.example.com/*"]
"""


def pod(image: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\n"
        f"spec: {{containers: [{{name: api, image: '{image}'}}]}}\n"
    )


def commit(repo: Path, message: str, files: dict[str, str | None]) -> None:
    for path, text in files.items():
        if text is None:
            git(repo, "rm", "-q", path)
            continue
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """dev and prod run 1.0.0; the policy is `.gitops-guard.yml`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo,
        "Start",
        {
            ".gitops-guard.yml": POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/api:1.0.0"),
            "clusters/prod/api/pod.yaml": pod("registry.example.com/api:1.0.0"),
        },
    )
    return repo


def check(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["check", "--repo", str(repo), "--base", "HEAD~1", "--format", "json"])
    out, err = capsys.readouterr()
    if code == 2:
        return code, [], err
    return code, [f["rule"] for f in json.loads(out)["findings"]], err


def test_check_judges_by_the_yml_policy_at_the_base(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(
        repo, "prod: 1.1.0", {"clusters/prod/api/pod.yaml": pod("registry.example.com/api:1.1.0")}
    )
    code, rules, _ = check(repo, capsys)
    assert code == 1
    assert "GG303" in rules  # 1.1.0 never ran in dev, the `from` of prod


def test_loosening_the_yml_policy_is_gg307(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "prod from nowhere", {".gitops-guard.yml": POLICY.replace("{from: dev}", "{}")})
    code, rules, _ = check(repo, capsys)
    assert code == 1
    assert rules == ["GG307"]


def test_renaming_the_policy_keeps_it_and_a_loosening_through_the_rename_is_gg307(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, "Rename", {".gitops-guard.yml": None, ".gitops-guard.yaml": POLICY})
    code, rules, _ = check(repo, capsys)
    assert (code, rules) == (0, [])
    commit(
        repo,
        "Rename back, looser",
        {".gitops-guard.yaml": None, ".gitops-guard.yml": POLICY.replace("{from: dev}", "{}")},
    )
    code, rules, _ = check(repo, capsys)
    assert code == 1
    assert rules == ["GG307"]


def test_both_names_at_the_head_is_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "Second policy", {".gitops-guard.yaml": "version: 1\n"})
    code, _, err = check(repo, capsys)
    assert code == 2
    assert "both .gitops-guard.yaml and .gitops-guard.yml" in err


def test_report_replays_the_yml_policy_at_each_commit(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(
        repo, "prod: 1.1.0", {"clusters/prod/api/pod.yaml": pod("registry.example.com/api:1.1.0")}
    )
    code = main(["report", "--repo", str(repo), "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    text = out
    assert "GG303" in text


def test_the_pre_commit_hook_reads_the_staged_yml_policy(repo: Path) -> None:
    (repo / "clusters/dev/api/pod.yaml").write_text(pod("evil.example.org/api:1.0.0"))
    git(repo, "add", "-A")
    outcome = pre_commit(GitRepository(repo))
    assert outcome.refused
    rules = [f.rule for _label, report, _plan in outcome.results for f in report.findings]
    assert "GG104" in rules
