"""``gitops-guard init``: a commented starter policy inferred from the repository."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gitops_guard.errors import InputError
from gitops_guard.policy.layout import (
    COMMON_ENVIRONMENT_NAMES,
    DEFAULT_TEMPLATES,
    Layout,
)
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import (
    POLICY_FILE,
    default_policy,
)

_ORDER = {name: index for index, name in enumerate(COMMON_ENVIRONMENT_NAMES)}


@dataclass(frozen=True)
class StarterPolicy:
    """The text written, where, and a one-line summary of what was inferred."""

    path: Path
    text: str
    summary: str


def infer(root: Path) -> tuple[list[str], list[str], list[str]]:
    """Layout templates in use, environments in promotion order, and registry globs."""
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.files import DiskSource
    from gitops_guard.repo.workspace import (
        Workspace,
        find_root,
    )

    root = find_root(root)
    workspace = Workspace(root, DiskSource(root), default_policy())
    inventory = extract(workspace.source, workspace.policy)
    template_hits: Counter[str] = Counter()
    single = {t: Layout.build([t], COMMON_ENVIRONMENT_NAMES) for t in DEFAULT_TEMPLATES}
    for path in inventory.files:
        for template, layout in single.items():
            placement = layout.place(path)
            if placement.app or placement.environment:
                template_hits[template] += 1
                break
    templates = [t for t in DEFAULT_TEMPLATES if template_hits[t]]
    environments = sorted(
        {u.environment for u in inventory.uses if u.environment},
        key=lambda name: (_ORDER.get(name, len(_ORDER)), name),
    )
    registries: Counter[str] = Counter()
    for use in inventory.uses:
        if use.reference is None:
            continue
        owner = use.reference.repository.split("/")[0]
        registries[f"{use.reference.registry}/{owner}/*"] += 1
    return templates, environments, sorted(registries)


def render_starter(templates: list[str], environments: list[str], registries: list[str]) -> str:
    """The commented policy text for what was inferred."""
    lines = [
        "# gitops-guard policy: how image promotion is checked in this repository.",
        "# Every key is documented by `gitops-guard schema`; `gitops-guard rules` lists the rules.",
        "version: 1",
        "",
        "# How a path names its app and environment; the first template that matches wins.",
        "# {app} and {env} match one path segment, * any characters in a segment, ** any segments.",
        "layout:",
    ]
    lines += [f"  - {t}" for t in templates or ["apps/{app}/overlays/{env}/**"]]
    lines += ["", "# Environments in promotion order."]
    envs = environments or ["dev", "staging", "prod"]
    lines.append("environments:")
    for index, env in enumerate(envs):
        lines.append(f"  {env}:")
        if index == 0:
            lines.append(
                "    automated: [patch, minor, major, digest]   # what bots may change here"
            )
            continue
        lines.append(f"    from: {envs[index - 1]}  # a version must have run there first")
        if index == len(envs) - 1:
            lines += [
                "    soak: 24h  # ... for at least this long",
                "    automated: []  # every change here is a person's commit",
                "    require_digest: true  # images pinned by digest",
                "    allow_prerelease: false",
            ]
        else:
            lines.append("    automated: [patch]")
    lines += [
        "",
        "# Author names or emails of bots (`*` is the only wildcard).",
        'bots: ["argocd-image-updater*", "*[bot]"]',
        "# A commit trailer that marks a deliberate downgrade, e.g. 'Rollback: INC-42'.",
        "rollback_trailer: Rollback",
        "",
        "images:",
    ]
    if registries:
        lines.append(
            "  # Registries and repositories images may come from (globs), as found today."
        )
        lines.append("  registries:")
        lines += [f'    - "{r}"' for r in registries]
    lines += [
        "  forbidden_tags: [latest, main, master, stable, edge]",
        "  # Tags must look like versions (RE2 syntax).",
        "  tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$'",
        "",
        "annotations:",
        f"  require_git_write_back: [{', '.join(envs[1:])}]",
        "  forbidden_strategies:",
        f"    {envs[-1]}: [newest-build, latest, alphabetical, name]",
        "",
    ]
    return "\n".join(lines)


def write_starter_policy(
    directory: Path, *, force: bool = False, dry_run: bool = False
) -> StarterPolicy:
    """Infer and write ``.gitops-guard.yaml``; refuses to overwrite one unless ``force``."""
    from gitops_guard.repo.atomic import write_atomically
    from gitops_guard.repo.workspace import find_root

    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    root = find_root(directory)
    target = root / POLICY_FILE
    if target.exists() and not force and not dry_run:
        raise InputError(
            f"{target} already exists; not overwritten",
            hint="use --force to replace it, or --stdout to see the proposal",
        )
    templates, environments, registries = infer(root)
    text = render_starter(templates, environments, registries)
    parse_policy(text.encode("utf-8"), POLICY_FILE)  # what we write must be valid
    if not dry_run:
        write_atomically(target, text)
    summary = (
        f"{len(templates)} layout templates, environments "
        f"{' → '.join(environments) if environments else 'dev → staging → prod (none found)'}, "
        f"{len(registries)} registries"
    )
    return StarterPolicy(target, text, summary)
