"""GG501–GG506 end to end against a real registry (Debian's docker-registry on loopback).

Images are pushed by the pure-Python helper, signed in cosign's layout with a test key,
attested with DSSE, scanned by reports written into a temporary repository.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gitops_guard.errors import GuardError, PolicyError
from gitops_guard.imageref import parse_reference
from gitops_guard.model import Finding, ImageUse, Location, Severity, Source
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import Policy
from gitops_guard.supply.gates import run_gates
from gitops_guard.supply.registry import (
    ClientSettings,
    RegistryClient,
)
from tests.supply.helpers import (
    SLSA_V02,
    LocalRegistry,
    Pusher,
    RateLimitProxy,
    cosign_attest,
    cosign_sign,
    ec_key,
    public_pem,
    rsa_key,
    slsa,
    statement,
)

VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"


def policy(supply: str, environments: str = "{dev: {}, prod: {}}") -> Policy:
    text = f"version: 1\nenvironments: {environments}\nsupply_chain:\n" + textwrap.indent(
        textwrap.dedent(supply).strip(), "  "
    )
    return parse_policy(text.encode())


def use(
    raw: str, env: str = "prod", line: int = 1, path: str = "apps/api/prod/deploy.yaml"
) -> ImageUse:
    return ImageUse(
        Location(path, line, 16),
        Source.CONTAINER,
        raw,
        parse_reference(raw),
        app="api",
        environment=env,
        resource="Deployment/api",
        container="api",
    )


def located(findings: Sequence[Finding]) -> list[tuple[int, str]]:
    return sorted((f.location.line, f.rule) for f in findings)


@pytest.fixture
def repo(tmp_path: Path, signing_key: ec.EllipticCurvePrivateKey) -> Path:
    root = tmp_path / "repo"
    (root / "keys").mkdir(parents=True)
    (root / "keys" / "cosign.pub").write_bytes(public_pem(signing_key))
    return root


REGISTRY = """
on_unreachable: fail
registry: {environments: [prod], insecure: ["127.0.0.1:*"]}
"""


def test_tag_missing_and_present(registry: LocalRegistry, pusher: Pusher, repo: Path) -> None:
    pusher.image("gates/exists", "1.0.0", "exists-1")
    found = run_gates(
        [
            use(f"{registry.host}/gates/exists:1.0.0", line=1),
            use(f"{registry.host}/gates/exists:1.0.1", line=2),
            use(f"{registry.host}/gates/nothing-here:1.0.0", line=3),
            use(f"{registry.host}/gates/exists:1.0.1", env="dev", line=4),  # gate is prod only
        ],
        policy(REGISTRY),
        offline=False,
        root=repo,
    )
    assert located(found) == [(2, "GG501"), (3, "GG501")]
    message = next(f.message for f in found if f.location.line == 2)
    assert "tag 1.0.1" in message
    assert "does not exist" in message
    assert all(f.environment == "prod" and f.app == "api" for f in found)


def test_digest_moved_and_deleted(registry: LocalRegistry, pusher: Pusher, repo: Path) -> None:
    old = pusher.image("gates/moving", "2.0.0", "moving-old")
    pinned_ok = f"{registry.host}/gates/moving:2.0.0@{old.digest}"
    assert run_gates([use(pinned_ok)], policy(REGISTRY), offline=False, root=repo) == []

    new = pusher.image("gates/moving", "2.0.0", "moving-new")  # the tag is re-pushed
    found = run_gates([use(pinned_ok)], policy(REGISTRY), offline=False, root=repo)
    assert located(found) == [(1, "GG502")]
    assert found[0].detail == "moved"
    assert "re-pushed" in found[0].message
    assert old.digest in (found[0].hint or "")
    assert new.digest in (found[0].hint or "")

    pusher.delete("gates/moving", old.digest)
    found = run_gates([use(pinned_ok)], policy(REGISTRY), offline=False, root=repo)
    assert located(found) == [(1, "GG502")]
    assert found[0].detail == "deleted"
    assert "deleted" in found[0].message


def test_digest_only_reference(registry: LocalRegistry, pusher: Pusher, repo: Path) -> None:
    image = pusher.image("gates/by-digest", "1", "by-digest")
    missing = "sha256:" + "0" * 64
    found = run_gates(
        [
            use(f"{registry.host}/gates/by-digest@{image.digest}", line=1),
            use(f"{registry.host}/gates/by-digest@{missing}", line=2),
        ],
        policy(REGISTRY),
        offline=False,
        root=repo,
    )
    assert located(found) == [(2, "GG501")]


def test_one_head_per_image_when_pinned(
    registry: LocalRegistry, pusher: Pusher, repo: Path
) -> None:
    image = pusher.image("gates/once", "1.0.0", "once")
    ref = f"{registry.host}/gates/once:1.0.0@{image.digest}"
    client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",)))
    uses = [use(ref, line=n) for n in range(1, 6)]
    assert run_gates(uses, policy(REGISTRY), offline=False, root=repo, client=client) == []
    assert dict(client.stats) == {"HEAD": 1}
    client.close()


SIGNED = """
registry: {environments: [prod], insecure: ["127.0.0.1:*"]}
signatures: {environments: [prod], keys: [keys/cosign.pub]}
"""


def test_signatures(
    registry: LocalRegistry, pusher: Pusher, repo: Path, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    signed = pusher.image("gates/signed", "1.0.0", "signed")
    unsigned = pusher.image("gates/signed", "1.0.1", "unsigned")
    other = pusher.image("gates/signed", "1.0.2", "other-key")
    wrong_digest = pusher.image("gates/signed", "1.0.3", "wrong-digest")
    cosign_sign(pusher, "gates/signed", signed.digest, [ec_key(), signing_key])  # 2 layers
    cosign_sign(pusher, "gates/signed", other.digest, [ec_key()])
    # A valid signature by the trusted key, but over another image's digest.
    cosign_sign(
        pusher, "gates/signed", wrong_digest.digest, [signing_key], payload_digest=signed.digest
    )
    host = registry.host
    found = run_gates(
        [
            use(f"{host}/gates/signed:1.0.0", line=1),
            use(f"{host}/gates/signed:1.0.1@{unsigned.digest}", line=2),
            use(f"{host}/gates/signed:1.0.2", line=3),
            use(f"{host}/gates/signed:1.0.3", line=4),
        ],
        policy(SIGNED),
        offline=False,
        root=repo,
    )
    assert located(found) == [(2, "GG503"), (3, "GG503"), (4, "GG503")]
    by_line = {f.location.line: f for f in found}
    assert "is not signed" in by_line[2].message
    assert "not signed by any trusted key" in by_line[3].message
    assert f"the signature is for {signed.digest}" in by_line[4].message
    assert "keys/cosign.pub" in (by_line[3].hint or "")


def test_rsa_key(registry: LocalRegistry, pusher: Pusher, tmp_path: Path) -> None:
    key = rsa_key()
    root = tmp_path / "rsa"
    (root / "keys").mkdir(parents=True)
    (root / "keys" / "cosign.pub").write_bytes(public_pem(key))
    image = pusher.image("gates/rsa", "1.0.0", "rsa")
    cosign_sign(pusher, "gates/rsa", image.digest, [key])
    assert (
        run_gates(
            [use(f"{registry.host}/gates/rsa:1.0.0")], policy(SIGNED), offline=False, root=root
        )
        == []
    )


def test_invalid_key_file_is_a_clear_error(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    root = tmp_path / "bad"
    (root / "keys").mkdir(parents=True)
    (root / "keys" / "cosign.pub").write_text("not a key\n")
    pusher.image("gates/badkey", "1.0.0", "badkey")
    with pytest.raises(GuardError, match=re.escape("keys/cosign.pub: not a valid public key")):
        run_gates(
            [use(f"{registry.host}/gates/badkey:1.0.0")], policy(SIGNED), offline=False, root=root
        )
    (root / "keys" / "cosign.pub").unlink()
    with pytest.raises(PolicyError, match="does not exist"):
        run_gates(
            [use(f"{registry.host}/gates/badkey:1.0.0")], policy(SIGNED), offline=False, root=root
        )


def test_trust_comes_from_the_trusted_reader(
    registry: LocalRegistry, pusher: Pusher, repo: Path, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    """`check` reads keys at the base revision: a key the change brings along is not used."""
    image = pusher.image("gates/base-key", "1.0.0", "base-key")
    attacker = ec_key()
    cosign_sign(pusher, "gates/base-key", image.digest, [attacker])
    (repo / "keys" / "cosign.pub").write_bytes(public_pem(attacker))  # the change swaps the key
    base_key = public_pem(signing_key)
    found = run_gates(
        [use(f"{registry.host}/gates/base-key:1.0.0")],
        policy(SIGNED),
        offline=False,
        root=repo,
        read_trusted=lambda path: base_key,
    )
    assert located(found) == [(1, "GG503")]


def write_trivy(path: Path, digest: str, criticals: int, highs: int = 0) -> None:
    vulnerabilities = [
        {"VulnerabilityID": f"CVE-2026-{n:04d}", "PkgID": f"pkg{n}@1", "Severity": "CRITICAL"}
        for n in range(criticals)
    ] + [
        {"VulnerabilityID": f"CVE-2026-9{n:03d}", "PkgID": f"lib{n}@1", "Severity": "HIGH"}
        for n in range(highs)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "SchemaVersion": 2,
                "ArtifactName": f"registry.example.com/x@{digest}",
                "ArtifactType": "container_image",
                "Metadata": {"RepoDigests": [f"registry.example.com/x@{digest}"]},
                "Results": [{"Target": "x", "Vulnerabilities": vulnerabilities}],
            }
        )
    )


SCANNED = """
vulnerabilities:
  environments: [prod]
  reports: "security/scans/**/*.json"
  max: {critical: 0, high: 1}
"""


def test_vulnerability_threshold(registry: LocalRegistry, pusher: Pusher, repo: Path) -> None:
    clean = pusher.image("gates/scanned", "1.0.0", "clean")
    bad = pusher.image("gates/scanned", "1.0.1", "critical")
    unscanned = pusher.image("gates/scanned", "1.0.2", "unscanned")
    write_trivy(repo / "security/scans/clean.json", clean.digest, 0, highs=1)
    write_trivy(repo / "security/scans/team/bad.json", bad.digest, 2, highs=3)
    write_trivy(repo / "security/scans/other.json", "sha256:" + "1" * 64, 5)  # another image
    host = registry.host
    found = run_gates(
        [
            use(f"{host}/gates/scanned:1.0.0@{clean.digest}", line=1),
            use(f"{host}/gates/scanned:1.0.1@{bad.digest}", line=2),
            use(f"{host}/gates/scanned:1.0.2@{unscanned.digest}", line=3),
            use(f"{host}/gates/scanned:1.0.1", line=4),  # resolved through the registry
        ],
        policy(SCANNED + 'registry: {insecure: ["127.0.0.1:*"], environments: [prod]}'),
        offline=False,
        root=repo,
    )
    assert located(found) == [(2, "GG504"), (3, "GG504"), (4, "GG504")]
    by_line = {f.location.line: f for f in found}
    assert "2 critical (at most 0 allowed: CVE-2026-0000, CVE-2026-0001)" in by_line[2].message
    assert "3 high (at most 1 allowed" in by_line[2].message
    assert "no vulnerability report names" in by_line[3].message


def test_vulnerabilities_offline_use_pinned_digests(repo: Path) -> None:
    digest = "sha256:" + "2" * 64
    write_trivy(repo / "security/scans/a.json", digest, 1)
    found = run_gates(
        [
            use(f"registry.example.com/team/api:1.0.0@{digest}", line=1),
            use("registry.example.com/team/api:1.0.0", line=2),
        ],
        policy(SCANNED),
        offline=True,
        root=repo,
    )
    assert located(found) == [(1, "GG504"), (2, "GG506")]
    assert found[1].severity is Severity.WARNING
    assert "not checked (offline)" in found[1].message


def test_broken_report_is_a_finding_at_its_path(repo: Path) -> None:
    digest = "sha256:" + "3" * 64
    write_trivy(repo / "security/scans/good.json", digest, 0)
    (repo / "security/scans/broken.json").write_text('{"SchemaVersion": 2, "Results": [')
    (repo / "security/scans/odd.json").write_text('{"hello": "world"}')
    found = run_gates(
        [use(f"registry.example.com/team/api:1.0.0@{digest}")],
        policy(SCANNED),
        offline=True,
        root=repo,
    )
    assert sorted((f.location.path, f.rule) for f in found) == [
        ("security/scans/broken.json", "GG504"),
        ("security/scans/odd.json", "GG504"),
    ]
    assert "not JSON" in found[0].message or "not JSON" in found[1].message


def test_vulnerability_attestation(
    registry: LocalRegistry, pusher: Pusher, repo: Path, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    image = pusher.image("gates/vuln-att", "1.0.0", "vuln-att")
    trivy = {
        "SchemaVersion": 2,
        "ArtifactName": "x",
        "Results": [
            {"Vulnerabilities": [{"VulnerabilityID": "CVE-2026-1", "Severity": "CRITICAL"}]}
        ],
    }
    predicate = {
        "invocation": {},
        "scanner": {"uri": "pkg:github/aquasecurity/trivy", "version": "0.50", "result": trivy},
        "metadata": {
            "scanStartedOn": "2026-01-01T00:00:00Z",
            "scanFinishedOn": "2026-01-01T00:01:00Z",
        },
    }
    cosign_attest(
        pusher,
        "gates/vuln-att",
        image.digest,
        signing_key,
        [statement(image.digest, VULN, predicate)],
    )
    supply = """
    signatures: {environments: [staging], keys: [keys/cosign.pub]}
    registry: {insecure: ["127.0.0.1:*"], environments: [staging]}
    vulnerabilities: {environments: [prod], attestations: true, max: {critical: 0}}
    """
    found = run_gates(
        [use(f"{registry.host}/gates/vuln-att:1.0.0@{image.digest}")],
        policy(supply, "{dev: {}, staging: {}, prod: {}}"),
        offline=False,
        root=repo,
    )
    assert located(found) == [(1, "GG504")]
    assert "1 critical" in found[0].message
    assert "attestation signed by key keys/cosign.pub" in (found[0].hint or "")


PROVENANCE = """
registry: {insecure: ["127.0.0.1:*"], environments: [prod]}
signatures: {environments: [staging], keys: [keys/cosign.pub]}
provenance:
  environments: [prod]
  source_repositories: ["github.com/acme/*"]
  refs: ["refs/heads/main", "refs/tags/v*"]
  builders: ["https://github.com/slsa-framework/slsa-github-generator/*"]
"""


def test_provenance(
    registry: LocalRegistry, pusher: Pusher, repo: Path, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    name = "gates/built"
    released = pusher.image(name, "1.0.0", "released")
    feature = pusher.image(name, "1.1.0-rc1", "feature")
    foreign = pusher.image(name, "1.0.1", "foreign")
    handmade = pusher.image(name, "1.0.2", "handmade")
    pusher.image(name, "1.0.3", "no-provenance")
    forged = pusher.image(name, "1.0.4", "forged")
    for image, predicate in (
        (released, slsa("refs/tags/v1.0.0")),
        (feature, slsa("refs/heads/feature/login")),
        (foreign, slsa("refs/heads/main", repository="github.com/evil/api")),
        (handmade, slsa("refs/heads/main", builder="https://ci.example.com/laptop")),
    ):
        cosign_attest(
            pusher, name, image.digest, signing_key, [statement(image.digest, SLSA_V02, predicate)]
        )
    cosign_attest(
        pusher,
        name,
        forged.digest,
        ec_key(),
        [statement(forged.digest, SLSA_V02, slsa("refs/heads/main"))],
    )
    uses = [
        use(f"{registry.host}/{name}:{tag}", line=n)
        for n, tag in enumerate(["1.0.0", "1.1.0-rc1", "1.0.1", "1.0.2", "1.0.3", "1.0.4"], 1)
    ]
    found = run_gates(
        uses, policy(PROVENANCE, "{dev: {}, staging: {}, prod: {}}"), offline=False, root=repo
    )
    assert located(found) == [(2, "GG505"), (3, "GG505"), (4, "GG505"), (5, "GG505"), (6, "GG505")]
    by_line = {f.location.line: f.message for f in found}
    assert (
        "built from ref refs/heads/feature/login, expected refs/heads/main, refs/tags/v*"
        in by_line[2]
    )
    assert "built from github.com/evil/api, expected github.com/acme/*" in by_line[3]
    assert "built by https://ci.example.com/laptop" in by_line[4]
    assert "no verifiable SLSA provenance" in by_line[5]
    assert "not signed by any trusted key" in by_line[6]


def gates_policy_for(on_unreachable: str) -> Policy:
    return policy(
        f"""
        on_unreachable: {on_unreachable}
        registry: {{environments: [prod], insecure: ["127.0.0.1:*"]}}
        signatures: {{environments: [prod], keys: [keys/cosign.pub]}}
        """
    )


@pytest.mark.parametrize(
    ("on_unreachable", "expected"),
    [("fail", [Severity.ERROR]), ("warn", [Severity.WARNING]), ("skip", [])],
)
def test_registry_down_mid_run(
    own_registry: LocalRegistry,
    repo: Path,
    signing_key: ec.EllipticCurvePrivateKey,
    on_unreachable: str,
    expected: list[Severity],
) -> None:
    pusher = Pusher(own_registry.url)
    image = pusher.image("down/app", "1.0.0", "down")
    cosign_sign(pusher, "down/app", image.digest, [signing_key])
    pusher.close()
    uses = [use(f"{own_registry.host}/down/app:1.0.0")]
    assert run_gates(uses, gates_policy_for(on_unreachable), offline=False, root=repo) == []
    own_registry.stop()
    found = run_gates(uses, gates_policy_for(on_unreachable), offline=False, root=repo)
    assert [f.severity for f in found] == expected
    assert all(f.rule == "GG506" and "registry, signatures not checked" in f.message for f in found)
    assert all("unreachable" in f.message for f in found)


def test_offline_reports_not_checked_never_passed(repo: Path) -> None:
    found = run_gates(
        [
            use("registry.example.com/team/api:1.0.0"),
            use("registry.example.com/team/api:1.0.0", env="dev", line=2),
        ],
        gates_policy_for("skip"),
        offline=True,
        root=repo,
    )
    assert [(f.location.line, f.rule, f.severity) for f in found] == [
        (1, "GG506", Severity.WARNING)
    ]
    assert "registry, signatures not checked (offline)" in found[0].message


def test_rate_limited_then_served(registry: LocalRegistry, pusher: Pusher, repo: Path) -> None:
    image = pusher.image("limited/app", "1.0.0", "limited")
    waits: list[float] = []
    with RateLimitProxy(registry.port, failures=2, retry_after="1", remaining=5) as proxy:
        client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",)), sleep=waits.append)
        found = run_gates(
            [use(f"{proxy.host}/limited/app:1.0.0@{image.digest}")],
            policy(REGISTRY),
            offline=False,
            root=repo,
            client=client,
        )
        client.close()
    assert waits == [1.0, 1.0]  # Retry-After honoured
    # Served on the third try; the quota header (5 of 100 left) is surfaced as a warning.
    assert [(f.rule, f.severity, f.detail) for f in found] == [("GG506", Severity.WARNING, "quota")]
    assert "5 of 100 requests left per 6h" in found[0].message


def test_rate_limited_beyond_the_wait_budget(registry: LocalRegistry, repo: Path) -> None:
    waits: list[float] = []
    with RateLimitProxy(registry.port, failures=100, retry_after="20") as proxy:
        client = RegistryClient(
            ClientSettings(insecure=("127.0.0.1:*",), max_wait=30), sleep=waits.append
        )
        found = run_gates(
            [use(f"{proxy.host}/limited/app:1.0.0")],
            gates_policy_for("fail"),
            offline=False,
            root=repo,
            client=client,
        )
        client.close()
    assert waits == [20.0]  # the second wait would exceed the 30 s budget
    assert [(f.rule, f.severity, f.detail) for f in found] == [
        ("GG506", Severity.ERROR, "rate-limited")
    ]
    assert "429" in found[0].message


def test_real_timeout_is_unreachable(repo: Path) -> None:
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts, never answers
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",), timeout=0.3))
        found = run_gates(
            [use(f"{host}/slow/app:1.0.0", line=n) for n in (1, 2)],
            policy(REGISTRY.replace("fail", "warn")),
            offline=False,
            root=repo,
            client=client,
        )
        client.close()
    assert [(f.rule, f.severity) for f in found] == [("GG506", Severity.WARNING)] * 2
    assert "timed out" in found[0].message


def test_multi_arch_report_and_config_digest(
    registry: LocalRegistry, pusher: Pusher, repo: Path
) -> None:
    """A scan of the platform manifest, or of the config (local scan), counts for the index."""
    amd = pusher.image("gates/multi", None, "multi-amd64", architecture="amd64")
    arm = pusher.image("gates/multi", None, "multi-arm64", architecture="arm64")
    index = pusher.index("gates/multi", "1.0.0", [(amd, "linux/amd64"), (arm, "linux/arm64")])
    local = pusher.image("gates/local", "1.0.0", "local-scan")
    write_trivy(repo / "security/scans/multi.json", amd.digest, 1)
    config = json.loads(local.body)["config"]["digest"]
    (repo / "security/scans/local.json").write_text(
        json.dumps(
            {
                "SchemaVersion": 2,
                "ArtifactName": "local.tar",
                "Metadata": {"ImageID": config},
                "Results": [
                    {"Vulnerabilities": [{"VulnerabilityID": "CVE-1", "Severity": "HIGH"}]}
                ],
            }
        )
    )
    uses = [
        use(f"{registry.host}/gates/multi:1.0.0@{index.digest}", line=1),
        use(f"{registry.host}/gates/local:1.0.0@{local.digest}", line=2),
    ]
    online = policy(SCANNED + 'registry: {insecure: ["127.0.0.1:*"], environments: [dev]}')
    found = run_gates(uses, online, offline=False, root=repo)
    # Line 2 passes: its local scan (1 high, at most 1 allowed) is matched by config digest.
    assert [(f.location.line, f.rule) for f in found] == [(1, "GG504")]
    assert "1 critical" in found[0].message
    offline = run_gates(uses, online, offline=True, root=repo)
    # Offline, the config-only scan cannot be matched: not checked, never passed.
    assert [(f.location.line, f.rule, f.severity) for f in offline] == [
        (1, "GG506", Severity.WARNING),
        (2, "GG506", Severity.WARNING),
    ]


def test_signature_as_bundle_referrer(
    registry: LocalRegistry, pusher: Pusher, repo: Path, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    """cosign v3 layout: a Sigstore bundle (here key-based) attached as an OCI referrer."""
    import base64

    from tests.supply.helpers import attach_bundle, dsse_envelope

    sign_v1 = "https://sigstore.dev/cosign/sign/v1"
    good = pusher.image("gates/bundled", "1.0.0", "bundled-good")
    bad = pusher.image("gates/bundled", "1.0.1", "bundled-bad")
    for image, key in ((good, signing_key), (bad, ec_key())):
        envelope = json.loads(dsse_envelope(key, statement(image.digest, sign_v1, {})))
        bundle = {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"publicKey": {"hint": base64.b64encode(b"k").decode()}},
            "dsseEnvelope": envelope,
        }
        attach_bundle(pusher, "gates/bundled", image, json.dumps(bundle).encode(), sign_v1)
    found = run_gates(
        [
            use(f"{registry.host}/gates/bundled:1.0.0", line=1),
            use(f"{registry.host}/gates/bundled:1.0.1", line=2),
        ],
        policy(SIGNED),
        offline=False,
        root=repo,
    )
    assert [(f.location.line, f.rule) for f in found] == [(2, "GG503")]
    assert "not signed by any trusted key" in found[0].message


@pytest.mark.parametrize(
    ("sig_manifest", "expected"),
    [
        (b'{"layers": "x"}', "GG503"),  # no layers to read: not signed
        (
            b'{"layers": [{"digest": 5}, {"digest": "sha256:00", "annotations": ["x"], "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json"}]}',
            "GG506",  # the layer's blob does not match its digest: not checked
        ),
        (b"not json", "GG506"),
        (b"[1, 2]", "GG506"),
    ],
)
def test_hostile_registry_answers_are_findings(
    repo: Path, sig_manifest: bytes, expected: str
) -> None:
    """Broken or hostile registry content gives findings, never a traceback."""
    import httpx

    image = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'
    from gitops_guard.supply.registry import sha256_digest

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/manifests/1.0.0"):
            return httpx.Response(
                200,
                content=image,
                headers={
                    "docker-content-digest": sha256_digest(image),
                    "content-type": "application/vnd.oci.image.manifest.v1+json",
                },
            )
        if ".sig" in path:
            return httpx.Response(
                200,
                content=sig_manifest,
                headers={"content-type": "application/vnd.oci.image.manifest.v1+json"},
            )
        if "/referrers/" in path:
            return httpx.Response(
                200,
                json={"manifests": [{"digest": None}, "junk", {"artifactType": 3}]},
                headers={"content-type": "application/vnd.oci.image.index.v1+json"},
            )
        if "/blobs/" in path:
            return httpx.Response(200, content=b"payload")
        return httpx.Response(404)

    client = RegistryClient(ClientSettings(), transport=httpx.MockTransport(handler))
    found = run_gates(
        [use("registry.example.com/team/api:1.0.0")],
        policy(SIGNED),
        offline=False,
        root=repo,
        client=client,
    )
    assert [f.rule for f in found] == [expected]


@pytest.mark.parametrize(
    ("on_unreachable", "expected"),
    [("fail", [Severity.ERROR]), ("warn", [Severity.WARNING]), ("skip", [])],
)
def test_attested_vulnerabilities_with_the_registry_down_follow_on_unreachable(
    own_registry: LocalRegistry, repo: Path, on_unreachable: str, expected: list[Severity]
) -> None:
    # The attestations are the verdict and live in the registry: with it down, `fail` must
    # fail (this was a warning whatever the policy said).
    pusher = Pusher(own_registry.url)
    image = pusher.image("down/att", "1.0.0", "att")
    pusher.close()
    own_registry.stop()
    supply = f"""
    on_unreachable: {on_unreachable}
    registry: {{insecure: ["127.0.0.1:*"], environments: [staging]}}
    vulnerabilities: {{environments: [prod], attestations: true, max: {{critical: 0}}}}
    """
    found = run_gates(
        [use(f"{own_registry.host}/down/att:1.0.0@{image.digest}")],
        policy(supply, "{dev: {}, staging: {}, prod: {}}"),
        offline=False,
        root=repo,
    )
    assert [f.severity for f in found] == expected
    assert all(f.rule == "GG506" and "unreachable" in f.message for f in found)
