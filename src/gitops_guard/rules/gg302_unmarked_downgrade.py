"""A version went down without a rollback marker.

A downgrade is a rollback only when the commit carries the rollback trailer
(`rollback_trailer`, default `Rollback`, e.g. `Rollback: INC-42`) and the version
went back to one that ran in the same environment before. Anything else is an
accidental or unexplained downgrade (Image Updater re-applying an old policy, a bad
merge).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}

History::

    - message: Promote web 2.3.0 to prod
      files:
        apps/web/prod/values.yaml: |
          image: registry.example.com/team/web:2.3.0
    - message: Promote web 2.4.0 to prod
      files:
        apps/web/prod/values.yaml: |
          image: registry.example.com/team/web:2.4.0

Failing::

    - message: Promote web
      files:
        apps/web/prod/values.yaml: |
          image: registry.example.com/team/web:2.3.0     # ← GG302: was 2.4.0

Passing::

    - message: |
        Roll back web in prod to 2.3.0

        Rollback: INC-42
      files:
        apps/web/prod/values.yaml: |
          image: registry.example.com/team/web:2.3.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import (
    PromotionEvent,
    version_of,
)
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG302"
NAME = "unmarked-downgrade"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    if event.change != "downgrade" or event.new_ref is None or event.environment is None:
        return
    trailer = ctx.policy.rollback_trailer
    old, new = version_of(event.old_ref), version_of(event.new_ref)
    what = f"{event.repository} went down from {old} to {new} in {event.environment}"
    if trailer.lower() not in event.commit.trailers():
        yield Problem(
            f"{what} without a rollback marker",
            hint=f"if this is a rollback, add the trailer `{trailer}: <incident or reason>` "
            "to the commit message",
        )
    elif ctx.ledger.ran(event.app, event.environment, event.new_ref) is None:
        yield Problem(
            f"{what}: marked as a rollback, but {new} never ran in {event.environment}",
            hint="a rollback returns to a version that ran there before",
        )
