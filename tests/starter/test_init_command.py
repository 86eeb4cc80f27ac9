"""The `init` command: what it writes, what it refuses to overwrite, what it says."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import RepoFactory, git
from tests.starter.helpers import findings, policy_of, run
from tests.starter.test_init_layouts import deployment

LATEST = {"envs/dev/d.yaml": deployment("ghcr.io/acme/app:latest")}
CLEAN = {"envs/dev/d.yaml": deployment("ghcr.io/acme/app:1.0.0")}


def test_stdout_writes_nothing_and_says_what_it_would(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(LATEST)
    result = run(["init", "--repo", str(repo), "--stdout"], capsys)
    assert result.code == 0
    assert result.out.startswith("# yaml-language-server: $schema=")
    assert "gitops-guard: 1 layout template, 1 environment (dev)" in result.err
    assert "which would be recorded in .gitops-guard-baseline.json" in result.err
    assert not (repo / ".gitops-guard.yaml").exists()
    assert not (repo / ".gitops-guard-baseline.json").exists()


def test_nothing_the_user_wrote_is_overwritten_without_force(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(LATEST)
    (repo / ".gitops-guard-baseline.json").write_text("{}")
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 2
    assert ".gitops-guard-baseline.json already exists; not overwritten" in result.err
    assert not (repo / ".gitops-guard.yaml").exists()  # refused before writing anything
    (repo / ".gitops-guard.yaml").write_text("version: 1\n")
    (repo / ".gitops-guard-baseline.json").unlink()
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 2
    assert ".gitops-guard.yaml already exists; not overwritten" in result.err
    assert (repo / ".gitops-guard.yaml").read_text() == "version: 1\n"
    assert run(["init", "--repo", str(repo), "--force"], capsys).code == 0
    assert (repo / ".gitops-guard.yaml").read_text().startswith("# yaml-language-server")
    assert (repo / ".gitops-guard-baseline.json").exists()


def test_no_baseline_leaves_the_findings_to_validate(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(LATEST)
    (repo / ".gitops-guard-baseline.json").write_text("{}")  # not ours to touch
    result = run(["init", "--repo", str(repo), "--no-baseline"], capsys)
    assert result.code == 0, result.err
    assert "the repository has 2 errors under it today (no baseline written)" in result.out
    assert (repo / ".gitops-guard-baseline.json").read_text() == "{}"
    assert {f["rule"] for f in findings(repo, capsys)} == {"GG102", "GG103"}


def test_a_clean_repository_gets_no_baseline(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(CLEAN)
    result = run(["init", "--repo", str(repo)], capsys)
    assert "the repository passes it: `gitops-guard validate` finds nothing" in result.out
    assert not (repo / ".gitops-guard-baseline.json").exists()


def test_a_file_that_cannot_be_read_is_a_finding_in_the_baseline_not_a_crash(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        {**CLEAN, "envs/prod/broken.yaml": "a: [\n", "envs/prod/k.yaml": b"\xff\xfe\x00"}
    )
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 0, result.err
    assert "recorded in .gitops-guard-baseline.json" in result.out
    baseline = str(repo / ".gitops-guard-baseline.json")
    assert findings(repo, capsys, "--baseline", baseline) == []


def test_a_missing_folder_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(["init", "--repo", str(tmp_path / "nope")], capsys)
    assert result.code == 2
    assert "not a directory" in result.err
    assert "Traceback" not in result.err


def test_a_yml_policy_is_the_one_replaced(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # `.gitops-guard.yml` is read like `.yaml`; writing a `.yaml` beside it would make
    # every command refuse the pair.
    repo = make_repo(CLEAN)
    (repo / ".gitops-guard.yml").write_text("version: 1\n")
    result = run(["init", "--repo", str(repo)], capsys)
    assert result.code == 2
    assert ".gitops-guard.yml already exists; not overwritten" in result.err
    result = run(["init", "--repo", str(repo), "--force"], capsys)
    assert result.code == 0, result.err
    assert f"wrote {repo / '.gitops-guard.yml'}:" in result.out
    assert not (repo / ".gitops-guard.yaml").exists()
    assert run(["validate", "--repo", str(repo)], capsys).code == 0


def test_outside_a_git_repository_a_folder_must_be_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    (folder / "envs/dev").mkdir(parents=True)
    (folder / "envs/dev/d.yaml").write_text(textwrap.dedent(CLEAN["envs/dev/d.yaml"]))
    monkeypatch.chdir(folder)
    result = run(["init"], capsys)
    assert result.code == 2
    assert "is not inside a Git repository" in result.err
    assert not (folder / ".gitops-guard.yaml").exists()
    result = run(["init", "--repo", str(folder)], capsys)
    assert result.code == 0, result.err
    assert "the repository passes it" in result.out


def _application(url: str, name: str = "web-dev") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n"
        f"  source: {{repoURL: '{url}', path: envs/dev, targetRevision: HEAD}}\n"
        "  destination: {name: dev, namespace: web}\n"
    )


ACME = "https://git.example.com/acme/gitops.git"


@pytest.mark.parametrize(
    ("remote", "urls", "expected"),
    [
        # The clone knows where it came from: its remote is this repository.
        ("git@git.example.com:acme/gitops.git", [ACME], ["git@git.example.com:acme/gitops.git"]),
        # A clone of a mirror or a local path: the remote is not what the Applications name.
        ("/srv/mirrors/gitops", [ACME], [ACME]),
        ("https://git.example.com/acme/gitops", [], ["https://git.example.com/acme/gitops"]),
        (None, [ACME], [ACME]),  # no remote: the one URL the Applications name
        (None, [ACME, "https://git.example.com/acme/charts.git"], None),  # not clear: a note
        (None, [], None),  # no Application: nothing to say
    ],
)
def test_init_writes_this_repository_s_urls_when_it_knows_them(
    make_repo: RepoFactory,
    capsys: pytest.CaptureFixture[str],
    remote: str | None,
    urls: list[str],
    expected: list[str] | None,
) -> None:
    files = dict(CLEAN)
    for index, url in enumerate(urls):
        files[f"argocd/app{index}.yaml"] = _application(url, f"web-dev-{index}")
    repo = make_repo(files)
    if remote is not None:
        git(repo, "remote", "add", "origin", remote)
    assert run(["init", "--repo", str(repo), "--no-baseline"], capsys).code == 0
    assert policy_of(repo).get("repositories") == expected
    text = (repo / ".gitops-guard.yaml").read_text()
    assert ("set repositories: to this one" in text) == (len(urls) > 1)
