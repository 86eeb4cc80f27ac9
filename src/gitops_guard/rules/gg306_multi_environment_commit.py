"""One commit changes the same image in several environments where the policy forbids it.

With `environments.<env>.single_environment_commits: true`, a commit that changes an
image in that environment must not change the same image in another one: promoting
everywhere at once defeats the stages.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      staging: {}
      prod: {single_environment_commits: true}

History::

    - message: Deploy api 1.4.1
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.1
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (one commit sets api 1.5.0 in staging and in prod)::

    - message: Promote api 1.5.0
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG306

Passing (one commit for staging, a later one for prod)::

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

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import Step
from gitops_guard.model import Severity
from gitops_guard.rules.base import COMMIT_SCOPE, Problem

ID = "GG306"
NAME = "multi-environment-commit"
SEVERITY = Severity.ERROR
SCOPE: Final = COMMIT_SCOPE


def check(step: Step, ctx: PromotionContext) -> Iterator[Problem]:
    by_image: dict[tuple[str | None, str | None], set[str]] = {}
    for event in step.events:
        if event.environment is not None and event.change != "removed":
            by_image.setdefault((event.app, event.repository), set()).add(event.environment)
    for event in step.events:
        env = ctx.environment(event)
        if env is None or not env.single_environment_commits:
            continue
        others = by_image.get((event.app, event.repository), set()) - {env.name}
        if not others:
            continue
        yield Problem(
            f"commit {step.commit.sha[:12]} changes {event.repository} in {env.name} and in "
            f"{', '.join(sorted(others))} at once",
            hint=f"promote to {env.name} in a commit of its own",
            location=event.use.location,
        )
