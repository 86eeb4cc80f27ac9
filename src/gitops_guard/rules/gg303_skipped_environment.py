"""A version reached an environment without having run in the one it must come from.

`environments.<env>.from` names the previous stage: a version must have run there
first (at any time before, for the same app and image). Rollbacks are exempt.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      staging: {}
      prod: {from: staging}

History::

    - message: Deploy api 1.4.1
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.1
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (staging never ran 1.5.0)::

    - message: Promote api 1.5.0 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG303

Passing (staging ran 1.5.0 before prod gets it)::

    - message: Promote api 1.5.0 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0
    - message: Promote api 1.5.0 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import (
    PromotionContext,
    is_rollback,
)
from gitops_guard.history.steps import (
    PromotionEvent,
    version_of,
)
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG303"
NAME = "skipped-environment"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE
PROMOTIONS = ("new", "patch", "minor", "major", "tag", "digest")


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    ref = event.new_ref
    if env is None or env.from_environment is None or ref is None or event.change not in PROMOTIONS:
        return
    if event.change == "new" and event.old is None and event.commit.parents == ():
        return  # the repository's first commit promotes nothing
    if is_rollback(event, ctx) or ctx.ledger.ran(event.app, env.from_environment, ref):
        return
    yield Problem(
        f"{ref.familiar_name} {version_of(ref)} reaches {env.name} but never ran in "
        f"{env.from_environment}",
        hint=f"promote it to {env.from_environment} first",
    )
