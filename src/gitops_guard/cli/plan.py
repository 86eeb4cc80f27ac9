"""``plan``: what may be promoted next, and what holds the rest back."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from gitops_guard.cli.options import _write_output, console, now_option, replay_mode, repo_option
from gitops_guard.errors import EXIT_OK

PLAN_FORMATS = ("text", "json", "markdown")


@click.command()
@click.option("--env", "environments", multiple=True, help="Only this environment (repeatable).")
@click.option("--app", "apps", multiple=True, help="Only this app (repeatable).")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list what is up to date and what has no candidate in its from environment.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(PLAN_FORMATS),
    default="text",
    show_default=True,
    help="A table for people, JSON (schemas/plan.schema.json) or Markdown (an issue, a chat).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the plan to FILE (atomically, after the run) instead of stdout.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="No network: supply-chain gates are reported as not checked.",
)
@click.option("--head", default="HEAD", show_default=True, help="The revision to plan from.")
@now_option
@repo_option()
def plan(
    environments: tuple[str, ...],
    apps: tuple[str, ...],
    show_all: bool,
    output_format: str,
    output: Path | None,
    offline: bool,
    head: str,
    now: datetime.datetime | None,
    repo: Path | None,
) -> int:
    """What may be promoted next: each environment's candidate from its `from:` environment.

    Each candidate is judged as `check --base HEAD` judges the commit that would promote
    it, made now by a person: order, soak, freeze windows, rollbacks, image rules and the
    supply-chain gates the policy asks for. Exit 0 whenever the plan was made (it is
    informative), 2 on bad input.
    """
    from gitops_guard.audit.plan import PlanOptions, build_plan
    from gitops_guard.cli.report import _progress

    options = PlanOptions(
        environments=frozenset(environments),
        apps=frozenset(apps),
        head=head,
        now=now,
        offline=offline,
    )
    progress = _progress()
    built = build_plan(repo or Path.cwd(), options, progress, replay_mode())
    if progress is not None:
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    if output_format == "json":
        from gitops_guard.formats.plan.json import render_json as render
    elif output_format == "markdown":
        from gitops_guard.formats.plan.markdown import render_markdown as render
    else:
        from gitops_guard.formats.plan.text import render_text as render
    for note in built.notes:
        console().note(note)
    _write_output(output, render(built, show_all))
    if output is not None:
        console().done(f"wrote {output}")
    return EXIT_OK


__all__ = ["plan"]
