"""The typed ``supply_chain:`` block: built once when the policy is read, frozen."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from gitops_guard.errors import PolicyError
from gitops_guard.policy import model
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import SupplyChainPolicy, VulnerabilityPolicy
from tests.policy.test_load import FULL


def supply_chain(block: str) -> SupplyChainPolicy:
    text = "version: 1\nenvironments: {dev: {}, prod: {}}\nsupply_chain:\n" + textwrap.indent(
        textwrap.dedent(block), "  "
    )
    return parse_policy(text.encode()).supply_chain


def test_the_spec_example_becomes_one_dataclass_per_gate() -> None:
    policy = parse_policy(FULL.lstrip("\n").encode())
    assert policy.supply_chain == SupplyChainPolicy(
        on_unreachable="fail",
        registry=model.RegistryPolicy(environments=frozenset({"staging", "prod"})),
        signatures=model.SignaturePolicy(
            keys=("keys/cosign.pub",), environments=frozenset({"prod"})
        ),
        vulnerabilities=VulnerabilityPolicy(
            reports=("security/scans/**/*.json",),
            max={"critical": 0, "high": 3},
            environments=frozenset({"prod"}),
        ),
        provenance=model.ProvenancePolicy(
            source_repositories=("github.com/acme/*",),
            refs=("refs/heads/main", "refs/tags/v*"),
            builders=("https://github.com/slsa-framework/slsa-github-generator/*",),
            environments=frozenset({"prod"}),
        ),
    )


def test_without_the_block_every_gate_is_off() -> None:
    for policy in (parse_policy(b"version: 1\n"), model.default_policy()):
        assert policy.supply_chain == SupplyChainPolicy()
        assert not policy.supply_chain.any_enabled
        assert policy.supply_chain.gates_for("prod") == []


def test_a_gate_covers_the_environments_it_lists_and_all_when_it_lists_none() -> None:
    policy = supply_chain(
        """\
        provenance: {environments: [prod]}
        signatures: {environments: []}
        registry: {}
        """
    )
    assert policy.any_enabled
    assert policy.gates_for("dev") == ["registry"]
    assert policy.gates_for("prod") == ["registry", "provenance"]  # policy order, not file order
    assert policy.gates_for(None) == ["registry"]
    assert policy.covers("registry", None)
    assert not policy.covers("signatures", "prod")
    assert not policy.covers("vulnerabilities", "prod")


def test_registry_and_signature_settings() -> None:
    policy = supply_chain(
        """\
        on_unreachable: warn
        registry:
          insecure: ["127.0.0.1:*"]
          timeout: 5
          max_wait: 0
          retries: 0
          platform: linux/arm64
          config: auth/config.json
        signatures:
          trusted_root: keys/trusted_root.json
          identities: [{issuer: "https://token.actions.githubusercontent.com", subject: "*"}]
        """
    )
    assert policy.on_unreachable == "warn"
    assert policy.registry == model.RegistryPolicy(
        insecure=("127.0.0.1:*",),
        timeout=5.0,
        max_wait=0.0,
        retries=0,
        platform="linux/arm64",
        config="auth/config.json",
    )
    assert isinstance(policy.registry.timeout, float)
    assert policy.signatures == model.SignaturePolicy(
        trusted_root="keys/trusted_root.json",
        identities=(model.SignerIdentity("https://token.actions.githubusercontent.com", "*"),),
    )


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("vulnerabilities: {}", VulnerabilityPolicy(max={"critical": 0})),
        (
            'vulnerabilities: {reports: "scans/*.json"}',
            VulnerabilityPolicy(reports=("scans/*.json",)),
        ),
        (
            "vulnerabilities: {reports: [a.json, b.json]}",
            VulnerabilityPolicy(reports=("a.json", "b.json")),
        ),
        ("vulnerabilities: {max: {}}", VulnerabilityPolicy(max={})),
        (
            "vulnerabilities: {max: {high: 2}, attestations: true}",
            VulnerabilityPolicy(max={"high": 2}, attestations=True),
        ),
    ],
)
def test_vulnerability_reports_and_limits(block: str, expected: VulnerabilityPolicy) -> None:
    assert supply_chain(block).vulnerabilities == expected


def test_the_typed_block_cannot_be_changed() -> None:
    policy = supply_chain("vulnerabilities: {}\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.on_unreachable = "skip"  # type: ignore[misc]
    assert policy.vulnerabilities is not None
    with pytest.raises(TypeError):
        policy.vulnerabilities.max["critical"] = 9  # type: ignore[index]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "on_unreachable: later\n",
            ".gitops-guard.yaml:4:19: supply_chain.on_unreachable: the string 'later' is not "
            "allowed; expected 'fail' or 'warn' or 'skip'",
        ),
        (
            "registry: {environments: [prd]}\n",
            ".gitops-guard.yaml:4:29: supply_chain.registry.environments[0]: unknown environment "
            "'prd' (did you mean 'prod'?); declared: dev, prod",
        ),
        (
            "signatures:\n  identities: [{issuer: x}]\n",
            ".gitops-guard.yaml:5:18: supply_chain.signatures.identities[0]: missing required "
            "key 'subject'",
        ),
    ],
)
def test_a_bad_block_is_a_located_error(block: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        supply_chain(block)
    assert caught.value.message == expected
