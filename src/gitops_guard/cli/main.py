"""The command line: parse arguments, call the library, print, pick the exit code.

This is the only module that reads argv or the environment, prints, or decides exit
codes. A command's module is imported when that command is run (or listed by ``--help``
or shell completion), and heavy modules inside the commands that need them, so
``gitops-guard --version`` and the pre-commit path start fast.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

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


# Command name → "module:attribute" of its click command, one module per command family;
# each imports only click at module level. tests/cli/test_imports.py checks the names.
COMMANDS: Mapping[str, str] = {
    "at": "gitops_guard.cli.report:at",
    "check": "gitops_guard.cli.findings:check",
    "check-policy": "gitops_guard.cli.policy:check_policy",
    "demo": "gitops_guard.cli.demo:demo",
    "explain": "gitops_guard.cli.explain:explain",
    "hook": "gitops_guard.cli.hooks:hook",
    "images": "gitops_guard.cli.inventory:images",
    "init": "gitops_guard.cli.policy:init",
    "install-hooks": "gitops_guard.cli.hooks:install_hooks",
    "pin": "gitops_guard.cli.supply:pin",
    "plan": "gitops_guard.cli.plan:plan",
    "promote": "gitops_guard.cli.promote:promote",
    "report": "gitops_guard.cli.report:report",
    "rules": "gitops_guard.cli.policy:rules",
    "schema": "gitops_guard.cli.policy:schema",
    "validate": "gitops_guard.cli.findings:validate",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported when first asked for.

    click's documented pattern for lazy subcommands: ``list_commands`` names every
    command without importing it, ``get_command`` imports the one asked for (then keeps
    it). ``--help`` asks for each command's short help, so it imports them all, as does
    completing a command name; running a command imports its own module only.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            # click 8.4+ suggests a close name from the commands imported so far (none):
            # suggest from every command instead, as before the group was lazy.
            if _NO_SUCH_COMMAND is None or not isinstance(exc, _NO_SUCH_COMMAND):
                raise
            name = str(getattr(exc, "command_name", args[0]))
            raise _NO_SUCH_COMMAND(name, possibilities=self.list_commands(ctx), ctx=ctx) from None


# click.exceptions.NoSuchCommand (click 8.4+; older versions fail without suggestions).
_NO_SUCH_COMMAND: Any = getattr(click.exceptions, "NoSuchCommand", None)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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


# Reports and findings reach stdout whole or not at all (cli.options.echo_whole), and
# files given with --out/--output are written whole or not at all.
_INCOMPLETE = " (reports and findings are written whole or not at all)"


def console_main() -> None:
    """Entry point of the ``gitops-guard`` console script."""
    # The cyclic collector's default (a pass every 700 new objects, each pass walking every
    # young object kept alive) is tuned for programs that churn; a report keeps hundreds of
    # thousands of acyclic records alive and spent a quarter of a warm run in collection.
    # Reference counting still frees everything at once; cycles are only collected later.
    # Set here, for the process the script is, so in-process callers keep Python's defaults.
    gc.set_threshold(100_000, 20, 10)
    raise SystemExit(main())
