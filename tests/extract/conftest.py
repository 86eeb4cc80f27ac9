"""Run the extraction on a folder of files written in the test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gitops_guard.extract.inventory import (
    Inventory,
    extract,
)
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.policies import EXTRACTION_POLICY

Extract = Callable[..., Inventory]


@pytest.fixture
def run(tmp_path: Path) -> Extract:
    """Write files, extract with the sample layout (or ``policy=None`` for defaults)."""

    def runner(
        files: Mapping[str, str | bytes],
        *,
        policy: str | None = EXTRACTION_POLICY,
        paths: list[str] | None = None,
    ) -> Inventory:
        write_files(tmp_path, files)
        parsed = parse_policy(policy.encode()) if policy is not None else default_policy()
        return extract(DiskSource(tmp_path), parsed, paths)

    return runner


def summary(inventory: Inventory) -> list[tuple[str, str | None, str | None, str, str]]:
    """(location, app, env, source, reference) per use, for compact assertions."""
    return [
        (
            str(u.location),
            u.app,
            u.environment,
            u.source.value,
            str(u.reference) if u.reference else f"INVALID {u.raw}",
        )
        for u in inventory.uses
    ]
