"""Gates that could not ask the registry: offline, or the registry down or refusing.

Each is reported as GG506 ("not checked"), never as passed. Offline, at the level
``on_unreachable`` gives (``fail``: an error).
When the registry fails, ``supply_chain.on_unreachable`` decides: ``fail`` (an error,
the default: fail closed), ``warn`` (a warning) or ``skip`` (nothing). A registry that
serves a body whose digest is not the one it claims is not an outage: that is an error
whatever ``on_unreachable`` says.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gitops_guard.model import Severity
from gitops_guard.policy.model import GateName, OnUnreachable
from gitops_guard.rules import gg506_registry_unreachable
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome

if TYPE_CHECKING:
    from gitops_guard.supply.registry import RegistryError

# The gates that cannot run without the registry (vulnerabilities can, from reports).
NETWORK_GATES: tuple[GateName, ...] = ("registry", "signatures", "provenance", "age")


def network_gates(gates: Iterable[GateName]) -> list[GateName]:
    """The gates among ``gates`` that need the registry, in policy order."""
    wanted = set(gates)
    return [gate for gate in NETWORK_GATES if gate in wanted]


def severity_for(on_unreachable: OnUnreachable) -> Severity:
    """The level of a "not checked" finding when the registry fails."""
    return Severity.ERROR if on_unreachable == "fail" else Severity.WARNING


def offline(gate: GateName, on_unreachable: OnUnreachable = "warn") -> Outcome:
    """``gate`` not checked because the run is offline: not checked is never passed, so
    where the policy fails closed on an unreachable registry, an offline run fails too."""
    return Outcome(
        gate,
        gg506_registry_unreachable.ID,
        "offline",
        "run without --offline (with registry access) to check them",
        severity_for(on_unreachable),
        "offline",
    )


def unreachable(ctx: GateContext, gate: GateName, exc: RegistryError) -> Outcome:
    """``gate`` not checked because the registry failed with ``exc``."""
    from gitops_guard.supply.registry import DigestMismatch

    ctx.note_unreachable(exc.registry)
    if isinstance(exc, DigestMismatch):
        # Not an outage: the registry served something else than it claims. Fail closed
        # whatever on_unreachable says.
        return Outcome(
            gate, gg506_registry_unreachable.ID, str(exc), None, Severity.ERROR, "mismatch"
        )
    policy = ctx.policy.on_unreachable
    if policy == "skip":
        return Outcome(gate)
    return Outcome(
        gate,
        gg506_registry_unreachable.ID,
        f"registry {exc.registry}: {exc.reason}",
        f"supply_chain.on_unreachable is {policy!r}; retry when the registry answers",
        severity_for(policy),
        "rate-limited" if exc.rate_limited else "unreachable",
    )
