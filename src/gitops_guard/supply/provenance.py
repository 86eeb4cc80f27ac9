"""SLSA provenance (v0.2 and v1 in-toto statements): where and by whom an image was built.

The statement comes from a cosign ``.att`` layer or a Sigstore bundle and has already
been verified (``signatures``). What is judged here:

* the subject names the image digest (index or platform manifest);
* the source repository and ref (branch or tag: the release line) match the policy's
  globs — for keyless provenance the certificate's own values (Fulcio extensions .12
  and .14, taken from the CI's OIDC token) are used, because the statement's fields are
  only as trustworthy as whoever signed it;
* the builder: for a key-based statement its ``builder.id``; for keyless provenance the
  signer's identity (SAN or build signer URI .9), which the CI's OIDC token vouches for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from gitops_guard.patterns.wildcard import glob_matches

# What problems() judges by: the policy's own supply_chain.provenance, named here too.
from gitops_guard.policy.model import ProvenancePolicy as ProvenancePolicy
from gitops_guard.supply.signatures import (
    OID_BUILD_SIGNER_URI,
    OID_SOURCE_REPOSITORY_REF,
    OID_SOURCE_REPOSITORY_URI,
    Verified,
    certificate_extension,
    certificate_identities,
)

SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V01 = "https://slsa.dev/provenance/v0.1"
SLSA_V1 = "https://slsa.dev/provenance/v1"
SLSA_PREDICATES = frozenset((SLSA_V01, SLSA_V02, SLSA_V1))


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a verified SLSA statement (and its signer) says about a build."""

    predicate_type: str
    builder: str | None
    source_repository: str | None
    ref: str | None
    commit: str | None
    signer: str
    signer_identities: tuple[str, ...] = ()  # keyless: SAN and build signer URI
    keyless: bool = False


def normalise_repository(value: str) -> str:
    """``git+https://github.com/o/r.git@refs/x`` → ``github.com/o/r``."""
    text = value.strip()
    if text.startswith("git+"):
        text = text[4:]
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("@", 1)[0] if "@refs/" in text or text.count("@") == 1 else text
    text = text.rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    return text


def _split_uri(uri: str) -> tuple[str | None, str | None]:
    """``git+https://github.com/o/r@refs/tags/v1`` → (``github.com/o/r``, ``refs/tags/v1``)."""
    if not uri:
        return None, None
    base, sep, ref = uri.partition("@refs/")
    return normalise_repository(base), (f"refs/{ref}" if sep else None)


def _get(data: object, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(data, Mapping) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and len(data) > key:
            data = data[key]
        else:
            return None
    return data


def read_provenance(statement: Mapping[str, Any], verified: Verified) -> Provenance:
    """The builder, source and ref of a SLSA statement, with its signer's certificate values."""
    predicate_type = str(statement.get("predicateType"))
    predicate = statement.get("predicate") or {}
    builder: str | None
    repository: str | None = None
    ref: str | None = None
    commit: str | None = None
    if predicate_type == SLSA_V1:
        builder = _get(predicate, "runDetails", "builder", "id")
        workflow = _get(predicate, "buildDefinition", "externalParameters", "workflow")
        if isinstance(workflow, Mapping):
            repository = normalise_repository(str(workflow.get("repository") or "")) or None
            ref = workflow.get("ref") if isinstance(workflow.get("ref"), str) else None
        dependency = _get(predicate, "buildDefinition", "resolvedDependencies", 0)
        if isinstance(dependency, Mapping):
            dep_repository, dep_ref = _split_uri(str(dependency.get("uri") or ""))
            repository = repository or dep_repository
            ref = ref or dep_ref
            commit = _get(dependency, "digest", "gitCommit") or _get(dependency, "digest", "sha1")
    else:
        builder = _get(predicate, "builder", "id")
        config = _get(predicate, "invocation", "configSource") or {}
        repository, ref = _split_uri(str(_get(config, "uri") or ""))
        commit = _get(config, "digest", "sha1")
        if repository is None:
            material = _get(predicate, "materials", 0)
            repository, ref = _split_uri(str(_get(material, "uri") or ""))
    cert = verified.certificate
    identities: tuple[str, ...] = ()
    if cert is not None:
        identities = _signer_identities(cert)
        repository = _certificate_repository(cert) or repository
        ref = certificate_extension(cert, OID_SOURCE_REPOSITORY_REF) or ref
    return Provenance(
        predicate_type,
        builder if isinstance(builder, str) else None,
        repository,
        ref if isinstance(ref, str) else None,
        commit if isinstance(commit, str) else None,
        verified.signer,
        identities,
        cert is not None,
    )


def _signer_identities(cert: x509.Certificate) -> tuple[str, ...]:
    names = list(certificate_identities(cert))
    signer = certificate_extension(cert, OID_BUILD_SIGNER_URI)
    if signer and signer not in names:
        names.append(signer)
    return tuple(names)


def _certificate_repository(cert: x509.Certificate) -> str | None:
    value = certificate_extension(cert, OID_SOURCE_REPOSITORY_URI)
    return normalise_repository(value) if value else None


def _matches(patterns: Sequence[str], value: str | None, *, repository: bool = False) -> bool:
    if value is None:
        return False
    for pattern in patterns:
        wanted = normalise_repository(pattern) if repository else pattern
        if glob_matches(wanted, value) or glob_matches(pattern, value):
            return True
    return False


def problems(provenance: Provenance, policy: ProvenancePolicy) -> list[str]:
    """What in the provenance the policy does not allow (empty: allowed)."""
    found: list[str] = []
    if policy.source_repositories and not _matches(
        policy.source_repositories, provenance.source_repository, repository=True
    ):
        found.append(
            f"built from {provenance.source_repository or 'an unknown repository'}, "
            f"expected {', '.join(policy.source_repositories)}"
        )
    if policy.refs and not _matches(policy.refs, provenance.ref):
        found.append(
            f"built from ref {provenance.ref or 'unknown'}, expected {', '.join(policy.refs)}"
        )
    if policy.builders:
        candidates = provenance.signer_identities if provenance.keyless else (provenance.builder,)
        if not any(_matches(policy.builders, c) for c in candidates if c):
            shown = ", ".join(c for c in candidates if c) or "an unknown builder"
            found.append(f"built by {shown}, expected {', '.join(policy.builders)}")
    return found
