"""Layout templates inferred from the folders a repository deploys, shape by shape."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.policy.layout import Layout
from gitops_guard.starter.evidence import folders
from gitops_guard.starter.templates import Inferred, infer_layout


def infer(placed: list[str], others: tuple[str, ...] = ()) -> Inferred:
    """Infer from deployed paths (files unless they end with `/`), with other files around."""
    files = frozenset({p for p in placed if not p.endswith("/")} | set(others))
    deployed = [p.rstrip("/") for p in placed]
    return infer_layout(
        deployed, files, folders(files | {f"{p}x.yaml" for p in placed if p.endswith("/")})
    )


K = "kustomization.yaml"


@pytest.mark.parametrize(
    ("placed", "others", "templates", "environments"),
    [
        pytest.param(
            [f"apps/{a}/overlays/{e}/{K}" for a in ("api", "web") for e in ("dev", "prod")],
            (),
            ["apps/{app}/overlays/{env}/**"],
            ["dev", "prod"],
            id="apps-app-overlays-env",
        ),
        pytest.param(
            [f"apps/api/overlays/{e}/{K}" for e in ("dev", "prod")],
            (),
            ["apps/{app}/overlays/{env}/**"],
            ["dev", "prod"],
            id="one-app-under-a-container",
        ),
        pytest.param(
            [f"{a}/envs/{e}/{K}" for a in ("api", "web") for e in ("qa", "uat")],
            (),
            ["{app}/envs/{env}/**"],
            ["qa", "uat"],
            id="app-envs-env",
        ),
        pytest.param(
            [f"envs/{e}/{a}/{K}" for a in ("api", "web") for e in ("prod-eu", "alpha")],
            (),
            ["envs/{env}/{app}/**"],
            ["alpha", "prod-eu"],
            id="envs-env-app",
        ),
        pytest.param(
            [f"envs/{e}/{K}" for e in ("prod-eu", "staging-eu", "qa")],
            ("base/deployment.yaml", "variants/prod/k.yaml"),
            ["envs/{env}/**"],
            ["prod-eu", "qa", "staging-eu"],
            id="envs-env-one-app",
        ),
        pytest.param(
            [f"apps/{e}/{K}" for e in ("staging", "production")]
            + [f"clusters/{e}/flux-system/{K}" for e in ("staging", "production")],
            ("apps/base/podinfo/release.yaml",),
            ["apps/{env}/**", "clusters/{env}/**"],
            ["production", "staging"],
            id="flux-apps-env-and-clusters-env",
        ),
        pytest.param(
            [f"clusters/{e}/{a}/d.yaml" for e in ("dev", "prod") for a in ("api", "web")]
            + ["clusters/dev/sync.yaml"],
            (),
            ["clusters/{env}/{app}/**", "clusters/{env}/**"],
            ["dev", "prod"],
            id="clusters-env-app-and-files-in-the-env-folder",
        ),
        pytest.param(
            [
                "charts/api/values-dev.yaml",
                "charts/api/values-prod.yaml",
                "charts/web/values-dev.yaml",
            ],
            ("charts/api/values.yaml",),
            ["charts/{app}/values-{env}.yaml"],
            ["dev", "prod"],
            id="charts-app-values-env",
        ),
        pytest.param(
            ["helm-guestbook/values-production.yaml", "helm-dependency/values-nomaria.yaml"],
            (),
            ["{app}/values-{env}.yaml"],
            ["production"],
            id="app-values-env-and-a-values-file-that-is-no-environment",
        ),
        pytest.param(
            ["api/values.staging.yml", "api/values.prod.yml"],
            (),
            ["{app}/values.{env}.yml"],
            ["prod", "staging"],
            id="values-dot-env-yml",
        ),
        pytest.param(
            [f"{e}/{a}/d.yaml" for e in ("dev", "prod") for a in ("api", "web")],
            (),
            ["{env}/{app}/**"],
            ["dev", "prod"],
            id="env-at-the-root",
        ),
        pytest.param(
            ["k8s/prod/kustomization.yaml"],
            ("k8s/base/deployment.yaml",),
            ["k8s/{env}/**"],
            ["prod"],
            id="an-environment-next-to-base",
        ),
        pytest.param(
            ["apps/api/overlays/prod/"],
            ("argocd/api-prod.yaml",),
            ["apps/{app}/overlays/{env}/**"],
            ["prod"],
            id="a-folder-an-application-deploys",
        ),
        pytest.param(
            ["test/e2e/testdata/app/kustomization.yaml"],
            ("docs/index.yaml", "config/manager/kustomization.yaml"),
            [],
            [],
            id="a-lone-test-folder-is-a-test-suite",
        ),
        pytest.param(
            [f"testdata/1-00{i}-{n}-test/d.yaml" for i, n in enumerate(("git", "helm", "sso"))],
            (),
            [],
            [],
            id="test-cases-named-test",
        ),
        pytest.param(
            ["apps/api/deployment.yaml", "apps/web/deployment.yaml"],
            (),
            ["apps/{app}/**"],
            [],
            id="apps-without-environments",
        ),
    ],
)
def test_shapes(
    placed: list[str], others: tuple[str, ...], templates: list[str], environments: list[str]
) -> None:
    inferred = infer(placed, others)
    assert list(inferred.templates) == templates
    assert list(inferred.environments) == environments


# Folder names as a repository may spell them: anything but "/" and NUL (git refuses
# those), and not "." or "..".
names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=12,
).filter(lambda n: n not in (".", ".."))
ENVIRONMENTS = ["dev", "qa", "staging", "prod", "prod-eu", "uat", "alpha", "on", "2024", "Prod.EU"]
env_names = st.sampled_from(ENVIRONMENTS)


@settings(max_examples=200, deadline=None)
@given(
    shape=st.sampled_from(
        [
            "apps/{app}/overlays/{env}/kustomization.yaml",
            "{app}/envs/{env}/kustomization.yaml",
            "envs/{env}/{app}/deployment.yaml",
            "clusters/{env}/{app}/release.yaml",
            "{lit}/{env}/{app}/d.yaml",
            "charts/{app}/values-{env}.yaml",
            "{lit}/{app}/overlays/{env}/x.yml",
        ]
    ),
    apps=st.lists(
        names.filter(lambda n: n not in ENVIRONMENTS), min_size=1, max_size=3, unique=True
    ),
    envs=st.lists(env_names, min_size=2, max_size=4, unique=True),
    literal=names,
)
def test_every_deployed_path_gets_its_environment_and_no_file_is_an_app(
    shape: str, apps: list[str], envs: list[str], literal: str
) -> None:
    placed = [
        shape.replace("{app}", app).replace("{env}", env).replace("{lit}", literal)
        for app in apps
        for env in envs
    ]
    inferred = infer(placed)
    layout = Layout.build(inferred.templates, inferred.environments)  # compiles, whatever the names
    under_container = any(f"/{c}/" in f"/{shape}" for c in ("overlays", "envs", "clusters"))
    for path in placed:
        if any(c in path for c in "{}*") or literal.lower() in STRUCTURE:
            continue  # not writable as a template literal, or the literal is itself structure
        env = next(e for e in envs if f"/{e}/" in f"/{path}" or f"-{e}." in path)
        if under_container:
            assert env in inferred.environments, (path, inferred)
        if env not in inferred.environments:
            continue  # `{lit}/on/...` beside `{lit}/dev/...`: one environment word is no evidence
        placement = layout.place(path)
        assert placement.environment == env, (path, inferred)
        assert placement.app not in inferred.environments
        assert placement.app is None or posixpath.splitext(placement.app)[1] not in (
            ".yaml",
            ".yml",
        )


STRUCTURE = {"base", "env", "envs", "overlays", "clusters", "environments", "stages"}
