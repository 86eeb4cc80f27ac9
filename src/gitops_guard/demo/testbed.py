"""A real local OCI registry for the demo and the tests, and a pure-Python image pusher.

Nothing here needs Docker or cosign: Debian's ``docker-registry`` (distribution 2.8)
is started on a free loopback port, tiny images are built from a tar layer and pushed
over the distribution API, and key-based signatures are written in cosign's exact
registry layout (``sha256-<hex>.sig`` holding an OCI manifest whose simple-signing layer
carries the signature annotation).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import socket
import subprocess
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from gitops_guard.supply.registry import (
    OCI_INDEX,
    OCI_MANIFEST,
)
from gitops_guard.supply.registry import sha256_digest as sha256
from gitops_guard.supply.signatures import SIMPLE_SIGNING

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


class LocalRegistry:
    """Debian's ``docker-registry`` (distribution 2.8) on a free loopback port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "config.yml"
        self.config.write_text(
            "version: 0.1\n"
            "log: {level: warn}\n"
            "storage:\n"
            f"  filesystem: {{rootdirectory: {workdir / 'data'}}}\n"
            "  delete: {enabled: true}\n"
            "http:\n"
            f"  addr: 127.0.0.1:{self.port}\n"
            "  secret: gitops-guard-tests\n"
        )

    def start(self) -> None:
        log = (self.workdir / "log").open("ab")
        # Popen on the binary itself: its pid is the registry's, so stop() kills exactly it.
        self.process = subprocess.Popen(
            [self.binary, "serve", str(self.config)], stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v2/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"docker-registry did not start: {(self.workdir / 'log').read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass(frozen=True)
class Pushed:
    """A manifest in the registry."""

    digest: str
    size: int
    media_type: str
    body: bytes


class Pusher:
    """Pushes blobs and manifests over the distribution API (plain HTTP, loopback)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def blob(self, name: str, data: bytes) -> str:
        digest = sha256(data)
        if self.http.head(f"/v2/{name}/blobs/{digest}").status_code == 200:
            return digest
        started = self.http.post(f"/v2/{name}/blobs/uploads/")
        if started.status_code != 202:
            raise RuntimeError(f"blob upload refused: {started.status_code} {started.text}")
        location = started.headers["location"]
        separator = "&" if "?" in location else "?"
        done = self.http.put(
            f"{location}{separator}digest={digest}",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if done.status_code != 201:
            raise RuntimeError(f"blob upload failed: {done.status_code} {done.text}")
        return digest

    def manifest(self, name: str, reference: str, body: bytes, media_type: str) -> Pushed:
        response = self.http.put(
            f"/v2/{name}/manifests/{reference}", content=body, headers={"Content-Type": media_type}
        )
        if response.status_code != 201:
            raise RuntimeError(f"manifest push failed: {response.status_code} {response.text}")
        return Pushed(sha256(body), len(body), media_type, body)

    def image(
        self,
        name: str,
        tag: str | None,
        seed: str,
        *,
        created: str | None = "2026-01-01T00:00:00Z",
        architecture: str = "amd64",
    ) -> Pushed:
        """A tiny one-layer image; the same seed (and ``created``) gives the same digest.

        ``created`` None leaves the config without a build time."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            content = f"{seed}\n".encode()
            info = tarfile.TarInfo("hello.txt")
            info.size = len(content)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(content))
        layer_tar = buffer.getvalue()
        layer = gzip.compress(layer_tar, mtime=0)
        fields: dict[str, Any] = {
            "architecture": architecture,
            "os": "linux",
            "created": created,
            "config": {"Labels": {"seed": seed}},
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer_tar)]},
        }
        if created is None:
            del fields["created"]
        config = canonical(fields)
        config_digest = self.blob(name, config)
        layer_digest = self.blob(name, layer)
        manifest = canonical(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
                "layers": [{"mediaType": LAYER, "digest": layer_digest, "size": len(layer)}],
            }
        )
        return self.manifest(name, tag or sha256(manifest), manifest, OCI_MANIFEST)

    def index(self, name: str, tag: str, children: Sequence[tuple[Pushed, str]]) -> Pushed:
        """An OCI index of (manifest, "os/arch") children."""
        body = canonical(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {
                        "mediaType": child.media_type,
                        "digest": child.digest,
                        "size": child.size,
                        "platform": {
                            "os": platform.split("/")[0],
                            "architecture": platform.split("/")[1],
                        },
                    }
                    for child, platform in children
                ],
            }
        )
        return self.manifest(name, tag, body, OCI_INDEX)

    def delete(self, name: str, digest: str) -> None:
        response = self.http.delete(f"/v2/{name}/manifests/{digest}")
        if response.status_code != 202:
            raise RuntimeError(f"manifest delete failed: {response.status_code} {response.text}")


# --- keys and cosign layouts -----------------------------------------------------------------


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_bytes(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def simple_signing_payload(reference: str, digest: str) -> bytes:
    # cosign's exact payload shape (SUPPLY-CHAIN.md §6.1); the bytes are what is signed.
    return json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": reference},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature",
            },
            "optional": None,
        },
        separators=(",", ":"),
    ).encode()


def _cosign_manifest(
    pusher: Pusher, name: str, layers: Sequence[tuple[bytes, str, Mapping[str, str]]]
) -> bytes:
    layer_entries = []
    diff_ids = []
    for data, media_type, layer_annotations in layers:
        digest = pusher.blob(name, data)
        diff_ids.append(digest)
        layer_entries.append(
            {
                "mediaType": media_type,
                "size": len(data),
                "digest": digest,
                "annotations": dict(layer_annotations),
            }
        )
    config = canonical(
        {
            "architecture": "",
            "config": {},
            "created": "0001-01-01T00:00:00Z",
            "history": [{"created": "0001-01-01T00:00:00Z"}],
            "os": "",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    )
    config_digest = pusher.blob(name, config)
    return canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": config_digest},
            "layers": layer_entries,
        }
    )


def cosign_sign(
    pusher: Pusher,
    name: str,
    digest: str,
    keys: Sequence[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey],
    *,
    reference: str | None = None,
    payload_digest: str | None = None,
) -> Pushed:
    """Write cosign's ``sha256-<hex>.sig`` tag: one simple-signing layer per key."""
    layers = []
    for key in keys:
        payload = simple_signing_payload(reference or name, payload_digest or digest)
        signature = base64.b64encode(sign_bytes(key, payload)).decode()
        layers.append((payload, SIMPLE_SIGNING, {"dev.cosignproject.cosign/signature": signature}))
    body = _cosign_manifest(pusher, name, layers)
    return pusher.manifest(name, digest.replace(":", "-") + ".sig", body, OCI_MANIFEST)
