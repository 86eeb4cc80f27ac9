"""Tag now points to a different digest than the pinned one (mutable tag re-pushed).

An image written as `name:tag@sha256:…` says which build runs. When the registry now
resolves the tag to another digest, someone re-pushed the tag: the version name no
longer identifies the build, and a rollback to "1.4.2" would deploy something else.
The finding tells a *moved* tag (the pinned digest still exists) from a *deleted* image
(the pinned digest is gone, so the deployment can no longer pull it), and shows both
digests.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      registry: {environments: [prod]}

Failing (tag 1.4.2 was re-pushed after it was pinned)::

    # registry.example.com
    team/api:1.4.2: [build-1, build-2]     # pushed twice: the tag now names build-2

    # apps/api/prod/values.yaml
    image:
      repository: registry.example.com/team/api
      tag: "1.4.2"                          # ← GG502
      digest: sha256:81ec81f59c08607693b4144a74b81a028f98969cd337e0cb390e009364a6a485  # build-1

Passing (the tag still names the pinned build)::

    # registry.example.com
    team/api:1.4.2: build-1

    # apps/api/prod/values.yaml
    image:
      repository: registry.example.com/team/api
      tag: "1.4.2"
      digest: sha256:81ec81f59c08607693b4144a74b81a028f98969cd337e0cb390e009364a6a485  # build-1
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG502"
NAME = "digest-moved"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
