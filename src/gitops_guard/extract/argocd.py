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
from collections.abc import Callable
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode

from gitops_guard.extract.context import REVISION_RULE, UNRESOLVED_RULE, Context
from gitops_guard.extract.deployments import (
    DIRECTORY,
    ELSEWHERE,
    FLUX_KUSTOMIZATION,
    GENERATOR,
    HELM,
    KUSTOMIZE,
    MISSING,
    NO_PATH,
    REMOTE_CHART,
    TEMPLATED,
    Deployment,
    RepositoryView,
    application_placement,
    folders_of,
    read_deployments,
    tracks_protected_ref,
)
from gitops_guard.extract.embedded import load_embedded
from gitops_guard.extract.helm import (
    HelmImage,
    emit_values,
    helm_images,
    values_documents_root,
)
from gitops_guard.extract.kustomize import ImageEntry, KustomizeGraph, apply_entry, split_image
from gitops_guard.extract.workloads import kind_of, workload_images
from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Finding, Location, Severity, Source
from gitops_guard.parse.loader import (
    child,
    child_path,
    location,
    scalar_text,
    sequence,
)
from gitops_guard.policy.layout import Placement
from gitops_guard.policy.model import DEFAULT_PROTECTED_REFS
from gitops_guard.repo.files import KUSTOMIZATION_NAMES, normalize

if TYPE_CHECKING:
    from gitops_guard.extract.helm_charts import FilesBelow

# ``.argocd-source.yaml`` applies to every Application deploying the folder,
# ``.argocd-source-<app>.yaml`` to that one (Image Updater writes the second).
WRITE_BACK_NAME = re.compile(r"\.argocd-source(?:-([^/]+))?\.ya?ml\Z")
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

    def __init__(
        self,
        ctx: Context,
        graph: KustomizeGraph,
        fileset: set[str],
        view: Callable[[], RepositoryView] | None = None,
        files_of: Callable[[Deployment], list[str]] | None = None,
        files_below: FilesBelow | None = None,
    ) -> None:
        self.ctx = ctx
        self.graph = graph
        self.fileset = fileset
        self._files_below = files_below or (
            lambda folder: sorted(p for p in fileset if p.startswith(folder + "/"))
        )
        self._view = view or (
            lambda: RepositoryView(fileset, folders_of(fileset), fileset, lambda _path: None)
        )
        self._files_of = files_of or (lambda d: sorted(p for p in fileset if d.covers(p)))

    def deployments(self, path: str, inputs: set[str] | None = None) -> list[Deployment]:
        """Every Application source a file holds, ApplicationSets expanded (see
        ``extract.deployments``); ``inputs`` collects the generator files read."""
        found = read_deployments(self.ctx.policy, path, self.ctx.load(path), self._view(), inputs)
        if inputs is not None:
            for generator_file in inputs:
                self.ctx.note_read(generator_file)
        return found

    def application_file(self, path: str) -> None:
        """Record what every Application / ApplicationSet in a file deploys."""
        for deployment in self.deployments(path):
            self._deploy(deployment)
        for document in self.ctx.load(path).documents:
            root = document.root
            if not (scalar_text(child(root, "apiVersion")) or "").startswith("argoproj.io/"):
                continue
            if kind_of(root) != "Application":
                continue  # an ApplicationSet's annotations are templates
            # Image Updater's annotation parser is imported for Applications alone.
            from gitops_guard.updater.annotations import IMAGE_LIST

            image_list = child(child_path(root, "metadata", "annotations"), IMAGE_LIST)
            if image_list is None:
                continue
            spec = child(root, "spec")
            sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
            name = scalar_text(child_path(root, "metadata", "name")) or ""
            placement, _unmapped = application_placement(self.ctx.policy, path, name, spec, sources)
            self._annotation(path, image_list, placement)

    # --- one source -------------------------------------------------------------------

    def _deploy(self, deployment: Deployment) -> None:
        if deployment.generated_by == "HelmRelease" and deployment.file in self.graph.owned:
            return  # the builds applying it name what it brings, where they deploy it
        ctx = self.ctx
        path, source, placement = deployment.file, deployment.source, deployment.placement
        label = f"Application {deployment.application}" if deployment.application else "Application"
        if deployment.templated:
            label = label.replace("Application", "ApplicationSet", 1)
        elif deployment.generated_by in (FLUX_KUSTOMIZATION, "HelmRelease"):
            label = f"{deployment.generated_by} {deployment.application}"
        elif deployment.generated_by is not None:
            label += f" (generated by ApplicationSet {deployment.generated_by})"
        if deployment.kind == GENERATOR:
            hint = (
                "judge what it renders in CI, or set its images in spec.values"
                if deployment.generated_by == "HelmRelease"
                else "use list, git directories or git files generators of this repository, "
                "or judge the generated Applications in CI"
            )
            ctx.unresolved(deployment.where, f"{label}: {deployment.message}", placement, hint=hint)
            return
        if deployment.destination_unmapped is not None:
            self._unmapped(deployment, label)
        plugin = child(source, "plugin")
        if plugin is not None:
            ctx.unresolved(
                location(path, plugin),
                f"{label} renders its source with a config-management plugin: "
                "what it deploys is not followed",
                placement,
                hint="gitops-guard reads Kustomize, Helm and plain manifests; judge the "
                "rendered output in CI, or deploy it through one of those",
            )
            return
        if deployment.kind == REMOTE_CHART:
            chart = scalar_text(child(source, "chart")) or "?"
            repo = scalar_text(child(source, "repoURL")) or (
                f"{scalar_text(child_path(source, 'sourceRef', 'kind'))} "
                f"{scalar_text(child_path(source, 'sourceRef', 'name'))}"
            )
            ctx.unresolved(
                deployment.where,
                f"{label} deploys chart {chart} {deployment.revision or ''} from the Helm "
                f"repository {repo}: the chart's own images are not followed "
                "(the Application's overrides are)".replace("  ", " "),
                placement,
                hint="vendor the chart into the repository, or set every image in the "
                "Application's helm values or parameters",
            )
        elif deployment.kind == TEMPLATED:
            ctx.unresolved(
                deployment.where,
                f"{label}'s source path is a template: its generators are not expanded, "
                "so what its Applications deploy is not followed",
                placement,
                hint="list the Applications it generates, or use a list generator",
            )
        elif deployment.kind == ELSEWHERE:
            repo = scalar_text(child(source, "repoURL")) or (
                f"{scalar_text(child_path(source, 'sourceRef', 'kind'))} "
                f"{scalar_text(child_path(source, 'sourceRef', 'name'))}"
            )
            ctx.unresolved(
                deployment.where,
                f"{label} deploys from another repository ({repo}): what it deploys is not "
                "followed",
                placement,
                hint="judge that repository with gitops-guard too, or add its URL to "
                "repositories if it is this one",
            )
        elif deployment.kind == MISSING:
            ctx.unresolved(
                deployment.where,
                f"{label} deploys {deployment.directory or '?'}, which holds no file of this "
                "repository (another repository, or a folder that does not exist): what it "
                "deploys is not followed",
                placement,
                hint="point the Application at a folder of this repository",
            )
        elif deployment.kind == NO_PATH:
            if child(source, "ref") is not None:
                self._revision(deployment, label)  # its values are read at that revision
            else:
                ctx.unresolved(
                    location(path, source) if source is not None else deployment.where,
                    f"{label} has a source with neither path nor chart: "
                    "what it deploys is not followed",
                    placement,
                )
            return
        if deployment.kind in (KUSTOMIZE, HELM, DIRECTORY):
            self._revision(deployment, label)
            self._not_applied(deployment, label)
        directory = deployment.directory if deployment.kind in (KUSTOMIZE, HELM) else None
        if deployment.kind == KUSTOMIZE and directory is not None:
            self._kustomize_source(deployment, directory)
            helm = child(source, "helm")
            if helm is not None:
                self._helm(
                    path, helm, directory, placement, Source.APPLICATION, deployment.application
                )
            return
        if deployment.kind == DIRECTORY:
            self._directory(deployment)
            return
        if deployment.kind == HELM and directory is not None:
            self._helm_source(deployment, directory)
            return
        self.source_overrides(
            path, source, directory, placement, Source.APPLICATION, deployment.application or None
        )

    def _not_applied(self, deployment: Deployment, label: str) -> None:
        """Name the source settings that change what runs and that this reading skips."""
        source = deployment.source
        flux = deployment.generated_by == FLUX_KUSTOMIZATION
        skipped = [
            (child(source, "patches") if flux else None, "patches"),
            (child(source, "postBuild") if flux else None, "postBuild substitutions"),
            (child_path(source, "kustomize", "patches"), "kustomize.patches"),
            (child_path(source, "kustomize", "components"), "kustomize.components"),
            (child_path(source, "helm", "fileParameters"), "helm.fileParameters"),
            (child_path(source, "directory", "jsonnet"), "directory.jsonnet"),
        ]
        for node, what in skipped:
            if node is not None:
                self.ctx.unresolved(
                    location(deployment.file, node),
                    f"{label} sets {what}, which is not followed: what it changes is not judged",
                    deployment.placement,
                    hint="move it into the repository's own kustomization or values files",
                )
        if deployment.kind == DIRECTORY and deployment.directory is not None:
            for path in self._files_of(deployment):
                if path.endswith((".jsonnet", ".libsonnet")):
                    self.ctx.unresolved(
                        deployment.where,
                        f"{label} deploys Jsonnet ({path}): what it renders is not followed",
                        deployment.placement,
                    )
                    break

    def _unmapped(self, deployment: Deployment, label: str) -> None:
        policy = self.ctx.policy
        strict = any(env.on_unresolved == "error" for env in policy.environments.values())
        where = deployment.where
        destination = child_path(deployment.root, "spec", "destination")
        if destination is None:
            destination = child_path(deployment.root, "spec", "template", "spec", "destination")
        if destination is not None:
            where = location(deployment.file, destination)
        self.ctx.report(
            Finding(
                UNRESOLVED_RULE,
                f"{label} deploys to {deployment.destination_unmapped}, which no environment's "
                "destinations map: its environment is guessed from its folder",
                where,
                severity=Severity.ERROR if strict else None,
                hint="add the destination to environments.<env>.destinations",
                app=deployment.placement.app,
                environment=deployment.placement.environment,
            )
        )

    def _revision(self, deployment: Deployment, label: str) -> None:
        """GG004: a promoted environment deploying a ref the server does not judge."""
        policy = self.ctx.policy
        env = policy.environment(deployment.placement.environment)
        if env is None or (env.from_environment is None and not env.require_pr):
            return
        # The server always protects its default branch: main or master, as a rule.
        protected = (*policy.protected_refs, *DEFAULT_PROTECTED_REFS)
        if tracks_protected_ref(deployment.revision, protected):
            return
        node = child(deployment.source, "targetRevision")
        where = location(deployment.file, node) if node is not None else deployment.where
        self.ctx.report(
            Finding(
                REVISION_RULE,
                f"{label} of {env.name} tracks {deployment.revision!r}, which is not a "
                "protected ref: a push there changes what it deploys and no gate judges it",
                where,
                hint="track HEAD or a protected branch, or add the ref to protected_refs "
                "(the server hook then judges pushes to it)",
                app=deployment.placement.app,
                environment=env.name,
            )
        )

    def _kustomize_source(self, deployment: Deployment, directory: str) -> None:
        """What ``kustomize build`` of the source folder deploys, with the Application's
        ``kustomize.images`` laid over it."""
        ctx = self.ctx
        for name in KUSTOMIZATION_NAMES:
            ctx.note_read(posixpath.join(directory, name))
        root = self.graph.kustomization_in(directory) or next(
            (
                posixpath.join(directory, name)
                for name in KUSTOMIZATION_NAMES
                if posixpath.join(directory, name) in self.fileset
            ),
            None,
        )
        images = child_path(deployment.source, "kustomize", "images")
        if deployment.generated_by == FLUX_KUSTOMIZATION:
            images = child(deployment.source, "images")
        entries = self._entries(deployment.file, sequence(images))
        if root is None:  # kustomize: set on a folder without a kustomization
            for entry in entries:
                self._unmatched(
                    entry, deployment.placement, Source.APPLICATION, deployment.application or None
                )
            return
        ctx.reads_add(self.graph.reach(root))
        built = self.graph.build(root)
        overridden: set[tuple[str, str | None]] = set()
        for entry in entries:
            matched = False
            for image in built:
                updated = apply_entry(image.image, entry)
                if updated is not None:
                    matched = True
                    overridden.add((image.resource, image.container))
                    ctx.add_use(
                        entry.location,
                        Source.APPLICATION,
                        updated,
                        deployment.placement,
                        resource=image.resource,
                        container=image.container,
                        origin=image.origin,
                        application=deployment.application or None,
                    )
            if not matched:
                self._unmatched(
                    entry, deployment.placement, Source.APPLICATION, deployment.application or None
                )
        self.graph.emit(
            root,
            deployment.placement,
            deployment.application or None,
            skip=lambda image: (image.resource, image.container) in overridden,
        )

    def _directory(self, deployment: Deployment) -> None:
        """The manifests of a plain folder, as Argo CD applies them (and Flux, which
        builds a generated kustomization of them with its ``spec.images``)."""
        ctx = self.ctx
        entries = (
            self._entries(deployment.file, sequence(child(deployment.source, "images")))
            if deployment.generated_by == FLUX_KUSTOMIZATION
            else []
        )
        for path in self._files_of(deployment):
            if not path.endswith((".yaml", ".yml", ".json")):
                continue
            real = self.graph.real_path(path) or path
            for image in workload_images(ctx, real):
                override = next(
                    (
                        (entry, updated)
                        for entry in entries
                        if (updated := apply_entry(image.image, entry)) is not None
                    ),
                    None,
                )
                if override is not None:
                    entry, updated = override
                    ctx.add_use(
                        entry.location,
                        Source.KUSTOMIZE,
                        updated,
                        deployment.placement,
                        resource=image.resource,
                        container=image.container,
                        origin=image.location,
                        application=deployment.application or None,
                    )
                    continue
                ctx.add_use(
                    image.location,
                    image.source,
                    image.image,
                    deployment.placement,
                    resource=image.resource,
                    container=image.container,
                    application=deployment.application or None,
                    via=(path,) if real == path else (path, real),
                )

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

    def write_back_file(self, path: str, deployed_by: list[Deployment] | None = None) -> None:
        """Record the overrides of a parameter-override (write-back) file.

        Argo CD applies it to the Applications deploying its folder (all of them for
        ``.argocd-source.yaml``, the named one for ``.argocd-source-<app>.yaml``), in their
        environments; a folder no Application deploys is placed by the layout or the name.
        """
        loaded = self.ctx.load(path)
        if not loaded.documents:
            return
        directory = posixpath.dirname(path)
        root = loaded.documents[0].root
        name = WRITE_BACK_NAME.match(posixpath.basename(path))
        target = name.group(1) if name else None
        applying = [
            d
            for d in deployed_by or ()
            if d.kind in (KUSTOMIZE, HELM)
            and (target is None or target.split("_", 1)[-1] == d.application)
        ]
        for deployment in applying:
            self.ctx.note_read(deployment.file)
            self.source_overrides(
                path,
                root,
                directory,
                deployment.placement,
                Source.WRITE_BACK,
                deployment.application or None,
            )
        if not applying:
            self.source_overrides(
                path, root, directory, self.write_back_placement(path), Source.WRITE_BACK
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
        application = (name.group(1) or "") if name else ""
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
        application: str | None = None,
    ) -> None:
        """Images set by an Application source (or write-back file) over its path."""
        helm = child(source, "helm")
        if helm is not None:
            self._helm(path, helm, directory, placement, kind, application)
        kustomize_images = sequence(child_path(source, "kustomize", "images"))
        if kustomize_images:
            self._kustomize(path, kustomize_images, directory, placement, kind, application)

    def _chart_values(
        self, directory: str | None
    ) -> tuple[dict[str, HelmImage], tuple[str, Location] | None]:
        if directory is None:
            return {}, None
        # Chart rendering is imported where a chart is met: a plain manifest never needs it.
        from gitops_guard.extract.helm_charts import chart_values

        images, app_version, _root = chart_values(self.ctx, directory, self.fileset)
        return images, app_version

    def _helm_source(self, deployment: Deployment, directory: str) -> None:
        """A chart as Argo CD renders it for this Application: the chart's values, then
        its ``valueFiles`` in order, then ``values``, ``valuesObject`` and ``parameters``;
        its subcharts and its templates' images (see ``extract.helm_charts``)."""
        from gitops_guard.extract.helm_charts import Rendering, chart_values, render_chart
        from gitops_guard.extract.helm_templates import scalar_leaves, set_paths

        ctx = self.ctx
        helm = child(deployment.source, "helm")
        chart, app_version, chart_root = chart_values(ctx, directory, self.fileset)
        merged = {keypath: image.over(None) for keypath, image in chart.items()}
        values_set = set_paths(chart_root)
        switches = scalar_leaves(chart_root)
        for value_file in self._value_files(deployment, directory, helm):
            root = values_documents_root(ctx, value_file)
            if root is not None:
                values_set |= set_paths(root)
                switches.update(scalar_leaves(root))
                for keypath, image in helm_images(ctx, value_file, root).items():
                    merged[keypath] = image.over(merged.get(keypath))
        sources: dict[str, Source] = {}
        if helm is not None:
            inline_set, inline_switches = self._inline_set_paths(deployment.file, helm)
            values_set |= inline_set
            switches.update(inline_switches)
        for layer in self._inline_layers(deployment.file, helm) if helm is not None else []:
            for keypath, image in layer.items():
                merged[keypath] = image.over(merged.get(keypath))
                sources[keypath] = Source.APPLICATION
        render_chart(
            ctx,
            directory,
            merged,
            values_set,
            app_version,
            Rendering(deployment.placement, deployment.application or None, switches),
            self.fileset,
            self._files_below,
            sources,
        )

    def _inline_set_paths(self, path: str, helm: Node) -> tuple[set[str], dict[str, str]]:
        """The value paths ``values``, ``valuesObject`` and ``parameters`` set, and their
        scalar values (in the order Argo CD applies them)."""
        from gitops_guard.extract.helm_templates import scalar_leaves, set_paths

        found: set[str] = set()
        switches: dict[str, str] = {}
        values = child(helm, "values")
        if isinstance(values, ScalarNode) and values.value:
            loaded, _line, _column = load_embedded(self.ctx, path, values)
            if loaded.documents:
                found |= set_paths(loaded.documents[0].root)
                switches.update(scalar_leaves(loaded.documents[0].root))
        found |= set_paths(child(helm, "valuesObject"))
        switches.update(scalar_leaves(child(helm, "valuesObject")))
        for parameter in sequence(child(helm, "parameters")):
            name = scalar_text(child(parameter, "name"))
            if name:
                found.add(name)
                switches[name] = scalar_text(child(parameter, "value")) or ""
        return found, switches

    def _value_files(self, deployment: Deployment, directory: str, helm: Node | None) -> list[str]:
        """The ``helm.valueFiles`` of a source, as files of this repository (in order)."""
        ctx = self.ctx
        found: list[str] = []
        references = {
            scalar_text(child(s, "ref")): s
            for s in sequence(child_path(deployment.root, "spec", "sources"))
            if scalar_text(child(s, "ref"))
        }
        ignore_missing = (
            scalar_text(child(helm, "ignoreMissingValueFiles")) or ""
        ).lower() == "true"
        for item in sequence(child(helm, "valueFiles")):
            text = ctx.text(deployment.file, item, "Helm value file")
            if not text:
                continue
            where = location(deployment.file, item)
            resolved: str | None
            if text.startswith("$"):
                ref, _slash, rest = text[1:].partition("/")
                other = references.get(ref)
                if other is None or not ctx.policy.is_this_repository(
                    scalar_text(child(other, "repoURL"))
                ):
                    ctx.unresolved(
                        where,
                        f"value file {text} comes from source ${ref}, which is not a source "
                        "of this repository: its values are not followed",
                        deployment.placement,
                    )
                    continue
                resolved = normalize(rest)
            elif "://" in text:
                ctx.unresolved(
                    where,
                    f"value file {text} is fetched from a URL: its values are not followed",
                    deployment.placement,
                )
                continue
            else:
                resolved = normalize(posixpath.join(directory, text))
            if resolved is None:
                ctx.problem(where, f"value file {text} is outside the repository")
                continue
            ctx.note_read(resolved)
            if resolved not in self.fileset:
                if not ignore_missing:
                    ctx.unresolved(
                        where,
                        f"value file {text} does not exist ({resolved}): Argo CD fails to "
                        "render this Application",
                        deployment.placement,
                    )
                continue
            found.append(resolved)
        return found

    def _inline_layers(self, path: str, helm: Node) -> list[dict[str, HelmImage]]:
        """``values``, ``valuesObject`` and ``parameters``, in the order Argo CD applies them."""
        ctx = self.ctx
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
        return layers

    def _helm(
        self,
        path: str,
        helm: Node,
        directory: str | None,
        placement: Placement,
        kind: Source,
        application: str | None = None,
    ) -> None:
        ctx = self.ctx
        chart, app_version = self._chart_values(directory)
        layers = self._inline_layers(path, helm)
        touched: dict[str, HelmImage] = {}
        for layer in layers:
            for keypath, image in layer.items():
                below = touched.get(keypath) or chart.get(keypath)
                touched[keypath] = image.over(below)
        emit_values(ctx, touched, placement, app_version, source=kind, application=application)

    def _parameters(self, path: str, parameters: list[Node]) -> dict[str, HelmImage]:
        images: dict[str, HelmImage] = {}
        for parameter in parameters:
            name = scalar_text(child(parameter, "name"))
            value_node = child(parameter, "value")
            if not name or value_node is None:
                continue
            prefix, _dot, suffix = name.rpartition(".")
            if suffix == "image":
                # `image=<reference>` sets a string image value whole (`--set image=...`).
                value = self.ctx.text(path, value_node, f"Helm parameter {name}")
                if value is not None:
                    images[name] = HelmImage(
                        name,
                        spec=(value, location(path, value_node)),
                        anchor=location(path, parameter),
                    )
                continue
            field_name = _PARAM_SUFFIXES.get(suffix) if prefix else None
            if field_name is None:
                continue
            value = self.ctx.text(path, value_node, f"Helm parameter {name}")
            if value is None:
                continue
            image = images.setdefault(prefix, HelmImage(prefix, anchor=location(path, parameter)))
            image.fields[field_name] = (value, location(path, value_node))
        return images

    def _entries(self, path: str, items: list[Node]) -> list[ImageEntry]:
        """Image overrides: Argo CD's ``name[=new][:tag][@digest]`` strings, or Flux's
        ``{name, newName, newTag, digest}`` mappings (a kustomization's ``images:``)."""
        entries = []
        for item in items:
            if isinstance(item, MappingNode):
                name = scalar_text(child(item, "name"))
                if name:
                    entries.append(
                        ImageEntry(
                            name,
                            scalar_text(child(item, "newName")),
                            scalar_text(child(item, "newTag")),
                            scalar_text(child(item, "digest")),
                            location(path, child(item, "newTag") or item),
                        )
                    )
                continue
            text = self.ctx.text(path, item, "kustomize image")
            if text:
                entries.append(_entry_from_string(text, location(path, item)))
        return entries

    def _unmatched(
        self, entry: ImageEntry, placement: Placement, kind: Source, application: str | None
    ) -> None:
        """An override that matches no image built: recorded as written."""
        name = entry.new_name or entry.name
        raw = (
            name
            + (f":{entry.new_tag}" if entry.new_tag else "")
            + (f"@{entry.digest}" if entry.digest else "")
        )
        self.ctx.add_use(
            entry.location, kind, raw, placement, container=entry.name, application=application
        )

    def _kustomize(
        self,
        path: str,
        items: list[Node],
        directory: str | None,
        placement: Placement,
        kind: Source,
        application: str | None = None,
    ) -> None:
        ctx = self.ctx
        root = self.graph.kustomization_in(directory) if directory is not None else None
        built = self.graph.build(root) if root is not None else []
        if root is not None:
            ctx.reads_add(self.graph.reach(root))
        for entry in self._entries(path, items):
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
                        application=application,
                    )
            if not matched:
                self._unmatched(entry, placement, kind, application)


def _entry_from_string(text: str, where: Location) -> ImageEntry:
    """``[old=]new[:tag][@digest]`` as ``kustomize edit set image`` and Argo CD read it."""
    if "=" in text:
        old, new = text.split("=", 1)
        new_name, tag, digest = split_image(new)
        return ImageEntry(old, new_name if new_name != old else None, tag, digest, where)
    name, tag, digest = split_image(text)
    return ImageEntry(name, None, tag, digest, where)
