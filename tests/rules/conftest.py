"""Rule tests: YAML in, ``[(line, column, rule)]`` out."""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gitops_guard.engine.run import run_rules
from gitops_guard.extract.inventory import extract
from gitops_guard.model import Report
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.policies import IMAGE_RULES_POLICY

TODAY = datetime.date(2026, 6, 1)


def pod(image: str, name: str = "p") -> str:
    """A one-container Pod manifest; the image is on line 7, column 14."""
    return textwrap.dedent(
        f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
          containers:
            - image: {image}
              name: main
        """
    )


Check = Callable[..., Report]


@pytest.fixture
def check(tmp_path: Path) -> Check:
    """Write files (a string is a Pod manifest's image in dev, staging or prod) and check."""

    def runner(
        files: Mapping[str, str],
        *,
        policy: str | None = IMAGE_RULES_POLICY,
        paths: list[str] | None = None,
        today: datetime.date = TODAY,
    ) -> Report:
        write_files(tmp_path, files)
        parsed = parse_policy(policy.encode()) if policy is not None else default_policy()
        inventory = extract(DiskSource(tmp_path), parsed, paths)
        return run_rules(inventory, parsed, today=today)

    return runner


def located(report: Report, rule: str | None = None) -> list[tuple[int, int, str]]:
    """(line, column, rule) of every finding, optionally of one rule."""
    return [
        (f.location.line, f.location.column, f.rule)
        for f in report.findings
        if rule is None or f.rule == rule
    ]
