"""A version was promoted before it had run long enough in the environment it comes from.

`environments.<env>.soak` (e.g. `24h`) is the time a version must have run in the
`from` environment: measured between the commit times of the two changes. Rollbacks
are exempt.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      staging: {}
      prod: {from: staging, soak: 24h}

History::

    - message: Deploy api 1.4.1
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.4.1
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (staging got 1.5.0 at 09:00, prod gets it at 15:00 the same day)::

    - date: 2026-03-10T09:00Z
      message: Promote api 1.5.0 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0
    - date: 2026-03-10T15:00Z
      message: Promote api 1.5.0 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG304: after 6h of 24h

Passing (prod gets it the next day, after 09:00)::

    - date: 2026-03-10T09:00Z
      message: Promote api 1.5.0 to staging
      files:
        apps/api/staging/values.yaml: |
          image: registry.example.com/team/api:1.5.0
    - date: 2026-03-11T10:00Z
      message: Promote api 1.5.0 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0
"""

import datetime
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
from gitops_guard.rules.gg303_skipped_environment import PROMOTIONS

ID = "GG304"
NAME = "soak-time"
SEVERITY = Severity.ERROR
SCOPE: Final = EVENT_SCOPE


def check(event: PromotionEvent, ctx: PromotionContext) -> Iterator[Problem]:
    env = ctx.environment(event)
    ref = event.new_ref
    if env is None or not env.soak_seconds or env.from_environment is None or ref is None:
        return
    if event.change not in PROMOTIONS or is_rollback(event, ctx) or not event.commit.parents:
        return
    since = ctx.ledger.ran(event.app, env.from_environment, ref)
    if since is None:
        return  # GG303 says it never ran there
    soaked = event.commit.committer.time - since
    needed = datetime.timedelta(seconds=env.soak_seconds)
    if soaked >= needed:
        return
    ready = since + needed
    yield Problem(
        f"{ref.familiar_name} {version_of(ref)} reaches {env.name} after "
        f"{_duration(soaked)} in {env.from_environment}; {env.name} requires {_duration(needed)}",
        hint=f"promote it after {ready.isoformat(timespec='minutes')}",
    )


def _duration(delta: datetime.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"
