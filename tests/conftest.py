"""Shared fixtures: small real Git repositories built in code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests judge answers, never speed: Hypothesis's 200 ms deadline per example turned a
# loaded CI machine into failures (speed is for bench/).
settings.register_profile("gitops-guard", deadline=None)
settings.load_profile("gitops-guard")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned Git identity in the environment, for commits the tool itself writes."""
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.setenv(name, GIT_ENV[name])


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run git in ``repo`` with pinned identity and dates; returns stdout."""
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
    )
    return result.stdout


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write files (text is dedented) under ``root``, creating folders."""
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


RepoFactory = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> RepoFactory:
    """Build a Git repository with the given files committed; returns its root."""
    counter = [0]

    def factory(files: Mapping[str, str | bytes], *, commit: bool = True) -> Path:
        counter[0] += 1
        root = tmp_path / f"repo{counter[0]}"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        write_files(root, files)
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial", "--no-verify")
        return root

    return factory


def require_tool(name: str) -> str:
    """The path of a system tool a test needs; skip locally, fail in CI, when it is missing."""
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI but is not installed (see .ci/run)")
    pytest.skip(f"{name} is not installed and CI is unset; CI installs it and runs this test")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-goldens`` rewrites the golden files of tests/formats (never edit them by hand)."""
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files under tests/formats/golden from the current output",
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sample repository, built once per test module (modules that change it
    define their own, per test)."""
    from gitops_guard.demo.sample import build_sample_repository

    return build_sample_repository(tmp_path_factory.mktemp("sample") / "repo")


PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout as it is now (tracked and untracked files, not ignored ones),
    committed in a repository of its own: (path, sha). What pre-commit, a GitHub runner or a
    GitLab job fetches at a ref, uncommitted work included."""
    snapshot = tmp_path_factory.mktemp("project-snapshot")
    listed = git(PROJECT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in filter(None, listed.split("\0")):
        source = PROJECT / relative
        if source.is_file():
            (snapshot / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / relative)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "--no-verify", "-m", "gitops-guard as tested")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


def with_application_folders(files: dict[str, str]) -> dict[str, str]:
    """``files`` with an empty kustomization in every folder an Application deploys that
    holds nothing yet: a test about annotations then deploys something real (a folder
    that holds no file is named GG003, as a source in another repository is)."""
    folders = {p.rsplit("/", 1)[0] for p in files if "/" in p}
    added: dict[str, str] = {}
    for content in files.values():
        if "kind: Application" not in content:
            continue
        for path in re.findall(r"^\s*path: ([^\s{}]+)\s*$", content, re.MULTILINE):
            folder = path.strip("/")
            if folder not in folders and not any(f.startswith(folder + "/") for f in files):
                added[f"{folder}/kustomization.yaml"] = "resources: []\n"
    return {**files, **added}
