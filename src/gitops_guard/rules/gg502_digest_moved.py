"""Tag now points to a different digest than the pinned one (mutable tag re-pushed).

An image written as `name:tag@sha256:…` says which build runs. When the registry now
resolves the tag to another digest, someone re-pushed the tag: the version name no
longer identifies the build, and a rollback to "1.4.2" would deploy something else.
The finding tells a *moved* tag (the pinned digest still exists) from a *deleted* image
(the pinned digest is gone, so the deployment can no longer pull it), and shows both
digests.

Failing (tag 1.4.2 was re-pushed after it was pinned)::

    image: registry.example.com/team/api:1.4.2@sha256:4f4f…   # registry: 1.4.2 → sha256:9c1e…

Passing (the tag still resolves to the pinned digest)::

    image: registry.example.com/team/api:1.4.2@sha256:4f4f…   # registry: 1.4.2 → sha256:4f4f…
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG502"
NAME = "digest-moved"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
