"""Attacks on the Argo CD Application model of what each environment deploys.

A malicious contributor wants an image prod never saw in staging (or a downgrade
without a rollback trailer) to reach prod through Argo CD constructs. Each case is a
repository of tests/integration/test_application_holes.py (dev → staging → prod, one
Application per environment deploying its overlay; 2.0.0 runs in dev only) and one
pushed change; ``assert_caught`` runs ``check`` and a push to a guarded server.

An attack that gets through is kept as ``xfail(strict=True)`` with the reason naming
what passed; one that is caught is an ordinary test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.integration.holes import Hole, assert_caught, deployment
from tests.integration.test_application_holes import IMAGE, application, history, overlay
from tests.policies import APPLICATIONS_POLICY

STRICT = APPLICATIONS_POLICY + "    on_unresolved: error\n"
NO_DESTINATIONS = (
    "\n".join(
        line
        for line in APPLICATIONS_POLICY.splitlines()
        if "destinations" not in line and "name: " not in line and "server:" not in line
    )
    + "\n"
)
REPO = "https://git.example.com/acme/gitops.git"
PROD_SERVER = "server: https://prod.k8s.example.com"


def app_doc(name: str, destination: str, spec: str, *, head: str = "") -> str:
    """An Application whose spec (after project) is ``spec``, destination ``destination``."""
    return (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Application\n"
        f"metadata:\n  name: {name}\n  namespace: argocd\n{head}"
        "spec:\n  project: default\n"
        + textwrap.indent(textwrap.dedent(spec), "  ")
        + f"  destination:\n    {destination}\n    namespace: api\n"
    )


def source(path: str, extra: str = "", revision: str = "HEAD") -> str:
    text = f"source:\n  repoURL: {REPO}\n  targetRevision: {revision}\n  path: {path}\n"
    return text + textwrap.indent(textwrap.dedent(extra), "  ")


def judge(
    tmp_path: Path,
    change: dict[str, str | None],
    expected: set[str],
    policy: str = APPLICATIONS_POLICY,
    base: list[dict[str, str | None]] | None = None,
    message: str = "change\n",
) -> None:
    hole = Hole(
        history=history() if base is None else base,
        change=change,
        expected=expected,
        policy=policy,
        message=message,
    )
    assert_caught(tmp_path, hole)


POLICIES = pytest.mark.parametrize("policy", [APPLICATIONS_POLICY, STRICT], ids=["lax", "strict"])


# --- caught --------------------------------------------------------------------------------


@pytest.mark.slow
@POLICIES
def test_a_second_source_deploying_the_dev_overlay_to_prod(tmp_path: Path, policy: str) -> None:
    # Argo CD: the last source producing a resource wins, so dev's Deployment runs.
    spec = (
        "sources:\n"
        f"  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/prod\n"
        f"  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/dev\n"
    )
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, {"GG303"}, policy)


@pytest.mark.slow
def test_sources_win_over_source(tmp_path: Path) -> None:
    # Argo CD uses spec.sources when it is not empty and ignores spec.source.
    spec = source("apps/api/overlays/prod") + (
        f"sources:\n  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/dev\n"
    )
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
def test_source_ignored_beside_sources_is_no_promotion(tmp_path: Path) -> None:
    # The control of the above: spec.source naming dev beside sources naming prod.
    spec = source("apps/api/overlays/dev") + (
        f"sources:\n  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/prod\n"
    )
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, set())


@pytest.mark.slow
def test_a_second_application_document_in_the_prod_file(tmp_path: Path) -> None:
    extra = app_doc("api-prod-canary", PROD_SERVER, source("apps/api/overlays/dev"))
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application("prod", "apps/api/overlays/prod") + "---\n" + extra
    }
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
@POLICIES
def test_a_merge_key_bringing_the_dev_path(tmp_path: Path, policy: str) -> None:
    spec = (
        "source:\n"
        "  <<: {path: apps/api/overlays/dev}\n"
        f"  repoURL: {REPO}\n  targetRevision: HEAD\n"
    )
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, {"GG303"}, policy)


@pytest.mark.slow
def test_an_alias_bringing_the_dev_path(tmp_path: Path) -> None:
    head = "  annotations:\n    note: &p apps/api/overlays/dev\n"
    spec = f"source:\n  repoURL: {REPO}\n  targetRevision: HEAD\n  path: *p\n"
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec, head=head)
    }
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        "./apps/api/overlays/dev/",
        "apps//api/overlays/dev",
        "/apps/api/overlays/dev",
        "'apps/api/overlays/dev'",
    ],
)
def test_spellings_of_the_dev_path(tmp_path: Path, path: str) -> None:
    change: dict[str, str | None] = {"argocd/api-prod.yaml": application("prod", path)}
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
def test_kustomize_images_on_the_prod_application(tmp_path: Path) -> None:
    extra = f"kustomize:\n  images:\n    - {IMAGE}:2.0.0\n"
    spec = source("apps/api/overlays/prod", extra)
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
def test_renaming_the_application_while_deploying_a_new_version(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": None,
        "apps/api/overlays/prod/kustomization.yaml": None,
        "deploy/p/kustomization.yaml": overlay("2.0.0", base="../../apps/api/base"),
        "argocd/api2-prod.yaml": application("prod", "deploy/p", name="api2-prod"),
    }
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("revision", "expected"),
    [
        ("refs/heads/main", set()),
        ("main", set()),
        ("HEAD", set()),
        ("v1.0.0", {"GG004"}),
        ("0123456789abcdef0123456789abcdef01234567", {"GG004"}),
        ("refs/heads/feature-x", {"GG004"}),
        ("refs/tags/main", {"GG004"}),
        ("'*'", {"GG004"}),
    ],
)
def test_target_revisions_of_prod(tmp_path: Path, revision: str, expected: set[str]) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application("prod", "apps/api/overlays/prod", revision=revision)
    }
    judge(tmp_path, change, expected)


@pytest.mark.slow
def test_a_templated_application_set_path_is_unresolved(tmp_path: Path) -> None:
    appset = textwrap.dedent(
        f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: api-prod-set
          namespace: argocd
        spec:
          generators:
            - list:
                elements:
                  - env: dev
          template:
            metadata:
              name: 'api-prod-{{{{env}}}}'
            spec:
              project: default
              source:
                repoURL: {REPO}
                targetRevision: HEAD
                path: 'apps/api/overlays/{{{{env}}}}'
              destination:
                {PROD_SERVER}
                namespace: api
        """
    )
    # Expanded: the list element deploys the dev overlay to prod.
    judge(tmp_path, {"argocd/api-prod-set.yaml": appset}, {"GG303"}, STRICT)


@pytest.mark.slow
def test_the_named_write_back_file_in_the_prod_overlay(tmp_path: Path) -> None:
    write_back = f"kustomize:\n  images:\n    - {IMAGE}:2.0.0\n"
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/.argocd-source-api-prod.yaml": write_back
    }
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
def test_an_unmapped_prod_cluster_name_in_strict_mode(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application(
            "prod", "apps/api/overlays/dev", destination="name: prod"
        )
    }
    judge(tmp_path, change, {"GG003", "GG303"}, STRICT)  # named, and its words say prod


@pytest.mark.slow
def test_a_symlinked_prod_kustomization(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/kustomization.yaml": "symlink:../dev/kustomization.yaml"
    }
    judge(tmp_path, change, {"GG001"})


@pytest.mark.slow
def test_prod_deploying_a_symlinked_folder(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "deploy/p": "symlink:../apps/api/overlays/dev",
        "argocd/api-prod.yaml": application("prod", "deploy/p"),
    }
    judge(tmp_path, change, {"GG303"})


# --- controls -------------------------------------------------------------------------------


@pytest.mark.slow
def test_control_promotion_through_staging(tmp_path: Path) -> None:
    judge(tmp_path, {"apps/api/overlays/staging/kustomization.yaml": overlay("2.0.0")}, set())


@pytest.mark.slow
def test_control_unrelated_application_edit(tmp_path: Path) -> None:
    spec = source("apps/api/overlays/prod")
    spec += "syncPolicy:\n  automated: {prune: true}\n"
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, set(), STRICT)


@pytest.mark.slow
def test_control_sources_in_the_order_argo_cd_lets_prod_win(tmp_path: Path) -> None:
    spec = (
        "sources:\n"
        f"  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/dev\n"
        f"  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: apps/api/overlays/prod\n"
    )
    change: dict[str, str | None] = {"argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec)}
    judge(tmp_path, change, set())


# --- further attacks (those that get through are xfail) -----------------------------------


@pytest.mark.slow
def test_the_generic_write_back_file_in_the_prod_overlay(tmp_path: Path) -> None:
    # Argo CD reads .argocd-source.yaml (every Application of the path), then
    # .argocd-source-<app>.yaml, from the source folder.
    write_back = f"kustomize:\n  images:\n    - {IMAGE}:2.0.0\n"
    change: dict[str, str | None] = {"apps/api/overlays/prod/.argocd-source.yaml": write_back}
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_a_write_back_file_named_after_an_application_without_environment(tmp_path: Path) -> None:
    write_back = f"kustomize:\n  images:\n    - {IMAGE}:2.0.0\n"
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application("prod", "deploy/p", name="api"),
        "apps/api/overlays/prod/kustomization.yaml": None,
        "deploy/p/kustomization.yaml": overlay("1.0.0", base="../../apps/api/base"),
        "deploy/p/.argocd-source-api.yaml": write_back,
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "tweak"),
    [
        ("docs/examples/api-prod.yaml", ""),
        ("argocd/zz-api-prod-pin.yaml", "namespace: elsewhere"),
        ("argocd/zz-api-prod-pin.yaml", "v1beta1"),
    ],
    ids=["unapplied-folder", "unwatched-namespace", "unknown-api-version"],
)
def test_a_decoy_application_shadowing_prod(tmp_path: Path, where: str, tweak: str) -> None:
    decoy = application("prod", "apps/api/overlays/prod", name="api-prod-pin")
    if tweak == "v1beta1":
        decoy = decoy.replace("v1alpha1", "v1beta1")
    elif tweak:
        decoy = decoy.replace("namespace: argocd", tweak)
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application("prod", "apps/api/overlays/dev"),
        where: decoy,
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


def chart_history() -> list[dict[str, str | None]]:
    """The Applications rendered by an app-of-apps Helm chart (templates/)."""
    first, second = history()
    for env in ("dev", "staging", "prod"):
        content = first.pop(f"argocd/api-{env}.yaml")
        first[f"charts/apps/templates/api-{env}.yaml"] = content
    first["charts/apps/Chart.yaml"] = "apiVersion: v2\nname: apps\nversion: 1.0.0\n"
    first["charts/apps/values.yaml"] = "{}\n"
    first["bootstrap/root.yaml"] = app_doc("root", "name: dev", source("charts/apps")).replace(
        "namespace: api", "namespace: argocd"
    )
    return [first, second]


@pytest.mark.slow
def test_an_app_of_apps_helm_chart_pointing_prod_at_dev(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "charts/apps/templates/api-prod.yaml": application("prod", "apps/api/overlays/dev")
    }
    judge(tmp_path, change, {"GG303"}, STRICT, base=chart_history())


def kustomized_apps_history() -> list[dict[str, str | None]]:
    """The Applications applied by an app-of-apps Kustomize folder (argocd/)."""
    first, second = history()
    first["argocd/kustomization.yaml"] = (
        "resources: [api-dev.yaml, api-staging.yaml, api-prod.yaml]\n"
    )
    first["bootstrap/root.yaml"] = app_doc("root", "name: dev", source("argocd")).replace(
        "namespace: api", "namespace: argocd"
    )
    return [first, second]


@pytest.mark.slow
def test_an_app_of_apps_kustomization_patching_the_prod_path(tmp_path: Path) -> None:
    # Named, not followed: the Application is read as its file writes it.
    kustomization = textwrap.dedent(
        """\
        resources: [api-dev.yaml, api-staging.yaml, api-prod.yaml]
        patches:
          - target:
              kind: Application
              name: api-prod
            patch: |-
              - op: replace
                path: /spec/source/path
                value: apps/api/overlays/dev
        """
    )
    change: dict[str, str | None] = {"argocd/kustomization.yaml": kustomization}
    judge(tmp_path, change, {"GG003"}, STRICT, base=kustomized_apps_history())


@pytest.mark.slow
def test_the_prod_application_as_json(tmp_path: Path) -> None:
    # A directory (app-of-apps) source applies *.json as well as *.yaml.
    json_app = textwrap.dedent(
        f"""\
        {{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
         "metadata": {{"name": "api-prod", "namespace": "argocd"}},
         "spec": {{"project": "default",
           "source": {{"repoURL": "{REPO}", "targetRevision": "HEAD",
                      "path": "apps/api/overlays/dev"}},
           "destination": {{"server": "https://prod.k8s.example.com", "namespace": "api"}}}}}}
        """
    )
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": None,
        "argocd/api-prod.json": json_app,
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_inline_kustomize_patches_in_the_prod_application(tmp_path: Path) -> None:
    extra = textwrap.dedent(
        f"""\
        kustomize:
          patches:
            - target:
                kind: Deployment
                name: api
              patch: |-
                - op: replace
                  path: /spec/template/spec/containers/0/image
                  value: {IMAGE}:2.0.0
        """
    )
    # A folder without an images: entry (kustomize runs images after patches).
    spec = source("deploy/p", extra)
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/kustomization.yaml": None,
        "deploy/p/kustomization.yaml": "resources: [../../apps/api/base]\n",
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
    }
    judge(tmp_path, change, {"GG003"}, STRICT)  # named, not followed


@pytest.mark.slow
def test_kustomize_components_in_the_prod_application(tmp_path: Path) -> None:
    component = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        f"images:\n  - name: {IMAGE}\n    newTag: '2.0.0'\n"
    )
    # A folder without an images: entry (its own images would run after the component's).
    extra = "kustomize:\n  components: [../components/next]\n"
    spec = source("deploy/p", extra)
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/kustomization.yaml": None,
        "deploy/p/kustomization.yaml": "resources: [../../apps/api/base]\n",
        "deploy/components/next/kustomization.yaml": component,
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
    }
    judge(tmp_path, change, {"GG003"}, STRICT)  # named, not followed


@pytest.mark.slow
def test_directory_exclude_hiding_what_prod_runs(tmp_path: Path) -> None:
    spec = source("deploy/prod", "directory:\n  exclude: 'old.yaml'\n")
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
        "deploy/prod/new.yaml": deployment(f"{IMAGE}:2.0.0"),
        "deploy/prod/old.yaml": deployment(f"{IMAGE}:1.0.0"),
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_a_json_manifest_in_a_plain_folder_deployed_to_prod(tmp_path: Path) -> None:
    manifest = (
        '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sneaky"},'
        ' "spec": {"template": {"spec": {"containers":'
        f' [{{"name": "api", "image": "{IMAGE}:3.0.0"}}]}}}}}}}}\n'
    )
    change: dict[str, str | None] = {
        "deploy/sneaky/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        "deploy/sneaky/deployment.json": manifest,
        "argocd/sneaky.yaml": application("prod", "deploy/sneaky", name="sneaky"),
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_jsonnet_in_a_plain_folder_deployed_to_prod(tmp_path: Path) -> None:
    jsonnet = (
        "{apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'sneaky'},\n"
        " spec: {template: {spec: {containers:"
        f" [{{name: 'api', image: '{IMAGE}:' + '3.0.0'}}]}}}}}}\n"
    )
    spec = source("deploy/sneaky", "directory:\n  jsonnet: {}\n")
    change: dict[str, str | None] = {
        "deploy/sneaky/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        "deploy/sneaky/main.jsonnet": jsonnet,
        "argocd/sneaky.yaml": app_doc("sneaky", PROD_SERVER, spec),
    }
    judge(tmp_path, change, {"GG003"}, STRICT)  # named, not followed


@pytest.mark.slow
def test_an_application_set_template_patch_pointing_prod_at_dev(tmp_path: Path) -> None:
    appset = textwrap.dedent(
        f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: api-prod
          namespace: argocd
        spec:
          goTemplate: true
          generators:
            - list:
                elements:
                  - overlay: dev
          template:
            metadata:
              name: api-prod
            spec:
              project: default
              source:
                repoURL: {REPO}
                targetRevision: HEAD
                path: apps/api/overlays/prod
              destination:
                {PROD_SERVER}
                namespace: api
          templatePatch: |
            spec:
              source:
                path: apps/api/overlays/{{{{ .overlay }}}}
        """
    )
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": None,
        "argocd/api-prod-set.yaml": appset,
    }
    judge(tmp_path, change, {"GG003"}, STRICT)  # templatePatch is named, not applied


@pytest.mark.slow
def test_prod_deploying_a_fork_of_the_repository(tmp_path: Path) -> None:
    # The fork's apps/api/overlays/prod says what it likes; no gate judges it.
    # Without `repositories:`, this repository is what the base's Applications name.
    fork = application("prod", "apps/api/overlays/prod").replace("acme/gitops", "mallory/gitops")
    judge(tmp_path, {"argocd/api-prod.yaml": fork}, {"GG003"}, STRICT)


@pytest.mark.slow
def test_the_repository_written_in_another_form_is_still_this_repository(tmp_path: Path) -> None:
    # The proper counterpart: the same repository over SSH, without the .git suffix.
    same = application("prod", "apps/api/overlays/prod").replace(
        REPO, REPO.replace("https://", "ssh://git@").removesuffix(".git")
    )
    assert same != application("prod", "apps/api/overlays/prod")
    judge(tmp_path, {"argocd/api-prod.yaml": same}, set(), STRICT)


@pytest.mark.slow
def test_an_unmapped_prod_cluster_name_is_guessed_from_the_source(tmp_path: Path) -> None:
    # The prod cluster is also registered as `prod`: its name is not in destinations,
    # and the environment is then taken from the folder the attacker chose.
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application(
            "prod", "apps/api/overlays/dev", destination="name: prod"
        )
    }
    judge(tmp_path, change, {"GG303"})


@pytest.mark.slow
def test_without_destinations_two_environment_words_fall_back_to_the_source(
    tmp_path: Path,
) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application(
            "prod",
            "apps/api/overlays/dev",
            name="api-prod-from-staging",
            destination="server: https://10.20.30.40",
        )
    }
    judge(tmp_path, change, {"GG303"}, NO_DESTINATIONS)


def released_history() -> list[dict[str, str | None]]:
    """1.0.0 everywhere, then 2.0.0 promoted dev → staging → prod."""
    first, second = history()
    return [
        first,
        second,
        {"apps/api/overlays/staging/kustomization.yaml": overlay("2.0.0")},
        {"apps/api/overlays/prod/kustomization.yaml": overlay("2.0.0")},
    ]


@pytest.mark.slow
def test_control_a_plain_downgrade_of_prod_is_unmarked(tmp_path: Path) -> None:
    change: dict[str, str | None] = {"apps/api/overlays/prod/kustomization.yaml": overlay("1.0.0")}
    judge(tmp_path, change, {"GG302"}, STRICT, base=released_history())


@pytest.mark.slow
def test_a_downgrade_by_renaming_the_prod_application(tmp_path: Path) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": None,
        "argocd/legacy-prod.yaml": application("prod", "deploy/legacy", name="legacy-prod"),
        "deploy/legacy/kustomization.yaml": overlay("1.0.0", base="../../apps/api/base"),
    }
    judge(tmp_path, change, {"GG302"}, STRICT, base=released_history())


@pytest.mark.slow
def test_a_downgrade_by_renaming_the_deployment_in_the_prod_overlay(tmp_path: Path) -> None:
    # Argo CD prunes Deployment/api and creates Deployment/api-v1 running 1.0.0.
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/kustomization.yaml": overlay("1.0.0") + "nameSuffix: -v1\n"
    }
    judge(tmp_path, change, {"GG302"}, STRICT, base=released_history())


@pytest.mark.slow
def test_a_downgrade_by_renaming_the_container(tmp_path: Path) -> None:
    spec = source("deploy/legacy")
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
        "deploy/legacy/deployment.yaml": deployment(f"{IMAGE}:1.0.0", container="app"),
    }
    judge(tmp_path, change, {"GG302"}, STRICT, base=released_history())


@pytest.mark.slow
@pytest.mark.parametrize("first", [True, False], ids=["first-document", "earlier-file"])
def test_a_canary_application_in_another_namespace_of_prod(tmp_path: Path, first: bool) -> None:
    # A real second Application of the prod cluster (namespace api-canary: no conflict
    # with api-prod in Argo CD) running dev's overlay; the gate keys environments by
    # app, resource and container, not namespace, and one of the two wins.
    canary = application("prod", "apps/api/overlays/dev", name="api-canary-prod").replace(
        "namespace: api\n", "namespace: api-canary\n"
    )
    prod = application("prod", "apps/api/overlays/prod")
    change: dict[str, str | None] = (
        {"argocd/api-prod.yaml": canary + "---\n" + prod}
        if first
        else {"argocd/api-canary-prod.yaml": canary}
    )
    judge(tmp_path, change, {"GG303"}, STRICT)


CHART = "charts/api"


def helm_application(env: str) -> str:
    """An Application of the in-repository chart, its tag set by a parameter."""
    tag = "2.0.0" if env == "dev" else "1.0.0"
    body = f"helm:\n  parameters:\n    - name: image.tag\n      value: '{tag}'\n"
    destination = {"dev": "name: dev", "staging": "name: staging", "prod": PROD_SERVER}[env]
    return app_doc(f"api-{env}", destination, source(CHART, body))


def chart_base() -> list[dict[str, str | None]]:
    files: dict[str, str | None] = {
        f"{CHART}/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        f"{CHART}/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: '1.0.0'\n",
        f"{CHART}/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
            "  template:\n    spec:\n      containers:\n        - name: api\n"
            '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        ),
    }
    for env in ("dev", "staging", "prod"):
        files[f"argocd/api-{env}.yaml"] = helm_application(env)
    return [files]


@pytest.mark.slow
def test_control_helm_parameter_skipping_staging(tmp_path: Path) -> None:
    prod = helm_application("prod").replace("value: '1.0.0'", "value: '2.0.0'")
    judge(tmp_path, {"argocd/api-prod.yaml": prod}, {"GG303"}, STRICT, base=chart_base())


@pytest.mark.slow
def test_helm_value_files_of_the_prod_application(tmp_path: Path) -> None:
    # Parameters beat value files: drop the parameter, name a values file with 2.0.0.
    spec = source(CHART, "helm:\n  valueFiles: [values-fast.yaml]\n")
    change: dict[str, str | None] = {
        f"{CHART}/values-fast.yaml": "image:\n  tag: '2.0.0'\n",
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
    }
    judge(tmp_path, change, {"GG303"}, STRICT, base=chart_base())


@pytest.mark.slow
def test_helm_values_from_a_ref_source_on_an_unprotected_branch(tmp_path: Path) -> None:
    # A multi-source Application whose values come from `$values` at feature-x: a push
    # to feature-x changes what prod runs and no gate judges it.
    spec = (
        "sources:\n"
        f"  - repoURL: {REPO}\n    targetRevision: HEAD\n    path: {CHART}\n"
        "    helm:\n      valueFiles: [$values/values/prod.yaml]\n"
        f"  - repoURL: {REPO}\n    targetRevision: feature-x\n    ref: values\n"
    )
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
        "values/prod.yaml": "image:\n  tag: '1.0.0'\n",
    }
    judge(tmp_path, change, {"GG004"}, STRICT, base=chart_base())


@pytest.mark.slow
def test_a_json_patch_file_in_the_prod_overlay(tmp_path: Path) -> None:
    patch = f'[{{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "{IMAGE}:2.0.0"}}]\n'
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/bump.json": patch,
        # No images: entry (kustomize's images transformer runs after patches).
        "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n"
        + "patches:\n  - path: bump.json\n    target: {kind: Deployment, name: api}\n",
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_helm_file_parameters_of_the_prod_application(tmp_path: Path) -> None:
    spec = source(CHART, "helm:\n  fileParameters:\n    - name: image.tag\n      path: tag.txt\n")
    change: dict[str, str | None] = {
        f"{CHART}/tag.txt": "2.0.0",
        "argocd/api-prod.yaml": app_doc("api-prod", PROD_SERVER, spec),
    }
    judge(tmp_path, change, {"GG003"}, STRICT, base=chart_base())  # named, not followed


@pytest.mark.slow
def test_control_a_yaml_json6902_patch_file_in_the_prod_overlay(tmp_path: Path) -> None:
    # The same patch as test_a_json_patch_file_in_the_prod_overlay, in a .yaml file.
    patch = f'[{{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "{IMAGE}:2.0.0"}}]\n'
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/bump.yaml": patch,
        # No images: entry (kustomize's images transformer runs after patches).
        "apps/api/overlays/prod/kustomization.yaml": "resources: [../../base]\n"
        + "patches:\n  - path: bump.yaml\n    target: {kind: Deployment, name: api}\n",
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_an_image_written_in_a_chart_template(tmp_path: Path) -> None:
    template = deployment(f"{IMAGE}:2.0.0")
    change: dict[str, str | None] = {f"{CHART}/templates/deployment.yaml": template}
    judge(tmp_path, change, {"GG303"}, STRICT, base=chart_base())


@pytest.mark.slow
def test_a_subchart_of_the_prod_chart(tmp_path: Path) -> None:
    sub = f"{CHART}/charts/sidecar"
    change: dict[str, str | None] = {
        f"{sub}/Chart.yaml": "apiVersion: v2\nname: sidecar\nversion: 0.1.0\n",
        f"{sub}/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: '3.0.0'\n",
        f"{sub}/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sidecar\nspec:\n"
            "  template:\n    spec:\n      containers:\n        - name: sidecar\n"
            '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        ),
    }
    judge(tmp_path, change, {"GG303"}, STRICT, base=chart_base())


@pytest.mark.slow
@pytest.mark.parametrize("how", ["patches", "components"])
def test_control_the_same_patch_or_component_in_the_kustomization(tmp_path: Path, how: str) -> None:
    # What the Application's kustomize.patches / kustomize.components do, written in the
    # kustomization instead: this the gate follows.
    component = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        f"images:\n  - name: {IMAGE}\n    newTag: '2.0.0'\n"
    )
    patch = (
        "patches:\n  - target: {kind: Deployment, name: api}\n    patch: |-\n"
        "      - op: replace\n        path: /spec/template/spec/containers/0/image\n"
        f"        value: {IMAGE}:2.0.0\n"
    )
    kustomization = "resources: [../../apps/api/base]\n" + (
        patch if how == "patches" else "components: [../components/next]\n"
    )
    change: dict[str, str | None] = {
        "apps/api/overlays/prod/kustomization.yaml": None,
        "deploy/p/kustomization.yaml": kustomization,
        "deploy/components/next/kustomization.yaml": component,
        "argocd/api-prod.yaml": application("prod", "deploy/p"),
    }
    judge(tmp_path, change, {"GG303"}, STRICT)


@pytest.mark.slow
def test_an_application_set_with_a_templated_destination_is_unresolved(tmp_path: Path) -> None:
    # The path is literal (dev's overlay); the list element sends it to the prod cluster.
    appset = textwrap.dedent(
        f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: api-extra
          namespace: argocd
        spec:
          generators:
            - list:
                elements:
                  - server: https://prod.k8s.example.com
          template:
            metadata:
              name: api-extra
            spec:
              project: default
              source:
                repoURL: {REPO}
                targetRevision: HEAD
                path: apps/api/overlays/dev
              destination:
                server: '{{{{server}}}}'
                namespace: api-extra
        """
    )
    # Expanded: the element sends dev's overlay to the prod cluster.
    judge(tmp_path, {"argocd/api-extra.yaml": appset}, {"GG303"}, STRICT)


@pytest.mark.slow
@pytest.mark.parametrize(
    "destination",
    ["server: https://PROD.k8s.example.com", "server: https://prod.k8s.example.com/"],
    ids=["upper-case-host", "trailing-slash"],
)
def test_a_respelled_prod_server_is_unresolved_in_strict_mode(
    tmp_path: Path, destination: str
) -> None:
    change: dict[str, str | None] = {
        "argocd/api-prod.yaml": application(
            "prod", "apps/api/overlays/dev", destination=destination
        )
    }
    judge(tmp_path, change, {"GG003", "GG303"}, STRICT)  # named, and its words say prod


@pytest.mark.slow
def test_the_prod_application_inside_a_list(tmp_path: Path) -> None:
    # kubectl and Argo CD apply the items of a `kind: List`.
    inner = application("prod", "apps/api/overlays/dev")
    listed = "apiVersion: v1\nkind: List\nitems:\n" + textwrap.indent(
        "- " + inner.replace("\n", "\n  ").rstrip() + "\n", "  "
    )
    judge(tmp_path, {"argocd/api-prod.yaml": listed}, {"GG303"}, STRICT)


@pytest.mark.slow
def test_a_deployment_inside_a_list_in_a_plain_folder(tmp_path: Path) -> None:
    inner = deployment(f"{IMAGE}:3.0.0", name="sneaky")
    listed = "apiVersion: v1\nkind: List\nitems:\n" + textwrap.indent(
        "- " + inner.replace("\n", "\n  ").rstrip() + "\n", "  "
    )
    change: dict[str, str | None] = {
        "deploy/sneaky/list.yaml": listed,
        "argocd/sneaky.yaml": application("prod", "deploy/sneaky", name="sneaky"),
    }
    judge(tmp_path, change, {"GG303"}, STRICT)
