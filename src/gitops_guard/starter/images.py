"""The registries and the tag pattern a starter policy allows, from the images in use.

Registries: an image whose repository has an owner (``ghcr.io/acme/web``,
``docker.io/library/nginx``) allows its owner's prefix (``ghcr.io/acme/*``); an image
directly under its host (``k8s.gcr.io/redis``, ``10.42.0.1:30000/test-image``) allows
exactly that repository. Every image seen is allowed by what is written.

Tag pattern: version tags (``1.0``, ``v1.2.3``, ``1.2.3-alpine``, ``20240115``,
``2024-01-15``) set how many numbered parts a version may have — never fewer than the
usual three allow — and whether a suffix may use ``_``; commit tags (``3f2a9c1``,
``sha-3f2a9c1``) add an alternative. Tags that are neither (``latest``, ``alpine``,
``main``) are not folded in: they stay findings, which is what a tag that moves is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from gitops_guard.model import ImageUse

DEFAULT_FORBIDDEN_TAGS = ("latest", "main", "master", "stable", "edge")
_USUAL_PARTS = 3  # major.minor.patch
_VERSION = re.compile(r"v?(?P<core>[0-9]+(?:\.[0-9]+)*)(?P<suffix>[-_][0-9A-Za-z._-]+)?")
_COMMIT = re.compile(r"(?P<prefix>sha-)?[0-9a-f]{7,40}")


@dataclass(frozen=True, slots=True)
class Registry:
    """An allow-list entry and how many image uses it admits."""

    pattern: str
    uses: int


def registries(uses: Iterable[ImageUse]) -> list[Registry]:
    """Owner prefixes and exact repositories that admit every image in ``uses``."""
    counts: Counter[str] = Counter()
    for use in uses:
        ref = use.reference
        if ref is None:
            continue
        owner, _, rest = ref.repository.partition("/")
        host = f"{ref.registry}/" if ref.registry else ""
        counts[f"{host}{owner}/*" if rest else f"{host}{owner}"] += 1
    return [Registry(pattern, counts[pattern]) for pattern in sorted(counts)]


@dataclass(frozen=True, slots=True)
class TagPattern:
    """The inferred pattern, and the tags in use it leaves out (they stay findings)."""

    pattern: str
    versions: tuple[str, ...]
    left_out: tuple[str, ...]


def tag_pattern(
    tags: Iterable[str], forbidden: Iterable[str] = DEFAULT_FORBIDDEN_TAGS
) -> TagPattern:
    """An RE2 pattern admitting every version and commit tag of ``tags``."""
    refused = set(forbidden)
    parts: set[int] = set()
    underscore = False
    commits: set[bool] = set()  # whether each commit tag had the `sha-` prefix
    admitted: list[str] = []
    left_out: list[str] = []
    for tag in sorted(set(tags)):
        version = _VERSION.fullmatch(tag)
        commit = _COMMIT.fullmatch(tag)
        if tag in refused:
            left_out.append(tag)
        elif version is not None:
            parts.add(version["core"].count(".") + 1)
            underscore |= "_" in (version["suffix"] or "")
            admitted.append(tag)
        elif commit is not None:
            commits.add(commit["prefix"] is not None)
            admitted.append(tag)
        else:
            left_out.append(tag)
    low = min([*parts, _USUAL_PARTS]) - 1
    high = max([*parts, _USUAL_PARTS]) - 1
    numbered = r"[0-9]+" + r"\.[0-9]+" * low
    if high > low:
        numbered += r"(\.[0-9]+)?" if high == low + 1 else rf"(\.[0-9]+){{0,{high - low}}}"
    suffix = r"([-_][0-9A-Za-z._-]+)?" if underscore else r"(-[0-9A-Za-z.-]+)?"
    alternatives = [f"v?{numbered}{suffix}"]
    if commits:
        prefix = "(sha-)?" if commits == {True, False} else ("sha-" if True in commits else "")
        alternatives.append(prefix + "[0-9a-f]{7,40}")
    body = alternatives[0] if len(alternatives) == 1 else "(" + "|".join(alternatives) + ")"
    return TagPattern(f"^{body}$", tuple(admitted), tuple(left_out))
