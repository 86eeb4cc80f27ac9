"""A protected ref was force-pushed, deleted, or given a merge that puts another branch first.

What Argo CD deploys from a protected ref is its first-parent chain. An update whose
new tip does not continue the old tip on that chain replaces history instead of adding
to it: a force push back to an old commit or to an orphan history, a deleted and
re-created ref, or a merge made from the other side (`git merge -s ours` on an old
branch, then pushed as the ref) whose first parents run through that branch. Such an
update is refused unless the policy sets `allow_history_rewrites: true`; either way the
update's net change (old tip → new tip) is judged as one promotion step.

A refused update (on the server's pre-receive hook, or `check --direct` over it)::

    git push --force origin old-commit:main

An accepted update (the new commits continue the old tip)::

    git push origin main
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import RANGE_SCOPE

ID = "GG308"
NAME = "history-rewritten"
SEVERITY = Severity.ERROR
SCOPE: Final = RANGE_SCOPE
