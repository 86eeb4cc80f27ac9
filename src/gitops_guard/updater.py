"""Argo CD Image Updater's reading of its configuration (annotations, for now).

Everything here reproduces what Image Updater itself does, quirks included, per
version line: ``image-list`` is split on every comma, an entry is split at its first
``=`` into alias and image, the image goes through the strict reference parser and,
when that fails (the usual case for constraints such as ``~1.2``), through Image
Updater's legacy splitter. The "tag" of an entry is not a tag: it is the version
constraint.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_guard.imageref import DEFAULT_REGISTRY, InvalidReference, parse_reference

ANNOTATION_PREFIX = "argocd-image-updater.argoproj.io/"
IMAGE_LIST = ANNOTATION_PREFIX + "image-list"
SELECTION_RULE_ANNOTATION = "gitops-guard.io/selection-rule"


def version_tuple(version: str) -> tuple[int, int, int]:
    """``"1.3"`` → ``(1, 3, 0)``; the Image Updater line whose semantics apply."""
    parts = [int(p) for p in version.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class ImageListEntry:
    """One entry of ``image-list`` as Image Updater reads it.

    ``offset`` is where the entry starts in the annotation value (for locations).
    ``registry`` is what Image Updater uses ("" for an implicit Docker Hub), ``name``
    the image path, ``constraint`` the part in tag position. ``strict`` tells whether
    the strict reference parser accepted the image (else the legacy splitter ran).
    """

    text: str
    offset: int
    alias: str | None
    image: str
    registry: str
    name: str
    constraint: str | None
    digest: str | None
    strict: bool

    @property
    def repository_reference(self) -> str:
        """The image without its constraint, e.g. ``ghcr.io/acme/api``."""
        return f"{self.registry}/{self.name}" if self.registry else self.name


def parse_image_list(value: str, version: str = "1.3") -> list[ImageListEntry]:
    """Split an ``image-list`` annotation value into entries, as Image Updater does."""
    v1 = version_tuple(version) >= (1, 0, 0)
    entries: list[ImageListEntry] = []
    position = 0
    for piece in value.split(","):
        offset = position + (len(piece) - len(piece.lstrip()))
        position += len(piece) + 1
        text = piece.strip()
        if not text and len(value.split(",")) > 1:
            continue
        alias: str | None = None
        image = text
        if "=" in text:
            alias, image = text.split("=", 1)
            if v1:
                alias, image = alias.strip(), image.strip()
        entries.append(_split_image(text, offset, alias, image, version))
    return entries


def _split_image(
    text: str, offset: int, alias: str | None, image: str, version: str
) -> ImageListEntry:
    try:
        ref = parse_reference(image)
    except InvalidReference:
        return _legacy_split(text, offset, alias, image)
    registry = ref.registry
    name = ref.repository
    explicit_docker = image.startswith(DEFAULT_REGISTRY)
    if registry == DEFAULT_REGISTRY and not explicit_docker:
        registry = ""
    strips_library = registry in ("", DEFAULT_REGISTRY) or version_tuple(version) <= (1, 3, 0)
    if name.startswith("library/") and not image.startswith("library/") and strips_library:
        name = name[len("library/") :]
    return ImageListEntry(text, offset, alias, image, registry, name, ref.tag, ref.digest, True)


def _legacy_split(text: str, offset: int, alias: str | None, image: str) -> ImageListEntry:
    """Image Updater's fallback when the strict parser refuses the image."""
    registry = ""
    rest = image
    first, sep, remainder = image.partition("/")
    if sep and "." in first:
        registry, rest = first, remainder
    digest: str | None = None
    constraint: str | None = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if ":" in rest and rest.rfind(":") > rest.rfind("/"):
            rest, constraint = rest.rsplit(":", 1)
    elif ":" in rest:
        rest, constraint = rest.split(":", 1)
    return ImageListEntry(
        text, offset, alias, image, registry, rest, constraint or None, digest, False
    )
