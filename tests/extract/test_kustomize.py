"""Kustomize overlays: images resolved through bases, patches and ``images:``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_guard.extract.inventory import Extraction
from gitops_guard.extract.kustomize import ImageEntry, apply_entry, split_image
from gitops_guard.extract.tree import get, text_at
from gitops_guard.model import Location
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.extract.conftest import Extract, summary

BASE = {
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
            - name: proxy
              image: nginx:1.27
    """,
    "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
}


def overlay(env: str, images: str = "") -> dict[str, str]:
    body = f"resources:\n  - ../../base\n{images}"
    return {f"apps/api/overlays/{env}/kustomization.yaml": body}


PROD_IMAGES = """images:
  - name: registry.example.com/team/api
    newTag: "1.4.2"
    digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
"""


def test_an_override_is_located_at_the_overlay_line_with_the_overlay_environment(
    run: Extract,
) -> None:
    inventory = run({**BASE, **overlay("prod", PROD_IMAGES), **overlay("dev")})
    assert summary(inventory) == [
        (
            "apps/api/base/deployment.yaml:9:18",
            "api",
            "dev",
            "container",
            "registry.example.com/team/api:1.0.0",
        ),
        (
            "apps/api/base/deployment.yaml:11:18",
            "api",
            "dev",
            "container",
            "docker.io/library/nginx:1.27",
        ),
        (
            "apps/api/base/deployment.yaml:11:18",
            "api",
            "prod",
            "container",
            "docker.io/library/nginx:1.27",
        ),
        (
            "apps/api/overlays/prod/kustomization.yaml:5:13",
            "api",
            "prod",
            "kustomize",
            "registry.example.com/team/api:1.4.2@sha256:" + "a" * 64,
        ),
    ]
    prod = next(u for u in inventory.uses if u.source.value == "kustomize")
    assert prod.origin == Location("apps/api/base/deployment.yaml", 9, 18)
    assert prod.resource == "Deployment/api"
    assert prod.container == "api"


def test_a_base_included_by_overlays_is_not_reported_on_its_own(run: Extract) -> None:
    inventory = run({**BASE, **overlay("dev")})
    assert {u.environment for u in inventory.uses} == {"dev"}


def test_a_base_alone_is_reported_as_a_plain_manifest(run: Extract) -> None:
    inventory = run(BASE)
    assert [(u.app, u.environment) for u in inventory.uses] == [(None, None), (None, None)]


def test_nested_overlays_apply_innermost_first(run: Extract) -> None:
    files = {
        **BASE,
        "apps/api/overlays/prod/kustomization.yaml": (
            "resources: [../../components/hardened]\n"
            "images:\n  - name: nginx\n    newTag: '1.27.3'\n"
        ),
        "apps/api/components/hardened/kustomization.yaml": (
            "resources: [../../base]\nimages:\n  - name: nginx\n    newName: registry.example.com/nginx\n"
        ),
    }
    inventory = run(files)
    proxy = [u for u in inventory.uses if u.container == "proxy"]
    # The inner overlay renamed nginx, so the outer "nginx" entry no longer matches.
    assert [str(u.reference) for u in proxy] == ["registry.example.com/nginx:1.27"]
    assert proxy[0].location.path == "apps/api/components/hardened/kustomization.yaml"


def test_strategic_merge_patches_change_the_image(run: Extract) -> None:
    files = {
        **BASE,
        "apps/api/overlays/staging/kustomization.yaml": (
            "resources: [../../base]\npatches:\n  - path: image.yaml\n"
        ),
        "apps/api/overlays/staging/image.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: registry.example.com/team/api:1.3.0
        """,
    }
    inventory = run(files)
    api = [u for u in inventory.uses if u.container == "api"]
    assert [(str(u.location), str(u.reference)) for u in api] == [
        ("apps/api/overlays/staging/image.yaml:9:18", "registry.example.com/team/api:1.3.0")
    ]


def test_json6902_patches_change_the_image_by_index(run: Extract) -> None:
    files = {
        **BASE,
        "apps/api/overlays/staging/kustomization.yaml": """
        resources: [../../base]
        patches:
          - target: {kind: Deployment, name: api}
            patch: |-
              - op: replace
                path: /spec/template/spec/containers/1/image
                value: nginx:1.28
        """,
    }
    inventory = run(files)
    proxy = [u for u in inventory.uses if u.container == "proxy"]
    assert [(str(u.location), str(u.reference)) for u in proxy] == [
        ("apps/api/overlays/staging/kustomization.yaml:7:16", "docker.io/library/nginx:1.28")
    ]


def test_a_base_outside_the_repository_is_a_finding(run: Extract) -> None:
    inventory = run(
        {"apps/api/overlays/dev/kustomization.yaml": "resources:\n  - ../../../../../etc\n"}
    )
    assert [(str(p.location), p.rule) for p in inventory.problems] == [
        ("apps/api/overlays/dev/kustomization.yaml:2:5", "GG001")
    ]
    assert "outside the repository" in inventory.problems[0].message


def test_a_missing_resource_is_a_finding(run: Extract) -> None:
    inventory = run({"apps/api/overlays/dev/kustomization.yaml": "resources: [../../nope]\n"})
    assert "does not exist" in inventory.problems[0].message


def test_a_remote_base_is_named_unresolved_at_its_line(run: Extract) -> None:
    inventory = run(
        {
            "apps/api/overlays/dev/kustomization.yaml": "resources:\n  - https://github.com/x/y//base?ref=v1\n"
        }
    )
    assert [(str(p.location), p.rule, p.environment) for p in inventory.problems] == [
        ("apps/api/overlays/dev/kustomization.yaml:2:5", "GG003", "dev")
    ]
    assert "remote resource" in inventory.problems[0].message


def test_a_kustomization_cycle_is_a_finding_not_a_hang(run: Extract) -> None:
    inventory = run(
        {
            "a/kustomization.yaml": "resources: [../b]\n",
            "b/kustomization.yaml": "resources: [../a]\n",
            "root/kustomization.yaml": "resources: [../a]\n",
        }
    )
    assert any("cycle" in p.message for p in inventory.problems)


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_symlink_out_of_the_repository_is_not_read(run: Extract, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")
    (tmp_path / "apps/api/base").mkdir(parents=True)
    (tmp_path / "apps/api/base/evil.yaml").symlink_to(outside)
    inventory = run({"apps/api/base/kustomization.yaml": "resources: [evil.yaml]\n"})
    assert any("points outside the repository" in p.message for p in inventory.problems)


def test_a_float_new_tag_is_gg001_and_its_text_is_kept(run: Extract) -> None:
    inventory = run({**BASE, **overlay("dev", "images:\n  - name: nginx\n    newTag: 1.10\n")})
    assert [(str(p.location), p.rule) for p in inventory.problems] == [
        ("apps/api/overlays/dev/kustomization.yaml:5:13", "GG001")
    ]
    proxy = [u for u in inventory.uses if u.container == "proxy"]
    assert str(proxy[0].reference) == "docker.io/library/nginx:1.10"


def test_only_the_given_files_are_reported_but_bases_resolve_through_overlays(
    run: Extract,
) -> None:
    inventory = run(
        {**BASE, **overlay("prod", PROD_IMAGES), **overlay("dev")},
        paths=["apps/api/base/deployment.yaml"],
    )
    assert {(u.environment, u.source.value) for u in inventory.uses} == {
        ("dev", "container"),
        ("prod", "container"),
        ("prod", "kustomize"),
    }


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", ("nginx", None, None)),
        ("nginx:1.2", ("nginx", "1.2", None)),
        ("localhost:5000/app", ("localhost:5000/app", None, None)),
        ("localhost:5000/app:1", ("localhost:5000/app", "1", None)),
        ("app@sha256:ab", ("app", None, "sha256:ab")),
        ("r.io/app:1@sha256:ab", ("r.io/app", "1", "sha256:ab")),
    ],
)
def test_split_image_like_kustomize(
    image: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert split_image(image) == expected


@pytest.mark.parametrize(
    ("image", "entry", "expected"),
    [
        ("nginx:1", ImageEntry("nginx", None, "2", None, Location("k")), "nginx:2"),
        ("nginx@sha256:a", ImageEntry("nginx", None, "2", None, Location("k")), "nginx:2"),
        ("nginx:1", ImageEntry("nginx", None, None, "sha256:b", Location("k")), "nginx@sha256:b"),
        ("nginx:1", ImageEntry("nginx", "r.io/nginx", None, None, Location("k")), "r.io/nginx:1"),
        ("nginx:1", ImageEntry("nginx", None, "2", "sha256:b", Location("k")), "nginx:2@sha256:b"),
        ("redis:1", ImageEntry("nginx", None, "2", None, Location("k")), None),
    ],
)
def test_apply_entry_like_kustomize(image: str, entry: ImageEntry, expected: str | None) -> None:
    assert apply_entry(image, entry) == expected


def test_a_kustomization_given_alone_judges_everything_its_overlay_deploys(run: Extract) -> None:
    # The pre-commit hook with only the kustomization staged: the images come from the base.
    inventory = run(
        {**BASE, **overlay("prod")}, paths=["apps/api/overlays/prod/kustomization.yaml"]
    )
    assert sorted((u.container, u.environment, u.location.path) for u in inventory.uses) == [
        ("api", "prod", "apps/api/base/deployment.yaml"),
        ("proxy", "prod", "apps/api/base/deployment.yaml"),
    ]
    assert {u.overlay for u in inventory.uses} == {"apps/api/overlays/prod"}


# What kubectl kustomize (v5.5) renders for a strategic-merge patch of a Deployment's
# containers [a:1, c:1]: recorded from kubectl, including kyaml's quirks with leftover
# directives and items without a name.
SMP_CASES = [
    (
        '[{"name":"b","image":"b:1"},{"name":"z","image":"z:1"}]',
        ["b=b:1", "z=z:1", "a=a:1", "c=c:1"],
    ),
    ('[{"name":"c","$patch":"delete"},{"$patch":"replace"}]', []),
    ('[{"name":"b","image":"b:1"},{"name":"c","$patch":"delete"},{"$patch":"replace"}]', ["b=b:1"]),
    ('[{"name":"c","env":[]},{"name":"b","$patch":"delete"},{"$patch":"replace"}]', ["c=c:1"]),
    ('[{"name":"b","image":"b:1"},{"$patch":"replace"},{"name":"c","$patch":"delete"}]', ["b=b:1"]),
    ('[{"name":"c","$patch":"delete"},{"name":"b","image":"b:1"},{"$patch":"merge"}]', ["b=b:1"]),
    ('[{"name":"c","$patch":"delete"},{"$patch":"replace"},{"name":"a","env":[]}]', ["a=None"]),
    ('[{"name":"a","$patch":"replace","image":"z:1"}]', ["a=a:1", "c=c:1"]),
    ('[{"image":"n:1"}]', []),
    ('[{"name":"c","image":"c:2"},{"image":"n:1"}]', ["c=c:2"]),
]


@pytest.mark.parametrize(("patch", "expected"), SMP_CASES)
def test_strategic_merge_of_containers_follows_kubectl(
    tmp_path: Path, patch: str, expected: list[str]
) -> None:
    head = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},"spec":{"template":{"spec":{"containers":'
    write_files(
        tmp_path,
        {
            "base/d.yaml": head + '[{"name":"a","image":"a:1"},{"name":"c","image":"c:1"}]}}}}',
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "o/p.yaml": head + patch + "}}}}",
            "o/kustomization.yaml": "resources: [../base]\npatches: [{path: p.yaml}]\n",
        },
    )
    extraction = Extraction(DiskSource(tmp_path), default_policy())
    build = extraction.graph.build_resources("o/kustomization.yaml")
    containers = get(build.resources[0].body, "spec", "template", "spec", "containers")
    assert isinstance(containers, list)
    assert [f"{text_at(c, 'name')}={text_at(c, 'image')}" for c in containers] == expected


# --- symlinks (issue 13 item 4) ----------------------------------------------------------


def symlinked(tmp_path: Path, files: dict[str, str], links: dict[str, str]) -> None:
    write_files(tmp_path, files)
    for link, target in links.items():
        (tmp_path / link).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / link).symlink_to(target)


PROD_FILES = {
    **BASE,
    "apps/api/overlays/staging/kustomization.yaml": (
        "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: '1.28'\n"
    ),
}


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_an_overlay_folder_that_is_a_symlink_deploys_what_it_points_at(
    tmp_path: Path, run: Extract
) -> None:
    symlinked(tmp_path, PROD_FILES, {"apps/api/overlays/prod": "staging"})
    inventory = run({})
    prod = [
        (u.container, str(u.reference), str(u.location))
        for u in inventory.uses
        if u.environment == "prod"
    ]
    assert prod == [
        ("api", "registry.example.com/team/api:1.0.0", "apps/api/base/deployment.yaml:9:18"),
        (
            "proxy",
            "docker.io/library/nginx:1.28",
            "apps/api/overlays/staging/kustomization.yaml:4:13",
        ),
    ]
    assert {u.overlay for u in inventory.uses} == {
        "apps/api/overlays/prod",
        "apps/api/overlays/staging",
    }


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_kustomization_file_that_is_a_symlink_is_refused_like_kustomize(
    tmp_path: Path, run: Extract
) -> None:
    symlinked(
        tmp_path,
        PROD_FILES,
        {"apps/api/overlays/prod/kustomization.yaml": "../staging/kustomization.yaml"},
    )
    inventory = run({})
    assert [(p.rule, p.location.path) for p in inventory.problems if "symlink" in p.message] == [
        ("GG001", "apps/api/overlays/prod/kustomization.yaml")
    ]
    assert {u.environment for u in inventory.uses} == {"staging"}


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_resource_file_outside_the_kustomization_folder_is_refused_but_judged(
    tmp_path: Path, run: Extract
) -> None:
    symlinked(
        tmp_path,
        {
            "shared/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: 'r.io/p:1'}]\n",
            "apps/api/overlays/dev/kustomization.yaml": "resources: [pod.yaml, ../../../../shared/pod.yaml]\n",
        },
        {"apps/api/overlays/dev/pod.yaml": "../../../../shared/pod.yaml"},
    )
    inventory = run({})
    assert sorted(
        (p.location.line, "load restrictor" in p.message) for p in inventory.problems
    ) == [
        (1, True),
        (1, True),
    ]
    assert [str(u.reference) for u in inventory.uses] == ["r.io/p:1", "r.io/p:1"]
    assert {u.location.path for u in inventory.uses} == {"shared/pod.yaml"}
