"""Fixtures of the supply-chain tests: a real registry on loopback, a pusher, test keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import require_tool
from tests.supply.helpers import LocalRegistry, Pusher, ec_key

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supply"


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    """Debian's docker-registry, started once per session; skipped locally when missing,
    a failure in CI (``CI`` set), as SUPPLY-CHAIN.md §1 asks."""
    binary = require_tool("docker-registry")
    server = LocalRegistry(binary, tmp_path_factory.mktemp("registry"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    """A registry of the test's own, which the test may stop ("registry down")."""
    binary = require_tool("docker-registry")
    server = LocalRegistry(binary, tmp_path / "own-registry")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pusher(registry: LocalRegistry) -> Iterator[Pusher]:
    client = Pusher(registry.url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def signing_key() -> ec.EllipticCurvePrivateKey:
    """The test's cosign key pair (ECDSA P-256, as `cosign generate-key-pair` makes)."""
    return ec_key()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
