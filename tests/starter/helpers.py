"""Run ``init`` then ``validate`` in process, as a new user would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.cli.main import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    code = main(args)
    out, err = capsys.readouterr()
    return Run(code, out, err)


def policy_of(repo: Path) -> dict[str, Any]:
    """The written policy as data (read with the tool's own loader)."""
    from gitops_guard.parse.loader import load_yaml, to_python

    loaded = load_yaml(".gitops-guard.yaml", (repo / ".gitops-guard.yaml").read_bytes())
    assert not loaded.problems, loaded.problems
    data = to_python(loaded.documents[0].root)
    assert isinstance(data, dict)
    return data


def findings(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    """``validate --format json`` under the written policy: every finding (with ``extra``
    ``--baseline FILE``, those the baseline does not hold; else the policy's own
    ``baseline:`` is left out, so every finding under it shows)."""
    if "--baseline" not in extra:
        text = (repo / ".gitops-guard.yaml").read_text()
        bare = "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith("baseline:")
        )
        without = repo / ".git" / "policy-without-its-baseline.yaml"
        without.write_text(bare)
        extra = ("--policy", str(without), *extra)
    result = run(["validate", "--repo", str(repo), "--format", "json", *extra], capsys)
    assert result.code in (0, 1), result.err
    found: list[dict[str, Any]] = json.loads(result.out)["findings"]
    return found


def images(repo: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    result = run(["images", "--repo", str(repo), "--format", "json"], capsys)
    assert result.code == 0, result.err
    found: list[dict[str, Any]] = json.loads(result.out)["images"]
    return found
