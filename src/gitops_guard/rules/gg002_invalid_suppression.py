"""An inline suppression that has no reason, has expired, or names no known rule.

`# gitops-guard: ignore[GG102] <reason>` silences the named rules on its line or the
line below. A reason is required (it is reported with the suppressed finding), an
`until=YYYY-MM-DD` date ends it, and the ids or names must exist. A suppression that
breaks these rules silences nothing.

Failing::

    # apps/web/prod/values.yaml
    web:
      image: nginx:latest  # gitops-guard: ignore[GG102]
      # ↑ GG002, GG102: no reason given, so the suppression silences nothing
    proxy:
      image: nginx:latest  # gitops-guard: ignore[GG102] until=2020-01-01 waiting on vendor
      # ↑ GG002, GG102: expired

Passing::

    # apps/web/prod/values.yaml
    # gitops-guard: ignore[mutable-tag] until=2027-03-31 vendor ships no tags (TICKET-12)
    image: nginx:latest
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import INPUT_SCOPE

ID = "GG002"
NAME = "invalid-suppression"
SEVERITY = Severity.ERROR
SCOPE: Final = INPUT_SCOPE
