"""The command line: parse arguments, call the library, print, pick the exit code.

This is the only module that reads argv or the environment, prints, or decides exit
codes. Heavy modules are imported inside the commands that need them, so
``gitops-guard --version`` and the pre-commit path start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from gitops_guard import __version__
from gitops_guard.cli_options import repo_option, traceback_option
from gitops_guard.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    GuardError,
)

F = TypeVar("F", bound=Callable[..., Any])


def _size(value: str) -> int:
    from gitops_guard.policy import parse_size

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


def _open(repo: Path | None, policy_file: Path | None, max_file_size: str | None) -> Any:
    from gitops_guard.workspace import open_workspace

    workspace = open_workspace(repo, policy_file, _size(max_file_size) if max_file_size else None)
    for note in workspace.notes:
        click.echo(f"gitops-guard: {note}", err=True)
    return workspace


def _write_output(output: Path | None, text: str) -> None:
    """Write to stdout or, after the work is done, atomically to a file."""
    if output is None:
        click.echo(text, nl=False)
        return
    from gitops_guard.output import write_atomically

    write_atomically(output, text)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="gitops-guard")
@traceback_option
def cli(traceback: bool) -> None:
    """Policy checks and audit history for container image promotion in GitOps repositories."""


@cli.command()
@click.argument("paths", nargs=-1)
@workspace_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None)
@traceback_option
def images(
    paths: tuple[str, ...],
    repo: Path | None,
    policy_file: Path | None,
    max_file_size: str | None,
    output_format: str,
    output: Path | None,
    traceback: bool,
) -> None:
    """List every image the repository deploys, with app, environment and location.

    With PATHS, only images written in (or resolved through) those files.
    """
    from gitops_guard.extract import extract
    from gitops_guard.workspace import select_paths

    workspace = _open(repo, policy_file, max_file_size)
    selected: list[str] | None = None
    refused: list[str] = []
    skipped: list[str] = []
    if paths:
        selection = select_paths(workspace, paths)
        selected, refused, skipped = selection.files, selection.refused, selection.skipped
    inventory = extract(workspace.source, workspace.policy, selected)
    if output_format == "json":
        from gitops_guard.formats import inventory_json

        text = inventory_json.render(inventory.uses, inventory.problems)
    else:
        from gitops_guard.formats import inventory_text

        text = inventory_text.render(inventory.uses, len(inventory.files))
    _write_output(output, text)
    for message in refused + skipped:
        click.echo(f"gitops-guard: {message}", err=True)
    for problem in inventory.problems:
        click.echo(f"{problem.location}: {problem.rule} {problem.message}", err=True)
    if refused:
        raise SystemExit(EXIT_USAGE)
    if inventory.problems:
        raise SystemExit(EXIT_FINDINGS)


FINDING_FORMAT_NAMES = ["text", "json", "sarif", "github", "junit", "markdown"]


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
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[str, Path]]:
    parsed = []
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or name not in FINDING_FORMAT_NAMES or not target:
            formats = ", ".join(FINDING_FORMAT_NAMES)
            raise click.BadParameter(f"{value!r}: expected FORMAT=FILE, FORMAT one of {formats}")
        parsed.append((name, Path(target)))
    return parsed


def _use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _render(name: str, report: Any, color: bool, result: Any = None) -> str:
    """One format of a report; with a check result, the promotion plan goes along."""
    from gitops_guard.formats import render_findings

    if result is None:
        return render_findings(name, report, color=color)
    from gitops_guard.formats import plan as plan_format

    if name == "json":
        import json

        document = json.loads(render_findings("json", report))
        document["promotions"] = plan_format.to_json(result.plan)
        document["range"] = {"base": result.base, "head": result.head, "commits": result.commits}
        return json.dumps(document, indent=2) + "\n"
    if name == "markdown":
        return render_findings(name, report, plan=plan_format.render_markdown(result.plan))
    text = render_findings(name, report, color=color)
    if name == "text":
        return plan_format.render_text(result.plan) + text
    return text


def _emit_report(
    report: Any,
    output_format: str,
    output: Path | None,
    fail_on: str,
    reports: list[tuple[str, Path]],
    result: Any = None,
) -> None:
    """Render, write every requested output, and leave with the exit code the findings call for."""
    from gitops_guard.output import write_atomically

    for name, target in reports:
        write_atomically(target, _render(name, report, False, result))
    _write_output(output, _render(output_format, report, _use_color(output), result))
    _exit_for(report, fail_on)


@cli.command()
@click.argument("paths", nargs=-1)
@workspace_options
@findings_output_options
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Report only findings that are not in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Record today's findings in FILE (then exit 0).",
)
@click.option("--supply-chain", is_flag=True, help="Also run the supply-chain gates GG501-GG506.")
@click.option(
    "--offline",
    is_flag=True,
    help="No network: gates that need the registry are reported as not checked.",
)
@traceback_option
def validate(
    paths: tuple[str, ...],
    repo: Path | None,
    policy_file: Path | None,
    max_file_size: str | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    reports: list[tuple[str, Path]],
    baseline: Path | None,
    write_baseline: Path | None,
    supply_chain: bool,
    offline: bool,
    traceback: bool,
) -> None:
    """Check manifests against the policy: the given files, or the whole repository.

    With PATHS (what the pre-commit hook passes), exactly those files are checked,
    with what they need around them: a Kustomize base is checked in the environments
    of the overlays that include it.
    """
    from gitops_guard.baseline import load_baseline, render_baseline
    from gitops_guard.engine import run_rules
    from gitops_guard.extract import extract
    from gitops_guard.workspace import select_paths

    workspace = _open(repo, policy_file, max_file_size)
    known = load_baseline(baseline) if baseline is not None else None
    selected: list[str] | None = None
    refused: list[str] = []
    if paths:
        selection = select_paths(workspace, paths)
        selected, refused = selection.files, selection.refused
        for message in selection.refused + selection.skipped:
            click.echo(f"gitops-guard: {message}", err=True)
    inventory = extract(workspace.source, workspace.policy, selected)
    extra = []
    if supply_chain:
        from gitops_guard.cli_supply import supply_findings

        extra = supply_findings(inventory, workspace.policy, workspace.root, offline=offline)
    report = run_rules(inventory, workspace.policy, baseline=known, extra=extra)
    if write_baseline is not None:
        from gitops_guard.output import write_atomically

        write_atomically(write_baseline, render_baseline(report.findings))
        click.echo(f"wrote {len(report.findings)} findings to the baseline {write_baseline}")
        return
    try:
        _emit_report(report, output_format, output, fail_on, reports)
    finally:
        if refused:
            raise SystemExit(EXIT_USAGE)


@cli.command()
@click.option("--base", required=True, help="The revision the change is merged into (PR base).")
@click.option("--head", default="HEAD", show_default=True, help="The revision to check.")
@click.option(
    "--direct",
    is_flag=True,
    help="The range is pushed straight to a protected branch, not merged through a PR.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="No network: supply-chain gates are reported as not checked.",
)
@repo_option("Repository to check (default: the one around the current directory).")
@findings_output_options
@traceback_option
def check(
    base: str,
    head: str,
    direct: bool,
    offline: bool,
    repo: Path | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    reports: list[tuple[str, Path]],
    traceback: bool,
) -> None:
    """The PR check: validate what changed in BASE..HEAD and judge every promotion in it.

    The range is judged by the policy at BASE, never by a policy it brings along.
    """
    from gitops_guard.check import run_check
    from gitops_guard.gitio import GitRepository

    result = run_check(
        GitRepository(repo or Path.cwd()), base, head, direct=direct, offline=offline
    )
    _emit_report(result.report, output_format, output, fail_on, reports, result)


def _exit_for(report: Any, fail_on: str) -> None:
    failing = report.errors + (report.warnings if fail_on == "warning" else 0)
    if failing:
        raise SystemExit(EXIT_FINDINGS)


@cli.command()
@click.argument(
    "name", type=click.Choice(["pre-commit", "commit-msg", "pre-push", "pre-receive", "update"])
)
@click.argument("arguments", nargs=-1)
@traceback_option
def hook(name: str, arguments: tuple[str, ...], traceback: bool) -> None:
    """Run as a Git hook (the scripts in hooks/ and `install-hooks` call this).

    pre-push and pre-receive read Git's lines on stdin; update takes REF OLD NEW;
    commit-msg takes the message file. A refusal exits 1 with a short message.
    """
    from gitops_guard import hooks
    from gitops_guard.gitio import GitRepository

    repo = GitRepository(Path.cwd())
    if name == "pre-commit":
        outcome = hooks.pre_commit(repo)
    elif name == "commit-msg":
        if not arguments:
            raise GuardError("commit-msg needs the message file", hint="git passes it as $1")
        outcome = hooks.commit_msg(repo, Path(arguments[0]))
    elif name == "update":
        if len(arguments) != 3:
            raise GuardError("update needs REF OLD NEW", hint="git passes them as $1 $2 $3")
        ref, old, new = arguments
        outcome = hooks.receive(repo, [(ref, old, new)], server=True)
    elif name == "pre-receive":
        outcome = hooks.receive(repo, hooks.parse_receive_lines(sys.stdin.read()), server=True)
    else:
        updates = hooks.pre_commit_framework_push()
        if updates is None:
            updates = hooks.parse_push_lines(sys.stdin.read())
        remote = arguments[0] if arguments else None
        outcome = hooks.receive(repo, updates, server=False, remote=remote)
    _report_hook(name, outcome)


def _report_hook(name: str, outcome: Any) -> None:
    from gitops_guard.formats import plan as plan_format
    from gitops_guard.formats import text

    for note in outcome.notes:
        click.echo(f"gitops-guard: {note}", err=True)
    for label, report, plan in outcome.results:
        if not report.findings:
            continue
        refused = label in outcome.refused
        verdict = "rejected" if refused else "passed with warnings"
        click.echo(f"gitops-guard ({name}): {label} {verdict}:", err=True)
        if plan:
            click.echo(plan_format.render_text(plan).rstrip("\n"), err=True)
        click.echo(text.render(report, color=_use_color(None)).rstrip("\n"), err=True)
    if outcome.refused:
        raise SystemExit(EXIT_FINDINGS)


@cli.command("install-hooks")
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
@traceback_option
def install_hooks(
    server: Path | None, force: bool, update_hook: bool, repo: Path | None, traceback: bool
) -> None:
    """Install the native Git hooks: client side, or server side with --server GIT_DIR."""
    import shutil

    from gitops_guard import hooks
    from gitops_guard.gitio import GitRepository

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
        click.echo(f"installed {path}")


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
    if not sys.stderr.isatty():
        return None

    def show(count: int) -> None:
        click.echo(f"\rreplaying history: {count} commits", err=True, nl=False)

    return show


REPORT_FORMATS = {"markdown": "md", "md": "md", "html": "html", "json": "json", "csv": "csv"}


@cli.command()
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
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write report.<ext> into (HTML defaults to reports/; text formats to stdout).",
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
@repo_option()
@traceback_option
def report(
    since: str | None,
    until: str | None,
    environments: tuple[str, ...],
    apps: tuple[str, ...],
    image: str | None,
    output_format: str,
    out: Path | None,
    replay_policy: str,
    failure_window: str,
    head: str,
    repo: Path | None,
    traceback: bool,
) -> None:
    """The audit report: every promotion of the history, judged, with delivery metrics."""
    import datetime

    from gitops_guard.audit import AuditOptions
    from gitops_guard.policy import parse_duration
    from gitops_guard.reporting import (
        STREAMED_FORMATS,
        build_report,
        render_report,
        render_stream,
        stream_report,
    )

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
    to_stdout = out is None and extension != "html"
    # JSON and CSV are written while the history is replayed: the progress line would
    # mix with the report on a terminal that shows both.
    progress = None if to_stdout and sys.stdout.isatty() else _progress()
    window_delta = datetime.timedelta(seconds=window)
    if extension in STREAMED_FORMATS:
        streamed = stream_report(repo or Path.cwd(), options, window_delta, progress)
        text, root = render_stream(extension, streamed), streamed.root
        notes = streamed.all_notes
    else:
        built = build_report(repo or Path.cwd(), options, window_delta, progress)
        text, root = render_report(extension, built), built.root
        notes = built.notes.copy
    target = None if to_stdout else (out or root / "reports") / f"report.{extension}"
    if target is None:
        for chunk in text:
            click.echo(chunk, nl=False)
    else:
        from gitops_guard.output import write_atomically

        write_atomically(target, text)
    if progress is not None:
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    for note in notes():
        click.echo(f"gitops-guard: {note}", err=True)
    if target is not None:
        click.echo(f"wrote {target}")


@cli.command()
@click.argument("date")
@click.option("--env", "environments", multiple=True, help="Only this environment (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--head", default="HEAD", show_default=True, help="The branch or revision to read.")
@repo_option()
@traceback_option
def at(
    date: str,
    environments: tuple[str, ...],
    output_format: str,
    head: str,
    repo: Path | None,
    traceback: bool,
) -> None:
    """What ran in each environment at DATE (a date, or a time such as 2026-03-03T14:00Z)."""
    from gitops_guard.reporting import running_at

    moment = _moment(date)
    if moment is None:
        raise GuardError(
            f"{date!r} is not a date or time",
            hint="use ISO 8601: 2026-03-03, 2026-03-03T14:00, 2026-03-03T14:00+01:00",
        )
    state = running_at(repo or Path.cwd(), moment, frozenset(environments), head, _progress())
    if sys.stderr.isatty():
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    from gitops_guard.formats import at_format

    text = (
        at_format.render_json(moment, state)
        if output_format == "json"
        else at_format.render_text(moment, state)
    )
    click.echo(text, nl=False)


@cli.command("check-policy")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@traceback_option
def check_policy(files: tuple[Path, ...], traceback: bool) -> None:
    """Validate policy files (default: .gitops-guard.yaml of the repository).

    Each problem is printed with its file, line and key; exit 1 when one is invalid.
    This is what the `gitops-guard-policy` pre-commit hook runs.
    """
    from gitops_guard.errors import PolicyError
    from gitops_guard.policy import POLICY_FILE, load_policy_file
    from gitops_guard.workspace import find_root

    targets = list(files) or [find_root(Path.cwd()) / POLICY_FILE]
    failed = False
    for target in targets:
        try:
            load_policy_file(target, str(target))
        except PolicyError as exc:
            failed = True
            click.echo(f"{exc.message}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
    if failed:
        raise SystemExit(EXIT_FINDINGS)
    click.echo(f"{len(targets)} policy file{'s' if len(targets) != 1 else ''} valid")


@cli.command()
@click.argument("rule", required=False)
@click.option("--markdown", is_flag=True, help="Print every rule's documentation as Markdown.")
@traceback_option
def rules(rule: str | None, markdown: bool, traceback: bool) -> None:
    """List every rule, or explain one (by id such as GG102 or name such as mutable-tag)."""
    from gitops_guard.rules import RULES, documentation, find, info

    if markdown:
        click.echo(documentation(), nl=False)
        return
    if rule is None:
        for module in RULES:
            record = info(module)
            click.echo(
                f"{record.id}  {record.name:<24} {record.severity.value:<8} {record.summary}"
            )
        return
    found = find(rule)
    if found is None:
        import difflib

        known = [r.ID for r in RULES] + [r.NAME for r in RULES]
        close = difflib.get_close_matches(rule, known, n=1)
        raise GuardError(
            f"unknown rule {rule!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
            hint="`gitops-guard rules` lists every rule",
        )
    record = info(found)
    click.echo(f"{record.id} {record.name} (default severity: {record.severity.value})\n")
    click.echo(record.doc)


@cli.command()
@traceback_option
def schema(traceback: bool) -> None:
    """Print the JSON Schema of .gitops-guard.yaml (for editors and CI)."""
    import json

    from gitops_guard.policy import schema as policy_schema

    click.echo(json.dumps(policy_schema(), indent=2))


@cli.command()
@repo_option("Repository to write the policy into (default: the one around the current directory).")
@click.option("--force", is_flag=True, help="Overwrite an existing .gitops-guard.yaml.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the policy instead of writing it.")
@traceback_option
def init(repo: Path | None, force: bool, to_stdout: bool, traceback: bool) -> None:
    """Write a commented starter .gitops-guard.yaml inferred from the repository."""
    from gitops_guard.starter import write_starter_policy

    result = write_starter_policy(repo or Path.cwd(), force=force, dry_run=to_stdout)
    if to_stdout:
        click.echo(result.text, nl=False)
        return
    click.echo(f"wrote {result.path}: {result.summary}")


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to build the sample repository (default: a new temporary folder, kept).",
)
@click.option(
    "--reports",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="Where to write the audit reports (HTML and Markdown) of the sample history.",
)
@traceback_option
def demo(directory: Path | None, reports: Path, traceback: bool) -> None:
    """Build a sample GitOps repository with a promotion history and run the tool on it."""
    from gitops_guard.demo import run_demo

    status = run_demo(directory, echo=click.echo, reports=reports)
    raise SystemExit(status)


def _register_commands() -> None:
    # Commands that live in their own modules (they import only click at module level).
    from gitops_guard.cli_explain import explain
    from gitops_guard.cli_supply import pin

    cli.add_command(explain)
    cli.add_command(pin)


_register_commands()


def _wants_traceback(argv: Sequence[str]) -> bool:
    return "--traceback" in argv or bool(os.environ.get("GITOPS_GUARD_TRACEBACK"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 clean, 1 findings, 2 usage, 3 internal)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # The cyclic collector's default (a pass every 700 new objects, each pass walking every
    # young object kept alive) is tuned for programs that churn; a report keeps hundreds of
    # thousands of acyclic records alive and spent a quarter of a warm run in collection.
    # Reference counting still frees everything at once; cycles are only collected later.
    gc.set_threshold(100_000, 20, 10)
    try:
        cli.main(args=args, prog_name="gitops-guard", standalone_mode=False)
    except GuardError as exc:
        click.echo(f"gitops-guard: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("gitops-guard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("gitops-guard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``); nothing more to say.
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if _wants_traceback(args):
            import traceback

            traceback.print_exc()
        else:
            click.echo(
                f"gitops-guard: internal error: {type(exc).__name__}: {exc} "
                "(re-run with --traceback and report it)",
                err=True,
            )
        return EXIT_INTERNAL
    return EXIT_OK


def console_main() -> None:
    """Entry point of the ``gitops-guard`` console script."""
    raise SystemExit(main())
