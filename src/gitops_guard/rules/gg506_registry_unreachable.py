"""Registry unreachable or rate-limited: the supply-chain gates could not check the image.

A gate that could not ask the registry (down, timing out, refusing credentials,
answering 429 after the retries and wait budget) never passes silently. How it counts is
policy, `supply_chain.on_unreachable`:

* `fail` (default): an error — fail closed;
* `warn`: a warning;
* `skip`: not reported.

`--offline` sends no request at all: every gate that needs the registry is reported as
"not checked (offline)" at warning level, whatever `on_unreachable` says. A registry
whose rate-limit headers (`ratelimit-remaining`) show less than a tenth of the quota left
gets a warning too. A registry that serves content not matching its digest is always an
error.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments: {prod: {}}
    supply_chain:
      on_unreachable: fail
      registry: {environments: [prod]}

Failing (registry.example.com is down)::

    # registry.example.com
    unreachable

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2      # ← GG506

Passing (the registry answers)::

    # registry.example.com
    team/api:1.4.2: build-1

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG506"
NAME = "registry-unreachable"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
