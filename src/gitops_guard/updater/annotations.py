"""Argo CD Image Updater's reading of ``image-list`` and of its annotation keys, per version.

Everything here reproduces what Image Updater (AIU) itself does, quirks included:

* ``image-list`` is split on **every** comma (so ``>=1.2, <2`` is two entries), each entry
  is trimmed and split at its first ``=`` into alias and image. v1.x also trims both halves;
  v0.x keeps the spaces, so ``web = nginx`` names the image `` nginx`` that never runs.
* The image goes through the strict reference parser (``ParseNormalizedNamed``); when that
  fails (the usual case for constraints such as ``~1.2``) AIU's legacy splitter runs, which
  takes the first ``/``-part as a registry only if it contains a ``.`` and splits the tag at
  the first ``:`` (so ``localhost:5000/app:~1.2`` becomes the image ``localhost``).
* The "tag" of an entry is not a tag: it is the version constraint (semver), the tag to
  track (digest), or ignored (newest-build, alphabetical).
* Annotation keys are ``<prefix><option>`` (application-wide) or ``<prefix><alias>.<option>``;
  v0.x writes the alias with every ``/`` replaced by ``_``.

Which Image Updater line's semantics apply is a version string such as ``"0.18"`` or
``"1.3"`` (the policy's ``image_updater.version``); :class:`Semantics` turns it into the
behaviour switches IMAGE-UPDATER.md §2.8 lists.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from gitops_guard.imageref import DEFAULT_REGISTRY, InvalidReference, parse_reference

__all__ = [
    "ANNOTATION_PREFIX",
    "APP_WIDE_OPTIONS",
    "IMAGE_LIST",
    "NEWEST_VERSION",
    "PER_ALIAS_ONLY",
    "PER_ALIAS_OPTIONS",
    "SELECTION_RULE_ANNOTATION",
    "UNREAD_OPTIONS",
    "ImageListEntry",
    "KeyName",
    "Semantics",
    "alias_problem",
    "classify_key",
    "key_alias",
    "key_problem",
    "parse_entry",
    "parse_image_list",
    "parse_updater_version",
    "suggest_key",
    "version_tuple",
]

ANNOTATION_PREFIX: Final = "argocd-image-updater.argoproj.io/"
IMAGE_LIST: Final = ANNOTATION_PREFIX + "image-list"
SELECTION_RULE_ANNOTATION: Final = "gitops-guard.io/selection-rule"
NEWEST_VERSION: Final = "1.3"

# Application-wide keys: image-list, the defaults every image inherits, and write-back.
APP_WIDE_OPTIONS: Final = (
    "image-list",
    "update-strategy",
    "allow-tags",
    "ignore-tags",
    "force-update",
    "pull-secret",
    "write-back-method",
    "write-back-target",
    "git-branch",
    "git-repository",
)
# Per-image keys (``<alias>.<option>``). ``tag-match`` is read by v0.x only.
PER_ALIAS_OPTIONS: Final = (
    "update-strategy",
    "allow-tags",
    "ignore-tags",
    "force-update",
    "pull-secret",
    "platforms",
    "helm.image-name",
    "helm.image-tag",
    "helm.image-spec",
    "kustomize.image-name",
    "tag-match",
)
# Options only ever read with an alias (an application-wide key for them does nothing).
PER_ALIAS_ONLY: Final = frozenset(set(PER_ALIAS_OPTIONS) - set(APP_WIDE_OPTIONS))
# Declared in AIU's constants but never read by any released version.
UNREAD_OPTIONS: Final = ("registry-prefix",)

# Kubernetes annotation names: an optional DNS prefix, then a "qualified name" of at most 63
# characters (API server validation, not AIU's).
MAX_NAME_LENGTH: Final = 63
_QUALIFIED_NAME: Final = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_VERSION_TEXT: Final = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?")


def parse_updater_version(text: str) -> tuple[int, int, int]:
    """``"1.3"`` → ``(1, 3, 0)``, ``"0.18.0"`` → ``(0, 18, 0)``; ValueError for anything else.

    Only lines that exist are accepted (0.1 to 0.18, 1.0 to 1.3), matching the policy schema.
    """
    match = _VERSION_TEXT.fullmatch(text.strip().removeprefix("v"))
    if match is None:
        raise ValueError(f"{text!r} is not an Image Updater version such as 0.18 or 1.3")
    major, minor = int(match.group(1)), int(match.group(2))
    patch = int(match.group(3) or 0)
    if (major, minor) > (1, 3) or (major == 0 and minor > 18) or (major == 0 and minor < 1):
        raise ValueError(
            f"Image Updater {text} is not a known release line (0.1 to 0.18, 1.0 to 1.3)"
        )
    return major, minor, patch


def version_tuple(version: str) -> tuple[int, int, int]:
    """``"1.3"`` → ``(1, 3, 0)``; the Image Updater line whose semantics apply.

    Lenient (the policy schema already validated the text): unknown parts count as 0.
    """
    parts: list[int] = []
    for piece in version.strip().removeprefix("v").split(".")[:3]:
        digits = re.match(r"[0-9]*", piece)
        parts.append(int(digits.group(0)) if digits and digits.group(0) else 0)
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class Semantics:
    """What one Image Updater version does differently (IMAGE-UPDATER.md §1, §2.8, §4)."""

    version: tuple[int, int, int]

    @classmethod
    def of(cls, version: str) -> Semantics:
        """The semantics of a version string such as ``"1.3"`` (lenient)."""
        return _semantics(version)

    @property
    def label(self) -> str:
        """The version as people write it (``1.3``, ``1.1.1``)."""
        major, minor, patch = self.version
        return f"{major}.{minor}" + (f".{patch}" if patch else "")

    @property
    def v1(self) -> bool:
        """v1.0+: the ImageUpdater resource; annotations only through ``useAnnotations``."""
        return self.version >= (1, 0, 0)

    @property
    def reads_annotations(self) -> bool:
        """False for v1.0.x, which reads no annotation at all."""
        return not self.v1 or self.version >= (1, 1, 0)

    @property
    def trims_values(self) -> bool:
        """v1.x trims annotation values and treats empty ones as absent."""
        return self.v1

    def read(self, text: str) -> str:
        """An annotation value as this version reads it (trimmed from v1.0 on)."""
        return text.strip() if self.trims_values else text

    @property
    def maps_alias_slash(self) -> bool:
        """v0.x writes ``/`` in an alias as ``_`` in its keys."""
        return not self.v1

    @property
    def reads_tag_match(self) -> bool:
        """v0.x still reads the deprecated ``<alias>.tag-match``."""
        return not self.v1

    @property
    def empty_constraint_is_star(self) -> bool:
        """v1.3+: an empty semver constraint means ``*`` (no prereleases)."""
        return self.version >= (1, 3, 0)

    @property
    def running_tag_must_be_semver(self) -> bool:
        """Up to v1.1.0 the semver strategy errors when the running tag is not a version."""
        return self.version < (1, 1, 1)

    @property
    def force_update_parse_bool(self) -> bool:
        """v1.x reads force-update with Go's ParseBool (errors on anything else)."""
        return self.v1

    @property
    def pull_secret_is_error(self) -> bool:
        """v1.2+: an unreadable pull-secret is an image error (before: a warning)."""
        return self.version >= (1, 2, 0)

    @property
    def secret_namespace_must_match(self) -> bool:
        """v1.3+: secrets must live in the Application's namespace."""
        return self.version >= (1, 3, 0)

    @property
    def git_secret_short_form(self) -> bool:
        """v1.3+ accepts ``git:secret:<name>`` (the Application's namespace)."""
        return self.version >= (1, 3, 0)

    @property
    def helmvalues_defaults(self) -> bool:
        """v1.3+ defaults ``helmvalues`` targets to ``image.name``/``image.tag``."""
        return self.version >= (1, 3, 0)

    @property
    def rejects_kustomization_file_target(self) -> bool:
        """v1.3+ refuses a bare write-back target named ``kustomization.yaml``."""
        return self.version >= (1, 3, 0)

    @property
    def branch_template_app_fields(self) -> bool:
        """v1.2+ offers ``.AppName``, ``.AppNamespace``, ``.TargetKey`` to branch templates."""
        return self.version >= (1, 2, 0)

    @property
    def helm_kustomize_conflict_is_error(self) -> bool:
        """v1.x refuses an alias with both helm.* and kustomize.image-name keys."""
        return self.v1

    @property
    def empty_write_back_method_is_error(self) -> bool:
        """v0.x errors on an empty write-back-method; v1.x treats it as absent."""
        return not self.v1

    @property
    def use_annotations(self) -> bool:
        """v1.1+ has ``applicationRefs[].useAnnotations``."""
        return self.version >= (1, 1, 0)

    @property
    def images_verification(self) -> bool:
        """v1.3+ has ``imagesVerification`` (cosign keys)."""
        return self.version >= (1, 3, 0)

    @property
    def pull_request(self) -> bool:
        """v1.2+ has ``writeBackConfig.gitConfig.pullRequest``."""
        return self.version >= (1, 2, 0)

    @property
    def strips_library_everywhere(self) -> bool:
        """Up to v1.3.0 a leading ``library/`` is stripped for every registry."""
        return self.version <= (1, 3, 0)


@lru_cache(maxsize=32)
def _semantics(version: str) -> Semantics:
    return Semantics(version_tuple(version))


# --- image-list --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageListEntry:
    """One entry of ``image-list`` as Image Updater reads it.

    ``offset`` is where the entry starts in the annotation value (for locations).
    ``registry`` is what Image Updater uses ("" for an implicit Docker Hub), ``name``
    the image path, ``constraint`` the part in tag position. ``strict`` tells whether
    the strict reference parser accepted the image (else the legacy splitter ran).
    ``error`` is set when Image Updater refuses the entry (v1.x: nothing after ``=``).
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
    error: str | None = None

    @property
    def repository_reference(self) -> str:
        """The image without its constraint, e.g. ``ghcr.io/acme/api``."""
        return f"{self.registry}/{self.name}" if self.registry else self.name

    @property
    def display(self) -> str:
        """The entry as Image Updater names it in logs: ``alias=registry/name[:constraint]``."""
        text = self.repository_reference
        if self.constraint:
            text += f":{self.constraint}"
        return f"{self.alias}={text}" if self.alias is not None else text


def parse_image_list(
    value: str, version: str = NEWEST_VERSION, *, keep_empty: bool = False
) -> list[ImageListEntry]:
    """Split an ``image-list`` annotation value into entries, as Image Updater does.

    Empty entries (``a,,b`` or a trailing comma) are skipped unless ``keep_empty``: v1.x
    skips them too, while v0.x creates an image with an empty name that never matches.
    """
    semantics = Semantics.of(version)
    entries: list[ImageListEntry] = []
    position = 0
    pieces = value.split(",")
    for piece in pieces:
        offset = position + (len(piece) - len(piece.lstrip()))
        position += len(piece) + 1
        text = piece.strip()
        if not text and not (keep_empty and not semantics.v1):
            continue
        entries.append(parse_entry(text, semantics, offset))
    return entries


def parse_entry(text: str, semantics: Semantics, offset: int = 0) -> ImageListEntry:
    """Read one (already trimmed) ``[alias=]image[:constraint]`` entry."""
    alias: str | None = None
    image = text
    if "=" in text:
        alias, image = text.split("=", 1)
        if semantics.trims_values:
            alias, image = alias.strip(), image.strip()
            if not image:
                return ImageListEntry(
                    text, offset, alias, "", "", "", None, None, False, "empty image name after `=`"
                )
        # v1.x rebuilds the identifier from its trimmed halves before parsing it again.
        identifier = f"{alias}={image}" if semantics.trims_values else text
    else:
        identifier = text
    return _split_image(text, identifier, offset, alias, image, semantics)


def _split_image(
    text: str,
    identifier: str,
    offset: int,
    alias: str | None,
    image: str,
    semantics: Semantics,
) -> ImageListEntry:
    try:
        ref = parse_reference(image)
    except (InvalidReference, TypeError):
        return _legacy_split(text, identifier, offset, alias)
    registry = ref.registry
    name = ref.repository
    # AIU blanks an implicit Docker Hub, unless the user literally wrote "docker.io...".
    if registry == DEFAULT_REGISTRY and not image.startswith(DEFAULT_REGISTRY):
        registry = ""
    strips_library = registry in ("", DEFAULT_REGISTRY) or semantics.strips_library_everywhere
    if name.startswith("library/") and not image.startswith("library/") and strips_library:
        name = name[len("library/") :]
    return ImageListEntry(text, offset, alias, image, registry, name, ref.tag, ref.digest, True)


def _legacy_split(text: str, identifier: str, offset: int, alias: str | None) -> ImageListEntry:
    """Image Updater's fallback when the strict parser refuses the image.

    A line-by-line port of ``getRegistryFromIdentifier`` and ``getImageTagFromIdentifier``:
    the registry is read from the part after the *first* ``=`` up to the next ``=``
    (``strings.Split``), the rest from everything after the first ``=`` (``SplitN``).
    """
    halves = identifier.split("=")
    registry_source = halves[1] if len(halves) > 1 else identifier
    components = registry_source.split("/")
    registry = components[0] if len(components) > 1 and "." in components[0] else ""

    rest = identifier.split("=", 1)[1] if "=" in identifier else identifier
    components = rest.split("/")
    if len(components) > 1 and "." in components[0]:
        rest = "/".join(components[1:])
    digest: str | None = None
    constraint: str | None = None
    if "@" in rest:
        before, digest = rest.split("@", 1)
        colon, slash = before.rfind(":"), before.rfind("/")
        if colon > slash:
            rest, constraint = before[:colon], before[colon + 1 :]
        else:
            rest = before
    elif ":" in rest:
        rest, tag = rest.split(":", 1)
        # getImageDigestFromTag: only an exact "tag@digest" split counts (none here).
        constraint = tag
    image = identifier.split("=", 1)[1] if "=" in identifier else identifier
    return ImageListEntry(
        text, offset, alias, image, registry, rest, constraint or None, digest or None, False
    )


# --- annotation keys ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyName:
    """What the part of a key after the prefix means.

    ``alias`` is None for application-wide keys; ``option`` is None for keys Image Updater
    does not know.
    """

    suffix: str
    alias: str | None
    option: str | None


_BY_LENGTH: Final = tuple(sorted(PER_ALIAS_OPTIONS + UNREAD_OPTIONS, key=len, reverse=True))


def classify_key(suffix: str) -> KeyName:
    """Split the part of an annotation key after the prefix into alias and option."""
    if suffix in APP_WIDE_OPTIONS:
        return KeyName(suffix, None, suffix)
    for option in _BY_LENGTH:
        if suffix.endswith("." + option):
            return KeyName(suffix, suffix[: -len(option) - 1], option)
    return KeyName(suffix, None, None)


def key_alias(alias: str, semantics: Semantics) -> str:
    """The alias as it appears in keys: v0.x replaces every ``/`` by ``_``."""
    return alias.replace("/", "_") if semantics.maps_alias_slash else alias


def suggest_key(suffix: str, aliases: tuple[str, ...] = ()) -> str | None:
    """The known key closest to an unknown one (``update-stratgy`` → ``update-strategy``)."""
    lowered = suffix.lower()
    if lowered != suffix and (lowered in APP_WIDE_OPTIONS or classify_key(lowered).option):
        return lowered
    candidates: list[str] = list(APP_WIDE_OPTIONS)
    for alias in aliases or ():
        candidates.extend(f"{alias}.{option}" for option in PER_ALIAS_OPTIONS)
    best = difflib.get_close_matches(suffix, candidates, n=1, cutoff=0.75)
    if best:
        return best[0]
    # "<alias>.<typo>": keep what precedes the last option-looking part.
    for index, char in enumerate(suffix):
        if char != ".":
            continue
        alias, rest = suffix[:index], suffix[index + 1 :]
        match = difflib.get_close_matches(rest, PER_ALIAS_OPTIONS, n=1, cutoff=0.75)
        if alias and match:
            return f"{alias}.{match[0]}"
    return None


def key_problem(suffix: str) -> str | None:
    """Why the API server would refuse this annotation name, or None."""
    if len(suffix) > MAX_NAME_LENGTH:
        return (
            f"the name after the prefix has {len(suffix)} characters; Kubernetes allows "
            f"{MAX_NAME_LENGTH}, so the API server rejects the Application"
        )
    if not _QUALIFIED_NAME.fullmatch(suffix):
        return (
            "the name after the prefix may only use letters, digits, '-', '_' and '.', and must "
            "start and end with a letter or digit; the API server rejects the Application"
        )
    return None


def alias_problem(alias: str, semantics: Semantics) -> str | None:
    """Why an alias can never carry per-image settings, or None."""
    written = key_alias(alias, semantics)
    if not written:
        return None
    if not _QUALIFIED_NAME.fullmatch(written):
        if "/" in alias and not semantics.maps_alias_slash:
            return (
                f"alias `{alias}` contains `/`: Image Updater {semantics.label} uses the alias "
                "verbatim in annotation names, where `/` is not allowed, so no per-image "
                "setting can reach it"
            )
        return (
            f"alias `{alias}` has characters annotation names cannot hold (letters, digits, "
            "'-', '_', '.'), so no per-image setting can reach it"
        )
    budget = MAX_NAME_LENGTH - len(".update-strategy")
    if len(written) > budget:
        return (
            f"alias `{alias}` has {len(written)} characters: `{written}.update-strategy` would "
            f"exceed the {MAX_NAME_LENGTH}-character limit of annotation names (at most "
            f"{budget} characters leave room for every per-image key)"
        )
    return None
