"""Application updated by Image Updater without a documented image selection rule.

In environments listed in `annotations.require_selection_rule`, every Application whose
images Image Updater manages (through its annotations or an ImageUpdater resource) must say
in plain words which versions it is meant to receive, in the annotation
`gitops-guard.io/selection-rule`. Reviewers and auditors then compare the intent with the
configuration, which is easy to get subtly wrong (see GG202-GG207).

Policy::

    version: 1
    layout: ["argocd/{app}-{env}.yaml"]
    environments: {prod: {}}
    annotations:
      require_selection_rule: [prod]

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        # ↑ GG209

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        gitops-guard.io/selection-rule: "patch releases of 1.4 only; minor bumps by PR"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import SELECTION_RULE_ANNOTATION
from gitops_guard.updater.config import Application

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG209"
NAME = "missing-selection-rule"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    required = set(ctx.policy.annotations.require_selection_rule)
    if not required:
        return
    config = configuration_of(inventory, ctx.policy)
    managed = [a for a in config.annotation_applications() if a.image_list is not None]
    managed.extend(a for a in config.applications if a.governed_by and a not in managed)
    found: list[Finding] = []
    for application in managed:
        environment = application.placement.environment
        if environment not in required:
            continue
        rule = application.selection_rule
        if rule is not None and rule.error is None and rule.value.stripped:
            continue
        found.append(_finding(application, environment, empty=rule is not None))
    yield from config.report(found)


def _finding(application: Application, environment: str, empty: bool) -> Finding:
    image_list = application.image_list
    where = image_list.value.key_location if image_list is not None else application.location
    rule = application.selection_rule
    if empty and rule is not None:
        where = rule.value.location
    how = "through its annotations" if image_list is not None else "through an ImageUpdater"
    state = "an empty" if empty else "no"
    name = application.name or application.path
    return application.finding(
        ID,
        f"{application.kind} `{name}` is updated by Image Updater {how} in {environment} but has "
        f"{state} `{SELECTION_RULE_ANNOTATION}` annotation documenting which versions it takes",
        where,
        f'add `{SELECTION_RULE_ANNOTATION}: "<which versions, e.g. patch releases of 1.4>"`',
    )
