"""What rules receive and return.

A rule module defines ``ID`` (GG code), ``NAME`` (kebab-case), ``SEVERITY`` (default),
``SCOPE`` and ``check``; its docstring is its user documentation, first line the
summary. Rules yield :class:`Problem`; the engine stamps id, severity, location and
the use's app, environment and image.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

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
from gitops_guard.updater.config import Configuration, ImageConfig
from gitops_guard.updater.read import read_configuration

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory
    from gitops_guard.policy.model import ImageRules, Policy


IMAGE_SCOPE = "image"  # check(use: ImageUse, ctx) -> Iterator[Problem], once per image use
INPUT_SCOPE = "input"  # reported by the loader, extraction or suppression parsing
INVENTORY_SCOPE = "inventory"  # check(inventory, ctx) -> Iterator[Finding], once per run
EVENT_SCOPE = "event"  # check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]
COMMIT_SCOPE = "commit"  # check(step: Step, ctx: PromotionContext) -> Iterator[Problem]
RANGE_SCOPE = "range"  # check(change: PolicyChange) -> Iterator[Problem], once per range


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


class ImageCheck(Protocol):
    def __call__(self, use: ImageUse, ctx: RuleContext) -> Iterator[Problem]: ...


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
    """The attributes a rule module provides."""

    ID: str
    NAME: str
    SEVERITY: Severity
    SCOPE: str


def summary_of(module: ModuleType) -> str:
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
    config = read_configuration(inventory.parsed, policy.updater_version, policy.layout.place)
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
