"""Argo CD Applications, ApplicationSets, Image Updater annotations and write-back files."""

from __future__ import annotations

from tests.extract.conftest import Extract, summary

KUSTOMIZE_APP = {
    "apps/api/base/deployment.yaml": """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      template:
        spec:
          containers:
            - name: api
              image: registry.example.com/team/api:1.0.0
    """,
    "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "apps/api/overlays/prod/kustomization.yaml": (
        "resources: [../../base]\nimages:\n  - name: registry.example.com/team/api\n    newTag: '1.4.0'\n"
    ),
}


def application(name: str, source: str, annotations: str = "") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: {name}\n  namespace: argocd\n{annotations}spec:\n  source:\n{source}"
    )


def test_kustomize_images_in_an_application_override_the_overlay(run: Extract) -> None:
    # What prod runs is the Application's override, as Argo CD renders it: the overlay's
    # own tag is no longer deployed anywhere, so it is not listed.
    source = (
        "    path: apps/api/overlays/prod\n    kustomize:\n      images:\n"
        "        - registry.example.com/team/api:1.4.1\n"
    )
    inventory = run({**KUSTOMIZE_APP, "deploy/api.yaml": application("api-prod", source)})
    assert summary(inventory) == [
        (
            "deploy/api.yaml:11:11",
            "api",
            "prod",
            "application",
            "registry.example.com/team/api:1.4.1",
        )
    ]
    app_use = inventory.uses[0]
    assert app_use.origin is not None
    assert app_use.container == "api"
    assert app_use.application == "api-prod"


def test_kustomize_rename_syntax(run: Extract) -> None:
    source = (
        "    path: apps/api/overlays/prod\n    kustomize:\n      images:\n"
        "        - registry.example.com/team/api=mirror.example.com/api:2.0.0\n"
    )
    inventory = run({**KUSTOMIZE_APP, "deploy/api.yaml": application("api-prod", source)})
    app_uses = [u for u in inventory.uses if u.source.value == "application"]
    assert [str(u.reference) for u in app_uses] == ["mirror.example.com/api:2.0.0"]


def test_helm_parameters_complete_the_chart_values(run: Extract) -> None:
    source = (
        "    path: charts/worker\n    helm:\n      parameters:\n"
        "        - name: image.tag\n          value: '2.0.1'\n"
    )
    inventory = run(
        {
            "charts/worker/values.yaml": "image:\n  repository: r.io/worker\n  tag: '1.0.0'\n",
            "argocd/worker-prod.yaml": application("worker-prod", source),
        }
    )
    assert (
        "argocd/worker-prod.yaml:12:18",
        "worker",
        "prod",
        "application",
        "r.io/worker:2.0.1",
    ) in (summary(inventory))


def test_helm_values_string_is_parsed_with_exact_lines(run: Extract) -> None:
    source = (
        "    path: charts/worker\n    helm:\n      values: |\n"
        "        image:\n          repository: r.io/worker\n          tag: '3.0.0'\n"
    )
    inventory = run({"argocd/worker-dev.yaml": application("worker-dev", source)})
    assert summary(inventory) == [
        ("argocd/worker-dev.yaml:13:16", "worker", "dev", "application", "r.io/worker:3.0.0")
    ]


def test_helm_values_object(run: Extract) -> None:
    source = (
        "    path: charts/worker\n    helm:\n      valuesObject:\n"
        "        image: {repository: r.io/worker, tag: '3.1.0'}\n"
    )
    inventory = run({"argocd/worker-dev.yaml": application("worker-dev", source)})
    assert [str(u.reference) for u in inventory.uses] == ["r.io/worker:3.1.0"]


def test_image_updater_annotation_entries_are_uses_with_their_constraint(run: Extract) -> None:
    annotations = (
        "  annotations:\n"
        "    argocd-image-updater.argoproj.io/image-list: "
        "api=registry.example.com/team/api:~1.4, nginx\n"
    )
    inventory = run(
        {
            "argocd/api-prod.yaml": application(
                "api-prod", "    path: apps/api/overlays/prod\n", annotations
            )
        }
    )
    assert [
        (str(u.location), u.alias, u.constraint, str(u.reference), u.environment)
        for u in inventory.uses
    ] == [
        ("argocd/api-prod.yaml:7:50", "api", "~1.4", "registry.example.com/team/api", "prod"),
        ("argocd/api-prod.yaml:7:90", None, None, "docker.io/library/nginx", "prod"),
    ]


def test_an_application_set_without_generators_deploys_nothing(run: Extract) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: ApplicationSet
    metadata: {name: all}
    spec:
      template:
        spec:
          source:
            path: 'apps/{{name}}/overlays/prod'
            kustomize:
              images: ["r.io/x:1.0.0"]
    """
    inventory = run({"argocd/set.yaml": text})
    assert inventory.uses == []
    assert inventory.problems == []


def test_write_back_files_override_with_their_own_source_kind(run: Extract) -> None:
    inventory = run(
        {
            **KUSTOMIZE_APP,
            "apps/api/overlays/prod/.argocd-source-api-prod.yaml": (
                "kustomize:\n  images:\n  - registry.example.com/team/api:1.4.3\n"
            ),
        }
    )
    write_back = [u for u in inventory.uses if u.source.value == "write-back"]
    assert [(str(u.location), u.app, u.environment, str(u.reference)) for u in write_back] == [
        (
            "apps/api/overlays/prod/.argocd-source-api-prod.yaml:3:5",
            "api",
            "prod",
            "registry.example.com/team/api:1.4.3",
        )
    ]


def test_helm_write_back_with_namespace_in_the_name(run: Extract) -> None:
    inventory = run(
        {
            "charts/worker/values.yaml": "image:\n  repository: r.io/worker\n  tag: '1.0.0'\n",
            "charts/worker/.argocd-source-argocd_worker.yaml": (
                "helm:\n  parameters:\n  - name: image.tag\n    value: 1.0.1\n    forcestring: true\n"
            ),
        }
    )
    write_back = [u for u in inventory.uses if u.source.value == "write-back"]
    assert [str(u.reference) for u in write_back] == ["r.io/worker:1.0.1"]


def test_a_helm_write_back_file_takes_the_environment_from_its_name(run: Extract) -> None:
    inventory = run(
        {
            "charts/worker/values.yaml": "image:\n  repository: r.io/worker\n  tag: '1.0.0'\n",
            "charts/worker/.argocd-source-worker-staging.yaml": (
                "helm:\n  parameters:\n  - name: image.tag\n    value: '1.0.2'\n"
            ),
        },
        policy="version: 1\nlayout: ['charts/{app}/**']\nenvironments: {dev: {}, staging: {}}\n",
    )
    write_back = [u for u in inventory.uses if u.source.value == "write-back"]
    assert [(u.app, u.environment, str(u.reference)) for u in write_back] == [
        ("worker", "staging", "r.io/worker:1.0.2")
    ]


def test_a_base_given_alone_shows_the_write_back_overrides_of_its_overlays(run: Extract) -> None:
    inventory = run(
        {
            **KUSTOMIZE_APP,
            "apps/api/overlays/prod/.argocd-source-api-prod.yaml": (
                "kustomize:\n  images:\n  - registry.example.com/team/api:1.4.3\n"
            ),
        },
        paths=["apps/api/base/deployment.yaml"],
    )
    assert {u.source.value for u in inventory.uses} == {"kustomize", "write-back"}
