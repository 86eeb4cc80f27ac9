"""`allow-tags`, `ignore-tags` or `platforms` that Image Updater cannot use.

* `allow-tags` must be `any` or `regexp:<Go regular expression>`. Any other value — a bare
  pattern without `regexp:`, an unknown function, a regexp Go (RE2) does not compile, such as
  a lookahead `(?!...)` or a backreference — makes Image Updater match **no tag at all**: the
  image is never updated, and only a log line says why.
* `ignore-tags` entries are Go `filepath.Match` globs; a malformed one (`[`, `[]`, a trailing
  `\\`) errors and ignores nothing.
* `platforms` entries are `os/arch[/variant]`; an entry without `/` is kept as a platform no
  image has, so newest-build and digest find nothing to update to.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api
        argocd-image-updater.argoproj.io/api.update-strategy: newest-build
        argocd-image-updater.argoproj.io/api.allow-tags: ^v1\\.[0-9]+\\.[0-9]+$  # ← GG205
        argocd-image-updater.argoproj.io/api.ignore-tags: "[rc"                  # ← GG205
        argocd-image-updater.argoproj.io/api.platforms: linux                    # ← GG205

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api
        argocd-image-updater.argoproj.io/api.update-strategy: newest-build
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^v1\\.[0-9]+\\.[0-9]+$
        argocd-image-updater.argoproj.io/api.ignore-tags: "*-rc*"
        argocd-image-updater.argoproj.io/api.platforms: linux/amd64
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import Semantics
from gitops_guard.updater.config import (
    Application,
    Configuration,
    UpdaterResource,
    Value,
)
from gitops_guard.updater.tagfilters import (
    IgnoreTags,
    parse_allow_tags,
    parse_platforms,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG205"
NAME = "invalid-tag-filter"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE

RE2_HINT = (
    "allow-tags takes `any` or `regexp:<pattern>`, a Go (RE2) regular expression: no "
    "lookahead, lookbehind or backreferences"
)


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    yield from config.report(_findings(config))


def allow_tags_problem(value: Value, semantics: Semantics) -> tuple[str, str] | None:
    """(message, hint) when an allow-tags value matches nothing, else None."""
    text = semantics.read(value.text)
    parsed = parse_allow_tags(text)
    if parsed.problem is None:
        return None
    hint = RE2_HINT
    if ":" not in text and text.strip():
        hint = f"write `regexp:{text.strip()}`"
    return (
        f"`{value.key}` `{value.text}` {parsed.problem}: the image is never updated",
        hint,
    )


def ignore_tags_problems(value: Value) -> Iterator[str]:
    """One message per malformed glob of an ignore-tags value."""
    for pattern, reason in IgnoreTags(tuple(p for p in value.items if p)).problems():
        yield (
            f"ignore-tags pattern `{pattern}` is not a valid glob ({reason}): Image Updater "
            "skips it with an error, so it ignores nothing"
        )


def platform_problems(value: Value) -> Iterator[str]:
    """One message per platform entry that is not ``os/arch[/variant]``."""
    platforms = parse_platforms(value.items)
    invalid = platforms.invalid()
    valid = len(platforms.entries) - len(invalid)
    for text in invalid:
        consequence = (
            "no image matches, so newest-build and digest never update"
            if not valid
            else "it matches no image"
        )
        yield (
            f"platforms entry `{text}` is not os/arch[/variant]: Image Updater keeps it as a "
            f"platform no image has; {consequence}"
        )


def _findings(config: Configuration) -> Iterator[Finding]:
    semantics = config.semantics
    for application in config.annotation_applications():
        yield from _application(semantics, application)
    if semantics.v1:
        for resource in config.resources:
            yield from _resource(semantics, resource)


def _application(semantics: Semantics, application: Application) -> Iterator[Finding]:
    aliases = application.key_aliases(semantics)
    for annotation in application.updater_annotations:
        name = annotation.name
        if annotation.error is not None or name.option is None:
            continue
        if name.alias is not None and name.alias not in aliases:
            continue  # never read (GG203)
        value = annotation.value
        container = aliases.get(name.alias or "")
        if name.option == "allow-tags" or (
            name.option == "tag-match" and semantics.reads_tag_match
        ):
            problem = allow_tags_problem(value, semantics)
            if problem is not None:
                yield application.finding(
                    ID, problem[0], value.location, problem[1], container=container
                )
        elif name.option == "ignore-tags":
            items = tuple(p.strip() for p in value.text.split(","))
            listed = Value(value.text, value.location, value.key, value.key_location, items)
            for message in ignore_tags_problems(listed):
                yield application.finding(
                    ID,
                    message,
                    value.location,
                    "globs use *, ?, [a-z], [^a-z] and \\ escapes",
                    container=container,
                )
        elif name.option == "platforms" and name.alias is not None:
            items = tuple(p.strip() for p in value.text.split(",") if p.strip())
            listed = Value(value.text, value.location, value.key, value.key_location, items)
            for message in platform_problems(listed):
                yield application.finding(
                    ID,
                    message,
                    value.location,
                    "e.g. linux/amd64, linux/arm64/v8",
                    container=container,
                )


def _resource(semantics: Semantics, resource: UpdaterResource) -> Iterator[Finding]:
    for block, ref in resource.setting_blocks():
        allow = block.get("allowTags")
        if allow is not None:
            problem = allow_tags_problem(allow, semantics)
            if problem is not None:
                yield resource.finding(ID, problem[0], allow.location, problem[1], ref=ref)
        ignore = block.get("ignoreTags")
        if ignore is not None:
            for message in ignore_tags_problems(ignore):
                yield resource.finding(ID, message, ignore.location, ref=ref)
        platforms = block.get("platforms")
        if platforms is not None:
            for message in platform_problems(platforms):
                yield resource.finding(ID, message, platforms.location, ref=ref)
