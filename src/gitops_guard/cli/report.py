"""``report`` and ``at``: the audit reconstructed from history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gitops_guard.cli.options import console, now_option, replay_mode, repo_option
from gitops_guard.errors import EXIT_OK, GuardError


def _moment(value: str, end_of_day: bool = False) -> Any:
    """An ISO 8601 date or time (no offset: UTC); None when it is not one (a revision)."""
    import datetime

    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            moment = datetime.datetime.combine(
                day, datetime.time.max if end_of_day else datetime.time.min
            )
        else:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _progress() -> Any:
    """A progress line on a terminal (not with --quiet, never in a pipe), else None."""
    if not sys.stderr.isatty() or console().quiet:
        return None

    def show(count: int) -> None:
        click.echo(f"\rreplaying history: {count} commits", err=True, nl=False)

    return show


REPORT_FORMATS = {"markdown": "md", "md": "md", "html": "html", "json": "json", "csv": "csv"}


@click.command()
@click.option("--since", default=None, help="Start: a date (2026-03-01), a time, or a revision.")
@click.option("--until", default=None, help="End: a date, a time, or a revision.")
@click.option("--env", "environments", multiple=True, help="Only this environment (repeatable).")
@click.option("--app", "apps", multiple=True, help="Only this app (repeatable).")
@click.option("--image", default=None, help="Only images matching this glob (* wildcard).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(REPORT_FORMATS)),
    default="markdown",
    show_default=True,
    help="Markdown (md), HTML with charts, JSON or CSV.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report to FILE (atomically, after the run).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write report.<ext> into instead (HTML defaults to reports/; the other "
    "formats to stdout).",
)
@click.option(
    "--replay-policy",
    type=click.Choice(["in-force", "current"]),
    default="in-force",
    show_default=True,
    help="Judge each change by the policy in force when it was made, or all by today's.",
)
@click.option(
    "--failure-window",
    default="7d",
    show_default=True,
    help="A promotion followed by a rollback or downgrade within this time counts as failed.",
)
@click.option("--head", default="HEAD", show_default=True, help="The branch or revision to audit.")
@now_option
@repo_option()
def report(
    since: str | None,
    until: str | None,
    environments: tuple[str, ...],
    apps: tuple[str, ...],
    image: str | None,
    output_format: str,
    output: Path | None,
    out: Path | None,
    replay_policy: str,
    failure_window: str,
    head: str,
    now: Any,
    repo: Path | None,
) -> int:
    """The audit report: every promotion of the history, judged, with delivery metrics.

    The HTML report also lists what waits to be promoted at the head, as `plan` judges it
    at --now (default: now), and so does the JSON report when --now is given (under
    `waiting`); the supply-chain gates are not checked: the report sends no registry
    request.
    """
    import datetime

    from gitops_guard.audit.build import (
        STREAMED_FORMATS,
        build_report,
        stream_report,
    )
    from gitops_guard.audit.events import AuditOptions
    from gitops_guard.formats.report.render import (
        render_report,
        render_stream,
    )
    from gitops_guard.policy.model import parse_duration

    window = parse_duration(failure_window)
    if window <= 0:
        raise GuardError(f"--failure-window {failure_window!r} is not a duration such as 7d or 48h")
    options = AuditOptions(
        since=_moment(since) if since else None,
        until=_moment(until, end_of_day=True) if until else None,
        environments=frozenset(environments),
        apps=frozenset(apps),
        image=image,
        replay_current=replay_policy == "current",
        head=head,
    )
    if since and options.since is None:
        options.since_revision = since
    if until and options.until is None:
        options.until_revision = until
    extension = REPORT_FORMATS[output_format]
    if output is not None and out is not None:
        raise click.UsageError("--output FILE and --out DIR cannot be used together")
    to_stdout = output is None and out is None and extension != "html"
    # JSON and CSV are written while the history is replayed: the progress line would
    # mix with the report on a terminal that shows both.
    progress = None if to_stdout and sys.stdout.isatty() else _progress()
    window_delta = datetime.timedelta(seconds=window)
    mode = replay_mode()
    # The HTML lists what waits to be promoted at the head (`plan`'s rows) at --now, by
    # default now: a page for people. The JSON is the record, the same bytes for the same
    # history: it lists them (`waiting`) when --now says at which moment.
    plan_now = now
    if extension == "html" and now is None:
        plan_now = datetime.datetime.now(datetime.UTC)
    elif extension not in ("html", "json"):
        plan_now = None
    if extension in STREAMED_FORMATS:
        streamed = stream_report(
            repo or Path.cwd(), options, window_delta, progress, mode, plan_now=plan_now
        )
        text, root = render_stream(extension, streamed), streamed.root
        notes = streamed.all_notes
    else:
        built = build_report(
            repo or Path.cwd(), options, window_delta, progress, mode, plan_now=plan_now
        )
        text, root = render_report(extension, built), built.root
        notes = built.notes.copy
    target = output or (None if to_stdout else (out or root / "reports") / f"report.{extension}")
    if target is None:
        for chunk in text:
            click.echo(chunk, nl=False)
    else:
        from gitops_guard.repo.atomic import write_atomically

        write_atomically(target, text)
    if progress is not None:
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    for note in notes():
        console().note(note)
    if target is not None:
        console().done(f"wrote {target}")
    return EXIT_OK


@click.command()
@click.argument("date")
@click.option("--env", "environments", multiple=True, help="Only this environment (repeatable).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, or JSON (SPEC §6).",
)
@click.option("--head", default="HEAD", show_default=True, help="The branch or revision to read.")
@repo_option()
def at(
    date: str,
    environments: tuple[str, ...],
    output_format: str,
    head: str,
    repo: Path | None,
) -> int:
    """What ran in each environment at DATE (a date, or a time such as 2026-03-03T14:00Z)."""
    from gitops_guard.audit.build import running_at

    moment = _moment(date)
    if moment is None:
        raise GuardError(
            f"{date!r} is not a date or time",
            hint="use ISO 8601: 2026-03-03, 2026-03-03T14:00, 2026-03-03T14:00+01:00",
        )
    state = running_at(
        repo or Path.cwd(), moment, frozenset(environments), head, _progress(), replay_mode()
    )
    if sys.stderr.isatty():
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    from gitops_guard.formats import at_text

    text = (
        at_text.render_json(moment, state)
        if output_format == "json"
        else at_text.render_text(moment, state)
    )
    click.echo(text, nl=False)
    return EXIT_OK
