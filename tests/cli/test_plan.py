"""`gitops-guard plan` on the command line: options, output file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.audit.plan_repo import NOW, build_plan_history


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_history(tmp_path_factory.mktemp("plan-cli") / "repo").path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_is_informative_exit_0_even_when_everything_is_blocked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["plan", "--repo", str(repo), "--now", NOW.isoformat()], capsys)
    assert (code, err) == (0, "")
    assert "blocked: GG304" in out
    assert "2 ready, 4 blocked, 2 up to date (--all lists those)" in out


def test_env_and_app_filter_and_all_lists_what_is_up_to_date(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["plan", "--repo", str(repo), "--now", NOW.isoformat(), "--format", "json"]
    code, out, _ = run([*base, "--env", "prod", "--app", "api", "--app", "billing"], capsys)
    assert code == 0
    rows = [(p["app"], p["environment"]) for p in json.loads(out)["promotions"]]
    assert rows == [("api", "prod"), ("billing", "prod")]
    _, out, _ = run([*base, "--env", "staging"], capsys)
    assert [p["app"] for p in json.loads(out)["promotions"]] == ["search", "worker"]
    _, out, _ = run([*base, "--env", "staging", "--all"], capsys)
    document = json.loads(out)
    assert [p["verdict"] for p in document["promotions"]].count("up to date") == 2


def test_output_file_and_markdown(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "plan.md"
    code, out, _ = run(
        ["plan", "--repo", str(repo), "--now", NOW.isoformat(), "--format", "markdown", "-o",
         str(target)],
        capsys,
    )  # fmt: skip
    assert (code, out) == (0, f"wrote {target}\n")
    assert target.read_text().startswith("## Promotion plan at 2026-03-20T12:00+00:00")


def test_now_from_the_environment_variable(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_GUARD_NOW", "2026-03-23T09:00:00+01:00")
    code, out, _ = run(["plan", "--repo", str(repo), "--env", "staging"], capsys)
    assert code == 0
    assert "GG309" not in out
    assert out.count(" ready") >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "prd"], "--env 'prd': no such env in this repository"),
        (["--app", "apii"], "did you mean 'api'?"),
        (["--now", "2026-03-20T12:00"], "is not an ISO 8601 timestamp with an offset"),
        (["--head", "no-such-branch"], "no-such-branch"),
        (["--format", "csv"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_is_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(["plan", "--repo", str(repo), *args], capsys)
    assert code == 2
    assert message in err


def test_outside_a_repository_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["plan", "--repo", str(tmp_path)], capsys)
    assert code == 2
    assert "error" in err
