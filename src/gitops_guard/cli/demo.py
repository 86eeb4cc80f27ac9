"""``gitops-guard demo``: the whole product on an embedded sample repository."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
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
def demo(directory: Path | None, reports: Path) -> int:
    """Build a sample GitOps repository with a promotion history and run the tool on it."""
    from gitops_guard.demo.tour import run_demo

    return run_demo(directory, echo=click.echo, reports=reports)
