"""``check-policy``, ``rules``, ``schema`` and ``init``: the policy and the rules it configures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gitops_guard.cli.options import console, repo_option
from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK, GuardError, InputError


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
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, or JSON (id, name, severities, summary, doc).",
)
@repo_option("Repository whose policy sets the severities (default: the one around the cwd).")
def rules(rule: str | None, markdown: bool, output_format: str, repo: Path | None) -> int:
    """List every rule, or explain one (by id such as GG102 or name such as mutable-tag).

    The severity shown is the one the repository's policy gives (`severity:`), with the
    default beside it when the policy changes it.
    """
    import json

    from gitops_guard.engine.run import effective_severity
    from gitops_guard.rules.registry import all_rules, documentation, find, info, plain_doc

    if markdown:
        click.echo(documentation(), nl=False)
        return EXIT_OK
    policy = _policy_for_rules(repo)
    chosen = list(all_rules())
    if rule is not None:
        found = find(rule)
        if found is None:
            raise GuardError(f"unknown rule {rule!r}{_suggestion(rule)}", hint=_RULES_HINT)
        chosen = [found]
    records = []
    for module in chosen:
        record = info(module)
        severity = effective_severity(policy, module)
        records.append(
            {
                "id": record.id,
                "name": record.name,
                "severity": severity.value if severity is not None else "off",
                "default_severity": record.severity.value,
                "summary": record.summary,
                "doc": plain_doc(record.doc),
            }
        )
    if output_format == "json":
        click.echo(json.dumps({"rules": records}, indent=2))
        return EXIT_OK
    if rule is None:
        for entry in records:
            shown = entry["severity"]
            if shown != entry["default_severity"]:
                shown = f"{shown} (default {entry['default_severity']})"
            click.echo(f"{entry['id']}  {entry['name']:<24} {shown:<8} {entry['summary']}")
        return EXIT_OK
    entry = records[0]
    if entry["severity"] != entry["default_severity"]:
        label = f"severity: {entry['severity']}, {entry['default_severity']} by default"
    else:
        label = f"default severity: {entry['default_severity']}"
    click.echo(f"{entry['id']} {entry['name']} ({label})\n")
    click.echo(entry["doc"])
    return EXIT_OK


_RULES_HINT = "`gitops-guard rules` lists every rule"


def _suggestion(wanted: str) -> str:
    """`` (did you mean 'mutable-tag'?)`` for a near-miss of a name; nothing for ids."""
    import difflib
    import re

    from gitops_guard.catalogue import RULE_NAMES

    if re.fullmatch(r"(?i)gg\d+", wanted.strip()):
        return ""  # GG999 is not a typo of GG209: ids are not spelled, they are looked up
    close = difflib.get_close_matches(wanted.strip().lower(), list(RULE_NAMES.values()), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _policy_for_rules(repo: Path | None) -> Any:
    """The policy whose severities ``rules`` shows: the repository's, else the defaults."""
    from gitops_guard.policy.model import default_policy
    from gitops_guard.repo.workspace import git_root, open_workspace

    if repo is None and git_root(Path.cwd()) is None:
        return default_policy()
    return open_workspace(repo).policy


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
    from gitops_guard.repo.workspace import git_root
    from gitops_guard.starter.write import write_starter_policy

    if repo is None and git_root(Path.cwd()) is None:
        # Like validate: outside a clone, the folder to read is named on purpose.
        raise InputError(
            f"{Path.cwd()} is not inside a Git repository",
            hint="run it in a clone of the GitOps repository, or pass --repo DIR",
        )
    root = repo or Path.cwd()
    result = write_starter_policy(root, force=force, dry_run=to_stdout, baseline=not no_baseline)
    summary = result.summary(result.path.parent)
    out = console()
    if to_stdout:
        click.echo(result.text, nl=False)
        for line in summary:
            out.note(line)
        return EXIT_OK
    out.done(f"wrote {result.path}: {summary[0]}")
    for line in summary[1:]:
        out.done(line)
    return EXIT_OK
