"""GG504: a vulnerability report names the image's digest, and its findings are under
``supply_chain.vulnerabilities.max``.

Reports are the repository's Trivy and Grype JSON files (matched by the manifest digest,
a platform manifest of an index, or the config digest) and, with ``attestations``,
cosign vulnerability attestations the policy's signers made. Offline, or when the
registry cannot be asked, images pinned by digest are still judged from the reports in
the repository; what needs the registry to match is reported as not checked (GG506).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from gitops_guard.imageref import ImageRef
from gitops_guard.model import Severity
from gitops_guard.policy.model import GateName, VulnerabilityPolicy
from gitops_guard.rules import gg504_vulnerabilities, gg506_registry_unreachable
from gitops_guard.supply import vulnerabilities as vuln
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome, short
from gitops_guard.supply.gates.unreachable import severity_for
from gitops_guard.supply.vulnerabilities import ScanReport


@dataclass(frozen=True, slots=True)
class VulnerabilityGate:
    """``supply_chain.vulnerabilities``: where reports are, how many findings pass."""

    policy: VulnerabilityPolicy
    name: ClassVar[GateName] = "vulnerabilities"
    rule: ClassVar[str] = gg504_vulnerabilities.ID

    def check(self, ctx: GateContext, ref: ImageRef, digest: str) -> Outcome:
        """Judge the reports (and attestations) that name ``digest``, asking the registry
        for an index's platform manifests and the config digest when no report names it."""
        from gitops_guard.supply import signatures as sig
        from gitops_guard.supply.gates.attestations import attestations, keyless_check, subjects

        reports = [r for r in ctx.reports() if r.names((digest,))]
        if not reports and ctx.reports():
            names = subjects(ctx, ref, digest)
            config = _config_digest(ctx, ref, names)
            reports = [r for r in ctx.reports() if r.names(names, config)]
        problems: list[str] = []
        if self.policy.attestations:
            check = keyless_check(ctx.trust())
            for entry in attestations(ctx, ref, digest, {vuln.VULN_PREDICATE}, check):
                if isinstance(entry, str):
                    problems.append(entry)
                    continue
                verified, statement = entry
                try:
                    reports.append(
                        vuln.from_vuln_predicate(
                            statement.get("predicate"),
                            f"attestation signed by {verified.signer}",
                            sig.subject_digests(statement),
                        )
                    )
                except vuln.ReportError as exc:
                    problems.append(f"attestation: {exc}")
        return self._judge(ref, digest, reports, problems)

    def without_registry(self, ctx: GateContext, ref: ImageRef) -> Outcome:
        """The verdict offline or with the registry unreachable: from the repository's
        reports for a pinned digest; not checked (GG506) where matching needs the registry."""
        digest = ref.digest
        offline = ctx.offline
        on_unreachable = ctx.policy.on_unreachable

        def not_checked(reason: str, hint: str) -> Outcome:
            if not offline and on_unreachable == "skip":
                return Outcome(self.name)
            return Outcome(
                self.name,
                gg506_registry_unreachable.ID,
                "offline" if offline else reason,
                hint,
                Severity.WARNING if offline else severity_for(on_unreachable),
                "offline" if offline else "unreachable",
            )

        if digest is None:
            return not_checked(
                "registry unreachable, and no digest is pinned",
                "pin the digest so reports can be matched without the registry",
            )
        reports = [r for r in ctx.reports() if r.names((digest,))]
        config_only = any(r.config_digests and not r.manifest_digests for r in ctx.reports())
        if not reports and config_only:
            # A local scan names the config digest only; matching it needs the manifest.
            return not_checked(
                "registry unreachable",
                "reports that name only the image config digest are matched through the registry",
            )
        if not reports and self.policy.attestations:
            # The registry's answer was the verdict: on_unreachable decides, as for any gate
            # that needs it (this was a warning even under `fail`).
            return not_checked(
                "registry unreachable", "vulnerability attestations are read from the registry"
            )
        return self._judge(ref, digest, reports, [])

    def _judge(
        self, ref: ImageRef, digest: str, reports: list[ScanReport], problems: list[str]
    ) -> Outcome:
        name = f"{ref.familiar_name}@{short(digest)}"
        if not reports:
            looked = ", ".join(self.policy.reports) or "no report paths"
            extra = f"; {'; '.join(problems)}" if problems else ""
            return Outcome(
                self.name,
                self.rule,
                f"no vulnerability report names {name} (looked in {looked}){extra}",
                "scan the image by digest (trivy image --format json repo@sha256:…) and commit "
                "the report where the policy looks",
                detail="missing",
            )
        counted = vuln.count(v for r in reports for v in r.vulnerabilities)
        over = list(vuln.over_threshold(counted, self.policy.max))
        if not over:
            return Outcome(self.name)
        parts = []
        for severity, found, allowed in over:
            ids = counted.by_severity[severity]
            listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            parts.append(f"{found} {severity} (at most {allowed} allowed: {listed})")
        scanners = ", ".join(sorted({r.source for r in reports}))
        return Outcome(
            self.name,
            self.rule,
            f"{name} has vulnerabilities above the threshold: {'; '.join(parts)}",
            f"from {scanners}; rebuild on patched packages, or raise supply_chain."
            "vulnerabilities.max with a reason",
            detail="threshold",
        )


def _config_digest(ctx: GateContext, ref: ImageRef, subjects: list[str]) -> str | None:
    """The config digest of the image (of its chosen platform for an index)."""
    if not any(r.config_digests for r in ctx.reports()):
        return None
    client = ctx.client
    for digest in subjects[:2]:
        manifest = client.fetch_manifest(ref.registry, ref.repository, digest)
        if manifest is None or manifest.descriptor.is_index:
            continue
        config = manifest.data.get("config")
        if isinstance(config, Mapping) and isinstance(config.get("digest"), str):
            return str(config["digest"])
    return None
