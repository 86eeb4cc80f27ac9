"""``explain``: which tag Argo CD Image Updater would pick for an image, and why.

The settings come from command-line options or from an Application file — its annotations,
or the ImageUpdater resource of the repository that selects it (as the Image Updater version
in use decides). Tags come from a list, a text file (one per line) or a JSON file (a list of
tags, of ``{"tag", "created", "digest", "platforms"}`` objects, or a registry's
``{"tags": [...]}`` answer). :func:`explain` runs :func:`gitops_guard.selection.select_tag`
and returns one verdict per input tag, in input order.

Problems with the input raise :class:`ExplainError` (the command line turns it into exit 2);
what Image Updater itself would report is the ``error`` of the result.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from gitops_guard.parse.loader import (
    LoadedFile,
    load_yaml,
)
from gitops_guard.policy.layout import Placement
from gitops_guard.updater.annotations import (
    NEWEST_VERSION,
    Semantics,
    parse_entry,
)
from gitops_guard.updater.config import (
    Application,
    ImageConfig,
    UpdaterRef,
    UpdaterResource,
    annotation_mode_error,
)
from gitops_guard.updater.read import read_configuration
from gitops_guard.updater.selection import (
    Selection,
    SelectionSettings,
    TagInfo,
    select_tag,
)

__all__ = [
    "ExplainError",
    "Explanation",
    "Target",
    "choose_target",
    "explain",
    "parse_tags_option",
    "parse_tags_text",
    "read_tags_file",
    "target_from_options",
    "targets_from_file",
]

MAX_TAGS_FILE: Final = 256 * 1024 * 1024


class ExplainError(ValueError):
    """Input ``explain`` cannot work with; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Target:
    """One image to explain: what it is, where its settings come from, and the settings.

    ``error`` is set when Image Updater would not even evaluate the image (for example 1.x
    dropping an Application's annotations); ``notes`` say how the settings were read.
    """

    image: str
    alias: str | None
    settings: SelectionSettings
    source: str
    error: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """The target and the outcome of the selection for it."""

    target: Target
    selection: Selection

    @property
    def error(self) -> str | None:
        """What Image Updater would report for the image (then exit 2), else None."""
        return self.target.error or self.selection.error


def explain(target: Target, tags: Sequence[TagInfo]) -> Explanation:
    """Run the selection for ``target`` over ``tags``."""
    if target.error is not None:
        selection = select_tag(target.settings, tags)
        reason = "not considered: " + target.error
        candidates = tuple(
            c._replace(accepted=False, selected=False, reason=reason) for c in selection.candidates
        )
        selection = replace(
            selection, selected=None, error=target.error, candidates=candidates, update=None
        )
        return Explanation(target, selection)
    selection = select_tag(target.settings, tags)
    if target.notes:
        selection = replace(selection, notes=target.notes + selection.notes)
    return Explanation(target, selection)


# --- targets -----------------------------------------------------------------------------


def target_from_options(
    image: str,
    *,
    strategy: str | None = None,
    constraint: str | None = None,
    allow_tags: str | None = None,
    ignore_tags: str | None = None,
    platforms: str | None = None,
    version: str = NEWEST_VERSION,
    running_tag: str | None = None,
) -> Target:
    """A target from command-line options.

    ``image`` is written like an image-list entry (``[alias=]image[:constraint]``); an
    explicit ``constraint`` replaces the one in it. ``ignore_tags`` and ``platforms`` are
    comma-separated like the annotations.
    """
    entry = parse_entry(image.strip(), Semantics.of(version))
    if entry.error is not None:
        raise ExplainError(f"--image {image!r}: {entry.error}")
    settings = SelectionSettings(
        strategy=strategy,
        constraint=constraint if constraint is not None else entry.constraint,
        allow_tags=allow_tags,
        ignore_tags=_split(ignore_tags),
        platforms=_split(platforms),
        updater_version=version,
        running_tag=running_tag,
    )
    return Target(entry.repository_reference or image, entry.alias, settings, "options")


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item.strip() for item in value.split(",") if item.strip())


def override(
    target: Target,
    *,
    strategy: str | None = None,
    constraint: str | None = None,
    allow_tags: str | None = None,
    ignore_tags: str | None = None,
    platforms: str | None = None,
    running_tag: str | None = None,
) -> Target:
    """The target with the given options replacing its settings ("what if I changed it")."""
    settings = target.settings
    changes: dict[str, Any] = {}
    if strategy is not None:
        changes["strategy"] = strategy
    if constraint is not None:
        changes["constraint"] = constraint
    if allow_tags is not None:
        changes["allow_tags"] = allow_tags
    if ignore_tags is not None:
        changes["ignore_tags"] = _split(ignore_tags)
    if platforms is not None:
        changes["platforms"] = _split(platforms)
    notes = target.notes
    if changes:
        notes = (*notes, "settings given on the command line replace those of the file")
    if running_tag is not None:
        changes["running_tag"] = running_tag  # not a setting of the file: no note
    if not changes:
        return target
    return replace(target, settings=replace(settings, **changes), notes=notes)


def targets_from_file(
    path: str,
    data: bytes,
    version: str = NEWEST_VERSION,
    resources: Mapping[str, LoadedFile] | None = None,
    place: Callable[[str], Placement] | None = None,
) -> list[Target]:
    """The images an Application (or ImageUpdater) file configures, as Image Updater reads them.

    ``resources`` are other parsed files of the repository that may hold the ImageUpdater
    resource selecting the Application (Image Updater 1.x).
    """
    loaded = load_yaml(path, data)
    if loaded.problems:
        problem = loaded.problems[0]
        raise ExplainError(f"{problem.location}: {problem.message}", problem.hint)
    files: dict[str, LoadedFile] = dict(resources or {})
    files[path] = loaded
    config = read_configuration(files, version, place)
    semantics = config.semantics
    applications = [a for a in config.applications if a.path == path]
    if applications:
        return _application_targets(semantics, applications[0], version)
    own = [r for r in config.resources if r.path == path]
    if own:
        return _resource_targets(own[0], version, None)
    raise ExplainError(
        f"{path}: no Argo CD Application, ApplicationSet or ImageUpdater resource in this file"
    )


def _annotation_targets(application: Application, version: str, source: str) -> list[Target]:
    targets = []
    for image in application.annotation_images:
        notes: list[str] = []
        if image.alias is not None and ":" in image.alias:
            notes.append(
                f"the entry `{image.entry.text}` is read as alias `{image.alias}` and image "
                f"`{image.entry.image}` (a constraint with `=` needs an alias, see GG202)"
            )
        if image.from_tag_match:
            notes.append("allow-tags comes from the deprecated tag-match annotation")
        targets.append(_target(image, version, source, notes))
    return targets


def _target(
    image: ImageConfig, version: str, source: str, notes: Iterable[str], error: str | None = None
) -> Target:
    return Target(
        image.entry.repository_reference or image.entry.text,
        image.alias,
        image.settings(version),
        source,
        error,
        tuple(notes),
    )


def _application_targets(
    semantics: Semantics, application: Application, version: str
) -> list[Target]:
    name = application.name or application.path
    annotations = f"annotations of {application.kind} {name} ({application.path})"
    if not semantics.v1:
        if application.image_list is None:
            raise ExplainError(
                f"{application.path}: {name} has no image-list annotation, so Image Updater "
                f"{semantics.label} does not consider it"
            )
        return _annotation_targets(application, version, annotations)
    if application.governed_by:
        resource, ref = application.governed_by[0]
        if ref.annotations_mode and semantics.use_annotations:
            return _annotation_targets(
                application, version, f"{annotations}, read through {resource.resource}"
            )
        targets = _resource_targets(resource, version, ref)
        if application.updater_annotations:
            note = (
                f"{name}'s own Image Updater annotations are ignored: {resource.resource} selects "
                "it without useAnnotations: true"
            )
            targets = [replace(t, notes=(*t.notes, note)) for t in targets]
        return targets
    for resource, ref, reason in application.abandoned:
        # Image Updater drops the annotation ref for this Application: nothing is updated.
        error = (
            f"Image Updater {semantics.label} drops applicationRefs[{ref.index}] of "
            f"{resource.resource} for {name}: {reason}"
        )
        return [
            _target(image, version, annotations, (), error)
            for image in application.annotation_images
        ] or [Target("?", None, SelectionSettings(updater_version=version), annotations, error)]
    if not semantics.reads_annotations:
        raise ExplainError(
            f"{application.path}: Image Updater {semantics.label} reads no annotations, and no "
            f"ImageUpdater resource of the repository selects {name}",
            "point --repo at the repository that holds the ImageUpdater resource",
        )
    if application.image_list is None:
        raise ExplainError(
            f"{application.path}: {name} has no image-list annotation and no ImageUpdater "
            "resource of the repository selects it",
            "point --repo at the repository that holds the ImageUpdater resource",
        )
    refused = annotation_mode_error(application)
    targets = _annotation_targets(application, version, annotations)
    if refused is not None:
        message = f"Image Updater {semantics.label} refuses these annotations: {refused}"
        return [replace(t, error=message) for t in targets] or [
            Target("?", None, SelectionSettings(updater_version=version), annotations, message)
        ]
    return targets


def _resource_targets(
    resource: UpdaterResource, version: str, only: UpdaterRef | None
) -> list[Target]:
    targets: list[Target] = []
    error = (
        "its namePattern is not a valid glob, so Image Updater rejects the whole resource"
        if resource.broken
        else None
    )
    for ref in resource.refs:
        if only is not None and ref is not only:
            continue
        source = f"{resource.resource} ({resource.path}), applicationRefs[{ref.index}]"
        targets.extend(_target(image, version, source, (), error) for image in ref.images)
    if not targets:
        raise ExplainError(f"{resource.path}: {resource.resource} lists no images")
    return targets


def choose_target(targets: Sequence[Target], alias: str | None) -> Target:
    """The target named by ``alias`` (an alias or an image name), or the only one."""
    if alias is None:
        if len(targets) == 1:
            return targets[0]
        names = ", ".join(t.alias or t.image for t in targets)
        raise ExplainError(
            f"the file configures {len(targets)} images; choose one with --alias: {names}"
        )
    for target in targets:
        if alias in (target.alias, target.image, target.image.rsplit("/", 1)[-1]):
            return target
    names = ", ".join(t.alias or t.image for t in targets)
    raise ExplainError(f"no image with alias {alias!r}; the file configures: {names}")


# --- tags --------------------------------------------------------------------------------


def parse_tags_option(value: str) -> list[TagInfo]:
    """``--tags 1.0.0,1.1.0`` → tags (spaces trimmed, empty entries dropped)."""
    return [TagInfo(tag) for tag in (part.strip() for part in value.split(",")) if tag]


def read_tags_file(path: Path) -> list[TagInfo]:
    """Read a tags file: one tag a line, or JSON (see :func:`parse_tags_text`)."""
    try:
        size = path.stat().st_size
        if size > MAX_TAGS_FILE:
            raise ExplainError(f"{path}: the tags file is larger than {MAX_TAGS_FILE} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise ExplainError(f"{path}: cannot read the tags file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExplainError(f"{path}: the tags file is not UTF-8 ({exc.reason})") from None
    return parse_tags_text(text, str(path))


def parse_tags_text(text: str, source: str = "tags") -> list[TagInfo]:
    """Tags from text: JSON when it starts with ``[`` or ``{``, else one tag a line.

    In the line form, blank lines and lines starting with ``#`` are skipped.
    """
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ExplainError(
                f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        except RecursionError:
            raise ExplainError(f"{source}: JSON nested too deeply") from None
        return _json_tags(data, source)
    tags = []
    for line in text.splitlines():
        tag = line.strip()
        if tag and not tag.startswith("#"):
            tags.append(TagInfo(tag))
    return tags


def _json_tags(data: object, source: str) -> list[TagInfo]:
    if isinstance(data, dict) and isinstance(data.get("tags"), list):
        data = data["tags"]  # a registry's /v2/<name>/tags/list answer
    if not isinstance(data, list):
        raise ExplainError(
            f'{source}: expected a JSON list of tags or of {{"tag", "created", "digest"}} objects'
        )
    tags: list[TagInfo] = []
    for index, item in enumerate(data):
        where = f"{source}: item {index}"
        if isinstance(item, str):
            tags.append(TagInfo(item))
            continue
        if not isinstance(item, dict):
            raise ExplainError(f"{where}: expected a tag or an object, found {_kind(item)}")
        tag = item.get("tag", item.get("name"))
        if not isinstance(tag, str) or not tag:
            raise ExplainError(f'{where}: "tag" must be a non-empty string')
        digest = item.get("digest")
        if digest is not None and not isinstance(digest, str):
            raise ExplainError(f'{where}: "digest" must be a string')
        platforms = item.get("platforms")
        if platforms is not None and not (
            isinstance(platforms, list) and all(isinstance(p, str) for p in platforms)
        ):
            raise ExplainError(f'{where}: "platforms" must be a list of "os/arch" strings')
        created = _created(item.get("created"), where)
        tags.append(
            TagInfo(tag, created, digest, tuple(platforms) if platforms is not None else None)
        )
    return tags


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list"}.get(
        type(value), type(value).__name__
    )


def _created(value: object, where: str) -> datetime.datetime | None:
    """Unix seconds or ISO 8601 (``2024-05-01T12:00:00Z``); naive times count as UTC."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ExplainError(f'{where}: "created" must be Unix seconds or an ISO 8601 date')
    if isinstance(value, (int, float)):
        try:
            return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            raise ExplainError(f'{where}: "created" {value} is out of range') from None
    if isinstance(value, str):
        try:
            when = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ExplainError(
                f'{where}: "created" {value!r} is not an ISO 8601 date such as 2024-05-01T12:00:00Z'
            ) from None
        return when if when.tzinfo is not None else when.replace(tzinfo=datetime.UTC)
    raise ExplainError(f'{where}: "created" must be Unix seconds or an ISO 8601 date')
