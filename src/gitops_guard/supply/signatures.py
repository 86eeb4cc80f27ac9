"""cosign signatures and attestations: key-based, legacy keyless, and Sigstore bundles.

Three shapes reach an image (see ``SUPPLY-CHAIN.md`` §6):

* cosign's ``sha256-<hex>.sig`` tag: an image manifest whose layers are "simple
  signing" payloads, the signature in the layer annotation
  ``dev.cosignproject.cosign/signature`` (``.att`` tags hold DSSE envelopes instead);
  keyless layers add a Fulcio certificate, its chain and a Rekor bundle (SET);
* Sigstore bundles (v0.3) attached as OCI 1.1 referrers, which cosign v3 and GitHub
  artifact attestations write;
* for both, key-based (a PEM public key from the policy) or keyless (a Fulcio
  certificate that must chain to a trusted root and name an allowed identity).

Key-based checks and the legacy keyless path are our own code on ``cryptography``;
keyless bundles go through the ``sigstore`` package, which verifies the inclusion proof
and the certificate chain against a trusted-root file, fully offline.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from gitops_guard.errors import GuardError
from gitops_guard.patterns.wildcard import glob_matches

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
BUNDLE_TYPES = (
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
)
IN_TOTO = "application/vnd.in-toto+json"
ANNOTATION_SIGNATURE = "dev.cosignproject.cosign/signature"
ANNOTATION_BUNDLE = "dev.sigstore.cosign/bundle"
ANNOTATION_CERTIFICATE = "dev.sigstore.cosign/certificate"
ANNOTATION_CHAIN = "dev.sigstore.cosign/chain"
ANNOTATION_PREDICATE = "predicateType"
COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1"
SIGNATURE_TYPE = "cosign container image signature"

_OID_ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_OID_ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"
OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
OID_SOURCE_REPOSITORY_REF = "1.3.6.1.4.1.57264.1.14"

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


class SignatureInvalid(Exception):
    """A signature, certificate or payload that does not verify; ``str`` says why."""


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A public key from the policy, with the path it was read from (for messages)."""

    name: str
    key: PublicKey


@dataclass(frozen=True, slots=True)
class Identity:
    """An allowed keyless signer: certificate SAN and OIDC issuer (``*`` wildcards)."""

    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class TrustRoot:
    """A Sigstore trusted root: Rekor keys by log id (hex) and Fulcio CA certificates."""

    name: str
    data: bytes
    rekor_keys: Mapping[str, PublicKey]
    ca_certificates: tuple[x509.Certificate, ...]


@dataclass(slots=True)
class Trust:
    """What a signature must verify against: keys, a trusted root and identities."""

    keys: tuple[TrustedKey, ...] = ()
    root: TrustRoot | None = None
    identities: tuple[Identity, ...] = ()
    _verifier: Any = field(default=None, repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.keys) or (self.root is not None and bool(self.identities))

    def describe(self) -> str:
        """``keys/cosign.pub`` / ``identity … (issuer …)`` for messages."""
        parts = [k.name for k in self.keys]
        parts += [f"identity {i.subject} (issuer {i.issuer})" for i in self.identities]
        return ", ".join(parts) or "no trusted key or identity"


@dataclass(frozen=True, slots=True)
class Verified:
    """A signature that verified: who signed, and what (payload bytes)."""

    signer: str
    payload: bytes
    payload_type: str = IN_TOTO
    certificate: x509.Certificate | None = None


CertificateCheck = Callable[[x509.Certificate], str | None]


# --- loading trust material -------------------------------------------------------------


def load_public_key(data: bytes, name: str) -> TrustedKey:
    """A PEM ``PUBLIC KEY`` (ECDSA, RSA or Ed25519); GuardError when it is not one."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        hint = "cosign public keys are PEM files that start with -----BEGIN PUBLIC KEY-----"
        if b"PRIVATE KEY" in data:
            hint = "this is a private key; the policy must name the public key (cosign.pub)"
        raise GuardError(f"{name}: not a valid public key ({exc})", hint) from None
    if not isinstance(key, PublicKey):
        raise GuardError(f"{name}: unsupported key type {type(key).__name__}")
    return TrustedKey(name, key)


def load_trust_root(data: bytes, name: str) -> TrustRoot:
    """Parse a Sigstore ``trusted_root.json``; GuardError when it is not one."""
    try:
        parsed = json.loads(data)
        rekor: dict[str, PublicKey] = {}
        for tlog in parsed.get("tlogs") or ():
            raw = base64.b64decode(tlog["publicKey"]["rawBytes"])
            key = serialization.load_der_public_key(raw)
            if isinstance(key, PublicKey):
                log_id = base64.b64decode(tlog["logId"]["keyId"]).hex()
                rekor[log_id] = key
        certificates: list[x509.Certificate] = []
        for authority in parsed.get("certificateAuthorities") or ():
            for entry in authority["certChain"]["certificates"]:
                certificates.append(
                    x509.load_der_x509_certificate(base64.b64decode(entry["rawBytes"]))
                )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise GuardError(
            f"{name}: not a Sigstore trusted root ({type(exc).__name__}: {exc})",
            "use a trusted_root.json as `cosign trusted-root create` or Sigstore's TUF repository "
            "publishes it",
        ) from None
    if not rekor and not certificates:
        raise GuardError(f"{name}: the trusted root has no Rekor key and no certificate authority")
    return TrustRoot(name, data, rekor, tuple(certificates))


def embedded_trust_root() -> TrustRoot | None:
    """The public-good trusted root that the ``sigstore`` package ships, if present."""
    from importlib import resources

    try:
        folder = resources.files("sigstore").joinpath("_store")
        for child in folder.iterdir():
            if "tuf-repo-cdn.sigstore.dev" in child.name:
                data = child.joinpath("trusted_root.json").read_bytes()
                return load_trust_root(data, "sigstore public-good trusted root")
    except (ModuleNotFoundError, OSError, GuardError):
        return None
    return None


# --- primitives -------------------------------------------------------------------------


def verify_raw(key: PublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` verifies with ``key`` (cosign's algorithms)."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            default = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}
            algorithms = [default.get(key.curve.key_size, hashes.SHA256()), hashes.SHA256()]
            candidates = [signature]
            size = (key.curve.key_size + 7) // 8
            if len(signature) == 2 * size:
                # Some signers emit raw r||s instead of ASN.1 DER.
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                candidates.append(utils.encode_dss_signature(r, s))
            for algorithm in algorithms:
                for candidate in candidates:
                    try:
                        key.verify(candidate, data, ec.ECDSA(algorithm))
                        return True
                    except InvalidSignature:
                        continue
            return False
        if isinstance(key, rsa.RSAPublicKey):
            schemes: list[padding.AsymmetricPadding] = [
                padding.PKCS1v15(),
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
            ]
            for scheme in schemes:
                try:
                    key.verify(signature, data, scheme, hashes.SHA256())
                    return True
                except InvalidSignature:
                    continue
            return False
        key.verify(signature, data)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise SignatureInvalid(f"{what} is missing")
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(f"{what} is not base64") from None


def _text(value: object) -> str | None:
    """An annotation value as text; anything else (hostile or broken input) as absent."""
    return value if isinstance(value, str) and value else None


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: what a DSSE signature covers."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def check_signing_payload(payload: bytes, digest: str) -> None:
    """cosign's claim check: ``critical.image.docker-manifest-digest`` must be ``digest``."""
    try:
        data = json.loads(payload)
        critical = data["critical"]
        claimed = critical["image"]["docker-manifest-digest"]
        kind = critical.get("type")
    except (ValueError, KeyError, TypeError):
        raise SignatureInvalid(
            "the signed payload is not a cosign simple-signing payload"
        ) from None
    if kind is not None and kind != SIGNATURE_TYPE:
        raise SignatureInvalid(f"the signed payload has type {kind!r}, not {SIGNATURE_TYPE!r}")
    if claimed != digest:
        raise SignatureInvalid(f"the signature is for {claimed}, not for {digest}")


# --- certificates -----------------------------------------------------------------------


def _der_utf8(value: bytes) -> str:
    """Decode a DER UTF8String (tag 0x0c; the length may be multi-byte)."""
    if len(value) < 2 or value[0] != 0x0C:
        return value.decode("utf-8", "replace")
    length, offset = value[1], 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(value[2 : 2 + count], "big")
        offset = 2 + count
    return value[offset : offset + length].decode("utf-8", "replace")


def certificate_extension(cert: x509.Certificate, oid: str) -> str | None:
    """A Fulcio extension value (``1.3.6.1.4.1.57264.1.*``) as text, or None."""
    try:
        extension = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid))
    except x509.ExtensionNotFound:
        return None
    value = extension.value
    if isinstance(value, x509.UnrecognizedExtension):
        return _der_utf8(value.value)
    return None


def certificate_issuer(cert: x509.Certificate) -> str | None:
    """The OIDC issuer a Fulcio certificate records (extension .8, else the old .1)."""
    issuer = certificate_extension(cert, _OID_ISSUER_V2.dotted_string)
    if issuer:
        return issuer
    try:
        extension = cert.extensions.get_extension_for_oid(_OID_ISSUER_V1)
    except x509.ExtensionNotFound:
        return None
    value = extension.value
    if isinstance(value, x509.UnrecognizedExtension):
        return value.value.decode("utf-8", "replace")
    return None


def certificate_identities(cert: x509.Certificate) -> list[str]:
    """The subject alternative names of a certificate (e-mail, URI, other names)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names: list[str] = []
    names += san.get_values_for_type(x509.RFC822Name)
    names += san.get_values_for_type(x509.UniformResourceIdentifier)
    names += san.get_values_for_type(x509.DNSName)
    for other in san.get_values_for_type(x509.OtherName):
        names.append(_der_utf8(other.value) if other.value[:1] == b"\x0c" else other.value.hex())
    return names


def identity_check(identities: Sequence[Identity]) -> CertificateCheck:
    """A certificate check that accepts the SAN/issuer pairs of the policy (``*`` globs)."""

    def check(cert: x509.Certificate) -> str | None:
        names = certificate_identities(cert)
        issuer = certificate_issuer(cert) or ""
        for identity in identities:
            if glob_matches(identity.issuer, issuer) and any(
                glob_matches(identity.subject, n) for n in names
            ):
                return None
        shown = ", ".join(names) or "no identity"
        return f"signed by {shown} (issuer {issuer or 'unknown'}), which no trusted identity allows"

    return check


def signer_name(cert: x509.Certificate) -> str:
    """``mitr@redhat.com (issuer https://github.com/login/oauth)``."""
    names = certificate_identities(cert)
    return f"{names[0] if names else 'unknown'} (issuer {certificate_issuer(cert) or 'unknown'})"


def _load_certificates(pem: object) -> list[x509.Certificate]:
    if not pem:
        return []
    if not isinstance(pem, str | bytes):
        raise SignatureInvalid("the certificate annotation is not text")
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError:
        raise SignatureInvalid("the certificate annotation is not PEM") from None


def verify_chain(
    leaf: x509.Certificate, chain: Sequence[x509.Certificate], root: TrustRoot
) -> None:
    """The leaf must chain (through ``chain`` and the root's CAs) to a trusted-root CA."""
    trusted = {c.fingerprint(hashes.SHA256()) for c in root.ca_certificates}
    pool = list(chain) + list(root.ca_certificates)
    current = leaf
    for _ in range(6):
        issuer = next(
            (
                c
                for c in pool
                if c.subject == current.issuer and c is not current and _issued_by(current, c)
            ),
            None,
        )
        if issuer is None:
            break
        if issuer.fingerprint(hashes.SHA256()) in trusted:
            return
        current = issuer
    raise SignatureInvalid(f"the certificate does not chain to a CA of {root.name}")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _valid_at(cert: x509.Certificate, moment: int) -> bool:
    when = datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _same_key_or_cert(encoded: str, key: PublicKey | None, cert: x509.Certificate | None) -> bool:
    """Whether a Rekor entry's base64 PEM names the same key or certificate."""
    try:
        pem = base64.b64decode(encoded)
    except (binascii.Error, ValueError):
        return False
    if cert is not None:
        try:
            return x509.load_pem_x509_certificate(pem) == cert
        except ValueError:
            return False
    if key is None:
        return False
    try:
        other = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return bool(other.public_bytes(der, fmt) == key.public_bytes(der, fmt))


# --- Rekor SET --------------------------------------------------------------------------


def verify_rekor_bundle(
    bundle: str | Mapping[str, Any], root: TrustRoot
) -> tuple[int, dict[str, Any]]:
    """Check a cosign Rekor bundle (SET) offline; returns integrated time and entry body."""
    try:
        data = json.loads(bundle) if isinstance(bundle, str) else dict(bundle)
        payload = data["Payload"]
        body_b64 = payload["body"]
        integrated = int(payload["integratedTime"])
        log_id = str(payload["logID"])
        log_index = int(payload["logIndex"])
        set_signature = _b64(data["SignedEntryTimestamp"], "SignedEntryTimestamp")
    except (ValueError, KeyError, TypeError):
        raise SignatureInvalid("the Rekor bundle is malformed") from None
    key = root.rekor_keys.get(log_id)
    if key is None:
        raise SignatureInvalid(f"the Rekor bundle names log {log_id[:12]}…, not in {root.name}")
    # RFC 8785 canonical JSON; for these four keys sorted compact json.dumps is identical.
    canonical = json.dumps(
        {"body": body_b64, "integratedTime": integrated, "logID": log_id, "logIndex": log_index},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    if not verify_raw(key, canonical, set_signature):
        raise SignatureInvalid("the Rekor signed entry timestamp does not verify")
    try:
        body = json.loads(base64.b64decode(body_b64))
    except (ValueError, binascii.Error):
        raise SignatureInvalid("the Rekor entry body is not JSON") from None
    if not isinstance(body, dict):
        raise SignatureInvalid("the Rekor entry body is not an object")
    return integrated, body


def _check_rekor_body(
    body: Mapping[str, Any],
    payload: bytes,
    signature_b64: str | None,
    key: PublicKey | None,
    cert: x509.Certificate | None,
) -> None:
    """The Rekor entry must be about this payload, signature and key or certificate."""
    kind = body.get("kind")
    spec = body.get("spec") or {}
    try:
        if kind == "hashedrekord":
            if spec["data"]["hash"]["value"] != hashlib.sha256(payload).hexdigest():
                raise SignatureInvalid("the Rekor entry is for another payload")
            signature = spec["signature"]
            if signature_b64 is not None and signature["content"] != signature_b64:
                raise SignatureInvalid("the Rekor entry records another signature")
            if not _same_key_or_cert(signature["publicKey"]["content"], key, cert):
                raise SignatureInvalid("the Rekor entry records another key or certificate")
        elif kind in ("dsse", "intoto"):
            payload_hash = spec.get("payloadHash") or (spec.get("content") or {}).get("payloadHash")
            if payload_hash and payload_hash.get("value") != hashlib.sha256(payload).hexdigest():
                raise SignatureInvalid("the Rekor entry is for another attestation")
            verifiers = [
                s.get("verifier") for s in spec.get("signatures") or () if isinstance(s, dict)
            ]
            if verifiers and not any(
                isinstance(v, str) and _same_key_or_cert(v, key, cert) for v in verifiers
            ):
                raise SignatureInvalid("the Rekor entry records another key or certificate")
        else:
            raise SignatureInvalid(f"unsupported Rekor entry kind {kind!r}")
    except (KeyError, TypeError, AttributeError):
        raise SignatureInvalid("the Rekor entry body is malformed") from None


# --- cosign .sig / .att layers ----------------------------------------------------------


def verify_signed_data(
    data: bytes,
    signature: bytes,
    *,
    trust: Trust,
    payload: bytes,
    signature_b64: str | None,
    certificate_pem: str | None,
    chain_pem: str | None,
    rekor_bundle: str | None,
    certificate_check: CertificateCheck | None,
) -> tuple[str, x509.Certificate | None]:
    """Verify ``signature`` over ``data`` with a trusted key or a keyless certificate.

    ``payload`` is what a Rekor entry hashes (the simple-signing payload, or the DSSE
    payload). Returns the signer's description and certificate.
    """
    certificates = _load_certificates(certificate_pem)
    if certificates:
        leaf = certificates[0]
        root = trust.root
        if root is None:
            raise SignatureInvalid("keyless signature, but no trusted root is configured")
        check = certificate_check or (
            identity_check(trust.identities) if trust.identities else None
        )
        if check is None:
            raise SignatureInvalid("keyless signature, but no trusted identity is configured")
        verify_chain(leaf, _load_certificates(chain_pem), root)
        if not rekor_bundle:
            # Fulcio certificates live ten minutes: only a log entry proves when it signed.
            raise SignatureInvalid("keyless signature without a Rekor bundle (offline proof)")
        integrated, body = verify_rekor_bundle(rekor_bundle, root)
        if not _valid_at(leaf, integrated):
            raise SignatureInvalid("the certificate was not valid when the entry was logged")
        _check_rekor_body(body, payload, signature_b64, None, leaf)
        problem = check(leaf)
        if problem:
            raise SignatureInvalid(problem)
        public = leaf.public_key()
        if not isinstance(public, PublicKey):
            raise SignatureInvalid("unsupported certificate key type")
        if not verify_raw(public, data, signature):
            raise SignatureInvalid("the signature does not verify with its certificate")
        return signer_name(leaf), leaf
    if not trust.keys:
        raise SignatureInvalid("key-based signature, but no key is configured")
    for trusted in trust.keys:
        if not verify_raw(trusted.key, data, signature):
            continue
        if rekor_bundle and trust.root is not None and trust.root.rekor_keys:
            # cosign checks the log entry when there is one; a private deployment
            # without a log (no bundle) is accepted as `--insecure-ignore-tlog` would.
            _integrated, body = verify_rekor_bundle(rekor_bundle, trust.root)
            _check_rekor_body(body, payload, signature_b64, trusted.key, None)
        return f"key {trusted.name}", None
    raise SignatureInvalid(f"not signed by any trusted key ({trust.describe()})")


def verify_simple_signing_layer(
    payload: bytes, annotations: Mapping[str, Any], digest: str, trust: Trust
) -> Verified:
    """One layer of a cosign ``.sig`` manifest, for the image ``digest``."""
    signature_b64 = annotations.get(ANNOTATION_SIGNATURE)
    signature = _b64(signature_b64, "the signature annotation")
    check_signing_payload(payload, digest)
    signer, cert = verify_signed_data(
        payload,
        signature,
        trust=trust,
        payload=payload,
        signature_b64=signature_b64 if isinstance(signature_b64, str) else None,
        certificate_pem=_text(annotations.get(ANNOTATION_CERTIFICATE)),
        chain_pem=_text(annotations.get(ANNOTATION_CHAIN)),
        rekor_bundle=_text(annotations.get(ANNOTATION_BUNDLE)),
        certificate_check=None,
    )
    return Verified(signer, payload, SIMPLE_SIGNING, cert)


def verify_dsse_layer(
    envelope_bytes: bytes,
    annotations: Mapping[str, Any],
    trust: Trust,
    certificate_check: CertificateCheck | None = None,
) -> Verified:
    """One DSSE layer of a cosign ``.att`` manifest; returns the verified statement."""
    try:
        envelope = json.loads(envelope_bytes)
        payload_type = str(envelope["payloadType"])
        payload = _b64(envelope["payload"], "the DSSE payload")
        signatures = [s for s in envelope.get("signatures") or () if isinstance(s, dict)]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SignatureInvalid("the attestation layer is not a DSSE envelope") from None
    if not signatures:
        raise SignatureInvalid("the DSSE envelope has no signature")
    problems: list[str] = []
    for entry in signatures:
        try:
            signature = _b64(entry.get("sig"), "the DSSE signature")
            signer, cert = verify_signed_data(
                pae(payload_type, payload),
                signature,
                trust=trust,
                payload=payload,
                signature_b64=None,
                certificate_pem=_text(annotations.get(ANNOTATION_CERTIFICATE)),
                chain_pem=_text(annotations.get(ANNOTATION_CHAIN)),
                rekor_bundle=_text(annotations.get(ANNOTATION_BUNDLE)),
                certificate_check=certificate_check,
            )
            return Verified(signer, payload, payload_type, cert)
        except SignatureInvalid as exc:
            problems.append(str(exc))
    raise SignatureInvalid("; ".join(dict.fromkeys(problems)))


# --- Sigstore bundles -------------------------------------------------------------------


class _CertificatePolicy:
    """A sigstore verification policy that delegates to our certificate check."""

    def __init__(self, check: CertificateCheck) -> None:
        self._check = check

    def verify(self, cert: x509.Certificate) -> None:
        from sigstore.errors import VerificationError

        problem = self._check(cert)
        if problem:
            raise VerificationError(problem)


def _sigstore_verifier(trust: Trust) -> Any:
    if trust._verifier is None:
        assert trust.root is not None
        try:
            from sigstore.models import TrustedRoot
            from sigstore.verify import Verifier
            from sigstore_models.trustroot import v1 as trustroot_v1
        except ImportError:
            # An extra (it adds 23 packages to every hook environment): fail closed, clearly.
            raise GuardError(
                "verifying a keyless Sigstore bundle needs the sigstore extra",
                hint="install it: pip install 'gitops-guard[sigstore]'",
            ) from None

        inner = trustroot_v1.TrustedRoot.from_json(trust.root.data)
        trust._verifier = Verifier(trusted_root=TrustedRoot(inner))
    return trust._verifier


def verify_bundle(
    bundle_bytes: bytes, trust: Trust, certificate_check: CertificateCheck | None = None
) -> Verified:
    """A Sigstore bundle with a DSSE envelope: keyless through ``sigstore``, key-based here."""
    try:
        data = json.loads(bundle_bytes)
        material = data["verificationMaterial"]
    except (ValueError, KeyError, TypeError):
        raise SignatureInvalid("not a Sigstore bundle") from None
    if not isinstance(material, dict):
        raise SignatureInvalid("not a Sigstore bundle")
    if "publicKey" in material:
        envelope = data.get("dsseEnvelope")
        if not isinstance(envelope, dict):
            raise SignatureInvalid("key-based bundles are only supported with a DSSE envelope")
        return verify_dsse_layer(json.dumps(envelope).encode(), {}, trust, certificate_check)
    if trust.root is None:
        raise SignatureInvalid("keyless bundle, but no trusted root is configured")
    check = certificate_check or (identity_check(trust.identities) if trust.identities else None)
    if check is None:
        raise SignatureInvalid("keyless bundle, but no trusted identity is configured")
    verifier = _sigstore_verifier(trust)
    from sigstore.models import Bundle

    try:
        bundle = Bundle.from_json(bundle_bytes)
        if bundle._dsse_envelope is None:
            raise SignatureInvalid("message-signature bundles are not supported for images")
        payload_type, payload = verifier.verify_dsse(bundle, _CertificatePolicy(check))
        cert = bundle.signing_certificate
    except SignatureInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - fails closed: a finding, never a pass
        # sigstore raises its own errors, pydantic's and ValueError for bad input; any of
        # them means "does not verify", and the message says why.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SignatureInvalid(f"the Sigstore bundle does not verify: {reason}") from None
    return Verified(signer_name(cert), bytes(payload), str(payload_type), cert)


# --- statements -------------------------------------------------------------------------


def parse_statement(payload: bytes) -> dict[str, Any]:
    """An in-toto statement (v0.1 or v1); SignatureInvalid when the payload is not one."""
    try:
        statement = json.loads(payload)
    except ValueError:
        raise SignatureInvalid("the attestation payload is not JSON") from None
    if not isinstance(statement, dict) or "predicateType" not in statement:
        raise SignatureInvalid("the attestation payload is not an in-toto statement")
    return statement


def subject_digests(statement: Mapping[str, Any]) -> set[str]:
    """``sha256:<hex>`` of every subject of an in-toto statement."""
    found: set[str] = set()
    subjects = statement.get("subject")
    for subject in subjects if isinstance(subjects, list) else ():
        digests = subject.get("digest") if isinstance(subject, dict) else None
        if not isinstance(digests, dict):
            continue
        for algorithm, value in digests.items():
            if isinstance(value, str):
                found.add(f"{algorithm}:{value}")
    return found


def names_digest(statement: Mapping[str, Any], digests: Iterable[str]) -> bool:
    """Whether one of the statement's subjects is one of ``digests``."""
    return bool(subject_digests(statement) & set(digests))
