"""Image Updater manages an image in an environment where the policy allows no automated change.

`environments.<env>.automated: []` says every change there is a person's commit. Image
Updater configured on an Application of that environment breaks it whatever its write-back:
with `argocd` (the default) it changes the running image in the cluster and commits
nothing, so no gate ever sees the promotion; with `git` every commit it makes is a bot's
change the policy refuses. Either way the configuration is the promotion path, and it is
judged where it is written. An environment without `automated` sets no limit.

Flux image automation is the same path: a line marked with a setter comment
(`# {"$imagepolicy": "flux-system:api"}`, or its `:tag`/`:name` forms) is rewritten by
the image-automation controller's commits, so a marked image in such an environment is
a finding too, at the marked line.

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

import re
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
    yield from _flux_setters(inventory, ctx)


_SETTER = re.compile(r'#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}')


def _flux_setters(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Images on lines Flux image automation rewrites, in environments without automation."""
    seen: set[tuple[str, int, str | None]] = set()
    for use in inventory.uses:
        environment = ctx.policy.environment(use.environment)
        if environment is None or not environment.automated_set or environment.automated:
            continue
        loaded = inventory.parsed.get(use.location.path)
        if loaded is None or '"$imagepolicy"' not in loaded.text:
            continue
        lines = loaded.lines
        index = use.location.line - 1
        marker = _SETTER.search(lines[index]) if 0 <= index < len(lines) else None
        key = (use.location.path, use.location.line, use.environment)
        if marker is None or key in seen:
            continue
        seen.add(key)
        where = use.environment
        app = f"{use.app} ({where})" if use.app else where
        yield Finding(
            ID,
            f"Flux image automation ({marker.group(1)}) rewrites this image in {app}, where "
            "the policy allows no automated change (`automated: []`): its commits are a bot's",
            use.location,
            hint=f"remove the setter comment from {where}'s manifest, or list the change kinds "
            f"it may make in environments.{where}.automated",
            app=use.app,
            environment=use.environment,
            image=use.raw,
        )
