"""Click options that several commands share (imports only click: start-up time matters)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK
from gitops_guard.formats.findings.registry import FINDING_FORMATS

F = TypeVar("F", bound=Callable[..., Any])

REPO_HELP = "Repository to work on (default: the Git work tree around the current directory)."


def repo_option(help_text: str = REPO_HELP) -> Callable[[F], F]:
    """``--repo/-C DIR``: the repository a command works on."""
    return click.option(
        "--repo",
        "-C",
        "repo",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=help_text,
    )


def _size(value: str) -> int:
    from gitops_guard.policy.model import parse_size

    try:
        return parse_size(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size such as 5MiB") from None


def workspace_options(function: F) -> F:
    """Options every command that reads a repository shares."""
    function = click.option(
        "--max-file-size",
        metavar="SIZE",
        default=None,
        help="Largest YAML file read, e.g. 5MiB (default: the policy's, else 5MiB).",
    )(function)
    function = click.option(
        "--policy",
        "policy_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Policy file to use instead of .gitops-guard.yaml at the repository root.",
    )(function)
    function = repo_option()(function)
    return function


@dataclass
class Console:
    """What the group's ``-q``/``-v`` and ``--color``/``--no-color`` ask of every command.

    ``verbosity``: -1 quiet (findings and errors only: no notes, progress or
    confirmations), 0 normal, 1 verbose (also what was read and how long it took).
    ``color``: forced on or off, or None to follow the terminal and ``NO_COLOR``.
    """

    verbosity: int = 0
    color: bool | None = None

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    def warn(self, text: str) -> None:
        """A problem with what was asked (a refused path), on stderr even when quiet."""
        click.echo(f"gitops-guard: {text}", err=True)

    def note(self, text: str) -> None:
        """A remark on stderr (``gitops-guard: ...``), unless quiet."""
        if self.verbosity >= 0:
            click.echo(f"gitops-guard: {text}", err=True)

    def detail(self, text: str) -> None:
        """What only ``-v`` shows."""
        if self.verbosity > 0:
            click.echo(f"gitops-guard: {text}", err=True)

    def done(self, text: str) -> None:
        """A confirmation on stdout (``wrote ...``), unless quiet."""
        if self.verbosity >= 0:
            click.echo(text)

    def use_color(self, output: Path | None) -> bool:
        """Colour for text going to ``output`` (None: stdout)."""
        if output is not None:
            return False
        if self.color is not None:
            return self.color
        if os.environ.get("NO_COLOR"):
            return False
        if os.environ.get("FORCE_COLOR"):
            return True
        return sys.stdout.isatty()


def console() -> Console:
    """The console settings of the running command line (defaults outside the group)."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Console) if context is not None else None
    return found if found is not None else Console()


def _open(
    repo: Path | None,
    policy_file: Path | None,
    max_file_size: str | None,
    paths: tuple[str, ...] = (),
) -> Any:
    from gitops_guard.repo.workspace import open_workspace

    limit = _size(max_file_size) if max_file_size else None
    workspace = open_workspace(repo, policy_file, limit, anywhere=bool(paths))
    out = console()
    for note in workspace.notes:
        out.note(note)
    out.detail(
        f"policy: {workspace.policy.path or 'none (safe defaults)'}; repository: {workspace.root}"
    )
    return workspace


def echo_whole(text: str | Iterable[str], color: bool = False) -> None:
    """Write a document to stdout whole or not at all.

    A document produced while it is written (a streamed report) is gathered first, in
    memory up to a size and then in a temporary file; an interrupt (Ctrl-C) before it is
    complete leaves stdout empty, never the first half of a JSON document. While it is
    copied out, SIGINT waits (it is delivered once the document is out).
    """
    import signal
    import tempfile
    import threading

    spool = None
    if not isinstance(text, str):
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed below
            max_size=32 << 20, mode="w+", encoding="utf-8", newline=""
        )
        for chunk in text:
            spool.write(chunk)
        spool.seek(0)
    main_thread = threading.current_thread() is threading.main_thread()
    hold = hasattr(signal, "pthread_sigmask") and main_thread
    if hold:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        if spool is None:
            assert isinstance(text, str)
            click.echo(text, nl=False, color=color or None)
        else:
            while block := spool.read(1 << 20):
                click.echo(block, nl=False, color=color or None)
        sys.stdout.flush()
    finally:
        if spool is not None:
            spool.close()
        if hold:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _write_output(output: Path | None, text: str, color: bool = False) -> None:
    """Write to stdout (whole or not at all) or, after the work is done, atomically to a
    file.

    ``color``: the text carries colour that was asked for (click strips it otherwise when
    stdout is not a terminal).
    """
    if output is None:
        echo_whole(text, color)
        return
    from gitops_guard.repo.atomic import write_atomically

    write_atomically(output, text)


FINDING_FORMAT_NAMES = list(FINDING_FORMATS)


def findings_output_options(function: F) -> F:
    """``--format``, ``--output`` and ``--fail-on``, shared by every command with findings."""
    function = click.option(
        "--fail-on",
        type=click.Choice(["error", "warning"]),
        default="error",
        show_default=True,
        help="Lowest severity that makes the exit code 1.",
    )(function)
    function = click.option(
        "--output",
        "-o",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Write the report to FILE (atomically, after the run) instead of stdout.",
    )(function)
    function = click.option(
        "--format",
        "output_format",
        type=click.Choice(FINDING_FORMAT_NAMES),
        default="text",
        show_default=True,
        help="Text for people; JSON, SARIF, GitHub workflow commands, JUnit or Markdown for "
        "machines and pull requests.",
    )(function)
    function = click.option(
        "--report",
        "reports",
        multiple=True,
        metavar="FORMAT=FILE",
        callback=_parse_reports,
        help="Also write the findings in another format to FILE (repeatable), "
        "e.g. --report sarif=gitops-guard.sarif: one run, several outputs for CI.",
    )(function)
    return function


def _parse_reports(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[str, Path]]:
    parsed = []
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or name not in FINDING_FORMAT_NAMES or not target:
            formats = ", ".join(FINDING_FORMAT_NAMES)
            raise click.BadParameter(f"{value!r}: expected FORMAT=FILE, FORMAT one of {formats}")
        parsed.append((name, Path(target)))
    return parsed


NOW_VARIABLE = "GITOPS_GUARD_NOW"


def _parse_now(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    import datetime

    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 timestamp with an offset, e.g. 2026-12-24T10:00:00+01:00"
        )
    return moment


def now_option(function: F) -> F:
    """``--now TIMESTAMP`` (or ``GITOPS_GUARD_NOW``): the moment a gate counts as run."""
    return click.option(
        "--now",
        "now",
        metavar="TIMESTAMP",
        envvar=NOW_VARIABLE,
        default=None,
        callback=_parse_now,
        help="Judge as if run at TIMESTAMP (ISO 8601 with offset, e.g. "
        "2026-12-24T10:00:00+01:00): the freeze windows in effect, the age of images "
        "(min_image_age), and the latest a commit counts as made "
        f"(default: the wall clock; or set {NOW_VARIABLE}).",
    )(function)


# The one switch for the history paths (GITOPS_GUARD_NO_CACHE, documented earlier, too).
SIMPLE_REPLAY_VARIABLES = ("GITOPS_GUARD_SIMPLE_REPLAY", "GITOPS_GUARD_NO_CACHE")


def replay_mode() -> Any:
    """How history is replayed: the simple path (no cache, one process) when
    ``GITOPS_GUARD_SIMPLE_REPLAY`` is set, for debugging; else the fast one. Both give the
    same answers."""
    from gitops_guard.history.replay import FAST, SIMPLE

    return SIMPLE if any(os.environ.get(v) for v in SIMPLE_REPLAY_VARIABLES) else FAST


def _render(name: str, report: Any, color: bool, result: Any = None) -> str:
    """One format of a report; with a check result, the promotion plan goes along."""
    from gitops_guard.formats.findings.registry import RenderContext, render_findings

    quiet = console().quiet
    return render_findings(name, report, RenderContext(check=result, color=color, quiet=quiet))


def _emit_report(
    report: Any,
    output_format: str,
    output: Path | None,
    fail_on: str,
    reports: list[tuple[str, Path]],
    result: Any = None,
) -> int:
    """Render, write every requested output; the exit code the findings call for."""
    from gitops_guard.repo.atomic import write_atomically

    for name, target in reports:
        write_atomically(target, _render(name, report, False, result))
    color = console().use_color(output)
    _write_output(output, _render(output_format, report, color, result), color)
    return exit_for(report, fail_on)


def exit_for(report: Any, fail_on: str) -> int:
    """1 when the report has findings at ``fail_on`` level or above, else 0."""
    failing = report.errors + (report.warnings if fail_on == "warning" else 0)
    return EXIT_FINDINGS if failing else EXIT_OK
