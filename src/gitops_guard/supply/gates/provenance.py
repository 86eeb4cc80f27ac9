"""GG505: the image has verifiable SLSA provenance from an allowed source and builder.

Statements come from cosign ``.att`` tags and Sigstore bundles (``attestations``) and
are judged by ``supply.provenance`` against ``supply_chain.provenance``: source
repositories, refs (release lines) and builders. The first statement the policy allows
passes the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from gitops_guard.imageref import ImageRef
from gitops_guard.policy.model import GateName, ProvenancePolicy
from gitops_guard.rules import gg505_provenance
from gitops_guard.supply.gates.attestations import attestations, keyless_check
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome, short

if TYPE_CHECKING:
    from gitops_guard.supply.signatures import CertificateCheck


@dataclass(frozen=True, slots=True)
class ProvenanceGate:
    """``supply_chain.provenance``: allowed source repositories, refs and builders."""

    policy: ProvenancePolicy
    name: ClassVar[GateName] = "provenance"
    rule: ClassVar[str] = gg505_provenance.ID

    def check(self, ctx: GateContext, ref: ImageRef, digest: str) -> Outcome:
        """Passed with the signer's name, or GG505 "not allowed" / "no verifiable"."""
        from gitops_guard.supply import provenance as prov

        # With builders listed, any certificate that chains to the trusted root may sign:
        # its identity is then judged as the builder. Without, the signature identities.
        check: CertificateCheck = (
            (lambda _cert: None) if self.policy.builders else keyless_check(ctx.trust())
        )
        problems: list[str] = []
        rejected: list[str] = []
        for entry in attestations(ctx, ref, digest, set(prov.SLSA_PREDICATES), check):
            if isinstance(entry, str):
                problems.append(entry)
                continue
            verified, statement = entry
            provenance = prov.read_provenance(statement, verified)
            wrong = prov.problems(provenance, self.policy)
            if not wrong:
                return Outcome(self.name, detail=provenance.signer)
            rejected.append("; ".join(wrong))
        name = f"{ref.familiar_name}@{short(digest)}"
        if rejected:
            return Outcome(
                self.name,
                self.rule,
                f"{name} provenance not allowed: {rejected[0]}",
                "build it from an allowed repository and release line with an allowed builder",
                detail="rejected",
            )
        extra = f": {'; '.join(dict.fromkeys(problems))}" if problems else ""
        return Outcome(
            self.name,
            self.rule,
            f"{name} has no verifiable SLSA provenance{extra}",
            "attach SLSA provenance (slsa-github-generator, `cosign attest --type slsaprovenance`)",
            detail="missing",
        )
