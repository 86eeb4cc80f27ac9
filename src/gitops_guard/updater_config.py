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

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.globs import BadPattern, go_match, validate_pattern
from gitops_guard.layout import UNPLACED, Placement
from gitops_guard.loader import (
    LoadedFile,
    WrongType,
    child,
    child_path,
    location,
    mapping_items,
    scalar_text,
    sequence,
    string_value,
)
from gitops_guard.model import Finding, Location
from gitops_guard.selection import SelectionSettings
from gitops_guard.updater import (
    ANNOTATION_PREFIX,
    IMAGE_LIST,
    NEWEST_VERSION,
    SELECTION_RULE_ANNOTATION,
    ImageListEntry,
    KeyName,
    Semantics,
    classify_key,
    key_alias,
    parse_entry,
    parse_image_list,
)

if TYPE_CHECKING:
    from gitops_guard.extract import Inventory
    from gitops_guard.policy import Policy

__all__ = [
    "PARSE_BOOL_VALUES",
    "RESOURCE_API",
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
    "configuration_of",
    "read_configuration",
    "semantics_label",
    "specificity",
]

RESOURCE_API: Final = "argocd-image-updater.argoproj.io/"
RESOURCE_KIND: Final = "ImageUpdater"
ANNOTATIONS: Final = "annotations"
RESOURCE: Final = "resource"

Place = Callable[[str], Placement]


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


def read_configuration(
    files: Mapping[str, LoadedFile],
    version: str = NEWEST_VERSION,
    place: Place | None = None,
    paths: Iterable[str] | None = None,
) -> Configuration:
    """Read every Application, ApplicationSet and ImageUpdater of ``files`` (or of ``paths``).

    ``place`` maps a repository path to its app and environment (the policy's layout).
    """
    placer: Place = place or (lambda _path: UNPLACED)
    config = Configuration(Semantics.of(version))
    for path in paths if paths is not None else sorted(files):
        loaded = files.get(path)
        if loaded is None:
            continue
        for document in loaded.documents:
            root = document.root
            kind = _text(child(root, "kind"))
            api = _text(child(root, "apiVersion")) or ""
            if kind in ("Application", "ApplicationSet") and api.startswith("argoproj.io/"):
                application = _read_application(config, path, root, kind, placer)
                if application is not None:
                    config.applications.append(application)
            elif kind == RESOURCE_KIND and api.startswith(RESOURCE_API):
                config.resources.append(_read_resource(config, path, root, placer))
    _link(config)
    return config


_CACHE: list[tuple[object, object, Configuration]] = []


def configuration_of(inventory: Inventory, policy: Policy) -> Configuration:
    """The configuration of an inventory under a policy, read once per run.

    The engine calls every inventory rule with the same inventory; a one-entry cache keyed
    by identity saves each Image Updater rule from reading the files again.
    """
    if _CACHE and _CACHE[0][0] is inventory and _CACHE[0][1] is policy:
        return _CACHE[0][2]
    config = read_configuration(inventory.parsed, policy.updater_version, policy.layout.place)
    config.reported = frozenset(inventory.files)
    _CACHE[:] = [(inventory, policy, config)]
    return config


def _read_application(
    config: Configuration, path: str, root: Node, kind: str, place: Place
) -> Application | None:
    if kind == "ApplicationSet":
        template = child_path(root, "spec", "template")
        metadata = child(template, "metadata")
        spec = child(template, "spec")
    else:
        metadata = child(root, "metadata")
        spec = child(root, "spec")
    name_node = child(metadata, "name")
    name = _text(name_node)
    templated = kind == "ApplicationSet" or (name is not None and "{{" in name)
    labels = {
        key: _text(value) or ""
        for key, _k, value in mapping_items(child(metadata, "labels"))
        if isinstance(value, ScalarNode)
    }
    anchor = location(path, name_node) if name_node is not None else location(path, root)
    annotations_node = child(metadata, "annotations")
    application = Application(
        path=path,
        kind=kind,
        name=name,
        namespace=_text(child(metadata, "namespace")),
        labels=labels,
        location=anchor,
        placement=_placement(path, spec, place),
        annotations_location=(
            location(path, annotations_node) if annotations_node is not None else None
        ),
        templated=templated,
    )
    image_list_node: Node | None = None
    for key, key_node, value_node in mapping_items(annotations_node):
        if not (
            key.startswith(ANNOTATION_PREFIX)
            or key == SELECTION_RULE_ANNOTATION
            or _looks_like_updater_key(key)
        ):
            continue
        if "{{" in key:
            continue
        error: str | None = None
        hint: str | None = None
        try:
            text = string_value(value_node, f"annotation {key}")
        except WrongType as exc:
            error, hint = exc.message, exc.hint
            text = _text(value_node)
        if text is None:
            text = ""
        if templated and "{{" in text:
            continue
        if key == IMAGE_LIST:
            image_list_node = value_node
        suffix = key[len(ANNOTATION_PREFIX) :] if key.startswith(ANNOTATION_PREFIX) else key
        value = Value(text, location(path, value_node), key, location(path, key_node))
        application.annotations.append(Annotation(key, classify_key(suffix), value, error, hint))
    _read_annotation_images(config.semantics, application, image_list_node)
    return application


def _read_annotation_images(
    semantics: Semantics, application: Application, image_list_node: Node | None
) -> None:
    """The images and write-back settings the annotations describe (for this version)."""
    by_key = {a.key: a for a in application.annotations if a.error is None}
    application.annotation_write_back = _annotation_write_back(semantics, by_key)
    image_list = application.image_list
    if image_list is None or image_list.error is not None:
        return
    value = image_list.value
    for entry in parse_image_list(value.text, semantics_label(semantics), keep_empty=True):
        where = (
            _value_location(application.path, image_list_node, entry.offset)
            if image_list_node is not None
            else value.location
        )
        application.entries.append((entry, where))
    for entry, where in application.entries:
        if entry.error is None:
            image = _annotation_image(semantics, by_key, entry, where)
            application.annotation_images.append(image)


def semantics_label(semantics: Semantics) -> str:
    """The version string of a :class:`Semantics` (``"1.3.0"``)."""
    return ".".join(str(p) for p in semantics.version)


def _annotation_image(
    semantics: Semantics,
    by_key: Mapping[str, Annotation],
    entry: ImageListEntry,
    where: Location,
) -> ImageConfig:
    alias = entry.alias
    shadowed: list[Value] = []

    def keys(option: str, inherited: bool) -> list[str]:
        found: list[str] = []
        if alias is None:
            if not semantics.v1:
                # v0.x builds "<prefix>.<option>" for images without an alias.
                found.append(f"{ANNOTATION_PREFIX}.{option}")
        elif alias or not semantics.v1:
            found.append(f"{ANNOTATION_PREFIX}{key_alias(alias, semantics)}.{option}")
        if inherited:
            found.append(ANNOTATION_PREFIX + option)
        return found

    def lookup(option: str, inherited: bool = True, keep_empty: bool = False) -> Value | None:
        candidates = keys(option, inherited)
        for index, key in enumerate(candidates):
            annotation = by_key.get(key)
            if annotation is None:
                continue
            value = annotation.value
            if semantics.trims_values and not keep_empty and not value.stripped:
                continue  # v1.x: empty is absent
            if not value.stripped and index + 1 < len(candidates):
                later = [by_key[k].value for k in candidates[index + 1 :] if k in by_key]
                if later and any(v.stripped for v in later):
                    shadowed.append(value)
            return value
        return None

    allow = lookup("allow-tags")
    from_tag_match = False
    if (allow is None or not allow.stripped) and semantics.reads_tag_match and alias is not None:
        old = by_key.get(f"{ANNOTATION_PREFIX}{key_alias(alias, semantics)}.tag-match")
        if old is not None:
            allow, from_tag_match = old.value, True
    ignore = lookup("ignore-tags", keep_empty=True)
    if ignore is not None:
        ignore = _with_items(ignore, _split_list(ignore.text, keep_empty=semantics.v1))
    platforms = lookup("platforms", inherited=False)
    if platforms is not None:
        platforms = _with_items(platforms, _split_list(platforms.text, keep_empty=False))
    return ImageConfig(
        entry=entry,
        location=where,
        origin=ANNOTATIONS,
        strategy=lookup("update-strategy"),
        allow_tags=allow,
        ignore_tags=ignore,
        platforms=platforms,
        force_update=lookup("force-update", keep_empty=True),
        pull_secret=lookup("pull-secret"),
        helm_name=lookup("helm.image-name", inherited=False),
        helm_tag=lookup("helm.image-tag", inherited=False),
        helm_spec=lookup("helm.image-spec", inherited=False),
        kustomize_name=lookup("kustomize.image-name", inherited=False),
        from_tag_match=from_tag_match,
        shadowed=tuple(shadowed),
    )


def _split_list(text: str, keep_empty: bool) -> tuple[str, ...]:
    """A comma-separated annotation list, entries trimmed (v1.x keeps empty ones)."""
    if not text.strip() and not keep_empty:
        return ()
    items = [item.strip() for item in text.strip().split(",")]
    return tuple(items if keep_empty else [i for i in items if i])


def _with_items(value: Value, items: tuple[str, ...]) -> Value:
    return Value(value.text, value.location, value.key, value.key_location, items)


def _annotation_write_back(semantics: Semantics, by_key: Mapping[str, Annotation]) -> WriteBack:
    def get(suffix: str) -> Value | None:
        annotation = by_key.get(ANNOTATION_PREFIX + suffix)
        if annotation is None:
            return None
        if semantics.trims_values and not annotation.value.stripped:
            return None
        return annotation.value

    return WriteBack(
        get("write-back-method"),
        get("write-back-target"),
        get("git-branch"),
        get("git-repository"),
    )


# --- ImageUpdater resources --------------------------------------------------------------

# Field → kind: "str", "bool", "list" (of strings), "map" (free-form), or a nested schema.
_SETTINGS: Final[dict[str, Any]] = {
    "updateStrategy": "str",
    "forceUpdate": "bool",
    "allowTags": "str",
    "ignoreTags": "list",
    "pullSecret": "str",
    "platforms": "list",
}
_PULL_REQUEST: Final[dict[str, Any]] = {"github": "map", "gitlab": "map", "labels": "list"}
_GIT_CONFIG: Final[dict[str, Any]] = {
    "repository": "str",
    "branch": "str",
    "writeBackTarget": "str",
    "pullRequest": _PULL_REQUEST,
}
_WRITE_BACK: Final[dict[str, Any]] = {"method": "str", "gitConfig": _GIT_CONFIG}
_VERIFICATION: Final[dict[str, Any]] = {
    "enabled": "bool",
    "cosignKey": {"secretName": "str", "key": "str"},
}
_TARGET: Final[dict[str, Any]] = {"name": "str", "tag": "str", "spec": "str"}
_MANIFEST_TARGETS: Final[dict[str, Any]] = {
    "helm": _TARGET,
    "kustomize": {"name": "str"},
    "plugin": _TARGET,
}
_IMAGE: Final[dict[str, Any]] = {
    "alias": "str",
    "imageName": "str",
    "commonUpdateSettings": _SETTINGS,
    "imagesVerification": _VERIFICATION,
    "manifestTargets": _MANIFEST_TARGETS,
}
_LABEL_SELECTOR: Final[dict[str, Any]] = {"matchLabels": "map", "matchExpressions": "seq"}
_REF: Final[dict[str, Any]] = {
    "namePattern": "str",
    "labelSelectors": _LABEL_SELECTOR,
    "useAnnotations": "bool",
    "commonUpdateSettings": _SETTINGS,
    "writeBackConfig": _WRITE_BACK,
    "imagesVerification": _VERIFICATION,
    "images": "seq",
}
_SPEC: Final[dict[str, Any]] = {
    "namespace": "str",
    "commonUpdateSettings": _SETTINGS,
    "writeBackConfig": _WRITE_BACK,
    "imagesVerification": _VERIFICATION,
    "applicationRefs": "seq",
}

# The release that introduced a field (older releases prune it: it has no effect).
_SINCE: Final[dict[str, tuple[int, int, int]]] = {
    "useAnnotations": (1, 1, 0),
    "pullRequest": (1, 2, 0),
    "imagesVerification": (1, 3, 0),
    "plugin": (1, 3, 0),
    "labels": (1, 3, 1),  # pullRequest.labels: after 1.3.0
}


class _ResourceReader:
    """Reads one ImageUpdater resource, recording shape problems as GG201 read problems."""

    def __init__(self, config: Configuration, path: str, name: str | None) -> None:
        self.config = config
        self.path = path
        self.resource = f"ImageUpdater/{name or '?'}"

    def problem(
        self, node: Node, message: str, hint: str | None = None, rule: str = "GG201"
    ) -> None:
        """Record a problem at ``node`` for ``rule`` (GG201 by default)."""
        self.config.problems.append(
            Finding(rule, message, location(self.path, node), hint=hint, resource=self.resource)
        )

    def check_shape(self, node: Node | None, schema: Mapping[str, Any], where: str) -> None:
        """Unknown fields, fields of a newer release, and wrong value types."""
        if node is None:
            return
        if not isinstance(node, MappingNode):
            self.problem(node, f"`{where}` must be a mapping")
            return
        semantics = self.config.semantics
        for key, key_node, value_node in mapping_items(node):
            field_path = f"{where}.{key}"
            expected = schema.get(key)
            if expected is None:
                suggestion = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.7)
                extra = f" (did you mean `{suggestion[0]}`?)" if suggestion else ""
                known = ", ".join(schema)
                if key == "namespace" and where == "spec" and semantics.version >= (1, 2, 0):
                    message = (
                        f"`{field_path}` was removed in Image Updater 1.2: the resource's own "
                        "namespace is where Applications are looked up"
                    )
                else:
                    message = f"unknown field `{field_path}`{extra}; the CRD knows: {known}"
                self.problem(
                    key_node,
                    message,
                    "the API server prunes or rejects unknown fields, so this setting does nothing",
                )
                continue
            since = _SINCE.get(key)
            if since is not None and semantics.version < since:
                release = ".".join(str(p) for p in since[:2])
                self.problem(
                    key_node,
                    f"`{field_path}` needs Image Updater {release}; {semantics.label} does not "
                    "know it and ignores it",
                    rule="GG210",
                )
            if isinstance(expected, dict):
                self.check_shape(value_node, expected, field_path)
            elif expected == "str" and not _is_string(value_node):
                self.problem(value_node, f"`{field_path}` must be a string")
            elif expected == "bool" and not _is_bool(value_node):
                self.problem(value_node, f"`{field_path}` must be true or false")
            elif expected == "list" and not (
                isinstance(value_node, SequenceNode)
                and all(_is_string(item) for item in value_node.value)
            ):
                self.problem(value_node, f"`{field_path}` must be a list of strings")
            elif expected == "map" and not isinstance(value_node, MappingNode):
                self.problem(value_node, f"`{field_path}` must be a mapping")
            elif expected == "seq" and not isinstance(value_node, SequenceNode):
                self.problem(value_node, f"`{field_path}` must be a list")

    def value(self, node: Node | None, key: str, key_node: Node | None = None) -> Value | None:
        """A scalar or list node as a :class:`Value` (None when absent or null)."""
        if node is None or not isinstance(node, (ScalarNode, SequenceNode)):
            return None
        if isinstance(node, SequenceNode):
            items = tuple(_text(item) or "" for item in node.value if isinstance(item, ScalarNode))
            text = ", ".join(items)
        else:
            if node.tag == "tag:yaml.org,2002:null":
                return None
            text, items = str(node.value), ()
        anchor = key_node if key_node is not None else node
        return Value(text, location(self.path, node), key, location(self.path, anchor), items)

    def settings(self, node: Node | None, where: str) -> dict[str, Value]:
        """The fields of a commonUpdateSettings block that are set."""
        found: dict[str, Value] = {}
        for key, key_node, value_node in mapping_items(node):
            if key in _SETTINGS:
                value = self.value(value_node, f"{where}.{key}", key_node)
                if value is not None:
                    if key == "forceUpdate":
                        value = _bool_value(value, value_node)
                    found[key] = value
        return found

    def field(self, node: Node | None, key: str, where: str) -> Value | None:
        """The value of ``key`` in a mapping, located at its value and its key."""
        for name, key_node, value_node in mapping_items(node):
            if name == key:
                return self.value(value_node, f"{where}.{key}", key_node)
        return None

    def write_back(self, node: Node | None, where: str) -> WriteBack:
        """The writeBackConfig block under ``node``."""
        git = child(node, "gitConfig")
        git_where = f"{where}.gitConfig"
        return WriteBack(
            self.field(node, "method", where),
            self.field(git, "writeBackTarget", git_where),
            self.field(git, "branch", git_where),
            self.field(git, "repository", git_where),
            _presence(self.path, child(git, "pullRequest"), f"{git_where}.pullRequest"),
        )


def _presence(path: str, node: Node | None, key: str) -> Value | None:
    """A block that matters by being there (``pullRequest``)."""
    if node is None:
        return None
    return Value("set", location(path, node), key, location(path, node))


def _is_string(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def _is_bool(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:bool"


def _bool_value(value: Value, node: Node) -> Value:
    """Booleans as ``true``/``false`` whatever YAML 1.1 spelling was used."""
    if _is_bool(node):
        assert isinstance(node, ScalarNode)
        truth = node.value.lower() in ("true", "yes", "on", "y")
        return Value("true" if truth else "false", value.location, value.key, value.key_location)
    return value


def _read_resource(config: Configuration, path: str, root: Node, place: Place) -> UpdaterResource:
    metadata = child(root, "metadata")
    name_node = child(metadata, "name")
    name = _text(name_node)
    reader = _ResourceReader(config, path, name)
    spec = child(root, "spec")
    semantics = config.semantics
    reader.check_shape(spec, _SPEC, "spec")
    namespace = _text(child(metadata, "namespace"))
    target_namespace = namespace
    spec_namespace = _text(child(spec, "namespace"))
    if spec_namespace and not semantics.use_annotations:
        target_namespace = spec_namespace  # v1.0 looks for Applications in spec.namespace
    anchor = location(path, name_node) if name_node is not None else location(path, root)
    resource = UpdaterResource(
        path=path,
        name=name,
        namespace=namespace,
        target_namespace=target_namespace,
        location=anchor,
        placement=place(path),
        settings=reader.settings(child(spec, "commonUpdateSettings"), "spec.commonUpdateSettings"),
        write_back=reader.write_back(child(spec, "writeBackConfig"), "spec.writeBackConfig"),
        refs=[],
    )
    refs_node = child(spec, "applicationRefs")
    if spec is not None and (refs_node is None or not sequence(refs_node)):
        reader.problem(
            refs_node if refs_node is not None else spec,
            "`spec.applicationRefs` is required and needs at least one entry; the API server "
            "rejects the resource",
        )
    for index, ref_node in enumerate(sequence(refs_node)):
        resource.refs.append(_read_ref(reader, resource, index, ref_node))
    return resource


def _read_ref(
    reader: _ResourceReader, resource: UpdaterResource, index: int, node: Node
) -> UpdaterRef:
    where = f"spec.applicationRefs[{index}]"
    reader.check_shape(node, _REF, where)
    path = reader.path
    pattern_node = child(node, "namePattern")
    pattern = reader.value(pattern_node, f"{where}.namePattern")
    pattern_error: str | None = None
    if pattern is None:
        pattern_error = "missing"
        reader.problem(
            node,
            f"`{where}.namePattern` is required; the API server rejects the resource",
            "use `*` to select every Application in the namespace",
        )
    else:
        try:
            validate_pattern(pattern.text)
        except BadPattern as exc:
            pattern_error = exc.reason
            assert pattern_node is not None
            reader.problem(
                pattern_node,
                f"`{where}.namePattern` `{pattern.text}` is not a valid glob ({exc.reason}): "
                "Image Updater rejects the whole ImageUpdater resource, so none of its "
                "Applications is updated",
                "namePattern uses Go filepath.Match syntax: *, ?, [a-z], [^a-z], \\ escapes",
            )
    selector = child(node, "labelSelectors")
    match_labels = {
        key: _text(value) or "" for key, _k, value in mapping_items(child(selector, "matchLabels"))
    }
    expressions: list[tuple[str, str, tuple[str, ...]]] = []
    for expression in sequence(child(selector, "matchExpressions")):
        key = _text(child(expression, "key")) or ""
        operator = _text(child(expression, "operator")) or ""
        values = tuple(_text(v) or "" for v in sequence(child(expression, "values")))
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            reader.problem(
                expression,
                f"`{where}.labelSelectors.matchExpressions` operator `{operator}` is not one of "
                "In, NotIn, Exists, DoesNotExist",
            )
        expressions.append((key, operator, values))
    use_node = child(node, "useAnnotations")
    use_annotations = reader.value(use_node, f"{where}.useAnnotations")
    if use_annotations is not None and use_node is not None:
        use_annotations = _bool_value(use_annotations, use_node)
    settings = reader.settings(child(node, "commonUpdateSettings"), f"{where}.commonUpdateSettings")
    ref = UpdaterRef(
        index=index,
        location=location(path, node),
        name_pattern=pattern,
        pattern_error=pattern_error,
        match_labels=match_labels,
        match_expressions=expressions,
        has_selector=selector is not None,
        use_annotations=use_annotations,
        settings=settings,
        write_back=reader.write_back(child(node, "writeBackConfig"), f"{where}.writeBackConfig"),
        images=[],
        image_settings=[],
        path=path,
    )
    images_node = child(node, "images")
    if not ref.annotations_mode and not sequence(images_node):
        reader.problem(
            images_node if images_node is not None else node,
            f"`{where}.images` is required (unless useAnnotations is true) and needs at least one "
            "image; the API server rejects the resource",
            rule="GG202",
        )
    seen: dict[str, Node] = {}
    for image_index, image_node in enumerate(sequence(images_node)):
        image_where = f"{where}.images[{image_index}]"
        reader.check_shape(image_node, _IMAGE, image_where)
        image = _read_image(reader, resource, ref, image_node, image_where, seen)
        if image is not None:
            ref.images.append(image)
    return ref


def _read_image(
    reader: _ResourceReader,
    resource: UpdaterResource,
    ref: UpdaterRef,
    node: Node,
    where: str,
    seen: dict[str, Node],
) -> ImageConfig | None:
    semantics = reader.config.semantics
    alias_node = child(node, "alias")
    name_node = child(node, "imageName")
    alias = _text(alias_node)
    image_name = _text(name_node)
    if alias is None or image_name is None or not image_name.strip():
        missing = "alias" if alias is None else "imageName"
        reader.problem(
            node if (alias is None or name_node is None) else name_node,
            f"`{where}.{missing}` is required; the API server rejects the resource",
            rule="GG202",
        )
        return None
    if alias in seen:
        reader.problem(
            alias_node or node,
            f"alias `{alias}` is listed twice in `{where.rsplit('.', 1)[0]}.images`; the list is "
            "keyed by alias and the API server rejects the resource",
            rule="GG202",
        )
    seen[alias] = node
    entry = parse_entry(f"{alias}={image_name}", semantics)
    assert name_node is not None
    where_image = location(reader.path, name_node)
    merged = dict(resource.settings)
    merged.update(ref.settings)
    own = reader.settings(child(node, "commonUpdateSettings"), f"{where}.commonUpdateSettings")
    merged.update(own)
    ref.image_settings.append(own)
    targets = child(node, "manifestTargets")
    helm = child(targets, "helm")
    kustomize = child(targets, "kustomize")
    plugin = child(targets, "plugin")
    chosen = [n for n in (helm, kustomize, plugin) if n is not None]
    if targets is not None and len(chosen) != 1:
        reader.problem(
            targets,
            f"`{where}.manifestTargets` must set exactly one of helm, kustomize"
            + (", plugin" if semantics.version >= (1, 3, 0) else "")
            + "; the API server rejects the resource",
        )
    if kustomize is not None and child(kustomize, "name") is None:
        reader.problem(kustomize, f"`{where}.manifestTargets.kustomize.name` is required")
    prefix = f"{where}.manifestTargets"
    return ImageConfig(
        entry=entry,
        location=where_image,
        origin=RESOURCE,
        strategy=merged.get("updateStrategy"),
        allow_tags=merged.get("allowTags"),
        ignore_tags=merged.get("ignoreTags"),
        platforms=merged.get("platforms"),
        force_update=merged.get("forceUpdate"),
        pull_secret=merged.get("pullSecret"),
        helm_name=reader.value(child(helm, "name"), f"{prefix}.helm.name"),
        helm_tag=reader.value(child(helm, "tag"), f"{prefix}.helm.tag"),
        helm_spec=reader.value(child(helm, "spec"), f"{prefix}.helm.spec"),
        kustomize_name=reader.value(child(kustomize, "name"), f"{prefix}.kustomize.name"),
        plugin=_presence(reader.path, plugin, f"{prefix}.plugin"),
    )


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


def _same_namespace(resource: UpdaterResource, application: Application) -> bool:
    # A namespace left out of a file is set by `kubectl apply -n`; it can match anything.
    wanted = resource.target_namespace
    return wanted is None or application.namespace is None or wanted == application.namespace


def _link(config: Configuration) -> None:
    """Give each Application the applicationRef (one per resource) that governs it."""
    semantics = config.semantics
    if not semantics.v1:
        return
    for resource in config.resources:
        if resource.broken:
            continue
        ordered = sorted(resource.refs, key=specificity, reverse=True)
        for application in config.applications:
            if application.templated or not _same_namespace(resource, application):
                continue
            for ref in ordered:
                if not ref.matches(application):
                    continue
                if ref.annotations_mode and semantics.use_annotations:
                    reason = annotation_mode_error(semantics, application)
                    if reason is not None:
                        # AIU abandons this ref for the Application and tries the next one.
                        application.abandoned.append((resource, ref, reason))
                        continue
                application.governed_by.append((resource, ref))
                resource.governs.append(application)
                break


def annotation_mode_error(semantics: Semantics, application: Application) -> str | None:
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
