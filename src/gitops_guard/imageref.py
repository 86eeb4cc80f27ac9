"""Container image references: the distribution/reference grammar and Docker Hub normalisation.

``parse_reference`` accepts exactly what ``ParseNormalizedNamed`` of
github.com/distribution/reference v0.6.0 accepts (digests checked the way
opencontainers/go-digest v1.0.0 checks them), which is the strict parser Argo CD Image
Updater runs on every ``image-list`` entry. Where upstream only says "invalid reference
format", the error here names the part that is wrong.

Grammar (upstream, in short)::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path
    domain     := ( label ( "." label )* | "[" hex-and-colons "]" ) [ ":" digits ]
    path       := component ( "/" component )*
    component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex      (sha256/sha384/sha512 with 64/96/128 lowercase hex)

Quirks kept on purpose, because the tools we judge behave this way:

* the first ``/``-separated part is a registry only if it is ``localhost`` or contains
  ``.``, ``:`` or an uppercase letter; ``index.docker.io`` is folded into ``docker.io``;
* a "registry" that is not a valid host but is a valid path component
  (``my_registry.com/app``) is re-read as part of the path, with an *empty* registry;
* a bare 64-character lowercase hex string is refused (it looks like an image ID);
* the 255-character limit applies to the path after normalisation (``library/`` counts),
  not to the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "DEFAULT_REGISTRY",
    "MAX_PATH_LENGTH",
    "MAX_TAG_LENGTH",
    "ImageRef",
    "InvalidReference",
    "parse_reference",
]

DEFAULT_REGISTRY = "docker.io"
_LEGACY_DEFAULT_REGISTRY = "index.docker.io"
_HUB_ALIASES = frozenset({"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})
_OFFICIAL_PREFIX = "library/"
_LOCALHOST = "localhost"

MAX_PATH_LENGTH = 255
MAX_TAG_LENGTH = 128

# Explicit ASCII classes everywhere: Python's \w and \d would accept Unicode, RE2's do not.
_ALNUM = "[a-z0-9]+"
_SEPARATOR = "(?:[._]|__|-+)"
_COMPONENT_RE = re.compile(f"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*")
_LABEL = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN_RE = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[A-Fa-f0-9:]+\])(?::[0-9]+)?")
_TAG_RE = re.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_ALGORITHM_RE = re.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*")
_ENCODED_RE = re.compile("[0-9A-Fa-f]{32,}")
_LOWER_HEX_RE = re.compile("[0-9a-f]+")
_IMAGE_ID_RE = re.compile("[0-9a-f]{64}")
_WHITESPACE_RE = re.compile(r"\s")
_SEPARATOR_RUN_RE = re.compile("[._-]+")

_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:")
_TAG_FIRST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TAG_CHARS = _TAG_FIRST_CHARS | {".", "-"}
_DIGITS = frozenset("0123456789")

# go-digest v1.0.0 knows these three; the hex length is the hash size times two.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


class InvalidReference(ValueError):
    """A string that is not a valid image reference.

    ``raw`` is the input and ``reason`` a one-line explanation of what is wrong, such as
    ``"repository name must be lowercase"``; ``str(exc)`` combines both.
    """

    raw: str
    reason: str

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"invalid image reference {raw!r}: {reason}")
        self.raw = raw
        self.reason = reason

    def __reduce__(self) -> tuple[type[InvalidReference], tuple[str, str]]:
        # The default would call cls(message) and fail: the constructor takes two args.
        return (type(self), (self.raw, self.reason))


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed, normalised image reference.

    ``raw`` is the text as written; ``registry`` and ``repository`` are normalised
    (``nginx`` becomes ``docker.io`` + ``library/nginx``). ``registry`` is ``""`` only for
    the upstream quirk where an invalid host is re-read as part of the path.
    """

    raw: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """Full repository name: ``registry/repository`` (just the path with no registry)."""
        if not self.registry:
            return self.repository
        return f"{self.registry}/{self.repository}"

    @property
    def identity(self) -> str:
        """The repository as a registry serves it: the host's case dropped (DNS ignores it)
        and Docker Hub's endpoint names (``registry-1.docker.io``) folded into
        ``docker.io``, so the same image never looks like another one to a history."""
        registry = self.registry.lower()
        if registry in _HUB_ALIASES:
            registry = DEFAULT_REGISTRY
        if not registry:
            return self.repository
        path = self.repository
        if registry == DEFAULT_REGISTRY and "/" not in path:
            path = _OFFICIAL_PREFIX + path
        return f"{registry}/{path}"

    @property
    def familiar_name(self) -> str:
        """Short name as Docker prints it: no ``docker.io/``, no ``library/`` if official."""
        if self.registry != DEFAULT_REGISTRY:
            return self.name
        path = self.repository
        if path.startswith(_OFFICIAL_PREFIX):
            rest = path[len(_OFFICIAL_PREFIX) :]
            # Upstream only shortens single-component official names.
            if "/" not in rest:
                return rest
        return path

    def __str__(self) -> str:
        """Normalised full form: ``name[:tag][@digest]``."""
        return _render(self.name, self.tag, self.digest)

    def familiar(self) -> str:
        """Short form as Docker prints it: ``familiar_name[:tag][@digest]``."""
        return _render(self.familiar_name, self.tag, self.digest)

    def with_digest(self, digest: str | None) -> ImageRef:
        """The same reference with ``digest`` instead of the current one (``None`` drops it).

        ``raw`` of the result is the familiar form of the new reference. Raises
        :class:`InvalidReference` when ``digest`` is not a valid digest.
        """
        if digest is not None:
            problem = _digest_problem(digest)
            if problem is not None:
                raise InvalidReference(digest, problem)
        raw = _render(self.familiar_name, self.tag, digest)
        return ImageRef(raw, self.registry, self.repository, self.tag, digest)


def parse_reference(raw: str) -> ImageRef:
    """Parse ``raw`` like distribution/reference ``ParseNormalizedNamed`` (v0.6.0).

    A tag and a digest may both be present; neither is required (``tag`` is then
    ``None``, no ``latest`` is implied). Raises :class:`InvalidReference` with a specific
    reason for anything upstream would reject.
    """
    if not isinstance(raw, str):
        raise TypeError(f"image reference must be a string, not {type(raw).__name__}")
    # History replays meet the same references over and over; results are immutable.
    return _parse_cached(raw)


@lru_cache(maxsize=8192)
def _parse_cached(raw: str) -> ImageRef:
    problem = _surface_problem(raw)
    if problem is not None:
        raise InvalidReference(raw, problem)

    domain, prefix, remainder = _split_docker_domain(raw)
    name_and_tag, at, digest = remainder.partition("@")
    user_path, colon, tag = name_and_tag.partition(":")
    registry, path = domain, prefix + user_path

    if not _DOMAIN_RE.fullmatch(domain):
        if _COMPONENT_RE.fullmatch(domain):
            # Upstream quirk: the regexp falls back to reading the whole name as a path.
            registry, path = "", f"{domain}/{path}"
        elif _COMPONENT_RE.fullmatch(domain.lower()):
            raise InvalidReference(raw, "repository name must be lowercase")
        else:
            raise InvalidReference(raw, _domain_problem(domain))

    problem = _path_problem(user_path)
    if problem is None and colon:
        problem = _tag_problem(tag)
    if problem is None and at:
        problem = _digest_problem(digest)
    if problem is None and len(path) > MAX_PATH_LENGTH:
        implicit = f", including the implicit {_OFFICIAL_PREFIX!r}" if prefix else ""
        problem = (
            f"repository path is longer than {MAX_PATH_LENGTH} characters ({len(path)}{implicit})"
        )
    if problem is not None:
        raise InvalidReference(raw, problem)
    return ImageRef(raw, registry, path, tag if colon else None, digest if at else None)


def _render(name: str, tag: str | None, digest: str | None) -> str:
    text = name
    if tag is not None:
        text += ":" + tag
    if digest is not None:
        text += "@" + digest
    return text


def _surface_problem(raw: str) -> str | None:
    """Problems visible before any splitting (all of them are rejected upstream too)."""
    if not raw:
        return "reference is empty"
    if _WHITESPACE_RE.search(raw):
        return "reference contains whitespace"
    if "://" in raw:
        return "a URL scheme (such as 'https://') is not part of an image reference"
    if _IMAGE_ID_RE.fullmatch(raw):
        return "a bare 64-character hex string is an image ID, not a repository name"
    return None


def _split_docker_domain(raw: str) -> tuple[str, str, str]:
    """Split into (registry, implicit prefix, rest) following upstream splitDockerDomain.

    ``rest`` is everything after the registry (path, tag, digest) without the
    ``library/`` that normalisation adds; ``prefix`` is that ``library/`` or ``""``.
    """
    first, slash, rest = raw.partition("/")
    if not slash:
        return DEFAULT_REGISTRY, _OFFICIAL_PREFIX, raw
    if first == _LEGACY_DEFAULT_REGISTRY:
        domain = DEFAULT_REGISTRY
    elif first == _LOCALHOST or "." in first or ":" in first or first.lower() != first:
        domain = first
    else:
        domain, rest = DEFAULT_REGISTRY, raw
    # Upstream looks for "/" in the whole rest (tag and digest included); a "/" there is
    # invalid anyway, so this only matters for choosing the error message.
    prefix = _OFFICIAL_PREFIX if domain == DEFAULT_REGISTRY and "/" not in rest else ""
    return domain, prefix, rest


def _domain_problem(domain: str) -> str:
    """Why ``domain`` is neither a registry host[:port] nor a path component."""
    where = f"registry {domain!r}"
    if domain.startswith("["):
        close = domain.find("]")
        if close < 0:
            return f"{where}: IPv6 address is missing its closing ']'"
        address, after = domain[1:close], domain[close + 1 :]
        if not address:
            return f"{where}: empty IPv6 address"
        bad = next((ch for ch in address if ch not in _IPV6_CHARS), None)
        if bad is not None:
            return (
                f"{where}: an IPv6 address may only contain hex digits and ':' "
                f"(no zone or embedded IPv4), found {bad!r}"
            )
        if after and not after.startswith(":"):
            return f"{where}: unexpected {after!r} after the IPv6 address"
        port = after[1:] if after else None
        return _port_problem(where, port) or f"invalid {where}"

    host, colon, port_text = domain.partition(":")
    if colon and ":" in port_text:
        return f"{where} has more than one ':' (IPv6 addresses need brackets: '[::1]:5000')"
    if not host:
        return f"{where}: empty host name"
    for label in host.split("."):
        if not label:
            return f"{where}: empty label in host name (leading, trailing or double '.')"
        bad = next((ch for ch in label if ch not in _HOST_CHARS), None)
        if bad is not None:
            return f"{where}: host name contains invalid character {bad!r}"
        if label[0] == "-" or label[-1] == "-":
            return f"{where}: host label {label!r} must not start or end with '-'"
    return _port_problem(where, port_text if colon else None) or f"invalid {where}"


def _port_problem(where: str, port: str | None) -> str | None:
    if port is None:
        return None
    if not port:
        return f"{where}: empty port after ':'"
    if not all(ch in _DIGITS for ch in port):
        return f"{where}: port {port!r} is not a number"
    return None


def _path_problem(path: str) -> str | None:
    """Why the repository path as written is invalid, or None."""
    if not path:
        return "missing repository name"
    if path.lower() != path:
        return "repository name must be lowercase"
    for component in path.split("/"):
        if not component:
            return "repository path has an empty component (leading, trailing or double '/')"
        if not _COMPONENT_RE.fullmatch(component):
            return _component_problem(component)
    return None


def _component_problem(component: str) -> str:
    bad = next((ch for ch in component if ch not in _PATH_CHARS), None)
    if bad is not None:
        return f"repository name contains invalid character {bad!r}"
    if component[0] in "._-":
        return f"path component {component!r} must start with a lowercase letter or digit"
    if component[-1] in "._-":
        return f"path component {component!r} must end with a lowercase letter or digit"
    for run in _SEPARATOR_RUN_RE.findall(component):
        if run not in (".", "_", "__") and set(run) != {"-"}:
            return (
                f"invalid separator {run!r} in {component!r} "
                "(use one '.', one or two '_', or any number of '-')"
            )
    return f"invalid path component {component!r}"


def _tag_problem(tag: str) -> str | None:
    if not tag:
        return "empty tag after ':'"
    if _TAG_RE.fullmatch(tag):
        return None
    if tag[0] not in _TAG_FIRST_CHARS:
        return f"tag {tag!r} must start with a letter, digit or '_'"
    bad = next((ch for ch in tag if ch not in _TAG_CHARS), None)
    if bad is not None:
        return f"tag contains invalid character {bad!r}"
    return f"tag is longer than {MAX_TAG_LENGTH} characters"


def _digest_problem(digest: str) -> str | None:
    """Why ``digest`` fails the reference grammar or go-digest validation, or None."""
    if not digest:
        return "empty digest after '@'"
    if "@" in digest:
        return "more than one '@'"
    algorithm, colon, encoded = digest.partition(":")
    if not colon:
        return f"invalid digest {digest!r}: expected <algorithm>:<hex>"
    if not algorithm:
        return "invalid digest: missing algorithm before ':'"
    length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if length is not None:
        if len(encoded) == length and _LOWER_HEX_RE.fullmatch(encoded):
            return None
        return f"invalid digest: {algorithm} needs {length} lowercase hex characters"
    if not _ALGORITHM_RE.fullmatch(algorithm):
        return f"invalid digest algorithm {algorithm!r}"
    if not _ENCODED_RE.fullmatch(encoded):
        return "invalid digest: expected at least 32 hex characters after ':'"
    if algorithm.lower() != algorithm:
        # go-digest only knows lowercase names; its own pattern rejects the rest outright.
        return f"invalid digest algorithm {algorithm!r}: algorithm names are lowercase"
    return f"unsupported digest algorithm {algorithm!r} (sha256, sha384 or sha512 expected)"
