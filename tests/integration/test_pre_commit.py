"""The real pre-commit framework runs our hooks from .pre-commit-hooks.yaml.

One hook repository for the whole session: a commit of this checkout as it is now
(tracked and untracked files, not ignored ones) in a temporary repository, named by its
sha in a real ``.pre-commit-config.yaml``, and one ``PRE_COMMIT_HOME``, so the framework
installs the hook environment once and every test runs ``pre-commit run`` against it.
(``pre-commit try-repo`` made a new commit, so a new environment, on every call: half of
the suite's time.) The ``files:`` patterns are specified without the framework below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT_ENV, RepoFactory, git
from tests.integration.promotion_repo import Repo
from tests.policies import PRE_COMMIT_POLICY

# One worker runs these, so the hook environment is installed once per run.
pytestmark = pytest.mark.xdist_group("pre-commit")

PROJECT = Path(__file__).resolve().parents[2]
HOOKS = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())


def pod(image: str) -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n"
        f"    - name: api\n      image: {image}\n"
    )


@pytest.fixture(scope="session")
def hook_repository(project_snapshot: tuple[Path, str]) -> tuple[Path, str]:
    """This checkout as it is now, committed in a repository of its own: (path, sha)."""
    return project_snapshot


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def configure(repo: Path, hook_repository: tuple[Path, str]) -> None:
    """A real .pre-commit-config.yaml naming every hook of the repository at its sha."""
    path, sha = hook_repository
    ids = "".join(f"      - id: {hook['id']}\n" for hook in HOOKS)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n{ids}"
    )
    git(repo, "add", ".pre-commit-config.yaml")


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "pre-commit"
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [str(executable), "run", *args, "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_the_validate_hook_fails_on_latest_with_the_located_finding_and_passes_once_fixed(
    make_repo: RepoFactory, pre_commit_home: Path, hook_repository: tuple[Path, str]
) -> None:
    repo = make_repo(
        {
            ".gitops-guard.yaml": PRE_COMMIT_POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
        }
    )
    configure(repo, hook_repository)
    (repo / "clusters/dev/api/pod.yaml").write_text(pod("registry.example.com/team/api:latest"))
    (repo / "README.txt").write_text("not yaml\n")
    git(repo, "add", "-A")

    failed = pre_commit(repo, pre_commit_home, "gitops-guard")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        "clusters/dev/api/pod.yaml:8:14: error [GG102 mutable-tag] tag `latest` of "
        "registry.example.com/team/api is mutable in api (dev)"
    ) in failed.stdout

    (repo / "clusters/dev/api/pod.yaml").write_text(pod("registry.example.com/team/api:1.0.1"))
    git(repo, "add", "-A")
    passed = pre_commit(repo, pre_commit_home, "gitops-guard")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow
def test_all_files_reports_every_problem_and_nothing_for_clean_files(
    make_repo: RepoFactory, pre_commit_home: Path, hook_repository: tuple[Path, str]
) -> None:
    repo = make_repo(
        {
            ".gitops-guard.yaml": PRE_COMMIT_POLICY,
            "clusters/dev/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
            "clusters/dev/web/pod.yaml": pod("docker.io/someone/web:1.0.0"),
            "clusters/prod/api/pod.yaml": pod("registry.example.com/team/api:1.0.0"),
            "clusters/prod/db/pod.yaml": pod("registry.example.com/team/db"),
        }
    )
    configure(repo, hook_repository)
    result = pre_commit(repo, pre_commit_home, "gitops-guard", "--all-files")
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
    # One process for every file: one summary, not one per batch of the framework's.
    assert len(re.findall(r"^\d+ errors? in \d+ files", result.stdout, re.MULTILINE)) == 1


@pytest.mark.slow
def test_the_policy_hook_rejects_a_broken_policy(
    make_repo: RepoFactory, pre_commit_home: Path, hook_repository: tuple[Path, str]
) -> None:
    repo = make_repo({".gitops-guard.yaml": PRE_COMMIT_POLICY})
    configure(repo, hook_repository)
    (repo / ".gitops-guard.yaml").write_text(
        PRE_COMMIT_POLICY.replace("require_digest", "require_digets")
    )
    git(repo, "add", "-A")
    result = pre_commit(repo, pre_commit_home, "gitops-guard-policy")
    assert result.returncode == 1
    assert "environments.prod.require_digets: unknown key 'require_digets'" in result.stdout


@pytest.fixture
def promotion_repo(tmp_path: Path) -> Repo:
    from tests.conftest import require_tool
    from tests.integration.promotion_repo import build_history, make_signer

    require_tool("ssh-keygen")
    return build_history(tmp_path / "gitops", make_signer(tmp_path / "keys"))


@pytest.mark.slow
def test_the_commit_msg_hook_wants_the_rollback_trailer(
    promotion_repo: Repo,
    pre_commit_home: Path,
    hook_repository: tuple[Path, str],
) -> None:
    from tests.integration.promotion_repo import overlay

    history = promotion_repo.path
    configure(history, hook_repository)
    (history / "apps/api/overlays/staging/kustomization.yaml").write_text(overlay("1.0.1"))
    git(history, "add", "-A")
    message = history / "MSG"
    message.write_text("Put the previous api back in staging\n")
    args = [
        "gitops-guard-commit-msg",
        "--hook-stage",
        "commit-msg",
        "--commit-msg-filename",
        str(message),
    ]
    refused = pre_commit(history, pre_commit_home, *args)
    assert refused.returncode == 1, refused.stdout
    assert "[GG302 unmarked-downgrade]" in refused.stdout
    message.write_text("Put the previous api back in staging\n\nRollback: INC-9\n")
    accepted = pre_commit(history, pre_commit_home, *args)
    assert accepted.returncode == 0, accepted.stdout


@pytest.mark.slow
def test_the_pre_push_hook_judges_the_pushed_range(
    promotion_repo: Repo,
    pre_commit_home: Path,
    hook_repository: tuple[Path, str],
) -> None:
    from tests.integration.promotion_repo import SCENARIOS

    history = promotion_repo.path
    base = git(history, "rev-parse", "HEAD").strip()
    SCENARIOS["prod gets a version staging never ran"][0](promotion_repo)
    head = git(history, "rev-parse", "HEAD").strip()
    configure(history, hook_repository)
    result = pre_commit(
        history,
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


# --- the hooks' file patterns, as the framework applies them (re.search on the path) ---


def hook(hook_id: str) -> dict[str, object]:
    return next(h for h in HOOKS if h["id"] == hook_id)


def selects(hook_id: str, path: str) -> bool:
    entry = hook(hook_id)
    files, exclude = str(entry.get("files", "")), entry.get("exclude")
    return bool(re.search(files, path)) and not (exclude and re.search(str(exclude), path))


MANIFESTS = [
    "apps/api/overlays/prod/kustomization.yaml",
    "apps/api/base/deployment.yml",
    "apps/api/base/Kustomization",
    "charts/api/values-prod.yaml",
    "argocd/api-prod.yaml",
]
NOT_MANIFESTS = ["README.md", "apps/api/base/notes.txt", "Makefile", "apps/yaml/notes"]


@pytest.mark.parametrize("path", MANIFESTS)
def test_the_validate_and_images_hooks_take_every_manifest(path: str) -> None:
    assert selects("gitops-guard", path)
    assert selects("gitops-guard-images", path)


@pytest.mark.parametrize("path", [*NOT_MANIFESTS, ".gitops-guard.yaml", "sub/.gitops-guard.yml"])
def test_the_validate_hook_leaves_other_files_and_the_policy_alone(path: str) -> None:
    assert not selects("gitops-guard", path)


@pytest.mark.parametrize(
    ("path", "selected"),
    [(".gitops-guard.yaml", True), (".gitops-guard.yml", True), ("team/.gitops-guard.yaml", True),
     ("gitops-guard.yaml", False), (".gitops-guard.yaml.bak", False), ("values.yaml", False)],
)  # fmt: skip
def test_the_policy_hook_takes_only_policy_files(path: str, selected: bool) -> None:
    assert selects("gitops-guard-policy", path) is selected


@pytest.mark.parametrize("hook_id", ["gitops-guard", "gitops-guard-policy"])
def test_the_file_hooks_run_at_commit_time_only_and_in_one_process(hook_id: str) -> None:
    # Without stages they ran again at commit-msg and pre-push; without require_serial the
    # framework split --all-files over several processes and summaries.
    assert hook(hook_id)["stages"] == ["pre-commit", "pre-merge-commit", "manual"]
    assert hook(hook_id)["require_serial"] is True


def test_the_history_hooks_run_at_their_stage_whatever_the_files() -> None:
    assert hook("gitops-guard-commit-msg")["stages"] == ["commit-msg"]
    assert hook("gitops-guard-pre-push")["stages"] == ["pre-push"]
    assert hook("gitops-guard-commit-msg")["always_run"] is True
    assert hook("gitops-guard-pre-push")["pass_filenames"] is False


def test_every_hook_runs_a_command_the_tool_has() -> None:
    import click

    from gitops_guard.cli.main import cli

    with click.Context(cli) as ctx:
        commands = cli.list_commands(ctx)
    for entry in HOOKS:
        program, command, *_ = str(entry["entry"]).split()
        assert program == "gitops-guard"
        assert command in commands, entry["id"]
