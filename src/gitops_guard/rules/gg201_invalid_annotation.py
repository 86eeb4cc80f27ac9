"""Unknown Image Updater annotation or resource field, or a value Image Updater cannot read.

Image Updater reads annotations by exact name, so a misspelt key (`update-stratgy`,
`argocd-image-updater.argoproj.io.image-list`) is silently ignored and the image is
updated with the defaults. The finding names the closest real key. The same holds for
fields of an `ImageUpdater` resource, which the API server prunes.

Values that make Image Updater give up are reported here too, when no more specific rule
covers them: an annotation value that YAML reads as a boolean or number (Kubernetes only
accepts strings and rejects the Application), `force-update` that is not a boolean (1.x drops
the whole annotation configuration of the Application), an unreadable `pull-secret` (1.2+:
the image errors), helm and kustomize targets on one alias (1.x), a cross-namespace secret
(1.3+), an invalid `namePattern` glob (the whole resource is rejected).

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/api.update-stratgy: digest  # ← GG201: a typo
        argocd-image-updater.argoproj.io/api.force-update: yes       # ← GG201: a boolean

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/api.update-strategy: semver
        argocd-image-updater.argoproj.io/api.force-update: "true"
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import (
    ANNOTATION_PREFIX,
    APP_WIDE_OPTIONS,
    PER_ALIAS_ONLY,
    SELECTION_RULE_ANNOTATION,
    UNREAD_OPTIONS,
    Semantics,
    key_problem,
    suggest_key,
)
from gitops_guard.updater.checks import pull_secret_problem
from gitops_guard.updater.config import (
    PARSE_BOOL_VALUES,
    Application,
    Configuration,
    UpdaterResource,
    Value,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG201"
NAME = "invalid-annotation"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE

_KEYS_HINT = (
    "application-wide keys: " + ", ".join(APP_WIDE_OPTIONS) + "; per image: "
    "<alias>.update-strategy, .allow-tags, .ignore-tags, .force-update, .pull-secret, "
    ".platforms, .helm.image-name, .helm.image-tag, .helm.image-spec, .kustomize.image-name"
)
PULL_SECRET_HINT = (
    "e.g. pullsecret:<namespace>/<name>, a Secret of type kubernetes.io/dockerconfigjson"
)
DROPPED = (
    "Image Updater 1.x then drops the annotation configuration of this Application "
    "(and tries the next matching applicationRef, if any): nothing is updated"
)


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    yield from config.report(_findings(config))


def _findings(config: Configuration) -> Iterator[Finding]:
    yield from config.problems_for(ID)
    read = {id(a) for a in config.annotation_applications()}
    for application in config.applications:
        yield from _keys(application)
        if id(application) in read:
            yield from _values(config.semantics, application)
    for resource in config.resources:
        yield from _resource_values(config.semantics, resource)


def _keys(application: Application) -> Iterator[Finding]:
    aliases = tuple(e.alias for e, _ in application.entries if e.alias)
    for annotation in application.annotations:
        if annotation.error is not None:
            yield application.finding(
                ID,
                f"{annotation.error}; Kubernetes annotation values must be strings, so the API "
                "server rejects the Application",
                annotation.value.location,
                annotation.error_hint,
            )
            continue
        if annotation.key == SELECTION_RULE_ANNOTATION:
            continue
        if not annotation.key.startswith(ANNOTATION_PREFIX):
            fixed = ANNOTATION_PREFIX + _option_part(annotation.key)
            yield application.finding(
                ID,
                f"`{annotation.key}` is not an Image Updater annotation: the prefix must be "
                f"exactly `{ANNOTATION_PREFIX}`, so Image Updater ignores it",
                annotation.value.key_location,
                f"write `{fixed}`",
            )
            continue
        suffix = annotation.suffix
        problem = key_problem(suffix)
        if problem is not None and annotation.name.option is not None:
            yield application.finding(
                ID,
                f"annotation `{annotation.key}`: {problem}",
                annotation.value.key_location,
                "use a shorter alias in image-list",
            )
            continue
        if annotation.name.option is not None or suffix in PER_ALIAS_ONLY:
            continue  # known, or an application-wide per-image key (GG210)
        if suffix in UNREAD_OPTIONS:
            continue
        suggestion = suggest_key(suffix, aliases)
        message = f"unknown Image Updater annotation `{annotation.key}`"
        if suggestion:
            message += f" (did you mean `{ANNOTATION_PREFIX}{suggestion}`?)"
        yield application.finding(
            ID,
            message + "; Image Updater ignores it",
            annotation.value.key_location,
            _KEYS_HINT,
        )


def _values(semantics: Semantics, application: Application) -> Iterator[Finding]:
    """Values of known keys that Image Updater cannot read."""
    aliases = application.key_aliases(semantics)
    for annotation in application.updater_annotations:
        name = annotation.name
        if annotation.error is not None or name.option is None:
            continue
        if name.alias is not None and name.alias not in aliases:
            continue  # never read (GG203)
        value = annotation.value
        if name.option == "force-update" and semantics.force_update_parse_bool:
            if value.stripped not in PARSE_BOOL_VALUES:
                yield application.finding(
                    ID,
                    f"`{annotation.key}` is `{value.text}`, which Go's ParseBool does not read "
                    f"as a boolean; {DROPPED}",
                    value.location,
                    'write "true" or "false"',
                )
        elif name.option == "pull-secret":
            finding = _pull_secret(semantics, value, application.namespace, application)
            if finding is not None:
                yield finding
    if semantics.helm_kustomize_conflict_is_error:
        for image in application.annotation_images:
            helm = image.helm_spec or image.helm_name or image.helm_tag
            if helm is not None and image.kustomize_name is not None:
                yield application.finding(
                    ID,
                    f"alias `{image.alias}` has both `{helm.key.rsplit('/', 1)[-1]}` and "
                    f"`{image.kustomize_name.key.rsplit('/', 1)[-1]}`; {DROPPED}",
                    image.kustomize_name.key_location,
                    "keep the helm.* keys for Helm sources, kustomize.image-name for Kustomize",
                    image=image,
                )


def _pull_secret(
    semantics: Semantics, value: Value, namespace: str | None, owner: Application
) -> Finding | None:
    problem = pull_secret_problem(value.text, semantics, namespace)
    if problem is None or not problem[1]:
        return None  # an ignored value is reported by GG210
    return owner.finding(
        ID,
        f"`{value.key}` {problem[0]}: Image Updater reports an error for the image and does "
        "not update it",
        value.location,
        PULL_SECRET_HINT,
    )


def _resource_values(semantics: Semantics, resource: UpdaterResource) -> Iterator[Finding]:
    seen: set[tuple[int, int]] = set()
    for block, ref in resource.setting_blocks():
        value = block.get("pullSecret")
        if value is None or (value.location.line, value.location.column) in seen:
            continue
        seen.add((value.location.line, value.location.column))
        problem = pull_secret_problem(value.text, semantics, resource.namespace)
        if problem is not None and problem[1]:
            yield resource.finding(
                ID,
                f"`{value.key}` {problem[0]}: Image Updater reports an error for the image and "
                "does not update it",
                value.location,
                PULL_SECRET_HINT,
                ref=ref,
            )


def _option_part(key: str) -> str:
    """What follows a mistyped prefix: after the ``/``, else after ``argoproj.io`` and one mark."""
    if "/" in key:
        return key.split("/", 1)[1]
    match = re.search(r"argoproj\.io[./:_-]?", key)
    return key[match.end() :] if match else key
