"""Test helpers: a real local registry, a pure-Python image pusher and cosign-layout signers.

Nothing here needs Docker or cosign: images are built from a tar layer and pushed over
the distribution API; signatures are written in cosign's exact registry layout
(``sha256-<hex>.sig`` holding an OCI manifest whose simple-signing layer carries the
signature annotation), attestations as ``.att`` DSSE layers, and Sigstore bundles as
OCI 1.1 referrers behind the fallback tag — see SUPPLY-CHAIN.md §1, §2, §6.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gitops_guard.demo.testbed import (  # noqa: F401 - tests import them from here
    BUNDLE,
    LAYER,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    SIMPLE_SIGNING,
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
    sha256,
    sign_bytes,
    simple_signing_payload,
)
from gitops_guard.supply.signatures import DSSE_ENVELOPE as DSSE


def statement(digest: str, predicate_type: str, predicate: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": predicate_type,
            "subject": [{"name": "image", "digest": {"sha256": digest.split(":", 1)[1]}}],
            "predicate": dict(predicate),
        }
    )


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


# --- a 429-injecting proxy -----------------------------------------------------------------------


class RateLimitProxy:
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

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RateLimitProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
