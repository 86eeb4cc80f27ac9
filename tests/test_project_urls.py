"""The project's links point at its own repository, named in one place.

SARIF's ``informationUri`` and ``helpUri``, the schemas' ``$id`` and the pinning examples
of the README and the CI templates all name the repository of ``[project.urls]``; nothing
points at a domain the project does not own.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from gitops_guard import REPOSITORY_URL, RULES_URL, SCHEMAS_URL

PROJECT = Path(__file__).resolve().parents[1]
SCHEMA_NAMES = (
    "policy.schema.json",
    "findings.schema.json",
    "report.schema.json",
    "plan.schema.json",
)
# Where users copy a reference to this project from: each must name REPOSITORY_URL.
PINNING_EXAMPLES = ("README.md", "action.yml", "docs/ci/gitlab-ci.yml", ".pre-commit-hooks.yaml")


def test_pyproject_names_the_repository_the_package_links_to() -> None:
    urls = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls == {"Repository": REPOSITORY_URL, "Rules": RULES_URL}
    assert f"{REPOSITORY_URL}/blob/main/docs/rules.md" == RULES_URL
    assert (PROJECT / "docs" / "rules.md").is_file()


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_ids_are_the_raw_files_of_the_repository(name: str) -> None:
    owner_and_name = REPOSITORY_URL.removeprefix("https://github.com/")
    assert f"https://raw.githubusercontent.com/{owner_and_name}/main/schemas" == SCHEMAS_URL
    for copy in (PROJECT / "schemas" / name, PROJECT / "src" / "gitops_guard" / "schemas" / name):
        assert json.loads(copy.read_text())["$id"] == f"{SCHEMAS_URL}/{name}"


def test_no_file_points_at_a_domain_the_project_does_not_own() -> None:
    unowned = "gitops-guard" + ".dev"  # spelt in two parts so this file does not match
    found = subprocess.run(
        ["git", "grep", "-l", "-F", unowned], cwd=PROJECT, capture_output=True, text=True
    )
    assert found.returncode == 1, f"{unowned} in: {found.stdout.split()}"


@pytest.mark.parametrize("path", PINNING_EXAMPLES)
def test_pinning_examples_name_this_repository(path: str) -> None:
    text = (PROJECT / path).read_text()
    owner_and_name = REPOSITORY_URL.removeprefix("https://github.com/")
    named = set(re.findall(r"(?:github\.com/|uses: )([\w.-]+/gitops-guard)\b", text))
    named |= set(re.findall(r"raw\.githubusercontent\.com/([\w.-]+/gitops-guard)/", text))
    assert named, f"{path} names no repository to pin"
    assert named == {owner_and_name}
