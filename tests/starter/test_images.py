"""Registries and tag patterns inferred from the images in use."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.imageref import parse_reference
from gitops_guard.model import ImageUse, Location, Source
from gitops_guard.patterns.re2 import search
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.rules.base import image_names
from gitops_guard.starter.images import registries, tag_pattern


def use(raw: str) -> ImageUse:
    return ImageUse(Location("a.yaml"), Source.CONTAINER, raw, parse_reference(raw))


def test_owner_prefixes_and_exact_repositories() -> None:
    seen = [
        "nginx:1.27",
        "registry.example.com/team:1",
        "registry.example.com/team/api:1",
        "k8s.gcr.io/redis:5",
        "10.42.0.1:30000/test-image:1.0.0",
        "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/adservice:v0.10.6",
    ]
    assert [(r.pattern, r.uses) for r in registries(use(s) for s in seen)] == [
        ("10.42.0.1:30000/test-image", 1),
        ("docker.io/library/*", 1),
        ("k8s.gcr.io/redis", 1),
        ("registry.example.com/team", 1),
        ("registry.example.com/team/*", 1),
        ("us-central1-docker.pkg.dev/online-boutique-ci/*", 1),
    ]


component = st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)?", fullmatch=True)
hosts = st.sampled_from(
    ["", "docker.io/", "ghcr.io/", "10.42.0.1:30000/", "localhost:5000/", "k8s.gcr.io/"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(hosts, st.lists(component, min_size=1, max_size=3)), min_size=1, max_size=6)
)
def test_every_image_seen_is_allowed_as_gg104_matches(images: list[tuple[str, list[str]]]) -> None:
    refs = [parse_reference(host + "/".join(path) + ":1.0.0") for host, path in images]
    allowed = [r.pattern for r in registries(use(str(r)) for r in refs)]
    for ref in refs:
        assert any(glob_matches(p, name) for p in allowed for name in image_names(ref)), (
            ref,
            allowed,
        )


def test_the_usual_three_parts_are_always_allowed_and_fewer_when_used() -> None:
    assert tag_pattern(["v1.2.3"]).pattern == r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"
    assert tag_pattern(["1.0", "2.0"]).pattern == r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.-]+)?$"
    assert tag_pattern(["3", "v5"]).pattern == r"^v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$"
    assert (
        tag_pattern(["1.2.3.4"]).pattern
        == r"^v?[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.-]+)?$"
    )


def test_suffixes_dates_and_commits() -> None:
    inferred = tag_pattern(
        ["1.2.3-alpine", "2024-01-15", "20240115.1", "1.0_rc1", "sha-3f2a9c1", "abcdef12"]
    )
    assert inferred.left_out == ()
    assert (
        inferred.pattern
        == r"^(v?[0-9]+(\.[0-9]+){0,2}([-_][0-9A-Za-z._-]+)?|(sha-)?[0-9a-f]{7,40})$"
    )


def test_tags_that_move_are_left_out() -> None:
    inferred = tag_pattern(["latest", "alpine", "main", "1.4.2", "stable-alpine"])
    assert inferred.left_out == ("alpine", "latest", "main", "stable-alpine")
    assert not search(inferred.pattern, "latest")
    assert not search(inferred.pattern, "alpine")


tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(tags, max_size=8))
def test_every_admitted_tag_matches_and_only_those_are_admitted(seen: list[str]) -> None:
    inferred = tag_pattern(seen)
    assert set(inferred.versions) | set(inferred.left_out) == set(seen)
    for tag in inferred.versions:
        assert search(inferred.pattern, tag), (tag, inferred.pattern)
    assert re.fullmatch(r"\^.*\$", inferred.pattern)
