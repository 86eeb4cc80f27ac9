"""Argo CD: Application and ApplicationSet sources, Image Updater annotations, write-back files.

An Application's images belong to the app and environment its ``spec.source.path``
maps to through the layout (else the Application file's own path). Overrides in the
Application (``helm.parameters``, ``helm.values``/``valuesObject``,
``kustomize.images``) and in Image Updater's ``.argocd-source-<app>.yaml`` files are
laid over the chart values or the kustomization found at that path in the repository.
"""

from __future__ import annotations

import posixpath
import re

from yaml.nodes import Node, ScalarNode

from gitops_guard.extract.context import Context
from gitops_guard.extract.embedded import load_embedded
from gitops_guard.extract.helm import (
    BASE_VALUES,
    HelmImage,
    chart_app_version,
    emit_values,
    helm_images,
    values_documents_root,
)
from gitops_guard.extract.kustomize import ImageEntry, KustomizeGraph, apply_entry, split_image
from gitops_guard.extract.workloads import kind_of
from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import (
    child,
    child_path,
    location,
    scalar_text,
    sequence,
)
from gitops_guard.policy.layout import Placement
from gitops_guard.repo.files import normalize

WRITE_BACK_NAME = re.compile(r"\.argocd-source-([^/]+)\.ya?ml\Z")
_PARAM_SUFFIXES = {
    "repository": "repository",
    "name": "repository",
    "registry": "registry",
    "tag": "tag",
    "digest": "digest",
}


def is_write_back_file(path: str) -> bool:
    """Whether a file is an Image Updater write-back file (``.argocd-source-<app>.yaml``)."""
    return WRITE_BACK_NAME.match(posixpath.basename(path)) is not None


class ArgoExtractor:
    """Reads Applications, ApplicationSets and write-back files of one run."""

    def __init__(self, ctx: Context, graph: KustomizeGraph, fileset: set[str]) -> None:
        self.ctx = ctx
        self.graph = graph
        self.fileset = fileset

    def application_file(self, path: str) -> None:
        """Record the images of every Application / ApplicationSet in a file."""
        for document in self.ctx.load(path).documents:
            root = document.root
            kind = kind_of(root)
            api = scalar_text(child(root, "apiVersion")) or ""
            if not api.startswith("argoproj.io/"):
                continue
            if kind == "Application":
                spec = child(root, "spec")
            elif kind == "ApplicationSet":
                spec = child_path(root, "spec", "template", "spec")
            else:
                continue
            self._application(path, root, spec, templated=kind == "ApplicationSet")

    def _application(self, path: str, root: Node, spec: Node | None, templated: bool) -> None:
        sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
        placement = self.ctx.place(path)
        for source in sources:
            source_path = scalar_text(child(source, "path"))
            if source_path and "{{" in source_path:
                source_path = None
            here = placement
            if source_path:
                mapped = self.ctx.place(source_path)
                if mapped.app or mapped.environment:
                    here = Placement(
                        mapped.app or placement.app, mapped.environment or placement.environment
                    )
            directory = normalize(source_path) if source_path else None
            self.source_overrides(path, source, directory, here, Source.APPLICATION)
        # Image Updater's annotation parser is imported for Applications alone.
        from gitops_guard.updater.annotations import IMAGE_LIST

        annotations = child_path(root, "metadata", "annotations")
        image_list = child(annotations, IMAGE_LIST)
        if image_list is not None and not templated:
            self._annotation(path, image_list, self._annotation_placement(path, sources))

    def _annotation_placement(self, path: str, sources: list[Node]) -> Placement:
        for source in sources:
            source_path = scalar_text(child(source, "path"))
            if source_path:
                mapped = self.ctx.place(source_path)
                if mapped.app or mapped.environment:
                    return mapped
        return self.ctx.place(path)

    def _annotation(self, path: str, node: Node, placement: Placement) -> None:
        from gitops_guard.updater.annotations import parse_image_list

        value = self.ctx.text(path, node, "annotation value")
        if not value:
            return
        base = location(path, node)
        single_line = (
            isinstance(node, ScalarNode)
            and node.style in (None, "", "'", '"')
            and "\n" not in value
        )
        quote = 1 if isinstance(node, ScalarNode) and node.style in ("'", '"') else 0
        for entry in parse_image_list(value, self.ctx.policy.updater_version):
            where = base
            if single_line:
                where = Location(path, base.line, base.column + quote + entry.offset)

            def reference(
                image: str = entry.repository_reference, digest: str | None = entry.digest
            ) -> ImageRef | None:
                try:
                    ref = parse_reference(image)
                except InvalidReference:
                    return None
                return ref.with_digest(digest) if digest else ref

            self.ctx.add_use(
                where,
                Source.ANNOTATION,
                entry.image,
                placement,
                container=entry.alias,
                alias=entry.alias,
                constraint=entry.constraint,
                reference=reference,
            )

    def write_back_file(self, path: str) -> None:
        """Record the overrides of an Image Updater write-back file."""
        loaded = self.ctx.load(path)
        if not loaded.documents:
            return
        directory = posixpath.dirname(path)
        self.source_overrides(
            path,
            loaded.documents[0].root,
            directory,
            self.write_back_placement(path),
            Source.WRITE_BACK,
        )

    def write_back_placement(self, path: str) -> Placement:
        """Where a write-back file belongs: its folder through the layout, else its name.

        Image Updater names the file after the Application (``.argocd-source-<app>.yaml``,
        ``<namespace>_<app>``), and Application names usually carry the environment
        (``api-prod``, ``prod-api``): a chart folder shared by all environments
        (``charts/api/``) only tells the app.
        """
        placement = self.ctx.place(path)
        if placement.environment is not None:
            return placement
        name = WRITE_BACK_NAME.match(posixpath.basename(path))
        application = name.group(1) if name else ""
        application = application.split("_", 1)[-1]
        for environment in self.ctx.policy.layout_environments():
            for app in (
                application.removesuffix(f"-{environment}"),
                application.removeprefix(f"{environment}-"),
            ):
                if app != application and app:
                    return Placement(placement.app or app, environment)
        return placement

    # --- overrides --------------------------------------------------------------------

    def source_overrides(
        self,
        path: str,
        source: Node | None,
        directory: str | None,
        placement: Placement,
        kind: Source,
    ) -> None:
        """Images set by an Application source (or write-back file) over its path."""
        helm = child(source, "helm")
        if helm is not None:
            self._helm(path, helm, directory, placement, kind)
        kustomize_images = sequence(child_path(source, "kustomize", "images"))
        if kustomize_images:
            self._kustomize(path, kustomize_images, directory, placement, kind)

    def _chart_values(
        self, directory: str | None
    ) -> tuple[dict[str, HelmImage], tuple[str, Location] | None]:
        if directory is None:
            return {}, None
        for name in BASE_VALUES:
            candidate = f"{directory}/{name}" if directory else name
            self.ctx.note_read(candidate)  # so that adding it later recomputes this unit
            if candidate in self.fileset:
                root = values_documents_root(self.ctx, candidate)
                if root is not None:
                    return helm_images(self.ctx, candidate, root), chart_app_version(
                        self.ctx, directory, self.fileset
                    )
        return {}, chart_app_version(self.ctx, directory, self.fileset)

    def _helm(
        self, path: str, helm: Node, directory: str | None, placement: Placement, kind: Source
    ) -> None:
        ctx = self.ctx
        chart, app_version = self._chart_values(directory)
        layers: list[dict[str, HelmImage]] = []
        values = child(helm, "values")
        if isinstance(values, ScalarNode) and values.value:
            loaded, line_offset, column_offset = load_embedded(ctx, path, values)
            if loaded.documents:
                layers.append(
                    helm_images(ctx, path, loaded.documents[0].root, (line_offset, column_offset))
                )
        values_object = child(helm, "valuesObject")
        if values_object is not None:
            layers.append(helm_images(ctx, path, values_object))
        parameters = self._parameters(path, sequence(child(helm, "parameters")))
        if parameters:
            layers.append(parameters)
        touched: dict[str, HelmImage] = {}
        for layer in layers:
            for keypath, image in layer.items():
                below = touched.get(keypath) or chart.get(keypath)
                touched[keypath] = image.over(below)
        emit_values(ctx, touched, placement, app_version, source=kind)

    def _parameters(self, path: str, parameters: list[Node]) -> dict[str, HelmImage]:
        images: dict[str, HelmImage] = {}
        for parameter in parameters:
            name = scalar_text(child(parameter, "name"))
            value_node = child(parameter, "value")
            if not name or value_node is None or "." not in name:
                continue
            prefix, _dot, suffix = name.rpartition(".")
            field_name = _PARAM_SUFFIXES.get(suffix)
            if field_name is None:
                continue
            value = self.ctx.text(path, value_node, f"Helm parameter {name}")
            if value is None:
                continue
            image = images.setdefault(prefix, HelmImage(prefix, anchor=location(path, parameter)))
            image.fields[field_name] = (value, location(path, value_node))
        return images

    def _kustomize(
        self,
        path: str,
        items: list[Node],
        directory: str | None,
        placement: Placement,
        kind: Source,
    ) -> None:
        ctx = self.ctx
        root = self.graph.kustomization_in(directory) if directory is not None else None
        built = self.graph.build(root) if root is not None else []
        if root is not None:
            for reached in self.graph.reach(root):
                ctx.note_read(reached)
        for item in items:
            text = ctx.text(path, item, "kustomize image")
            if not text:
                continue
            entry = _entry_from_string(text, location(path, item))
            matched = False
            for image in built:
                updated = apply_entry(image.image, entry)
                if updated is not None:
                    matched = True
                    ctx.add_use(
                        entry.location,
                        kind,
                        updated,
                        placement,
                        resource=image.resource,
                        container=image.container,
                        origin=image.origin,
                    )
            if not matched:
                name = entry.new_name or entry.name
                raw = (
                    name
                    + (f":{entry.new_tag}" if entry.new_tag else "")
                    + (f"@{entry.digest}" if entry.digest else "")
                )
                ctx.add_use(entry.location, kind, raw, placement, container=entry.name)


def _entry_from_string(text: str, where: Location) -> ImageEntry:
    """``[old=]new[:tag][@digest]`` as ``kustomize edit set image`` and Argo CD read it."""
    if "=" in text:
        old, new = text.split("=", 1)
        new_name, tag, digest = split_image(new)
        return ImageEntry(old, new_name if new_name != old else None, tag, digest, where)
    name, tag, digest = split_image(text)
    return ImageEntry(name, None, tag, digest, where)
