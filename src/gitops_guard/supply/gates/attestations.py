"""Signed in-toto statements attached to an image, verified against the run's trust.

Two layouts reach an image: cosign's ``<alg>-<hex>.att`` tag (one DSSE envelope per
layer) and Sigstore bundles attached as OCI referrers (cosign v3, GitHub attestations).
The signature gate reads bundles for cosign v3 signatures; the vulnerability and
provenance gates read both, for the image digest and, for an index, the chosen
platform's manifest. Registry content is untrusted input: malformed layers and
descriptors are skipped, statements that do not name the image are problems.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from gitops_guard.imageref import ImageRef
from gitops_guard.supply.gates.context import GateContext

if TYPE_CHECKING:
    from cryptography import x509

    from gitops_guard.supply.signatures import CertificateCheck, Trust, Verified


# A verified statement with its signer, or why a candidate did not verify.
Found: TypeAlias = "str | tuple[Verified, dict[str, Any]]"


def bundles(
    ctx: GateContext,
    ref: ImageRef,
    digest: str,
    predicates: set[str],
    certificate_check: CertificateCheck | None,
    subjects: Sequence[str] | None = None,
) -> Iterator[Found]:
    """Verified statements (or problems) from Sigstore bundle referrers of ``digest``."""
    from gitops_guard.supply import signatures as sig

    trust = ctx.trust()
    client = ctx.client
    for descriptor in client.referrers(ref.registry, ref.repository, digest):
        artifact = descriptor.get("artifactType")
        annotations = descriptor.get("annotations")
        if not isinstance(annotations, Mapping):
            annotations = {}
        if not isinstance(descriptor.get("digest"), str):
            continue
        predicate = annotations.get("dev.sigstore.bundle.predicateType")
        if artifact not in sig.BUNDLE_TYPES:
            continue
        if predicate is not None and predicate not in predicates:
            continue
        manifest = client.get_manifest(ref.registry, ref.repository, str(descriptor.get("digest")))
        if manifest is None:
            continue
        for layer in layers(manifest.data):
            if layer.get("mediaType") not in sig.BUNDLE_TYPES:
                continue
            try:
                blob = client.get_blob(ref.registry, ref.repository, layer["digest"])
                verified = sig.verify_bundle(blob, trust, certificate_check)
                statement = sig.parse_statement(verified.payload)
            except sig.SignatureInvalid as exc:
                yield str(exc)
                continue
            if statement.get("predicateType") not in predicates:
                continue
            if not sig.names_digest(statement, subjects or (digest,)):
                yield f"a bundle is for {', '.join(sorted(sig.subject_digests(statement)))}"
                continue
            yield verified, statement


def attestations(
    ctx: GateContext,
    ref: ImageRef,
    digest: str,
    predicates: set[str],
    certificate_check: CertificateCheck,
) -> list[Found]:
    """Verified (Verified, statement) pairs or problem strings, from .att and bundles."""
    from gitops_guard.supply import signatures as sig
    from gitops_guard.supply.registry import fallback_tag

    trust = ctx.trust()
    client = ctx.client
    names = subjects(ctx, ref, digest)
    found: list[Found] = []
    for candidate in names[:2]:
        manifest = client.fetch_manifest(
            ref.registry, ref.repository, fallback_tag(candidate) + ".att"
        )
        if manifest is not None:
            for layer in layers(manifest.data):
                annotations = layer.get("annotations") or {}
                if layer.get("mediaType") != sig.DSSE_ENVELOPE:
                    continue
                if (
                    annotations.get(sig.ANNOTATION_PREDICATE, next(iter(predicates)))
                    not in predicates
                ):
                    continue
                try:
                    blob = client.get_blob(ref.registry, ref.repository, layer["digest"])
                    verified = sig.verify_dsse_layer(blob, annotations, trust, certificate_check)
                    statement = sig.parse_statement(verified.payload)
                except sig.SignatureInvalid as exc:
                    found.append(str(exc))
                    continue
                if statement.get("predicateType") not in predicates:
                    continue
                if not sig.names_digest(statement, names):
                    found.append(
                        "an attestation is for " + ", ".join(sorted(sig.subject_digests(statement)))
                    )
                    continue
                found.append((verified, statement))
        found.extend(bundles(ctx, ref, candidate, predicates, certificate_check, names))
    return found


def subjects(ctx: GateContext, ref: ImageRef, digest: str) -> list[str]:
    """The digest, then (for an index) the chosen platform's and the other manifests'."""
    from gitops_guard.supply.registry import index_children, select_platform

    found = [digest]
    client = ctx.client
    descriptor = client.head_manifest(ref.registry, ref.repository, digest)
    if descriptor is None or not descriptor.is_index:
        return found
    manifest = client.get_manifest(ref.registry, ref.repository, digest)
    if manifest is not None:
        platform = select_platform(manifest.data, client.settings.platform)
        if platform is not None:
            found.append(platform.digest)
        found += [d for d in index_children(manifest.data) if d not in found]
    return found


def keyless_check(trust: Trust) -> CertificateCheck:
    """The policy's identities as a certificate check; without any, every keyless signer
    is refused (with the reason)."""
    from gitops_guard.supply.signatures import identity_check

    return identity_check(trust.identities) if trust.identities else _no_keyless


def _no_keyless(_cert: x509.Certificate) -> str | None:
    return (
        "keyless signature, but the policy lists no identities (supply_chain.signatures.identities)"
    )


def layers(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Well-formed layers only (digest a string, annotations a mapping): registry content
    is untrusted input."""
    listed = manifest.get("layers")
    found: list[Mapping[str, Any]] = []
    for layer in listed if isinstance(listed, list) else ():
        if not isinstance(layer, Mapping) or not isinstance(layer.get("digest"), str):
            continue
        annotations = layer.get("annotations")
        found.append(
            {**layer, "annotations": annotations if isinstance(annotations, Mapping) else {}}
        )
    return found
