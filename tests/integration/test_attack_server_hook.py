"""Issue 12, items 1 and 9: the server hook fails closed, and no blind catch passes a gate.

The server is ``git init --bare`` (HEAD names ``master``) and the team pushes ``main``:
the hook must judge ``main`` all the same, say which refs it protects, and say so when a
push to a ref it does not protect changes environment files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.integration.attack_repo import (
    GITOPS_GUARD,
    OVERLAY,
    Setup,
    at,
    clean_env,
    install_server_hooks,
    overlay,
    prod_location,
    rules_of,
)


def test_main_is_judged_on_a_server_whose_head_names_master(setup: Setup) -> None:
    # The attack: a direct downgrade of prod, no rollback trailer, pushed to main.
    work = setup.work
    before = setup.server_rev()
    commit = work.promote("prod", "1.4.0", at(hours=-1), "Use the old api in prod")
    pushed = work.push("main")
    assert pushed.rejected, pushed.stderr
    assert "pre-receive hook declined" in pushed.stderr
    line = next(line for line in pushed.stderr.splitlines() if "[GG302 " in line)
    assert line.removeprefix("remote: ").startswith(prod_location()), line
    assert f"commit {commit[:12]}" in line
    assert setup.server_rev() == before
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert {"GG302", "GG305"} <= rules_of(document)


def test_install_says_what_it_protects_and_warns_about_a_dangling_head(tmp_path: Path) -> None:
    server = tmp_path / "fresh.git"
    subprocess.run(
        ["git", "-c", "init.defaultBranch=master", "init", "-q", "--bare", str(server)],
        check=True,
        capture_output=True,
    )
    installed = install_server_hooks(server)
    assert "protected refs" in installed.stdout
    assert "refs/heads/master" in installed.stdout
    assert "refs/heads/main" in installed.stdout
    assert "HEAD names refs/heads/master, which does not exist" in installed.stderr
    config = subprocess.run(
        ["git", "config", "core.logAllRefUpdates"],
        cwd=server,
        capture_output=True,
        text=True,
    )
    assert config.stdout.strip() == "always"


def test_a_push_to_an_unprotected_ref_that_changes_environments_says_so(setup: Setup) -> None:
    work = setup.work
    work.git("checkout", "-q", "-b", "feature")
    work.promote("prod", "1.4.0", at(hours=-1), "Try the old api")
    pushed = work.push("feature")
    assert not pushed.rejected, pushed.stderr
    assert "refs/heads/feature is not a protected ref" in pushed.stderr
    assert OVERLAY.format(env="prod") in pushed.stderr
    assert "refs/heads/main" in pushed.stderr


def test_a_push_to_an_unprotected_ref_without_environment_changes_is_quiet(setup: Setup) -> None:
    work = setup.work
    work.git("checkout", "-q", "-b", "docs")
    work.commit(at(hours=-1), "Docs", {"README.md": "hello\n"})
    pushed = work.push("docs")
    assert not pushed.rejected, pushed.stderr
    assert "not a protected ref" not in pushed.stderr


def test_commit_msg_on_a_broken_head_is_an_error_not_a_pass(setup: Setup, tmp_path: Path) -> None:
    # HEAD names a branch whose commit is missing: before, the hook took this for a first
    # commit ("nothing to compare") and let any commit through.
    work = setup.work
    (work.path / ".git/refs/heads/main").write_text("1" * 40 + "\n")
    message = tmp_path / "MSG"
    message.write_text("Promote api\n")
    result = subprocess.run(
        [str(GITOPS_GUARD), "hook", "commit-msg", str(message)],
        cwd=work.path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode not in (0, 1), result.stderr
    assert "gitops-guard: error:" in result.stderr
    assert "first commit" not in result.stderr
    assert "Traceback" not in result.stderr


def test_pre_commit_on_a_broken_head_is_an_error_not_a_pass(setup: Setup) -> None:
    work = setup.work
    (work.path / OVERLAY.format(env="prod")).write_text(overlay("latest", None))
    work.git("add", "-A")
    (work.path / ".git/refs/heads/main").write_text("1" * 40 + "\n")
    result = subprocess.run(
        [str(GITOPS_GUARD), "hook", "pre-commit"],
        cwd=work.path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode not in (0, 1), result.stderr
    assert "gitops-guard: error:" in result.stderr


def test_commit_msg_on_a_real_first_commit_passes(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "new")], check=True)
    message = tmp_path / "MSG"
    message.write_text("First\n")
    result = subprocess.run(
        [str(GITOPS_GUARD), "hook", "commit-msg", str(message)],
        cwd=tmp_path / "new",
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "first commit" in result.stderr


def test_install_hooks_where_the_hooks_folder_cannot_be_written_is_a_clean_error(
    tmp_path: Path,
) -> None:
    # Root may write anything, so the unwritable folder is a file standing in its way.
    server = tmp_path / "blocked.git"
    subprocess.run(["git", "init", "-q", "--bare", str(server)], check=True)
    hooks = server / "hooks"
    for child in hooks.iterdir():
        child.unlink()
    hooks.rmdir()
    hooks.write_text("not a folder\n")
    result = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--server", str(server)],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode == 2, result.stderr
    assert "gitops-guard: error: cannot create" in result.stderr
    assert "Traceback" not in result.stderr
