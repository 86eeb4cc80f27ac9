"""Flux: Kustomizations deploy folders into environments, HelmReleases deploy their values.

Shaped like fluxcd/flux2-kustomize-helm-example (``clusters/<env>/apps.yaml`` deploying
``./apps/<env>``, a HelmRelease base patched per environment), with the chart's image
pinned in the values.
"""

from __future__ import annotations

from tests.extract.conftest import Extract

POLICY = """\
version: 1
layout:
  - clusters/{env}/**
  - apps/{env}/**
environments:
  staging: {}
  production: {from: staging}
"""


def flux_kustomization(env: str, path: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n"
        f"  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  path: {path}\n"
        "  prune: true\n"
    )


RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo
      tag: 6.5.0
"""


def values_patch(tag: str) -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata:\n  name: podinfo\n  namespace: podinfo\n"
        f"spec:\n  values:\n    image:\n      tag: {tag}\n"
    )


REPO = {
    "apps/base/podinfo/kustomization.yaml": "resources: [release.yaml]\n",
    "apps/base/podinfo/release.yaml": RELEASE,
    **{
        f"apps/{env}/kustomization.yaml": (
            "resources: [../base/podinfo]\npatches:\n  - path: podinfo-values.yaml\n"
            "    target: {kind: HelmRelease}\n"
        )
        for env in ("staging", "production")
    },
    "apps/staging/podinfo-values.yaml": values_patch("6.6.0"),
    "apps/production/podinfo-values.yaml": values_patch("6.5.4"),
    "clusters/staging/apps.yaml": flux_kustomization("staging", "./apps/staging"),
    "clusters/production/apps.yaml": flux_kustomization("production", "./apps/production"),
}


def deployed(inventory) -> set[tuple[str | None, str | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return {
        (u.environment, u.application, u.reference.tag if u.reference else None, str(u.location))
        for u in inventory.uses
    }


def test_a_helm_release_deploys_its_values_as_each_kustomization_builds_them(
    run: Extract,
) -> None:
    inventory = run(REPO, policy=POLICY)
    assert deployed(inventory) == {
        ("staging", "apps", "6.6.0", "apps/staging/podinfo-values.yaml:9:12"),
        ("production", "apps", "6.5.4", "apps/production/podinfo-values.yaml:9:12"),
    }
    # The chart comes from a Helm repository: its own images are named, not followed, in
    # each environment whose build applies the release.
    assert [(p.rule, p.location.path, p.environment) for p in inventory.problems] == [
        ("GG003", "apps/base/podinfo/release.yaml", "production"),
        ("GG003", "apps/base/podinfo/release.yaml", "staging"),
    ]
    assert "HelmRelease podinfo deploys chart podinfo" in inventory.problems[0].message


def test_production_pointed_at_the_staging_folder_runs_staging_values(run: Extract) -> None:
    files = {**REPO, "clusters/production/apps.yaml": flux_kustomization("p", "./apps/staging")}
    inventory = run(files, policy=POLICY)
    assert {(e, t) for e, _a, t, _w in deployed(inventory)} == {
        ("staging", "6.6.0"),
        ("production", "6.6.0"),
        ("production", "6.5.4"),  # the production folder nothing deploys: listed, presumed
    }


def test_a_plain_folder_is_deployed_recursively_and_spec_images_override(run: Extract) -> None:
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: web\n          image: r.io/web:1.0.0\n"
    )
    kustomization = flux_kustomization("production", "./deploy") + (
        "  images:\n    - name: r.io/web\n      newTag: 1.1.0\n"
    )
    files = {"deploy/web/deploy.yaml": deploy, "clusters/production/web.yaml": kustomization}
    inventory = run(files, policy=POLICY)
    # No kustomization in the folder: Flux generates one of every manifest below it and
    # applies spec.images to it.
    assert deployed(inventory) == {
        ("production", "apps", "1.1.0", "clusters/production/web.yaml:15:15")
    }
    assert inventory.problems == []


def test_flux_kustomization_patches_and_post_build_are_named(run: Extract) -> None:
    kustomization = flux_kustomization("production", "./apps/production") + (
        "  patches:\n    - patch: '[]'\n      target: {kind: HelmRelease}\n"
    )
    files = {**REPO, "clusters/production/apps.yaml": kustomization}
    inventory = run(files, policy=POLICY)
    messages = [p.message for p in inventory.problems if p.location.path.startswith("clusters")]
    assert messages == [
        "Flux Kustomization apps sets patches, which is not followed: what it changes is "
        "not judged in apps (production)"
    ]


def test_fluxcdbot_is_a_bot_by_default() -> None:
    from gitops_guard.policy.model import default_policy

    assert "fluxcdbot*" in default_policy().bots


def test_a_release_s_chart_from_git_and_its_values_from_are_named(run: Extract) -> None:
    release = RELEASE.replace(
        "      chart: podinfo\n      sourceRef: {kind: HelmRepository, name: podinfo}\n",
        "      chart: ./charts/podinfo\n      sourceRef: {kind: GitRepository, name: flux-system}\n",
    ) + ("  valuesFrom:\n    - kind: ConfigMap\n      name: podinfo-values\n")
    files = {**REPO, "apps/base/podinfo/release.yaml": release}
    inventory = run(files, policy=POLICY)
    found = sorted(
        (str(p.location), p.environment, p.message)
        for p in inventory.problems
        if p.rule == "GG003" and p.environment == "production"
    )
    assert found == [
        (
            "apps/base/podinfo/release.yaml:16:13",
            "production",
            "HelmRelease podinfo: its valuesFrom (ConfigMaps and Secrets of the cluster) are "
            "not followed in apps (production)",
        ),
        (
            "apps/base/podinfo/release.yaml:9:14",
            "production",
            "HelmRelease podinfo: its chart ./charts/podinfo from GitRepository flux-system is "
            "not rendered: the chart's own values, templates and subcharts are not followed "
            "in apps (production)",
        ),
    ]
    # Its spec.values are still the release's images.
    assert ("production", "apps", "6.5.4", "apps/production/podinfo-values.yaml:9:12") in (
        deployed(inventory)
    )
