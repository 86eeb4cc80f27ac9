"""The annotation reader: an Application's ``argocd-image-updater.argoproj.io/*`` annotations as
configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

from gitops_guard.model import Location
from gitops_guard.parse.loader import (
    WrongType,
    child,
    child_path,
    location,
    mapping_items,
    string_value,
)
from gitops_guard.updater.annotations import (
    ANNOTATION_PREFIX,
    IMAGE_LIST,
    SELECTION_RULE_ANNOTATION,
    ImageListEntry,
    Semantics,
    classify_key,
    key_alias,
    parse_image_list,
)
from gitops_guard.updater.config import (
    ANNOTATIONS,
    Annotation,
    Application,
    Configuration,
    ImageConfig,
    Place,
    PlaceApplication,
    Value,
    WriteBack,
    _looks_like_updater_key,
    _placement,
    _text,
    _value_location,
    semantics_label,
)

if TYPE_CHECKING:
    pass


def _read_application(
    config: Configuration,
    path: str,
    root: Node,
    kind: str,
    place: Place,
    place_application: PlaceApplication | None = None,
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
        placement=(
            place_application(path, name or "", spec)
            if place_application is not None
            else _placement(path, spec, place)
        ),
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
