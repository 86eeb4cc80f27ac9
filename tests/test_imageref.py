"""Specification of image reference parsing (distribution/reference v0.6.0 semantics).

Tables first (valid references, normalisation, familiar forms, limits, invalid input with
the reason we give), then property tests: generated references round-trip, familiar forms
re-parse to the same name unless Docker's short form is ambiguous, arbitrary text only
ever raises ``InvalidReference``, and near-valid text is accepted or refused exactly as an
independent composition of the upstream regular expressions decides.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference

HEX64 = "0123456789abcdef" * 4
SHA256 = "sha256:" + HEX64
SHA384 = "sha384:" + "0123456789abcdef" * 6
SHA512 = "sha512:" + "0123456789abcdef" * 8


def fields(ref: ImageRef) -> tuple[str, str, str | None, str | None]:
    return (ref.registry, ref.repository, ref.tag, ref.digest)


param = pytest.param


# --------------------------------------------------------------------------------------
# Valid references: (raw, registry, repository, tag, digest)

VALID = [
    # Docker Hub normalisation
    param("nginx", "docker.io", "library/nginx", None, None, id="bare-name"),
    param("nginx:1.25", "docker.io", "library/nginx", "1.25", None, id="bare-name-tag"),
    param("user/app", "docker.io", "user/app", None, None, id="user-repo"),
    param("user/team/app:v1", "docker.io", "user/team/app", "v1", None, id="nested-path"),
    param("docker.io/nginx", "docker.io", "library/nginx", None, None, id="docker-io-official"),
    param("docker.io/library/nginx", "docker.io", "library/nginx", None, None, id="docker-io-lib"),
    param("library/nginx", "docker.io", "library/nginx", None, None, id="library-written"),
    param("library/a/b", "docker.io", "library/a/b", None, None, id="library-nested"),
    param("index.docker.io/nginx", "docker.io", "library/nginx", None, None, id="index-folded"),
    param("index.docker.io/user/app", "docker.io", "user/app", None, None, id="index-user"),
    param("docker.io/user/app", "docker.io", "user/app", None, None, id="docker-io-user"),
    # only the exact strings are Docker Hub: a port or another case is another registry
    param("index.docker.io:443/x", "index.docker.io:443", "x", None, None, id="index-port-kept"),
    param("docker.io:443/nginx", "docker.io:443", "nginx", None, None, id="hub-port-not-hub"),
    param("Docker.io/nginx", "Docker.io", "nginx", None, None, id="hub-case-not-hub"),
    # domain detection: localhost, ".", ":" or an uppercase letter
    param("ghcr.io/org/app:1.0", "ghcr.io", "org/app", "1.0", None, id="ghcr"),
    param("localhost/app", "localhost", "app", None, None, id="localhost"),
    param("localhost:5000/app:dev", "localhost:5000", "app", "dev", None, id="localhost-port"),
    param("registry:5000/app", "registry:5000", "app", None, None, id="single-label-port"),
    param("Foo/bar", "Foo", "bar", None, None, id="uppercase-is-domain"),
    param("DOCKER/docker", "DOCKER", "docker", None, None, id="all-caps-domain"),
    param("test_com/foo", "docker.io", "test_com/foo", None, None, id="no-dot-not-domain"),
    param("team/app", "docker.io", "team/app", None, None, id="plain-namespace"),
    param("sub-dom1.foo.com/b/c", "sub-dom1.foo.com", "b/c", None, None, id="subdomain"),
    param("test-com:8080/foo", "test-com:8080", "foo", None, None, id="dash-label-port"),
    param("a--b.example/x", "a--b.example", "x", None, None, id="inner-dashes-label"),
    param("xn--n3h.com/img:xn--n3h.com", "xn--n3h.com", "img", "xn--n3h.com", None, id="puny"),
    param("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", None, None, id="ipv4-port"),
    param("192.168.1.1/repo:5050", "192.168.1.1", "repo", "5050", None, id="ipv4"),
    param("[::1]:5000/app", "[::1]:5000", "app", None, None, id="ipv6-port"),
    param("[2001:db8::1]/repo:tag", "[2001:db8::1]", "repo", "tag", None, id="ipv6"),
    param("[FC00::1]:5000/a/b", "[FC00::1]:5000", "a/b", None, None, id="ipv6-uppercase"),
    param("[2001:db8::]:5000/r", "[2001:db8::]:5000", "r", None, None, id="ipv6-trailing-colons"),
    # a name without "/" is always a Docker Hub image; ":" there starts the tag
    param("localhost", "docker.io", "library/localhost", None, None, id="bare-localhost"),
    param("localhost:5000", "docker.io", "library/localhost", "5000", None, id="port-is-tag"),
    param("192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", None, id="ipv4-bare"),
    param("example.com", "docker.io", "library/example.com", None, None, id="bare-domain"),
    # tag and digest
    param(f"busybox:latest@{SHA256}", "docker.io", "library/busybox", "latest", SHA256, id="both"),
    param(f"ghcr.io/o/a@{SHA256}", "ghcr.io", "o/a", None, SHA256, id="digest-only"),
    param(f"a@{SHA384}", "docker.io", "library/a", None, SHA384, id="sha384"),
    param(f"a:1@{SHA512}", "docker.io", "library/a", "1", SHA512, id="sha512"),
    param(f"[::1]:5000/app:1@{SHA256}", "[::1]:5000", "app", "1", SHA256, id="ipv6-tag-digest"),
    param(
        "lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", None, id="tag-case"
    ),
    param("app:_x", "docker.io", "library/app", "_x", None, id="tag-underscore-first"),
    param("app:1.0.0-rc.1_b", "docker.io", "library/app", "1.0.0-rc.1_b", None, id="tag-chars"),
    param("app:__", "docker.io", "library/app", "__", None, id="tag-underscores"),
    # path components and separators
    param("a.b/c", "a.b", "c", None, None, id="dot-first-is-domain"),
    param("x/a.b_c__d-e---f", "docker.io", "x/a.b_c__d-e---f", None, None, id="separators"),
    param("d/docker", "docker.io", "d/docker", None, None, id="single-char"),
    param("123/456", "docker.io", "123/456", None, None, id="digits"),
    param("docker---rules/docker", "docker.io", "docker---rules/docker", None, None, id="dashes"),
    param("dock__er/docker", "docker.io", "dock__er/docker", None, None, id="double-underscore"),
    # 64 hex characters are refused only as the whole input
    param(f"{HEX64}:tag", "docker.io", f"library/{HEX64}", "tag", None, id="hex64-with-tag"),
    param(f"docker.io/{HEX64}", "docker.io", f"library/{HEX64}", None, None, id="hex64-hub"),
    param(HEX64[:63], "docker.io", f"library/{HEX64[:63]}", None, None, id="hex63"),
    param(HEX64 + "a", "docker.io", f"library/{HEX64}a", None, None, id="hex65"),
    param("x" * 64, "docker.io", "library/" + "x" * 64, None, None, id="64-non-hex"),
    # quirk: a would-be registry that is not a host but is a path component -> empty registry
    param("my_registry.com/app:1", "", "my_registry.com/app", "1", None, id="empty-domain"),
    param("a__b.example/x/y", "", "a__b.example/x/y", None, None, id="empty-domain-nested"),
]


@pytest.mark.parametrize(("raw", "registry", "repository", "tag", "digest"), VALID)
def test_valid_references(
    raw: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_reference(raw)
    assert ref.raw == raw
    assert fields(ref) == (registry, repository, tag, digest)


# --------------------------------------------------------------------------------------
# Rendering: (raw, str(ref), ref.familiar(), ref.name, ref.familiar_name)

RENDERING = [
    param("nginx", "docker.io/library/nginx", "nginx", "docker.io/library/nginx", "nginx", id="o"),
    param(
        "index.docker.io/library/nginx:1",
        "docker.io/library/nginx:1",
        "nginx:1",
        "docker.io/library/nginx",
        "nginx",
        id="index-official",
    ),
    param(
        f"user/app@{SHA256}",
        f"docker.io/user/app@{SHA256}",
        f"user/app@{SHA256}",
        "docker.io/user/app",
        "user/app",
        id="user-digest",
    ),
    param(
        "docker.io/library/a/b:t",
        "docker.io/library/a/b:t",
        "library/a/b:t",
        "docker.io/library/a/b",
        "library/a/b",
        id="library-nested-kept",
    ),
    param(
        f"busybox:latest@{SHA256}",
        f"docker.io/library/busybox:latest@{SHA256}",
        f"busybox:latest@{SHA256}",
        "docker.io/library/busybox",
        "busybox",
        id="tag-and-digest",
    ),
    param(
        "ghcr.io/o/a:1", "ghcr.io/o/a:1", "ghcr.io/o/a:1", "ghcr.io/o/a", "ghcr.io/o/a", id="ghcr"
    ),
    param("Foo/bar", "Foo/bar", "Foo/bar", "Foo/bar", "Foo/bar", id="uppercase-domain"),
    param(
        "my_registry.com/app",
        "my_registry.com/app",
        "my_registry.com/app",
        "my_registry.com/app",
        "my_registry.com/app",
        id="empty-domain-name-is-path",
    ),
]


@pytest.mark.parametrize(("raw", "full", "short", "name", "familiar_name"), RENDERING)
def test_rendering(raw: str, full: str, short: str, name: str, familiar_name: str) -> None:
    ref = parse_reference(raw)
    assert str(ref) == full
    assert ref.familiar() == short
    assert ref.name == name
    assert ref.familiar_name == familiar_name


# Docker's short form is ambiguous for these Docker Hub paths: re-parsing the familiar form
# gives another repository (or fails), exactly as it does with Docker itself.
FAMILIAR_AMBIGUOUS = [
    param("docker.io/foo.com/bar", "foo.com/bar", "foo.com/bar", id="dotted-namespace"),
    param("docker.io/localhost/app", "localhost/app", "localhost/app", id="localhost-namespace"),
    param("docker.io/my_r.com/app", "my_r.com/app", "my_r.com/app", id="to-empty-domain"),
    param(f"docker.io/{HEX64}", HEX64, None, id="hex64-official-image"),
]


@pytest.mark.parametrize(("raw", "short", "reparsed_name"), FAMILIAR_AMBIGUOUS)
def test_familiar_form_ambiguity(raw: str, short: str, reparsed_name: str | None) -> None:
    ref = parse_reference(raw)
    assert ref.registry == "docker.io"
    assert ref.familiar() == short
    if reparsed_name is None:
        with pytest.raises(InvalidReference):
            parse_reference(short)
    else:
        assert parse_reference(short).name == reparsed_name != ref.name


# --------------------------------------------------------------------------------------
# Limits: the path (after normalisation) may have 255 characters, the tag 128.

LIMITS_VALID = [
    param("a" * 247, "library/" + "a" * 247, id="hub-official-247"),
    param("example.com/" + "a" * 255, "a" * 255, id="registry-path-255"),
    param("a/" * 127 + "a", "a/" * 127 + "a", id="hub-namespaced-255"),
    param("my_r.com/" + "a" * 246, "my_r.com/" + "a" * 246, id="empty-domain-counts-host"),
]


@pytest.mark.parametrize(("raw", "repository"), LIMITS_VALID)
def test_path_length_limit_valid(raw: str, repository: str) -> None:
    assert len(repository) == 255
    assert parse_reference(raw).repository == repository


LIMITS_INVALID = [
    param(
        "a" * 248,
        "repository path is longer than 255 characters (256, including the implicit 'library/')",
        id="hub-official-248",
    ),
    param(
        "example.com/" + "a" * 256,
        "repository path is longer than 255 characters (256)",
        id="registry-path-256",
    ),
    param(
        "a/" * 128 + "a:tag",
        "repository path is longer than 255 characters (257)",
        id="hub-namespaced-257",
    ),
    param(
        "my_r.com/" + "a" * 247,
        "repository path is longer than 255 characters (256)",
        id="empty-domain-256",
    ),
]


@pytest.mark.parametrize(("raw", "reason"), LIMITS_INVALID)
def test_path_length_limit_invalid(raw: str, reason: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(raw)
    assert info.value.reason == reason


def test_registry_length_does_not_count() -> None:
    host = ".".join(["a" * 60] * 10)
    assert parse_reference(f"{host}/{'b' * 255}").registry == host


def test_tag_length_limit() -> None:
    assert parse_reference("app:" + "t" * 128).tag == "t" * 128
    with pytest.raises(InvalidReference) as info:
        parse_reference("app:" + "t" * 129)
    assert info.value.reason == "tag is longer than 128 characters"


# --------------------------------------------------------------------------------------
# Invalid references: (raw, reason)

SEPARATOR_HINT = "(use one '.', one or two '_', or any number of '-')"
IPV6_HINT = "an IPv6 address may only contain hex digits and ':' (no zone or embedded IPv4)"

INVALID = [
    # surface
    param("", "reference is empty", id="empty"),
    param("nginx :1", "reference contains whitespace", id="inner-space"),
    param(" nginx", "reference contains whitespace", id="leading-space"),
    param("nginx\n", "reference contains whitespace", id="trailing-newline"),
    param("nginx\t:1", "reference contains whitespace", id="tab"),
    param(
        "https://ghcr.io/org/app",
        "a URL scheme (such as 'https://') is not part of an image reference",
        id="https-scheme",
    ),
    param(
        "docker://nginx",
        "a URL scheme (such as 'https://') is not part of an image reference",
        id="docker-scheme",
    ),
    param(
        HEX64,
        "a bare 64-character hex string is an image ID, not a repository name",
        id="image-id",
    ),
    # case
    param("docker/Docker", "repository name must be lowercase", id="upper-path"),
    param("Uppercase:tag", "repository name must be lowercase", id="upper-bare"),
    param("test:5000/Up/low:tag", "repository name must be lowercase", id="upper-after-registry"),
    param("docker.io/docker/Docker", "repository name must be lowercase", id="upper-hub"),
    param("FOO_X/bar", "repository name must be lowercase", id="upper-non-host"),
    param(HEX64.upper(), "repository name must be lowercase", id="upper-hex64"),
    param("my_r.com/App", "repository name must be lowercase", id="upper-empty-domain"),
    # repository path
    param(":justtag", "missing repository name", id="only-tag"),
    param(f"@{SHA256}", "missing repository name", id="only-digest"),
    param("ghcr.io/", "missing repository name", id="registry-only"),
    param("ghcr.io/:1", "missing repository name", id="registry-and-tag"),
    param(
        "docker/",
        "repository path has an empty component (leading, trailing or double '/')",
        id="trailing-slash",
    ),
    param(
        "docker///docker",
        "repository path has an empty component (leading, trailing or double '/')",
        id="triple-slash",
    ),
    param(
        "ghcr.io//app",
        "repository path has an empty component (leading, trailing or double '/')",
        id="double-slash",
    ),
    param(
        "-docker",
        "path component '-docker' must start with a lowercase letter or digit",
        id="leading-dash",
    ),
    param(
        "_docker/_docker",
        "path component '_docker' must start with a lowercase letter or digit",
        id="leading-underscore",
    ),
    param(
        "____/____",
        "path component '____' must start with a lowercase letter or digit",
        id="only-underscores",
    ),
    param(
        "docker-/docker",
        "path component 'docker-' must end with a lowercase letter or digit",
        id="trailing-dash",
    ),
    param(
        "x/app.",
        "path component 'app.' must end with a lowercase letter or digit",
        id="trailing-dot",
    ),
    param("x/dock..er", f"invalid separator '..' in 'dock..er' {SEPARATOR_HINT}", id="two-dots"),
    param("a___b", f"invalid separator '___' in 'a___b' {SEPARATOR_HINT}", id="three-underscores"),
    param("x/dock_.er", f"invalid separator '_.' in 'dock_.er' {SEPARATOR_HINT}", id="mixed-_."),
    param(
        "x/dock-.er", f"invalid separator '-.' in 'dock-.er' {SEPARATOR_HINT}", id="mixed-dash-dot"
    ),
    param("x/a_-b", f"invalid separator '_-' in 'a_-b' {SEPARATOR_HINT}", id="mixed-_-"),
    param("aa/asdf$$^/aa", "repository name contains invalid character '$'", id="dollar"),
    param("foo/bár", "repository name contains invalid character 'á'", id="non-ascii"),
    param("[2001:db8::1]", "repository name contains invalid character '['", id="bare-ipv6"),
    param("foo+bar", "repository name contains invalid character '+'", id="plus"),
    # tag
    param("app:", "empty tag after ':'", id="empty-tag"),
    param(f"app:@{SHA256}", "empty tag after ':'", id="empty-tag-before-digest"),
    param("app:-x", "tag '-x' must start with a letter, digit or '_'", id="tag-leading-dash"),
    param("app:.x", "tag '.x' must start with a letter, digit or '_'", id="tag-leading-dot"),
    param("app:1:2", "tag contains invalid character ':'", id="tag-colon"),
    param("app:1.0+build", "tag contains invalid character '+'", id="tag-plus"),
    param("ghcr.io/app:v1/x", "tag contains invalid character '/'", id="tag-slash"),
    param("app:" + "t" * 129, "tag is longer than 128 characters", id="tag-129"),
    # digest (grammar, then go-digest)
    param("app@", "empty digest after '@'", id="empty-digest"),
    param("app:1@", "empty digest after '@'", id="empty-digest-after-tag"),
    param(f"app@{SHA256}@x", "more than one '@'", id="two-ats"),
    param("nginx@latest", "invalid digest 'latest': expected <algorithm>:<hex>", id="at-tag"),
    param(f"app@:{HEX64}", "invalid digest: missing algorithm before ':'", id="no-algorithm"),
    param(
        "repo@sha256:" + "f" * 34,
        "invalid digest: sha256 needs 64 lowercase hex characters",
        id="sha256-short",
    ),
    param(
        "repo@sha256:" + "f" * 65,
        "invalid digest: sha256 needs 64 lowercase hex characters",
        id="sha256-long",
    ),
    param(
        "repo@sha256:" + HEX64.upper(),
        "invalid digest: sha256 needs 64 lowercase hex characters",
        id="sha256-uppercase-hex",
    ),
    param("repo@sha256:", "invalid digest: sha256 needs 64 lowercase hex characters", id="no-hex"),
    param(
        f"repo@sha512:{HEX64}",
        "invalid digest: sha512 needs 128 lowercase hex characters",
        id="sha512-with-64",
    ),
    param(
        f"repo@sha384:{HEX64}",
        "invalid digest: sha384 needs 96 lowercase hex characters",
        id="sha384-with-64",
    ),
    param(
        f"validname@invaliddigest:{HEX64}",
        "unsupported digest algorithm 'invaliddigest' (sha256, sha384 or sha512 expected)",
        id="unsupported",
    ),
    param(
        "app@md5:" + HEX64[:32],
        "unsupported digest algorithm 'md5' (sha256, sha384 or sha512 expected)",
        id="md5",
    ),
    param(
        f"app@sha256+b64:{HEX64}",
        "unsupported digest algorithm 'sha256+b64' (sha256, sha384 or sha512 expected)",
        id="multi-part-algorithm",
    ),
    param(
        f"app:1@SHA256:{HEX64}",
        "invalid digest algorithm 'SHA256': algorithm names are lowercase",
        id="uppercase-algorithm",
    ),
    param(f"app@1sha:{HEX64}", "invalid digest algorithm '1sha'", id="algorithm-digit-first"),
    param(f"app@sha-:{HEX64}", "invalid digest algorithm 'sha-'", id="algorithm-trailing-sep"),
    param(
        "app@md5:" + "z" * 32,
        "invalid digest: expected at least 32 hex characters after ':'",
        id="non-hex",
    ),
    param(
        "app@md5:" + "a" * 31,
        "invalid digest: expected at least 32 hex characters after ':'",
        id="hex-31",
    ),
    # registry
    param(
        "-docker.io/docker/docker",
        "registry '-docker.io': host label '-docker' must not start or end with '-'",
        id="label-leading-dash",
    ),
    param(
        "ghcr-.io/app",
        "registry 'ghcr-.io': host label 'ghcr-' must not start or end with '-'",
        id="label-trailing-dash",
    ),
    param(
        "dock..er/x",
        "registry 'dock..er': empty label in host name (leading, trailing or double '.')",
        id="host-double-dot",
    ),
    param(
        ".ghcr.io/app",
        "registry '.ghcr.io': empty label in host name (leading, trailing or double '.')",
        id="host-leading-dot",
    ),
    param(
        "my_registry.com:5000/app",
        "registry 'my_registry.com:5000': host name contains invalid character '_'",
        id="underscore-host-with-port",
    ),
    param(
        "dock_.er/docker",
        "registry 'dock_.er': host name contains invalid character '_'",
        id="underscore-dot-host",
    ),
    param("ghcr.io:/app", "registry 'ghcr.io:': empty port after ':'", id="empty-port"),
    param("ghcr.io:abc/app", "registry 'ghcr.io:abc': port 'abc' is not a number", id="port-name"),
    param("foo:1.0/bar", "registry 'foo:1.0': port '1.0' is not a number", id="tag-before-slash"),
    param(":5000/app", "registry ':5000': empty host name", id="port-only"),
    param(
        "fc00::1:5000/debian",
        "registry 'fc00::1:5000' has more than one ':' (IPv6 addresses need brackets: "
        "'[::1]:5000')",
        id="ipv6-without-brackets",
    ),
    param(
        "[fe80::1%eth0]:5000/debian",
        f"registry '[fe80::1%eth0]:5000': {IPV6_HINT}, found '%'",
        id="ipv6-zone",
    ),
    param(
        "[2001:db8:3:4::192.0.2.33]:5000/debian",
        f"registry '[2001:db8:3:4::192.0.2.33]:5000': {IPV6_HINT}, found '.'",
        id="ipv6-embedded-ipv4",
    ),
    param(
        "[::1/app",
        "registry '[::1': IPv6 address is missing its closing ']'",
        id="ipv6-unclosed",
    ),
    param("[]:5000/app", "registry '[]:5000': empty IPv6 address", id="ipv6-empty"),
    param(
        "[::1]x:5/app",
        "registry '[::1]x:5': unexpected 'x:5' after the IPv6 address",
        id="ipv6-junk",
    ),
    param("[::1]:/app", "registry '[::1]:': empty port after ':'", id="ipv6-empty-port"),
    param("[::1]:8o/app", "registry '[::1]:8o': port '8o' is not a number", id="ipv6-bad-port"),
    param(
        f"foo@sha256:{HEX64}/x",
        f"registry 'foo@sha256:{HEX64}': host name contains invalid character '@'",
        id="slash-after-digest",
    ),
]


@pytest.mark.parametrize(("raw", "reason"), INVALID)
def test_invalid_references(raw: str, reason: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(raw)
    assert info.value.raw == raw
    assert info.value.reason == reason


def test_invalid_reference_is_a_value_error_with_raw_and_reason() -> None:
    with pytest.raises(ValueError, match="must be lowercase") as info:
        parse_reference("docker/Docker")
    exc = info.value
    assert isinstance(exc, InvalidReference)
    assert str(exc) == "invalid image reference 'docker/Docker': repository name must be lowercase"
    clone = pickle.loads(pickle.dumps(exc))
    assert (clone.raw, clone.reason, str(clone)) == (exc.raw, exc.reason, str(exc))


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_reference(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# with_digest


def test_with_digest_adds_digest_and_rerenders_raw_in_familiar_form() -> None:
    ref = parse_reference("index.docker.io/library/nginx:1.25")
    pinned = ref.with_digest(SHA256)
    assert fields(pinned) == ("docker.io", "library/nginx", "1.25", SHA256)
    assert pinned.raw == f"nginx:1.25@{SHA256}"
    assert ref.digest is None  # the original is untouched


def test_with_digest_replaces_and_drops() -> None:
    ref = parse_reference(f"ghcr.io/o/a:1@{SHA256}")
    assert ref.with_digest(SHA512).raw == f"ghcr.io/o/a:1@{SHA512}"
    unpinned = ref.with_digest(None)
    assert fields(unpinned) == ("ghcr.io", "o/a", "1", None)
    assert unpinned.raw == "ghcr.io/o/a:1"


@pytest.mark.parametrize(
    ("digest", "reason"),
    [
        pytest.param("sha256:abc", "invalid digest: sha256 needs 64 lowercase hex characters"),
        pytest.param("latest", "invalid digest 'latest': expected <algorithm>:<hex>"),
        pytest.param("", "empty digest after '@'"),
    ],
    ids=["short", "no-colon", "empty"],
)
def test_with_digest_rejects_invalid_digest(digest: str, reason: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference("nginx").with_digest(digest)
    assert (info.value.raw, info.value.reason) == (digest, reason)


def test_image_ref_is_frozen_and_hashable() -> None:
    ref = parse_reference("nginx:1")
    with pytest.raises(AttributeError):
        ref.tag = "2"  # type: ignore[misc]
    assert len({ref, parse_reference("nginx:1")}) == 1


def test_import_is_light() -> None:
    code = (
        "import sys; before = set(sys.modules); import gitops_guard.imageref; "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("yaml", "re2", "jsonschema", "git", "click", "semver"):
        assert f"'{heavy}'" not in out


def test_pathological_input_is_fast() -> None:
    # linear-ish work even for long near-miss inputs (no catastrophic backtracking)
    for raw in ("a" * 100_000 + "!", "a-" * 50_000, "a." * 50_000 + "/x", "x:" + "t" * 100_000):
        with pytest.raises(InvalidReference):
            parse_reference(raw)


# --------------------------------------------------------------------------------------
# Property tests

labels = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
hostnames = st.lists(labels, min_size=1, max_size=3).map(".".join)
ipv6_hosts = st.from_regex(r"\[[0-9a-fA-F:]{1,16}\]", fullmatch=True)
hosts = st.one_of(
    hostnames,
    ipv6_hosts,
    st.sampled_from(["localhost", "docker.io", "index.docker.io", "ghcr.io"]),
)
ports = st.from_regex(r"[0-9]{1,5}", fullmatch=True)


def looks_like_domain(candidate: str) -> bool:
    """The upstream rule for taking the first path part as a registry."""
    return (
        candidate == "localhost"
        or "." in candidate
        or ":" in candidate
        or candidate.lower() != candidate
    )


domains = st.builds(
    lambda host, port: host if port is None else f"{host}:{port}", hosts, st.none() | ports
).filter(looks_like_domain)
components = st.from_regex(r"[a-z0-9]{1,4}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,4}){0,3}", fullmatch=True)
paths = st.lists(components, min_size=1, max_size=4).map("/".join)
tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,24}", fullmatch=True)
digests = st.sampled_from([("sha256", 64), ("sha384", 96), ("sha512", 128)]).flatmap(
    lambda spec: st.text("0123456789abcdef", min_size=spec[1], max_size=spec[1]).map(
        lambda hexdigits: f"{spec[0]}:{hexdigits}"
    )
)

Expected = tuple[str, str, str | None, str | None]


@st.composite
def references(draw: st.DrawFn) -> tuple[str, Expected]:
    """A valid reference written from the grammar, with the fields it must parse to."""
    domain = draw(st.none() | domains)
    path = draw(paths)
    tag = draw(st.none() | tags)
    digest = draw(st.none() | digests)
    if domain is None:
        # without a registry, a first part that looks like one would be taken as one
        first, slash, _ = path.partition("/")
        if slash and looks_like_domain(first):
            path = "x" + path.replace(".", "-")
        registry = "docker.io"
        raw_name = path
    else:
        registry = "docker.io" if domain == "index.docker.io" else domain
        raw_name = f"{domain}/{path}"
    repository = f"library/{path}" if registry == "docker.io" and "/" not in path else path
    raw = raw_name + (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest else "")
    return raw, (registry, repository, tag, digest)


@given(references())
def test_generated_references_parse_and_round_trip(case: tuple[str, Expected]) -> None:
    raw, expected = case
    ref = parse_reference(raw)
    assert fields(ref) == expected
    again = parse_reference(str(ref))
    assert fields(again) == expected
    assert str(again) == str(ref)


def familiar_is_ambiguous(ref: ImageRef) -> bool:
    """True when Docker's short form re-parses to another name (see FAMILIAR_AMBIGUOUS)."""
    if ref.registry != "docker.io":
        return False
    short = ref.familiar_name
    first, slash, _ = short.partition("/")
    if slash:
        return looks_like_domain(first)
    return (
        ref.tag is None and ref.digest is None and re.fullmatch("[0-9a-f]{64}", short) is not None
    )


@given(references())
def test_familiar_form_reparses_to_the_same_name(case: tuple[str, Expected]) -> None:
    ref = parse_reference(case[0])
    if familiar_is_ambiguous(ref):
        with contextlib.suppress(InvalidReference):
            assert parse_reference(ref.familiar()).name != ref.name
    else:
        assert fields(parse_reference(ref.familiar())) == fields(ref)


def outcome(text: str) -> ImageRef | InvalidReference:
    try:
        return parse_reference(text)
    except InvalidReference as exc:
        return exc


@given(st.text())
def test_arbitrary_text_only_raises_invalid_reference(text: str) -> None:
    result = outcome(text)  # anything but InvalidReference propagates and fails the test
    if isinstance(result, InvalidReference):
        assert result.raw == text
        assert result.reason
        assert "\n" not in result.reason
    else:
        assert fields(parse_reference(str(result))) == fields(result)


# An independent oracle: the upstream regular expressions composed as regexp.go composes
# them, driven the way normalize.go/reference.go drive them, with go-digest's checks.
_UP_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_UP_PATH = f"{_UP_COMPONENT}(?:/{_UP_COMPONENT})*"
_UP_LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_UP_DOMAIN = rf"(?:{_UP_LABEL}(?:\.{_UP_LABEL})*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?"
_UP_TAG = r"[\w][\w.-]{0,127}"
_UP_DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_UP_REFERENCE = re.compile(
    f"((?:{_UP_DOMAIN}/)?{_UP_PATH})(?::({_UP_TAG}))?(?:@({_UP_DIGEST}))?", re.ASCII
)
_UP_NAME = re.compile(f"(?:({_UP_DOMAIN})/)?({_UP_PATH})", re.ASCII)
_GO_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}


def upstream(s: str) -> Expected | None:
    """Fields ParseNormalizedNamed would return for ``s``, or None if it errors."""
    if re.fullmatch("[a-f0-9]{64}", s):
        return None
    first, slash, rest = s.partition("/")
    if not slash:
        domain, remainder = "docker.io", "library/" + s
    else:
        if first == "index.docker.io":
            domain, remainder = "docker.io", rest
        elif looks_like_domain(first):
            domain, remainder = first, rest
        else:
            domain, remainder = "docker.io", s
        if domain == "docker.io" and "/" not in remainder:
            remainder = "library/" + remainder
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return None
    match = _UP_REFERENCE.fullmatch(f"{domain}/{remainder}")
    if match is None:
        return None
    name_match = _UP_NAME.fullmatch(match.group(1))
    assert name_match is not None
    path = name_match.group(2)
    if len(path) > 255:
        return None
    digest = match.group(3)
    if digest is not None:
        algorithm, _, encoded = digest.partition(":")
        size = _GO_DIGEST_HEX.get(algorithm)
        if size is None or not re.fullmatch(f"[a-f0-9]{{{size}}}", encoded):
            return None
    return (name_match.group(1) or "", path, match.group(2), digest)


NEAR_MISS_CHARS = "aZ09:/._-@[]%_ +sha"


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """A valid reference with a few characters inserted, deleted or replaced."""
    raw, _ = draw(references())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from(NEAR_MISS_CHARS))
        if op == "insert":
            raw = raw[:at] + char + raw[at:]
        elif op == "delete":
            raw = raw[:at] + raw[at + 1 :]
        else:
            raw = raw[:at] + char + raw[at + 1 :]
    return raw


def ours(s: str) -> Expected | None:
    try:
        return fields(parse_reference(s))
    except InvalidReference:
        return None


@given(st.one_of(near_misses(), st.text(NEAR_MISS_CHARS, max_size=24)))
def test_agrees_with_upstream_regexp_composition(text: str) -> None:
    assert ours(text) == upstream(text)


@pytest.mark.parametrize(
    "raw",
    [param(case.values[0], id=case.id) for case in VALID + INVALID + LIMITS_VALID + LIMITS_INVALID],
)
def test_tables_agree_with_upstream_regexp_composition(raw: str) -> None:
    assert ours(raw) == upstream(raw)
