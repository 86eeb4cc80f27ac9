"""Helm values files: image blocks nested per component, environment files over defaults."""

from __future__ import annotations

from tests.extract.conftest import Extract, summary

CHART = {
    "charts/worker/Chart.yaml": "apiVersion: v2\nname: worker\nversion: 1.0.0\nappVersion: 0.9.0\n",
    "charts/worker/values.yaml": """
    image:
      repository: registry.example.com/team/worker
      tag: "1.0.0"
    exporter:
      image:
        registry: quay.io
        repository: prometheus/statsd-exporter
        tag: v0.27.1
    sidecars:
      - name: log
        image: "fluent/fluent-bit:3.0"
    """,
}


def test_a_chart_without_environment_files_is_read_as_is(run: Extract) -> None:
    assert summary(run(CHART)) == [
        (
            "charts/worker/values.yaml:3:8",
            None,
            None,
            "helm",
            "registry.example.com/team/worker:1.0.0",
        ),
        (
            "charts/worker/values.yaml:8:10",
            None,
            None,
            "helm",
            "quay.io/prometheus/statsd-exporter:v0.27.1",
        ),
        ("charts/worker/values.yaml:11:12", None, None, "helm", "docker.io/fluent/fluent-bit:3.0"),
    ]


def test_environment_values_are_laid_over_the_defaults(run: Extract) -> None:
    inventory = run({**CHART, "charts/worker/values-prod.yaml": 'image:\n  tag: "1.2.0"\n'})
    assert summary(inventory) == [
        (
            "charts/worker/values-prod.yaml:2:8",
            "worker",
            "prod",
            "helm",
            "registry.example.com/team/worker:1.2.0",
        ),
        (
            "charts/worker/values.yaml:8:10",
            "worker",
            "prod",
            "helm",
            "quay.io/prometheus/statsd-exporter:v0.27.1",
        ),
        (
            "charts/worker/values.yaml:11:12",
            "worker",
            "prod",
            "helm",
            "docker.io/fluent/fluent-bit:3.0",
        ),
    ]
    assert [u.container for u in inventory.uses] == ["image", "exporter.image", "sidecars[0].image"]


def test_a_missing_tag_defaults_to_the_chart_app_version(run: Extract) -> None:
    inventory = run(
        {
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: 2.1.0\n",
            "charts/web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n",
        }
    )
    assert summary(inventory) == [
        ("charts/web/Chart.yaml:4:13", None, None, "helm", "ghcr.io/acme/web:2.1.0")
    ]


def test_a_digest_is_part_of_the_reference(run: Extract) -> None:
    digest = "sha256:" + "b" * 64
    inventory = run({"charts/a/values.yaml": f"image:\n  repository: r.io/a\n  digest: {digest}\n"})
    assert [str(u.reference) for u in inventory.uses] == [f"r.io/a@{digest}"]


def test_a_numeric_tag_is_gg001(run: Extract) -> None:
    inventory = run({"charts/a/values.yaml": "image:\n  repository: r.io/a\n  tag: 1.10\n"})
    assert [(str(p.location), p.rule) for p in inventory.problems] == [
        ("charts/a/values.yaml:3:8", "GG001")
    ]
    assert [str(u.reference) for u in inventory.uses] == ["r.io/a:1.10"]


def test_words_that_are_not_references_are_ignored(run: Extract) -> None:
    inventory = run({"charts/a/values.yaml": "image: enabled\nfeatures:\n  image: true\n"})
    assert inventory.uses == []


def test_a_values_file_that_is_a_manifest_is_read_as_a_manifest(run: Extract) -> None:
    inventory = run(
        {
            "clusters/dev/a/values.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: 'redis:7'}]}\n"
        }
    )
    assert [u.source.value for u in inventory.uses] == ["container"]


def test_an_empty_tag_falls_back_to_the_app_version(run: Extract) -> None:
    inventory = run(
        {
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: 2.1.0\n",
            "charts/web/values.yaml": 'image:\n  repository: ghcr.io/acme/web\n  tag: ""\n',
            "charts/web/values-dev.yaml": "replicas: 2\n",
        }
    )
    assert summary(inventory) == [
        ("charts/web/Chart.yaml:4:13", "web", "dev", "helm", "ghcr.io/acme/web:2.1.0")
    ]


def test_an_environment_file_setting_only_the_digest_is_where_the_use_is(run: Extract) -> None:
    digest = "sha256:" + "c" * 64
    inventory = run(
        {**CHART, "charts/worker/values-prod.yaml": f"image:\n  digest: {digest}\n"},
        paths=["charts/worker/values-prod.yaml"],
    )
    assert summary(inventory) == [
        (
            "charts/worker/values-prod.yaml:2:11",
            "worker",
            "prod",
            "helm",
            f"registry.example.com/team/worker:1.0.0@{digest}",
        )
    ]
