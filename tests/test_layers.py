"""The import contracts: the pipeline's layers hold, and an upward import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(PROJECT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", copy)
    assert _lint(copy).returncode == 0, _lint(copy).stdout

    # The policy diff reaching up into the gate: policy sits below every stage that judges.
    diff = copy / "src" / "gitops_guard" / "policy" / "diff.py"
    diff.write_text(diff.read_text() + "\nfrom gitops_guard.gate import check  # noqa\n")
    result = _lint(copy)
    assert result.returncode != 0
    assert "gitops_guard.policy.diff -> gitops_guard.gate.check" in result.stdout
