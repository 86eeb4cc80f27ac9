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

    supply_chain:
      vulnerabilities:
        environments: [prod]
        reports: "security/scans/**/*.json"
        max: {critical: 0, high: 3}

Failing (the report of the image lists 2 critical vulnerabilities)::

    image: registry.example.com/team/api:1.4.2@sha256:4f4f…

Passing (the newest scan of sha256:4f4f… finds 0 critical, 1 high)::

    image: registry.example.com/team/api:1.4.2@sha256:4f4f…
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG504"
NAME = "vulnerabilities"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
