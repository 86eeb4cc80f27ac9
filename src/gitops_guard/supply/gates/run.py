"""One run of the supply-chain gates GG501–GG507 over the image uses of a run.

Each gate of ``supply_chain:`` (``registry``, ``signatures``, ``vulnerabilities``,
``provenance``) applies to the environments it lists (all environments when it lists
none); the age gate (GG507) to the environments that set ``min_image_age``, each with
its own minimum. Every distinct image is resolved once, concurrently, the gates some use of it
asks for judge it once, and each verdict is then reported at every use of that image
in an environment the gate covers. Offline, or with the registry unreachable, the gates
that need it are reported as not checked (``gates.unreachable``).

Findings leave here with ``severity`` set only where the policy decides it per finding
(GG506); the engine stamps the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_guard.errors import PolicyError
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Finding, ImageUse, Severity, Source
from gitops_guard.policy.model import GateName, Policy, SupplyChainPolicy
from gitops_guard.repo.files import DiskSource, FileSource
from gitops_guard.rules import gg506_registry_unreachable
from gitops_guard.supply.gates import registry, unreachable
from gitops_guard.supply.gates.age import AgeGate
from gitops_guard.supply.gates.context import DigestGate, GateContext, ReadFile
from gitops_guard.supply.gates.outcome import NO_IMAGE, Outcome, display
from gitops_guard.supply.gates.provenance import ProvenanceGate
from gitops_guard.supply.gates.signatures import SignatureGate
from gitops_guard.supply.gates.vulnerabilities import VulnerabilityGate

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory
    from gitops_guard.supply.registry import RegistryClient, RegistryError

MAX_WORKERS = 8

ImageKey = tuple[str, str, str | None, str | None]  # registry, repository, tag, digest


def supply_findings(
    inventory: Inventory,
    policy: Policy,
    root: Path,
    *,
    offline: bool,
    read_trusted: ReadFile | None = None,
    source: FileSource | None = None,
    now: datetime.datetime | None = None,
) -> list[Finding]:
    """GG501–GG507 findings for the inventory's image uses (unstamped, except GG506).

    ``source`` is the repository state the inventory was read from (``check``: the head
    tree); vulnerability reports are read there. Default: the work tree under ``root``.
    ``read_trusted`` reads the files that decide trust (``signatures.keys``,
    ``signatures.trusted_root``); ``check`` should pass a reader at the base revision so
    that a change cannot bring its own key. Default: ``source``. ``now``: the moment the
    run counts as made, which image ages are measured against (default: the wall clock).
    Raises GuardError (PolicyError) for an unusable key or trusted-root file.
    """
    return run_gates(
        inventory.uses,
        policy,
        offline=offline,
        root=root,
        read_trusted=read_trusted,
        source=source,
        now=now,
    )


def run_gates(
    uses: list[ImageUse],
    policy: Policy,
    *,
    offline: bool,
    root: Path,
    read_trusted: ReadFile | None = None,
    source: FileSource | None = None,
    client: RegistryClient | None = None,
    now: datetime.datetime | None = None,
) -> list[Finding]:
    """Apply GG501–GG507 to the uses in the environments each gate lists.

    ``source`` is the repository state the uses come from, where the vulnerability
    reports are read (default: the work tree under ``root``). ``read_trusted`` reads
    the files that decide trust (keys, trusted root): ``check`` passes a reader at the
    base revision, so a change cannot bring its own key; it defaults to ``source``.
    ``client`` replaces the registry client (tests, benchmarks). ``now`` is the moment
    the run counts as made (``check --now``, ``GITOPS_GUARD_NOW``; default: the wall
    clock): GG507 measures image ages against it.
    """
    supply_chain = policy.supply_chain
    if not supply_chain.any_enabled:
        return []
    selected = gated_uses(uses, supply_chain)
    if not selected:
        return []
    source = source or DiskSource(root)
    ctx = GateContext(
        supply_chain,
        offline=offline,
        root=root,
        source=source,
        read_trusted=read_trusted or source.read,
        client=client,
        now=now,
    )
    try:
        return _Run(ctx).findings(selected)
    finally:
        ctx.close()


def gated_uses(uses: Iterable[ImageUse], policy: SupplyChainPolicy) -> list[ImageUse]:
    """The uses some gate applies to (deployed references, not Image Updater constraints)."""
    chosen: list[ImageUse] = []
    for use in uses:
        if use.reference is None or use.source is Source.ANNOTATION:
            continue
        ref = use.reference
        if ref.tag is None and ref.digest is None:
            continue  # GG101 already reports it; there is nothing to look up
        if policy.gates_for(use.environment):
            chosen.append(use)
    return chosen


@dataclass
class _Image:
    """One distinct image of the run: the gates its uses ask for, and their verdicts."""

    ref: ImageRef
    gates: set[GateName] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)


def _key(use: ImageUse) -> ImageKey:
    ref = use.reference
    assert ref is not None
    return (ref.registry, ref.repository, ref.tag, ref.digest)


class _Run:
    """The gates the policy turns on, over the distinct images of a run."""

    def __init__(self, ctx: GateContext) -> None:
        self.ctx = ctx
        policy = ctx.policy
        self.vulnerabilities = (
            VulnerabilityGate(policy.vulnerabilities)
            if policy.vulnerabilities is not None
            else None
        )
        # After the registry gate, in this order: the order of an image's findings.
        self.digest_gates: list[DigestGate] = []
        if policy.signatures is not None:
            self.digest_gates.append(SignatureGate())
        if self.vulnerabilities is not None:
            self.digest_gates.append(self.vulnerabilities)
        if policy.provenance is not None:
            self.digest_gates.append(ProvenanceGate(policy.provenance))
        self.age = AgeGate(policy.age, ctx.now) if policy.age is not None else None
        if self.age is not None:
            self.digest_gates.append(self.age)

    def findings(self, uses: list[ImageUse]) -> list[Finding]:
        """Resolve and judge each distinct image once; report at every use it covers."""
        ctx = self.ctx
        images: dict[ImageKey, _Image] = {}
        asked: set[GateName] = set()  # by some use of some image
        for use in uses:
            assert use.reference is not None
            image = images.setdefault(_key(use), _Image(use.reference))
            image.gates.update(ctx.policy.gates_for(use.environment))
            asked.update(image.gates)
        # Trust problems are configuration errors: raise them before any request is sent;
        # offline, a missing key file is an error too (it is read, not parsed).
        if ctx.offline and ("signatures" in asked or "provenance" in asked):
            ctx.trust_files_exist()
        if not ctx.offline:
            if "signatures" in asked and not ctx.trust().configured:
                raise PolicyError(
                    "supply_chain.signatures lists no keys and no identities to trust",
                    "add keys: [path/to/cosign.pub], or identities with a trusted_root",
                )
            if "provenance" in asked:
                ctx.trust()
        if "vulnerabilities" in asked:
            ctx.reports()
        todo = list(images.values())
        if len(todo) > 1 and not ctx.offline:
            with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(todo))) as pool:
                list(pool.map(self._judge, todo))
        else:
            for image in todo:
                self._judge(image)
        found: list[Finding] = list(ctx.report_findings)
        for use in uses:
            found.extend(self._findings_at(use, images[_key(use)]))
        found.extend(self._quota_findings(uses))
        return found

    # --- one image -----------------------------------------------------------------------

    def _judge(self, image: _Image) -> None:
        """Every gate ``image`` asks for, in order, into ``image.outcomes``."""
        ctx, ref = self.ctx, image.ref
        if ctx.offline:
            self._without_registry(image, None)
            return
        from gitops_guard.supply.registry import RegistryError  # httpx: online runs only

        try:
            resolution = registry.resolve(ctx, ref, gated="registry" in image.gates)
        except RegistryError as exc:
            self._without_registry(image, exc)
            return
        if resolution.outcome is not None:
            image.outcomes.append(resolution.outcome)
        digest = resolution.digest
        for gate in self.digest_gates:
            if gate.name not in image.gates:
                continue
            if digest is None or not resolution.exists:
                image.outcomes.append(
                    Outcome(
                        gate.name,
                        gate.rule,
                        f"{display(ref)}: cannot check {gate.name}, the image is not in the "
                        "registry",
                        "push the image, or fix the reference",
                        detail=NO_IMAGE,
                    )
                )
                continue
            try:
                image.outcomes.append(gate.check(ctx, ref, digest))
            except RegistryError as exc:
                image.outcomes.append(unreachable.unreachable(ctx, gate.name, exc))

    def _without_registry(self, image: _Image, failure: RegistryError | None) -> None:
        """Offline (``failure`` None) or with the registry failing: the gates that need it
        as not checked, vulnerabilities from the repository's reports."""
        for gate in unreachable.network_gates(image.gates):
            if failure is None:
                image.outcomes.append(unreachable.offline(gate, self.ctx.policy.on_unreachable))
            else:
                image.outcomes.append(unreachable.unreachable(self.ctx, gate, failure))
        if self.vulnerabilities is not None and "vulnerabilities" in image.gates:
            image.outcomes.append(self.vulnerabilities.without_registry(self.ctx, image.ref))

    # --- outcomes into findings ----------------------------------------------------------

    def _findings_at(self, use: ImageUse, image: _Image) -> list[Finding]:
        """The image's verdicts from the gates that cover this use's environment."""
        policy = self.ctx.policy
        ref = image.ref
        found: list[Finding] = []
        not_checked: list[Outcome] = []
        registry_reported = policy.covers("registry", use.environment)
        for outcome in image.outcomes:
            if outcome.built is not None and self.age is not None:
                # Read once per image; each environment has its own minimum age.
                outcome = self.age.at(ref, outcome, use.environment)
            if not policy.covers(outcome.gate, use.environment) or outcome.rule is None:
                continue
            if outcome.detail == NO_IMAGE and registry_reported:
                continue  # GG501/GG502 already say that the image is missing
            if outcome.rule == gg506_registry_unreachable.ID:
                not_checked.append(outcome)
                continue
            found.append(
                _finding(use, ref, outcome.rule, outcome.message, outcome.hint, outcome.detail)
            )
        if not_checked:
            found.append(_not_checked_finding(use, ref, not_checked))
        return found

    def _quota_findings(self, uses: list[ImageUse]) -> list[Finding]:
        """A warning per registry whose rate-limit quota runs low (and did not fail)."""
        client = self.ctx.client_if_built
        if self.ctx.offline or client is None:
            return []
        found: list[Finding] = []
        for host, limit in sorted(client.rate_limits.items()):
            if not limit.low or host in self.ctx.unreachable:
                continue
            first = next((u for u in uses if u.reference and u.reference.registry == host), None)
            if first is None or first.reference is None:
                continue
            window = (
                f" per {limit.window // 3600}h" if limit.window and limit.window >= 3600 else ""
            )
            of = f" of {limit.limit}" if limit.limit is not None else ""
            message = (
                f"registry {host}: rate-limit quota low, {limit.remaining}{of} requests "
                f"left{window}"
            )
            found.append(
                _finding(
                    first,
                    first.reference,
                    gg506_registry_unreachable.ID,
                    message,
                    "log in to the registry (docker login) for a larger quota, or run less often",
                    "quota",
                    Severity.WARNING,
                )
            )
        return found


def _not_checked_finding(use: ImageUse, ref: ImageRef, outcomes: list[Outcome]) -> Finding:
    """One GG506 for the gates not checked at a use: the first reason, the worst level."""
    gates = ", ".join(dict.fromkeys(o.gate for o in outcomes))
    first = outcomes[0]
    severity = max(
        (o.severity or Severity.WARNING for o in outcomes),
        key=lambda s: s is Severity.ERROR,
    )
    message = f"{display(ref)}: {gates} not checked ({first.message})"
    return _finding(
        use, ref, gg506_registry_unreachable.ID, message, first.hint, first.detail, severity
    )


def _finding(
    use: ImageUse,
    ref: ImageRef,
    rule: str,
    message: str,
    hint: str | None,
    detail: str | None,
    severity: Severity | None = None,
) -> Finding:
    return Finding(
        rule,
        message,
        use.location,
        severity=severity,
        hint=hint,
        app=use.app,
        environment=use.environment,
        image=str(ref),
        resource=use.resource,
        container=use.container,
        detail=detail,
    )
