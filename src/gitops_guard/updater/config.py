"""Argo CD Image Updater's configuration as it reads it: annotations and ImageUpdater resources.

Two sources describe which images Image Updater (AIU) manages and how:

* **Annotations** on Argo CD ``Application``s (v0.x; v1.1+ when an ``applicationRef`` says
  ``useAnnotations: true``). Per-image keys win over application-wide ones; v0.x takes the
  first key that is *present* (an empty per-alias value shadows the application-wide one),
  v1.x trims values and treats empty ones as absent (except ``ignore-tags``, whose empty value
  is kept as the list ``[""]``, and ``force-update``, which must then parse as a boolean).
* **ImageUpdater resources** (v1.0+): ``spec`` settings, then the ``applicationRef`` that
  selects the Application (its ``namePattern`` glob and ``labelSelectors``, the most specific
  ref first), then the image; later non-empty values win, lists replace whole lists.

:func:`read_configuration` reads every Application, ApplicationSet template and ImageUpdater
of a set of parsed files, links resources to the Applications they govern (by name, within
the resource's namespace) and records each value with its location, so rules can point at
the line to change. Shape problems met while reading (unknown resource fields, values of the
wrong YAML type) are kept as findings for the rules to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from yaml.nodes import Node, ScalarNode

from gitops_guard.model import Finding, Location
from gitops_guard.parse.loader import (
    child,
    location,
    scalar_text,
    sequence,
)
from gitops_guard.patterns.gofilepath import (
    BadPattern,
    go_match,
)
from gitops_guard.policy.layout import (
    Placement,
)
from gitops_guard.updater.annotations import (
    ANNOTATION_PREFIX,
    IMAGE_LIST,
    NEWEST_VERSION,
    SELECTION_RULE_ANNOTATION,
    ImageListEntry,
    KeyName,
    Semantics,
    key_alias,
)
from gitops_guard.updater.kinds import RESOURCE_API, RESOURCE_KIND
from gitops_guard.updater.selection import SelectionSettings

if TYPE_CHECKING:
    pass


__all__ = [
    "PARSE_BOOL_VALUES",
    "RESOURCE_API",
    "RESOURCE_KIND",
    "Annotation",
    "Application",
    "Configuration",
    "ImageConfig",
    "Managed",
    "UpdaterRef",
    "UpdaterResource",
    "Value",
    "WriteBack",
    "annotation_mode_error",
    "semantics_label",
    "specificity",
]

ANNOTATIONS: Final = "annotations"
RESOURCE: Final = "resource"

Place = Callable[[str], Placement]
# Where an Application deploys, from its file, name and spec (extract.deployments knows).
PlaceApplication = Callable[[str, str, Node | None], Placement]


@dataclass(frozen=True, slots=True)
class Value:
    """A configured value: its text, where it is written and what to call it in messages.

    ``key`` is the annotation name or the resource field path; ``items`` holds the entries of
    list-valued settings (ignore-tags, platforms).
    """

    text: str
    location: Location
    key: str
    key_location: Location
    items: tuple[str, ...] = ()

    @property
    def stripped(self) -> str:
        """The text without surrounding whitespace (how 1.x reads it)."""
        return self.text.strip()


@dataclass(frozen=True, slots=True)
class Annotation:
    """One Image Updater annotation on an Application (or the selection-rule annotation)."""

    key: str
    name: KeyName
    value: Value
    error: str | None = None  # the value is not a YAML string (Kubernetes rejects it)
    error_hint: str | None = None

    @property
    def suffix(self) -> str:
        """The key without the Image Updater prefix."""
        return self.name.suffix


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """One image Image Updater manages, with the settings that apply to it.

    Each setting is the :class:`Value` that wins (None: the built-in default). ``origin`` is
    ``annotations`` or ``resource``; ``location`` points at the image-list entry or at the
    resource's ``imageName``.
    """

    entry: ImageListEntry
    location: Location
    origin: str
    strategy: Value | None = None
    allow_tags: Value | None = None
    ignore_tags: Value | None = None
    platforms: Value | None = None
    force_update: Value | None = None
    pull_secret: Value | None = None
    helm_name: Value | None = None
    helm_tag: Value | None = None
    helm_spec: Value | None = None
    kustomize_name: Value | None = None
    plugin: Value | None = None
    from_tag_match: bool = False
    shadowed: tuple[Value, ...] = ()  # v0.x: empty per-alias values hiding app-wide ones

    @property
    def alias(self) -> str | None:
        """The alias of the image-list entry (None without one)."""
        return self.entry.alias

    @property
    def label(self) -> str:
        """How messages name the image: ``alias (image)`` or the image."""
        image = self.entry.repository_reference or self.entry.text
        if self.entry.alias:
            return f"`{self.entry.alias}` ({image})"
        return f"`{image}`"

    @property
    def ignore_list(self) -> tuple[str, ...]:
        """The ignore-tags globs that apply."""
        return self.ignore_tags.items if self.ignore_tags is not None else ()

    @property
    def platform_list(self) -> tuple[str, ...]:
        """The platforms that apply (empty: Image Updater's own)."""
        return self.platforms.items if self.platforms is not None else ()

    def settings(
        self, version: str = NEWEST_VERSION, running_tag: str | None = None
    ) -> SelectionSettings:
        """What the selection needs for this image (v1.x trims values, v0.x does not)."""
        trim = Semantics.of(version).trims_values or self.origin == RESOURCE

        def text(value: Value | None) -> str | None:
            if value is None:
                return None
            return value.text.strip() if trim else value.text

        strategy = text(self.strategy)
        allow = text(self.allow_tags)
        return SelectionSettings(
            strategy=strategy,
            constraint=self.entry.constraint,
            allow_tags=allow,
            ignore_tags=self.ignore_list,
            platforms=self.platform_list,
            updater_version=version,
            running_tag=running_tag,
        )


@dataclass(frozen=True, slots=True)
class WriteBack:
    """Write-back settings; None where nothing is configured (the method then is argocd)."""

    method: Value | None = None
    target: Value | None = None
    branch: Value | None = None
    repository: Value | None = None
    pull_request: Value | None = None

    def over(self, base: WriteBack) -> WriteBack:
        """These settings laid over ``base`` field by field (non-empty values win)."""
        return WriteBack(
            self.method or base.method,
            self.target or base.target,
            self.branch or base.branch,
            self.repository or base.repository,
            self.pull_request or base.pull_request,
        )


@dataclass
class Application:
    """An Argo CD Application (or ApplicationSet template) and its Image Updater settings."""

    path: str
    kind: str
    name: str | None
    namespace: str | None
    labels: dict[str, str]
    location: Location
    placement: Placement
    annotations: list[Annotation] = field(default_factory=list)
    annotations_location: Location | None = None
    templated: bool = False
    entries: list[tuple[ImageListEntry, Location]] = field(default_factory=list)
    annotation_images: list[ImageConfig] = field(default_factory=list)
    annotation_write_back: WriteBack = field(default_factory=WriteBack)
    governed_by: list[tuple[UpdaterResource, UpdaterRef]] = field(default_factory=list)
    abandoned: list[tuple[UpdaterResource, UpdaterRef, str]] = field(default_factory=list)

    @property
    def resource(self) -> str:
        """``Kind/name`` for baselines and messages."""
        return f"{self.kind}/{self.name or '?'}"

    def _keyed(self, key: str) -> Annotation | None:
        return next((a for a in self.annotations if a.key == key), None)

    @property
    def image_list(self) -> Annotation | None:
        """The image-list annotation, if present."""
        return self._keyed(IMAGE_LIST)

    @property
    def selection_rule(self) -> Annotation | None:
        """The gitops-guard.io/selection-rule annotation, if present."""
        return self._keyed(SELECTION_RULE_ANNOTATION)

    @property
    def updater_annotations(self) -> list[Annotation]:
        """The annotations with the exact Image Updater prefix."""
        return [a for a in self.annotations if a.key.startswith(ANNOTATION_PREFIX)]

    def key_aliases(self, semantics: Semantics) -> dict[str, str]:
        """The aliases image-list defines, by the spelling their keys use (v0.x: ``/``→``_``)."""
        return {
            key_alias(entry.alias, semantics): entry.alias
            for entry, _where in self.entries
            if entry.alias
        }

    def annotation(self, suffix: str) -> Annotation | None:
        """The Image Updater annotation ``<prefix><suffix>``, if present."""
        return self._keyed(ANNOTATION_PREFIX + suffix)

    def finding(
        self,
        rule: str,
        message: str,
        where: Location,
        hint: str | None = None,
        image: ImageConfig | None = None,
        container: str | None = None,
    ) -> Finding:
        """A finding about this Application, with its app, environment and image."""
        return Finding(
            rule,
            message,
            where,
            hint=hint,
            app=self.placement.app,
            environment=self.placement.environment,
            image=image.entry.repository_reference if image is not None else None,
            resource=self.resource,
            container=container or (image.alias if image is not None else None),
        )


@dataclass
class UpdaterRef:
    """One ``applicationRefs`` entry of an ImageUpdater resource."""

    index: int
    location: Location
    name_pattern: Value | None
    pattern_error: str | None
    match_labels: dict[str, str]
    match_expressions: list[tuple[str, str, tuple[str, ...]]]
    has_selector: bool
    use_annotations: Value | None
    settings: dict[str, Value]
    write_back: WriteBack
    images: list[ImageConfig]
    image_settings: list[dict[str, Value]]
    path: str

    @property
    def annotations_mode(self) -> bool:
        """True when the ref says ``useAnnotations: true``."""
        value = self.use_annotations
        return value is not None and value.text == "true"

    def matches(self, application: Application) -> bool:
        """Whether this ref selects the Application (name glob and label selector)."""
        if self.name_pattern is None or self.pattern_error or application.name is None:
            return False
        try:
            if not go_match(self.name_pattern.text, application.name):
                return False
        except BadPattern:
            return False
        labels = application.labels
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for key, operator, values in self.match_expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
        return True


@dataclass
class UpdaterResource:
    """An ImageUpdater custom resource."""

    path: str
    name: str | None
    namespace: str | None
    target_namespace: str | None
    location: Location
    placement: Placement
    settings: dict[str, Value]
    write_back: WriteBack
    refs: list[UpdaterRef]
    governs: list[Application] = field(default_factory=list)

    @property
    def resource(self) -> str:
        """``Kind/name`` for baselines and messages."""
        return f"ImageUpdater/{self.name or '?'}"

    @property
    def broken(self) -> bool:
        """An invalid ``namePattern`` makes Image Updater reject the whole resource."""
        return any(ref.pattern_error for ref in self.refs)

    def finding(
        self,
        rule: str,
        message: str,
        where: Location,
        hint: str | None = None,
        image: ImageConfig | None = None,
        placement: Placement | None = None,
        ref: UpdaterRef | None = None,
    ) -> Finding:
        """A finding about this resource.

        It carries the app and environment of ``placement``, else of the one place the
        Applications ``ref`` governs run in, else of the resource's own file.
        """
        placed = placement
        if placed is None and ref is not None:
            places = self.placements(ref)
            placed = places[0] if len(places) == 1 else None
        placed = placed or self.placement
        return Finding(
            rule,
            message,
            where,
            hint=hint,
            app=placed.app,
            environment=placed.environment,
            image=image.entry.repository_reference if image is not None else None,
            resource=self.resource,
            container=image.alias if image is not None else None,
        )

    def setting_blocks(self) -> list[tuple[dict[str, Value], UpdaterRef | None]]:
        """Every commonUpdateSettings block: the spec's, each ref's, each image's."""
        blocks: list[tuple[dict[str, Value], UpdaterRef | None]] = [(self.settings, None)]
        for ref in self.refs:
            blocks.append((ref.settings, ref))
            blocks.extend((own, ref) for own in ref.image_settings)
        return blocks

    def placements(self, ref: UpdaterRef) -> list[Placement]:
        """Where the images of ``ref`` run: its Applications' places, else the file's."""
        places = [a.placement for a in self.governs if (self, ref) in a.governed_by]
        unique = list(dict.fromkeys(places))
        return unique or [self.placement]


@dataclass(frozen=True, slots=True)
class Managed:
    """Images Image Updater manages in one place, and how it writes them back.

    ``application`` is None for a resource ref that selects no Application of the repository
    (its placement then comes from the resource's file).
    """

    placement: Placement
    images: tuple[ImageConfig, ...]
    write_back: WriteBack
    application: Application | None
    resource: UpdaterResource | None
    ref: UpdaterRef | None

    @property
    def origin(self) -> str:
        """``annotations`` or ``resource``: where the settings are written."""
        return RESOURCE if self.resource is not None and self.ref is not None else ANNOTATIONS

    @property
    def anchor(self) -> Location:
        """What puts the images under Image Updater: the image list, or the resource ref."""
        if self.ref is not None:
            return self.ref.location
        assert self.application is not None
        image_list = self.application.image_list
        if image_list is not None:
            return image_list.value.key_location
        return self.application.location

    def finding(
        self,
        rule: str,
        message: str,
        where: Location,
        hint: str | None = None,
        image: ImageConfig | None = None,
    ) -> Finding:
        """A finding located in the annotation or the resource field ``where``."""
        if self.origin == RESOURCE and self.resource is not None:
            return self.resource.finding(rule, message, where, hint, image, self.placement)
        assert self.application is not None
        return self.application.finding(rule, message, where, hint, image)


@dataclass
class Configuration:
    """Everything Image Updater would read from a set of files."""

    semantics: Semantics
    applications: list[Application] = field(default_factory=list)
    resources: list[UpdaterResource] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    reported: frozenset[str] | None = None

    def report(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """The findings located in files this run judges (all when ``reported`` is None).

        In the pre-commit case everything parsed is read, so resources link to their
        Applications, but only the given files are judged.
        """
        for finding in findings:
            if self.reported is None or finding.location.path in self.reported:
                yield finding

    def problems_for(self, rule: str) -> Iterable[Finding]:
        """The read problems a rule reports, as findings."""
        for problem in self.problems:
            if problem.rule == rule:
                yield problem

    def annotation_applications(self) -> list[Application]:
        """Applications whose Image Updater annotations this version would read.

        v0.x: any with annotations; v1.0: none; v1.1+: those governed through
        ``useAnnotations: true``, and those no resource of the repository governs (the
        resource may live elsewhere).
        """
        semantics = self.semantics
        if not semantics.reads_annotations:
            return []
        chosen = []
        for application in self.applications:
            if not application.updater_annotations:
                continue
            if (
                not semantics.v1
                or not application.governed_by
                or any(ref.annotations_mode for _r, ref in application.governed_by)
            ):
                chosen.append(application)
        return chosen

    def managed(self) -> list[Managed]:
        """Every place where images are managed, with the settings that apply there."""
        found: list[Managed] = []
        for application in self.annotation_applications():
            if application.image_list is None:
                continue
            found.append(
                Managed(
                    application.placement,
                    tuple(application.annotation_images),
                    application.annotation_write_back,
                    application,
                    None,
                    None,
                )
            )
        if not self.semantics.v1:
            return found
        for resource in self.resources:
            if resource.broken:
                continue
            for ref in resource.refs:
                if ref.annotations_mode and self.semantics.use_annotations:
                    continue
                write_back = ref.write_back.over(resource.write_back)
                governed = [a for a in resource.governs if (resource, ref) in a.governed_by]
                if not governed:
                    found.append(
                        Managed(
                            resource.placement,
                            tuple(ref.images),
                            write_back,
                            None,
                            resource,
                            ref,
                        )
                    )
                for application in governed:
                    found.append(
                        Managed(
                            application.placement,
                            tuple(ref.images),
                            write_back,
                            application,
                            resource,
                            ref,
                        )
                    )
        return found


# --- reading ----------------------------------------------------------------------------


def _value_location(path: str, node: Node, offset: int = 0) -> Location:
    """Where character ``offset`` of a scalar's value is, when the scalar is on one line."""
    base = location(path, node)
    if not offset or not isinstance(node, ScalarNode):
        return base
    value = node.value
    if "\n" in value or node.style not in (None, "", "'", '"'):
        return base
    if node.start_mark.line != node.end_mark.line:
        return base
    quote = 1 if node.style in ("'", '"') else 0
    return Location(path, base.line, base.column + quote + offset)


def _text(node: Node | None) -> str | None:
    """A scalar's text whatever YAML type it resolved to."""
    return scalar_text(node)


def _looks_like_updater_key(key: str) -> bool:
    """Keys meant for Image Updater but missing its exact prefix (a typo in the prefix)."""
    head = key.split("/", 1)[0].lower()
    return "image-updater" in head and not key.startswith(ANNOTATION_PREFIX)


def _placement(path: str, spec: Node | None, place: Place) -> Placement:
    """Where an Application's images run: the first source path the layout places."""
    sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
    for source in sources:
        source_path = _text(child(source, "path"))
        if source_path and "{{" not in source_path:
            mapped = place(source_path)
            if mapped.app or mapped.environment:
                return mapped
    return place(path)


def semantics_label(semantics: Semantics) -> str:
    """The version string of a :class:`Semantics` (``"1.3.0"``)."""
    return ".".join(str(p) for p in semantics.version)


# --- linking -----------------------------------------------------------------------------


def specificity(ref: UpdaterRef) -> int:
    """AIU's ordering of applicationRefs: the most specific selector is tried first.

    A pattern without glob characters scores 1,000,000, every literal character one more
    (after removing ``[...]`` classes, ``*`` and ``?``); a label selector adds 10,000 and 100
    per matchLabel or matchExpression.
    """
    score = 0
    pattern = ref.name_pattern.text if ref.name_pattern is not None else ""
    if not any(char in pattern for char in "*?["):
        score += 1_000_000
    literal = []
    depth = False
    for char in pattern:
        if char == "[":
            depth = True
        elif char == "]" and depth:
            depth = False
        elif not depth and char not in "*?":
            literal.append(char)
    score += len(literal)
    if ref.has_selector:
        score += 10_000 + 100 * (len(ref.match_labels) + len(ref.match_expressions))
    return score


def annotation_mode_error(application: Application) -> str | None:
    """Why v1.x annotation mode refuses an Application's annotations, or None.

    These make AIU drop the applicationRef for this Application (the next, less specific
    ref that matches is tried instead).
    """
    image_list = application.image_list
    if image_list is None:
        return "it has no image-list annotation"
    if not application.entries or all(not e.text for e, _ in application.entries):
        return "its image-list is empty"
    for entry, _where in application.entries:
        if entry.error:
            return f"image-list entry `{entry.text}`: {entry.error}"
    for image in application.annotation_images:
        force = image.force_update
        if force is not None and force.stripped not in _PARSE_BOOL:
            return f"`{force.key}` is `{force.text}`, not a boolean"
        has_helm = image.helm_name or image.helm_tag or image.helm_spec
        if has_helm and image.kustomize_name is not None:
            return f"alias `{image.alias}` has both helm.* and kustomize.image-name keys"
    return None


# Go's strconv.ParseBool.
_PARSE_BOOL: Final = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)
PARSE_BOOL_VALUES: Final = _PARSE_BOOL
