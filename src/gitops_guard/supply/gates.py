"""The supply-chain gates GG501–GG506 over the image uses of a run.

Each gate of ``supply_chain:`` (``registry``, ``signatures``, ``vulnerabilities``,
``provenance``) applies to the environments it lists (all environments when it lists
none). Every distinct image is resolved once, concurrently, and each gate's verdict is
then reported at every use of that image in an environment the gate covers.

When the registry cannot be asked (down, timing out, rate-limited, refusing), the
gates that needed it are reported as GG506 under ``on_unreachable``: ``fail`` (an
error, the default: fail closed), ``warn`` (a warning) or ``skip`` (nothing). With
``offline`` no request is sent at all and every gate that needs the network is
reported as "not checked (offline)" at warning level — never as passed. The
vulnerability gate still runs offline for images pinned by digest, from the reports in
the repository.

Findings leave here with ``severity`` set only where the policy decides it per finding
(GG506); the engine stamps the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from gitops_guard.errors import PolicyError
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Finding, ImageUse, Location, Severity, Source
from gitops_guard.patterns.pathglob import matches_any
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import (
    DiskSource,
    FileSource,
)
from gitops_guard.rules import (
    gg501_tag_missing,
    gg502_digest_moved,
    gg503_signature_invalid,
    gg504_vulnerabilities,
    gg505_provenance,
    gg506_registry_unreachable,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory
    from gitops_guard.model import Finding
    from gitops_guard.policy.model import Policy
    from gitops_guard.repo.files import FileSource
    from gitops_guard.supply.signatures import Verified


# A verified statement with its signer, or why a candidate did not verify.
Found: TypeAlias = "str | tuple[Verified, dict[str, Any]]"

GATES = ("registry", "signatures", "vulnerabilities", "provenance")
NETWORK_GATES = ("registry", "signatures", "provenance")
ON_UNREACHABLE = ("fail", "warn", "skip")
DEFAULT_LIMITS: Mapping[str, int] = {"critical": 0}
MAX_WORKERS = 8

ReadFile = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class Gate:
    """One gate of the policy: on or off, and the environments it covers (None: all)."""

    name: str
    enabled: bool = False
    environments: frozenset[str] | None = None

    def covers(self, environment: str | None) -> bool:
        if not self.enabled:
            return False
        return self.environments is None or environment in self.environments


@dataclass(frozen=True, slots=True)
class GateSettings:
    """The ``supply_chain:`` block, read once."""

    gates: Mapping[str, Gate]
    on_unreachable: str = "fail"
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def any_enabled(self) -> bool:
        return any(g.enabled for g in self.gates.values())

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.raw.get(name)
        return value if isinstance(value, Mapping) else {}


def read_settings(policy: Policy) -> GateSettings:
    """The gates a policy turns on, and where."""
    raw = policy.supply_chain
    gates: dict[str, Gate] = {}
    for name in GATES:
        section = raw.get(name)
        if not isinstance(section, Mapping):
            gates[name] = Gate(name)
            continue
        environments = section.get("environments")
        gates[name] = Gate(
            name,
            enabled=True,
            environments=frozenset(environments) if environments is not None else None,
        )
    on_unreachable = str(raw.get("on_unreachable") or "fail")
    if on_unreachable not in ON_UNREACHABLE:
        raise PolicyError(f"supply_chain.on_unreachable: {on_unreachable!r} is not fail|warn|skip")
    return GateSettings(gates, on_unreachable, raw)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict of one gate for one image; ``rule`` None means "passed"."""

    gate: str
    rule: str | None = None
    message: str = ""
    hint: str | None = None
    severity: Severity | None = None
    detail: str | None = None


@dataclass
class _ImageWork:
    ref: ImageRef
    gates: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)


def short(digest: str | None) -> str:
    """``sha256:4f4f8c0d1e2a…`` for messages."""
    if not digest:
        return "none"
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}…" if len(value) > 12 else digest


def display(ref: ImageRef) -> str:
    """``name:tag@sha256:4f4f8c0d1e2a…``: the reference with its digest shortened."""
    text = ref.familiar_name + (f":{ref.tag}" if ref.tag else "")
    return text + (f"@{short(ref.digest)}" if ref.digest else "")


def gated_uses(uses: Iterable[ImageUse], settings: GateSettings) -> list[ImageUse]:
    """The uses some gate applies to (deployed references, not Image Updater constraints)."""
    chosen: list[ImageUse] = []
    for use in uses:
        if use.reference is None or use.source is Source.ANNOTATION:
            continue
        ref = use.reference
        if ref.tag is None and ref.digest is None:
            continue  # GG101 already reports it; there is nothing to look up
        if any(g.covers(use.environment) for g in settings.gates.values()):
            chosen.append(use)
    return chosen


def run_gates(
    uses: list[ImageUse],
    policy: Policy,
    *,
    offline: bool,
    root: Path,
    read_trusted: ReadFile | None = None,
    source: FileSource | None = None,
    client: Any = None,
) -> list[Finding]:
    """Apply GG501–GG506 to the uses in the environments each gate lists.

    ``source`` is the repository state the uses come from, where the vulnerability
    reports are read (default: the work tree under ``root``). ``read_trusted`` reads
    the files that decide trust (keys, trusted root): ``check`` passes a reader at the
    base revision, so a change cannot bring its own key; it defaults to ``source``.
    ``client`` replaces the registry client (tests, benchmarks).
    """
    settings = read_settings(policy)
    if not settings.any_enabled:
        return []
    selected = gated_uses(uses, settings)
    if not selected:
        return []
    source = source or DiskSource(root)
    runner = _Runner(settings, source, read_trusted or source.read, offline, client, root)
    try:
        return runner.run(selected)
    finally:
        runner.close()


class _Runner:
    """One run of the gates: settings, lazily loaded trust and reports, one client."""

    def __init__(
        self,
        settings: GateSettings,
        source: FileSource,
        read_trusted: ReadFile,
        offline: bool,
        client: Any,
        root: Path,
    ) -> None:
        self.settings = settings
        self.source = source
        self.read_trusted = read_trusted
        self.offline = offline
        self.root = root
        self._client = client
        self._own_client = client is None
        self._lock = threading.Lock()
        self._trust: Any = None
        self._reports: list[Any] | None = None
        self._report_findings: list[Finding] = []
        self._failed: set[str] = set()  # registries already reported as unreachable

    # --- lazily built parts --------------------------------------------------------------

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from gitops_guard.supply.registry import (
                    RegistryClient,
                    settings_from_policy,
                )

                self._client = RegistryClient(
                    settings_from_policy(self.settings.section("registry"), self.root)
                )
            return self._client

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()

    def trust(self) -> Any:
        with self._lock:
            if self._trust is None:
                self._trust = load_trust(self.settings.section("signatures"), self.read_trusted)
            return self._trust

    def reports(self) -> list[Any]:
        with self._lock:
            if self._reports is None:
                self._reports, self._report_findings = load_reports(
                    self.settings.section("vulnerabilities"), self.source
                )
            return self._reports

    # --- the run -------------------------------------------------------------------------

    def run(self, uses: list[ImageUse]) -> list[Finding]:
        work: dict[tuple[str, str, str | None, str | None], _ImageWork] = {}
        for use in uses:
            ref = use.reference
            assert ref is not None
            key = (ref.registry, ref.repository, ref.tag, ref.digest)
            item = work.setdefault(key, _ImageWork(ref))
            item.gates.update(
                name for name, gate in self.settings.gates.items() if gate.covers(use.environment)
            )
        # Trust problems are configuration errors: raise them before any request is sent,
        # offline too (a missing key file is wrong whether or not the registry is asked).
        if work:
            if any("signatures" in w.gates for w in work.values()) and not self.trust().configured:
                raise PolicyError(
                    "supply_chain.signatures lists no keys and no identities to trust",
                    "add keys: [path/to/cosign.pub], or identities with a trusted_root",
                )
            if any("provenance" in w.gates for w in work.values()):
                self.trust()
        if any("vulnerabilities" in w.gates for w in work.values()):
            self.reports()
        items = list(work.values())
        if len(items) > 1 and not self.offline:
            with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(items))) as pool:
                list(pool.map(self._check_image, items))
        else:
            for item in items:
                self._check_image(item)
        findings: list[Finding] = list(self._report_findings)
        for use in uses:
            ref = use.reference
            assert ref is not None
            item = work[(ref.registry, ref.repository, ref.tag, ref.digest)]
            findings.extend(self._findings_for(use, item))
        findings.extend(self._quota_findings(uses))
        return findings

    def _findings_for(self, use: ImageUse, item: _ImageWork) -> list[Finding]:
        ref = item.ref
        found: list[Finding] = []
        not_checked: list[Outcome] = []
        registry_reported = self.settings.gates["registry"].covers(use.environment)
        for outcome in item.outcomes:
            gate = self.settings.gates[outcome.gate]
            if not gate.covers(use.environment) or outcome.rule is None:
                continue
            if outcome.detail == _NO_IMAGE and registry_reported:
                continue  # GG501/GG502 already say that the image is missing
            if outcome.rule == gg506_registry_unreachable.ID:
                not_checked.append(outcome)
                continue
            found.append(
                _finding(use, ref, outcome.rule, outcome.message, outcome.hint, outcome.detail)
            )
        if not_checked:
            found.append(self._unreachable_finding(use, ref, not_checked))
        return found

    def _unreachable_finding(
        self, use: ImageUse, ref: ImageRef, outcomes: list[Outcome]
    ) -> Finding:
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

    def _quota_findings(self, uses: list[ImageUse]) -> list[Finding]:
        if self.offline or self._client is None:
            return []
        found: list[Finding] = []
        for registry, limit in sorted(getattr(self._client, "rate_limits", {}).items()):
            if not limit.low or registry in self._failed:
                continue
            first = next(
                (u for u in uses if u.reference and u.reference.registry == registry), None
            )
            if first is None or first.reference is None:
                continue
            window = (
                f" per {limit.window // 3600}h" if limit.window and limit.window >= 3600 else ""
            )
            of = f" of {limit.limit}" if limit.limit is not None else ""
            message = (
                f"registry {registry}: rate-limit quota low, {limit.remaining}{of} requests "
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

    # --- one image -----------------------------------------------------------------------

    def _check_image(self, item: _ImageWork) -> None:
        from gitops_guard.supply.registry import RegistryError

        ref = item.ref
        if self.offline:
            item.outcomes.extend(self._offline(item))
            return
        try:
            digest, exists = self._registry_gate(item)
        except RegistryError as exc:
            item.outcomes.extend(self._unreachable(g, exc) for g in _network_gates(item.gates))
            if "vulnerabilities" in item.gates:
                item.outcomes.append(self._vulnerabilities_offline(ref, ref.digest))
            return
        for gate, check in (
            ("signatures", self._signature_gate),
            ("vulnerabilities", self._vulnerability_gate),
            ("provenance", self._provenance_gate),
        ):
            if gate not in item.gates:
                continue
            if digest is None or not exists:
                item.outcomes.append(
                    Outcome(
                        gate,
                        _RULE_OF[gate],
                        f"{display(ref)}: cannot check {gate}, the image is not in the registry",
                        "push the image, or fix the reference",
                        detail=_NO_IMAGE,
                    )
                )
                continue
            try:
                item.outcomes.append(check(ref, digest))
            except RegistryError as exc:
                item.outcomes.append(self._unreachable(gate, exc))

    def _offline(self, item: _ImageWork) -> list[Outcome]:
        # Not checked is never passed: where the policy fails closed on an unreachable
        # registry, a run that does not ask it fails too.
        outcomes = [
            Outcome(
                gate,
                gg506_registry_unreachable.ID,
                "offline",
                "run without --offline (with registry access) to check them",
                _severity_for(self.settings.on_unreachable),
                "offline",
            )
            for gate in _network_gates(item.gates)
        ]
        if "vulnerabilities" in item.gates:
            outcomes.append(self._vulnerabilities_offline(item.ref, item.ref.digest))
        return outcomes

    def _unreachable(self, gate: str, exc: Exception) -> Outcome:
        from gitops_guard.supply.registry import (
            DigestMismatch,
            RegistryError,
        )

        assert isinstance(exc, RegistryError)
        with self._lock:
            self._failed.add(exc.registry)
        if isinstance(exc, DigestMismatch):
            # Not an outage: the registry served something else than it claims. Fail closed
            # whatever on_unreachable says.
            return Outcome(
                gate, gg506_registry_unreachable.ID, str(exc), None, Severity.ERROR, "mismatch"
            )
        policy = self.settings.on_unreachable
        if policy == "skip":
            return Outcome(gate)
        return Outcome(
            gate,
            gg506_registry_unreachable.ID,
            f"registry {exc.registry}: {exc.reason}",
            f"supply_chain.on_unreachable is {policy!r}; retry when the registry answers",
            Severity.ERROR if policy == "fail" else Severity.WARNING,
            "rate-limited" if exc.rate_limited else "unreachable",
        )

    def _registry_gate(self, item: _ImageWork) -> tuple[str | None, bool]:
        """GG501/GG502; returns the digest the other gates check and whether it exists."""
        ref = item.ref
        client = self.client
        wants_registry = "registry" in item.gates
        if ref.digest is not None and not wants_registry:
            # Pinned and no registry gate here: the other gates look at the pinned digest.
            return ref.digest, True
        if ref.tag is None:
            assert ref.digest is not None
            found = client.head_manifest(ref.registry, ref.repository, ref.digest)
            if found is None:
                item.outcomes.append(
                    Outcome(
                        "registry",
                        gg501_tag_missing.ID,
                        f"{display(ref)} does not exist in the registry",
                        "push the image, or pin a digest that the registry serves",
                    )
                )
                return ref.digest, False
            item.outcomes.append(Outcome("registry"))
            return ref.digest, True
        current = client.head_manifest(ref.registry, ref.repository, ref.tag)
        if current is None:
            pinned_exists = ref.digest is not None and (
                client.head_manifest(ref.registry, ref.repository, ref.digest) is not None
            )
            extra = " (the pinned digest still exists)" if pinned_exists else ""
            item.outcomes.append(
                Outcome(
                    "registry",
                    gg501_tag_missing.ID,
                    f"tag {ref.tag} of {ref.familiar_name} does not exist in the registry{extra}",
                    "push the image first, or fix the tag; "
                    "`gitops-guard explain --registry` lists the tags",
                )
            )
            return ref.digest, pinned_exists
        if ref.digest is None or current.digest == ref.digest:
            item.outcomes.append(Outcome("registry"))
            return current.digest, True
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
        item.outcomes.append(
            Outcome(
                "registry",
                gg502_digest_moved.ID,
                message,
                f"pinned {ref.digest}, registry {current.digest}; if the new image is the one to "
                "deploy, re-pin it (`gitops-guard pin`), else restore the tag",
                detail=detail,
            )
        )
        return ref.digest, pinned is not None

    # --- signatures ----------------------------------------------------------------------

    def _signature_gate(self, ref: ImageRef, digest: str) -> Outcome:
        from gitops_guard.supply import signatures as sig
        from gitops_guard.supply.registry import fallback_tag

        trust = self.trust()
        client = self.client
        problems: list[str] = []
        seen = False
        manifest = client.fetch_manifest(
            ref.registry, ref.repository, fallback_tag(digest) + ".sig"
        )
        if manifest is not None:
            for layer in _layers(manifest.data):
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
                return Outcome("signatures", detail=verified.signer)
        for verified_or_problem in self._bundles(ref, digest, {sig.COSIGN_SIGN_PREDICATE}, None):
            seen = True
            if isinstance(verified_or_problem, str):
                problems.append(verified_or_problem)
                continue
            verified_bundle, _statement = verified_or_problem
            return Outcome("signatures", detail=verified_bundle.signer)
        name = ref.familiar_name
        if not seen:
            return Outcome(
                "signatures",
                gg503_signature_invalid.ID,
                f"{name}@{short(digest)} is not signed: no cosign signature "
                f"({fallback_tag(digest)[:19]}….sig) and no Sigstore bundle referrer",
                f"sign it (`cosign sign --key …`); trusted: {trust.describe()}",
                detail="missing",
            )
        reasons = "; ".join(dict.fromkeys(problems))
        return Outcome(
            "signatures",
            gg503_signature_invalid.ID,
            f"{name}@{short(digest)} has no valid signature from a trusted signer: {reasons}",
            f"trusted: {trust.describe()}",
            detail="invalid",
        )

    def _bundles(
        self,
        ref: ImageRef,
        digest: str,
        predicates: set[str],
        certificate_check: Any,
        subjects: Sequence[str] | None = None,
    ) -> Iterator[Found]:
        """Verified statements (or problems) from Sigstore bundle referrers of ``digest``."""
        from gitops_guard.supply import signatures as sig

        trust = self.trust()
        client = self.client
        for descriptor in client.referrers(ref.registry, ref.repository, digest):
            artifact = descriptor.get("artifactType")
            annotations = descriptor.get("annotations")
            if not isinstance(annotations, Mapping):
                annotations = {}
            if not isinstance(descriptor.get("digest"), str):
                continue
            predicate = annotations.get("dev.sigstore.bundle.predicateType")
            if artifact not in sig.BUNDLE_TYPES:
                continue
            if predicate is not None and predicate not in predicates:
                continue
            manifest = client.get_manifest(
                ref.registry, ref.repository, str(descriptor.get("digest"))
            )
            if manifest is None:
                continue
            for layer in _layers(manifest.data):
                if layer.get("mediaType") not in sig.BUNDLE_TYPES:
                    continue
                try:
                    blob = client.get_blob(ref.registry, ref.repository, layer["digest"])
                    verified = sig.verify_bundle(blob, trust, certificate_check)
                    statement = sig.parse_statement(verified.payload)
                except sig.SignatureInvalid as exc:
                    yield str(exc)
                    continue
                if statement.get("predicateType") not in predicates:
                    continue
                if not sig.names_digest(statement, subjects or (digest,)):
                    yield f"a bundle is for {', '.join(sorted(sig.subject_digests(statement)))}"
                    continue
                yield verified, statement

    def _attestations(
        self, ref: ImageRef, digest: str, predicates: set[str], certificate_check: Any
    ) -> list[Found]:
        """Verified (Verified, statement) pairs or problem strings, from .att and bundles."""
        from gitops_guard.supply import signatures as sig
        from gitops_guard.supply.registry import fallback_tag

        trust = self.trust()
        client = self.client
        subjects = self._subjects(ref, digest)
        found: list[Found] = []
        for candidate in subjects[:2]:
            manifest = client.fetch_manifest(
                ref.registry, ref.repository, fallback_tag(candidate) + ".att"
            )
            if manifest is not None:
                for layer in _layers(manifest.data):
                    annotations = layer.get("annotations") or {}
                    if layer.get("mediaType") != sig.DSSE_ENVELOPE:
                        continue
                    if (
                        annotations.get(sig.ANNOTATION_PREDICATE, next(iter(predicates)))
                        not in predicates
                    ):
                        continue
                    try:
                        blob = client.get_blob(ref.registry, ref.repository, layer["digest"])
                        verified = sig.verify_dsse_layer(
                            blob, annotations, trust, certificate_check
                        )
                        statement = sig.parse_statement(verified.payload)
                    except sig.SignatureInvalid as exc:
                        found.append(str(exc))
                        continue
                    if statement.get("predicateType") not in predicates:
                        continue
                    if not sig.names_digest(statement, subjects):
                        found.append(
                            "an attestation is for "
                            + ", ".join(sorted(sig.subject_digests(statement)))
                        )
                        continue
                    found.append((verified, statement))
            found.extend(self._bundles(ref, candidate, predicates, certificate_check, subjects))
        return found

    def _subjects(self, ref: ImageRef, digest: str) -> list[str]:
        """The digest, then (for an index) the chosen platform's and the other manifests'."""
        from gitops_guard.supply.registry import (
            index_children,
            select_platform,
        )

        found = [digest]
        client = self.client
        descriptor = client.head_manifest(ref.registry, ref.repository, digest)
        if descriptor is None or not descriptor.is_index:
            return found
        manifest = client.get_manifest(ref.registry, ref.repository, digest)
        if manifest is not None:
            platform = select_platform(manifest.data, self.client.settings.platform)
            if platform is not None:
                found.append(platform.digest)
            found += [d for d in index_children(manifest.data) if d not in found]
        return found

    # --- vulnerabilities -----------------------------------------------------------------

    def _vulnerability_gate(self, ref: ImageRef, digest: str) -> Outcome:
        from gitops_guard.supply import signatures as sig
        from gitops_guard.supply import vulnerabilities as vuln

        section = self.settings.section("vulnerabilities")
        reports = [r for r in self.reports() if r.names((digest,))]
        subjects: list[str] = [digest]
        if not reports and self.reports():
            subjects = self._subjects(ref, digest)
            config = self._config_digest(ref, subjects)
            reports = [r for r in self.reports() if r.names(subjects, config)]
        problems: list[str] = []
        if section.get("attestations"):
            check = self._keyless_check()
            for entry in self._attestations(ref, digest, {vuln.VULN_PREDICATE}, check):
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
        return self._judge_reports(ref, digest, reports, problems)

    def _vulnerabilities_offline(self, ref: ImageRef, digest: str | None) -> Outcome:
        if not self.offline and self.settings.on_unreachable == "skip" and digest is None:
            return Outcome("vulnerabilities")
        if digest is None:
            return Outcome(
                "vulnerabilities",
                gg506_registry_unreachable.ID,
                "offline" if self.offline else "registry unreachable, and no digest is pinned",
                "pin the digest so reports can be matched without the registry",
                Severity.WARNING if self.offline else _severity_for(self.settings.on_unreachable),
                "offline" if self.offline else "unreachable",
            )
        reports = [r for r in self.reports() if r.names((digest,))]
        config_only = any(r.config_digests and not r.manifest_digests for r in self.reports())
        if not reports and config_only:
            # A local scan names the config digest only; matching it needs the manifest.
            return Outcome(
                "vulnerabilities",
                gg506_registry_unreachable.ID,
                "offline" if self.offline else "registry unreachable",
                "reports that name only the image config digest are matched through the registry",
                Severity.WARNING if self.offline else _severity_for(self.settings.on_unreachable),
                "offline" if self.offline else "unreachable",
            )
        if not reports and self.settings.section("vulnerabilities").get("attestations"):
            return Outcome(
                "vulnerabilities",
                gg506_registry_unreachable.ID,
                "offline" if self.offline else "registry unreachable",
                "vulnerability attestations are read from the registry",
                Severity.WARNING,
                "offline",
            )
        return self._judge_reports(ref, digest, reports, [])

    def _judge_reports(
        self, ref: ImageRef, digest: str, reports: list[Any], problems: list[str]
    ) -> Outcome:
        from gitops_guard.supply import vulnerabilities as vuln

        section = self.settings.section("vulnerabilities")
        name = f"{ref.familiar_name}@{short(digest)}"
        if not reports:
            where = section.get("reports")
            looked = (
                ", ".join(where) if isinstance(where, list) else str(where or "no report paths")
            )
            extra = f"; {'; '.join(problems)}" if problems else ""
            return Outcome(
                "vulnerabilities",
                gg504_vulnerabilities.ID,
                f"no vulnerability report names {name} (looked in {looked}){extra}",
                "scan the image by digest (trivy image --format json repo@sha256:…) and commit "
                "the report where the policy looks",
                detail="missing",
            )
        configured = section.get("max")
        limits = dict(configured) if isinstance(configured, Mapping) else dict(DEFAULT_LIMITS)
        counted = vuln.count(v for r in reports for v in r.vulnerabilities)
        over = list(vuln.over_threshold(counted, limits))
        if not over:
            return Outcome("vulnerabilities")
        parts = []
        for severity, found, allowed in over:
            ids = counted.by_severity[severity]
            listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            parts.append(f"{found} {severity} (at most {allowed} allowed: {listed})")
        scanners = ", ".join(sorted({r.source for r in reports}))
        return Outcome(
            "vulnerabilities",
            gg504_vulnerabilities.ID,
            f"{name} has vulnerabilities above the threshold: {'; '.join(parts)}",
            f"from {scanners}; rebuild on patched packages, or raise supply_chain."
            "vulnerabilities.max with a reason",
            detail="threshold",
        )

    def _config_digest(self, ref: ImageRef, subjects: list[str]) -> str | None:
        """The config digest of the image (of its chosen platform for an index)."""
        if not any(r.config_digests for r in self.reports()):
            return None
        client = self.client
        for digest in subjects[:2]:
            manifest = client.fetch_manifest(ref.registry, ref.repository, digest)
            if manifest is None or manifest.descriptor.is_index:
                continue
            config = manifest.data.get("config")
            if isinstance(config, Mapping) and isinstance(config.get("digest"), str):
                return str(config["digest"])
        return None

    # --- provenance ----------------------------------------------------------------------

    def _keyless_check(self) -> Any:
        from gitops_guard.supply.signatures import identity_check

        trust = self.trust()
        return identity_check(trust.identities) if trust.identities else _no_keyless

    def _provenance_gate(self, ref: ImageRef, digest: str) -> Outcome:
        from gitops_guard.supply import provenance as prov

        section = self.settings.section("provenance")
        policy = prov.ProvenancePolicy(
            tuple(section.get("source_repositories") or ()),
            tuple(section.get("refs") or ()),
            tuple(section.get("builders") or ()),
        )
        # With builders listed, any certificate that chains to the trusted root may sign:
        # its identity is then judged as the builder. Without, the signature identities.
        check = (lambda _cert: None) if policy.builders else self._keyless_check()
        problems: list[str] = []
        rejected: list[str] = []
        for entry in self._attestations(ref, digest, set(prov.SLSA_PREDICATES), check):
            if isinstance(entry, str):
                problems.append(entry)
                continue
            verified, statement = entry
            provenance = prov.read_provenance(statement, verified)
            wrong = prov.problems(provenance, policy)
            if not wrong:
                return Outcome("provenance", detail=provenance.signer)
            rejected.append("; ".join(wrong))
        name = f"{ref.familiar_name}@{short(digest)}"
        if rejected:
            return Outcome(
                "provenance",
                gg505_provenance.ID,
                f"{name} provenance not allowed: {rejected[0]}",
                "build it from an allowed repository and release line with an allowed builder",
                detail="rejected",
            )
        extra = f": {'; '.join(dict.fromkeys(problems))}" if problems else ""
        return Outcome(
            "provenance",
            gg505_provenance.ID,
            f"{name} has no verifiable SLSA provenance{extra}",
            "attach SLSA provenance (slsa-github-generator, `cosign attest --type slsaprovenance`)",
            detail="missing",
        )


def _no_keyless(_cert: Any) -> str | None:
    return (
        "keyless signature, but the policy lists no identities (supply_chain.signatures.identities)"
    )


_NO_IMAGE = "no-image"
_RULE_OF = {
    "registry": gg501_tag_missing.ID,
    "signatures": gg503_signature_invalid.ID,
    "vulnerabilities": gg504_vulnerabilities.ID,
    "provenance": gg505_provenance.ID,
}


def _severity_for(on_unreachable: str) -> Severity:
    return Severity.ERROR if on_unreachable == "fail" else Severity.WARNING


def _network_gates(gates: Iterable[str]) -> list[str]:
    return [g for g in NETWORK_GATES if g in gates]


def _layers(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Well-formed layers only (digest a string, annotations a mapping): registry content
    is untrusted input."""
    layers = manifest.get("layers")
    found: list[Mapping[str, Any]] = []
    for layer in layers if isinstance(layers, list) else ():
        if not isinstance(layer, Mapping) or not isinstance(layer.get("digest"), str):
            continue
        annotations = layer.get("annotations")
        found.append(
            {**layer, "annotations": annotations if isinstance(annotations, Mapping) else {}}
        )
    return found


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


# --- trust and reports ------------------------------------------------------------------


def load_trust(section: Mapping[str, Any], read: ReadFile) -> Any:
    """Keys, trusted root and identities of ``supply_chain.signatures``; GuardError if bad."""
    from gitops_guard.supply import signatures as sig

    keys = []
    for path in section.get("keys") or ():
        keys.append(sig.load_public_key(_read_policy_file(read, path, "signatures.keys"), path))
    root = None
    root_path = section.get("trusted_root")
    if root_path:
        data = _read_policy_file(read, root_path, "signatures.trusted_root")
        root = sig.load_trust_root(data, root_path)
    identities = tuple(
        sig.Identity(str(i["issuer"]), str(i["subject"]))
        for i in section.get("identities") or ()
        if isinstance(i, Mapping)
    )
    if root is None and identities:
        root = sig.embedded_trust_root()
        if root is None:
            raise PolicyError(
                "supply_chain.signatures.identities needs a trusted root",
                "set supply_chain.signatures.trusted_root to a Sigstore trusted_root.json",
            )
    return sig.Trust(tuple(keys), root, identities)


def _read_policy_file(read: ReadFile, path: str, key: str) -> bytes:
    from gitops_guard.repo.files import normalize

    clean = normalize(path)
    if clean is None:
        raise PolicyError(f"supply_chain.{key}: {path!r} is outside the repository")
    try:
        return read(clean)
    except FileNotFoundError:
        raise PolicyError(f"supply_chain.{key}: {path} does not exist in the repository") from None
    except OSError as exc:
        raise PolicyError(f"supply_chain.{key}: cannot read {path}: {exc}") from None


def load_reports(section: Mapping[str, Any], source: FileSource) -> tuple[list[Any], list[Finding]]:
    """Every report the ``reports`` globs match, parsed; broken ones become GG504 findings."""
    from gitops_guard.supply.vulnerabilities import ReportError, parse_report

    patterns = section.get("reports")
    globs = [patterns] if isinstance(patterns, str) else list(patterns or ())
    if not globs:
        return [], []
    reports = []
    problems: list[Finding] = []
    for path in source.list_files():
        if not matches_any(globs, path):
            continue
        try:
            reports.append(parse_report(source.read(path), path))
        except (ReportError, OSError) as exc:
            problems.append(
                Finding(
                    gg504_vulnerabilities.ID,
                    f"vulnerability report {path} cannot be used: {exc}",
                    Location(path),
                    hint="reports must be Trivy (--format json) or Grype (-o json) JSON",
                    detail="report",
                )
            )
    return reports, problems


__all__ = [
    "GATES",
    "GateSettings",
    "read_settings",
    "run_gates",
]


def supply_findings(
    inventory: Inventory,
    policy: Policy,
    root: Path,
    *,
    offline: bool,
    read_trusted: Callable[[str], bytes] | None = None,
    source: FileSource | None = None,
) -> list[Finding]:
    """GG501–GG506 findings for the inventory's image uses (unstamped, except GG506).

    ``source`` is the repository state the inventory was read from (``check``: the head
    tree); vulnerability reports are read there. Default: the work tree under ``root``.
    ``read_trusted`` reads the files that decide trust (``signatures.keys``,
    ``signatures.trusted_root``); ``check`` should pass a reader at the base revision so
    that a change cannot bring its own key. Default: ``source``.
    Raises GuardError (PolicyError) for an unusable key or trusted-root file.
    """
    return run_gates(
        inventory.uses,
        policy,
        offline=offline,
        root=root,
        read_trusted=read_trusted,
        source=source,
    )
