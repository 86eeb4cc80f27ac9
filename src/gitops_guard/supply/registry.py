"""A small OCI distribution client on httpx: what the supply-chain gates need, no more.

HEAD before GET (HEAD is cheaper and does not count as a pull on Docker Hub), the four
manifest media types in ``Accept`` (distribution answers 404 for a stored type that is
not accepted), every fetched body checked against its digest, anonymous and Bearer-token
auth with tokens cached per scope, retries on 429/5xx honouring ``Retry-After`` within a
total wait budget, and the rate-limit headers kept so the gates can warn when quota runs
low. One resolution per image per run: results are cached, and concurrent callers of
the same resolution wait for the first instead of asking again.

Credentials come from Docker's ``config.json`` (``auths``) and from the credential
helpers the *user's* Docker configuration names. Nothing the repository names is ever
run; a config file the policy points at contributes its static ``auths`` only. Tokens
and passwords never appear in messages, reprs or logs.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.model import RegistryPolicy
from gitops_guard.supply.credentials import DockerCredentials, _registry_host

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)
INDEX_TYPES = frozenset((OCI_INDEX, DOCKER_LIST))
_ACCEPT = ", ".join(MANIFEST_TYPES)

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_WAIT = 30.0  # seconds a run may spend waiting on 429/5xx, over all requests
DEFAULT_RETRIES = 4
DEFAULT_PLATFORM = "linux/amd64"
MAX_RETRY_AFTER = 60.0
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the OCI spec's suggested manifest limit
MAX_BLOB_BYTES = 32 * 1024 * 1024  # signature, attestation and config blobs are small
_RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# auth-param = token BWS "=" BWS ( token / quoted-string ); a naive split on "," breaks
# scope="repository:x:pull,push".
_CHALLENGE_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]+)')

T = TypeVar("T")


class RegistryError(Exception):
    """The registry could not be asked: unreachable, timing out, rate-limited or refusing.

    ``rate_limited`` tells a quota problem from an outage. The message never contains a
    credential or token.
    """

    def __init__(self, registry: str, message: str, *, rate_limited: bool = False) -> None:
        super().__init__(f"{registry}: {message}")
        self.registry = registry
        self.reason = message
        self.rate_limited = rate_limited


class DigestMismatch(RegistryError):
    """The registry served a body whose sha256 is not the digest it claims (or we asked)."""


@dataclass(frozen=True, slots=True)
class Descriptor:
    """What a manifest request says about its target: digest, media type and size."""

    digest: str
    media_type: str
    size: int | None = None

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


@dataclass(frozen=True, slots=True)
class Manifest:
    """A fetched manifest: its descriptor, the exact bytes (verified) and the parsed JSON."""

    descriptor: Descriptor
    body: bytes
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Rate-limit headers as the registry last sent them (Docker Hub: ``ratelimit-*``)."""

    registry: str
    limit: int | None
    remaining: int | None
    window: int | None = None
    source: str | None = None

    @property
    def low(self) -> bool:
        """Fewer than 10% of the window's requests left (or fewer than 10 when unknown)."""
        if self.remaining is None:
            return False
        if self.limit:
            return self.remaining < max(1, self.limit // 10)
        return self.remaining < 10


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How the client talks to registries; built from ``supply_chain.registry``."""

    insecure: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    max_wait: float = DEFAULT_MAX_WAIT
    retries: int = DEFAULT_RETRIES
    platform: str = DEFAULT_PLATFORM
    docker_config: Path | None = None  # the policy's `config`: static `auths` only
    user_config: bool = True  # read $DOCKER_CONFIG / ~/.docker/config.json (helpers allowed)
    forbidden_helper_root: Path | None = None  # never run a helper binary from inside here


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…",scope="repository:x:pull,push"`` → scheme, params.

    Quoted strings may contain commas and escaped quotes; parameter names are lower-cased.
    """
    header = header.strip()
    scheme, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    for match in _CHALLENGE_PARAM.finditer(rest):
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params.setdefault(match.group(1).lower(), value)
    return scheme.lower(), params


def parse_rate_limit(registry: str, headers: httpx.Headers) -> RateLimit | None:
    """The rate-limit state from ``ratelimit-limit: 100;w=21600`` style headers, if any."""

    def first(*names: str) -> tuple[int | None, int | None]:
        for name in names:
            value = headers.get(name)
            if value is None:
                continue
            count, _, params = value.partition(";")
            window = None
            match = re.search(r"w=([0-9]+)", params)
            if match:
                window = int(match.group(1))
            try:
                return int(count.strip().split(",")[0]), window
            except ValueError:
                continue
        return None, None

    limit, window = first("ratelimit-limit", "x-ratelimit-limit")
    remaining, remaining_window = first("ratelimit-remaining", "x-ratelimit-remaining")
    if limit is None and remaining is None:
        return None
    return RateLimit(
        registry,
        limit,
        remaining,
        window or remaining_window,
        headers.get("docker-ratelimit-source"),
    )


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def verify_digest(data: bytes, digest: str) -> bool:
    """Whether ``data`` hashes to ``digest`` (sha256, sha384 or sha512)."""
    algorithm, _, expected = digest.partition(":")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    return hashlib.new(algorithm, data).hexdigest() == expected


@dataclass
class _Token:
    value: str = field(repr=False)
    expires: float


class RegistryClient:
    """Reads manifests, blobs, tags and referrers from OCI registries.

    Thread-safe: the gates resolve distinct images concurrently. ``stats`` counts the
    requests sent (``HEAD``, ``GET``, ``token``) and ``rate_limits`` holds the last
    rate-limit state seen per registry.
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        credentials: DockerCredentials | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or ClientSettings()
        self.credentials = credentials or DockerCredentials(
            self.settings.docker_config,
            user_config=self.settings.user_config,
            forbidden_root=self.settings.forbidden_helper_root,
        )
        self._http = httpx.Client(
            timeout=httpx.Timeout(self.settings.timeout),
            transport=transport,
            follow_redirects=True,  # blobs are often served from a storage redirect
            headers={"User-Agent": "gitops-guard"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._token_for_scope: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._basic: set[str] = set()
        self._token_locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._futures: dict[tuple[Any, ...], Future[Any]] = {}
        self._down: dict[str, RegistryError] = {}
        self._waited = 0.0
        self.stats: Counter[str] = Counter()
        self.rate_limits: dict[str, RateLimit] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- caching -------------------------------------------------------------------------

    def _once(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Compute once per key for the run; concurrent callers wait for the first."""
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._futures[key] = future
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter, re-raised there
                future.set_exception(exc)
        result: T = future.result()
        return result

    def _seed(self, key: tuple[Any, ...], value: object) -> None:
        with self._lock:
            if key not in self._futures:
                future: Future[Any] = Future()
                future.set_result(value)
                self._futures[key] = future

    # --- public API ----------------------------------------------------------------------

    def head_manifest(self, registry: str, repository: str, reference: str) -> Descriptor | None:
        """The descriptor a tag or digest resolves to (HEAD), or None when it does not exist.

        Cached for the run. When the registry's HEAD carries no digest, falls back to a GET
        and hashes the body.
        """
        descriptor = self._once(
            ("head", registry, repository, reference),
            lambda: self._head_manifest(registry, repository, reference),
        )
        if descriptor is not None and descriptor.digest != reference:
            # What a tag resolves to is also known by digest: no second HEAD for it.
            self._seed(("head", registry, repository, descriptor.digest), descriptor)
        return descriptor

    def _head_manifest(self, registry: str, repository: str, reference: str) -> Descriptor | None:
        response = self._request(
            "HEAD",
            registry,
            repository,
            f"/v2/{repository}/manifests/{reference}",
            {"Accept": _ACCEPT},
        )
        if response.status_code == 404:
            return None
        self._expect_ok(response, registry, f"manifest {repository}:{reference}")
        digest = response.headers.get("docker-content-digest")
        media_type = _media_type(response.headers.get("content-type"))
        if not digest or not media_type:
            manifest = self.get_manifest(registry, repository, reference)
            return manifest.descriptor if manifest is not None else None
        if reference.startswith("sha256:") and digest != reference:
            raise DigestMismatch(
                registry, f"asked for {repository}@{reference}, the registry answered {digest}"
            )
        size = response.headers.get("content-length")
        return Descriptor(digest, media_type, int(size) if size and size.isdigit() else None)

    def get_manifest(self, registry: str, repository: str, reference: str) -> Manifest | None:
        """The manifest (GET), its bytes checked against the digest; None when absent."""
        manifest = self._once(
            ("get", registry, repository, reference),
            lambda: self._get_manifest(registry, repository, reference),
        )
        if manifest is not None and manifest.descriptor.digest != reference:
            # Got by tag: it is also the manifest of its digest, which callers ask for next.
            self._seed(("get", registry, repository, manifest.descriptor.digest), manifest)
        return manifest

    def _get_manifest(self, registry: str, repository: str, reference: str) -> Manifest | None:
        response = self._request(
            "GET",
            registry,
            repository,
            f"/v2/{repository}/manifests/{reference}",
            {"Accept": _ACCEPT},
        )
        if response.status_code == 404:
            return None
        self._expect_ok(response, registry, f"manifest {repository}:{reference}")
        body = response.content
        if len(body) > MAX_MANIFEST_BYTES:
            raise RegistryError(registry, f"manifest {repository}:{reference} is too large")
        actual = sha256_digest(body)
        claimed = response.headers.get("docker-content-digest")
        if ":" in reference and not verify_digest(body, reference):
            raise DigestMismatch(
                registry, f"manifest {repository}@{reference}: the body does not match the digest"
            )
        if claimed and claimed.startswith("sha256:") and claimed != actual:
            raise DigestMismatch(
                registry,
                f"manifest {repository}:{reference}: the body hashes to {actual}, "
                f"the registry says {claimed}",
            )
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistryError(
                registry, f"manifest {repository}:{reference} is not valid JSON"
            ) from None
        if not isinstance(data, dict):
            raise RegistryError(registry, f"manifest {repository}:{reference} is not an object")
        media_type = (
            _media_type(response.headers.get("content-type"))
            or str(data.get("mediaType") or "")
            or OCI_MANIFEST
        )
        digest = reference if ":" in reference else actual
        return Manifest(Descriptor(digest, media_type, len(body)), body, data)

    def fetch_manifest(self, registry: str, repository: str, reference: str) -> Manifest | None:
        """HEAD first, then GET by digest only when it exists (saves a pull on a miss)."""
        descriptor = self.head_manifest(registry, repository, reference)
        if descriptor is None:
            return None
        return self.get_manifest(registry, repository, descriptor.digest)

    def get_blob(
        self, registry: str, repository: str, digest: str, max_bytes: int = MAX_BLOB_BYTES
    ) -> bytes:
        """A blob, checked against its digest. Missing blobs raise RegistryError."""
        return self._once(
            ("blob", registry, repository, digest),
            lambda: self._get_blob(registry, repository, digest, max_bytes),
        )

    def _get_blob(self, registry: str, repository: str, digest: str, max_bytes: int) -> bytes:
        response = self._request(
            "GET", registry, repository, f"/v2/{repository}/blobs/{digest}", {}
        )
        self._expect_ok(response, registry, f"blob {repository}@{digest}")
        body = response.content
        if len(body) > max_bytes:
            raise RegistryError(registry, f"blob {repository}@{digest} is larger than expected")
        if not verify_digest(body, digest):
            raise DigestMismatch(registry, f"blob {repository}@{digest} does not match its digest")
        return body

    def list_tags(self, registry: str, repository: str) -> list[str]:
        """Every tag of a repository, following ``Link: <…>; rel="next"`` pages."""
        return self._once(
            ("tags", registry, repository), lambda: self._list_tags(registry, repository)
        )

    def _list_tags(self, registry: str, repository: str) -> list[str]:
        tags: list[str] = []
        path: str | None = f"/v2/{repository}/tags/list"
        pages = 0
        while path is not None and pages < 1000:
            pages += 1
            response = self._request("GET", registry, repository, path, {})
            if response.status_code == 404:
                return []
            self._expect_ok(response, registry, f"tags of {repository}")
            try:
                data = response.json()
            except ValueError:
                raise RegistryError(registry, f"tags of {repository}: not JSON") from None
            tags.extend(str(t) for t in (data.get("tags") or ()) if isinstance(t, str))
            path = _next_link(response.headers.get("link"))
        return tags

    def referrers(self, registry: str, repository: str, digest: str) -> list[Mapping[str, Any]]:
        """Descriptors of the artifacts that name ``digest`` as their subject.

        The referrers API first; when the registry has none (distribution 2.8 answers
        404), the fallback tag ``sha256-<hex>`` that holds an index of referrers.
        """
        return self._once(
            ("referrers", registry, repository, digest),
            lambda: self._referrers(registry, repository, digest),
        )

    def _referrers(self, registry: str, repository: str, digest: str) -> list[Mapping[str, Any]]:
        response = self._request(
            "GET",
            registry,
            repository,
            f"/v2/{repository}/referrers/{digest}",
            {"Accept": OCI_INDEX},
        )
        if response.status_code == 200 and _media_type(response.headers.get("content-type")) in (
            OCI_INDEX,
            "application/json",
        ):
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict):
                return [m for m in data.get("manifests") or () if isinstance(m, dict)]
        elif response.status_code not in (400, 404, 405, 406, 501):
            self._expect_ok(response, registry, f"referrers of {repository}@{digest}")
        index = self.fetch_manifest(registry, repository, fallback_tag(digest))
        if index is None:
            return []
        return [m for m in index.data.get("manifests") or () if isinstance(m, dict)]

    # --- transport -----------------------------------------------------------------------

    def base_url(self, registry: str) -> str:
        """``https://host`` (``http://`` for hosts matching ``insecure`` globs)."""
        host = _registry_host(registry)
        insecure = any(
            glob_matches(pattern, registry) or glob_matches(pattern, host)
            for pattern in self.settings.insecure
        )
        return f"{'http' if insecure else 'https'}://{host}"

    def _request(
        self,
        method: str,
        registry: str,
        repository: str,
        path: str,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        """Send with auth, retries and rate-limit bookkeeping; raises RegistryError."""
        down = self._down.get(registry)
        if down is not None:
            raise down
        url = self.base_url(registry) + path
        scope = f"repository:{repository}:pull"
        attempt = 0
        authenticated = False
        while True:
            send_headers = dict(headers)
            authorization = self._authorization(registry, scope)
            if authorization:
                send_headers["Authorization"] = authorization
            try:
                self.stats[method] += 1
                response = self._http.request(method, url, headers=send_headers)
            except httpx.TimeoutException:
                # A timeout already cost its wait; asking again would double it. Later
                # requests to this registry fail at once instead of timing out again.
                error = RegistryError(
                    registry, f"timed out after {self.settings.timeout:g}s ({method} {path})"
                )
                self._down[registry] = error
                raise error from None
            except httpx.HTTPError as exc:
                # One quick retry covers a dropped keep-alive connection; a refused
                # connection twice in a row means the registry is down.
                error = RegistryError(registry, f"unreachable: {_transport_reason(exc)}")
                if attempt == 0 and self._may_retry(attempt, None):
                    attempt += 1
                    continue
                self._down[registry] = error
                raise error from None
            self._note_rate_limit(registry, response)
            if response.status_code == 401 and not authenticated:
                challenge = response.headers.get("www-authenticate", "")
                if self._authenticate(registry, scope, challenge):
                    authenticated = True
                    continue
            if response.status_code in _RETRY_STATUSES:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if self._may_retry(attempt, wait):
                    attempt += 1
                    continue
                limited = response.status_code == 429
                what = "rate-limited (429 Too Many Requests)" if limited else "server error"
                raise RegistryError(
                    registry,
                    f"{what} {response.status_code} after {attempt + 1} tries",
                    rate_limited=limited,
                )
            return response

    def _may_retry(self, attempt: int, retry_after: float | None) -> bool:
        """Sleep before the next try when tries and the run's wait budget allow it."""
        if attempt >= self.settings.retries:
            return False
        wait = min(retry_after, MAX_RETRY_AFTER) if retry_after is not None else 0.5 * 2**attempt
        with self._lock:
            if self._waited + wait > self.settings.max_wait:
                return False
            self._waited += wait
        if wait > 0:
            self._sleep(wait)
        return True

    def _note_rate_limit(self, registry: str, response: httpx.Response) -> None:
        limit = parse_rate_limit(registry, response.headers)
        if limit is not None:
            with self._lock:
                self.rate_limits[registry] = limit

    def _expect_ok(self, response: httpx.Response, registry: str, what: str) -> None:
        if 200 <= response.status_code < 300:
            return
        if response.status_code in (401, 403):
            raise RegistryError(
                registry,
                f"access to {what} denied ({response.status_code})",
                rate_limited=False,
            )
        raise RegistryError(registry, f"unexpected answer {response.status_code} for {what}")

    # --- auth ----------------------------------------------------------------------------

    def _authorization(self, registry: str, scope: str) -> str | None:
        with self._lock:
            key = self._token_for_scope.get((registry, scope))
            token = self._tokens.get(key) if key is not None else None
            if token is not None and token.expires > time.monotonic():
                return f"Bearer {token.value}"
            basic = registry in self._basic
        if basic:
            credentials = self.credentials.get(registry)
            if credentials is not None:
                raw = f"{credentials.username}:{credentials.secret}".encode()
                return "Basic " + base64.b64encode(raw).decode()
        return None

    def _authenticate(self, registry: str, scope: str, header: str) -> bool:
        """Answer a 401 challenge: fetch a Bearer token (cached per scope) or use Basic."""
        scheme, params = parse_challenge(header)
        if scheme == "basic":
            if self.credentials.get(registry) is None:
                return False
            with self._lock:
                self._basic.add(registry)
            return True
        if scheme != "bearer" or "realm" not in params:
            return False
        wanted = params.get("scope") or scope
        key = (params["realm"], params.get("service", ""), wanted)
        with self._lock:
            lock = self._token_locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                cached = self._tokens.get(key)
                if cached is not None and cached.expires > time.monotonic():
                    self._token_for_scope[(registry, scope)] = key
                    return True
            token = self._fetch_token(registry, params["realm"], params.get("service"), wanted)
            with self._lock:
                self._tokens[key] = token
                self._token_for_scope[(registry, scope)] = key
        return True

    def _fetch_token(self, registry: str, realm: str, service: str | None, scope: str) -> _Token:
        if not realm.startswith(("https://", "http://")):
            raise RegistryError(registry, "the auth challenge names a realm that is not a URL")
        if realm.startswith("http://") and not self.base_url(registry).startswith("http://"):
            # Credentials only travel in clear text to registries the policy lists as insecure.
            raise RegistryError(registry, "refusing to send credentials to a plain-HTTP realm")
        credentials = self.credentials.get(registry)
        query: dict[str, str] = {"scope": scope}
        if service:
            query["service"] = service
        self.stats["token"] += 1
        try:
            if credentials is not None and credentials.identity_token:
                response = self._http.post(
                    realm,
                    data={
                        **query,
                        "grant_type": "refresh_token",
                        "client_id": "gitops-guard",
                        "refresh_token": credentials.secret,
                    },
                )
            else:
                auth = (
                    httpx.BasicAuth(credentials.username, credentials.secret)
                    if credentials is not None
                    else None
                )
                response = self._http.get(realm, params=query, auth=auth)
        except httpx.HTTPError as exc:
            raise RegistryError(
                registry, f"token service unreachable: {_transport_reason(exc)}"
            ) from None
        if response.status_code == 429:
            raise RegistryError(registry, "token service rate-limited (429)", rate_limited=True)
        if response.status_code in (401, 403):
            who = "the configured credentials" if credentials else "anonymous access"
            raise RegistryError(registry, f"token service refused {who} for {scope}")
        if response.status_code != 200:
            raise RegistryError(registry, f"token service answered {response.status_code}")
        try:
            data = response.json()
            value = data.get("token") or data.get("access_token")
            lifetime = float(data.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            raise RegistryError(
                registry, "token service answered something that is not a token"
            ) from None
        if not isinstance(value, str) or not value:
            raise RegistryError(registry, "token service answered without a token")
        return _Token(value, time.monotonic() + max(lifetime - 5.0, 1.0))


def fallback_tag(digest: str) -> str:
    """The referrers fallback tag of a digest: ``sha256-<hex>``."""
    return digest.replace(":", "-", 1)


def select_platform(
    index: Mapping[str, Any], platform: str = DEFAULT_PLATFORM
) -> Descriptor | None:
    """The manifest of ``platform`` (``os/arch[/variant]``) in an OCI index or manifest list."""
    parts = platform.split("/")
    wanted_os, wanted_arch = parts[0], parts[1] if len(parts) > 1 else ""
    wanted_variant = parts[2] if len(parts) > 2 else None
    fallback: Descriptor | None = None
    for entry in index.get("manifests") or ():
        if not isinstance(entry, dict):
            continue
        spec = entry.get("platform")
        digest = entry.get("digest")
        if not isinstance(spec, dict) or not isinstance(digest, str):
            continue
        if spec.get("os") != wanted_os or spec.get("architecture") != wanted_arch:
            continue
        descriptor = Descriptor(
            digest, str(entry.get("mediaType") or OCI_MANIFEST), entry.get("size")
        )
        variant = spec.get("variant")
        exact = wanted_variant is not None and variant == wanted_variant
        if exact or (wanted_variant is None and variant in (None, "", "v8")):
            return descriptor
        fallback = fallback or descriptor
    return fallback


def index_children(index: Mapping[str, Any]) -> Iterator[str]:
    """Digests of the platform manifests an index lists (attestation manifests excluded)."""
    for entry in index.get("manifests") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("digest"), str):
            continue
        annotations = entry.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        yield entry["digest"]


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip()


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        match = re.match(r'\s*<([^>]*)>\s*;\s*rel="?next"?', part)
        if match:
            target = match.group(1)
            if "://" in target:
                split = urlsplit(target)
                return split.path + (f"?{split.query}" if split.query else "")
            return str(urljoin("/", target))
    return None


def _transport_reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    # httpx messages may quote the URL but never headers; keep them short anyway.
    return text.splitlines()[0][:200]


def settings_from_policy(
    registry: RegistryPolicy | None, root: Path | None = None
) -> ClientSettings:
    """Client settings from the policy's ``supply_chain.registry`` (None: the defaults)."""
    registry = registry or RegistryPolicy()
    config_path: Path | None = None
    if registry.config:
        config_path = Path(registry.config).expanduser()
        if not config_path.is_absolute() and root is not None:
            config_path = root / config_path
    return ClientSettings(
        insecure=registry.insecure,
        timeout=registry.timeout or DEFAULT_TIMEOUT,
        max_wait=DEFAULT_MAX_WAIT if registry.max_wait is None else registry.max_wait,
        retries=DEFAULT_RETRIES if registry.retries is None else registry.retries,
        platform=registry.platform or DEFAULT_PLATFORM,
        docker_config=config_path,
        forbidden_helper_root=root,
    )
