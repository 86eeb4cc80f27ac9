"""What the gates of one run share, and what a gate is.

One :class:`GateContext` per run holds the registry client, the trust material of
``supply_chain.signatures`` and the vulnerability reports, each built on first use and
only once (images are checked concurrently, so under a lock). The registry gate
resolves a reference (``gates.registry``); every other gate is a :class:`DigestGate`
over its section of the typed policy, judging the digest that resolution gave.

httpx and cryptography load inside the functions that send requests or verify, so a
policy without gates, or an offline run, imports neither.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gitops_guard.errors import PolicyError
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Finding, Location
from gitops_guard.patterns.pathglob import matches_any
from gitops_guard.policy.model import (
    GateName,
    SignaturePolicy,
    SupplyChainPolicy,
    VulnerabilityPolicy,
)
from gitops_guard.repo.files import FileSource, normalize
from gitops_guard.rules import gg504_vulnerabilities
from gitops_guard.supply.gates.outcome import Outcome
from gitops_guard.supply.vulnerabilities import ReportError, ScanReport, parse_report

if TYPE_CHECKING:
    from gitops_guard.supply.registry import RegistryClient
    from gitops_guard.supply.signatures import Trust

ReadFile = Callable[[str], bytes]


class GateContext:
    """One run of the gates: the policy, where files are read, and what gates share.

    ``source`` is where vulnerability reports are read, ``read_trusted`` where keys and
    the trusted root are (``check``: at the base revision). ``client`` replaces the
    registry client (tests, benchmarks); a client given is not closed here. ``now`` is
    the moment the run counts as made (the age gate measures image ages against it).
    """

    def __init__(
        self,
        policy: SupplyChainPolicy,
        *,
        offline: bool,
        root: Path,
        source: FileSource,
        read_trusted: ReadFile,
        client: RegistryClient | None = None,
        now: datetime.datetime | None = None,
    ) -> None:
        self.policy = policy
        self.now = now if now is not None else datetime.datetime.now(datetime.UTC)
        self.offline = offline
        self.root = root
        self.source = source
        self.read_trusted = read_trusted
        self._client = client
        self._own_client = client is None
        self._lock = threading.Lock()
        self._trust: Trust | None = None
        self._reports: list[ScanReport] | None = None
        self.report_findings: list[Finding] = []  # GG504 for reports that cannot be used
        self.unreachable: set[str] = set()  # registries reported as unreachable

    @property
    def client(self) -> RegistryClient:
        """The registry client, built on first use from ``supply_chain.registry``."""
        with self._lock:
            if self._client is None:
                from gitops_guard.supply.registry import RegistryClient, settings_from_policy

                self._client = RegistryClient(settings_from_policy(self.policy.registry, self.root))
            return self._client

    @property
    def client_if_built(self) -> RegistryClient | None:
        """The client, or None when no gate has needed it (no request was sent)."""
        return self._client

    def close(self) -> None:
        """Close the client this context built."""
        if self._own_client and self._client is not None:
            self._client.close()

    def trust_files_exist(self) -> None:
        """Offline: the key and trusted-root files the policy names must be there (read,
        not parsed: parsing needs cryptography, which an offline run does not load)."""
        section = self.policy.signatures
        if section is None:
            return
        for path in section.keys:
            _read_policy_file(self.read_trusted, path, "signatures.keys")
        if section.trusted_root:
            _read_policy_file(self.read_trusted, section.trusted_root, "signatures.trusted_root")

    def trust(self) -> Trust:
        """Keys, trusted root and identities of ``supply_chain.signatures`` (read once)."""
        with self._lock:
            if self._trust is None:
                self._trust = load_trust(self.policy.signatures, self.read_trusted)
            return self._trust

    def reports(self) -> list[ScanReport]:
        """The vulnerability reports the policy's globs match (read once)."""
        with self._lock:
            if self._reports is None:
                self._reports, self.report_findings = load_reports(
                    self.policy.vulnerabilities, self.source
                )
            return self._reports

    def note_unreachable(self, registry: str) -> None:
        """Remember a registry that failed: its rate-limit quota is then not reported."""
        with self._lock:
            self.unreachable.add(registry)


class DigestGate(Protocol):
    """A gate that judges the digest the registry gate resolved (or the pinned one)."""

    @property
    def name(self) -> GateName:
        """The policy section it comes from (``signatures``, ...)."""
        ...

    @property
    def rule(self) -> str:
        """The rule it reports, also for "cannot check, the image is not there"."""
        ...

    def check(self, ctx: GateContext, ref: ImageRef, digest: str) -> Outcome:
        """The verdict for one image; raises RegistryError when the registry fails."""
        ...


def load_trust(section: SignaturePolicy | None, read: ReadFile) -> Trust:
    """Keys, trusted root and identities of ``supply_chain.signatures``; GuardError if bad.

    None (no ``signatures:`` section) trusts nothing: provenance then finds no signer.
    """
    from gitops_guard.supply import signatures as sig

    section = section or SignaturePolicy()
    keys = []
    for path in section.keys:
        keys.append(sig.load_public_key(_read_policy_file(read, path, "signatures.keys"), path))
    root = None
    root_path = section.trusted_root
    if root_path:
        data = _read_policy_file(read, root_path, "signatures.trusted_root")
        root = sig.load_trust_root(data, root_path)
    identities = tuple(sig.Identity(i.issuer, i.subject) for i in section.identities)
    if root is None and identities:
        root = sig.embedded_trust_root()
        if root is None:
            raise PolicyError(
                "supply_chain.signatures.identities needs a trusted root",
                "set supply_chain.signatures.trusted_root to a Sigstore trusted_root.json",
            )
    return sig.Trust(tuple(keys), root, identities)


def _read_policy_file(read: ReadFile, path: str, key: str) -> bytes:
    clean = normalize(path)
    if clean is None:
        raise PolicyError(f"supply_chain.{key}: {path!r} is outside the repository")
    try:
        return read(clean)
    except FileNotFoundError:
        raise PolicyError(f"supply_chain.{key}: {path} does not exist in the repository") from None
    except OSError as exc:
        raise PolicyError(f"supply_chain.{key}: cannot read {path}: {exc}") from None


def load_reports(
    section: VulnerabilityPolicy | None, source: FileSource
) -> tuple[list[ScanReport], list[Finding]]:
    """Every report the ``reports`` globs match, parsed; broken ones become GG504 findings."""
    globs = list(section.reports) if section is not None else []
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
