"""A chart as its Application renders it: subcharts with their own values and versions,
and the images its templates write (literal ones read, built ones named)."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.extract.inventory import Extraction
from gitops_guard.policy.load import parse_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.extract.conftest import Extract
from tests.policies import APPLICATIONS_POLICY

IMAGE = "registry.example.com/team/api"
SIDE = "registry.example.com/team/sidecar"
CHART = "charts/api"
COVERED = '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'


def template(image_line: str = COVERED, name: str = "api") -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"  template:\n    spec:\n      containers:\n        - name: {name}\n{image_line}"
    )


def application(path: str = CHART, helm: str = "") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: api-prod, namespace: argocd}\nspec:\n  source:\n"
        f"    repoURL: https://git.example.com/acme/gitops.git\n    path: {path}\n{helm}"
        "  destination: {server: 'https://prod.k8s.example.com', namespace: api}\n"
    )


def chart(**extra: str) -> dict[str, str]:
    return {
        f"{CHART}/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: 1.0.0\n",
        f"{CHART}/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: '1.0.0'\n",
        f"{CHART}/templates/deployment.yaml": template(),
        "argocd/api-prod.yaml": application(),
        **extra,
    }


def uses(inventory) -> list[tuple[str, str | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return sorted(
        (str(u.location), u.environment, u.container, u.raw)
        for u in inventory.uses
        if u.application == "api-prod"
    )


def unresolved(inventory) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(str(p.location), p.message) for p in inventory.problems if p.rule == "GG003"]


def test_a_literal_image_in_a_template_runs_where_the_chart_is_deployed(run: Extract) -> None:
    literal = f"          image: {IMAGE}-proxy:2.0.0\n"
    files = chart(**{f"{CHART}/templates/proxy.yaml": template(literal, "proxy")})
    inventory = run(files, policy=APPLICATIONS_POLICY)
    assert uses(inventory) == [
        (f"{CHART}/templates/proxy.yaml:10:18", "prod", "template#0", f"{IMAGE}-proxy:2.0.0"),
        (f"{CHART}/values.yaml:3:8", "prod", "image", f"{IMAGE}:1.0.0"),
    ]
    assert unresolved(inventory) == []


def test_an_image_built_from_a_value_that_is_not_an_image_key_is_named(run: Extract) -> None:
    built = '          image: "{{ .Values.registry }}/api:{{ .Values.image.tag }}"\n'
    files = chart(**{f"{CHART}/templates/deployment.yaml": template(built)})
    files[f"{CHART}/values.yaml"] += "registry: registry.example.com/team\n"
    inventory = run(files, policy=APPLICATIONS_POLICY + "    on_unresolved: error\n")
    (problem,) = [p for p in inventory.problems if p.rule == "GG003"]
    assert str(problem.location) == f"{CHART}/templates/deployment.yaml:10:18"
    assert ".Values.registry, which is not an image key of the values" in problem.message
    assert 'the text "/api:" written beside the template actions' in problem.message
    assert problem.severity is not None
    assert problem.severity.value == "error"


def test_a_subchart_takes_its_values_under_its_alias_and_its_own_app_version(
    run: Extract,
) -> None:
    sub = f"{CHART}/charts/sidecar"
    files = chart(
        **{
            f"{CHART}/Chart.yaml": (
                "apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: 1.0.0\n"
                "dependencies:\n  - name: sidecar\n    version: 0.1.0\n    alias: side\n"
            ),
            f"{sub}/Chart.yaml": "apiVersion: v2\nname: sidecar\nversion: 0.1.0\nappVersion: 7.0.0\n",
            f"{sub}/values.yaml": f"image:\n  repository: {SIDE}\n",
            f"{sub}/templates/deployment.yaml": template(name="sidecar"),
            "other/values.yaml": "side:\n  image:\n    repository: x\n",  # not this chart's
        }
    )
    inventory = run(files, policy=APPLICATIONS_POLICY)
    # Not the parent's appVersion (1.0.0): the subchart's own.
    assert (f"{sub}/Chart.yaml:4:13", "prod", "side.image", f"{SIDE}:7.0.0") in uses(inventory)
    # The parent's values under the alias are laid over the subchart's.
    files[f"{CHART}/values.yaml"] += "side:\n  image:\n    tag: '7.1.0'\n"
    inventory = run(files, policy=APPLICATIONS_POLICY)
    assert (f"{CHART}/values.yaml:6:10", "prod", "side.image", f"{SIDE}:7.1.0") in uses(inventory)
    # The subchart's values are the Application's, not a folder of their own.
    assert not [u for u in inventory.uses if u.location.path.startswith(sub) and not u.application]
    assert unresolved(inventory) == []


def test_packaged_and_remote_subcharts_are_named(run: Extract) -> None:
    files = chart(
        **{
            f"{CHART}/Chart.yaml": (
                "apiVersion: v2\nname: api\nversion: 0.1.0\ndependencies:\n"
                "  - name: redis\n    version: 18.0.0\n    repository: https://charts.bitnami.com/bitnami\n"
                "  - name: cache\n    version: 1.0.0\n    repository: oci://registry.example.com/charts\n"
            ),
            f"{CHART}/charts/cache-1.0.0.tgz": "not read",
        }
    )
    assert unresolved(run(files, policy=APPLICATIONS_POLICY)) == [
        (
            f"{CHART}/Chart.yaml:5:11",
            "dependency redis comes from a chart repository and is not in charts/: the "
            "images it deploys are not followed in api (prod)",
        ),
        (
            f"{CHART}/charts/cache-1.0.0.tgz:1:1",
            "packaged subchart cache-1.0.0.tgz is not read: the images it deploys are not "
            "followed in api (prod)",
        ),
    ]


def test_a_template_given_alone_is_judged_with_its_chart(run: Extract) -> None:
    literal = f"          image: {IMAGE}:2.0.0\n"
    path = f"{CHART}/templates/deployment.yaml"
    inventory = run(chart(**{path: template(literal)}), policy=APPLICATIONS_POLICY, paths=[path])
    assert [(str(u.location), u.environment) for u in inventory.uses] == [(f"{path}:10:18", "prod")]


def test_templates_and_subcharts_that_come_later_are_followed(tmp_path: Path) -> None:
    write_files(tmp_path, chart())
    extraction = Extraction(DiskSource(tmp_path), parse_policy(APPLICATIONS_POLICY.encode()))
    for key in extraction.all_keys():
        extraction.compute(key)
    added = {
        f"{CHART}/templates/proxy.yaml": template(f"          image: {IMAGE}:3.0.0\n", "proxy"),
        f"{CHART}/charts/side/Chart.yaml": "apiVersion: v2\nname: side\nversion: 0.1.0\n",
        f"{CHART}/charts/side/values.yaml": f"image: {SIDE}:4.0.0\n",
    }
    write_files(tmp_path, added)
    extraction.update(set(added))
    assert sorted(u.raw for u in extraction.uses() if u.application == "api-prod") == [
        f"{IMAGE}:1.0.0",
        f"{IMAGE}:3.0.0",
        f"{SIDE}:4.0.0",
    ]
    (tmp_path / f"{CHART}/templates/proxy.yaml").unlink()
    extraction.update({f"{CHART}/templates/proxy.yaml"})
    assert sorted(u.raw for u in extraction.uses() if u.application == "api-prod") == [
        f"{IMAGE}:1.0.0",
        f"{SIDE}:4.0.0",
    ]


LAYOUT_POLICY = """\
version: 1
layout: ['charts/{app}/values-{env}.yaml']
environments: {dev: {}, prod: {from: dev}}
"""


def test_a_chart_no_application_deploys_is_rendered_for_each_environment_s_values(
    tmp_path: Path,
) -> None:
    literal = f"          image: {IMAGE}-proxy:2.0.0\n"
    files = {
        f"{CHART}/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: 1.0.0\n",
        f"{CHART}/values.yaml": f"image:\n  repository: {IMAGE}\n",
        f"{CHART}/values-dev.yaml": "image:\n  tag: '1.1.0'\n",
        f"{CHART}/values-prod.yaml": "image:\n  tag: '1.0.0'\n",
        f"{CHART}/templates/deployment.yaml": template(),
        f"{CHART}/charts/side/Chart.yaml": "apiVersion: v2\nname: side\nversion: 0.1.0\n",
        f"{CHART}/charts/side/values.yaml": f"image: {SIDE}:4.0.0\n",
    }
    write_files(tmp_path, files)
    extraction = Extraction(DiskSource(tmp_path), parse_policy(LAYOUT_POLICY.encode()))
    for key in extraction.all_keys():
        extraction.compute(key)

    def running() -> list[tuple[str | None, str]]:
        return sorted((u.environment or "-", u.raw) for u in extraction.uses())

    # The subchart's values are the chart's, per environment; not a folder of their own.
    assert running() == [
        ("dev", f"{IMAGE}:1.1.0"),
        ("dev", f"{SIDE}:4.0.0"),
        ("prod", f"{IMAGE}:1.0.0"),
        ("prod", f"{SIDE}:4.0.0"),
    ]
    # A template that comes later is read, in every environment.
    added = {f"{CHART}/templates/proxy.yaml": template(literal, "proxy")}
    write_files(tmp_path, added)
    extraction.update(set(added))
    assert ("prod", f"{IMAGE}-proxy:2.0.0") in running()
    assert ("dev", f"{IMAGE}-proxy:2.0.0") in running()
    assert "-" not in {environment for environment, _raw in running()}, running()


def test_a_chart_that_comes_after_its_templates_makes_them_templates(tmp_path: Path) -> None:
    # Before the Chart.yaml, templates/deploy.yaml is a manifest like any other file.
    files = {f"{CHART}/templates/deploy.yaml": template(f"          image: {IMAGE}:9.0.0\n")}
    write_files(tmp_path, files)
    extraction = Extraction(DiskSource(tmp_path), parse_policy(LAYOUT_POLICY.encode()))
    for key in extraction.all_keys():
        extraction.compute(key)
    assert f"{CHART}/templates/deploy.yaml" in extraction.files
    chart = {f"{CHART}/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n"}
    write_files(tmp_path, chart)
    extraction.update(set(chart))
    assert f"{CHART}/templates/deploy.yaml" not in extraction.files
    fresh = Extraction(DiskSource(tmp_path), parse_policy(LAYOUT_POLICY.encode()))
    assert extraction.files == fresh.files


def test_applications_an_app_of_apps_chart_renders_are_read_or_named(run: Extract) -> None:
    # A template free of actions is YAML as it is: its Application is read like a manifest.
    plain = application("apps/api/overlays/prod")
    # One with actions only Helm can render: what it deploys is named, never skipped.
    templated = application('"{{ .Values.path }}"\n    {{- with .Values.extra }}').replace(
        "api-prod", "api-canary"
    )
    files = {
        "charts/apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
        "charts/apps/values.yaml": "path: apps/api/overlays/prod\n",
        "charts/apps/templates/api-prod.yaml": plain,
        "charts/apps/templates/api-canary.yaml": templated,
        "apps/api/overlays/prod/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/api/overlays/prod/deployment.yaml": template(f"          image: {IMAGE}:1.0.0\n"),
        "bootstrap/root.yaml": application("charts/apps").replace("api-prod", "root"),
    }
    inventory = run(files, policy=APPLICATIONS_POLICY)
    assert uses(inventory) == [
        ("apps/api/overlays/prod/deployment.yaml:10:18", "prod", "api", f"{IMAGE}:1.0.0")
    ]
    assert [location for location, _message in unresolved(inventory)] == [
        "charts/apps/templates/api-canary.yaml:1:1"
    ]
    assert "Argo CD or Flux object written in a Helm template" in unresolved(inventory)[0][1]


def test_every_file_helm_renders_from_templates_is_read(run: Extract) -> None:
    literal = f"          image: {IMAGE}-canary:9.9.9\n"
    files = chart(
        **{
            # Helm renders any file name in templates/, not only *.yaml.
            f"{CHART}/templates/canary": template(literal, "canary"),
            f"{CHART}/templates/proxy.gotmpl": template(literal, "proxy"),
            # NOTES.txt is printed to the user, never applied.
            f"{CHART}/templates/NOTES.txt": f"Run it with image: {IMAGE}:0.0.1\n",
        }
    )
    found = [
        (loc, raw) for loc, _env, _container, raw in uses(run(files, policy=APPLICATIONS_POLICY))
    ]
    assert (f"{CHART}/templates/canary:10:18", f"{IMAGE}-canary:9.9.9") in found
    assert (f"{CHART}/templates/proxy.gotmpl:10:18", f"{IMAGE}-canary:9.9.9") in found
    assert not [loc for loc, _raw in found if "NOTES" in loc]


def test_a_library_chart_s_templates_render_nothing_of_their_own(run: Extract) -> None:
    library = f"{CHART}/charts/common"
    helper = '{{- define "common.image" -}}\nimage: {{ $.registry }}/x\n{{- end }}\n'
    files = chart(
        **{
            f"{library}/Chart.yaml": "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n",
            f"{library}/templates/_images.tpl": helper,
        }
    )
    assert unresolved(run(files, policy=APPLICATIONS_POLICY)) == []


def test_subcharts_nested_too_deep_are_named(run: Extract) -> None:
    files = chart()
    folder = CHART
    for depth in range(8):
        folder = f"{folder}/charts/sub{depth}"
        files[f"{folder}/Chart.yaml"] = f"apiVersion: v2\nname: sub{depth}\nversion: 1.0.0\n"
    (problem,) = unresolved(run(files, policy=APPLICATIONS_POLICY))
    assert problem[0].endswith("/charts/sub6/Chart.yaml:1:1")
    assert "nested more than 6 charts deep" in problem[1]


def test_a_subchart_its_condition_disables_is_not_rendered(run: Extract) -> None:
    sub = f"{CHART}/charts/cache"
    built = '          image: "{{ .Values.registry }}/cache:1"\n'
    files = chart(
        **{
            f"{CHART}/Chart.yaml": (
                "apiVersion: v2\nname: api\nversion: 0.1.0\ndependencies:\n"
                "  - name: cache\n    version: 1.0.0\n    condition: cache.enabled,global.cache\n"
            ),
            f"{sub}/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
            f"{sub}/values.yaml": "registry: registry.example.com/team\n",
            f"{sub}/templates/deployment.yaml": template(built, "cache"),
        }
    )
    enabled = unresolved(run(files, policy=APPLICATIONS_POLICY))
    assert [location for location, _message in enabled] == [
        f"{sub}/templates/deployment.yaml:10:18"
    ]
    files[f"{CHART}/values.yaml"] += "cache:\n  enabled: false\n"
    assert unresolved(run(files, policy=APPLICATIONS_POLICY)) == []
    # The Application's parameters are the last layer: they switch it on again.
    files["argocd/api-prod.yaml"] = application(
        helm="    helm:\n      parameters:\n        - {name: cache.enabled, value: 'true'}\n"
    )
    assert len(unresolved(run(files, policy=APPLICATIONS_POLICY))) == 1


def test_a_rollout_in_a_template_is_a_workload_not_an_application(run: Extract) -> None:
    rollout = (
        template(COVERED)
        .replace("apps/v1", "argoproj.io/v1alpha1")
        .replace("kind: Deployment", "kind: Rollout")
    )
    rollout = rollout.replace("metadata:", "metadata:\n  labels: {{ toYaml .Values.labels }}\n ")
    files = chart(**{f"{CHART}/templates/deployment.yaml": rollout})
    assert unresolved(run(files, policy=APPLICATIONS_POLICY)) == []
    # A kind an action writes may be an Application.
    written = rollout.replace("kind: Rollout", 'kind: {{ "Application" }}')
    files = chart(**{f"{CHART}/templates/deployment.yaml": written})
    assert [m for _loc, m in unresolved(run(files, policy=APPLICATIONS_POLICY))] != []
    # ... and so may a helper that prints the whole kind line.
    printed = rollout.replace("kind: Rollout", '{{ include "chart.kind" . }}')
    files = chart(**{f"{CHART}/templates/deployment.yaml": printed})
    assert [m for _loc, m in unresolved(run(files, policy=APPLICATIONS_POLICY))] != []
