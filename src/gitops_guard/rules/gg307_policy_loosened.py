"""The change loosens the policy file itself.

A range is always judged by the policy of the revision it is merged into (the PR
base, the server's current ref), never by the policy it brings along. When it also
changes `.gitops-guard.yaml` in a way that allows more (an environment or a stage
removed, shorter soak, more automated change kinds, a requirement turned off, a rule
weakened, more registries or exclusions), this finding says what, so the change gets
the review it deserves.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      staging: {}
      prod: {from: staging, soak: 24h}

Failing::

    - message: Shorter soak in prod
      files:
        .gitops-guard.yaml: |
          version: 1
          layout: ["apps/{app}/{env}/**"]
          environments:
            staging: {}
            prod: {from: staging, soak: 1h}     # ← GG307: soak 24h → 1h

Passing::

    - message: Longer soak in prod
      files:
        .gitops-guard.yaml: |
          version: 1
          layout: ["apps/{app}/{env}/**"]
          environments:
            staging: {}
            prod: {from: staging, soak: 48h}
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import RANGE_SCOPE

ID = "GG307"
NAME = "policy-loosened"
SEVERITY = Severity.ERROR
SCOPE: Final = RANGE_SCOPE
