"""The real cosign / Sigstore / SLSA / scanner fixtures, through the gates' own code paths.

Origins are in tests/fixtures/supply/*/README.md. Negative cases: another key, a
modified manifest, a tampered Rekor bundle, the wrong identity, the wrong release line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gitops_guard.imageref import parse_reference
from gitops_guard.model import ImageUse, Location, Source
from gitops_guard.policy.load import parse_policy
from gitops_guard.supply import provenance as prov
from gitops_guard.supply import signatures as sig
from gitops_guard.supply import vulnerabilities as vuln
from gitops_guard.supply.gates import run_gates
from tests.supply.helpers import OCI_MANIFEST, LocalRegistry, Pusher, attach_bundle, canonical

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supply"
COSIGN = FIXTURES / "cosign"
PROVENANCE = FIXTURES / "provenance"
VULN = FIXTURES / "vuln"


def digest_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def signature_file(folder: Path) -> dict[str, Any]:
    """containers/image's signature file: b"\\x00sigstore-json\\n" + JSON."""
    raw = (folder / "containers-image-signature-1.bin").read_bytes()
    prefix = b"\x00sigstore-json\n"
    assert raw.startswith(prefix)
    data: dict[str, Any] = json.loads(raw[len(prefix) :])
    return data


@pytest.fixture(scope="module")
def root() -> sig.TrustRoot:
    return sig.load_trust_root(
        (COSIGN / "trusted_root_pgi.json").read_bytes(), "trusted_root_pgi.json"
    )


def key(path: Path) -> sig.TrustedKey:
    return sig.load_public_key(path.read_bytes(), path.name)


def layer(folder: Path) -> tuple[bytes, dict[str, str]]:
    data = signature_file(folder)
    payload = base64.b64decode(data["payload"])
    assert payload == (folder / "payload.json").read_bytes()
    return payload, data["annotations"]


# --- cosign key-based ------------------------------------------------------------------------


def test_key_based_signature_verifies() -> None:
    folder = COSIGN / "key-simplesigning"
    payload, annotations = layer(folder)
    trust = sig.Trust(keys=(key(folder / "cosign.pub"),))
    verified = sig.verify_simple_signing_layer(
        payload, annotations, digest_of(folder / "manifest.json"), trust
    )
    assert verified.signer == "key cosign.pub"


def test_key_based_signature_other_key_fails() -> None:
    folder = COSIGN / "key-simplesigning"
    payload, annotations = layer(folder)
    trust = sig.Trust(keys=(key(folder / "other-key.pub"),))
    with pytest.raises(sig.SignatureInvalid, match="not signed by any trusted key"):
        sig.verify_simple_signing_layer(
            payload, annotations, digest_of(folder / "manifest.json"), trust
        )


def test_key_based_signature_modified_manifest_fails() -> None:
    folder = COSIGN / "key-simplesigning"
    payload, annotations = layer(folder)
    trust = sig.Trust(keys=(key(folder / "cosign.pub"),))
    modified = digest_of(folder / "manifest-modified.json")
    with pytest.raises(sig.SignatureInvalid, match="the signature is for sha256:634a8f35"):
        sig.verify_simple_signing_layer(payload, annotations, modified, trust)


def test_key_based_with_rekor_bundle(root: sig.TrustRoot) -> None:
    folder = COSIGN / "key-rekor"
    payload, annotations = layer(folder)
    assert json.loads(annotations[sig.ANNOTATION_BUNDLE]) == json.loads(
        (folder / "rekor-bundle.json").read_text()
    )
    trust = sig.Trust(keys=(key(folder / "cosign.pub"),), root=root)
    digest = digest_of(folder / "manifest.json")
    assert (
        sig.verify_simple_signing_layer(payload, annotations, digest, trust).signer
        == "key cosign.pub"
    )
    # The Rekor key of the trust root is the one the fixture ships.
    rekor = sig.load_public_key((folder / "rekor.pub").read_bytes(), "rekor.pub").key
    assert any(k.public_numbers() == rekor.public_numbers() for k in root.rekor_keys.values())  # type: ignore[union-attr]

    tampered = json.loads(annotations[sig.ANNOTATION_BUNDLE])
    tampered["Payload"]["integratedTime"] += 1
    bad = {**annotations, sig.ANNOTATION_BUNDLE: json.dumps(tampered)}
    with pytest.raises(sig.SignatureInvalid, match="signed entry timestamp does not verify"):
        sig.verify_simple_signing_layer(payload, bad, digest, trust)


def test_keyless_legacy_signature(root: sig.TrustRoot) -> None:
    folder = COSIGN / "keyless-fulcio-rekor"
    payload, annotations = layer(folder)
    assert (
        annotations[sig.ANNOTATION_CERTIFICATE].strip()
        == (folder / "certificate.pem").read_text().strip()
    )
    digest = digest_of(folder / "manifest.json")
    allowed = sig.Identity("https://github.com/login/oauth", "*@redhat.com")
    verified = sig.verify_simple_signing_layer(
        payload, annotations, digest, sig.Trust(root=root, identities=(allowed,))
    )
    assert verified.signer == "mitr@redhat.com (issuer https://github.com/login/oauth)"

    other = sig.Identity("https://github.com/login/oauth", "someone@example.com")
    with pytest.raises(sig.SignatureInvalid, match="which no trusted identity allows"):
        sig.verify_simple_signing_layer(
            payload, annotations, digest, sig.Trust(root=root, identities=(other,))
        )
    wrong_issuer = sig.Identity("https://accounts.google.com", "mitr@redhat.com")
    with pytest.raises(sig.SignatureInvalid, match="which no trusted identity allows"):
        sig.verify_simple_signing_layer(
            payload, annotations, digest, sig.Trust(root=root, identities=(wrong_issuer,))
        )
    no_log = {k: v for k, v in annotations.items() if k != sig.ANNOTATION_BUNDLE}
    with pytest.raises(sig.SignatureInvalid, match="without a Rekor bundle"):
        sig.verify_simple_signing_layer(
            payload, no_log, digest, sig.Trust(root=root, identities=(allowed,))
        )


def test_keyless_needs_a_root_that_issued_the_certificate() -> None:
    folder = COSIGN / "keyless-fulcio-rekor"
    payload, annotations = layer(folder)
    own_root = sig.TrustRoot("empty", b"{}", {}, ())
    trust = sig.Trust(root=own_root, identities=(sig.Identity("*", "*"),))
    with pytest.raises(sig.SignatureInvalid, match="does not chain to a CA of empty"):
        sig.verify_simple_signing_layer(
            payload, annotations, digest_of(folder / "manifest.json"), trust
        )


# --- Sigstore bundles ---------------------------------------------------------------------------


def test_bundle_v03_keyless(root: sig.TrustRoot) -> None:
    bundle = (COSIGN / "bundle-v03" / "oci-attestation.sigstore.json").read_bytes()
    trust = sig.Trust(
        root=root, identities=(sig.Identity("https://github.com/login/oauth", "cody@soyland.com"),)
    )
    verified = sig.verify_bundle(bundle, trust)
    statement = sig.parse_statement(verified.payload)
    assert statement["predicateType"] == "https://cosign.sigstore.dev/attestation/v1"
    assert any(d.startswith("sha256:732112270d7e") for d in sig.subject_digests(statement))
    wrong = sig.Trust(
        root=root,
        identities=(sig.Identity("https://github.com/login/oauth", "mallory@example.com"),),
    )
    with pytest.raises(sig.SignatureInvalid, match=re.escape("cody@soyland.com")):
        sig.verify_bundle(bundle, wrong)
    tampered = json.loads(bundle)
    tampered["dsseEnvelope"]["payload"] = base64.b64encode(b'{"predicateType": "x"}').decode()
    with pytest.raises(sig.SignatureInvalid, match="does not verify"):
        sig.verify_bundle(json.dumps(tampered).encode(), trust)


# --- SLSA provenance ---------------------------------------------------------------------------

V02 = PROVENANCE / "slsa-v0.2-cosign-att"
V1 = PROVENANCE / "slsa-v1-github-bundle"


def test_slsa_v02_cosign_att(root: sig.TrustRoot) -> None:
    manifest = json.loads((V02 / "att-manifest.json").read_text())
    annotations = manifest["layers"][0]["annotations"]
    assert manifest["layers"][0]["digest"] == digest_of(V02 / "att-layer.dsse.json")
    verified = sig.verify_dsse_layer(
        (V02 / "att-layer.dsse.json").read_bytes(),
        annotations,
        sig.Trust(root=root),
        lambda cert: None,
    )
    statement = sig.parse_statement(verified.payload)
    assert statement == json.loads((V02 / "statement.json").read_text())
    image = (V02 / "image.digest").read_text().strip()
    assert image == digest_of(V02 / "image-index.json")
    assert sig.names_digest(statement, [image])
    found = prov.read_provenance(statement, verified)
    assert found.source_repository == "github.com/slsa-framework/example-package"
    assert found.ref == "refs/tags/v13.0.30"
    assert found.builder is not None
    assert found.builder.startswith("https://github.com/slsa-framework/slsa-github-generator/")
    allowed = prov.ProvenancePolicy(
        ("github.com/slsa-framework/*",),
        ("refs/tags/v*",),
        ("https://github.com/slsa-framework/slsa-github-generator/*",),
    )
    assert prov.problems(found, allowed) == []
    main_only = prov.ProvenancePolicy(("github.com/slsa-framework/*",), ("refs/heads/main",), ())
    assert prov.problems(found, main_only) == [
        "built from ref refs/tags/v13.0.30, expected refs/heads/main"
    ]
    other_builder = prov.ProvenancePolicy((), (), ("https://github.com/acme/*",))
    assert prov.problems(found, other_builder)[0].startswith(
        "built by https://github.com/slsa-framework/"
    )


def test_a_keyless_bundle_without_the_sigstore_extra_is_an_error_not_a_pass(
    root: sig.TrustRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from gitops_guard.errors import GuardError

    for name in [m for m in sys.modules if m == "sigstore" or m.startswith("sigstore.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sigstore", None)  # what `import sigstore` meets without it
    bundle = (V1 / "reusable-workflow-attestation.sigstore.json").read_bytes()
    with pytest.raises(GuardError, match="needs the sigstore extra") as caught:
        sig.verify_bundle(bundle, sig.Trust(root=root), lambda cert: None)
    assert caught.value.hint == "install it: pip install 'gitops-guard[sigstore]'"


def test_slsa_v1_github_bundle(root: sig.TrustRoot) -> None:
    bundle = (V1 / "reusable-workflow-attestation.sigstore.json").read_bytes()
    verified = sig.verify_bundle(bundle, sig.Trust(root=root), lambda cert: None)
    statement = sig.parse_statement(verified.payload)
    assert statement == json.loads((V1 / "statement.json").read_text())
    assert sig.names_digest(statement, [digest_of(V1 / "subject-artifact.whl.zip")])
    found = prov.read_provenance(statement, verified)
    assert found.predicate_type == prov.SLSA_V1
    assert (found.source_repository, found.ref) == (
        "github.com/malancas/attest-demo",
        "refs/heads/main",
    )
    assert found.builder == "https://github.com/actions/runner/github-hosted"
    # Keyless: the builder is the signer's identity, not the statement's own claim.
    assert prov.problems(
        found, prov.ProvenancePolicy(builders=("https://github.com/actions/runner/*",))
    )
    assert not prov.problems(
        found,
        prov.ProvenancePolicy(
            builders=("https://github.com/github/artifact-attestations-workflows/*",)
        ),
    )
    assert prov.problems(found, prov.ProvenancePolicy(refs=("refs/tags/v1.0.0",))) == [
        "built from ref refs/heads/main, expected refs/tags/v1.0.0"
    ]


# --- the same fixtures through the registry --------------------------------------------------


def _push_layer_manifest(
    pusher: Pusher, name: str, tag: str, blob: bytes, media_type: str, annotations: dict[str, str]
) -> None:
    config = canonical(
        {"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
    )
    body = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": pusher.blob(name, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": media_type,
                    "digest": pusher.blob(name, blob),
                    "size": len(blob),
                    "annotations": annotations,
                }
            ],
        }
    )
    pusher.manifest(name, tag, body, OCI_MANIFEST)


def test_real_signatures_through_the_registry(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    """The real cosign signature in cosign's registry layout, and the real SLSA v0.2 `.att`,
    found and verified by the gates exactly as for an image in a registry."""
    repo = tmp_path / "repo"
    (repo / "keys").mkdir(parents=True)
    (repo / "keys" / "cosign.pub").write_bytes(
        (COSIGN / "key-simplesigning" / "cosign.pub").read_bytes()
    )
    (repo / "keys" / "other.pub").write_bytes(
        (COSIGN / "key-simplesigning" / "other-key.pub").read_bytes()
    )
    (repo / "keys" / "trusted_root.json").write_bytes(
        (COSIGN / "trusted_root_pgi.json").read_bytes()
    )
    name = "fixtures/cosign-signed-single-sample"
    signed = digest_of(COSIGN / "key-simplesigning" / "manifest.json")
    modified = digest_of(COSIGN / "key-simplesigning" / "manifest-modified.json")
    payload, annotations = layer(COSIGN / "key-simplesigning")
    from tests.supply.helpers import SIMPLE_SIGNING

    for digest in (signed, modified):
        # The modified manifest's .sig tag carries the original signature: the claim check fails.
        _push_layer_manifest(
            pusher, name, digest.replace(":", "-") + ".sig", payload, SIMPLE_SIGNING, annotations
        )
    att = json.loads((V02 / "att-manifest.json").read_text())["layers"][0]
    image = (V02 / "image.digest").read_text().strip()
    _push_layer_manifest(
        pusher,
        name,
        image.replace(":", "-") + ".att",
        (V02 / "att-layer.dsse.json").read_bytes(),
        att["mediaType"],
        att["annotations"],
    )
    # The SLSA v1 bundle, attached as an OCI 1.1 referrer (fallback tag on distribution 2.8).
    whl = digest_of(V1 / "subject-artifact.whl.zip")
    from tests.supply.helpers import Pushed

    subject = Pushed(whl, 2962, OCI_MANIFEST, b"")
    attach_bundle(
        pusher,
        name,
        subject,
        (V1 / "reusable-workflow-attestation.sigstore.json").read_bytes(),
        prov.SLSA_V1,
    )

    def policy(keys: str, refs: str) -> Any:
        text = f"""
        version: 1
        environments: {{prod: {{}}}}
        supply_chain:
          signatures: {{environments: [prod], keys: [{keys}], trusted_root: keys/trusted_root.json}}
          provenance:
            environments: [prod]
            refs: [{refs}]
            builders:
              - "https://github.com/slsa-framework/slsa-github-generator/*"
              - "https://github.com/github/artifact-attestations-workflows/*"
          registry: {{insecure: ["127.0.0.1:*"], environments: [staging-never]}}
        """
        text = text.replace("environments: [staging-never]", "environments: []")
        return parse_policy(textwrap.dedent(text).encode())

    def use(digest: str, line: int) -> ImageUse:
        raw = f"{registry.host}/{name}@{digest}"
        return ImageUse(
            Location("deploy.yaml", line, 1),
            Source.CONTAINER,
            raw,
            parse_reference(raw),
            environment="prod",
        )

    found = run_gates(
        [use(signed, 1), use(modified, 2)],
        policy("keys/cosign.pub", '"refs/*"'),
        offline=False,
        root=repo,
    )
    # Line 1: signature valid; no provenance for it. Line 2: claim check fails.
    assert sorted((f.location.line, f.rule) for f in found) == [
        (1, "GG505"),
        (2, "GG503"),
        (2, "GG505"),
    ]
    assert "the signature is for sha256:634a8f35" in next(
        f.message for f in found if f.rule == "GG503"
    )
    found = run_gates(
        [use(signed, 1)], policy("keys/other.pub", '"refs/*"'), offline=False, root=repo
    )
    assert [f.rule for f in found if f.rule == "GG503"] == ["GG503"]

    # Provenance: the real .att (v0.2, tag v13.0.30) and the real bundle (v1, main branch).
    sign_free = policy("keys/cosign.pub", '"refs/tags/v*"')
    found = run_gates([use(image, 1), use(whl, 2)], sign_free, offline=False, root=repo)
    assert sorted((f.location.line, f.rule) for f in found if f.rule != "GG503") == [(2, "GG505")]
    assert "built from ref refs/heads/main" in next(f.message for f in found if f.rule == "GG505")
    found = run_gates(
        [use(whl, 2)], policy("keys/cosign.pub", '"refs/heads/main"'), offline=False, root=repo
    )
    assert [f.rule for f in found] == ["GG503"]  # provenance passes; it is not signed by the key


# --- vulnerability reports ---------------------------------------------------------------------


def test_trivy_reports() -> None:
    report = vuln.parse_report(
        (VULN / "trivy-alpine-310.json").read_bytes(), "trivy-alpine-310.json"
    )
    assert len(report.vulnerabilities) == 4
    counted = vuln.count(report.vulnerabilities)
    # CVE-2019-1549 and CVE-2019-1551 are each reported for libcrypto1.1 and libssl1.1.
    assert counted.by_severity == {"medium": ("CVE-2019-1549", "CVE-2019-1551")}
    manifest = json.loads((COSIGN / "key-simplesigning" / "manifest.json").read_text())
    config = manifest["config"]["digest"]
    assert report.names([digest_of(COSIGN / "key-simplesigning" / "manifest.json")], config)
    assert not report.names(
        [digest_of(COSIGN / "key-simplesigning" / "manifest.json")]
    )  # no RepoDigests
    critical = vuln.parse_report((VULN / "trivy-alpine-39-high-critical.json").read_bytes(), "t39")
    # Two CRITICAL findings: one CVE (CVE-2019-14697) on musl and on musl-utils.
    assert len(critical.vulnerabilities) == 2
    assert vuln.count(critical.vulnerabilities).by_severity == {"critical": ("CVE-2019-14697",)}
    assert list(vuln.over_threshold(vuln.count(critical.vulnerabilities), {"critical": 0})) == [
        ("critical", 1, 0)
    ]


def test_grype_reports() -> None:
    ruby = vuln.parse_report((VULN / "grype-chainguard-ruby.json").read_bytes(), "ruby")
    assert len(ruby.vulnerabilities) == 3
    counted = vuln.count(ruby.vulnerabilities)
    assert counted.by_severity == {"high": ("CVE-2023-28755",)}  # one CVE seen three ways
    assert ruby.names(["sha256:3c9afb4f188827ea1062ec3b8acea32893236a0d7df31e0498df93486cff0978"])
    assert ruby.names(["sha256:86abe662dfa3746038eea6b0db91092b0767d78b8b8938a343d614cd1579adc2"])
    assert not ruby.names(["sha256:" + "0" * 64])
    synthetic = vuln.parse_report(
        (VULN / "grype-presenter-synthetic.json").read_bytes(), "synthetic"
    )
    assert vuln.count(synthetic.vulnerabilities).by_severity == {
        "low": ("CVE-1999-0001",),
        "critical": ("CVE-1999-0002",),
    }


def test_cosign_vuln_attestation_shape() -> None:
    envelope = json.loads((VULN / "cosign-vuln-attestation.dsse.json").read_text())
    statement = sig.parse_statement(base64.b64decode(envelope["payload"]))
    report = vuln.from_vuln_predicate(statement["predicate"], "att", sig.subject_digests(statement))
    assert report.vulnerabilities == ()
    assert report.names(["sha256:3c19aa980a9c5709a2c96c2d0779febf6e5e453b92b172ce84cb85fdaf695373"])
    predicate = vuln.parse_report((VULN / "cosign-vuln-predicate.json").read_bytes(), "predicate")
    assert predicate.scanner == "fakescanner.example.com/cosign-testing"
    # Its signer's key is not published: with any other key it must not verify.
    other = key(COSIGN / "key-simplesigning" / "cosign.pub")
    with pytest.raises(sig.SignatureInvalid, match="not signed by any trusted key"):
        sig.verify_dsse_layer(json.dumps(envelope).encode(), {}, sig.Trust(keys=(other,)))


def test_real_keyless_signature_through_the_registry(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    from tests.supply.helpers import SIMPLE_SIGNING

    repo = tmp_path / "repo"
    (repo / "keys").mkdir(parents=True)
    (repo / "keys" / "trusted_root.json").write_bytes(
        (COSIGN / "trusted_root_pgi.json").read_bytes()
    )
    folder = COSIGN / "keyless-fulcio-rekor"
    payload, annotations = layer(folder)
    digest = digest_of(folder / "manifest.json")
    name = "fixtures/keyless"
    _push_layer_manifest(
        pusher, name, digest.replace(":", "-") + ".sig", payload, SIMPLE_SIGNING, annotations
    )
    raw = f"{registry.host}/{name}@{digest}"
    uses = [
        ImageUse(
            Location("deploy.yaml", 1, 1),
            Source.CONTAINER,
            raw,
            parse_reference(raw),
            environment="prod",
        )
    ]

    def policy(subject: str) -> Any:
        text = f"""
        version: 1
        environments: {{prod: {{}}}}
        supply_chain:
          registry: {{insecure: ["127.0.0.1:*"], environments: []}}
          signatures:
            environments: [prod]
            trusted_root: keys/trusted_root.json
            identities: [{{issuer: "https://github.com/login/oauth", subject: "{subject}"}}]
        """
        return parse_policy(textwrap.dedent(text).encode())

    assert run_gates(uses, policy("mitr@redhat.com"), offline=False, root=repo) == []
    found = run_gates(uses, policy("*@example.com"), offline=False, root=repo)
    assert [f.rule for f in found] == ["GG503"]
    assert "signed by mitr@redhat.com (issuer https://github.com/login/oauth)" in found[0].message
