"""Test helpers: a real local registry, a pure-Python image pusher and cosign-layout signers.

Nothing here needs Docker or cosign: images are built from a tar layer and pushed over
the distribution API; signatures are written in cosign's exact registry layout
(``sha256-<hex>.sig`` holding an OCI manifest whose simple-signing layer carries the
signature annotation), attestations as ``.att`` DSSE layers, and Sigstore bundles as
OCI 1.1 referrers behind the fallback tag — see SUPPLY-CHAIN.md §1, §2, §6.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import http.server
import ipaddress
import json
import selectors
import socket
import socketserver
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gitops_guard.demo.testbed import (
    BUNDLE,
    LAYER,
    OCI_CONFIG,
    OCI_EMPTY,
    LocalRegistry,
    Pushed,
    Pusher,
    _cosign_manifest,
    canonical,
    cosign_sign,
    ec_key,
    free_port,
    public_pem,
    rsa_key,
    sign_bytes,
    simple_signing_payload,
)
from gitops_guard.supply.registry import OCI_INDEX, OCI_MANIFEST
from gitops_guard.supply.registry import sha256_digest as sha256
from gitops_guard.supply.signatures import DSSE_ENVELOPE as DSSE
from gitops_guard.supply.signatures import SIMPLE_SIGNING

# The test bed's parts, which the supply tests import from here, and this module's own.
__all__ = [
    "BUNDLE", "DSSE", "LAYER", "OCI_CONFIG", "OCI_EMPTY", "OCI_INDEX", "OCI_MANIFEST",
    "SIMPLE_SIGNING", "ConnectProxy", "LocalRegistry", "LoopbackServer", "Pushed", "Pusher",
    "RateLimitProxy", "TlsRegistry", "_cosign_manifest", "attach_bundle", "canonical",
    "cosign_attest", "cosign_sign", "dsse_envelope", "ec_key", "free_port", "public_pem",
    "rsa_key", "sha256", "sign_bytes", "simple_signing_payload", "slsa", "statement",
    "tls_certificate",
]  # fmt: skip

SLSA_V02 = "https://slsa.dev/provenance/v0.2"
GENERATOR = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.10.0"


def statement(digest: str, predicate_type: str, predicate: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": predicate_type,
            "subject": [{"name": "image", "digest": {"sha256": digest.split(":", 1)[1]}}],
            "predicate": dict(predicate),
        }
    )


def slsa(
    ref: str, repository: str = "github.com/acme/api", builder: str = GENERATOR
) -> dict[str, object]:
    """A SLSA v0.2 provenance predicate: built from ``repository`` at ``ref`` by ``builder``."""
    return {
        "builder": {"id": builder},
        "buildType": "https://github.com/slsa-framework/slsa-github-generator/container@v1",
        "invocation": {
            "configSource": {
                "uri": f"git+https://{repository}@{ref}",
                "digest": {"sha1": "d37a7f74" + "0" * 32},
                "entryPoint": ".github/workflows/release.yml",
            }
        },
    }


def dsse_envelope(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, payload: bytes) -> bytes:
    payload_type = b"application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)
    return canonical(
        {
            "payloadType": payload_type.decode(),
            "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": "", "sig": base64.b64encode(sign_bytes(key, pae)).decode()}],
        }
    )


def cosign_attest(
    pusher: Pusher,
    name: str,
    digest: str,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    statements: Sequence[bytes],
) -> Pushed:
    """Write cosign's ``sha256-<hex>.att`` tag: one DSSE layer per statement."""
    layers = []
    for payload in statements:
        predicate_type = json.loads(payload)["predicateType"]
        layers.append(
            (
                dsse_envelope(key, payload),
                DSSE,
                {"dev.cosignproject.cosign/signature": "", "predicateType": predicate_type},
            )
        )
    body = _cosign_manifest(pusher, name, layers)
    return pusher.manifest(name, digest.replace(":", "-") + ".att", body, OCI_MANIFEST)


def attach_bundle(
    pusher: Pusher, name: str, subject: Pushed, bundle: bytes, predicate_type: str
) -> Pushed:
    """Attach a Sigstore bundle as an OCI 1.1 referrer and list it under the fallback tag."""
    empty = b"{}"
    empty_digest = pusher.blob(name, empty)
    bundle_digest = pusher.blob(name, bundle)
    body = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": BUNDLE,
            "config": {"mediaType": OCI_EMPTY, "digest": empty_digest, "size": 2},
            "layers": [{"mediaType": BUNDLE, "digest": bundle_digest, "size": len(bundle)}],
            "subject": {
                "mediaType": subject.media_type,
                "digest": subject.digest,
                "size": subject.size,
            },
            "annotations": {
                "dev.sigstore.bundle.content": "dsse-envelope",
                "dev.sigstore.bundle.predicateType": predicate_type,
            },
        }
    )
    referrer = pusher.manifest(name, sha256(body), body, OCI_MANIFEST)
    index = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": referrer.digest,
                    "size": referrer.size,
                    "artifactType": BUNDLE,
                    "annotations": {"dev.sigstore.bundle.predicateType": predicate_type},
                }
            ],
        }
    )
    pusher.manifest(name, subject.digest.replace(":", "-"), index, OCI_INDEX)
    return referrer


# --- servers on loopback for the duration of a test ------------------------------------------


class LoopbackServer:
    """A socketserver on a free loopback port, served from a thread inside ``with``."""

    def __init__(self, server: socketserver.TCPServer) -> None:
        self.server = server
        self.port = int(server.server_address[1])
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --- a 429-injecting proxy -----------------------------------------------------------------------


class RateLimitProxy(LoopbackServer):
    """Answers 429 (with Retry-After and rate-limit headers) to the first ``failures``
    requests, then forwards to the registry and adds ``ratelimit-*`` headers."""

    def __init__(
        self, upstream_port: int, failures: int, retry_after: str = "1", remaining: int = 5
    ) -> None:
        self.upstream_port = upstream_port
        self.failures = failures
        self.retry_after = retry_after
        self.remaining = remaining
        self.requests = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                with proxy.lock:
                    proxy.requests += 1
                    limited = proxy.requests <= proxy.failures
                if limited:
                    self.send_response(429)
                    self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("ratelimit-limit", "100;w=21600")
                    self.send_header("ratelimit-remaining", "0;w=21600")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request(self.command, self.path, headers=headers)
                response = upstream.getresponse()
                body = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("ratelimit-limit", "100;w=21600")
                self.send_header("ratelimit-remaining", f"{proxy.remaining};w=21600")
                length = response.getheader("content-length")
                self.send_header("Content-Length", length or str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                upstream.close()

            do_GET = _serve
            do_HEAD = _serve

        super().__init__(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))


# --- a registry under its documented name ---------------------------------------------------------


def tls_certificate(directory: Path, host: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for ``host`` and 127.0.0.1; returns (ca, cert, key)."""
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("gitops-guard test CA"))
        .issuer_name(name("gitops-guard test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class TlsRegistry(LocalRegistry):
    """The test bed's registry serving HTTPS with a certificate from :func:`tls_certificate`.

    Clients must trust the CA (``SSL_CERT_FILE``) when they start it or push to it.
    """

    def __init__(self, binary: str, workdir: Path, certificate: Path, key: Path) -> None:
        super().__init__(binary, workdir)
        self.url = f"https://{self.host}"
        with self.config.open("a") as config:
            config.write(f"  tls:\n    certificate: {certificate}\n    key: {key}\n")


class ConnectProxy(LoopbackServer):
    """An HTTPS proxy on loopback that tunnels ``host:443`` to a local port, and nothing else.

    With ``HTTPS_PROXY`` pointing here, a client asking for ``https://host`` reaches the
    local registry under the host's own name (TLS end to end, the certificate names the
    host); any other destination, or ``host`` when ``upstream`` is None (a registry that is
    down), is answered 502. Nothing leaves the machine.
    """

    def __init__(self, host: str, upstream: int | None) -> None:
        proxy = self
        self.target = f"{host}:443"
        self.upstream = upstream

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                client: socket.socket = self.request
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = client.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                method, target = head.split(b" ", 2)[:2]
                if method != b"CONNECT" or target.decode() != proxy.target or not proxy.upstream:
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    return
                with socket.create_connection(("127.0.0.1", proxy.upstream)) as upstream:
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    _pipe(client, upstream)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        super().__init__(server)
        self.url = f"http://{self.host}"


def _pipe(one: socket.socket, other: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peers = {one: other, other: one}
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            selector.register(sock, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select(timeout=30):
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                sock = ready
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
