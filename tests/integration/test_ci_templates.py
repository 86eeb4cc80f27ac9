"""The CI templates run the real command lines they contain, on a real repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT_ENV, require_tool
from tests.integration.promotion_repo import SCENARIOS, build_history, make_signer

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str, str]:
    require_tool("ssh-keygen")
    repo = build_history(tmp_path / "gitops", make_signer(tmp_path / "keys"))
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    SCENARIOS["prod before its soak in staging"][0](repo)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    return repo.path, base, head


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **env, "PATH": path},
    )


def test_the_github_action_check_step(pull_request: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pull_request
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    inputs = {"base": base, "head": head, "fail-on": "error"}
    script = re.sub(r"\$\{\{ inputs\.([a-z-]+) \}\}", lambda m: inputs[m.group(1)], step["run"])
    outputs = tmp_path / "github_output"
    result = run_script(script, repo, {"GITHUB_OUTPUT": str(outputs)})
    assert result.returncode == 0, result.stderr
    assert outputs.read_text().strip() == "exit-code=1"
    assert "::error file=apps/api/overlays/prod/kustomization.yaml,line=5" in result.stdout
    assert '"ruleId": "GG304"' in (repo / "gitops-guard.sarif").read_text()
    comment = (repo / "gitops-guard.md").read_text()
    assert comment.startswith("<!-- gitops-guard -->")
    assert "blocked: GG304" in comment


def test_the_gitlab_template_script(pull_request: tuple[Path, str, str]) -> None:
    repo, base, head = pull_request
    job = yaml.safe_load((PROJECT / "docs/ci/gitlab-ci.yml").read_text())["gitops-guard"]
    subprocess.run(["git", "branch", "-f", "target", base], cwd=repo, check=True)
    subprocess.run(["git", "update-ref", "refs/remotes/origin/target", base], cwd=repo, check=True)
    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "target", "CI_COMMIT_SHA": head}
    result = run_script(" ".join(job["script"][0].split()), repo, env)
    assert result.returncode == 1
    assert "GG304" in (repo / "gitops-guard.xml").read_text()
    assert job["variables"]["GIT_DEPTH"] == "0"
