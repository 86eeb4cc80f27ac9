"""The repository a command works on: its root, its files and its policy."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.errors import InputError
from gitops_guard.policy.load import (
    find_policy,
    load_policy_file,
)
from gitops_guard.policy.model import (
    POLICY_FILE,
    Policy,
    default_policy,
)
from gitops_guard.repo.files import (
    DiskSource,
    is_manifest_path,
)


def git_root(start: Path) -> Path | None:
    """The Git work tree containing ``start``, or None outside one."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def find_root(start: Path) -> Path:
    """The Git work tree containing ``start``, else ``start`` itself."""
    return git_root(start) or start.resolve()


@dataclass
class Workspace:
    """A repository on disk with its policy; ``notes`` are one-time remarks for stderr."""

    root: Path
    source: DiskSource
    policy: Policy
    notes: list[str] = field(default_factory=list)


def open_workspace(
    repo: Path | None = None,
    policy_file: Path | None = None,
    max_file_size: int | None = None,
    *,
    anywhere: bool = False,
) -> Workspace:
    """Find the repository and load its policy (or the safe defaults, with a note).

    Outside a Git repository a command would read the current folder and everything
    under it: that needs ``repo`` (a folder named on purpose) or ``anywhere`` (the
    caller was given the files to read). Raises InputError otherwise.
    """
    if repo is None and not anywhere and git_root(Path.cwd()) is None:
        raise InputError(
            f"{Path.cwd()} is not inside a Git repository",
            hint="run it in a clone of the GitOps repository, pass --repo DIR, "
            "or name the files to check",
        )
    root = find_root(repo or Path.cwd())
    if repo is not None and not repo.is_dir():
        raise InputError(f"{repo}: not a directory")
    notes: list[str] = []
    path = policy_file or find_policy(root)
    if policy_file is not None and not policy_file.is_file():
        raise InputError(f"{policy_file}: policy file not found")
    if path is None:
        policy = default_policy()
        notes.append(
            f"no {POLICY_FILE} in {root}; using safe defaults "
            "(no latest, no untagged images, valid references and annotations). "
            "`gitops-guard init` writes a starter policy."
        )
    else:
        display = _display(path, root)
        git_dir = root / ".git"
        cache = git_dir / "gitops-guard" if git_dir.is_dir() else None
        policy = load_policy_file(path, display, cache)
    if max_file_size is not None:
        from dataclasses import replace

        policy = replace(policy, max_file_size=max_file_size)
    return Workspace(root, DiskSource(root), policy, notes)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@dataclass
class Selection:
    """Repository-relative files chosen from command-line paths.

    ``refused`` are paths that could not be used (outside the repository, missing);
    ``skipped`` are files that are not YAML, which a hook may pass along harmlessly.
    """

    files: list[str]
    refused: list[str]
    skipped: list[str] = field(default_factory=list)


def select_paths(workspace: Workspace, paths: Iterable[str], cwd: Path | None = None) -> Selection:
    """Turn command-line paths into repository files; directories expand to their YAML files.

    A path outside the repository, a missing path or a non-YAML file is refused with a
    message, and the other paths are still used.
    """
    base = (cwd or Path.cwd()).resolve()
    root = workspace.root
    listing = workspace.source.list_files()
    files: list[str] = []
    refused: list[str] = []
    skipped: list[str] = []
    for given in paths:
        absolute = Path(os.path.abspath(base / given))
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError:
            refused.append(f"{given}: outside the repository {root}; not checked")
            continue
        if relative == ".":
            relative = ""
        if absolute.is_dir():
            prefix = f"{relative}/" if relative else ""
            files.extend(p for p in listing if p.startswith(prefix) and is_manifest_path(p))
        elif not absolute.exists() and not absolute.is_symlink():
            refused.append(f"{given}: no such file; not checked")
        elif not is_manifest_path(relative):
            skipped.append(
                f"{given}: not a manifest file (*.yaml, *.yml, *.json, Kustomization); not checked"
            )
        else:
            files.append(relative)
    return Selection(sorted(dict.fromkeys(files)), refused, skipped)
