"""Helm values: ``image.repository/tag/registry/digest`` (or ``image: name:tag``), nested.

``values.yaml`` beside ``values-<env>.yaml`` files is the chart's default: its images
are reported through each environment file, with that file's keys laid over it, so
``values-prod.yaml`` setting only ``image.tag`` yields the full prod reference,
located at the prod file's ``tag:`` line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.extract.context import Context
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import (
    child,
    location,
    mapping_items,
)
from gitops_guard.policy.layout import Placement

VALUES_NAME = re.compile(r"values(?:[-._][^/]*)?\.ya?ml\Z")
BASE_VALUES = ("values.yaml", "values.yml")
_FIELDS = {
    "repository": "repository",
    "name": "repository",
    "registry": "registry",
    "tag": "tag",
    "digest": "digest",
}
_MAX_DEPTH = 64


def is_values_file(path: str) -> bool:
    """Whether a file name follows the Helm values convention (``values*.yaml``)."""
    return VALUES_NAME.match(posixpath.basename(path)) is not None


@dataclass
class HelmImage:
    """The image fields found under one key path (``image``, ``controller.image``...)."""

    keypath: str
    fields: dict[str, tuple[str, Location]] = field(default_factory=dict)
    spec: tuple[str, Location] | None = None
    anchor: Location | None = None
    latest: set[str] = field(default_factory=set)  # fields set by the topmost layer

    def over(self, base: HelmImage | None) -> HelmImage:
        """These fields laid over ``base`` (a key set here wins)."""
        if base is None or self.spec is not None:
            # Alone, every field is as recent as the others: no preference.
            return HelmImage(self.keypath, dict(self.fields), self.spec, self.anchor)
        merged = HelmImage(self.keypath, dict(base.fields), base.spec, self.anchor or base.anchor)
        if self.fields:
            merged.spec = None if "repository" in self.fields else base.spec
        merged.fields.update(self.fields)
        merged.latest = set(self.fields)
        return merged

    def reference(self) -> tuple[str, Location] | None:
        """The full reference and the line to change, when a repository is known."""
        if self.spec is not None and not self.fields:
            return self.spec
        repository = self.fields.get("repository")
        if repository is None:
            if self.spec is None:
                return None
            return self.spec
        raw = repository[0]
        registry = self.fields.get("registry")
        if registry and registry[0]:
            raw = registry[0].rstrip("/") + "/" + raw
        tag = self.fields.get("tag")
        digest = self.fields.get("digest")
        if tag and tag[0]:
            raw += f":{tag[0]}"
        if digest and digest[0]:
            raw += f"@{digest[0]}"
        # Point at what the topmost layer set (a prod file setting only the digest is
        # where prod's image is decided), preferring the version over the name.
        present = [f for f in ("tag", "digest", "repository") if self.fields.get(f, ("",))[0]]
        recent = [f for f in present if f in self.latest]
        chosen = (recent or present or ["repository"])[0]
        return raw, self.fields[chosen][1]


def helm_images(
    ctx: Context, path: str, root: Node, offset: tuple[int, int] = (0, 0)
) -> dict[str, HelmImage]:
    """Every image found in a values tree, by key path (a fresh copy the caller may change)."""
    images = ctx.remember(
        path, ("helm_images", offset), root, lambda: _helm_images(ctx, path, root, offset)
    )
    return copy_images(images)


def _helm_images(
    ctx: Context, path: str, root: Node, offset: tuple[int, int]
) -> dict[str, HelmImage]:
    found: dict[str, HelmImage] = {}
    seen: set[int] = set()
    stack: list[tuple[Node, str, int]] = [(root, "", 0)]
    while stack:
        node, prefix, depth = stack.pop()
        if id(node) in seen or depth > _MAX_DEPTH:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{prefix}[{index}]", depth + 1))
            continue
        for key, key_node, value in mapping_items(node):
            keypath = f"{prefix}.{key}" if prefix else key
            if key == "image" or (key.endswith("Image") and len(key) > 5):
                image = _image_at(ctx, path, keypath, key_node, value, offset)
                if image is not None:
                    found[keypath] = image
                    continue
            if isinstance(value, MappingNode | SequenceNode):
                stack.append((value, keypath, depth + 1))
    return found


def _at(path: str, node: Node, offset: tuple[int, int]) -> Location:
    where = location(path, node)
    return Location(path, where.line + offset[0], where.column + offset[1])


def _image_at(
    ctx: Context, path: str, keypath: str, key_node: Node, value: Node, offset: tuple[int, int]
) -> HelmImage | None:
    anchor = _at(path, key_node, offset)
    if isinstance(value, ScalarNode):
        text = ctx.text(path, value, f"Helm value {keypath}")
        if not text or not any(c in text for c in "/:@"):
            return None  # a bare word (``image: enabled``) is not a reference
        return HelmImage(keypath, spec=(text, _at(path, value, offset)), anchor=anchor)
    if not isinstance(value, MappingNode):
        return None
    image = HelmImage(keypath, anchor=anchor)
    for key, _key_node, field_node in mapping_items(value):
        name = _FIELDS.get(key)
        if name is None or not isinstance(field_node, ScalarNode):
            continue
        text = ctx.text(path, field_node, f"Helm value {keypath}.{key}")
        if text is None:
            continue
        image.fields[name] = (text, _at(path, field_node, offset))
    return image if image.fields else None


def chart_root(ctx: Context, directory: str, fileset: set[str]) -> tuple[str, Node | None]:
    """The path of the ``Chart.yaml`` in ``directory`` and its root (None when absent or
    unreadable); noted as read, so that a chart that comes later recomputes the reader."""
    chart = f"{directory}/Chart.yaml" if directory else "Chart.yaml"
    ctx.note_read(chart)
    if chart not in fileset:
        return chart, None
    loaded = ctx.load(chart)
    return chart, (loaded.documents[0].root if loaded.documents else None)


def chart_app_version(
    ctx: Context, directory: str, fileset: set[str]
) -> tuple[str, Location] | None:
    """``appVersion`` of the chart in ``directory``: the tag most charts default to."""
    chart, root = chart_root(ctx, directory, fileset)
    node = child(root, "appVersion")
    if not isinstance(node, ScalarNode) or not node.value:
        return None
    return str(node.value), location(chart, node)


def emit_values(
    ctx: Context,
    images: dict[str, HelmImage],
    placement: Placement,
    app_version: tuple[str, Location] | None,
    source: Source = Source.HELM,
    application: str | None = None,
    sources: dict[str, Source] | None = None,
) -> None:
    """Record one use per complete image (a repository is known).

    ``sources`` gives the source kind of some key paths (the rest are ``source``).
    """
    for keypath, image in images.items():
        tag = image.fields.get("tag")
        if (tag is None or not tag[0]) and image.spec is None and app_version is not None:
            # Charts template `.Values.image.tag | default .Chart.AppVersion`; "" is unset.
            image.fields["tag"] = app_version
            image.latest.discard("tag")
        resolved = image.reference()
        if resolved is None:
            continue
        raw, where = resolved
        kind = (sources or {}).get(keypath, source)
        ctx.add_use(
            where, kind, raw, placement, resource=None, container=keypath, application=application
        )


def values_documents_root(ctx: Context, path: str) -> Node | None:
    """The root mapping of a values file (its first document), if any."""
    loaded = ctx.load(path)
    if not loaded.documents:
        return None
    root = loaded.documents[0].root
    if child(root, "apiVersion") is not None and child(root, "kind") is not None:
        return None  # a Kubernetes manifest that happens to be named values-*.yaml
    return root


def copy_images(images: dict[str, HelmImage]) -> dict[str, HelmImage]:
    return {
        k: HelmImage(v.keypath, dict(v.fields), v.spec, v.anchor, set(v.latest))
        for k, v in images.items()
    }
