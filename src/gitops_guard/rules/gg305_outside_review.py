"""A person changed an image in an environment that requires changes through a pull request.

With `environments.<env>.require_pr: true`, human changes must arrive through a
pull request. A pull request is proven by structure: a merge commit whose second
parent was not on the protected ref (what a forge's merge button makes). A subject
such as `Merge pull request #998` or `(#999)` on a commit pushed straight to the
branch proves nothing. Where the policy names the forge's merge-commit key
(`pull_requests.merge_key`), a merge proves a pull request only when that key signed
it. Changes whose author is a bot are judged by GG301 (a bot named only as co-author
does not exempt a person's push), unsigned commits by GG402.

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

Failing (pushed straight to main, whatever its subject says: `check --direct`)::

    - message: Bump api in prod (#42)
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG305

Passing (the same change as a pull request's commit: `check`)::

    - message: Bump api in prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import PromotionEvent, is_bot_author
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG305"
NAME = "outside-review"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    if env is None or not env.require_pr or event.through_pr:
        return
    if is_bot_author(event.commit, ctx.policy.bots):
        return
    if not ctx.direct:
        return  # judged as part of a pull request
    if len(event.commit.parents) > 1 and ctx.policy.merge_key_file is not None:
        # The shape of a pull request's merge, without the forge's signature.
        yield Problem(
            f"{event.repository} changed in {env.name} by a merge not signed by the forge's "
            f"merge key ({event.commit.sha[:12]} by {event.commit.author.name}), not "
            "proven to come through a pull request",
            hint=f"{env.name} requires review: merge through the forge, which signs its "
            f"merges with the key {ctx.policy.merge_key_file} holds",
        )
        return
    yield Problem(
        f"{event.repository} changed in {env.name} by a direct push "
        f"({event.commit.sha[:12]} by {event.commit.author.name}), not through a pull request",
        hint=f"{env.name} requires review: open a pull request",
    )
