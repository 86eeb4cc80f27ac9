"""ApplicationSets: the Applications their repository generators generate are followed.

List, git directories and git files generators of this repository, and matrix and merge
of those, are expanded; the template is rendered for each parameter set (fasttemplate
and goTemplate lookups), keeping the template's lines.
"""

from __future__ import annotations

import pytest

from tests.extract.conftest import Extract
from tests.policies import EXTRACTION_POLICY

IMAGE = "registry.example.com/team/api"
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: {name}\n          image: {image}\n"
)


def overlay(tag: str) -> str:
    return f"resources: [../../base]\nimages:\n  - name: {IMAGE}\n    newTag: '{tag}'\n"


OVERLAYS = {
    "apps/api/base/kustomization.yaml": "resources: [deploy.yaml]\n",
    "apps/api/base/deploy.yaml": DEPLOY.format(name="api", image=f"{IMAGE}:1.0.0"),
    "apps/api/overlays/dev/kustomization.yaml": overlay("2.0.0"),
    "apps/api/overlays/prod/kustomization.yaml": overlay("1.0.0"),
}


def application_set(generators: str, name: str, path: str, go: bool = False) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: api}\nspec:\n"
        + ("  goTemplate: true\n" if go else "")
        + f"  generators:\n{generators}"
        + f"  template:\n    metadata:\n      name: '{name}'\n    spec:\n      source:\n"
        + "        repoURL: https://git.example.com/acme/gitops.git\n"
        + f"        path: '{path}'\n"
        + "      destination: {name: in-cluster, namespace: api}\n"
    )


def placed(inventory) -> list[tuple[str, str | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return sorted(
        (
            u.application or "",
            u.environment,
            u.reference.tag if u.reference else None,
            str(u.location),
        )
        for u in inventory.uses
    )


def test_a_list_generator_renders_one_application_per_element(run: Extract) -> None:
    generators = "    - list:\n        elements:\n          - {env: dev}\n          - {env: prod}\n"
    text = application_set(generators, "api-{{env}}", "apps/api/overlays/{{env}}")
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert placed(inventory) == [
        ("api-dev", "dev", "2.0.0", "apps/api/overlays/dev/kustomization.yaml:4:13"),
        ("api-prod", "prod", "1.0.0", "apps/api/overlays/prod/kustomization.yaml:4:13"),
    ]
    assert inventory.problems == []


def test_a_list_element_pointing_prod_at_dev_deploys_dev_to_prod(run: Extract) -> None:
    generators = (
        "    - list:\n        elements:\n          - {env: dev, folder: dev}\n"
        "          - {env: prod, folder: dev}\n"
    )
    text = application_set(generators, "api-{{env}}", "apps/api/overlays/{{folder}}")
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert {(a, e, t) for a, e, t, _where in placed(inventory)} == {
        ("api-dev", "dev", "2.0.0"),
        ("api-prod", "prod", "2.0.0"),
        ("", "prod", "1.0.0"),  # the prod overlay nothing deploys: listed, presumed
    }


@pytest.mark.parametrize(
    ("name", "path", "go"),
    [
        ("api-{{path.basename}}", "{{path}}", False),
        ("api-{{path[3]}}", "apps/{{path[1]}}/overlays/{{path.basename}}", False),
        ("api-{{ .path.basename }}", "{{ .path.path }}", True),
        ("api-{{ index .path.segments 3 }}", "{{.path.path}}", True),
    ],
)
def test_a_git_directories_generator_renders_every_matching_folder(
    run: Extract, name: str, path: str, go: bool
) -> None:
    generators = (
        "    - git:\n        repoURL: https://git.example.com/acme/gitops.git\n"
        "        revision: HEAD\n        directories:\n          - path: 'apps/*/overlays/*'\n"
    )
    text = application_set(generators, name, path, go)
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert [(a, e, t) for a, e, t, _where in placed(inventory)] == [
        ("api-dev", "dev", "2.0.0"),
        ("api-prod", "prod", "1.0.0"),
    ]


def test_excluded_directories_are_not_generated(run: Extract) -> None:
    generators = (
        "    - git:\n        repoURL: https://git.example.com/acme/gitops.git\n"
        "        directories:\n          - path: 'apps/*/overlays/*'\n"
        "          - {path: apps/api/overlays/dev, exclude: true}\n"
    )
    text = application_set(generators, "api-{{path.basename}}", "{{path}}")
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert {(u.application, u.environment) for u in inventory.uses} == {
        ("api-prod", "prod"),
        (None, "dev"),  # placed by the layout: no Application deploys it
    }


def test_a_git_files_generator_reads_config_files(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "config/dev/config.json": '{"env": "dev", "overlay": "dev"}',
        "config/prod/config.json": '{"env": "prod", "overlay": "dev"}',
    }
    generators = (
        "    - git:\n        repoURL: https://git.example.com/acme/gitops.git\n"
        "        files:\n          - path: 'config/**/config.json'\n"
    )
    text = application_set(generators, "api-{{env}}", "apps/api/overlays/{{overlay}}")
    inventory = run({**files, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert {
        (u.application, u.environment, u.reference.tag if u.reference else None)
        for u in inventory.uses
    } == {
        ("api-dev", "dev", "2.0.0"),
        ("api-prod", "prod", "2.0.0"),
        (None, "prod", "1.0.0"),
    }


def test_a_matrix_of_folders_and_clusters(run: Extract) -> None:
    generators = (
        "    - matrix:\n        generators:\n"
        "          - git:\n              repoURL: https://git.example.com/acme/gitops.git\n"
        "              directories: [{path: apps/api/overlays/prod}]\n"
        "          - list:\n              elements: [{cluster: prod-eu}, {cluster: prod-us}]\n"
    )
    text = application_set(generators, "api-{{cluster}}", "{{path}}")
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert sorted(u.application or "" for u in inventory.uses if u.application) == [
        "api-prod-eu",
        "api-prod-us",
    ]


def test_a_merge_overrides_elements_by_key(run: Extract) -> None:
    generators = (
        "    - merge:\n        mergeKeys: [env]\n        generators:\n"
        "          - list:\n              elements: [{env: dev, folder: dev}, {env: prod, folder: prod}]\n"
        "          - list:\n              elements: [{env: prod, folder: dev}]\n"
    )
    text = application_set(generators, "api-{{env}}", "apps/api/overlays/{{folder}}")
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    deployed = {(u.application, u.overlay) for u in inventory.uses if u.application}
    assert deployed == {("api-dev", "apps/api/overlays/dev"), ("api-prod", "apps/api/overlays/dev")}


def test_an_expression_beyond_a_lookup_is_named(run: Extract) -> None:
    generators = "    - list:\n        elements: [{env: prod}]\n"
    text = application_set(generators, "api", "apps/api/overlays/{{ .env | lower }}", go=True)
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert [p.rule for p in inventory.problems] == ["GG003"]
    assert "source path is a template" in inventory.problems[0].message


@pytest.mark.parametrize("content", ['{"env": "prod", ', "", "- just a string\n"])
def test_a_generator_file_that_cannot_be_read_is_named(run: Extract, content: str) -> None:
    # Generating nothing from it would be a silent pass: it is named instead.
    generators = (
        "    - git:\n        repoURL: https://git.example.com/acme/gitops.git\n"
        "        files:\n          - path: 'config/*.json'\n"
    )
    text = application_set(generators, "api-{{env}}", "apps/api/overlays/{{env}}")
    files = {**OVERLAYS, "config/prod.json": content, "argocd/set.yaml": text}
    inventory = run(files, policy=EXTRACTION_POLICY)
    assert [p.rule for p in inventory.problems] == ["GG003"]
    assert "cannot read config/prod.json" in inventory.problems[0].message
