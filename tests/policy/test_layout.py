"""Layout templates map paths to app and environment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.policy.layout import (
    COMMON_ENVIRONMENT_NAMES,
    DEFAULT_TEMPLATES,
    UNPLACED,
    Layout,
    LayoutError,
    Placement,
    compile_template,
    default_layout,
)

TEMPLATES = [
    "apps/{app}/overlays/{env}/**",
    "clusters/{env}/{app}/**",
    "charts/{app}/values-{env}.yaml",
    "**/svc-{app}.yaml",
    "teams/*/{app}/{env}/**",
]


@pytest.mark.parametrize(
    ("path", "app", "env"),
    [
        ("apps/api/overlays/prod/kustomization.yaml", "api", "prod"),
        ("apps/api/overlays/prod", "api", "prod"),
        ("apps/api/overlays/prod/patches/deep/x.yaml", "api", "prod"),
        ("apps/api/base/deployment.yaml", None, None),
        ("clusters/dev/web/deploy.yaml", "web", "dev"),
        ("charts/worker/values-staging.yaml", "worker", "staging"),
        ("charts/worker/values.yaml", None, None),
        ("a/b/svc-billing.yaml", "billing", None),
        ("svc-billing.yaml", "billing", None),
        ("teams/payments/ledger/prod/app.yaml", "ledger", "prod"),
        ("teams/payments/x/ledger/prod/app.yaml", "x", "ledger"),
    ],
)
def test_first_matching_template_names_app_and_environment(
    path: str, app: str | None, env: str | None
) -> None:
    assert Layout.build(TEMPLATES, None).place(path) == Placement(app, env)


def test_env_is_limited_to_declared_environments() -> None:
    layout = Layout.build(["apps/{app}/{env}/**", "apps/{app}/**"], ["dev", "prod"])
    assert layout.place("apps/api/prod/x.yaml") == Placement("api", "prod")
    assert layout.place("apps/api/base/x.yaml") == Placement("api", None)


def test_the_default_layout_never_takes_base_for_an_environment() -> None:
    layout = default_layout()
    assert layout.place("apps/api/base/deployment.yaml") == Placement("api", None)
    assert layout.place("apps/api/overlays/staging/k.yaml") == Placement("api", "staging")
    assert layout.place("clusters/production/web/d.yaml") == Placement("web", "production")


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("/abs/{app}", "relative"),
        ("", "relative"),
        ("apps/{team}/x", "unknown placeholder"),
        ("{app}/{app}", "twice"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template: str, reason: str) -> None:
    with pytest.raises(LayoutError, match=reason):
        Layout.build([template], None)


def test_regex_characters_in_templates_are_literal() -> None:
    layout = Layout.build(["a+b/{app}.yaml"], None)
    assert layout.place("a+b/x.yaml") == Placement("x", None)
    assert layout.place("aab/x.yaml") == Placement(None, None)


segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


@given(app=segment, env=st.sampled_from(["dev", "staging", "prod"]), rest=st.lists(segment))
def test_any_path_under_an_overlay_maps_to_it(app: str, env: str, rest: list[str]) -> None:
    layout = Layout.build(["apps/{app}/overlays/{env}/**"], ["dev", "staging", "prod"])
    path = "/".join(["apps", app, "overlays", env, *rest])
    assert layout.place(path) == Placement(app, env)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("clusters/staging/apps.yaml", Placement(None, None)),
        ("clusters/staging/infra.yml", Placement(None, None)),
        ("clusters/staging/Kustomization", Placement(None, None)),
        ("clusters/staging/podinfo/release.yaml", Placement("podinfo", "staging")),
        ("clusters/staging/podinfo", Placement("podinfo", "staging")),
        ("clusters/staging/my.app/release.yaml", Placement("my.app", "staging")),
    ],
)
def test_a_whole_segment_placeholder_never_takes_a_file_name(
    path: str, expected: Placement
) -> None:
    # Issue 14: `clusters/{env}/{app}/**` made `apps.yaml` the app of a file in the env folder.
    layout = Layout.build(["clusters/{env}/{app}/**"], None)
    assert layout.place(path) == expected


def test_a_file_directly_in_an_environment_folder_falls_to_the_next_template() -> None:
    layout = Layout.build(["clusters/{env}/{app}/**", "clusters/{env}/**"], ["staging"])
    assert layout.place("clusters/staging/apps.yaml") == Placement(None, "staging")
    assert layout.place("clusters/staging/web/d.yaml") == Placement("web", "staging")


def _placed_by_regexes(templates: list[str], names: list[str] | None, path: str) -> Placement:
    # The reference: every template compiled up front, as Layout did before it compiled
    # a template's expression only when a path contains the template's literal texts.
    for template in templates:
        match = compile_template(template, names).match(path.strip("/"))
        if match:
            return Placement(match.groupdict().get("app"), match.groupdict().get("env"))
    return UNPLACED


_SEGMENTS = st.sampled_from(
    [
        "apps", "overlays", "envs", "env", "clusters", "charts", "environments", "teams",
        "api", "web", "base", "prod", "dev", "staging", "production", "values.yaml",
        "values-prod.yaml", "values-dev.yml", "svc-billing.yaml", "kustomization.yaml",
        "Kustomization", "deploy.yaml", "a+b", "x.yaml", "appsx", "overlaysy",
    ]
) | st.text(alphabet="abvalues-.yml/", min_size=1, max_size=12)  # fmt: skip


@given(path=st.lists(_SEGMENTS, min_size=1, max_size=6).map("/".join))
def test_a_layout_places_every_path_as_its_compiled_expressions_do(path: str) -> None:
    for templates, names in (
        (list(DEFAULT_TEMPLATES), list(COMMON_ENVIRONMENT_NAMES)),
        (TEMPLATES, None),
        (["a+b/{app}.yaml", "**", "{app}/{env}/**"], ["prod", "dev"]),
    ):
        layout = Layout.build(templates, names)
        assert layout.place(path) == _placed_by_regexes(templates, names, path)


def test_a_layout_compiles_only_the_expressions_a_path_could_match() -> None:
    layout = default_layout()
    assert layout.place("deploy.yaml") == UNPLACED
    assert layout.place("apps/api/overlays/prod/kustomization.yaml") == Placement("api", "prod")
    compiled = [p.source for p in layout.patterns if p._compiled is not None]
    # apps/{app}/overlays/{env}/** matched first; nothing else contained "apps" before it.
    assert compiled == [layout.patterns[0].source]
    assert layout == default_layout()
