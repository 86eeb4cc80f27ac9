"""GG501 and GG502: the tag (or digest) exists in the registry, and a pinned digest is
still the one the tag points to.

Resolving a reference is also what every other gate starts from: the digest they check
is the pinned one, or the one the tag resolves to. Only HEAD requests are sent here
(cheaper, and not a pull on Docker Hub); the client sends each once per run.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_guard.imageref import ImageRef
from gitops_guard.rules import gg501_tag_missing, gg502_digest_moved
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome, display, short


@dataclass(frozen=True, slots=True)
class Resolution:
    """The digest the other gates check, whether the registry has it, and the verdict of
    the registry gate (None when it did not need to ask)."""

    digest: str | None
    exists: bool
    outcome: Outcome | None = None


def resolve(ctx: GateContext, ref: ImageRef, *, gated: bool) -> Resolution:
    """Resolve ``ref``; ``gated``: the registry gate applies to some use of the image.

    Raises RegistryError when the registry cannot be asked.
    """
    client = ctx.client
    if ref.digest is not None and not gated:
        # Pinned and no registry gate here: the other gates look at the pinned digest.
        return Resolution(ref.digest, True)
    if ref.tag is None:
        assert ref.digest is not None
        if client.head_manifest(ref.registry, ref.repository, ref.digest) is None:
            return Resolution(
                ref.digest,
                False,
                Outcome(
                    "registry",
                    gg501_tag_missing.ID,
                    f"{display(ref)} does not exist in the registry",
                    "push the image, or pin a digest that the registry serves",
                ),
            )
        return Resolution(ref.digest, True, Outcome("registry"))
    current = client.head_manifest(ref.registry, ref.repository, ref.tag)
    if current is None:
        pinned_exists = ref.digest is not None and (
            client.head_manifest(ref.registry, ref.repository, ref.digest) is not None
        )
        extra = " (the pinned digest still exists)" if pinned_exists else ""
        return Resolution(
            ref.digest,
            pinned_exists,
            Outcome(
                "registry",
                gg501_tag_missing.ID,
                f"tag {ref.tag} of {ref.familiar_name} does not exist in the registry{extra}",
                "push the image first, or fix the tag; "
                "`gitops-guard explain --registry` lists the tags",
            ),
        )
    if ref.digest is None or current.digest == ref.digest:
        return Resolution(current.digest, True, Outcome("registry"))
    pinned = client.head_manifest(ref.registry, ref.repository, ref.digest)
    if pinned is not None:
        message = (
            f"tag {ref.tag} of {ref.familiar_name} now points to {short(current.digest)}, "
            f"not the pinned {short(ref.digest)} (the tag was re-pushed)"
        )
        detail = "moved"
    else:
        message = (
            f"the pinned digest {short(ref.digest)} of {ref.familiar_name} was deleted from "
            f"the registry; tag {ref.tag} now points to {short(current.digest)}"
        )
        detail = "deleted"
    return Resolution(
        ref.digest,
        pinned is not None,
        Outcome(
            "registry",
            gg502_digest_moved.ID,
            message,
            f"pinned {ref.digest}, registry {current.digest}; if the new image is the one to "
            "deploy, re-pin it (`gitops-guard pin`), else restore the tag",
            detail=detail,
        ),
    )
