"""An automated commit's message does not name the app, image, old and new version.

Audits read history from `git log`: a bot commit must say what it changed. Image
Updater's default message does (`build: automatic update of api-dev` /
`updates image team/api tag '1.4.0' to '1.4.1'`); a custom template may not.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    bots: ["argocd-image-updater*"]
    environments: {dev: {}}

History::

    - message: Deploy api 1.4.0 to dev
      files:
        apps/api/dev/values.yaml: |
          image: registry.example.com/team/api:1.4.0

Failing::

    - author: argocd-image-updater <noreply@argoproj.io>
      message: "chore: update images"
      files:
        apps/api/dev/values.yaml: |
          image: registry.example.com/team/api:1.4.1     # ← GG401

Passing::

    - author: argocd-image-updater <noreply@argoproj.io>
      message: |
        build: automatic update of api-dev

        updates image team/api tag '1.4.0' to '1.4.1'
      files:
        apps/api/dev/values.yaml: |
          image: registry.example.com/team/api:1.4.1
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import (
    PromotionContext,
    named_in_message,
)
from gitops_guard.history.steps import Step
from gitops_guard.model import Severity
from gitops_guard.rules.base import COMMIT_SCOPE, Problem

ID = "GG401"
NAME = "vague-automated-message"
SEVERITY = Severity.ERROR
SCOPE: Final = COMMIT_SCOPE


def check(step: Step, _ctx: PromotionContext) -> Iterator[Problem]:
    for event in step.events:
        if not event.bot or event.change == "removed":
            continue
        missing = named_in_message(step, event)
        if not missing:
            continue
        yield Problem(
            f"automated commit {step.commit.sha[:12]} ({step.commit.subject!r}) does not "
            f"name {', '.join(missing)}",
            hint="use Image Updater's default commit message, or a template naming "
            "app, image and both versions",
            location=event.use.location,
        )
