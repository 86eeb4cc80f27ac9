"""Image is not pinned by digest where the environment (or image) requires it.

With `require_digest: true` every image must carry `@sha256:…`: a tag can be
re-pushed, a digest cannot. For Kustomize overrides set `digest:`; in Helm values
`image.digest`.

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      prod: {require_digest: true}

Failing::

    # apps/api/prod/values.yaml
    image: registry.example.com/team/api:1.4.2  # ← GG105

Passing::

    # apps/api/prod/values.yaml
    image:
      repository: registry.example.com/team/api
      tag: "1.4.2"
      digest: sha256:1343da2562c949e519a8008f09a7355486c1eb63cf8e958d8c66dbd3e9239792
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.model import ImageUse, Severity, Source
from gitops_guard.rules.base import IMAGE_SCOPE, Problem, RuleContext, is_checked_image, where

ID = "GG105"
NAME = "digest-required"
SEVERITY = Severity.ERROR
SCOPE: Final = IMAGE_SCOPE


def check(use: ImageUse, ctx: RuleContext) -> Iterator[Problem]:
    ref = use.reference
    if ref is None or not is_checked_image(use) or ref.digest:
        return
    if not ctx.image_rules(use).require_digest:
        return
    how = {
        Source.KUSTOMIZE: "add `digest: sha256:…` to the Kustomize images entry",
        Source.HELM: "set the image's `digest:` value",
    }.get(use.source, f"write it as {ref.familiar()}@sha256:…")
    yield Problem(f"{ref.familiar()} is not pinned by digest{where(use)}", hint=how)
