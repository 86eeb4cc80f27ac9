"""The `image-list` annotation (or an ImageUpdater `imageName`) does not say what it seems to.

Image Updater splits `image-list` at **every** comma and each entry at its **first** `=`
into alias and image; the "tag" of the image is the version constraint. So:

* a constraint containing `=` needs an alias: `nginx:>=1.2` is read as alias `nginx:>` and
  image `1.2` — write `nginx=nginx:>=1.2`;
* a comma cannot mean AND inside an entry: `api=nginx:>=1.2, <2` is two entries, the second
  an image called `<2` — write `api=nginx:>=1.2 <2`;
* entries that the strict reference parser refuses (constraints such as `~1.2`) go through a
  legacy splitter that only recognises registries with a dot: `localhost:5000/app:~1.2` is
  read as the image `localhost`;
* a missing or empty `image-list`, an empty image after `=`, spaces around `=` (0.x keeps
  them), an alias that annotation names cannot hold, and a resource image without `alias` or
  `imageName`: the image is never updated.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: nginx:>=1.25, api=acme/api:>=1.2, <2
        # ↑ GG202: `nginx:>=1.25` needs an alias; `<2` is read as an image of its own

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: nginx=nginx:>=1.25, api=acme/api:>=1.2 <2
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.imageref import InvalidReference, parse_reference
from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import (
    IMAGE_LIST,
    ImageListEntry,
    Semantics,
    alias_problem,
)
from gitops_guard.updater.checks import port_only_registry
from gitops_guard.updater.config import (
    Application,
    Configuration,
    UpdaterResource,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG202"
NAME = "malformed-image-list"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE

_CRD_ALIAS: Final = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-._]*")
_FRAGMENT: Final = re.compile(r"[<>=!~^]|v?[0-9]+(?:\.[0-9xX*]+)*(?:-[0-9A-Za-z.-]+)?\Z")
DROPPED = (
    "Image Updater 1.x drops the annotation configuration of this Application (and tries "
    "the next matching applicationRef, if any)"
)


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    yield from config.report(_findings(config))


def _findings(config: Configuration) -> Iterator[Finding]:
    yield from config.problems_for(ID)
    semantics = config.semantics
    for application in config.annotation_applications():
        yield from _application(semantics, application)
    if semantics.v1:
        for resource in config.resources:
            yield from _resource(semantics, resource)


def _application(semantics: Semantics, application: Application) -> Iterator[Finding]:
    image_list = application.image_list
    if image_list is None:
        first = application.updater_annotations[0]
        consequence = DROPPED if semantics.v1 else "Image Updater does not consider it"
        yield application.finding(
            ID,
            f"{application.resource} has Image Updater annotations but no `image-list`; "
            f"{consequence}",
            first.value.key_location,
            f"add `{IMAGE_LIST}: <alias>=<image>[:<constraint>]`",
        )
        return
    if image_list.error is not None:
        return  # not a string: reported by GG201
    entries = application.entries
    if not entries or all(not entry.text for entry, _ in entries):
        consequence = (
            DROPPED
            if semantics.v1
            else "Image Updater 0.x reads it as an image without a name, which never runs"
        )
        yield application.finding(
            ID, f"`image-list` is empty; {consequence}", image_list.value.location
        )
        return
    previous: ImageListEntry | None = None
    for entry, where in entries:
        problem = _entry_problem(semantics, entry, previous)
        previous = entry if entry.text else previous
        if problem is not None:
            message, hint = problem
            yield application.finding(ID, message, where, hint, container=entry.alias)


def _suggested_alias(image: str) -> str:
    """A short alias for an image: its last path component without tag or constraint."""
    name = image.split("@", 1)[0]
    name = name.rsplit("/", 1)[-1].split(":", 1)[0]
    return re.sub(r"[^A-Za-z0-9._-]", "-", name).strip("-._") or "app"


def _entry_problem(
    semantics: Semantics, entry: ImageListEntry, previous: ImageListEntry | None
) -> tuple[str, str | None] | None:
    text = entry.text
    if not text:
        return None
    if entry.error is not None:
        return f"image-list entry `{text}`: {entry.error}; {DROPPED}", None
    fragment = _FRAGMENT.match(text) is not None
    if (
        fragment
        and previous is not None
        and (previous.constraint or (previous.alias is not None and ":" in previous.alias))
    ):
        return (
            f"`{text}` is read as an image of its own: image-list is split at every comma, "
            "so a comma cannot mean AND inside an entry",
            f"separate the comparators with a space: `{previous.text} {text}`",
        )
    alias = entry.alias
    if alias is not None and ":" in alias:
        written = text.split("=", 1)[0]
        image_part = written.split(":", 1)[0]
        suggestion = _suggested_alias(image_part)
        return (
            f"this entry is read as alias `{alias.strip()}` and image `{entry.image.strip()}`: it "
            "is split at its first `=`, which here belongs to the constraint",
            f"a constraint with `=` needs an alias: `{suggestion}={text}`",
        )
    if alias is not None and not semantics.trims_values and alias != alias.rstrip():
        return (
            f"alias `{alias}` ends with a space: Image Updater 0.x keeps spaces around `=`, so "
            "neither the alias nor the image matches anything",
            f"remove the spaces: `{alias.strip()}={entry.image.strip()}`",
        )
    if alias is not None and not semantics.trims_values and entry.image != entry.image.lstrip():
        return (
            f"image ` {entry.image.strip()}` starts with a space: Image Updater 0.x keeps "
            "spaces around `=`, so it never matches a running image",
            f"remove the spaces: `{alias.strip()}={entry.image.strip()}`",
        )
    if alias is not None and not entry.image.strip():
        return f"alias `{alias}` has no image after `=`; nothing is updated", None
    port = _port_only_registry(entry)
    if port is not None:
        return port
    if not entry.strict:
        try:
            parse_reference(entry.repository_reference)
        except InvalidReference as exc:
            return (
                f"image `{entry.repository_reference}` (read from `{text}`) is not a valid "
                f"repository name ({exc.reason}), so it never matches a running image",
                None,
            )
    if alias:
        problem = alias_problem(alias, semantics)
        if problem is not None:
            return problem, "use an alias of letters, digits, '-', '_' and '.'"
    return None


def _port_only_registry(entry: ImageListEntry) -> tuple[str, str | None] | None:
    """``localhost:5000/app:~1.2``: the legacy splitter takes the port for the tag."""
    if not port_only_registry(entry):
        return None
    image = entry.image.strip()
    return (
        f"`{image}` is read as image `{entry.name}` with constraint `{entry.constraint}`: the "
        "constraint is not a valid tag, and the fallback parser Image Updater then uses only "
        "recognises registries whose name has a dot",
        "address the registry by a name with a dot (e.g. `registry.local:5000`), or use a "
        "constraint that is also a tag (`1.2`, `1.x`)",
    )


def _resource(semantics: Semantics, resource: UpdaterResource) -> Iterator[Finding]:
    for ref in resource.refs:
        if ref.annotations_mode and semantics.use_annotations:
            continue
        for image in ref.images:
            entry = image.entry
            alias = entry.alias or ""
            if not _CRD_ALIAS.fullmatch(alias):
                yield resource.finding(
                    ID,
                    f"alias `{alias}` does not match the CRD pattern "
                    "`^[a-zA-Z0-9][a-zA-Z0-9-._]*$`; the API server rejects the resource",
                    image.location,
                    image=image,
                    ref=ref,
                )
                continue
            problem = _port_only_registry(entry)
            if problem is None and not entry.strict and entry.error is None:
                try:
                    parse_reference(entry.repository_reference)
                except InvalidReference as exc:
                    problem = (
                        f"imageName `{entry.image}` names `{entry.repository_reference}`, which "
                        f"is not a valid repository name ({exc.reason}); it never matches a "
                        "running image",
                        None,
                    )
            if problem is not None:
                yield resource.finding(
                    ID, problem[0], image.location, problem[1], image=image, ref=ref
                )
