"""Tag does not exist in the registry.

The registry gate (`supply_chain.registry`) asks the registry for every image deployed
in the environments it lists (a HEAD request, no pull). A tag that the registry does not
know would leave Argo CD unable to pull the image: it was never pushed, was deleted,
or is misspelled. An image pinned by digest only must exist by that digest.

Runs in `check` and `plan`, and in `validate --supply-chain` (the Git hooks ask no
registry); with `--offline` it is reported as not checked (GG506), never as passed.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      registry: {environments: [prod]}

Failing (the registry has 1.4.2 but not 1.4.3)::

    # registry.example.com
    team/api:1.4.2: build-1

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.3      # ← GG501

Passing::

    # registry.example.com
    team/api:1.4.2: build-1

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG501"
NAME = "tag-missing"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
