"""The registry client's settings come from the typed ``supply_chain.registry``."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.policy.load import parse_policy
from gitops_guard.supply.registry import ClientSettings, settings_from_policy


def test_every_registry_key_reaches_the_client(tmp_path: Path) -> None:
    policy = parse_policy(
        b"version: 1\nsupply_chain:\n  registry:\n"
        b'    insecure: ["127.0.0.1:*"]\n    timeout: 5\n    max_wait: 0\n    retries: 0\n'
        b"    platform: linux/arm64\n    config: auth/config.json\n"
    )
    assert settings_from_policy(policy.supply_chain.registry, tmp_path) == ClientSettings(
        insecure=("127.0.0.1:*",),
        timeout=5.0,
        max_wait=0.0,  # zero is a setting (never wait), not "unset"
        retries=0,
        platform="linux/arm64",
        docker_config=tmp_path / "auth/config.json",
        forbidden_helper_root=tmp_path,
    )


def test_without_a_registry_section_the_client_defaults_apply(tmp_path: Path) -> None:
    policy = parse_policy(b"version: 1\nsupply_chain:\n  signatures: {keys: [k.pub]}\n")
    assert policy.supply_chain.registry is None
    assert settings_from_policy(None, tmp_path) == ClientSettings(forbidden_helper_root=tmp_path)
    assert settings_from_policy(policy.supply_chain.registry) == ClientSettings()
