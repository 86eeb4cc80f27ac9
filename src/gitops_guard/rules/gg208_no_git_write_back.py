"""Image Updater's write-back leaves no trace in Git (where the policy requires it), or none at all.

With `write-back-method: argocd` — the default — Image Updater changes the Application in the
cluster: nothing is committed, so Git no longer says what runs, a re-sync reverts it and no
review, audit or rollback can see it. Environments listed in
`annotations.require_git_write_back` must use `git` (or `git:repocreds`,
`git:secret:<namespace>/<name>`).

Write-back settings Image Updater refuses are reported in every environment, because then
nothing is written back at all: a method other than `argocd`/`git` (case matters), Git
credentials that are neither `repocreds` nor `secret:...`, a cross-namespace secret (1.3+), a
`git-branch` with more than one `:` or a template that does not render, a bare
`kustomization.yaml` target (1.3+), or a `helmvalues` target without the Helm parameter names
for an image (before 1.3).

Policy::

    version: 1
    layout: ["argocd/{app}-{env}.yaml"]
    environments: {prod: {}}
    annotations:
      require_git_write_back: [prod]

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        # ↑ GG208: the default write-back (argocd) commits nothing

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        argocd-image-updater.argoproj.io/write-back-method: git
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import Semantics
from gitops_guard.updater.checks import (
    branch_problem,
    is_git_method,
    kustomization_file_target,
    target_kind,
    write_back_problem,
)
from gitops_guard.updater.config import (
    ImageConfig,
    Managed,
    WriteBack,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG208"
NAME = "no-git-write-back"
SEVERITY = Severity.ERROR
SCOPE: Final = INVENTORY_SCOPE

_CRD_METHOD: Final = re.compile(r"argocd|git|git:[a-zA-Z0-9][a-zA-Z0-9-._/:]*")


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    required = set(ctx.policy.annotations.require_git_write_back)
    found: list[Finding] = []
    for managed in config.managed():
        found.extend(_managed(config.semantics, managed, required))
    yield from config.report(found)


def _namespace(managed: Managed) -> str | None:
    if managed.application is not None and managed.application.namespace:
        return managed.application.namespace
    return managed.resource.namespace if managed.resource is not None else None


def _managed(semantics: Semantics, managed: Managed, required: set[str]) -> Iterator[Finding]:
    write_back = managed.write_back
    method = write_back.method
    key = "writeBackConfig.method" if managed.origin == "resource" else "write-back-method"
    if method is not None:
        problem = write_back_problem(method.text, semantics, _namespace(managed))
        crd = managed.origin == "resource"
        if problem is None and crd and not _CRD_METHOD.fullmatch(method.text):
            problem = (
                "it does not match the CRD pattern `^(argocd|git|git:<credentials>)$`, so the "
                "API server rejects the resource"
            )
        if problem is not None:
            yield managed.finding(
                ID,
                f"`{method.key}` is `{method.text}`: {problem}; Image Updater writes nothing back",
                method.location,
                "use `argocd`, `git`, `git:repocreds` or `git:secret:<namespace>/<name>`",
            )
            return
    environment = managed.placement.environment
    git = is_git_method(method.text.strip() if method is not None else None)
    if environment in required and not git:
        how = f"`{method.text}`" if method is not None else "`argocd` (the default)"
        app = f"{managed.placement.app} ({environment})" if managed.placement.app else environment
        yield managed.finding(
            ID,
            f"write-back method {how} changes the Application in the cluster and leaves no trace "
            f"in Git, but the policy requires Git write-back in {app}",
            method.location if method is not None else managed.anchor,
            f"set {key}: git (or git:secret:<namespace>/<name>)",
        )
    if git:
        yield from _git_settings(semantics, managed, write_back)


def _git_settings(
    semantics: Semantics, managed: Managed, write_back: WriteBack
) -> Iterator[Finding]:
    branch = write_back.branch
    if branch is not None:
        problem = branch_problem(branch.text, semantics, write_back.pull_request is not None)
        if problem is not None:
            yield managed.finding(
                ID,
                f"`{branch.key}` `{branch.text}` {problem}",
                branch.location,
                "write `<branch>`, `<base>:<write-branch-template>` or `:<write-branch-template>`",
            )
    target = write_back.target
    if target is None:
        return
    if semantics.rejects_kustomization_file_target and kustomization_file_target(target.text):
        yield managed.finding(
            ID,
            f"`{target.key}` `{target.text}` names a kustomization file: Image Updater "
            f"{semantics.label} refuses a bare kustomization path (older versions overwrote it "
            "with a parameter file)",
            target.location,
            f"write `kustomization:{_directory(target.text)}`",
        )
    kind, _misuse = target_kind(target.text)
    if kind == "helmvalues" and not semantics.helmvalues_defaults:
        for image in managed.images:
            if not _has_helm_names(managed, image):
                yield managed.finding(
                    ID,
                    f"`{target.key}` is `{target.text}`, but {image.label} has no Helm parameter "
                    f'names: Image Updater {semantics.label} logs "could not find an image-name '
                    'annotation" and writes nothing (1.3+ defaults to image.name/image.tag)',
                    image.location,
                    _helm_hint(managed, image),
                    image,
                )


def _has_helm_names(managed: Managed, image: ImageConfig) -> bool:
    if image.helm_spec is not None or (image.helm_name is not None and image.helm_tag is not None):
        return True
    application = managed.application
    if image.alias is None and application is not None and managed.origin != "resource":
        # Images without an alias are looked up under their name.
        name = image.entry.name
        spec = application.annotation(f"{name}.helm.image-spec")
        pair = application.annotation(f"{name}.helm.image-name") and application.annotation(
            f"{name}.helm.image-tag"
        )
        return spec is not None or bool(pair)
    return False


def _helm_hint(managed: Managed, image: ImageConfig) -> str:
    if managed.origin == "resource":
        return "set manifestTargets.helm.name and .tag (or .spec) for this image"
    alias = image.alias or image.entry.name
    return (
        f"set `{alias}.helm.image-name` and `{alias}.helm.image-tag` (or `{alias}.helm.image-spec`)"
    )


def _directory(path: str) -> str:
    """The directory part of a target path (``.`` for a bare file name)."""
    text = path.strip()
    return text.rsplit("/", 1)[0] if "/" in text else "."
