"""The ImageUpdater resource reader (v1.0+): spec settings, application refs and images, with their
locations.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Finding
from gitops_guard.parse.loader import (
    child,
    location,
    mapping_items,
    sequence,
)
from gitops_guard.patterns.gofilepath import (
    BadPattern,
    validate_pattern,
)
from gitops_guard.updater.annotations import (
    parse_entry,
)
from gitops_guard.updater.config import (
    RESOURCE,
    Configuration,
    ImageConfig,
    Place,
    UpdaterRef,
    UpdaterResource,
    Value,
    WriteBack,
    _text,
)

if TYPE_CHECKING:
    pass


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
