"""Image Updater manages an image in an environment where the policy allows no automated change.

`environments.<env>.automated: []` says every change there is a person's commit. Image
Updater configured on an Application of that environment breaks it whatever its write-back:
with `argocd` (the default) it changes the running image in the cluster and commits
nothing, so no gate ever sees the promotion; with `git` every commit it makes is a bot's
change the policy refuses. Either way the configuration is the promotion path, and it is
judged where it is written. An environment without `automated` sets no limit.

Policy::

    version: 1
    layout: ["argocd/{app}-{env}.yaml"]
    environments:
      prod: {automated: []}

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:1.x
        # ↑ GG211: prod allows no automated change
        argocd-image-updater.argoproj.io/write-back-method: argocd

Passing::

    # argocd/api-dev.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-dev
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:1.x
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG211"
NAME = "automation-not-allowed"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    found: list[Finding] = []
    for managed in config.managed():
        environment = ctx.policy.environment(managed.placement.environment)
        if environment is None or not environment.automated_set or environment.automated:
            continue
        method = managed.write_back.method
        how = (
            "changes the running image in the cluster and commits nothing, so no gate sees it"
            if method is None or not method.text.strip().startswith("git")
            else "writes commits as a bot, which the policy refuses there"
        )
        names = ", ".join(
            image.alias or image.entry.repository_reference for image in managed.images
        )
        where = managed.placement.environment
        app = f"{managed.placement.app} ({where})" if managed.placement.app else where
        found.append(
            managed.finding(
                ID,
                f"Image Updater manages {names} in {app}, where the policy allows no automated "
                f"change (`automated: []`): it {how}",
                managed.anchor,
                f"remove the Image Updater configuration from {where}'s Application, or list "
                f"the change kinds it may make in environments.{where}.automated",
            )
        )
    yield from config.report(found)
