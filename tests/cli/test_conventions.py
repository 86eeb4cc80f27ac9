"""The command line follows its ecosystem: -q/-v, --color, completion, -o, plurals, help.

Each test is one item of issue 14's "CLI conventions" and "policy discovery" as a user
met it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from gitops_guard.cli.main import COMMANDS, cli, main
from gitops_guard.demo.sample import build_sample_repository
from gitops_guard.gate.hooks import hook_script
from tests.conftest import RepoFactory

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'redis:7'}]}\n"
LATEST = POD.replace("redis:7", "redis:latest")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_quiet_prints_findings_only(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, out, err = run(["validate", "--repo", str(repo)], capsys)
    assert (code, "no problems in 1 file" in out, "using safe defaults" in err) == (0, True, True)
    code, out, err = run(["-q", "validate", "--repo", str(repo)], capsys)
    assert (code, out, err) == (0, "", "")
    (repo / "clusters/dev/api/p.yaml").write_text(LATEST)
    code, out, err = run(["-q", "validate", "--repo", str(repo)], capsys)
    assert code == 1
    assert "[GG102 mutable-tag]" in out
    assert err == ""


def test_verbose_says_what_was_read_and_how_long_it_took(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, _, err = run(["-v", "validate", "--repo", str(repo)], capsys)
    assert code == 0
    assert "gitops-guard: policy: none (safe defaults)" in err
    assert "gitops-guard: read 1 YAML file: 1 image use" in err
    assert "gitops-guard: done in " in err
    code, _, err = run(["-q", "-v", "validate", "--repo", str(repo)], capsys)
    assert code == 2
    assert "--quiet and --verbose cannot be used together" in err


def test_colour_is_forced_on_or_off_by_option(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": LATEST})
    _, out, _ = run(["validate", "--repo", str(repo)], capsys)
    assert "\033[" not in out  # not a terminal
    _, out, _ = run(["--color", "validate", "--repo", str(repo)], capsys)
    assert "\033[31merror\033[0m" in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run(["--no-color", "validate", "--repo", str(repo)], capsys)
    assert "\033[" not in out


def test_shell_completion_is_click_s_own_and_documented() -> None:
    script = Path(sys.executable).parent / "gitops-guard"
    result = subprocess.run(
        [str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "_GITOPS_GUARD_COMPLETE": "bash_source"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "_gitops_guard_completion" in result.stdout
    assert "_GITOPS_GUARD_COMPLETE=bash_source" in (cli.help or "")


def test_report_writes_one_file_with_output_as_every_command_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = build_sample_repository(tmp_path / "repo")
    target = tmp_path / "audit.json"
    code, out, _ = run(
        ["report", "--repo", str(repo), "--format", "json", "-o", str(target)], capsys
    )
    assert code == 0
    assert json.loads(target.read_text())["events"]
    assert out == f"wrote {target}\n"
    code, _, err = run(
        ["report", "--repo", str(repo), "-o", str(target), "--out", str(tmp_path)], capsys
    )
    assert code == 2
    assert "--output FILE and --out DIR cannot be used together" in err


def test_rules_show_the_severity_the_policy_gives(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({".gitops-guard.yaml": "version: 1\nseverity: {GG102: warning, GG209: off}\n"})
    code, out, _ = run(["rules", "--repo", str(repo)], capsys)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "warning (default error)" in lines["GG102"]
    assert "off (default warning)" in lines["GG209"] or "off (default error)" in lines["GG209"]
    assert " error " in lines["GG101"]
    code, out, _ = run(["rules", "GG102", "--repo", str(repo), "--format", "json"], capsys)
    (rule,) = json.loads(out)["rules"]
    assert (rule["id"], rule["severity"], rule["default_severity"]) == ("GG102", "warning", "error")
    code, out, _ = run(["rules", "GG102", "--repo", str(repo)], capsys)
    assert out.startswith("GG102 mutable-tag (severity: warning, error by default)\n")


def test_rules_print_no_restructuredtext_markers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "GG102"], capsys)
    assert code == 0
    assert "Failing:\n" in out
    assert "::" not in out


def test_an_unknown_id_suggests_nothing_and_a_misspelt_name_its_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["rules", "GG999"], capsys)
    assert code == 2
    assert "unknown rule 'GG999'" in err
    assert "did you mean" not in err
    _, _, err = run(["rules", "mutabel-tag"], capsys)
    assert "(did you mean 'mutable-tag'?)" in err


def test_every_option_of_every_command_has_help() -> None:
    with click.Context(cli) as ctx:
        commands = [(name, cli.get_command(ctx, name)) for name in cli.list_commands(ctx)]
    assert len(commands) == len(COMMANDS) == 16  # the lazy table lists every command
    missing = [
        f"{name} {param.opts[0]}"
        for name, command in commands
        for param in (command.params if command is not None else [])
        if isinstance(param, click.Option) and not param.help
    ]
    assert missing == []


def test_counts_are_singular_when_they_are_one(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    _, out, _ = run(["images", "--repo", str(repo)], capsys)
    assert out.splitlines()[-1] == "1 image use in 1 YAML file (1 app, 1 environment)"


def test_a_small_size_limit_is_said_in_bytes(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, out, _ = run(["validate", "--repo", str(repo), "--max-file-size", "10"], capsys)
    assert code == 1
    assert f"file is {len(POD)} bytes, over the 10 bytes limit; not read" in out
    assert "e-0" not in out


def test_a_missing_path_checks_nothing_and_says_so(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, out, err = run(["-q", "validate", "--repo", str(repo), "nope.yaml"], capsys)
    assert code == 2
    assert out == ""
    assert "nope.yaml" in err
    assert "nothing was checked" in err
    assert "no problems" not in out + err


def test_outside_a_repository_only_named_files_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    (folder / "pod.yaml").write_text(LATEST)
    monkeypatch.chdir(folder)
    for command in (["validate"], ["images"]):
        code, _, err = run(command, capsys)
        assert code == 2, command
        assert "is not inside a Git repository" in err
    code, out, _ = run(["validate", "pod.yaml"], capsys)
    assert code == 1
    assert "pod.yaml:4:" in out


def test_a_yml_policy_is_read_and_two_policies_are_an_error(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = "version: 1\nimages: {forbidden_tags: [7]}\n".replace("[7]", "['7']")
    repo = make_repo({".gitops-guard.yml": policy, "clusters/dev/api/p.yaml": POD})
    code, out, err = run(["validate", "--repo", str(repo)], capsys)
    assert code == 1
    assert "[GG102 mutable-tag] tag `7`" in out
    assert "safe defaults" not in err
    (repo / ".gitops-guard.yaml").write_text(policy)
    code, _, err = run(["validate", "--repo", str(repo)], capsys)
    assert code == 2
    assert "both .gitops-guard.yaml and .gitops-guard.yml" in err


def test_a_hook_whose_program_is_gone_refuses_with_a_hint(tmp_path: Path) -> None:
    script = tmp_path / "pre-commit"
    script.write_text(hook_script("pre-commit", str(tmp_path / "venv-gone" / "gitops-guard")))
    result = subprocess.run(
        ["sh", str(script)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "the pre-commit hook cannot run gitops-guard: not found" in result.stderr
    assert "install-hooks --force" in result.stderr
