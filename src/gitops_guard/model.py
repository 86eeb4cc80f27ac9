"""The data every layer passes on: locations, image uses and findings.

All frozen dataclasses, so a use or a finding can be hashed, compared and shared
between the inventory, the rules and the history without copies.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

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
    position holds a version constraint. ``overlay`` is the folder whose build
    deploys the use (a Kustomize overlay, a chart), ``application`` the Argo CD
    Application or Flux object that deploys it (``path#name``), and ``via`` every
    kustomization and deploying file it was resolved through (what a hook given one of
    those files must judge).
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
    overlay: str | None = None
    application: str | None = None
    via: tuple[str, ...] = ()

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
    detail: str | None = None  # what tells two findings of one rule on one object apart
    commit: str | None = None  # the commit a history finding is about (full sha)


def finding_key(finding: Finding) -> tuple[str, str, str, str, str]:
    """What identifies a finding across edits: rule, file, resource, container — not line.

    Findings not tied to a resource (a YAML syntax error) are told apart by message.
    Baselines and SARIF fingerprints use this key.
    """
    tied = finding.resource is not None or finding.container is not None
    if tied:
        detail = (finding.environment or "") + (f"/{finding.detail}" if finding.detail else "")
    else:
        detail = finding.detail or finding.message
    return (
        finding.rule,
        finding.location.path,
        finding.resource or "",
        finding.container or "",
        detail,
    )


def fingerprint(finding: Finding) -> str:
    """A stable hex fingerprint of :func:`finding_key`."""
    import hashlib

    text = "\x1f".join(finding_key(finding))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def printable(text: str) -> str:
    """``text`` as every output can hold it: the bytes of a path that are not UTF-8 (kept
    as surrogate escapes inside, which git needs back) shown as ``\\xNN``, as a shell's
    ``$'…'`` writes them (``apps/caf\\xe9``)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def printable_finding(finding: Finding) -> Finding:
    """A finding whose texts are all :func:`printable` (the same finding when they are)."""
    from dataclasses import fields, replace

    changes: dict[str, object] = {}
    for item in fields(finding):
        value = getattr(finding, item.name)
        if isinstance(value, str) and printable(value) != value:
            changes[item.name] = printable(value)
    path = finding.location.path
    if printable(path) != path:
        changes["location"] = replace(finding.location, path=printable(path))
    return replace(finding, **changes) if changes else finding  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What formats need to know about a rule: id, name, default severity, documentation.

    ``summary`` is one line; ``doc`` the full explanation with a passing and a failing
    example (the rule module's docstring).
    """

    id: str
    name: str
    severity: Severity
    summary: str
    doc: str


@dataclass(frozen=True, slots=True)
class Suppression:
    """A finding an inline comment silenced, with the reason the comment gives."""

    finding: Finding
    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class Report:
    """The result of a check run, which every output format renders.

    ``findings`` are sorted by path, line, column and rule and carry their effective
    severity. ``files`` and ``images`` count what was read; ``rules`` documents every
    rule of the run (formats such as SARIF list them): from the engine, a
    ``rules.registry.RuleBook``, which reads a rule's documentation when it is first asked
    for, so a report of a few findings does not import every rule.
    """

    findings: tuple[Finding, ...]
    files: int
    images: int
    rules: Sequence[RuleInfo]
    paths: tuple[str, ...] = ()
    suppressed: tuple[Suppression, ...] = ()
    baselined: int = 0
    tool_version: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def rule(self, rule_id: str) -> RuleInfo | None:
        """The documentation of one rule of this run."""
        for info in self.rules:
            if info.id == rule_id:
                return info
        return None


@dataclass(frozen=True, slots=True)
class Person:
    """An author or committer with the time they signed off on the commit."""

    name: str
    email: str
    time: datetime.datetime


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path a commit changed against its first parent (``None`` blob: absent)."""

    path: str
    old_blob: str | None
    new_blob: str | None
    link: bool = False  # the new blob is a symlink's target


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit as the history reads it from one streaming ``git log``."""

    sha: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str
    signature: str | None  # "ssh" | "gpg" | "x509" when the commit carries one
    changes: tuple[FileChange, ...] = ()
    # For a merge that lands on a protected ref: the commits it brings that were not on
    # the ref (its second parents' side). None when not known (a first-parent replay).
    merged: tuple[Commit, ...] | None = None

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def signed(self) -> bool:
        return self.signature is not None

    def trailers(self) -> dict[str, str]:
        """Trailers of the last paragraph (``Rollback: INC-42``), by lower-case key."""
        return {key: values[-1] for key, values in self.trailer_lists().items()}

    def trailer_lists(self) -> dict[str, list[str]]:
        """Every value of each trailer of the last paragraph (``Co-authored-by`` repeats)."""
        paragraphs = [p for p in self.message.strip().split("\n\n") if p.strip()]
        if len(paragraphs) < 2:
            return {}
        found: dict[str, list[str]] = {}
        for line in paragraphs[-1].splitlines():
            key, sep, value = line.partition(":")
            if not sep or not key or " " in key.strip() or not value.strip():
                if line[:1].isspace() and found:
                    continue  # a folded continuation line
                return {}
            found.setdefault(key.strip().lower(), []).append(value.strip())
        return found
