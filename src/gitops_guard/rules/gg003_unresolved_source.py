"""An image source that cannot be followed from the repository, so its images are not judged.

gitops-guard judges what each environment deploys by reading the repository; it never
fetches, renders or runs anything. What it cannot follow is named here, at the line that
brings it in, instead of passing in silence: a remote Kustomize resource or component
(`github.com/...//base?ref=`, `https://...`), a Kustomize `helmCharts:` entry or plugin
(`generators:`, `transformers:`), an Argo CD source in another repository, at another
revision or from a Helm repository, a config-management plugin, Jsonnet, an image
reference built in a Helm template, an ApplicationSet generator that needs the cluster
(clusters, pull requests, SCM providers). An overlay's own `images:` entries over such a
part are still judged. A warning by default; `environments.<env>.on_unresolved: error`
makes it an error for what that environment deploys (`gitops-guard init` does so for the
last one).

Policy::

    version: 1
    layout: ["apps/{app}/overlays/{env}/**"]
    environments:
      prod:
        on_unresolved: error

Failing::

    # apps/api/overlays/prod/kustomization.yaml
    resources:
      - github.com/acme/platform//api/base?ref=v1.4.0   # ← GG003

Passing::

    # apps/api/overlays/prod/kustomization.yaml
    resources:
      - ../../base
    # apps/api/base/kustomization.yaml
    resources:
      - deployment.yaml
    # apps/api/base/deployment.yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          containers:
            - name: api
              image: registry.example.com/team/api:1.4.0
"""

from typing import Final

from gitops_guard.model import Severity
from gitops_guard.rules.base import INPUT_SCOPE

ID = "GG003"
NAME = "unresolved-source"
SEVERITY = Severity.WARNING
SCOPE: Final = INPUT_SCOPE
