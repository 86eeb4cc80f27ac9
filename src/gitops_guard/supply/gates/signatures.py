"""GG503: the image's digest carries a valid signature from a signer the policy trusts.

Two layouts are read: cosign's ``<alg>-<hex>.sig`` tag (one simple-signing payload per
layer, key-based or legacy keyless) and Sigstore bundles attached as OCI referrers
(cosign v3's default). The first candidate that verifies passes the gate; trust is
``supply_chain.signatures`` (keys, a trusted root, identities), read by the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gitops_guard.imageref import ImageRef
from gitops_guard.policy.model import GateName
from gitops_guard.rules import gg503_signature_invalid
from gitops_guard.supply.gates.attestations import bundles, layers
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome, short


@dataclass(frozen=True, slots=True)
class SignatureGate:
    """``supply_chain.signatures``: its settings are the trust the context holds."""

    name: ClassVar[GateName] = "signatures"
    rule: ClassVar[str] = gg503_signature_invalid.ID

    def check(self, ctx: GateContext, ref: ImageRef, digest: str) -> Outcome:
        """Passed with the signer's name, or GG503 "not signed" / "no valid signature"."""
        from gitops_guard.supply import signatures as sig
        from gitops_guard.supply.registry import fallback_tag

        trust = ctx.trust()
        client = ctx.client
        problems: list[str] = []
        seen = False
        manifest = client.fetch_manifest(
            ref.registry, ref.repository, fallback_tag(digest) + ".sig"
        )
        if manifest is not None:
            for layer in layers(manifest.data):
                if layer.get("mediaType") != sig.SIMPLE_SIGNING:
                    continue
                seen = True
                try:
                    payload = client.get_blob(ref.registry, ref.repository, layer["digest"])
                    verified = sig.verify_simple_signing_layer(
                        payload, layer.get("annotations") or {}, digest, trust
                    )
                except sig.SignatureInvalid as exc:
                    problems.append(str(exc))
                    continue
                return Outcome(self.name, detail=verified.signer)
        for verified_or_problem in bundles(ctx, ref, digest, {sig.COSIGN_SIGN_PREDICATE}, None):
            seen = True
            if isinstance(verified_or_problem, str):
                problems.append(verified_or_problem)
                continue
            verified_bundle, _statement = verified_or_problem
            return Outcome(self.name, detail=verified_bundle.signer)
        name = ref.familiar_name
        if not seen:
            return Outcome(
                self.name,
                self.rule,
                f"{name}@{short(digest)} is not signed: no cosign signature "
                f"({fallback_tag(digest)[:19]}….sig) and no Sigstore bundle referrer",
                f"sign it (`cosign sign --key …`); trusted: {trust.describe()}",
                detail="missing",
            )
        reasons = "; ".join(dict.fromkeys(problems))
        return Outcome(
            self.name,
            self.rule,
            f"{name}@{short(digest)} has no valid signature from a trusted signer: {reasons}",
            f"trusted: {trust.describe()}",
            detail="invalid",
        )
