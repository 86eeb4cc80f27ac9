"""The policy as the rest of the program sees it: frozen dataclasses, defaults, durations and
sizes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gitops_guard.parse.loader import (
    DEFAULT_MAX_BYTES,
)
from gitops_guard.policy.layout import (
    COMMON_ENVIRONMENT_NAMES,
    DEFAULT_TEMPLATES,
    Layout,
)

if TYPE_CHECKING:
    pass


POLICY_FILE = ".gitops-guard.yaml"
POLICY_FILES = (POLICY_FILE, ".gitops-guard.yml")  # either name; both at once is an error
DEFAULT_UPDATER_VERSION = "1.3"
DEFAULT_BOTS = ("argocd-image-updater*", "*[bot]")
DEFAULT_ROLLBACK_TRAILER = "Rollback"
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


@dataclass(frozen=True, slots=True)
class EnvironmentPolicy:
    """One environment of ``environments:``, in promotion order."""

    name: str
    from_environment: str | None = None
    soak_seconds: int | None = None
    automated: frozenset[str] = frozenset()
    automated_set: bool = False
    require_digest: bool = False
    allow_prerelease: bool = True
    require_signed_commits: bool = False
    require_pr: bool = False
    allow_suppressions: bool = True
    single_environment_commits: bool = False
    images: ImageRules = field(default_factory=ImageRules)


@dataclass(frozen=True, slots=True)
class AnnotationPolicy:
    """The ``annotations:`` block."""

    require_selection_rule: tuple[str, ...] = ()
    require_git_write_back: tuple[str, ...] = ()
    forbidden_strategies: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )


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
    supply_chain: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    updater_version: str = DEFAULT_UPDATER_VERSION
    severity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    exclude: tuple[str, ...] = ()
    protected_refs: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_default(self) -> bool:
        return self.path is None

    def layout_environments(self) -> tuple[str, ...]:
        """The environment names ``{env}`` stands for: the declared ones, else common names."""
        return tuple(self.environments) or COMMON_ENVIRONMENT_NAMES

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
