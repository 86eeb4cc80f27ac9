"""Registry credentials from Docker's ``config.json``: the user's own (its ``auths`` and credential
helpers) and one the policy names (its static ``auths`` only: it is repository content).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_DOCKER_HUB = "docker.io"
_DOCKER_HUB_API = "registry-1.docker.io"
_DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
_DOCKER_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username and secret (password or identity token) for one registry."""

    username: str
    secret: str = field(repr=False)
    identity_token: bool = False

    def __repr__(self) -> str:
        # A stray log line or traceback must not show the secret.
        return f"Credentials(username={self.username!r}, secret=<hidden>)"


def _registry_host(registry: str) -> str:
    return _DOCKER_HUB_API if registry in _DOCKER_HUB_ALIASES else registry


def _normalise_auth_key(key: str) -> str:
    """``https://index.docker.io/v1/`` → ``docker.io``; ``ghcr.io`` stays."""
    host = urlsplit(key).netloc if "://" in key else key.split("/", 1)[0]
    return _DOCKER_HUB if host in _DOCKER_HUB_ALIASES else host


class DockerCredentials:
    """Credentials from Docker's configuration, looked up per registry and cached.

    The user's config (``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``)
    may name credential helpers (``credHelpers``, ``credsStore``); those are run as
    ``docker-credential-<name> get`` from ``PATH``. A config file that the repository's
    policy names is repository content: only its static ``auths`` are read, and
    helpers it names are ignored.
    """

    def __init__(
        self,
        policy_config: Path | None = None,
        *,
        user_config: bool = True,
        forbidden_root: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._auths: dict[str, Credentials] = {}
        self._helpers: dict[str, str] = {}
        self._store: str | None = None
        self._forbidden_root = forbidden_root.resolve() if forbidden_root else None
        self._cache: dict[str, Credentials | None] = {}
        self._lock = threading.Lock()
        self.problems: list[str] = []
        if policy_config is not None:
            self._read(policy_config, helpers=False)
        if user_config:
            folder = env.get("DOCKER_CONFIG")
            home = Path(folder) if folder else Path(env.get("HOME", "~")).expanduser() / ".docker"
            user_file = home / "config.json"
            if user_file.is_file():
                self._read(user_file, helpers=True)

    def _read(self, path: Path, *, helpers: bool) -> None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path}: cannot read Docker credentials: {exc}")
            return
        if not isinstance(data, dict):
            self.problems.append(f"{path}: not a Docker config file (expected a JSON object)")
            return
        for key, entry in (data.get("auths") or {}).items():
            credentials = _auth_entry(entry) if isinstance(entry, dict) else None
            if credentials is not None:
                self._auths.setdefault(_normalise_auth_key(key), credentials)
        if not helpers:
            return
        for key, helper in (data.get("credHelpers") or {}).items():
            if isinstance(helper, str):
                self._helpers.setdefault(_normalise_auth_key(key), helper)
        store = data.get("credsStore")
        if isinstance(store, str) and store and self._store is None:
            self._store = store

    def get(self, registry: str) -> Credentials | None:
        """Credentials for a registry host (``docker.io`` for Docker Hub), or None."""
        key = _normalise_auth_key(registry)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        found = self._lookup(key)
        with self._lock:
            self._cache[key] = found
        return found

    def _lookup(self, key: str) -> Credentials | None:
        helper = self._helpers.get(key)
        if helper is not None:
            return self._run_helper(helper, key)
        if key in self._auths:
            return self._auths[key]
        if self._store is not None:
            return self._run_helper(self._store, key)
        return None

    def _run_helper(self, name: str, key: str) -> Credentials | None:
        if not _HELPER_NAME.fullmatch(name):
            self.problems.append(f"credential helper name {name!r} is not valid; not run")
            return None
        program = shutil.which(f"docker-credential-{name}")
        if program is None:
            self.problems.append(f"credential helper docker-credential-{name} is not on PATH")
            return None
        resolved = Path(program).resolve()
        if self._forbidden_root is not None and resolved.is_relative_to(self._forbidden_root):
            # PATH may contain "." or a repository folder: never run repository content.
            self.problems.append(f"credential helper {resolved} is inside the repository; not run")
            return None
        server = _DOCKER_HUB_AUTH_KEY if key == _DOCKER_HUB else key
        try:
            result = subprocess.run(
                [str(resolved), "get"],
                input=server.encode(),
                capture_output=True,
                timeout=15,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self.problems.append(f"credential helper docker-credential-{name} failed: {exc}")
            return None
        if result.returncode != 0:
            return None  # "credentials not found" is a normal answer
        try:
            data = json.loads(result.stdout)
            username, secret = str(data["Username"]), str(data["Secret"])
        except (ValueError, KeyError, TypeError):
            self.problems.append(f"credential helper docker-credential-{name}: unreadable answer")
            return None
        return Credentials(username, secret, identity_token=username == "<token>")


def _auth_entry(entry: Mapping[str, Any]) -> Credentials | None:
    token = entry.get("identitytoken")
    if isinstance(token, str) and token:
        return Credentials("<token>", token, identity_token=True)
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        name, sep, secret = decoded.partition(":")
        if sep:
            return Credentials(name, secret)
    username, password = entry.get("username"), entry.get("password")
    if isinstance(username, str) and isinstance(password, str):
        return Credentials(username, password)
    return None
