"""``images``: the inventory of every image use."""

from __future__ import annotations

from pathlib import Path

import click

from gitops_guard.cli.options import (
    _open,
    _write_output,
    console,
    workspace_options,
)
from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


@click.command()
@click.argument("paths", nargs=-1)
@workspace_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table for people, or the JSON inventory (SPEC §6).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the inventory to FILE (atomically, after the run) instead of stdout.",
)
def images(
    paths: tuple[str, ...],
    repo: Path | None,
    policy_file: Path | None,
    max_file_size: str | None,
    output_format: str,
    output: Path | None,
) -> int:
    """List every image the repository deploys, with app, environment and location.

    With PATHS, only images written in (or resolved through) those files.
    """
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.workspace import select_paths

    workspace = _open(repo, policy_file, max_file_size, paths)
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
    for message in refused:
        console().warn(message)
    for message in skipped:
        console().note(message)
    for problem in inventory.problems:
        click.echo(f"{problem.location}: {problem.rule} {problem.message}", err=True)
    if refused:
        return EXIT_USAGE
    return EXIT_FINDINGS if inventory.problems else EXIT_OK
