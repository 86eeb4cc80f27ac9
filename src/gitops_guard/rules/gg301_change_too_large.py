"""A bot made a version change larger than the environment allows bots to make.

`environments.<env>.automated` lists the change kinds (new, patch, minor, major,
downgrade, digest, tag, removed) that authors matching `bots` may make there; any
other change must be a person's commit. An environment without `automated` sets no
limit.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    bots: ["argocd-image-updater*"]
    environments:
      staging: {automated: [patch]}

History::

    - message: Deploy api 1.4.1 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (a minor bump, committed by Image Updater)::

    - author: argocd-image-updater <noreply@argoproj.io>
      message: |
        build: automatic update of api-staging

        updates image team/api tag '1.4.1' to '1.5.0'
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG301

Passing (a patch bump)::

    - author: argocd-image-updater <noreply@argoproj.io>
      message: |
        build: automatic update of api-staging

        updates image team/api tag '1.4.1' to '1.4.2'
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.2
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import PromotionEvent
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG301"
NAME = "change-too-large"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    if env is None or not event.bot or not env.automated_set or event.change in env.automated:
        return
    allowed = ", ".join(sorted(env.automated)) or "nothing"
    yield Problem(
        f"{event.commit.author.name} (a bot) made a {event.change} change of "
        f"{event.repository} in {env.name} ({_versions(event)}); bots may only make: {allowed}",
        hint=f"a person must promote this {event.change} change, or allow it in "
        f"environments.{env.name}.automated",
    )


def _versions(event: PromotionEvent) -> str:
    old = event.old_ref.familiar() if event.old_ref else "nothing"
    new = event.new_ref.familiar() if event.new_ref else "nothing"
    return f"{old} → {new}"
