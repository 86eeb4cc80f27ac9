"""What rules receive and return, and the Protocols a rule module implements.

A rule module defines ``ID`` (GG code), ``NAME`` (kebab-case), ``SEVERITY`` (default),
``SCOPE: Final = <one of the scope constants>`` and, for the scopes the engine runs,
``check``; its docstring is its user documentation, first line the summary. Rules yield
:class:`Problem`; the engine stamps id, severity, location and the use's app,
environment and image.

Each scope has a Protocol (:class:`ImageRule`, :class:`InventoryRule`, ...). The
registry lists every module in the dictionary of its scope, typed by that Protocol, so
``mypy --strict`` checks each module's ``SCOPE`` and ``check`` signature against it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, Protocol

from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Finding, ImageUse, Location, Severity, Source
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.layout import (
    Placement,
)
from gitops_guard.policy.model import (
    ImageOverride,
    ImageRules,
    Policy,
)

if TYPE_CHECKING:
    # The Image Updater model is for the inventory rules alone: imported when they run.
    from yaml.nodes import Node

    from gitops_guard.extract.inventory import Inventory
    from gitops_guard.history.ledger import PromotionContext
    from gitops_guard.history.steps import PromotionEvent, Step
    from gitops_guard.policy.model import ImageRules, Policy
    from gitops_guard.updater.config import Configuration, ImageConfig


Scope = Literal["input", "image", "inventory", "event", "commit", "range", "supply"]

INPUT_SCOPE: Final = "input"  # reported by the loader, extraction or suppression parsing
IMAGE_SCOPE: Final = "image"  # check(use, ctx) -> Iterator[Problem], once per image use
INVENTORY_SCOPE: Final = "inventory"  # check(inventory, ctx) -> Iterator[Finding], once per run
EVENT_SCOPE: Final = "event"  # check(event, ctx: PromotionContext) -> Iterator[Problem]
COMMIT_SCOPE: Final = "commit"  # check(step, ctx: PromotionContext) -> Iterator[Problem]
RANGE_SCOPE: Final = "range"  # reported by gate.check from the range's policy change
SUPPLY_SCOPE: Final = "supply"  # reported by supply.gates (registry, signatures, reports)


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule found; ``location`` defaults to the image use's location."""

    message: str
    hint: str | None = None
    location: Location | None = None


def located(
    rule_id: str,
    problem: Problem,
    use: ImageUse,
    detail: str | None = None,
    commit: str | None = None,
) -> Finding:
    """A rule's problem as a finding about an image use (its place, app, environment, image),
    in ``commit`` when it is about one."""
    where = problem.location or use.location
    return Finding(
        rule_id,
        problem.message,
        where,
        hint=problem.hint,
        app=use.app,
        environment=use.environment,
        image=str(use.reference) if use.reference is not None else use.raw,
        resource=use.resource,
        container=use.container,
        detail=detail,
        commit=commit,
    )


def image_names(ref: ImageRef) -> tuple[str, ...]:
    """Names a policy glob may use for an image: full (``docker.io/library/nginx``), short."""
    names = [ref.name]
    if ref.familiar_name != ref.name:
        names.append(ref.familiar_name)
    return tuple(names)


@dataclass
class RuleContext:
    """The policy and what is derived from it, cached for the run."""

    policy: Policy
    today: datetime.date = field(default_factory=datetime.date.today)
    _rules: dict[tuple[str | None, str], ImageRules] = field(default_factory=dict)

    def image_rules(self, use: ImageUse) -> ImageRules:
        """Top-level ``images:`` ← environment ``images:`` ← matching ``overrides``."""
        ref = use.reference
        name = ref.name if ref is not None else use.raw
        key = (use.environment, name)
        cached = self._rules.get(key)
        if cached is not None:
            return cached
        rules = self.policy.image_rules(use.environment)
        if ref is not None:
            for override in rules.overrides:
                if any(glob_matches(override.image, n) for n in image_names(ref)):
                    rules = rules.merged_with(_as_rules(override))
        self._rules[key] = rules
        return rules


def _as_rules(override: ImageOverride) -> ImageRules:
    return ImageRules(
        forbidden_tags=override.forbidden_tags,
        tag_pattern=override.tag_pattern,
        constraint=override.constraint,
        require_digest=override.require_digest,
        allow_prerelease=override.allow_prerelease,
    )


def where(use: ImageUse) -> str:
    """``in prod`` / ``in api (prod)`` for messages, or empty when unknown."""
    if use.environment and use.app:
        return f" in {use.app} ({use.environment})"
    if use.environment:
        return f" in {use.environment}"
    return ""


def is_checked_image(use: ImageUse) -> bool:
    """Image rules judge deployed references; ``image-list`` entries hold constraints."""
    return use.reference is not None and use.source.value != "annotation"


class RuleModule(Protocol):
    """The attributes every rule module provides (read-only: a module may declare them Final)."""

    @property
    def ID(self) -> str: ...
    @property
    def NAME(self) -> str: ...
    @property
    def SEVERITY(self) -> Severity: ...
    @property
    def SCOPE(self) -> Scope: ...


class InputRule(RuleModule, Protocol):
    """Reported while reading input (loader, extraction, suppressions): no ``check``."""

    @property
    def SCOPE(self) -> Literal["input"]: ...


class ImageRule(RuleModule, Protocol):
    """Run once per image use (the engine passes arguments by position)."""

    @property
    def SCOPE(self) -> Literal["image"]: ...
    def check(self, use: ImageUse, ctx: RuleContext, /) -> Iterator[Problem]: ...


class InventoryRule(RuleModule, Protocol):
    """Run once per inventory (Image Updater configuration); locates its own findings."""

    @property
    def SCOPE(self) -> Literal["inventory"]: ...
    def check(self, inventory: Inventory, ctx: RuleContext, /) -> Iterator[Finding]: ...


class EventRule(RuleModule, Protocol):
    """Run once per promotion event of a history step, against the ledger."""

    @property
    def SCOPE(self) -> Literal["event"]: ...
    def check(self, event: PromotionEvent, ctx: PromotionContext, /) -> Iterator[Problem]: ...


class CommitRule(RuleModule, Protocol):
    """Run once per commit (history step) that promotes something."""

    @property
    def SCOPE(self) -> Literal["commit"]: ...
    def check(self, step: Step, ctx: PromotionContext, /) -> Iterator[Problem]: ...


class RangeRule(RuleModule, Protocol):
    """Reported by ``gate.check`` for the policy change a range brings: no ``check``."""

    @property
    def SCOPE(self) -> Literal["range"]: ...


class SupplyRule(RuleModule, Protocol):
    """Reported by ``supply.gates`` (network and reports): no ``check``."""

    @property
    def SCOPE(self) -> Literal["supply"]: ...


def summary_of(module: RuleModule) -> str:
    """The first line of a rule's docstring."""
    doc = (module.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else module.NAME


_CACHE: list[tuple[object, object, Configuration]] = []


def configuration_of(inventory: Inventory, policy: Policy) -> Configuration:
    """The configuration of an inventory under a policy, read once per run.

    The engine calls every inventory rule with the same inventory; a one-entry cache keyed
    by identity saves each Image Updater rule from reading the files again.
    """
    if _CACHE and _CACHE[0][0] is inventory and _CACHE[0][1] is policy:
        return _CACHE[0][2]
    from gitops_guard.extract.deployments import application_placement
    from gitops_guard.parse.loader import child, sequence
    from gitops_guard.updater.read import read_configuration

    def place_application(path: str, name: str, spec: Node | None) -> Placement:
        # The same placement as what the Application deploys (extract.deployments).
        sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
        return application_placement(policy, path, name, spec, sources)[0]

    config = read_configuration(
        inventory.parsed,
        policy.updater_version,
        policy.layout.place,
        place_application=place_application,
    )
    config.reported = frozenset(inventory.files)
    _CACHE[:] = [(inventory, policy, config)]
    return config


def policy_rules(ctx: RuleContext, placement: Placement, image: ImageConfig) -> ImageRules:
    """The policy's image rules for an image Image Updater manages in ``placement``.

    Goes through the same lookup as deployed images (environment, then the ``overrides``
    whose glob matches the image), so both sides of a comparison use the same rules.
    """
    raw = image.entry.repository_reference
    try:
        reference = parse_reference(raw)
    except InvalidReference:
        reference = None
    use = ImageUse(
        image.location,
        Source.ANNOTATION,
        raw,
        reference,
        app=placement.app,
        environment=placement.environment,
    )
    return ctx.image_rules(use)
