"""Click options that several commands share (imports only click: start-up time matters)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

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


def traceback_option(function: F) -> F:
    """``--traceback``: show the full traceback on internal errors (the CLI's main reads it)."""
    return click.option(
        "--traceback", is_flag=True, help="Show the full traceback on internal errors."
    )(function)
