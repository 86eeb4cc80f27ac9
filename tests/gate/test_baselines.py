"""Baselines in every gate: named by the policy, read where the change is merged into.

Adopting the tool on a repository with old findings must not break the PR check for a
change that does not add any; and a change must not bring the baseline entries that would
hide its own findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.conftest import git
from tests.policies import BASELINE_POLICY


def pod(image: str, replicas: int = 1) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, labels: {{replicas: '{replicas}'}}}}\n"
        f"spec: {{containers: [{{name: c, image: '{image}'}}]}}\n"
    )


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def adopted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A repository with an old finding and the baseline that records it, committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitops-guard.yaml").write_text(BASELINE_POLICY)
    (repo / "clusters/dev/legacy").mkdir(parents=True)
    (repo / "clusters/dev/legacy/pod.yaml").write_text(pod("redis:latest"))
    code, _, _ = run(
        ["validate", "--repo", str(repo), "--write-baseline", str(repo / ".gitops-guard-baseline.json")],
        capsys,
    )  # fmt: skip
    assert code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "Adopt gitops-guard with a baseline")
    return repo


def commit(repo: Path, message: str, files: dict[str, str]) -> None:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def check(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = run(
        ["check", "--repo", str(repo), "--base", "HEAD~1", "--format", "json", *extra], capsys
    )
    assert code in (0, 1), err
    return code, json.loads(out)


def test_validate_uses_the_baseline_the_policy_names(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate", "--repo", str(adopted)], capsys)
    assert code == 0
    assert "1 known from the baseline" in out
    (adopted / ".gitops-guard-baseline.json").unlink()
    code, _, err = run(["validate", "--repo", str(adopted)], capsys)
    assert code == 2
    assert "the policy's baseline .gitops-guard-baseline.json does not exist" in err


def test_a_change_next_to_an_old_finding_passes_the_check(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(adopted, "Two replicas", {"clusters/dev/legacy/pod.yaml": pod("redis:latest", 2)})
    code, document = check(adopted, capsys)
    assert code == 0, document["findings"]
    assert document["summary"]["baselined"] == 1


def test_without_a_baseline_the_same_change_fails(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(
        adopted,
        "No baseline",
        {".gitops-guard.yaml": BASELINE_POLICY.replace("baseline:", "# baseline:")},
    )
    commit(adopted, "Two replicas", {"clusters/dev/legacy/pod.yaml": pod("redis:latest", 2)})
    code, document = check(adopted, capsys)
    assert code == 1
    assert [f["rule"] for f in document["findings"]] == ["GG102"]


def test_a_change_cannot_bring_the_entries_that_hide_its_own_findings(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = json.loads((adopted / ".gitops-guard-baseline.json").read_text())
    entry = dict(baseline["findings"][0], path="clusters/dev/new/pod.yaml")
    baseline["findings"].append(entry)
    commit(
        adopted,
        "A new pod, and its finding in the baseline",
        {
            "clusters/dev/new/pod.yaml": pod("redis:latest"),
            ".gitops-guard-baseline.json": json.dumps(baseline, indent=2),
        },
    )
    code, document = check(adopted, capsys)
    assert code == 1
    rules = sorted((f["rule"], f["path"]) for f in document["findings"] if f["severity"] == "error")
    assert rules == [
        ("GG102", "clusters/dev/new/pod.yaml"),  # judged by the base's baseline
        ("GG307", ".gitops-guard-baseline.json"),
    ]
    (gg307,) = [f for f in document["findings"] if f["rule"] == "GG307"]
    assert "adds 1 entry to the baseline" in gg307["message"]


def test_check_takes_a_baseline_by_option_read_at_the_base(
    adopted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(
        adopted,
        "No baseline key",
        {".gitops-guard.yaml": BASELINE_POLICY.replace("baseline:", "# baseline:")},
    )
    commit(adopted, "Two replicas", {"clusters/dev/legacy/pod.yaml": pod("redis:latest", 2)})
    code, _ = check(adopted, capsys, "--baseline", ".gitops-guard-baseline.json")
    assert code == 0
    code, _, err = run(
        ["check", "--repo", str(adopted), "--base", "HEAD~1", "--baseline", "missing.json"], capsys
    )
    assert code == 2
    assert "the baseline missing.json is not in" in err
    assert "land the baseline first" in err


def test_the_pre_commit_hook_uses_the_staged_baseline(
    adopted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (adopted / "clusters/dev/legacy/pod.yaml").write_text(pod("redis:latest", 3))
    git(adopted, "add", "-A")
    monkeypatch.chdir(adopted)
    code, _, err = run(["hook", "pre-commit"], capsys)
    assert code == 0, err
    (adopted / "clusters/dev/new").mkdir(parents=True)
    (adopted / "clusters/dev/new/pod.yaml").write_text(pod("nginx:latest"))
    git(adopted, "add", "-A")
    code, _, err = run(["hook", "pre-commit"], capsys)
    assert code == 1
    assert "clusters/dev/new/pod.yaml" in err


def test_setting_a_baseline_in_the_policy_is_a_loosening() -> None:
    from gitops_guard.policy.diff import loosenings

    found = loosenings({"version": 1}, {"version": 1, "baseline": "b.json"})
    assert found == [(["baseline"], "baseline: sets it to 'b.json'")]
    assert loosenings({"version": 1, "baseline": "b.json"}, {"version": 1}) == []
