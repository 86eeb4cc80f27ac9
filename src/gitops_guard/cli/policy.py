"""``check-policy``, ``rules``, ``schema`` and ``init``: the policy and the rules it configures."""

from __future__ import annotations

from pathlib import Path

import click

from gitops_guard.cli.options import (
    repo_option,
)
from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK, GuardError


@click.command("check-policy")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def check_policy(files: tuple[Path, ...]) -> int:
    """Validate policy files (default: .gitops-guard.yaml of the repository).

    Each problem is printed with its file, line and key; exit 1 when one is invalid.
    This is what the `gitops-guard-policy` pre-commit hook runs.
    """
    from gitops_guard.errors import PolicyError
    from gitops_guard.policy.load import load_policy_file
    from gitops_guard.policy.model import POLICY_FILE
    from gitops_guard.repo.workspace import find_root

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
        return EXIT_FINDINGS
    click.echo(f"{len(targets)} policy file{'s' if len(targets) != 1 else ''} valid")
    return EXIT_OK


@click.command()
@click.argument("rule", required=False)
@click.option("--markdown", is_flag=True, help="Print every rule's documentation as Markdown.")
def rules(rule: str | None, markdown: bool) -> int:
    """List every rule, or explain one (by id such as GG102 or name such as mutable-tag)."""
    from gitops_guard.rules.registry import (
        RULES,
        documentation,
        find,
        info,
    )

    if markdown:
        click.echo(documentation(), nl=False)
        return EXIT_OK
    if rule is None:
        for module in RULES:
            record = info(module)
            click.echo(
                f"{record.id}  {record.name:<24} {record.severity.value:<8} {record.summary}"
            )
        return EXIT_OK
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
    return EXIT_OK


@click.command()
def schema() -> int:
    """Print the JSON Schema of .gitops-guard.yaml (for editors and CI)."""
    import json

    from gitops_guard.policy.load import schema as policy_schema

    click.echo(json.dumps(policy_schema(), indent=2))
    return EXIT_OK


@click.command()
@repo_option("Repository to write the policy into (default: the one around the current directory).")
@click.option(
    "--force", is_flag=True, help="Overwrite an existing .gitops-guard.yaml (and its baseline)."
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the policy instead of writing it.")
@click.option(
    "--no-baseline",
    "no_baseline",
    is_flag=True,
    help="Do not record the findings the repository has today in .gitops-guard-baseline.json.",
)
def init(repo: Path | None, force: bool, to_stdout: bool, no_baseline: bool) -> int:
    """Write a commented starter .gitops-guard.yaml inferred from the repository.

    Environments, layout templates, registries and the tag pattern come from what the
    repository deploys today. The repository is then validated against the new policy;
    findings that remain (latest tags, untagged images) are recorded in a baseline, so
    `validate --baseline .gitops-guard-baseline.json` passes until something new appears.
    """
    from gitops_guard.starter.write import write_starter_policy

    root = repo or Path.cwd()
    result = write_starter_policy(root, force=force, dry_run=to_stdout, baseline=not no_baseline)
    summary = result.summary(result.path.parent)
    if to_stdout:
        click.echo(result.text, nl=False)
        for line in summary:
            click.echo(f"gitops-guard: {line}", err=True)
        return EXIT_OK
    click.echo(f"wrote {result.path}: {summary[0]}")
    for line in summary[1:]:
        click.echo(line)
    return EXIT_OK
