"""image-list parsing exactly as Image Updater reads it (IMAGE-UPDATER.md §2.2), per version."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.updater.annotations import (
    Semantics,
    alias_problem,
    classify_key,
    key_alias,
    key_problem,
    parse_image_list,
    parse_updater_version,
    suggest_key,
    version_tuple,
)

DIGEST = "sha256:" + "a" * 64

# (value, version) → [(alias, registry, name, constraint, digest, strict)]
CASES = [
    ("nginx", "1.3", [(None, "", "nginx", None, None, True)]),
    ("nginx:1.25", "1.3", [(None, "", "nginx", "1.25", None, True)]),
    # A constraint is not a tag: the strict parser fails and the legacy splitter runs.
    ("nginx:~1.25", "1.3", [(None, "", "nginx", "~1.25", None, False)]),
    ("web=nginx:~1.25", "1.3", [("web", "", "nginx", "~1.25", None, False)]),
    ("web=nginx:1.x", "1.3", [("web", "", "nginx", "1.x", None, True)]),
    # `=` inside the constraint: split at the first `=`.
    ("nginx:>=1.2", "1.3", [("nginx:>", "", "1.2", None, None, True)]),
    ("nginx:>=1.2", "0.18", [("nginx:>", "", "1.2", None, None, True)]),
    (
        "api=ghcr.io/acme/api:>=1.2 <2",
        "1.3",
        [("api", "ghcr.io", "acme/api", ">=1.2 <2", None, False)],
    ),
    # The comma form of AND is two entries.
    (
        "api=ghcr.io/acme/api:>=1.2, <2",
        "1.3",
        [
            ("api", "ghcr.io", "acme/api", ">=1.2", None, False),
            (None, "", "<2", None, None, False),
        ],
    ),
    # Port-only registries are misread by the legacy splitter...
    ("localhost:5000/app:~1.2", "1.3", [(None, "", "localhost", "5000/app:~1.2", None, False)]),
    # ...but fine when the constraint is also a tag.
    ("localhost:5000/app:1.2", "1.3", [(None, "localhost:5000", "app", "1.2", None, True)]),
    # Docker Hub: an implicit docker.io is blanked, an explicit one kept; library/ stripped.
    ("docker.io/library/nginx:1.2", "1.3", [(None, "docker.io", "nginx", "1.2", None, True)]),
    ("library/nginx:1.2", "1.3", [(None, "", "library/nginx", "1.2", None, True)]),
    ("index.docker.io/nginx", "1.3", [(None, "", "nginx", None, None, True)]),
    ("bitnami/nginx:1.2", "1.3", [(None, "", "bitnami/nginx", "1.2", None, True)]),
    # Up to 1.3.0 a leading library/ is removed for every registry.
    ("quay.io/library/foo:1.0", "1.3", [(None, "quay.io", "foo", "1.0", None, True)]),
    ("quay.io/library/foo:1.0", "0.18", [(None, "quay.io", "foo", "1.0", None, True)]),
    (f"ghcr.io/acme/api@{DIGEST}", "1.3", [(None, "ghcr.io", "acme/api", None, DIGEST, True)]),
    (
        "ghcr.io/acme/api:~1.2@sha256:abc",
        "1.3",
        [(None, "ghcr.io", "acme/api", "~1.2", "sha256:abc", False)],
    ),
    (
        "ghcr.io/acme/api@sha256:abc",
        "1.3",
        [(None, "ghcr.io", "acme/api", None, "sha256:abc", False)],
    ),
    # v0.x keeps spaces around `=`; v1.x trims them.
    ("web = nginx", "0.18", [("web ", "", " nginx", None, None, False)]),
    ("web = nginx", "1.3", [("web", "", "nginx", None, None, True)]),
    # Registry from the part after the first `=` up to the next one (strings.Split).
    ("a=b=reg.io/x:~1", "1.3", [("a", "", "x", "~1", None, False)]),
    # Only a dotted first component is a registry for the legacy splitter.
    ("registry:5000/app:^1", "1.3", [(None, "", "registry", "5000/app:^1", None, False)]),
    ("my.registry/team/app:^1", "1.3", [(None, "my.registry", "team/app", "^1", None, False)]),
    # Entries are trimmed.
    (
        "  web=nginx:1.2 ,  api=ghcr.io/a/b:2.0 ",
        "1.3",
        [
            ("web", "", "nginx", "1.2", None, True),
            ("api", "ghcr.io", "a/b", "2.0", None, True),
        ],
    ),
]


@pytest.mark.parametrize(("value", "version", "expected"), CASES)
def test_entries_are_read_as_image_updater_reads_them(
    value: str, version: str, expected: list[tuple[object, ...]]
) -> None:
    entries = parse_image_list(value, version)
    assert [
        (e.alias, e.registry, e.name, e.constraint, e.digest, e.strict) for e in entries
    ] == expected


def test_offsets_point_at_each_entry() -> None:
    value = "api=registry.example.com/team/api:~1.4, nginx"
    entries = parse_image_list(value)
    assert [value[e.offset : e.offset + len(e.text)] for e in entries] == [
        "api=registry.example.com/team/api:~1.4",
        "nginx",
    ]


def test_empty_image_after_equals_is_an_error_in_v1_only() -> None:
    (v1,) = parse_image_list("web=", "1.3")
    assert v1.error == "empty image name after `=`"
    (v0,) = parse_image_list("web=", "0.18")
    assert (v0.error, v0.name) == (None, "")


def test_empty_entries_are_kept_for_v0_only_when_asked() -> None:
    assert len(parse_image_list("a,,b", "0.18", keep_empty=True)) == 3
    assert len(parse_image_list("a,,b", "0.18")) == 2
    assert len(parse_image_list("a,,b", "1.3", keep_empty=True)) == 2


def test_repository_reference_and_display() -> None:
    (entry,) = parse_image_list("api=ghcr.io/acme/api:~1.4")
    assert entry.repository_reference == "ghcr.io/acme/api"
    assert entry.display == "api=ghcr.io/acme/api:~1.4"


@given(st.text(max_size=80))
def test_any_value_parses_without_raising(value: str) -> None:
    for version in ("0.18", "1.3"):
        for entry in parse_image_list(value, version, keep_empty=True):
            assert value[entry.offset : entry.offset + len(entry.text)] == entry.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.3", (1, 3, 0)), ("0.18", (0, 18, 0)), ("1.1.1", (1, 1, 1)), ("v1.2", (1, 2, 0))],
)
def test_updater_versions(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_updater_version(text) == expected
    assert version_tuple(text) == expected


@pytest.mark.parametrize("text", ["2.0", "1.4", "0.19", "0.0", "latest", "", "1", "1.x"])
def test_unknown_updater_versions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Image Updater"):
        parse_updater_version(text)


def test_semantics_by_version() -> None:
    old, v10, v110, v111, v12, v13 = (
        Semantics.of(v) for v in ("0.18", "1.0", "1.1.0", "1.1.1", "1.2", "1.3")
    )
    assert old.reads_annotations
    assert not v10.reads_annotations
    assert v110.reads_annotations
    assert old.running_tag_must_be_semver
    assert v110.running_tag_must_be_semver
    assert not v111.running_tag_must_be_semver
    assert not v12.running_tag_must_be_semver
    assert v13.empty_constraint_is_star
    assert not v12.empty_constraint_is_star
    assert old.maps_alias_slash
    assert not v13.maps_alias_slash
    assert old.reads_tag_match
    assert not v10.reads_tag_match
    assert v12.pull_secret_is_error
    assert not v111.pull_secret_is_error
    assert v13.git_secret_short_form
    assert not v12.git_secret_short_form
    assert old.empty_write_back_method_is_error
    assert not v10.empty_write_back_method_is_error


@pytest.mark.parametrize(
    ("suffix", "alias", "option"),
    [
        ("image-list", None, "image-list"),
        ("update-strategy", None, "update-strategy"),
        ("api.update-strategy", "api", "update-strategy"),
        ("api.helm.image-name", "api", "helm.image-name"),
        ("my.app.kustomize.image-name", "my.app", "kustomize.image-name"),
        ("api.platforms", "api", "platforms"),
        ("platforms", None, None),
        ("api.update-stratgy", None, None),
        (".update-strategy", "", "update-strategy"),
    ],
)
def test_keys_split_into_alias_and_option(
    suffix: str, alias: str | None, option: str | None
) -> None:
    name = classify_key(suffix)
    assert (name.alias, name.option) == (alias, option)


@pytest.mark.parametrize(
    ("suffix", "suggestion"),
    [
        ("update-stratgy", "update-strategy"),
        ("Image-List", "image-list"),
        ("api.alow-tags", "api.allow-tags"),
        ("imagelist", "image-list"),
        ("write-back-methods", "write-back-method"),
        ("completely-different", None),
    ],
)
def test_did_you_mean(suffix: str, suggestion: str | None) -> None:
    assert suggest_key(suffix, ("api",)) == suggestion


def test_alias_spelling_and_limits() -> None:
    assert key_alias("team/api", Semantics.of("0.18")) == "team_api"
    assert key_alias("team/api", Semantics.of("1.3")) == "team/api"
    assert alias_problem("team/api", Semantics.of("0.18")) is None
    problem = alias_problem("team/api", Semantics.of("1.3"))
    assert problem is not None
    assert "verbatim" in problem
    assert alias_problem("a" * 47, Semantics.of("1.3")) is None
    too_long = alias_problem("a" * 48, Semantics.of("1.3"))
    assert too_long is not None
    assert "63-character" in too_long
    assert key_problem("a" * 64) is not None
    assert key_problem("api.update-strategy") is None
    assert key_problem("-api.update-strategy") is not None
