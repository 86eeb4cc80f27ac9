"""A version was promoted into an environment while a freeze window holds it.

`environments.<env>.freeze` lists the windows in which nothing is promoted there: fixed
ones (`from:`/`until:`, timestamps with their offset) and recurring ones (`days:` with
`start:`/`end:` in a `timezone:`'s wall time; an `end:` at or before `start:` is on the
next day). Every change of version counts (a new image, an upgrade, another tag or
digest, a downgrade) except a rollback: the rollback trailer (`rollback_trailer`, e.g.
`Rollback: INC-42`) back to a version that ran in the environment before, which is how an
incident is mended during a freeze. Removing an image is not a promotion.

When: `check` and the Git hooks judge at the moment they run, on the wall clock of the
machine (the server's, for its hook), never at a commit's date: a contributor writes
those, and a change dated before the freeze still lands during it. `--now` (or
`GITOPS_GUARD_NOW`) gives another moment, to ask what a check would say then. A push to a
branch that is not protected, and the commit being made, land nowhere yet and are not
judged. In `report`, where nothing lands now, a promotion is judged at the time its
commit counts as made (its committer date, never before a change recorded earlier).

A fix that is not a rollback waits for the window to end, or the policy owners shorten
the freeze (a loosening of the policy, GG307, reviewed as such), or it carries an inline
suppression with its reason on the image line, `# gitops-guard: ignore[GG309] INC-42 ...`,
where the environment allows suppressions (`allow_suppressions: false` closes that way).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      staging: {}
      prod:
        from: staging
        freeze:
          - reason: year-end change freeze
            from: 2026-12-20T00:00:00+01:00
            until: 2027-01-04T00:00:00+01:00

History::

    - message: Deploy api 1.4.1
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.1
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1
    - message: Promote api 1.5.0 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0
    - message: Promote api 1.5.0 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0

Failing (checked on 23 December, `check --now=2026-12-23T10:00:00+01:00`)::

    - message: Promote api 1.5.1 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.1
    - message: Promote api 1.5.1 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.1     # ← GG309: until 2027-01-04

Passing (checked after the freeze, `check --now=2027-01-04T09:00:00+01:00`)::

    - message: Promote api 1.5.1 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.1
    - message: Promote api 1.5.1 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.1

Passing (a rollback during the freeze, `check --now=2026-12-23T10:00:00+01:00`)::

    - message: |
        Roll back api in prod to 1.4.1

        Rollback: INC-42
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext, is_rollback
from gitops_guard.history.steps import PromotionEvent, version_of
from gitops_guard.model import Severity
from gitops_guard.rules.base import EVENT_SCOPE, Problem

ID = "GG309"
NAME = "frozen-environment"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    if env is None or not env.freeze or event.new is None or event.change == "removed":
        return
    if is_rollback(event, ctx):
        return
    judging_now = ctx.clock.now is not None
    when = ctx.lands_at(event.commit)
    freeze = env.frozen_at(when)
    if freeze is None:
        return
    ref = event.new_ref
    what = f"{ref.familiar_name} {version_of(ref)}" if ref is not None else event.new.raw
    until = freeze.describe_until()
    reason = freeze.window.reason
    at = when.isoformat(timespec="minutes")
    if judging_now:
        message = (
            f"{what} is promoted to {env.name} while {env.name} is frozen ({reason}) "
            f"until {until}; now is {at}"
        )
    else:
        message = (
            f"{what} was promoted to {env.name} at {at}, while it was frozen ({reason}) "
            f"until {until}"
        )
    yield Problem(
        message,
        hint=f"promote it after {until}; during a freeze only a rollback lands (the trailer "
        f"`{ctx.policy.rollback_trailer}: <incident>`, back to a version that ran in "
        f"{env.name})",
    )
