"""The explain library: targets from options or files, tags from text and JSON."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path

import pytest

from gitops_guard.formats import explain_json, explain_text
from gitops_guard.parse.loader import load_yaml
from gitops_guard.updater.explain import (
    ExplainError,
    choose_target,
    explain,
    override,
    parse_tags_option,
    parse_tags_text,
    read_tags_file,
    target_from_options,
    targets_from_file,
)
from gitops_guard.updater.selection import TagInfo

P = "argocd-image-updater.argoproj.io/"

APPLICATION = textwrap.dedent(
    f"""\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      namespace: argocd
      annotations:
        {P}image-list: api=registry.example.com/team/api:~1.4, web=ghcr.io/acme/web
        {P}api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$
        {P}web.update-strategy: newest-build
    spec:
      source:
        path: apps/api/overlays/prod
    """
).encode()

RESOURCE = textwrap.dedent(
    """\
    apiVersion: argocd-image-updater.argoproj.io/v1alpha1
    kind: ImageUpdater
    metadata: {name: web, namespace: argocd}
    spec:
      commonUpdateSettings: {updateStrategy: alphabetical}
      applicationRefs:
        - namePattern: "api-*"
          images:
            - alias: api
              imageName: registry.example.com/team/api:1.x
    """
).encode()


def tags(*names: str) -> list[TagInfo]:
    return [TagInfo(n) for n in names]


def test_targets_from_annotations() -> None:
    targets = targets_from_file("argocd/api-prod.yaml", APPLICATION, "1.3")
    assert [(t.alias, t.image, t.settings.strategy, t.settings.constraint) for t in targets] == [
        ("api", "registry.example.com/team/api", None, "~1.4"),
        ("web", "ghcr.io/acme/web", "newest-build", None),
    ]
    api = choose_target(targets, "api")
    assert api.settings.allow_tags == "regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$"
    assert "annotations of Application api-prod" in api.source
    result = explain(api, tags("1.4.1", "1.4.9", "v1.4.10", "1.5.0"))
    assert result.selection.selected is not None
    assert result.selection.selected.tag == "1.4.9"


def test_choosing_an_image() -> None:
    targets = targets_from_file("a.yaml", APPLICATION, "1.3")
    with pytest.raises(
        ExplainError, match="configures 2 images; choose one with --alias: api, web"
    ):
        choose_target(targets, None)
    with pytest.raises(ExplainError, match="no image with alias 'db'"):
        choose_target(targets, "db")
    assert choose_target(targets, "ghcr.io/acme/web").alias == "web"


def test_the_resource_selecting_the_application_wins_in_1_x() -> None:
    resources = {"argocd/updater.yaml": load_yaml("argocd/updater.yaml", RESOURCE)}
    (target,) = targets_from_file("argocd/api-prod.yaml", APPLICATION, "1.3", resources)
    assert (target.settings.strategy, target.settings.constraint) == ("alphabetical", "1.x")
    assert "ImageUpdater/web" in target.source
    assert any("annotations are ignored" in note for note in target.notes)
    # 0.x ignores the resource and reads the annotations.
    old = targets_from_file("argocd/api-prod.yaml", APPLICATION, "0.18", resources)
    assert [t.alias for t in old] == ["api", "web"]


def test_an_image_updater_file_explains_its_images() -> None:
    (target,) = targets_from_file("updater.yaml", RESOURCE, "1.3")
    assert (target.alias, target.settings.strategy) == ("api", "alphabetical")


def test_annotations_1_x_refuses_are_an_error_for_the_image() -> None:
    broken = APPLICATION.replace(b"spec:\n", f"    {P}force-update: 'maybe'\nspec:\n".encode(), 1)
    targets = targets_from_file("a.yaml", broken, "1.3")
    result = explain(choose_target(targets, "api"), tags("1.4.1"))
    assert result.error is not None
    assert "force-update" in result.error
    assert [c.accepted for c in result.selection.candidates] == [False]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"apiVersion: v1\nkind: ConfigMap\n", "no Argo CD Application"),
        (b"a: [\n", "YAML syntax error"),
    ],
)
def test_unusable_files(data: bytes, message: str) -> None:
    with pytest.raises(ExplainError, match=message):
        targets_from_file("x.yaml", data, "1.3")


def test_application_without_image_list() -> None:
    plain = b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
    with pytest.raises(ExplainError, match="no image-list annotation"):
        targets_from_file("a.yaml", plain, "1.3")
    with pytest.raises(ExplainError, match="reads no annotations"):
        targets_from_file("a.yaml", APPLICATION, "1.0")


def test_options_and_overrides() -> None:
    target = target_from_options(
        "api=registry.example.com/team/api:~1.4",
        ignore_tags="*-rc*, latest",
        platforms="linux/amd64",
        version="1.2",
    )
    assert (target.alias, target.settings.constraint, target.settings.ignore_tags) == (
        "api",
        "~1.4",
        ("*-rc*", "latest"),
    )
    changed = override(target, constraint="^1.4", running_tag="1.4.0")
    assert (changed.settings.constraint, changed.settings.running_tag) == ("^1.4", "1.4.0")
    assert changed.notes
    assert override(target) is target
    assert override(target, running_tag="1.4.0").notes == ()
    with pytest.raises(ExplainError, match="empty image name"):
        target_from_options("api=", version="1.3")


def test_tags_from_text_and_options() -> None:
    assert [t.tag for t in parse_tags_option(" 1.0, 2.0,,3.0 ")] == ["1.0", "2.0", "3.0"]
    text = "# registry dump\n1.0.0\n\n  1.1.0  \n"
    assert [t.tag for t in parse_tags_text(text)] == ["1.0.0", "1.1.0"]


def test_tags_from_json() -> None:
    data = json.dumps(
        [
            "1.0.0",
            {"tag": "1.1.0", "created": 1714564800, "digest": "sha256:" + "a" * 64},
            {"tag": "1.2.0", "created": "2024-05-02T12:00:00Z", "platforms": ["linux/amd64"]},
            {"tag": "1.3.0", "created": "2024-05-03T12:00:00"},
        ]
    )
    parsed = parse_tags_text(data)
    assert [t.tag for t in parsed] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    assert parsed[1].created == datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
    assert parsed[1].digest == "sha256:" + "a" * 64
    assert parsed[2].created == datetime.datetime(2024, 5, 2, 12, tzinfo=datetime.UTC)
    assert parsed[2].platforms == ("linux/amd64",)
    assert parsed[3].created is not None
    assert parsed[3].created.tzinfo is not None
    registry = parse_tags_text('{"name": "team/api", "tags": ["1.0", "2.0"]}')
    assert [t.tag for t in registry] == ["1.0", "2.0"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "not valid JSON (line 1, column 6"),
        ('{"a": 1}', "expected a JSON list"),
        ("[1]", "item 0: expected a tag or an object, found a number"),
        ('[{"created": 1}]', 'item 0: "tag" must be a non-empty string'),
        ('[{"tag": "a", "created": "yesterday"}]', "is not an ISO 8601 date"),
        ('[{"tag": "a", "created": true}]', "Unix seconds or an ISO 8601 date"),
        ('[{"tag": "a", "created": 1e300}]', "out of range"),
        ('[{"tag": "a", "digest": 5}]', '"digest" must be a string'),
        ('[{"tag": "a", "platforms": "linux/amd64"}]', '"platforms" must be a list'),
        ("[" * 100_000, "JSON"),
    ],
)
def test_bad_tags_json(text: str, message: str) -> None:
    with pytest.raises(ExplainError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_tags_text(text, "tags.json")


def test_tags_files(tmp_path: Path) -> None:
    good = tmp_path / "tags.txt"
    good.write_text("1.0.0\n1.1.0\n")
    assert [t.tag for t in read_tags_file(good)] == ["1.0.0", "1.1.0"]
    with pytest.raises(ExplainError, match="cannot read the tags file"):
        read_tags_file(tmp_path / "missing.txt")
    binary = tmp_path / "tags.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ExplainError, match="not UTF-8"):
        read_tags_file(binary)


def test_formats() -> None:
    target = target_from_options("api=registry.example.com/team/api:~1.4", running_tag="1.4.1")
    result = explain(target, tags("1.4.1", "1.4.2", "1.5.0"))
    document = json.loads(explain_json.render(result))
    assert document["selected"] == "1.4.2"
    assert document["error"] is None
    assert document["candidates"] == [
        {
            "tag": "1.4.1",
            "accepted": True,
            "reason": "eligible; older than the selected 1.4.2",
            "selected": False,
        },
        {
            "tag": "1.4.2",
            "accepted": True,
            "reason": "selected: highest version within `~1.4`",
            "selected": True,
        },
        {
            "tag": "1.5.0",
            "accepted": False,
            "reason": "outside the constraint `~1.4`",
            "selected": False,
        },
    ]
    assert document["update"] is True
    text = explain_text.render(result)
    assert text.splitlines()[:4] == [
        "image     registry.example.com/team/api (alias api)",
        "from      options",
        "settings  semver, constraint ~1.4, running 1.4.1 — Image Updater 1.3",
        "selected  1.4.2",
    ]
    assert "  selected  1.4.2  highest version within `~1.4`" in text
    assert "  rejected  1.5.0  outside the constraint `~1.4`" in text
    assert text.endswith("3 tags: 1 selected, 1 eligible, 1 rejected\n")
