"""Reading Image Updater configuration: annotations (v0.x / v1.x) and ImageUpdater resources."""

from __future__ import annotations

import textwrap

import pytest

from gitops_guard.parse.loader import load_yaml
from gitops_guard.policy.layout import Placement
from gitops_guard.updater.config import (
    Configuration,
    ImageConfig,
    annotation_mode_error,
    specificity,
)
from gitops_guard.updater.read import read_configuration

PREFIX = "argocd-image-updater.argoproj.io/"


def application(name: str, annotations: dict[str, str], labels: str = "", path: str = "") -> str:
    lines = "".join(f"    {PREFIX}{k}: {v!r}\n" for k, v in annotations.items())
    source = f"  source:\n    path: {path}\n" if path else "  source: {}\n"
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: {name}\n  namespace: argocd\n{labels}  annotations:\n{lines}spec:\n{source}"
    )


def read(version: str, *documents: str) -> Configuration:
    text = "---\n".join(textwrap.dedent(d) for d in documents)
    files = {"config.yaml": load_yaml("config.yaml", text.encode())}
    return read_configuration(files, version, lambda p: Placement("api", "prod"))


def images(config: Configuration) -> list[ImageConfig]:
    return [image for app in config.applications for image in app.annotation_images]


def strategies(config: Configuration, version: str) -> list[str | None]:
    return [i.settings(version).strategy for i in images(config)]


def test_per_alias_keys_win_over_application_wide_ones() -> None:
    config = read(
        "1.3",
        application(
            "a",
            {
                "image-list": "api=r.io/api, web=r.io/web, r.io/plain",
                "update-strategy": "digest",
                "api.update-strategy": "newest-build",
            },
        ),
    )
    assert strategies(config, "1.3") == ["newest-build", "digest", "digest"]


def test_v0_present_but_empty_shadows_the_application_wide_value() -> None:
    annotations = {
        "image-list": "api=r.io/api",
        "update-strategy": "digest",
        "api.update-strategy": "",
    }
    old = read("0.18", application("a", annotations))
    assert strategies(old, "0.18") == [""]
    (image,) = images(old)
    assert [v.key for v in image.shadowed] == [f"{PREFIX}api.update-strategy"]
    new = read("1.3", application("a", annotations))
    assert strategies(new, "1.3") == ["digest"]


def test_v1_trims_values_and_v0_does_not() -> None:
    annotations = {"image-list": "api=r.io/api", "api.update-strategy": " digest "}
    assert strategies(read("1.3", application("a", annotations)), "1.3") == ["digest"]
    assert strategies(read("0.18", application("a", annotations)), "0.18") == [" digest "]


def test_v0_maps_slashes_in_aliases_to_underscores() -> None:
    annotations = {"image-list": "team/api=r.io/api", "team_api.update-strategy": "digest"}
    assert strategies(read("0.18", application("a", annotations)), "0.18") == ["digest"]
    assert strategies(read("1.3", application("a", annotations)), "1.3") == [None]


def test_v0_images_without_alias_read_the_dot_key() -> None:
    annotations = {"image-list": "r.io/api", ".update-strategy": "digest"}
    assert strategies(read("0.18", application("a", annotations)), "0.18") == ["digest"]
    assert strategies(read("1.3", application("a", annotations)), "1.3") == [None]


def test_tag_match_is_a_v0_fallback_for_allow_tags() -> None:
    annotations = {"image-list": "api=r.io/api", "api.tag-match": "regexp:^v"}
    (old,) = images(read("0.18", application("a", annotations)))
    assert old.from_tag_match
    assert old.settings("0.18").allow_tags == "regexp:^v"
    (new,) = images(read("1.3", application("a", annotations)))
    assert new.settings("1.3").allow_tags is None


def test_ignore_tags_and_platforms_are_lists() -> None:
    annotations = {
        "image-list": "api=r.io/api",
        "ignore-tags": "latest, *-rc* ,",
        "api.platforms": "linux/amd64, linux/arm64,",
        "platforms": "ignored/app-wide",
    }
    (v1,) = images(read("1.3", application("a", annotations)))
    assert v1.ignore_list == ("latest", "*-rc*", "")  # 1.x keeps the empty entry
    assert v1.platform_list == ("linux/amd64", "linux/arm64")
    (v0,) = images(read("0.18", application("a", annotations)))
    assert v0.ignore_list == ("latest", "*-rc*")


def test_entries_are_located_at_their_column() -> None:
    config = read(
        "1.3",
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: a
          annotations:
            argocd-image-updater.argoproj.io/image-list: "api=r.io/api:~1.4, web=r.io/web"
        """,
    )
    (app,) = config.applications
    assert [(str(where), entry.alias) for entry, where in app.entries] == [
        ("config.yaml:6:50", "api"),
        ("config.yaml:6:70", "web"),
    ]


def test_write_back_settings() -> None:
    annotations = {
        "image-list": "api=r.io/api",
        "write-back-method": "git:secret:argocd/git-creds",
        "write-back-target": "kustomization:../base",
        "git-branch": "main:image-updater-{{.SHA256}}",
    }
    (app,) = read("1.3", application("a", annotations)).applications
    write_back = app.annotation_write_back
    assert write_back.method is not None
    assert write_back.method.text.startswith("git:secret")
    assert write_back.target is not None
    assert write_back.branch is not None


def test_annotation_mode_errors() -> None:
    def error(annotations: dict[str, str]) -> str | None:
        config = read("1.3", application("a", annotations))
        return annotation_mode_error(config.applications[0])

    assert error({"image-list": "api=r.io/api"}) is None
    assert error({"update-strategy": "semver"}) == "it has no image-list annotation"
    assert error({"image-list": " , "}) == "its image-list is empty"
    assert "not a boolean" in (error({"image-list": "api=r.io/api", "force-update": "yes"}) or "")
    both = error(
        {
            "image-list": "api=r.io/api",
            "api.helm.image-name": "image.repository",
            "api.kustomize.image-name": "r.io/api",
        }
    )
    assert both is not None
    assert "both helm" in both


RESOURCE = """\
apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata:
  name: platform
  namespace: argocd
spec:
  commonUpdateSettings:
    updateStrategy: semver
    allowTags: regexp:^[0-9]
    ignoreTags: [latest]
  writeBackConfig:
    method: git
    gitConfig:
      branch: main
  applicationRefs:
    - namePattern: "api-*"
      commonUpdateSettings:
        allowTags: regexp:^1
      writeBackConfig:
        gitConfig:
          writeBackTarget: kustomization
      images:
        - alias: api
          imageName: registry.example.com/team/api:~1.4
          commonUpdateSettings:
            ignoreTags: ["*-rc*"]
          manifestTargets:
            kustomize:
              name: registry.example.com/team/api
    - namePattern: "api-prod"
      images:
        - alias: api
          imageName: registry.example.com/team/api:~1.3
    - namePattern: "*"
      labelSelectors:
        matchLabels: {team: web}
      useAnnotations: true
"""


def test_resource_settings_merge_spec_then_ref_then_image() -> None:
    config = read("1.3", RESOURCE)
    (resource,) = config.resources
    image = resource.refs[0].images[0]
    settings = image.settings("1.3")
    assert (settings.strategy, settings.allow_tags, settings.ignore_tags, settings.constraint) == (
        "semver",
        "regexp:^1",
        ("*-rc*",),
        "~1.4",
    )
    assert image.kustomize_name is not None
    write_back = resource.refs[0].write_back.over(resource.write_back)
    assert write_back.method is not None
    assert write_back.method.text == "git"
    assert write_back.target is not None
    assert write_back.branch is not None
    assert config.problems == []


def test_specificity_orders_refs() -> None:
    (resource,) = read("1.3", RESOURCE).resources
    scores = [specificity(ref) for ref in resource.refs]
    assert scores == [4, 1_000_008, 10_100]


def test_the_most_specific_matching_ref_governs_each_application() -> None:
    config = read(
        "1.3",
        RESOURCE,
        application("api-prod", {}),
        application("api-dev", {}),
        application("web-dev", {"image-list": "web=r.io/web"}, labels="  labels: {team: web}\n"),
        application("other", {}),
    )
    governed = {app.name: [ref.index for _r, ref in app.governed_by] for app in config.applications}
    assert governed == {"api-prod": [1], "api-dev": [0], "web-dev": [2], "other": []}
    annotated = [a.name for a in config.annotation_applications()]
    assert annotated == ["web-dev"]
    managed = sorted(
        (m.origin, m.application.name if m.application else None) for m in config.managed()
    )
    assert managed == [
        ("annotations", "web-dev"),
        ("resource", "api-dev"),
        ("resource", "api-prod"),
    ]


def test_a_broken_annotation_ref_falls_through_to_the_next() -> None:
    config = read(
        "1.3",
        RESOURCE,
        application(
            "web-dev",
            {"image-list": "web=r.io/web", "force-update": "maybe"},
            labels="  labels: {team: web}\n",
        ),
    )
    app = next(a for a in config.applications if a.name == "web-dev")
    assert app.governed_by == []
    assert [ref.index for _r, ref, _why in app.abandoned] == [2]


def test_namespaces_must_match() -> None:
    other = application("api-dev", {}).replace("namespace: argocd", "namespace: team")
    config = read("1.3", RESOURCE, other)
    assert config.applications[0].governed_by == []


def test_v0_does_not_link_resources() -> None:
    config = read("0.18", RESOURCE, application("api-dev", {}))
    assert config.applications[0].governed_by == []
    assert config.managed() == []


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("spec:\n  applicationRefs: []\n", "`spec.applicationRefs` is required"),
        (
            "spec:\n  applicationRefs:\n    - namePattern: '['\n      images: [{alias: a, imageName: r.io/a}]\n",
            "is not a valid glob",
        ),
        (
            "spec:\n  commonUpdateSetings: {}\n  applicationRefs:\n    - namePattern: a\n      images: [{alias: a, imageName: r.io/a}]\n",
            "did you mean `commonUpdateSettings`",
        ),
        (
            "spec:\n  applicationRefs:\n    - namePattern: a\n      commonUpdateSettings: {forceUpdate: 'yes'}\n      images: [{alias: a, imageName: r.io/a}]\n",
            "must be true or false",
        ),
        (
            "spec:\n  applicationRefs:\n    - namePattern: a\n      images: [{alias: a, imageName: r.io/a, manifestTargets: {helm: {name: a, tag: b}, kustomize: {name: c}}}]\n",
            "exactly one of helm, kustomize",
        ),
    ],
)
def test_resource_shape_problems(snippet: str, message: str) -> None:
    head = "apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\nmetadata: {name: x}\n"
    config = read("1.3", head + snippet)
    assert any(message in p.message for p in config.problems), config.problems
