"""The policy at a revision (read from its blob) and the cache folder under ``.git``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import POLICY_FILES, Policy, default_policy, policy_file_in

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gitops_guard.repo.git import GitRepository


def policy_file_at(repo: GitRepository, revision: str) -> tuple[str, bytes] | None:
    """The policy file of a Git revision — ``.gitops-guard.yaml`` or ``.gitops-guard.yml``
    — as (name, bytes); None when it has neither, an error when it has both."""
    texts = {
        name: data for name in POLICY_FILES if (data := repo.file_at(revision, name)) is not None
    }
    name = policy_file_in(texts, revision[:12])
    return (name, texts[name]) if name is not None else None


def policy_blob_in(entries: Mapping[str, str], where: str) -> tuple[str, str] | None:
    """The policy file of a tree or index listing (path → blob id) as (name, blob id)."""
    name = policy_file_in(entries, where)
    return (name, entries[name]) if name is not None else None


def policy_at(repo: GitRepository, revision: str) -> tuple[Policy, bytes | None]:
    """The policy of a Git revision (the defaults when it has none) and its bytes.

    A policy text that passed the schema once is remembered under the repository's
    ``gitops-guard`` folder, as for the work tree's policy.
    """
    found = policy_file_at(repo, revision)
    if found is None:
        return default_policy(), None
    name, data = found
    return parse_policy(data, f"{name} at {revision[:12]}", policy_cache_dir(repo)), data


def policy_cache_dir(repo: GitRepository) -> Path:
    """Where policies that passed the schema are remembered (``.git/gitops-guard``)."""
    return repo.git_dir / "gitops-guard"
