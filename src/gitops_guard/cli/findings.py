"""``validate`` and ``check``: the commands that print findings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gitops_guard.cli.options import (
    _emit_report,
    _open,
    console,
    findings_output_options,
    now_option,
    replay_mode,
    repo_option,
    workspace_options,
)
from gitops_guard.errors import EXIT_OK, EXIT_USAGE, InputError
from gitops_guard.words import count

if TYPE_CHECKING:
    import datetime


@click.command()
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
@click.option("--supply-chain", is_flag=True, help="Also run the supply-chain gates GG501-GG507.")
@click.option(
    "--offline",
    is_flag=True,
    help="No network: gates that need the registry are reported as not checked.",
)
@now_option
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
    now: datetime.datetime | None,
) -> int:
    """Check manifests against the policy: the given files, or the whole repository.

    With PATHS (what the pre-commit hook passes), exactly those files are checked,
    with what they need around them: a Kustomize base is checked in the environments
    of the overlays that include it.
    """
    from gitops_guard.engine.baseline import (
        load_baseline,
        render_baseline,
    )
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.workspace import select_paths

    workspace = _open(repo, policy_file, max_file_size, paths)
    if baseline is None and workspace.policy.baseline is not None:
        baseline = workspace.root / workspace.policy.baseline  # the policy names one
        if write_baseline is None and not baseline.is_file():
            raise InputError(
                f"the policy's baseline {workspace.policy.baseline} does not exist",
                hint="write it with `gitops-guard validate --write-baseline "
                f"{workspace.policy.baseline}`, or remove `baseline:` from the policy",
            )
    known = load_baseline(baseline) if baseline is not None and write_baseline is None else None
    selected: list[str] | None = None
    refused: list[str] = []
    if paths:
        selection = select_paths(workspace, paths)
        selected, refused = selection.files, selection.refused
        for message in selection.refused:
            console().warn(message)
        for message in selection.skipped:
            console().note(message)
        if refused and not selected:
            # A summary of "no problems in 0 files" would read as a pass.
            console().warn("nothing was checked")
            return EXIT_USAGE
    inventory = extract(workspace.source, workspace.policy, selected)
    console().detail(
        f"read {count(len(inventory.files), 'YAML file')}: "
        f"{count(len(inventory.uses), 'image use')}"
    )
    extra = []
    if supply_chain:
        from gitops_guard.supply.gates import supply_findings

        extra = supply_findings(
            inventory, workspace.policy, workspace.root, offline=offline, now=now
        )
    report = run_rules(inventory, workspace.policy, baseline=known, extra=extra)
    if write_baseline is not None:
        from gitops_guard.repo.atomic import write_atomically

        write_atomically(write_baseline, render_baseline(report.findings))
        console().done(
            f"wrote {count(len(report.findings), 'finding')} to the baseline {write_baseline}"
        )
        return EXIT_OK
    code = _emit_report(report, output_format, output, fail_on, reports)
    # Paths outside the repository or missing: the others were checked, the run was not whole.
    return EXIT_USAGE if refused else code


@click.command()
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
@click.option(
    "--baseline",
    metavar="PATH",
    default=None,
    help="Baseline file (a repository path) whose findings do not fail the check, read as "
    "it is at BASE (default: the policy's `baseline`); entries the range adds are GG307.",
)
@now_option
@repo_option("Repository to check (default: the one around the current directory).")
@findings_output_options
def check(
    base: str,
    head: str,
    direct: bool,
    offline: bool,
    now: datetime.datetime | None,
    repo: Path | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    reports: list[tuple[str, Path]],
    baseline: str | None,
) -> int:
    """The PR check: validate what changed in BASE..HEAD and judge every promotion in it.

    The range is judged by the policy at BASE, never by a policy it brings along.
    """
    from gitops_guard.gate.check import run_check
    from gitops_guard.repo.git import GitRepository

    result = run_check(
        GitRepository(repo or Path.cwd()),
        base,
        head,
        direct=direct,
        offline=offline,
        mode=replay_mode(),
        baseline=baseline,
        now=now,
    )
    return _emit_report(result.report, output_format, output, fail_on, reports, result)
