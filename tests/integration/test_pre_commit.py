"""The real pre-commit framework runs our hooks from .pre-commit-hooks.yaml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, RepoFactory, git

PROJECT = Path(__file__).resolve().parents[2]
POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments:
  dev: {}
  prod: {from: dev, require_digest: true}
images:
  registries: ["registry.example.com/*"]
"""


def pod(image: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n"
        f"    - name: api\n      image: {image}\n"
    )


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One hook environment for the whole session: installing it is the slow part.
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "pre-commit"
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [str(executable), "try-repo", str(PROJECT), hook, "--color", "never", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_the_hook_fails_on_latest_with_the_located_finding_and_passes_once_fixed(
    make_repo: RepoFactory, pre_commit_home: Path
) -> None:
    repo = make_repo(
        {
            ".gitops-guard.yaml": POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
        }
    )
    (repo / "clusters/dev/api/pod.yaml").write_text(pod("registry.example.com/team/api:latest"))
    (repo / "README.txt").write_text("not yaml\n")
    git(repo, "add", "-A")

    failed = try_repo(repo, pre_commit_home, "gitops-guard")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        "clusters/dev/api/pod.yaml:8:14: error [GG102 mutable-tag] tag `latest` of "
        "registry.example.com/team/api is mutable in api (dev)"
    ) in failed.stdout

    (repo / "clusters/dev/api/pod.yaml").write_text(pod("registry.example.com/team/api:1.0.1"))
    git(repo, "add", "-A")
    passed = try_repo(repo, pre_commit_home, "gitops-guard")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow
def test_all_files_reports_every_problem_and_nothing_for_clean_files(
    make_repo: RepoFactory, pre_commit_home: Path
) -> None:
    repo = make_repo(
        {
            ".gitops-guard.yaml": POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
            "clusters/dev/web/pod.yaml": pod("docker.io/someone/web:1.0.0"),
            "clusters/prod/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
            "clusters/prod/db/pod.yaml": pod("registry.example.com/team/db"),
        }
    )
    result = try_repo(repo, pre_commit_home, "gitops-guard", "--all-files")
    assert result.returncode == 1
    found = sorted(
        line.split(": error ")[0] for line in result.stdout.splitlines() if ": error [" in line
    )
    assert found == [
        "clusters/dev/web/pod.yaml:8:14",
        "clusters/prod/api/pod.yaml:8:14",
        "clusters/prod/db/pod.yaml:8:14",
        "clusters/prod/db/pod.yaml:8:14",
    ]
    assert "clusters/dev/api/pod.yaml" not in result.stdout


@pytest.mark.slow
def test_the_policy_hook_rejects_a_broken_policy(
    make_repo: RepoFactory, pre_commit_home: Path
) -> None:
    repo = make_repo({".gitops-guard.yaml": POLICY})
    (repo / ".gitops-guard.yaml").write_text(POLICY.replace("require_digest", "require_digets"))
    git(repo, "add", "-A")
    result = try_repo(repo, pre_commit_home, "gitops-guard-policy")
    assert result.returncode == 1
    assert "environments.prod.require_digets: unknown key 'require_digets'" in result.stdout


def framework(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "pre-commit"
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [str(executable), "try-repo", str(PROJECT), *args, "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture
def promotion_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.conftest import require_tool
    from tests.integration.promotion_repo import build_history, make_signer

    require_tool("ssh-keygen")
    return build_history(tmp_path / "gitops", make_signer(tmp_path / "keys"))


@pytest.fixture
def promotion_history(promotion_repo) -> Path:  # type: ignore[no-untyped-def]
    return promotion_repo.path


@pytest.mark.slow
def test_the_commit_msg_hook_wants_the_rollback_trailer(
    promotion_history: Path, pre_commit_home: Path
) -> None:
    from tests.integration.promotion_repo import overlay

    (promotion_history / "apps/api/overlays/staging/kustomization.yaml").write_text(
        overlay("1.0.1")
    )
    git(promotion_history, "add", "-A")
    message = promotion_history / "MSG"
    message.write_text("Put the previous api back in staging\n")
    args = [
        "gitops-guard-commit-msg",
        "--hook-stage",
        "commit-msg",
        "--commit-msg-filename",
        str(message),
    ]
    refused = framework(promotion_history, pre_commit_home, *args)
    assert refused.returncode == 1, refused.stdout
    assert "[GG302 unmarked-downgrade]" in refused.stdout
    message.write_text("Put the previous api back in staging\n\nRollback: INC-9\n")
    accepted = framework(promotion_history, pre_commit_home, *args)
    assert accepted.returncode == 0, accepted.stdout


@pytest.mark.slow
def test_the_pre_push_hook_judges_the_pushed_range(promotion_repo, pre_commit_home: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.promotion_repo import SCENARIOS

    promotion_history = promotion_repo.path
    base = git(promotion_history, "rev-parse", "HEAD").strip()
    SCENARIOS["prod gets a version staging never ran"][0](promotion_repo)
    head = git(promotion_history, "rev-parse", "HEAD").strip()
    result = framework(
        promotion_history,
        pre_commit_home,
        "gitops-guard-pre-push",
        "--hook-stage",
        "pre-push",
        "--from-ref",
        base,
        "--to-ref",
        head,
    )
    assert result.returncode == 1, result.stdout
    assert "[GG303 skipped-environment]" in result.stdout
