"""Image Updater may select a strategy or a tag that the environment's policy forbids.

Two checks compare the Image Updater configuration of each image with the policy of the
environment its Application deploys to:

* the update strategy is in `annotations.forbidden_strategies` for that environment (old
  names count: forbidding `newest-build` also forbids `latest`; an unknown strategy runs as
  semver and is judged as semver);
* the filters let through a tag the policy rejects there — a forbidden tag, a prerelease
  where `allow_prerelease: false`, a tag that does not match `tag_pattern`, or a version
  outside the policy's `constraint`. The finding names a concrete tag Image Updater would
  accept (a counter-example), so the gap is plain to see; Image Updater would then write a
  commit that `validate` rejects, or deploy it outright with the argocd write-back.

Policy::

    version: 1
    layout: ["argocd/{app}-{env}.yaml"]
    environments:
      prod: {allow_prerelease: false}
    annotations:
      forbidden_strategies: {prod: [newest-build]}

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:>=1.0.0-0
        # ↑ GG207: admits prereleases (1.0.0-rc.1), which prod forbids

    # argocd/web-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: web-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: web=registry.example.com/team/web
        argocd-image-updater.argoproj.io/web.update-strategy: newest-build    # ← GG207
        argocd-image-updater.argoproj.io/web.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Location, Severity
from gitops_guard.patterns.re2 import (
    InvalidRegex,
    search,
)
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of, policy_rules
from gitops_guard.updater.checks import (
    Admission,
    admission,
    canonical_strategy,
    entry_is_sound,
    probe_tags,
)
from gitops_guard.updater.config import (
    ImageConfig,
    Managed,
    semantics_label,
)
from gitops_guard.updater.selection import (
    DIGEST,
    IGNORES_CONSTRAINT,
    SEMVER,
    SelectionSettings,
    resolve_strategy,
)
from gitops_guard.versions import InvalidConstraint, parse_constraint, try_parse_version

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory
    from gitops_guard.policy.model import ImageRules

ID = "GG207"
NAME = "forbidden-by-policy"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    version = semantics_label(config.semantics)
    found: list[Finding] = []
    for managed in config.managed():
        for image in managed.images:
            found.extend(_strategy(ctx, managed, image, version))
            found.extend(_admitted(ctx, managed, image, version))
    yield from config.report(found)


def _in(managed: Managed) -> str:
    placement = managed.placement
    if placement.app and placement.environment:
        return f" in {placement.app} ({placement.environment})"
    if placement.environment:
        return f" in {placement.environment}"
    return ""


def _strategy(
    ctx: RuleContext, managed: Managed, image: ImageConfig, version: str
) -> Iterator[Finding]:
    environment = managed.placement.environment
    if environment is None:
        return
    forbidden = ctx.policy.annotations.forbidden_strategies.get(environment, ())
    if not forbidden:
        return
    strategy = resolve_strategy(image.settings(version).strategy)
    if strategy.name not in {canonical_strategy(name) for name in forbidden}:
        return
    written = ""
    if strategy.unknown:
        written = f" (`{strategy.written}` is unknown, so Image Updater runs semver)"
    elif strategy.old_name:
        written = f" (written with its old name `{strategy.written}`)"
    elif strategy.written is None:
        written = " (the default)"
    where = image.strategy.location if image.strategy is not None else image.location
    allowed = [
        s
        for s in ("semver", "digest", "alphabetical", "newest-build")
        if s not in {canonical_strategy(name) for name in forbidden}
    ]
    hint = (
        f"use {' or '.join(allowed)} here" if allowed else "no strategy is allowed here"
    ) + f" (annotations.forbidden_strategies.{environment})"
    yield managed.finding(
        ID,
        f"update strategy `{strategy.name}`{written} of {image.label} is forbidden"
        f"{_in(managed)} by the policy",
        where,
        hint,
        image,
    )


def _why(admitted: Admission) -> str:
    """Why Image Updater lets a tag through, in the terms of its configuration."""
    allow = admitted.allow
    filters = f" and {allow.describe()} matches it" if allow.value else ""
    name = admitted.strategy.name
    if name == DIGEST:
        return "it is the tag the digest strategy tracks"
    if name == SEMVER:
        text = admitted.constraint.text if admitted.constraint is not None else None
        if text is None:
            return "semver without a constraint admits every version" + filters
        return f"the constraint `{text}` admits it" + filters
    if allow.value:
        return f"the {name} strategy ignores version constraints and {allow.describe()} matches it"
    return f"the {name} strategy ignores version constraints and no allow-tags limits the tags"


def _where(admitted: Admission, image: ImageConfig) -> Location:
    """The setting a person would change: the filter that lets the tag through."""
    if admitted.strategy.name in IGNORES_CONSTRAINT:
        if image.allow_tags is not None:
            return image.allow_tags.location
        if image.strategy is not None:
            return image.strategy.location
    return image.location


def _allow_key(managed: Managed) -> str:
    return "allowTags" if managed.origin == "resource" else "allow-tags"


def _admitted(
    ctx: RuleContext, managed: Managed, image: ImageConfig, version: str
) -> Iterator[Finding]:
    if not entry_is_sound(image):
        return  # misread entries are reported by GG202
    rules = policy_rules(ctx, managed.placement, image)
    settings = image.settings(version)
    key = _allow_key(managed)
    found = _counter_examples(settings, rules, managed.placement.environment, key)
    if not found:
        return
    admitted = admission(image, version)
    where = _where(admitted, image)
    for tag, reason, hint in found:
        yield managed.finding(
            ID,
            f"Image Updater may update {image.label} to `{tag}`{_in(managed)}: "
            f"{_why(admitted)}, but {reason}",
            where,
            hint,
            image,
        )


@lru_cache(maxsize=1024)
def _counter_examples(
    settings: SelectionSettings, rules: ImageRules, environment: str | None, key: str
) -> tuple[tuple[str, str, str], ...]:
    """(tag, why the policy rejects it, hint) per violated aspect; cached because most
    Applications of a repository share a handful of settings."""
    image = _probe_image(settings)
    admitted = admission(image, settings.updater_version)
    if admitted.broken:
        return ()  # reported by GG205/GG206: nothing is admitted at all
    forbidden = ("latest", *(rules.forbidden_tags or ()))
    constraints = (rules.constraint,) if rules.constraint else ()
    probes = probe_tags(image, settings.updater_version, extra=forbidden, constraints=constraints)
    accepted = [tag for tag in probes if admitted.admits(tag)]
    if not accepted:
        return ()
    return tuple(_violations(rules, accepted, environment, key))


def _probe_image(settings: SelectionSettings) -> ImageConfig:
    """An image configuration carrying just these selection settings."""
    from gitops_guard.model import Location
    from gitops_guard.updater.annotations import ImageListEntry
    from gitops_guard.updater.config import Value

    here = Location("-")

    def value(text: str | None, items: tuple[str, ...] = ()) -> Value | None:
        return None if text is None else Value(text, here, "-", here, items)

    entry = ImageListEntry(
        "probe", 0, "probe", "probe", "", "probe", settings.constraint, None, True
    )
    return ImageConfig(
        entry=entry,
        location=here,
        origin="resource",
        strategy=value(settings.strategy),
        allow_tags=value(settings.allow_tags),
        ignore_tags=value(",".join(settings.ignore_tags), settings.ignore_tags)
        if settings.ignore_tags
        else None,
    )


def _violations(
    rules: ImageRules, accepted: list[str], environment: str | None, key: str
) -> Iterator[tuple[str, str, str]]:
    """(tag, why the policy rejects it, how to align) for each policy aspect violated."""
    there = f" in {environment}" if environment else ""
    forbidden = {"latest", *(rules.forbidden_tags or ())}
    for tag in accepted:
        if tag in forbidden:
            yield (
                tag,
                f"the policy forbids the tag `{tag}`{there}",
                "exclude it with ignore-tags, or use semver with a version constraint",
            )
            break
    if rules.allow_prerelease is False:
        for tag in accepted:
            version = try_parse_version(tag)
            if version is not None and version.prerelease:
                yield (
                    tag,
                    f"prereleases are not allowed{there} (allow_prerelease: false)",
                    "drop the prerelease opt-in (`-0`) from the constraint, or keep prereleases "
                    f"out with {key} `regexp:^v?[0-9]+\\.[0-9]+\\.[0-9]+$`",
                )
                break
    pattern = rules.tag_pattern
    if pattern:
        for tag in accepted:
            try:
                matches = search(pattern, tag)
            except InvalidRegex:  # pragma: no cover - the policy loader validates patterns
                break
            if not matches:
                yield (
                    tag,
                    f"the tag pattern `{pattern}` that applies{there} rejects it",
                    f"let Image Updater consider only tags the policy accepts: {key} "
                    f"`regexp:{pattern}`",
                )
                break
    if rules.constraint:
        try:
            policy = parse_constraint(rules.constraint)
        except InvalidConstraint:  # pragma: no cover - the policy loader validates it
            return
        for tag in accepted:
            version = try_parse_version(tag)
            if version is None or not policy.check(version):
                what = "it is not a version" if version is None else "it is outside"
                yield (
                    tag,
                    f"{what} the policy constraint `{rules.constraint}`{there}"
                    if version is not None
                    else f"{what}, so it cannot satisfy the policy constraint "
                    f"`{rules.constraint}`{there}",
                    f"use a constraint within `{rules.constraint}` (e.g. `{rules.constraint}` "
                    "itself)",
                )
                break
