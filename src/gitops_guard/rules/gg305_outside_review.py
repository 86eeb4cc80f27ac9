"""A person changed an image in an environment that requires changes through a pull request.

With `environments.<env>.require_pr: true`, human changes must arrive through a
reviewed pull request (a merge commit or a squash merge naming `(#N)`); a push
straight to the protected branch skips review. Bots are judged by GG301, unsigned
commits by GG402.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      prod: {require_pr: true}

History::

    - message: Deploy api 1.4.1 to prod (#41)
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (pushed straight to main: `check --direct`)::

    - message: Bump api in prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG305

Passing (the squash merge of pull request #42, pushed to main: `check --direct`)::

    - message: Bump api in prod (#42)
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import PromotionEvent
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG305"
NAME = "outside-review"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    if env is None or not env.require_pr or event.bot or event.pr is not None:
        return
    if not ctx.direct:
        return  # judged as part of a pull request
    yield Problem(
        f"{event.repository} changed in {env.name} by a direct push "
        f"({event.commit.sha[:12]} by {event.commit.author.name}), not through a pull request",
        hint=f"{env.name} requires review: open a pull request",
    )
