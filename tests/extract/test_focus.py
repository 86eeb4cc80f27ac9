"""Extracting for a few files (the hook case) gives exactly the full extraction's uses for them."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.extract.inventory import concerns, extract
from gitops_guard.policy.load import load_policy_file
from gitops_guard.repo.files import DiskSource


def key(use) -> tuple[str, str, str | None, str]:  # type: ignore[no-untyped-def]
    return (str(use.location), use.raw, use.environment, use.source.value)


def test_each_file_alone_yields_what_the_full_run_says_about_it(sample: Path) -> None:
    policy = load_policy_file(sample / ".gitops-guard.yaml")
    source = DiskSource(sample)
    full = extract(source, policy)
    assert full.files
    for path in full.files:
        # A file judges what it is part of deploying: uses written in it, and every use
        # of an overlay whose build reads it (a kustomization, a patch, a base file).
        # An Application file judges what its sources deploy.
        expected = sorted(key(u) for u in full.uses if concerns(u, {path}, full.applications))
        focused = extract(DiskSource(sample), policy, [path])
        assert sorted(key(u) for u in focused.uses) == expected, path
