"""Plain manifests: every pod-template kind, every container list."""

from __future__ import annotations

import pytest

from tests.extract.conftest import Extract, summary

POD = "spec:\n  containers:\n    - name: c\n      image: nginx:1.2\n"


@pytest.mark.parametrize(
    ("kind", "api", "prefix"),
    [
        ("Pod", "v1", ""),
        ("Deployment", "apps/v1", "spec:\n  template:\n"),
        ("StatefulSet", "apps/v1", "spec:\n  template:\n"),
        ("DaemonSet", "apps/v1", "spec:\n  template:\n"),
        ("ReplicaSet", "apps/v1", "spec:\n  template:\n"),
        ("Job", "batch/v1", "spec:\n  template:\n"),
        ("Rollout", "argoproj.io/v1alpha1", "spec:\n  template:\n"),
        ("CronJob", "batch/v1", "spec:\n  jobTemplate:\n    spec:\n      template:\n"),
    ],
)
def test_every_pod_template_kind_is_read(run: Extract, kind: str, api: str, prefix: str) -> None:
    indent = "  " * prefix.count("\n")
    body = "".join(indent + line + "\n" for line in POD.splitlines())
    text = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\n{prefix}{body}"
    inventory = run({"clusters/prod/api/w.yaml": text})
    assert [(u.resource, u.container, u.app, u.environment) for u in inventory.uses] == [
        (f"{kind}/w", "c", "api", "prod")
    ]
    assert inventory.problems == []


def test_init_regular_and_ephemeral_containers_are_told_apart(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/api/d.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  initContainers:
                    - name: migrate
                      image: registry.example.com/api-migrate:1.0.0
                  containers:
                    - name: api
                      image: registry.example.com/api:1.0.0
                  ephemeralContainers:
                    - name: debug
                      image: busybox
            """
        }
    )
    assert [(u.source.value, u.container, u.location.line) for u in inventory.uses] == [
        ("initContainer", "migrate", 9),
        ("container", "api", 12),
        ("ephemeralContainer", "debug", 15),
    ]


def test_multi_document_files_and_lists(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/api/all.yaml": """
            apiVersion: v1
            kind: Service
            metadata: {name: api}
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  containers: [{name: c, image: "redis:7"}]
            """
        }
    )
    assert summary(inventory) == [
        ("clusters/dev/api/all.yaml:12:37", "api", "dev", "container", "docker.io/library/redis:7")
    ]


def test_yaml_that_is_not_kubernetes_shaped_yields_nothing(run: Extract) -> None:
    inventory = run(
        {
            ".github/workflows/ci.yaml": """
            on: push
            jobs:
              build:
                container: {image: "python:3.12"}
                steps: [{uses: actions/checkout@v4}]
            """,
            "docker-compose.yaml": "services:\n  db:\n    image: postgres\n",
            "clusters/dev/api/cm.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
            data:
              pod.yaml: |
                spec: {containers: [{image: "x:1"}]}
            """,
        }
    )
    assert inventory.uses == []
    assert inventory.problems == []


def test_an_invalid_reference_is_kept_with_the_reason(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/api/p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: 'Registry.example.com/API:1'}]}\n"
        }
    )
    (use,) = inventory.uses
    assert use.reference is None
    assert use.error == "repository name must be lowercase"


def test_an_image_that_is_not_a_string_is_gg001(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/api/p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: 1.10}]}\n"
        }
    )
    assert [(str(p.location), p.rule) for p in inventory.problems] == [
        ("clusters/dev/api/p.yaml:4:38", "GG001")
    ]
    assert "read by YAML as the number 1.1" in inventory.problems[0].message


def test_helm_templates_are_not_read(run: Extract) -> None:
    inventory = run(
        {
            "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
            "charts/api/templates/deployment.yaml": "{{- if .Values.enabled }}\nkind: {{ x }\n",
        }
    )
    assert inventory.problems == []


def test_excluded_paths_are_not_read(run: Extract) -> None:
    policy = "version: 1\nexclude: ['legacy/**']\n"
    inventory = run({"legacy/broken.yaml": "a: [\n"}, policy=policy)
    assert inventory.problems == []
    assert inventory.files == []


def test_broken_files_are_findings_and_other_files_are_still_read(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/api/broken.yaml": "kind: Pod\n  spec: [\n",
            "clusters/dev/api/binary.yaml": b"\x00\x01\x02",
            "clusters/dev/api/latin1.yaml": b"name: caf\xe9\n",
            "clusters/dev/api/ok.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: 'redis:7'}]}\n",
        }
    )
    assert len(inventory.uses) == 1
    assert sorted(p.location.path.rsplit("/", 1)[1] for p in inventory.problems) == [
        "binary.yaml",
        "broken.yaml",
        "latin1.yaml",
    ]
