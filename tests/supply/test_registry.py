"""The registry client: auth, retries, credentials, digests — mocked HTTP and the real registry."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gitops_guard.supply.credentials import (
    Credentials,
    DockerCredentials,
)
from gitops_guard.supply.registry import (
    MANIFEST_TYPES,
    ClientSettings,
    DigestMismatch,
    RegistryClient,
    RegistryError,
    parse_challenge,
    parse_rate_limit,
    retry_after_seconds,
    select_platform,
    sha256_digest,
)
from tests.supply.helpers import LocalRegistry, Pusher, attach_bundle

MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'
DIGEST = sha256_digest(MANIFEST)


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    credentials: DockerCredentials | None = None,
    sleep: Callable[[float], None] | None = None,
    **settings: object,
) -> RegistryClient:
    return RegistryClient(
        ClientSettings(**settings),  # type: ignore[arg-type]
        credentials=credentials or DockerCredentials(user_config=False),
        transport=httpx.MockTransport(handler),
        sleep=sleep or (lambda s: None),
    )


def test_challenge_survives_commas_in_scope() -> None:
    header = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/api:pull,push"'
    scheme, params = parse_challenge(header)
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.example.com/token",
        "service": "registry.example.com",
        "scope": "repository:team/api:pull,push",
    }
    assert parse_challenge('Basic realm="Registry Realm"') == ("basic", {"realm": "Registry Realm"})
    assert parse_challenge('Bearer realm="a\\"b", error=insufficient_scope')[1] == {
        "realm": 'a"b',
        "error": "insufficient_scope",
    }


def test_retry_after_and_rate_limit_headers() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None
    limit = parse_rate_limit(
        "docker.io",
        httpx.Headers({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "7;w=21600"}),
    )
    assert limit is not None
    assert (limit.limit, limit.remaining, limit.window) == (100, 7, 21600)
    assert limit.low
    assert parse_rate_limit("x", httpx.Headers({})) is None


def test_head_sends_all_four_manifest_types_and_bearer_token_per_scope() -> None:
    seen: list[tuple[str, str, str | None]] = []
    tokens = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal tokens
        if request.url.host == "auth.example.com":
            tokens += 1
            scope = request.url.params["scope"]
            assert request.url.params["service"] == "registry.example.com"
            return httpx.Response(200, json={"token": f"secret-token-{scope}"})
        seen.append((request.method, request.url.path, request.headers.get("authorization")))
        assert all(t in request.headers["accept"] for t in MANIFEST_TYPES)
        name = request.url.path.split("/manifests/")[0][len("/v2/") :]
        if (
            request.headers.get("authorization")
            != f"Bearer secret-token-repository:{name}:pull,push"
        ):
            return httpx.Response(
                401,
                headers={
                    "www-authenticate": f'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:{name}:pull,push"'
                },
            )
        return httpx.Response(
            200,
            headers={"docker-content-digest": DIGEST, "content-type": MANIFEST_TYPES[1]},
        )

    client = client_for(handler)
    for _ in range(3):
        assert client.head_manifest("registry.example.com", "team/api", "1.0.0") is not None
        client.head_manifest("registry.example.com", "team/api", "1.0.1")
    client.head_manifest("registry.example.com", "team/web", "1.0.0")
    assert tokens == 2  # one per repository scope, reused
    assert seen[0][2] is None  # anonymous first, then the challenge
    assert [s[0] for s in seen].count("HEAD") == 5  # 3 distinct images + 2 challenges
    assert seen[0][1] == "/v2/team/api/manifests/1.0.0"


def test_credentials_from_docker_config(tmp_path: Path) -> None:
    config = tmp_path / "docker"
    config.mkdir()
    (config / "config.json").write_text(
        json.dumps(
            {
                "auths": {
                    "https://index.docker.io/v1/": {
                        "auth": base64.b64encode(b"hub:hubpass").decode()
                    },
                    "registry.example.com": {"auth": base64.b64encode(b"me:s3cret").decode()},
                }
            }
        )
    )
    store = DockerCredentials(environ={"DOCKER_CONFIG": str(config)})
    assert store.get("docker.io") == Credentials("hub", "hubpass")
    assert store.get("registry.example.com") == Credentials("me", "s3cret")
    assert store.get("ghcr.io") is None
    assert "s3cret" not in repr(store.get("registry.example.com"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.example.com":
            assert (
                request.headers["authorization"]
                == "Basic " + base64.b64encode(b"me:s3cret").decode()
            )
            return httpx.Response(200, json={"access_token": "tok"})
        if request.headers.get("authorization") == "Bearer tok":
            return httpx.Response(
                200, headers={"docker-content-digest": DIGEST, "content-type": MANIFEST_TYPES[1]}
            )
        return httpx.Response(
            401,
            headers={"www-authenticate": 'Bearer realm="https://auth.example.com/t",service="r"'},
        )

    client = client_for(handler, credentials=store)
    assert client.head_manifest("registry.example.com", "team/api", "1") is not None


def _helper(folder: Path, name: str, log: Path) -> None:
    script = folder / f"docker-credential-{name}"
    script.write_text(
        "#!/bin/sh\n"
        f'read server; echo "$server" >> {log}\n'
        'echo \'{"ServerURL": "x", "Username": "robot", "Secret": "helper-secret"}\'\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_credential_helpers_only_from_the_users_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "helper.log"
    _helper(bin_dir, "good", log)
    _helper(bin_dir, "evil", log)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    user = tmp_path / "user"
    user.mkdir()
    (user / "config.json").write_text(json.dumps({"credHelpers": {"registry.example.com": "good"}}))
    # The repository's policy points at a config that names a helper: never run.
    repo_config = tmp_path / "repo-docker.json"
    repo_config.write_text(json.dumps({"credsStore": "evil", "credHelpers": {"ghcr.io": "evil"}}))
    store = DockerCredentials(repo_config, environ={"DOCKER_CONFIG": str(user)})
    assert store.get("registry.example.com") == Credentials("robot", "helper-secret")
    assert store.get("ghcr.io") is None
    assert store.get("quay.io") is None
    assert log.read_text().split() == ["registry.example.com"]


def test_credential_helper_inside_the_repository_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    log = tmp_path / "helper.log"
    _helper(repo / "tools", "good", log)
    monkeypatch.setenv("PATH", f"{repo / 'tools'}{os.pathsep}{os.environ['PATH']}")
    user = tmp_path / "user"
    user.mkdir()
    (user / "config.json").write_text(json.dumps({"credsStore": "good"}))
    store = DockerCredentials(environ={"DOCKER_CONFIG": str(user)}, forbidden_root=repo)
    assert store.get("registry.example.com") is None
    assert not log.exists()
    assert "inside the repository" in store.problems[0]


def test_token_never_in_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.example.com":
            return httpx.Response(200, json={"token": "very-secret-token"})
        return httpx.Response(
            401 if "authorization" not in request.headers else 403,
            headers={"www-authenticate": 'Bearer realm="https://auth.example.com/t"'},
        )

    client = client_for(handler)
    with pytest.raises(RegistryError) as caught:
        client.head_manifest("registry.example.com", "team/api", "1")
    assert "very-secret-token" not in str(caught.value)
    assert "denied (403)" in str(caught.value)


def test_plain_http_only_for_insecure_hosts() -> None:
    client = client_for(lambda r: httpx.Response(404), insecure=("127.0.0.1:*", "*.local"))
    assert client.base_url("127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert client.base_url("registry.local") == "http://registry.local"
    assert client.base_url("registry.example.com") == "https://registry.example.com"
    assert client.base_url("docker.io") == "https://registry-1.docker.io"


def test_retries_429_and_5xx_with_retry_after() -> None:
    answers = [
        httpx.Response(429, headers={"retry-after": "2"}),
        httpx.Response(503),
        httpx.Response(
            200, headers={"docker-content-digest": DIGEST, "content-type": MANIFEST_TYPES[1]}
        ),
    ]
    waits: list[float] = []
    client = client_for(lambda r: answers.pop(0), sleep=waits.append)
    assert client.head_manifest("r.example.com", "a", "1") is not None
    assert waits == [2.0, 1.0]  # Retry-After, then exponential backoff (0.5 * 2**1)


def test_gives_up_when_retries_are_spent() -> None:
    client = client_for(lambda r: httpx.Response(429), retries=2)
    with pytest.raises(RegistryError) as caught:
        client.head_manifest("r.example.com", "a", "1")
    assert caught.value.rate_limited
    assert "after 3 tries" in str(caught.value)


def test_body_must_match_its_digest() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=MANIFEST + b" ",
            headers={"docker-content-digest": DIGEST, "content-type": MANIFEST_TYPES[1]},
        )

    client = client_for(handler)
    with pytest.raises(DigestMismatch):
        client.get_manifest("r.example.com", "a", "1")
    with pytest.raises(DigestMismatch):
        client.get_manifest("r.example.com", "a", DIGEST)


def test_referrers_api_first() -> None:
    index = {
        "schemaVersion": 2,
        "manifests": [{"digest": "sha256:" + "a" * 64, "artifactType": "x"}],
    }
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(
            200, json=index, headers={"content-type": "application/vnd.oci.image.index.v1+json"}
        )

    client = client_for(handler)
    assert client.referrers("r.example.com", "a", DIGEST)[0]["artifactType"] == "x"
    assert paths == [f"/v2/a/referrers/{DIGEST}"]


def test_platform_selection() -> None:
    index = {
        "manifests": [
            {
                "digest": "sha256:arm",
                "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
            },
            {"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}},
            {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}},
        ]
    }
    assert select_platform(index, "linux/amd64").digest == "sha256:amd"  # type: ignore[union-attr]
    assert select_platform(index, "linux/arm64").digest == "sha256:arm"  # type: ignore[union-attr]
    assert select_platform(index, "linux/arm64/v8").digest == "sha256:arm"  # type: ignore[union-attr]
    assert select_platform(index, "windows/amd64") is None


# --- against the real registry ------------------------------------------------------------------


def test_real_registry_head_get_tags_index(registry: LocalRegistry, pusher: Pusher) -> None:
    amd = pusher.image("client/multi", None, "amd64", architecture="amd64")
    arm = pusher.image("client/multi", None, "arm64", architecture="arm64")
    index = pusher.index("client/multi", "1.0.0", [(amd, "linux/amd64"), (arm, "linux/arm64")])
    pusher.image("client/multi", "1.0.1", "single")
    client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",)))
    head = client.head_manifest(registry.host, "client/multi", "1.0.0")
    assert head is not None
    assert head.digest == index.digest
    assert head.is_index
    manifest = client.get_manifest(registry.host, "client/multi", index.digest)
    assert manifest is not None
    assert manifest.body == index.body
    assert select_platform(manifest.data, "linux/arm64").digest == arm.digest  # type: ignore[union-attr]
    assert sorted(client.list_tags(registry.host, "client/multi")) == ["1.0.0", "1.0.1"]
    assert client.head_manifest(registry.host, "client/multi", "9.9.9") is None
    assert client.head_manifest(registry.host, "client/nothing", "1") is None
    assert client.list_tags(registry.host, "client/nothing") == []
    assert client.stats["HEAD"] == 3
    assert client.stats["GET"] == 3
    client.close()


def test_real_registry_referrers_fallback_tag(registry: LocalRegistry, pusher: Pusher) -> None:
    image = pusher.image("client/referred", "1.0.0", "referred")
    referrer = attach_bundle(
        pusher, "client/referred", image, b'{"mediaType": "x"}', "https://example.com/p"
    )
    client = RegistryClient(ClientSettings(insecure=("127.0.0.1:*",)))
    found = client.referrers(registry.host, "client/referred", image.digest)
    assert [d["digest"] for d in found] == [referrer.digest]
    assert client.referrers(registry.host, "client/referred", "sha256:" + "9" * 64) == []
    client.close()


def test_a_manifest_got_by_tag_is_not_fetched_again_by_its_digest() -> None:
    # A registry whose HEAD answers without a digest: the tag is read with a GET, and
    # that same manifest answers the GET by digest that fetch_manifest makes next.
    requests: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append((request.method, request.url.path))
        if request.url.path.endswith(("/manifests/1.0.0", f"/manifests/{DIGEST}")):
            if request.method == "HEAD":
                return httpx.Response(200)
            return httpx.Response(
                200,
                content=MANIFEST,
                headers={"content-type": "application/vnd.oci.image.manifest.v1+json"},
            )
        return httpx.Response(404)

    manifest = client_for(handler).fetch_manifest("registry.example.com", "team/api", "1.0.0")
    assert manifest is not None
    assert manifest.descriptor.digest == DIGEST
    assert requests == [
        ("HEAD", "/v2/team/api/manifests/1.0.0"),
        ("GET", "/v2/team/api/manifests/1.0.0"),
    ]
