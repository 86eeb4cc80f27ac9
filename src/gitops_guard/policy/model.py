"""The policy as the rest of the program sees it: frozen dataclasses, defaults, durations and
sizes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from gitops_guard.errors import InputError
from gitops_guard.parse.loader import (
    DEFAULT_MAX_BYTES,
)
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.layout import (
    COMMON_ENVIRONMENT_NAMES,
    DEFAULT_TEMPLATES,
    Layout,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


POLICY_FILE = ".gitops-guard.yaml"
POLICY_FILES = (POLICY_FILE, ".gitops-guard.yml")  # either name; both at once is an error


def policy_file_in(present: Container[str], where: str = "the repository") -> str | None:
    """Which of the policy file names a tree (or index, or folder listing) holds.

    None when it holds neither; both at once is an error, as in the work tree: which one
    judges would otherwise depend on who reads it.
    """
    found = [name for name in POLICY_FILES if name in present]
    if len(found) > 1:
        raise InputError(
            f"both {POLICY_FILES[0]} and {POLICY_FILES[1]} are in {where}",
            hint="keep one policy file: remove or merge the other",
        )
    return found[0] if found else None


DEFAULT_UPDATER_VERSION = "1.3"
# What the server hooks protect when the policy lists no protected_refs (the default
# branch is always protected too).
DEFAULT_PROTECTED_REFS = ("refs/heads/main", "refs/heads/master")
DEFAULT_BOTS = ("argocd-image-updater*", "fluxcdbot*", "*[bot]")
DEFAULT_ROLLBACK_TRAILER = "Rollback"
DEFAULT_VULNERABILITY_LIMITS: Final[Mapping[str, int]] = MappingProxyType({"critical": 0})
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 10**6, "GB": 10**9}


@dataclass(frozen=True, slots=True)
class ImageOverride:
    """Settings for the repositories that ``image`` (a glob) matches."""

    image: str
    tag_pattern: str | None = None
    constraint: str | None = None
    forbidden_tags: tuple[str, ...] | None = None
    require_digest: bool | None = None
    allow_prerelease: bool | None = None


@dataclass(frozen=True, slots=True)
class ImageRules:
    """The ``images:`` block; None means "not set here" so environments can override."""

    registries: tuple[str, ...] | None = None
    forbidden_tags: tuple[str, ...] | None = None
    tag_pattern: str | None = None
    constraint: str | None = None
    require_digest: bool | None = None
    allow_prerelease: bool | None = None
    overrides: tuple[ImageOverride, ...] = ()

    def merged_with(self, other: ImageRules) -> ImageRules:
        """These rules with every key that ``other`` sets replaced (key by key)."""
        return ImageRules(
            registries=other.registries if other.registries is not None else self.registries,
            forbidden_tags=(
                other.forbidden_tags if other.forbidden_tags is not None else self.forbidden_tags
            ),
            tag_pattern=other.tag_pattern if other.tag_pattern is not None else self.tag_pattern,
            constraint=other.constraint if other.constraint is not None else self.constraint,
            require_digest=(
                other.require_digest if other.require_digest is not None else self.require_digest
            ),
            allow_prerelease=(
                other.allow_prerelease
                if other.allow_prerelease is not None
                else self.allow_prerelease
            ),
            overrides=other.overrides or self.overrides,
        )


def repository_url_key(url: str) -> str:
    """A Git URL as ``host/path``: scheme, user, port, ``.git`` and case of the host dropped,
    so ``git@github.com:acme/gitops.git`` and ``https://github.com/acme/gitops`` compare alike.
    """
    text = url.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    elif re.match(r"[^/@]+@[^/:]+:", text):  # scp-like: git@host:org/repo
        text = text.replace(":", "/", 1)
    # The authority ends at the first `/`, `?`, `#` or `\` (URL parsers and Git's helpers
    # agree on that much): `https://evil.example?@git.example.com/acme/gitops` is evil's.
    end = re.search(r"[/?#\\]", text)
    authority, path = (text[: end.start()], text[end.start() :]) if end else (text, "")
    host = authority.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    path = re.split(r"[?#]", path, maxsplit=1)[0].replace("\\", "/")
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"{host}/{path}" if path else host


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an Argo CD Application deploys (globs; an absent field matches anything)."""

    server: str | None = None
    name: str | None = None
    namespace: str | None = None

    def matches(self, server: str | None, name: str | None, namespace: str | None) -> bool:
        """Whether an Application's ``spec.destination`` is this one."""
        for pattern, value in (
            (self.server, server),
            (self.name, name),
            (self.namespace, namespace),
        ):
            if pattern is not None and (value is None or not glob_matches(pattern, value)):
                return False
        return True


WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime's weekday() order


@dataclass(frozen=True, slots=True)
class FixedFreeze:
    """A freeze window between two instants (``from`` included, ``until`` not)."""

    reason: str
    start: datetime.datetime  # aware: the policy gives every timestamp its offset
    end: datetime.datetime

    def end_of_occurrence(self, moment: datetime.datetime) -> datetime.datetime | None:
        """When the window ends if it is in effect at ``moment``, else None."""
        return self.end if self.start <= moment < self.end else None

    def describe_end(self, end: datetime.datetime) -> str:
        return end.isoformat(timespec="minutes")


@dataclass(frozen=True, slots=True)
class RecurringFreeze:
    """A freeze window on some weekdays, from ``start`` to ``end`` in a time zone's wall time.

    ``end`` at or before ``start`` is on the next day (across midnight; equal: a whole day).
    Occurrences are computed in the zone, so a window keeps its wall-clock times across a
    change of daylight saving time.
    """

    reason: str
    days: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start: datetime.time
    end: datetime.time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def end_of_occurrence(self, moment: datetime.datetime) -> datetime.datetime | None:
        """When the occurrence in effect at ``moment`` ends (in the zone), else None."""
        zone = self.zone
        instant = moment.astimezone(datetime.UTC)
        today = instant.astimezone(zone).date()
        # An occurrence lasts at most a day: one that covers the moment began today or
        # yesterday (local dates).
        for day in (today, today - datetime.timedelta(days=1)):
            if day.weekday() not in self.days:
                continue
            begins = datetime.datetime.combine(day, self.start, tzinfo=zone)
            last_day = day if self.end > self.start else day + datetime.timedelta(days=1)
            ends = datetime.datetime.combine(last_day, self.end, tzinfo=zone)
            # Compared as instants: aware datetimes sharing a tzinfo compare by wall time.
            if begins.astimezone(datetime.UTC) <= instant < ends.astimezone(datetime.UTC):
                return ends
        return None

    def describe_end(self, end: datetime.datetime) -> str:
        return f"{end.isoformat(timespec='minutes')} ({self.timezone})"


FreezeWindow = FixedFreeze | RecurringFreeze


@dataclass(frozen=True, slots=True)
class Freeze:
    """An environment frozen at a moment: the first window (in policy order) in effect
    then, and when the freeze ends — windows that follow on without a gap are one freeze.
    ``open_ended``: they follow on past the horizon :func:`freeze_at` looks to."""

    window: FreezeWindow
    until: datetime.datetime
    ends_by: FreezeWindow  # the window whose end is the freeze's end
    open_ended: bool = False

    def describe_until(self) -> str:
        text = self.ends_by.describe_end(self.until)
        return f"at least {text}" if self.open_ended else text


_FREEZE_STEPS = 400  # windows chained end to end before a freeze counts as open-ended


def freeze_at(windows: tuple[FreezeWindow, ...], moment: datetime.datetime) -> Freeze | None:
    """The freeze in effect at ``moment`` (an aware datetime), or None."""
    covering = [(w, e) for w in windows if (e := w.end_of_occurrence(moment)) is not None]
    if not covering:
        return None
    first = covering[0][0]
    ends_by, until = max(covering, key=lambda pair: pair[1])
    for _step in range(_FREEZE_STEPS):
        following = [(w, e) for w in windows if (e := w.end_of_occurrence(until)) is not None]
        if not following:
            return Freeze(first, until, ends_by)
        # An occurrence in effect at ``until`` ends after it: each step goes further.
        ends_by, until = max(following, key=lambda pair: pair[1])
    return Freeze(first, until, ends_by, open_ended=True)


@dataclass(frozen=True, slots=True)
class EnvironmentPolicy:
    """One environment of ``environments:``, in promotion order."""

    name: str
    from_environment: str | None = None
    soak_seconds: int | None = None
    min_image_age_seconds: int | None = None  # GG507: the least time since the image was built
    automated: frozenset[str] = frozenset()
    automated_set: bool = False
    require_digest: bool = False
    allow_prerelease: bool = True
    require_signed_commits: bool = False
    require_pr: bool = False
    allow_suppressions: bool = True
    single_environment_commits: bool = False
    on_unresolved: str = "warning"  # GG003's severity here: warning | error
    images: ImageRules = field(default_factory=ImageRules)
    destinations: tuple[Destination, ...] = ()
    freeze: tuple[FreezeWindow, ...] = ()  # GG309: no promotion while one is in effect

    def frozen_at(self, moment: datetime.datetime) -> Freeze | None:
        """The freeze in effect in this environment at ``moment``, or None."""
        return freeze_at(self.freeze, moment) if self.freeze else None


@dataclass(frozen=True, slots=True)
class AnnotationPolicy:
    """The ``annotations:`` block."""

    require_selection_rule: tuple[str, ...] = ()
    require_git_write_back: tuple[str, ...] = ()
    forbidden_strategies: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )


OnUnreachable = Literal["fail", "warn", "skip"]
ON_UNREACHABLE: Final[tuple[OnUnreachable, ...]] = ("fail", "warn", "skip")
GateName = Literal["registry", "signatures", "vulnerabilities", "provenance", "age"]
GATE_NAMES: Final[tuple[GateName, ...]] = (
    "registry",
    "signatures",
    "vulnerabilities",
    "provenance",
    "age",
)


class _GateScope:
    """What every gate of ``supply_chain:`` has: the environments it covers (None: all)."""

    __slots__ = ()
    environments: frozenset[str] | None

    def covers(self, environment: str | None) -> bool:
        """Whether the gate applies to an image use in ``environment``."""
        return self.environments is None or environment in self.environments


@dataclass(frozen=True, slots=True)
class RegistryPolicy(_GateScope):
    """``supply_chain.registry``: the registry gate, and how every gate reaches registries.

    None means "not set": the registry client's own default applies.
    """

    insecure: tuple[str, ...] = ()  # host globs reached over plain HTTP
    timeout: float | None = None
    max_wait: float | None = None
    retries: int | None = None
    platform: str | None = None
    config: str | None = None  # a Docker config.json with credentials (static auths only)
    environments: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class SignerIdentity:
    """An allowed keyless signer: OIDC issuer and certificate subject (``*`` wildcards)."""

    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class SignaturePolicy(_GateScope):
    """``supply_chain.signatures``: who may sign (paths are read from the repository)."""

    keys: tuple[str, ...] = ()
    trusted_root: str | None = None
    identities: tuple[SignerIdentity, ...] = ()
    environments: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class VulnerabilityPolicy(_GateScope):
    """``supply_chain.vulnerabilities``: where the reports are and how many findings pass."""

    reports: tuple[str, ...] = ()  # path globs of Trivy or Grype JSON reports
    # severity -> findings allowed; without max:, no critical one
    max: Mapping[str, int] = field(default_factory=lambda: DEFAULT_VULNERABILITY_LIMITS)
    attestations: bool = False  # also read cosign vulnerability attestations
    environments: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ProvenancePolicy(_GateScope):
    """``supply_chain.provenance``: allowed source repositories, refs and builders (globs)."""

    source_repositories: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    builders: tuple[str, ...] = ()
    environments: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class AgePolicy(_GateScope):
    """The age gate (GG507), made from the environments that set ``min_image_age``: it is
    an environment's setting, not a section of ``supply_chain:``, but it asks the registry
    as the gates do (and follows ``on_unreachable``)."""

    minimum: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # seconds
    environments: frozenset[str] | None = frozenset()

    def minimum_for(self, environment: str | None) -> int | None:
        """The least age (seconds) an image needs in ``environment``, None where unset."""
        return None if environment is None else self.minimum.get(environment)


GatePolicy = RegistryPolicy | SignaturePolicy | VulnerabilityPolicy | ProvenancePolicy | AgePolicy


@dataclass(frozen=True, slots=True)
class SupplyChainPolicy:
    """The ``supply_chain:`` block: each gate None when the policy does not turn it on."""

    on_unreachable: OnUnreachable = "fail"
    registry: RegistryPolicy | None = None
    signatures: SignaturePolicy | None = None
    vulnerabilities: VulnerabilityPolicy | None = None
    provenance: ProvenancePolicy | None = None
    age: AgePolicy | None = None  # from environments.<env>.min_image_age

    def gate(self, name: GateName) -> GatePolicy | None:
        """The settings of one gate by name, None when it is off."""
        match name:
            case "registry":
                return self.registry
            case "signatures":
                return self.signatures
            case "vulnerabilities":
                return self.vulnerabilities
            case "provenance":
                return self.provenance
            case "age":
                return self.age

    @property
    def any_enabled(self) -> bool:
        """Whether some gate is on (in some environment)."""
        return any(self.gate(name) is not None for name in GATE_NAMES)

    def covers(self, name: GateName, environment: str | None) -> bool:
        """Whether gate ``name`` is on and applies to ``environment``."""
        gate = self.gate(name)
        return gate is not None and gate.covers(environment)

    def gates_for(self, environment: str | None) -> list[GateName]:
        """The gates that apply to an image use in ``environment``, in policy order."""
        return [name for name in GATE_NAMES if self.covers(name, environment)]


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated, frozen policy. ``path`` is None for the built-in defaults."""

    path: str | None
    layout: Layout
    environments: Mapping[str, EnvironmentPolicy]
    bots: tuple[str, ...] = DEFAULT_BOTS
    rollback_trailer: str = DEFAULT_ROLLBACK_TRAILER
    images: ImageRules = field(default_factory=lambda: ImageRules(forbidden_tags=()))
    annotations: AnnotationPolicy = field(default_factory=AnnotationPolicy)
    supply_chain: SupplyChainPolicy = field(default_factory=SupplyChainPolicy)
    updater_version: str = DEFAULT_UPDATER_VERSION
    severity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    exclude: tuple[str, ...] = ()
    protected_refs: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()  # this repository's URLs (globs); empty: any

    def is_this_repository(self, url: str | None) -> bool:
        """Whether an Application's ``repoURL`` names this repository (see ``repositories``)."""
        if url is None or not self.repositories:
            return True
        text = repository_url_key(url)
        return any(glob_matches(repository_url_key(p), text) for p in self.repositories)

    allow_history_rewrites: bool = False
    owners_file: str | None = None  # policy_owners.allowed_signers: who approves loosenings
    baseline: str | None = None  # the baseline file every gate reads (repository path)
    max_file_size: int = DEFAULT_MAX_BYTES
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_default(self) -> bool:
        return self.path is None

    def layout_environments(self) -> tuple[str, ...]:
        """The environment names ``{env}`` stands for: the declared ones, else common names."""
        return tuple(self.environments) or COMMON_ENVIRONMENT_NAMES

    def maps_destinations(self) -> bool:
        """Whether any environment names the clusters and namespaces it deploys to."""
        return any(env.destinations for env in self.environments.values())

    def destination_environment(
        self, server: str | None, name: str | None, namespace: str | None
    ) -> str | None:
        """The environment an Application's destination belongs to (first match)."""
        for env in self.environments.values():
            if any(d.matches(server, name, namespace) for d in env.destinations):
                return env.name
        return None

    def environment(self, name: str | None) -> EnvironmentPolicy | None:
        """The policy of an environment, or None when it is not declared."""
        if name is None:
            return None
        return self.environments.get(name)

    def image_rules(self, environment: str | None) -> ImageRules:
        """Top-level ``images:`` with the environment's ``images:`` laid over it."""
        env = self.environment(environment)
        rules = self.images
        if env is not None:
            rules = rules.merged_with(env.images)
            if env.require_digest and rules.require_digest is None:
                rules = replace(rules, require_digest=True)
            if not env.allow_prerelease and rules.allow_prerelease is None:
                rules = replace(rules, allow_prerelease=False)
        return rules


def default_policy() -> Policy:
    """The safe defaults used when the repository has no policy file."""
    return Policy(
        path=None,
        layout=Layout.build(DEFAULT_TEMPLATES, COMMON_ENVIRONMENT_NAMES),
        environments=MappingProxyType({}),
    )


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``30m``, ``24h`` or ``1d12h``."""
    total = 0
    for amount, unit in re.findall(r"([0-9]+)([smhdw])", text):
        total += int(amount) * _DURATION_UNITS[unit]
    return total


def parse_size(value: str | int) -> int:
    """Bytes in a size such as ``5MiB`` (an integer is bytes)."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"([0-9]+)([A-Za-z]*)", value)
    if not match or match.group(2) not in _SIZE_UNITS:
        raise ValueError(f"not a size: {value!r}")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
