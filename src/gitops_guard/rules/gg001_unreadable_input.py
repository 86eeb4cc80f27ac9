"""A file cannot be read as YAML, or a value has the wrong type.

Reported for YAML syntax errors (at the parser's line), duplicate keys, values that
YAML reads as another type where a string is expected, files that are binary, not
UTF-8 or over the size limit, and paths that leave the repository. Nothing else is
checked in a document that cannot be read, so these come first.

Failing::

    # apps/api/overlays/prod/kustomization.yaml
    images:
      - name: registry.example.com/team/api
        newTag: 1.10        # ← GG001: YAML reads the number 1.1, Kustomize writes "1.1"

Passing::

    # apps/api/overlays/prod/kustomization.yaml
    images:
      - name: registry.example.com/team/api
        newTag: "1.10"
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import INPUT_SCOPE

ID = "GG001"
NAME = "unreadable-input"
SEVERITY = Severity.ERROR
SCOPE: Final = INPUT_SCOPE
