"""Fixtures of the attack tests: the realistic repository on a real server, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.attack_repo import Setup, build_setup


@pytest.fixture(scope="session")
def attack_template(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return build_setup(tmp_path_factory.mktemp("attack-template"))


@pytest.fixture
def setup(attack_template: Setup, tmp_path: Path) -> Setup:
    """A copy of the server and of a contributor's clone, for one test to attack."""
    return build_setup(tmp_path / "attack", attack_template)
