"""The command line: parse arguments, call the library, print, pick the exit code.

This is the only module that reads argv or the environment, prints, or decides exit
codes. Heavy modules are imported inside the commands that need them, so
``gitops-guard --version`` and the pre-commit path start fast.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Sequence

import click

from gitops_guard import __version__
from gitops_guard.cli.options import Console
from gitops_guard.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    GuardError,
)

TRACEBACK_VARIABLE = "GITOPS_GUARD_TRACEBACK"
COMPLETION_VARIABLE = "_GITOPS_GUARD_COMPLETE"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="gitops-guard")
@click.option("-q", "--quiet", is_flag=True, help="Print findings and errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Also say what was read and how long it took.")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the text output, or not (default: on a terminal, unless NO_COLOR is set).",
)
@click.option(
    "--traceback",
    is_flag=True,
    help=f"Show the full traceback of an internal error (or set {TRACEBACK_VARIABLE}=1).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    quiet: bool,
    verbose: bool,
    color: bool | None,
    traceback: bool,  # noqa: ARG001 - main() reads it from the context
) -> None:
    """Policy checks and audit history for container image promotion in GitOps repositories.

    \b
    Shell completion (bash; zsh_source and fish_source for the others):
      eval "$(_GITOPS_GUARD_COMPLETE=bash_source gitops-guard)"
    """
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    ctx.obj = Console(verbosity=-1 if quiet else 1 if verbose else 0, color=color)


def _register_commands() -> None:
    # One module per command family; each imports only click at module level.
    from gitops_guard.cli.demo import demo
    from gitops_guard.cli.explain import explain
    from gitops_guard.cli.findings import check, validate
    from gitops_guard.cli.hooks import hook, install_hooks
    from gitops_guard.cli.inventory import images
    from gitops_guard.cli.plan import plan
    from gitops_guard.cli.policy import check_policy, init, rules, schema
    from gitops_guard.cli.report import at, report
    from gitops_guard.cli.supply import pin

    for command in (
        images, validate, check, hook, install_hooks, report, at, check_policy, rules,
        schema, init, demo, explain, pin, plan,
    ):  # fmt: skip
        cli.add_command(command)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 clean, 1 findings, 2 usage, 3 internal).

    Every command returns its exit code; this is the one place that turns exceptions into
    messages and codes.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    completion = os.environ.get(COMPLETION_VARIABLE)
    if completion:  # the shell asks for completions (click's protocol)
        from click.shell_completion import shell_complete

        return shell_complete(cli, {}, "gitops-guard", COMPLETION_VARIABLE, completion)
    show_traceback = bool(os.environ.get(TRACEBACK_VARIABLE))
    started = time.monotonic()
    try:
        with cli.make_context("gitops-guard", args) as ctx:
            show_traceback = show_traceback or bool(ctx.params.get("traceback"))
            code = cli.invoke(ctx)
            if isinstance(ctx.obj, Console):
                ctx.obj.detail(f"done in {time.monotonic() - started:.2f} s (exit {code})")
    except GuardError as exc:
        click.echo(f"gitops-guard: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo(f"gitops-guard: interrupted{_INCOMPLETE}", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo(f"gitops-guard: interrupted{_INCOMPLETE}", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``); nothing more to say.
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place an unexpected error becomes exit 3
        if show_traceback:
            import traceback

            traceback.print_exc()
        else:
            click.echo(
                f"gitops-guard: internal error: {type(exc).__name__}: {exc} "
                "(re-run with gitops-guard --traceback and report it)",
                err=True,
            )
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


# A report streams to stdout as history is replayed: a run that stops half-way says so
# (files given with --out/--output are written whole or not at all).
_INCOMPLETE = "; whatever it printed on stdout is incomplete"


def console_main() -> None:
    """Entry point of the ``gitops-guard`` console script."""
    # The cyclic collector's default (a pass every 700 new objects, each pass walking every
    # young object kept alive) is tuned for programs that churn; a report keeps hundreds of
    # thousands of acyclic records alive and spent a quarter of a warm run in collection.
    # Reference counting still frees everything at once; cycles are only collected later.
    # Set here, for the process the script is, so in-process callers keep Python's defaults.
    gc.set_threshold(100_000, 20, 10)
    raise SystemExit(main())
