"""Image built too recently for the environment (`environments.<env>.min_image_age`).

An environment may require every image it deploys to have been built at least a given
time ago (`min_image_age: 24h`, a duration like `soak`): a fresh build gets a day in
which a broken or malicious release can be noticed and pulled before it reaches
production. The build time is the image config's `created`, read from the registry (the
manifest, then its config blob; for an index or manifest list, the manifest of
`supply_chain.registry.platform`, by default linux/amd64). The age is counted against
the moment the check runs — the wall clock, or `--now` / `GITOPS_GUARD_NOW` — never a
commit's date. The finding says when the image will be old enough.

Whoever builds the image writes `created`, so a config without one, with one that cannot
be read, with the zero times reproducible builds write (`1970-01-01T00:00:00Z`,
`0001-01-01T00:00:00Z`) or with a time after now never counts as old: each is a finding
that says which. (A builder that lies about a past time is not caught here; require
signatures and provenance from a builder you trust, GG503 and GG505.)

Runs where the other supply-chain gates run — `check`, `plan` and `validate
--supply-chain` — for the environments that set `min_image_age`. It asks the registry
like them: `--offline` reports it as not checked (GG506), and a registry that cannot be
asked follows `supply_chain.on_unreachable` (GG506: `fail` an error, `warn` a warning,
`skip` not reported). Lowering or removing `min_image_age` loosens the policy (GG307).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      prod: {min_image_age: 24h}

Failing (built 18 hours before the check runs) `check --now=2026-03-10T02:00:00+00:00`::

    # registry.example.com
    team/api:1.4.2: {image: build-1, created: "2026-03-09T08:00:00Z"}

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2      # ← GG507

Failing (the image config says it was built after the check runs)
`check --now=2026-03-10T02:00:00+00:00`::

    # registry.example.com
    team/api:1.4.2: {image: build-1, created: "2026-03-11T08:00:00Z"}

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2      # ← GG507

Passing (built 42 hours before) `check --now=2026-03-10T02:00:00+00:00`::

    # registry.example.com
    team/api:1.4.2: {image: build-1, created: "2026-03-08T08:00:00Z"}

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import SUPPLY_SCOPE

ID = "GG507"
NAME = "image-too-young"
SEVERITY = Severity.ERROR
SCOPE: Final = SUPPLY_SCOPE  # findings come from gitops_guard.supply.gates
