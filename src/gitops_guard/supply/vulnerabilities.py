"""Vulnerability reports: Trivy and Grype JSON, and cosign vulnerability attestations.

A report counts for an image only when it names the image's digest: a registry digest
(Trivy ``Metadata.RepoDigests``, Grype ``source.target.repoDigests`` /
``manifestDigest``, a platform manifest of the image's index) or its config digest
(Trivy ``Metadata.ImageID``, Grype ``imageID``), which identifies the same content.
Severities are normalised to one scale (Grype's ``Negligible`` is ``low``), and one
vulnerability seen on several packages or under several aliases (CVE and GHSA) is
counted once, at its highest severity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "unknown")
VULN_PREDICATE = "https://cosign.sigstore.dev/attestation/vuln/v1"
_NORMALISE = {
    "critical": "critical",
    "high": "high",
    "important": "high",
    "medium": "medium",
    "moderate": "medium",
    "low": "low",
    "negligible": "low",
    "minor": "low",
    "unknown": "unknown",
    "": "unknown",
}


class ReportError(Exception):
    """A report file that is not a Trivy or Grype JSON report; ``str`` says why."""


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One finding of a scanner: id, aliases, normalised severity, package, fix."""

    id: str
    severity: str
    package: str = ""
    aliases: tuple[str, ...] = ()
    fixed: bool = False


@dataclass(frozen=True, slots=True)
class ScanReport:
    """A parsed report: what scanned what (digests), and what it found."""

    source: str
    scanner: str
    manifest_digests: frozenset[str]
    config_digests: frozenset[str]
    vulnerabilities: tuple[Vulnerability, ...]
    finished: str | None = None

    def names(self, digests: Iterable[str], config_digest: str | None = None) -> bool:
        """Whether this report is about one of ``digests`` (or the config digest)."""
        if self.manifest_digests & set(digests):
            return True
        return config_digest is not None and config_digest in self.config_digests


@dataclass(frozen=True, slots=True)
class Counted:
    """De-duplicated vulnerabilities by severity (ids sorted, the first id of each group)."""

    by_severity: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return len(self.by_severity.get(severity, ()))


def normalise_severity(value: object) -> str:
    """One of ``critical high medium low unknown`` for any scanner's spelling."""
    text = str(value or "").strip().lower()
    return _NORMALISE.get(text, "unknown")


def parse_report(data: bytes, source: str) -> ScanReport:
    """Parse Trivy or Grype JSON (or a cosign vuln predicate/statement wrapping one)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"not JSON ({exc})") from None
    return parse_document(document, source)


def parse_document(document: object, source: str) -> ScanReport:
    """Like :func:`parse_report`, from parsed JSON."""
    if not isinstance(document, dict):
        raise ReportError("not a Trivy or Grype JSON report (expected an object)")
    if document.get("predicateType") == VULN_PREDICATE:
        return from_vuln_predicate(document.get("predicate"), source, None)
    if "scanner" in document and "invocation" in document:
        return from_vuln_predicate(document, source, None)
    if "matches" in document and ("source" in document or "descriptor" in document):
        return _grype(document, source)
    if "SchemaVersion" in document or "Results" in document or "ArtifactName" in document:
        return _trivy(document, source)
    raise ReportError("not a Trivy or Grype JSON report (no Results and no matches)")


def from_vuln_predicate(
    predicate: object, source: str, subjects: Iterable[str] | None
) -> ScanReport:
    """The scanner report inside a cosign vuln predicate (``scanner.result``).

    ``subjects`` (the verified statement's subject digests) bind the report to the image
    when the embedded report does not name a digest itself.
    """
    if not isinstance(predicate, dict):
        raise ReportError("the vulnerability predicate is not an object")
    scanner = predicate.get("scanner")
    if not isinstance(scanner, dict):
        scanner = {}
    result = scanner.get("result")
    metadata = predicate.get("metadata") or {}
    finished = metadata.get("scanFinishedOn") if isinstance(metadata, dict) else None
    if result is None:
        inner = ScanReport(
            source, str(scanner.get("uri") or "unknown"), frozenset(), frozenset(), ()
        )
    else:
        inner = parse_document(result, source)
    manifest = inner.manifest_digests | frozenset(subjects or ())
    return ScanReport(
        source, inner.scanner, manifest, inner.config_digests, inner.vulnerabilities, finished
    )


def _digest_of(reference: object) -> str | None:
    if not isinstance(reference, str) or "@" not in reference:
        return reference if isinstance(reference, str) and reference.startswith("sha256:") else None
    return reference.rsplit("@", 1)[1]


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _trivy(document: Mapping[str, Any], source: str) -> ScanReport:
    metadata = document.get("Metadata") or {}
    if not isinstance(metadata, dict):
        raise ReportError("Trivy report: Metadata is not an object")
    manifest = {d for d in map(_digest_of, _strings(metadata.get("RepoDigests"))) if d}
    artifact = _digest_of(document.get("ArtifactName"))
    if artifact and "@" in str(document.get("ArtifactName")):
        manifest.add(artifact)
    config = {metadata["ImageID"]} if isinstance(metadata.get("ImageID"), str) else set()
    results = document.get("Results") or []
    if not isinstance(results, list):
        raise ReportError("Trivy report: Results is not a list")
    found: list[Vulnerability] = []
    for result in results:
        if not isinstance(result, dict):
            raise ReportError("Trivy report: a Results entry is not an object")
        for item in result.get("Vulnerabilities") or ():
            if not isinstance(item, dict) or not isinstance(item.get("VulnerabilityID"), str):
                raise ReportError("Trivy report: a vulnerability without VulnerabilityID")
            fixed = bool(item.get("FixedVersion")) or item.get("Status") == "fixed"
            found.append(
                Vulnerability(
                    item["VulnerabilityID"],
                    normalise_severity(item.get("Severity")),
                    str(item.get("PkgID") or item.get("PkgName") or ""),
                    (),
                    fixed,
                )
            )
    version = (
        document.get("Trivy", {}).get("Version")
        if isinstance(document.get("Trivy"), dict)
        else None
    )
    scanner = f"trivy {version}" if version else "trivy"
    return ScanReport(
        source,
        scanner,
        frozenset(manifest),
        frozenset(config),
        tuple(found),
        document.get("CreatedAt"),
    )


def _grype(document: Mapping[str, Any], source: str) -> ScanReport:
    target = (
        (document.get("source") or {}).get("target")
        if isinstance(document.get("source"), dict)
        else None
    )
    manifest: set[str] = set()
    config: set[str] = set()
    if isinstance(target, dict):
        manifest |= {d for d in map(_digest_of, _strings(target.get("repoDigests"))) if d}
        if isinstance(target.get("manifestDigest"), str):
            manifest.add(target["manifestDigest"])
        if isinstance(target.get("imageID"), str):
            config.add(target["imageID"])
    matches = document.get("matches")
    if not isinstance(matches, list):
        raise ReportError("Grype report: matches is not a list")
    found: list[Vulnerability] = []
    for match in matches:
        vulnerability = match.get("vulnerability") if isinstance(match, dict) else None
        if not isinstance(vulnerability, dict) or not isinstance(vulnerability.get("id"), str):
            raise ReportError("Grype report: a match without vulnerability.id")
        related = [
            r["id"]
            for r in match.get("relatedVulnerabilities") or ()
            if isinstance(r, dict) and isinstance(r.get("id"), str)
        ]
        fix = vulnerability.get("fix") or {}
        artifact = match.get("artifact") or {}
        found.append(
            Vulnerability(
                vulnerability["id"],
                normalise_severity(vulnerability.get("severity")),
                f"{artifact.get('name', '')}@{artifact.get('version', '')}"
                if isinstance(artifact, dict)
                else "",
                tuple(r for r in related if r != vulnerability["id"]),
                isinstance(fix, dict) and fix.get("state") == "fixed",
            )
        )
    descriptor = document.get("descriptor") or {}
    scanner = "grype"
    if isinstance(descriptor, dict) and descriptor.get("version"):
        scanner = f"grype {descriptor['version']}"
    timestamp = descriptor.get("timestamp") if isinstance(descriptor, dict) else None
    return ScanReport(
        source, scanner, frozenset(manifest), frozenset(config), tuple(found), timestamp
    )


def count(vulnerabilities: Iterable[Vulnerability]) -> Counted:
    """Group aliases (one CVE on several packages, CVE ↔ GHSA) and count per severity."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    items = list(vulnerabilities)
    for vulnerability in items:
        for alias in vulnerability.aliases:
            first, second = find(vulnerability.id), find(alias)
            if first != second:
                parent[max(first, second)] = min(first, second)
        find(vulnerability.id)
    rank = {name: index for index, name in enumerate(SEVERITIES)}
    groups: dict[str, tuple[str, set[str]]] = {}
    for vulnerability in items:
        key = find(vulnerability.id)
        severity, ids = groups.get(key, ("unknown", set()))
        # A known severity beats "unknown"; among known ones the highest wins.
        if severity == "unknown" or (
            vulnerability.severity != "unknown" and rank[vulnerability.severity] < rank[severity]
        ):
            severity = vulnerability.severity
        ids.add(vulnerability.id)
        groups[key] = (severity, ids)
    by_severity: dict[str, list[str]] = {}
    for severity, ids in groups.values():
        by_severity.setdefault(severity, []).append(_display_id(ids))
    return Counted({k: tuple(sorted(v)) for k, v in by_severity.items()})


def _display_id(ids: set[str]) -> str:
    cves = sorted(i for i in ids if i.startswith("CVE-"))
    return cves[0] if cves else sorted(ids)[0]


def over_threshold(counted: Counted, limits: Mapping[str, int]) -> Iterator[tuple[str, int, int]]:
    """``(severity, found, allowed)`` for every severity above its limit, worst first."""
    for severity in SEVERITIES:
        allowed = limits.get(severity)
        if allowed is None:
            continue
        found = counted.count(severity)
        if found > allowed:
            yield severity, found, allowed
