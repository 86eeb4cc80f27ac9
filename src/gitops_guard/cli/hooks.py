"""``hook`` (the entry points of the Git hook scripts) and ``install-hooks``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitops_guard.cli.options import (
    console,
    now_option,
    repo_option,
)
from gitops_guard.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    GuardError,
)

if TYPE_CHECKING:
    import datetime


@click.command()
@click.argument(
    "name", type=click.Choice(["pre-commit", "commit-msg", "pre-push", "pre-receive", "update"])
)
@click.argument("arguments", nargs=-1)
@now_option
def hook(name: str, arguments: tuple[str, ...], now: datetime.datetime | None) -> int:
    """Run as a Git hook (the scripts in hooks/ and `install-hooks` call this).

    pre-push and pre-receive read Git's lines on stdin; update takes REF OLD NEW;
    commit-msg takes the message file. A refusal exits 1 with a short message.
    On a server, GITOPS_GUARD_NOW comes from the server's own environment only.
    """
    from gitops_guard.gate import hooks
    from gitops_guard.repo.git import GitRepository

    repo = GitRepository(Path.cwd())
    if name == "pre-commit":
        outcome = hooks.pre_commit(repo)
    elif name == "commit-msg":
        if not arguments:
            raise GuardError("commit-msg needs the message file", hint="git passes it as $1")
        outcome = hooks.commit_msg(repo, Path(arguments[0]), now)
    elif name == "update":
        if len(arguments) != 3:
            raise GuardError("update needs REF OLD NEW", hint="git passes them as $1 $2 $3")
        ref, old, new = arguments
        outcome = hooks.receive(repo, [(ref, old, new)], server=True, now=now)
    elif name == "pre-receive":
        lines = hooks.parse_receive_lines(sys.stdin.read())
        outcome = hooks.receive(repo, lines, server=True, now=now)
    else:
        updates = hooks.pre_commit_framework_push()
        if updates is None:
            updates = hooks.parse_push_lines(sys.stdin.read())
        remote = arguments[0] if arguments else None
        outcome = hooks.receive(repo, updates, server=False, remote=remote, now=now)
    return _report_hook(name, outcome)


def _report_hook(name: str, outcome: Any) -> int:
    from gitops_guard.formats.findings import plan as plan_format
    from gitops_guard.formats.findings import text
    from gitops_guard.formats.findings.registry import RenderContext

    for note in outcome.notes:
        console().note(note)
    for label, report, plan in outcome.results:
        if not report.findings:
            continue
        refused = label in outcome.refused
        verdict = "rejected" if refused else "passed with warnings"
        click.echo(f"gitops-guard ({name}): {label} {verdict}:", err=True)
        if plan:
            click.echo(plan_format.render_text(plan).rstrip("\n"), err=True)
        click.echo(
            text.render(report, RenderContext(color=console().use_color(None))).rstrip("\n"),
            err=True,
        )
    return EXIT_FINDINGS if outcome.refused else EXIT_OK


@click.command("install-hooks")
@click.option(
    "--server",
    "server",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Install pre-receive and update into this bare repository instead.",
)
@click.option("--force", is_flag=True, help="Replace hooks that gitops-guard did not write.")
@click.option(
    "--update-hook",
    is_flag=True,
    help="With --server: install the per-ref `update` hook instead of pre-receive "
    "(for servers that only run that one).",
)
@repo_option("Client repository (default: the one around the current directory).")
def install_hooks(server: Path | None, force: bool, update_hook: bool, repo: Path | None) -> int:
    """Install the native Git hooks: client side, or server side with --server GIT_DIR."""
    import shutil

    from gitops_guard.gate import hooks
    from gitops_guard.repo.git import GitRepository

    beside_python = Path(sys.executable).parent / "gitops-guard"
    executable = shutil.which("gitops-guard") or (
        str(beside_python) if beside_python.exists() else "gitops-guard"
    )
    names: tuple[str, ...] = hooks.CLIENT_HOOKS if server is None else hooks.SERVER_HOOKS
    if server is not None and update_hook:
        names = (hooks.UPDATE_HOOK,)
    target = GitRepository(server if server is not None else repo or Path.cwd())
    hooks_dir = Path(target.run("rev-parse", "--git-path", "hooks").strip())
    if not hooks_dir.is_absolute():
        hooks_dir = (target.root / hooks_dir) if server is None else (target.git_dir / "hooks")
    written = hooks.install(hooks_dir, names, executable, force)
    for path in written:
        console().done(f"installed {path}")
    if server is not None:
        hooks.enable_receive_clock(target)
        console().done("recording when each ref update is received (core.logAllRefUpdates=always)")
        for line in hooks.describe_protection(target):
            if line.startswith("warning:"):
                console().warn(line)
            else:
                console().done(line)
    return EXIT_OK
