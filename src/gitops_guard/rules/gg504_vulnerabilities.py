"""Vulnerabilities above the environment's threshold (or no scan of the image at all).

With `supply_chain.vulnerabilities`, an image deployed in the listed environments needs
a vulnerability scan *of its digest*: a Trivy (`--format json`) or Grype (`-o json`)
report matched by the `reports` globs, or (with `attestations: true`) a signed cosign
vulnerability attestation. A report that does not name the image's digest (registry
digest, platform manifest of its index, or config digest) does not count.
Severities are normalised (Grype's Negligible counts as low) and one vulnerability seen
on several packages or as CVE and GHSA counts once. `max` sets the most findings
allowed per severity (default: no critical). A report file that cannot be read is
reported at its own path.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      vulnerabilities:
        environments: [prod]
        reports: "security/scans/**/*.json"
        max: {critical: 0, high: 3}

Failing (the report of the image lists 2 critical vulnerabilities)::

    # apps/api/prod/values.yaml
    image:
      repository: registry.example.com/team/api
      tag: "1.4.2"                          # ← GG504
      digest: sha256:1343da2562c949e519a8008f09a7355486c1eb63cf8e958d8c66dbd3e9239792

    # security/scans/api.json
    {
      "SchemaVersion": 2,
      "ArtifactName": "registry.example.com/team/api:1.4.2",
      "Metadata": {"RepoDigests": [
        "registry.example.com/team/api@sha256:1343da2562c949e519a8008f09a7355486c1eb63cf8e958d8c66dbd3e9239792"
      ]},
      "Results": [{"Target": "api", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2026-0001", "PkgID": "openssl@3.0.1", "Severity": "CRITICAL"},
        {"VulnerabilityID": "CVE-2026-0002", "PkgID": "zlib@1.2.11", "Severity": "CRITICAL"}
      ]}]
    }

Passing (the scan of that digest finds 0 critical, 1 high)::

    # apps/api/prod/values.yaml
    image:
      repository: registry.example.com/team/api
      tag: "1.4.2"
      digest: sha256:1343da2562c949e519a8008f09a7355486c1eb63cf8e958d8c66dbd3e9239792

    # security/scans/api.json
    {
      "SchemaVersion": 2,
      "ArtifactName": "registry.example.com/team/api:1.4.2",
      "Metadata": {"RepoDigests": [
        "registry.example.com/team/api@sha256:1343da2562c949e519a8008f09a7355486c1eb63cf8e958d8c66dbd3e9239792"
      ]},
      "Results": [{"Target": "api", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2026-0003", "PkgID": "zlib@1.2.11", "Severity": "HIGH"}
      ]}]
    }
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG504"
NAME = "vulnerabilities"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
