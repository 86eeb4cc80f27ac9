"""`gitops-guard demo`: build the sample repository and run the tool on it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from gitops_guard.sample import build_sample_repository


def run_demo(directory: Path | None, echo: Callable[[str], None]) -> int:
    """Build the sample repository and show what the tool sees; returns an exit code."""
    from gitops_guard.engine import run_rules
    from gitops_guard.extract import extract
    from gitops_guard.formats import inventory_text, text
    from gitops_guard.workspace import open_workspace

    target = directory or Path(tempfile.mkdtemp(prefix="gitops-guard-demo-"))
    build_sample_repository(target)
    echo(f"Sample GitOps repository with a promotion history: {target}")
    workspace = open_workspace(target)
    inventory = extract(workspace.source, workspace.policy)

    echo("\n$ gitops-guard images")
    echo(inventory_text.render(inventory.uses, len(inventory.files)).rstrip("\n"))

    echo("\n$ gitops-guard validate")
    report = run_rules(inventory, workspace.policy)
    echo(text.render(report).rstrip("\n"))

    from gitops_guard.check import run_check
    from gitops_guard.formats import plan
    from gitops_guard.gitio import GitRepository

    echo("\n$ gitops-guard check --base HEAD~3   # the last three commits, as a pull request")
    result = run_check(GitRepository(target), "HEAD~3")
    echo(plan.render_text(result.plan).rstrip("\n"))
    echo(text.render(result.report).rstrip("\n"))

    echo(f"\nExplore it yourself: cd {target} && git log --oneline && gitops-guard validate")
    return 0
