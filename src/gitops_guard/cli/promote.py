"""``promote``: write the promotion the plan allows, as a commit that ``check`` passes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gitops_guard.cli.options import console, now_option, replay_mode, repo_option
from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from gitops_guard.audit.plan import Reason
    from gitops_guard.model import Location


@click.command()
@click.argument("app")
@click.option("--to", "environment", required=True, help="The environment to promote into.")
@click.option(
    "--version",
    default=None,
    help="The version to write: a tag, tag@sha256:… or @sha256:… "
    "(default: what the `from:` environment runs, its digest included).",
)
@click.option("--image", default=None, help="Which image, when the app runs several there.")
@click.option(
    "--branch",
    default=None,
    help="Commit on this new branch (for a pull request); the current branch, index and "
    "work tree are left as they are.",
)
@click.option(
    "--message-only",
    is_flag=True,
    help="Print the commit message and the diff; write nothing.",
)
@click.option(
    "--override",
    default=None,
    metavar="REASON",
    help="Commit although the promotion is blocked, with `Promotion-Override: REASON` "
    "(check still judges it).",
)
@click.option(
    "--rollback",
    default=None,
    metavar="ID",
    help="A rollback to a version that ran there before: writes the policy's rollback "
    "trailer (`Rollback: ID`).",
)
@click.option(
    "--sign",
    "-S",
    is_flag=True,
    help="Sign the commit (as `git commit -S`; commit.gpgSign signs without it).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="No network: supply-chain gates are reported as not checked.",
)
@now_option
@repo_option()
def promote(
    app: str,
    environment: str,
    version: str | None,
    image: str | None,
    branch: str | None,
    message_only: bool,
    override: str | None,
    rollback: str | None,
    sign: bool,
    offline: bool,
    now: datetime.datetime | None,
    repo: Path | None,
) -> int:
    """Promote APP into an environment: change exactly the value that sets its version.

    The version is the plan's candidate (what the `from:` environment runs) unless
    --version names another. The promotion is judged as `plan` and `check` judge it; a
    blocked one is refused (exit 1) with the reasons, unless --override. The commit's
    message names app, environment, image, old -> new and the source environment's
    commit, with `Promoted-From: <env>@<sha>` and `Soaked: <hours>h` trailers.
    Exit 0 committed (or printed, with --message-only), 1 refused, 2 bad input or nothing
    to promote.
    """
    from gitops_guard.audit.promote import PromoteRequest, prepare_promotion, write_promotion
    from gitops_guard.cli.report import _progress
    from gitops_guard.repo.workspace import find_root

    root = find_root(repo or Path.cwd())
    request = PromoteRequest(
        app=app,
        environment=environment,
        version=version,
        image=image,
        override=override,
        rollback=rollback,
        sign=sign,
        now=now,
        offline=offline,
    )
    progress = _progress()
    promotion = prepare_promotion(root, request, progress, replay_mode())
    if progress is not None:
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    out = console()
    for note in promotion.notes:
        out.note(note)
    first = promotion.targets[0]
    where = first.use.location
    for reason in promotion.warnings:
        _reason(where, reason.severity, reason)
    if promotion.blocked:
        for reason in promotion.blockers:
            _reason(where, "error", reason)
        if override is None:
            rules = sorted({r.rule for r in promotion.blockers})
            click.echo(
                f"gitops-guard: refused: {app} {first.row.candidate} cannot be promoted to "
                f"{environment} now ({', '.join(rules)}); nothing was written",
                err=True,
            )
            downgrade = rules == ["GG302"] and rollback is None
            advice = "a rollback? add --rollback INCIDENT; " if downgrade else ""
            click.echo(
                f"  hint: {advice}wait, fix what blocks it, or commit it anyway with "
                "--override REASON (check will still judge it)",
                err=True,
            )
            return EXIT_FINDINGS
    if message_only:
        click.echo(promotion.message, nl=False)
        click.echo()
        click.echo(promotion.diff(), nl=False)
        return EXIT_OK
    sha = write_promotion(root, promotion, branch)
    subject = promotion.message.split("\n", 1)[0]
    on = f"branch {branch}" if branch is not None else "the current branch"
    out.done(f"committed {sha} on {on}: {subject}")
    return EXIT_OK


def _reason(where: Location, severity: str, reason: Reason) -> None:
    """A reason as check prints a finding: ``path:line:column: error [GG304 soak-time] …``."""
    click.echo(f"{where}: {severity} [{reason.rule} {reason.name}] {reason.message}", err=True)
    if reason.hint:
        click.echo(f"  hint: {reason.hint}", err=True)


__all__ = ["promote"]
