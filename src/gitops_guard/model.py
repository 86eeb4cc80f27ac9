"""The data every layer passes on: locations, image uses and findings.

All frozen dataclasses, so a use or a finding can be hashed, compared and shared
between the inventory, the rules and the history without copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_guard.imageref import ImageRef


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file: path relative to the repository root with ``/``, 1-based."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Source(StrEnum):
    """Where an image use was found (the ``source`` of ``images --format json``)."""

    CONTAINER = "container"
    INIT_CONTAINER = "initContainer"
    EPHEMERAL_CONTAINER = "ephemeralContainer"
    KUSTOMIZE = "kustomize"
    HELM = "helm"
    APPLICATION = "application"
    ANNOTATION = "annotation"
    WRITE_BACK = "write-back"


class Severity(StrEnum):
    """How much a finding counts; ``error`` fails the run."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class ImageUse:
    """One place where the repository deploys an image, with what it resolves to.

    ``location`` is the line a person must change to change the image (for a
    Kustomize override, the override's line); ``origin`` is where the image was
    first written when that is elsewhere (the base manifest's ``image:`` line).
    ``reference`` is None when ``raw`` is not a valid reference; ``error`` then
    says why. ``resource`` (``Kind/name``) and ``container`` identify the use
    independently of line numbers, for baselines and history. ``alias`` and
    ``constraint`` are set for Image Updater ``image-list`` entries, whose "tag"
    position holds a version constraint.
    """

    location: Location
    source: Source
    raw: str
    reference: ImageRef | None
    error: str | None = None
    app: str | None = None
    environment: str | None = None
    resource: str | None = None
    container: str | None = None
    origin: Location | None = None
    alias: str | None = None
    constraint: str | None = None

    @property
    def path(self) -> str:
        return self.location.path


@dataclass(frozen=True, slots=True)
class Finding:
    """A located problem. Rules leave ``severity`` None; the engine stamps it."""

    rule: str
    message: str
    location: Location
    severity: Severity | None = None
    hint: str | None = None
    app: str | None = None
    environment: str | None = None
    image: str | None = None
    resource: str | None = None
    container: str | None = None
