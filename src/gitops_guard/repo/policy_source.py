"""The policy at a revision (read from its blob) and the cache folder under ``.git``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import POLICY_FILE, Policy, default_policy

if TYPE_CHECKING:
    from gitops_guard.repo.git import GitRepository


def policy_at(repo: GitRepository, revision: str) -> tuple[Policy, bytes | None]:
    """The policy of a Git revision (the defaults when it has none) and its bytes.

    A policy text that passed the schema once is remembered under the repository's
    ``gitops-guard`` folder, as for the work tree's policy.
    """
    data = repo.file_at(revision, POLICY_FILE)
    if data is None:
        return default_policy(), None
    return parse_policy(data, f"{POLICY_FILE} at {revision[:12]}", policy_cache_dir(repo)), data


def policy_cache_dir(repo: GitRepository) -> Path:
    """Where policies that passed the schema are remembered (``.git/gitops-guard``)."""
    return repo.git_dir / "gitops-guard"
