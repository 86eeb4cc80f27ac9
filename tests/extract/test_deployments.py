"""What each environment deploys: Argo CD Applications place what their sources build.

An Application's destination says the environment (the policy's ``destinations``, else
the environment word of its cluster, namespace, name or folder); what its source folder
builds runs there, whatever the layout says of the folder. What cannot be followed is
named (GG003); a promoted environment tracking an unprotected revision is GG004.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.extract.inventory import UNKNOWN_REPOSITORY, Extraction
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import repository_url_key
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.extract.conftest import Extract, summary
from tests.policies import APPLICATIONS_POLICY, EXTRACTION_POLICY

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


def application(
    name: str,
    path: str,
    destination: str = "server: https://kubernetes.default.svc",
    namespace: str = "api",
    extra: str = "",
    revision: str | None = None,
) -> str:
    revision_line = f"    targetRevision: {revision!r}\n" if revision is not None else ""
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata:\n  name: {name}\n  namespace: argocd\nspec:\n"
        f"  source:\n    repoURL: https://git.example.com/acme/gitops.git\n{revision_line}"
        f"    path: {path}\n{extra}"
        f"  destination:\n    {destination}\n    namespace: {namespace}\n"
    )


def environments(inventory, app: str = "api") -> dict[str | None, list[str]]:  # type: ignore[no-untyped-def]
    """The tags each environment runs for an app."""
    found: dict[str | None, list[str]] = {}
    for use in inventory.uses:
        if use.app == app and use.reference is not None:
            found.setdefault(use.environment, []).append(use.reference.tag or "")
    return found


def rules(inventory) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (p.rule, str(p.location), p.severity.value if p.severity else "")
        for p in inventory.problems
    ]


# --- the destination decides the environment -------------------------------------------


def test_prod_pointed_at_the_dev_overlay_runs_the_dev_images_in_prod(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-dev.yaml": application("api-dev", "apps/api/overlays/dev", "name: dev"),
        "argocd/api-prod.yaml": application(
            "api-prod", "apps/api/overlays/dev", "server: https://prod.k8s.example.com"
        ),
    }
    inventory = run(files, policy=APPLICATIONS_POLICY)
    # The prod overlay is deployed by nothing: the layout still places it (presumed), but
    # the prod Application's build is what runs (see history.steps.precedence).
    assert environments(inventory) == {"dev": ["2.0.0"], "prod": ["2.0.0", "1.0.0"]}
    deployed = [u for u in inventory.uses if u.application == "api-prod"]
    assert [(u.environment, u.overlay, u.reference.tag) for u in deployed if u.reference] == [
        ("prod", "apps/api/overlays/dev", "2.0.0")
    ]


def test_a_folder_no_layout_names_is_the_environment_its_application_deploys_to(
    run: Extract,
) -> None:
    files = {
        "deploy/x/deploy.yaml": DEPLOY.format(name="api", image=f"{IMAGE}:3.0.0"),
        "argocd/x.yaml": application("api-x", "deploy/x", "server: https://prod.k8s.example.com"),
    }
    assert summary(run(files, policy=APPLICATIONS_POLICY)) == [
        ("deploy/x/deploy.yaml:9:18", "api-x", "prod", "container", f"{IMAGE}:3.0.0")
    ]


JSON_PROD = (
    '{\n\t"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",\n'
    '\t"metadata": {"name": "api-prod", "namespace": "argocd"},\n'
    '\t"spec": {"source": {"repoURL": "https://git.example.com/acme/gitops.git",\n'
    '\t\t"path": "apps/api/overlays/dev"},\n'
    '\t"destination": {"server": "https://prod.k8s.example.com", "namespace": "api"}}}\n'
)


@pytest.mark.parametrize("paths", [None, ["argocd/api-prod.json"]], ids=["whole", "focused"])
def test_an_application_written_as_json_deploys_like_one_in_yaml(
    run: Extract, paths: list[str] | None
) -> None:
    # Argo CD applies a folder's *.json like its YAML (tab-indented JSON included).
    files = {**OVERLAYS, "argocd/api-prod.json": JSON_PROD, "package.json": '{"name": "x"}\n'}
    inventory = run(files, policy=APPLICATIONS_POLICY, paths=paths)
    deployed = [u for u in inventory.uses if u.application == "api-prod"]
    assert [(u.environment, u.overlay, u.reference.tag) for u in deployed if u.reference] == [
        ("prod", "apps/api/overlays/dev", "2.0.0")
    ]
    # Other JSON is not a manifest anywhere: not read, not reported.
    assert "package.json" not in inventory.files
    assert not inventory.problems


@pytest.mark.parametrize(
    ("name", "destination", "namespace", "file", "expected"),
    [
        ("api", "name: prod-eu", "api", "argocd/a.yaml", "prod"),  # the cluster's name
        ("api", "server: https://staging.k8s.example.com", "api", "argocd/a.yaml", "staging"),
        ("api", "name: in-cluster", "dev", "argocd/a.yaml", "dev"),  # the namespace
        ("api-staging", "name: in-cluster", "api", "argocd/a.yaml", "staging"),  # its name
        ("api", "name: in-cluster", "api", "argocd/api-staging.yaml", "staging"),  # its folder
        ("api", "name: in-cluster", "api", "argocd/a.yaml", "prod"),  # the source's folder
        # Two environment words say nothing: the next clue decides.
        ("prod-to-staging", "name: in-cluster", "api", "argocd/a.yaml", "prod"),
    ],
)
def test_without_destinations_the_first_environment_word_decides(
    run: Extract, name: str, destination: str, namespace: str, file: str, expected: str
) -> None:
    files = {**OVERLAYS, file: application(name, "apps/api/overlays/prod", destination, namespace)}
    inventory = run(files, policy=EXTRACTION_POLICY)
    assert {u.environment for u in inventory.uses if u.application} == {expected}


def test_an_unmapped_destination_is_named_where_destinations_are_mapped(run: Extract) -> None:
    files = {**OVERLAYS, "argocd/x.yaml": application("x", "apps/api/overlays/prod", "name: lab")}
    inventory = run(files, policy=APPLICATIONS_POLICY)
    assert rules(inventory) == [("GG003", "argocd/x.yaml:11:5", "")]
    assert "deploys to cluster lab, namespace api, which no environment" in (
        inventory.problems[0].message
    )
    # Still judged: placed by its folder.
    assert environments(inventory)["prod"] == ["1.0.0"]
    strict = run(files, policy=APPLICATIONS_POLICY + "    on_unresolved: error\n")
    assert rules(strict) == [("GG003", "argocd/x.yaml:11:5", "error")]


# --- what a source deploys ----------------------------------------------------------------


def test_a_plain_folder_deploys_its_manifests_and_recurse_its_subfolders(run: Extract) -> None:
    files = {
        "deploy/web/deploy.yaml": DEPLOY.format(name="web", image="r.io/web:1.0.0"),
        "deploy/web/jobs/cron.yaml": DEPLOY.format(name="cron", image="r.io/cron:1.0.0"),
        "argocd/web-prod.yaml": application("web-prod", "deploy/web"),
        "argocd/all-dev.yaml": application(
            "all-dev", "deploy", extra="    directory:\n      recurse: true\n"
        ),
    }
    inventory = run(files, policy=EXTRACTION_POLICY)
    placed = sorted((u.application, u.environment, u.raw) for u in inventory.uses)
    assert placed == [
        ("all-dev", "dev", "r.io/cron:1.0.0"),
        ("all-dev", "dev", "r.io/web:1.0.0"),
        ("web-prod", "prod", "r.io/web:1.0.0"),
    ]


def test_a_kustomization_deployed_by_two_applications_runs_in_both(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-staging.yaml": application("api-staging", "apps/api/overlays/prod"),
        "argocd/api-prod.yaml": application("api-prod", "apps/api/overlays/prod"),
    }
    inventory = run(files, policy=EXTRACTION_POLICY)
    assert environments(inventory) == {"dev": ["2.0.0"], "staging": ["1.0.0"], "prod": ["1.0.0"]}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "    chart: redis\n    repoURL: https://charts.bitnami.com/bitnami\n"
            "    targetRevision: 18.1.0\n",
            "deploys chart redis 18.1.0 from the Helm repository https://charts.bitnami.com/"
            "bitnami: the chart's own images are not followed",
        ),
        (
            "    path: apps/api/overlays/prod\n    plugin:\n      name: sops\n",
            "renders its source with a config-management plugin",
        ),
        ("    path: elsewhere/api\n", "deploys elsewhere/api, which holds no file"),
        (
            "    repoURL: https://github.com/someone/fork\n    path: apps/api/overlays/prod\n",
            "deploys from another repository (https://github.com/someone/fork)",
        ),
    ],
)
def test_what_cannot_be_followed_is_named(run: Extract, source: str, message: str) -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api-prod\n"
        f"spec:\n  source:\n{source}  destination:\n    name: prod\n    namespace: api\n"
    )
    policy = EXTRACTION_POLICY + "repositories: [git@git.example.com:acme/gitops.git]\n"
    inventory = run({**OVERLAYS, "argocd/api-prod.yaml": text}, policy=policy)
    found = [p for p in inventory.problems if p.rule == "GG003"]
    assert len(found) == 1, inventory.problems
    assert message in found[0].message
    assert found[0].environment == "prod"
    assert found[0].location.path == "argocd/api-prod.yaml"


def test_an_applicationset_generator_that_needs_the_cluster_is_named(run: Extract) -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: api}\nspec:\n"
        "  generators:\n    - clusters: {selector: {matchLabels: {env: prod}}}\n"
        "  template:\n    metadata: {name: 'api-{{name}}'}\n    spec:\n      source:\n"
        "        path: apps/api/overlays/prod\n      destination: {name: '{{name}}', namespace: api}\n"
    )
    inventory = run({**OVERLAYS, "argocd/set.yaml": text}, policy=EXTRACTION_POLICY)
    assert [(p.rule, p.location.line) for p in inventory.problems] == [("GG003", 6)]
    assert "ApplicationSet api: its clusters generator needs the cluster" in (
        inventory.problems[0].message
    )


# --- GG004: the revision a promoted environment tracks --------------------------------------


@pytest.mark.parametrize(
    ("revision", "protected", "fires"),
    [
        (None, "", False),
        ("HEAD", "", False),
        ("main", "", False),
        ("refs/heads/main", "", False),
        ("master", "", False),
        ("feature-x", "", True),
        ("v1.2.3", "", True),
        ("0123456789abcdef0123456789abcdef01234567", "", True),
        ("v1.2.3", "protected_refs: [refs/heads/main, refs/tags/v*]\n", False),
        # The server always protects its default branch, usually main or master.
        ("main", "protected_refs: [refs/heads/release]\n", False),
        ("develop", "protected_refs: [refs/heads/release]\n", True),
        ("release", "protected_refs: [refs/heads/release]\n", False),
    ],
)
def test_a_promoted_environment_tracks_only_what_the_gate_judges(
    run: Extract, revision: str | None, protected: str, fires: bool
) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-prod.yaml": application(
            "api-prod", "apps/api/overlays/prod", revision=revision
        ),
    }
    inventory = run(files, policy=EXTRACTION_POLICY + protected)
    assert [p.rule for p in inventory.problems] == (["GG004"] if fires else [])
    if fires:
        assert inventory.problems[0].location.line == 9  # the targetRevision line


def test_dev_may_track_any_branch(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-dev.yaml": application("api-dev", "apps/api/overlays/dev", revision="wip"),
    }
    assert run(files, policy=EXTRACTION_POLICY).problems == []


# --- the pre-commit hook sees where a staged file is deployed --------------------------------


def test_a_staged_overlay_is_judged_for_every_environment_deploying_it(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-dev.yaml": application("api-dev", "apps/api/overlays/dev", "name: dev"),
        "argocd/api-prod.yaml": application(
            "api-prod", "apps/api/overlays/dev", "server: https://prod.k8s.example.com"
        ),
    }
    inventory = run(
        files, policy=APPLICATIONS_POLICY, paths=["apps/api/overlays/dev/kustomization.yaml"]
    )
    assert sorted((u.environment, u.application) for u in inventory.uses) == [
        ("dev", "api-dev"),
        ("prod", "api-prod"),
    ]


# --- repository URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/Acme/gitops.git",
        "https://github.com/Acme/gitops",
        "https://github.com/Acme/gitops/",
        "git@github.com:Acme/gitops.git",
        "ssh://git@github.com:22/Acme/gitops.git",
        "https://user@GitHub.com/Acme/gitops.git",
    ],
)
def test_every_spelling_of_a_repository_url_compares_alike(url: str) -> None:
    assert repository_url_key(url) == "github.com/Acme/gitops"


@pytest.mark.parametrize(
    "url",
    [
        # The authority ends before `?`, `#` or `\`: what follows is not the host.
        "https://evil.example.com?@github.com/Acme/gitops.git",
        "https://evil.example.com#@github.com/Acme/gitops.git",
        "https://evil.example.com\\@github.com/Acme/gitops.git",
        "https://github.com.evil.example.com/Acme/gitops.git",
    ],
)
def test_a_url_that_only_spells_this_repository_is_another_one(url: str) -> None:
    host = repository_url_key(url).split("/")[0]
    assert "evil" in host


@given(st.from_regex(r"[a-z][a-z0-9-]{0,10}/[a-z][a-z0-9-]{0,10}", fullmatch=True))
def test_https_and_scp_forms_agree(path: str) -> None:
    assert repository_url_key(f"https://git.example.com/{path}.git") == repository_url_key(
        f"git@git.example.com:{path}"
    )


# --- Helm as the Application renders it ------------------------------------------------------

CHART = {
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: '1.0.0'\n",
    "charts/api/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: '1.0.0'\n",
    "charts/api/values-dev.yaml": "image:\n  tag: '2.0.0'\n",
    "charts/api/values-prod.yaml": "image:\n  tag: '1.0.0'\n",
    "config/prod.yaml": "image:\n  tag: '1.5.0'\n",
}


def helm_application(name: str, helm: str, sources: str | None = None) -> str:
    source = sources or f"  source:\n    path: charts/api\n    helm:\n{helm}"
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata:\n  name: {name}\nspec:\n{source}"
        "  destination:\n    name: in-cluster\n    namespace: api\n"
    )


def deployed_tags(inventory, application: str) -> list[tuple[str | None, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (u.environment, u.reference.tag or "", str(u.location))
        for u in inventory.uses
        if u.application == application and u.reference is not None
    ]


def test_value_files_are_laid_over_the_chart_in_order(run: Extract) -> None:
    helm = "      valueFiles: [values-prod.yaml, ../../config/prod.yaml]\n"
    inventory = run({**CHART, "argocd/api-prod.yaml": helm_application("api-prod", helm)})
    assert deployed_tags(inventory, "api-prod") == [("prod", "1.5.0", "config/prod.yaml:2:8")]


def test_prod_pointed_at_dev_values_runs_dev_tag_in_prod(run: Extract) -> None:
    helm = "      valueFiles: [values-dev.yaml]\n"
    inventory = run({**CHART, "argocd/api-prod.yaml": helm_application("api-prod", helm)})
    assert deployed_tags(inventory, "api-prod") == [
        ("prod", "2.0.0", "charts/api/values-dev.yaml:2:8")
    ]


def test_inline_parameters_win_over_value_files(run: Extract) -> None:
    helm = (
        "      valueFiles: [values-prod.yaml]\n"
        "      parameters:\n        - {name: image.tag, value: '1.0.1'}\n"
    )
    inventory = run({**CHART, "argocd/api-prod.yaml": helm_application("api-prod", helm)})
    found = [u for u in inventory.uses if u.application == "api-prod"]
    assert [(u.reference.tag if u.reference else None, u.source.value) for u in found] == [
        ("1.0.1", "application")
    ]


def test_an_image_parameter_sets_a_string_image_whole(run: Extract) -> None:
    chart = {
        **CHART,
        "charts/api/values.yaml": f"image: {IMAGE}:1.0.0\nsidecar:\n  image: {IMAGE}-side:1.0.0\n",
    }
    helm = (
        "      parameters:\n"
        f"        - {{name: image, value: '{IMAGE}:0.9.0'}}\n"
        f"        - {{name: sidecar.image, value: '{IMAGE}-side:0.8.0'}}\n"
    )
    inventory = run({**chart, "argocd/api-prod.yaml": helm_application("api-prod", helm)})
    found = sorted((u.raw, u.source.value) for u in inventory.uses if u.application == "api-prod")
    assert found == [
        (f"{IMAGE}-side:0.8.0", "application"),
        (f"{IMAGE}:0.9.0", "application"),
    ]


def test_value_files_of_a_ref_source_of_this_repository(run: Extract) -> None:
    sources = (
        "  sources:\n"
        "    - repoURL: https://git.example.com/acme/gitops.git\n      path: charts/api\n"
        "      helm:\n        valueFiles: [$values/config/prod.yaml]\n"
        "    - repoURL: https://git.example.com/acme/gitops.git\n      ref: values\n"
    )
    inventory = run({**CHART, "argocd/api-prod.yaml": helm_application("api-prod", "", sources)})
    assert deployed_tags(inventory, "api-prod") == [("prod", "1.5.0", "config/prod.yaml:2:8")]
    assert inventory.problems == []


@pytest.mark.parametrize(
    ("value_file", "message"),
    [
        ("values-qa.yaml", "value file values-qa.yaml does not exist (charts/api/values-qa.yaml)"),
        ("https://example.com/v.yaml", "is fetched from a URL"),
        ("$other/prod.yaml", "comes from source $other, which is not a source of this repository"),
    ],
)
def test_value_files_that_cannot_be_followed_are_named(
    run: Extract, value_file: str, message: str
) -> None:
    helm = f"      valueFiles: ['{value_file}']\n"
    inventory = run({**CHART, "argocd/api-prod.yaml": helm_application("api-prod", helm)})
    assert [p.rule for p in inventory.problems] == ["GG003"]
    assert message in inventory.problems[0].message


# --- parameter-override files next to what an Application deploys -----------------------------


def test_the_generic_override_file_applies_to_every_application_of_its_folder(
    run: Extract,
) -> None:
    files = {
        **OVERLAYS,
        "apps/api/overlays/prod/.argocd-source.yaml": f"kustomize:\n  images: ['{IMAGE}:9.9.9']\n",
        "argocd/api-prod.yaml": application("api-prod", "apps/api/overlays/prod"),
    }
    inventory = run(files, policy=EXTRACTION_POLICY)
    overrides = [u for u in inventory.uses if u.source.value == "write-back"]
    assert [(u.environment, u.reference.tag if u.reference else None) for u in overrides] == [
        ("prod", "9.9.9")
    ]


def test_a_named_override_file_applies_to_its_application_only(run: Extract) -> None:
    files = {
        **OVERLAYS,
        "apps/api/overlays/prod/.argocd-source-api-canary.yaml": (
            f"kustomize:\n  images: ['{IMAGE}:9.9.9']\n"
        ),
        "argocd/api-prod.yaml": application("api-prod", "apps/api/overlays/prod"),
        "argocd/api-canary.yaml": application(
            "api-canary", "apps/api/overlays/prod", "name: staging"
        ),
    }
    inventory = run(files, policy=EXTRACTION_POLICY)
    overrides = [u for u in inventory.uses if u.source.value == "write-back"]
    assert [(u.environment, u.reference.tag if u.reference else None) for u in overrides] == [
        ("staging", "9.9.9")
    ]


# --- this repository, anchored where the policy does not say -----------------------------


def test_anchored_repositories_name_a_fork_brought_later(tmp_path: Path) -> None:

    files = {
        **OVERLAYS,
        "argocd/api-dev.yaml": application("api-dev", "apps/api/overlays/dev", "name: dev"),
    }
    write_files(tmp_path, files)
    extraction = Extraction(DiskSource(tmp_path), parse_policy(APPLICATIONS_POLICY.encode()))
    assert extraction.anchor_repositories(["git@git.example.com:acme/mirror.git"]) == (
        "git@git.example.com:acme/mirror.git",
        "https://git.example.com/acme/gitops.git",
    )
    prod = application("api-prod", "apps/api/overlays/prod", "name: prod")
    write_files(
        tmp_path,
        {
            "argocd/api-prod.yaml": prod.replace("acme/gitops", "mallory/gitops"),
            "argocd/api-staging.yaml": application(
                "api-staging", "apps/api/overlays/prod", "name: staging"
            ).replace("https://git.example.com/acme/gitops.git", "git.example.com/acme/mirror"),
        },
    )
    extraction.update({"argocd/api-prod.yaml", "argocd/api-staging.yaml"})
    kinds = {d.application: d.kind for found in extraction.deployments.values() for d in found}
    assert kinds == {"api-dev": "kustomize", "api-prod": "elsewhere", "api-staging": "kustomize"}


def test_the_policy_s_repositories_are_not_replaced_by_anchoring(tmp_path: Path) -> None:

    write_files(tmp_path, {**OVERLAYS})
    policy = APPLICATIONS_POLICY + "repositories: [git.example.com/acme/*]\n"
    extraction = Extraction(DiskSource(tmp_path), parse_policy(policy.encode()))
    assert extraction.anchor_repositories(["https://other.example.com/x.git"]) == (
        "git.example.com/acme/*",
    )
    # Nothing known (no Application, no remote: a server's bare repository): no URL is
    # this repository, so the first Application, a fork's or not, is named (GG003).
    bare = Extraction(DiskSource(tmp_path), parse_policy(APPLICATIONS_POLICY.encode()))
    assert bare.anchor_repositories() == (UNKNOWN_REPOSITORY,)
    fork = application("api-prod", "apps/api/overlays/prod", "name: prod")
    write_files(tmp_path, {"argocd/api-prod.yaml": fork.replace("acme/gitops", "mallory/gitops")})
    bare.update({"argocd/api-prod.yaml"})
    kinds = {d.application: d.kind for found in bare.deployments.values() for d in found}
    assert kinds == {"api-prod": "elsewhere"}


def test_an_application_a_kustomization_patches_is_named_at_the_patch(
    run: Extract, tmp_path: Path
) -> None:
    files = {
        **OVERLAYS,
        "argocd/api-prod.yaml": application(
            "api-prod", "apps/api/overlays/prod", "server: https://prod.k8s.example.com"
        ),
        "argocd/kustomization.yaml": (
            "namespace: argocd\nnamePrefix: team-\n"  # metadata only: nothing to say
            "resources: [api-prod.yaml]\npatches:\n  - path: prod-path.yaml\n"
        ),
        "argocd/prod-path.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
            "metadata: {name: api-prod, namespace: argocd}\n"
            "spec:\n  source:\n    path: apps/api/overlays/dev\n"
        ),
    }
    inventory = run(files, policy=APPLICATIONS_POLICY)
    assert [(p.rule, str(p.location), p.environment) for p in inventory.problems] == [
        ("GG003", "argocd/prod-path.yaml:6:11", "prod")
    ]
    assert inventory.problems[0].message.startswith(
        "Application api-prod (argocd/api-prod.yaml) is changed by the kustomization "
        "argocd/kustomization.yaml that applies it (spec.source.path)"
    )
    # The patch file is a patch, not an Application; without the patch nothing is named.
    assert inventory.applications.keys() == {"argocd/api-prod.yaml"}
    files["argocd/kustomization.yaml"] = "namespace: argocd\nresources: [api-prod.yaml]\n"
    del files["argocd/prod-path.yaml"]
    (tmp_path / "argocd/prod-path.yaml").unlink()
    assert not run(files, policy=APPLICATIONS_POLICY).problems


ESCAPED_PROD = application(
    "api-prod", "apps/api/overlays/dev", "server: https://prod.k8s.example.com"
).replace("apiVersion: argoproj.io/v1alpha1", 'apiVersion: "argoproj\\x2eio/v1alpha1"')


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("argocd/api-prod.yaml", ESCAPED_PROD),  # an escape in a double-quoted scalar
        ("argocd/api-prod.json", JSON_PROD.replace("argoproj.io", "argoproj\\u002eio")),
        ("argocd/api-prod.json", JSON_PROD.encode("utf-16")),  # JSON is UTF-8/16/32 too
        ("argocd/api-prod.yaml", ESCAPED_PROD.replace("\\x2e", ".").encode("utf-16")),
    ],
    ids=["yaml-escape", "json-escape", "json-utf16", "yaml-utf16"],
)
@pytest.mark.parametrize("focused", [False, True], ids=["whole", "focused"])
def test_an_application_whose_api_group_bytes_differ_is_still_read(
    run: Extract, path: str, content: str | bytes, focused: bool
) -> None:
    assert b"argoproj.io" not in (content if isinstance(content, bytes) else content.encode())
    inventory = run(
        {**OVERLAYS, path: content}, policy=APPLICATIONS_POLICY, paths=[path] if focused else None
    )
    deployed = [u for u in inventory.uses if u.application == "api-prod"]
    assert [(u.environment, u.reference.tag) for u in deployed if u.reference] == [
        ("prod", "2.0.0")
    ]
