"""An Application of a promoted environment deploys a revision no gate judges.

gitops-guard judges what lands on the protected refs: the pre-receive hook on the
server, the required check on the pull requests into them. An Argo CD Application
deploys its `targetRevision`; when that is a branch (or tag, or commit) outside the
protected refs, a push there changes what the environment runs and nothing judges it —
the tree this gate reads is not what is deployed. This fires for environments that are
promoted into (`from:`) or that require pull requests (`require_pr`); an empty
revision and `HEAD` mean the default branch. A ref counts as protected when
`protected_refs` lists it (by name, `refs/heads/` or `refs/tags/` form, `*` wildcards),
and `main` and `master` always do (the server always protects its default branch).

Policy::

    version: 1
    layout: ["apps/{app}/overlays/{env}/**"]
    environments:
      staging: {}
      prod: {from: staging}

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
    spec:
      source:
        repoURL: https://git.example.com/acme/gitops.git
        targetRevision: feature-x          # ← GG004
        path: apps/api/overlays/prod
      destination:
        name: prod
        namespace: api
    # apps/api/overlays/prod/kustomization.yaml
    resources: []

Passing (the same, tracking the default branch)::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
    spec:
      source:
        repoURL: https://git.example.com/acme/gitops.git
        targetRevision: HEAD
        path: apps/api/overlays/prod
      destination:
        name: prod
        namespace: api
    # apps/api/overlays/prod/kustomization.yaml
    resources: []
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import INPUT_SCOPE

ID = "GG004"
NAME = "unprotected-revision"
SEVERITY = Severity.ERROR
SCOPE: Final = INPUT_SCOPE
