"""A chart as one Application renders it: its values, its subcharts, its templates' images.

The values layers (the chart's ``values.yaml``, the Application's value files, inline
values, parameters) are merged by :mod:`gitops_guard.extract.argocd`; here they are
emitted for the chart and for each subchart it carries in ``charts/``:

- a subchart's images come from its own ``values.yaml`` with the parent's values under
  its name (or its ``alias`` in the parent's ``Chart.yaml``) laid over, and default to
  the subchart's ``appVersion``, never the parent's;
- a packaged subchart (``charts/x.tgz``) and a dependency from a chart repository that is
  not vendored are named (GG003): their images are not read;
- every template's ``image:`` line is read (:mod:`gitops_guard.extract.helm_templates`):
  a literal reference is a use, one built from values that are not image keys is GG003.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from yaml.nodes import Node, ScalarNode

from gitops_guard.extract.context import Context
from gitops_guard.extract.helm import (
    BASE_VALUES,
    HelmImage,
    chart_app_version,
    chart_root,
    copy_images,
    emit_values,
    helm_images,
    values_documents_root,
)
from gitops_guard.extract.helm_templates import (
    built_from,
    defines,
    image_lines,
    is_template_file,
    not_followed,
    set_paths,
)
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import child, scalar_text, sequence
from gitops_guard.policy.layout import Placement

FilesBelow = Callable[[str], list[str]]  # every file below a folder (any depth)
_MAX_NESTING = 6
# An Argo CD or Flux object in a template (an app-of-apps chart renders Applications).
# A Rollout (argoproj.io too) is a workload: its image lines are read like a Deployment's.
_OBJECT_API = re.compile(r"^[ \t-]*apiVersion:[ \t]*[\"']?[\w.-]*(?:argoproj|fluxcd)\.io/", re.M)
_KIND_LINE = re.compile(r"^[ \t-]*kind:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.M)
_LITERAL_KIND = re.compile(r"[\"']?([A-Za-z][A-Za-z0-9]*)[\"']?")
_OBJECT_KINDS = frozenset({"Application", "ApplicationSet", "Kustomization", "HelmRelease"})


@dataclass(frozen=True, slots=True)
class Rendering:
    """Who renders a chart: where it runs, and the Application doing it."""

    placement: Placement
    application: str | None
    # The scalar values the layers set, by key path: a dependency's `condition` reads them.
    switches: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Subchart:
    """A chart in ``charts/``: its folder and the values key(s) it is deployed under."""

    folder: str
    keys: tuple[str, ...]


def chart_values(
    ctx: Context, directory: str, fileset: set[str]
) -> tuple[dict[str, HelmImage], tuple[str, Location] | None, Node | None]:
    """A chart's own values images, its ``appVersion`` and the values tree."""
    for name in BASE_VALUES:
        candidate = f"{directory}/{name}" if directory else name
        ctx.note_read(candidate)  # so that adding it later recomputes the unit
        if candidate in fileset:
            root = values_documents_root(ctx, candidate)
            if root is not None:
                return (
                    helm_images(ctx, candidate, root),
                    chart_app_version(ctx, directory, fileset),
                    root,
                )
    return {}, chart_app_version(ctx, directory, fileset), None


def extract_values(
    ctx: Context,
    values_files: list[str],
    fileset: set[str],
    selected: set[str] | None,
    deployed: set[str] | None = None,
    files_below: FilesBelow | None = None,
) -> None:
    """Record the images of every values file, environment files over the chart default.

    Files in ``deployed`` are rendered by an Argo CD Application, which records what
    they deploy in its environment; the rest are placed by the layout. In a chart folder
    (a ``Chart.yaml`` beside them, and ``files_below`` given), each environment's values
    render the chart: its subcharts and its templates' images too (:func:`render_chart`).
    """
    by_directory: dict[str, list[str]] = {}
    for path in values_files:
        by_directory.setdefault(posixpath.dirname(path), []).append(path)
    for directory, paths in by_directory.items():
        if selected is not None and not any(p in selected for p in paths):
            continue
        base = next((p for p in paths if posixpath.basename(p) in BASE_VALUES), None)
        overlays = [p for p in paths if p != base]
        app_version = chart_app_version(ctx, directory, fileset)
        chart = posixpath.join(directory, "Chart.yaml") if directory else "Chart.yaml"
        below = files_below if chart in fileset else None
        base_images: dict[str, HelmImage] = {}
        base_set: set[str] = set()
        if base is not None:
            base_root = values_documents_root(ctx, base)
            if base_root is not None:
                base_images = helm_images(ctx, base, base_root)
                base_set = set_paths(base_root)
        layered = _Layered(directory, app_version, fileset, below)
        if not overlays:
            if base is not None and base not in (deployed or ()):
                layered.put(ctx, base_images, ctx.place(base), base_set)
            continue
        for overlay in overlays:
            if overlay in (deployed or ()):
                continue
            root = values_documents_root(ctx, overlay)
            overlay_images = helm_images(ctx, overlay, root) if root is not None else {}
            merged = {k: v.over(None) for k, v in base_images.items()}
            for keypath, image in overlay_images.items():
                merged[keypath] = image.over(base_images.get(keypath))
            layered.put(ctx, copy_images(merged), ctx.place(overlay), base_set | set_paths(root))


@dataclass(frozen=True, slots=True)
class _Layered:
    """One folder of values files: a chart to render (``files_below`` set) or values alone."""

    directory: str
    app_version: tuple[str, Location] | None
    fileset: set[str]
    files_below: FilesBelow | None

    def put(
        self,
        ctx: Context,
        images: dict[str, HelmImage],
        placement: Placement,
        values_set: set[str],
    ) -> None:
        if self.files_below is None:
            emit_values(ctx, images, placement, self.app_version)
            return
        render_chart(
            ctx,
            self.directory,
            images,
            values_set,
            self.app_version,
            Rendering(placement, None),
            self.fileset,
            self.files_below,
        )


def render_chart(
    ctx: Context,
    directory: str,
    merged: dict[str, HelmImage],
    values_set: set[str],
    app_version: tuple[str, Location] | None,
    rendering: Rendering,
    fileset: set[str],
    files_below: FilesBelow,
    sources: dict[str, Source] | None = None,
) -> None:
    """Emit what a chart deploys with its merged values (see the module's docstring)."""
    below = files_below(directory)
    for path in below:
        ctx.note_read(path)  # a template or a subchart that changes recomputes the unit
    texts = {path: _text(ctx, path) for path in below if _is_chart_template(directory, path)}
    chart_defines = defines(texts.values())
    _render(
        ctx,
        directory,
        "",
        merged,
        values_set,
        app_version,
        rendering,
        fileset,
        below,
        texts,
        chart_defines,
        sources or {},
        0,
    )


def _render(
    ctx: Context,
    directory: str,
    prefix: str,
    merged: dict[str, HelmImage],
    values_set: set[str],
    app_version: tuple[str, Location] | None,
    rendering: Rendering,
    fileset: set[str],
    below: list[str],
    texts: dict[str, str],
    chart_defines: dict[str, str],
    sources: dict[str, Source],
    depth: int,
) -> None:
    subcharts = _subcharts(ctx, directory, fileset, below, rendering)
    disabled = _disabled(ctx, directory, fileset, rendering.switches)
    taken = {key for sub in subcharts for key in sub.keys}
    own = {k: v for k, v in merged.items() if k.split(".", 1)[0] not in taken}
    emit_values(
        ctx,
        {f"{prefix}{k}": v for k, v in own.items()},
        rendering.placement,
        app_version,
        application=rendering.application,
        sources={f"{prefix}{k}": s for k, s in sources.items()},
    )
    templates = posixpath.join(directory, "templates") + "/"
    # A library chart's templates render nothing of their own (its defines serve others).
    library = _chart_type(ctx, directory, fileset) == "library"
    for path, text in sorted(texts.items()):
        if path.startswith(templates) and not library:
            _template_images(
                ctx, path, text, own, values_set, chart_defines, rendering, prefix, fileset
            )
    if depth >= _MAX_NESTING:
        for sub in subcharts:
            ctx.unresolved(
                Location(posixpath.join(sub.folder, "Chart.yaml"), 1, 1),
                f"subchart {sub.folder} is nested more than {_MAX_NESTING} charts deep: "
                "the images it deploys are not followed",
                rendering.placement,
                hint="flatten the chart's dependencies",
            )
        return
    for sub in subcharts:
        sub_images, sub_version, sub_root = chart_values(ctx, sub.folder, fileset)
        sub_below = [p for p in below if p.startswith(sub.folder + "/")]
        for key in sub.keys:
            if key in disabled:
                continue  # its `condition` is false in the values: Helm leaves it out
            layered = {k: v.over(None) for k, v in sub_images.items()}
            sub_sources: dict[str, Source] = {}
            for keypath, image in merged.items():
                if keypath.startswith(key + "."):
                    rest = keypath[len(key) + 1 :]
                    layered[rest] = image.over(layered.get(rest))
                    if keypath in sources:
                        sub_sources[rest] = sources[keypath]
            sub_set = set_paths(sub_root)
            sub_set |= {p[len(key) + 1 :] for p in values_set if p.startswith(key + ".")}
            sub_set |= {p for p in values_set if p.startswith("global.")}  # globals go down
            below_switches = {
                p[len(key) + 1 :]: v
                for p, v in rendering.switches.items()
                if p.startswith(key + ".")
            }
            _render(
                ctx,
                sub.folder,
                f"{prefix}{key}.",
                layered,
                sub_set,
                sub_version,
                replace(rendering, switches=below_switches),
                fileset,
                sub_below,
                texts,
                chart_defines,
                sub_sources,
                depth + 1,
            )


def _is_chart_template(directory: str, path: str) -> bool:
    """A template of the chart or of a chart below it (``…/templates/…``)."""
    relative = path[len(directory) + 1 :] if directory else path
    parts = relative.split("/")
    return "templates" in parts[:-1] and is_template_file(path)


def _text(ctx: Context, path: str) -> str:
    try:
        return ctx.source.read(path).decode("utf-8", "replace")
    except OSError:
        return ""


def _subcharts(
    ctx: Context, directory: str, fileset: set[str], below: list[str], rendering: Rendering
) -> list[Subchart]:
    """The charts in ``directory/charts/`` and the values keys each is deployed under;
    packaged ones and dependencies that are not there are named."""
    charts = posixpath.join(directory, "charts") + "/"
    aliases, remote = _dependencies(ctx, directory, fileset)
    found: list[Subchart] = []
    present: set[str] = set()
    for path in below:
        if not path.startswith(charts):
            continue
        relative = path[len(charts) :]
        if relative.endswith(".tgz") and "/" not in relative:
            ctx.unresolved(
                Location(path, 1, 1),
                f"packaged subchart {relative} is not read: the images it deploys are not followed",
                rendering.placement,
                hint="vendor the subchart unpacked in charts/ (or judge its chart with "
                "gitops-guard where it is built)",
            )
            present.add(relative.removesuffix(".tgz").rsplit("-", 1)[0])
            continue
        folder, _slash, name = relative.partition("/")
        if name != "Chart.yaml":
            continue
        chart_file = charts + relative
        loaded = ctx.load(chart_file)
        root = loaded.documents[0].root if loaded.documents else None
        chart_name = scalar_text(child(root, "name")) if root is not None else None
        chart_name = chart_name or folder
        present.add(chart_name)
        found.append(Subchart(charts + folder, aliases.get(chart_name, (chart_name,))))
    for name, where in remote:
        if name not in present:
            ctx.unresolved(
                where,
                f"dependency {name} comes from a chart repository and is not in charts/: "
                "the images it deploys are not followed",
                rendering.placement,
                hint="vendor it (`helm dependency update`, then commit charts/)",
            )
    return found


def _disabled(
    ctx: Context, directory: str, fileset: set[str], switches: Mapping[str, str]
) -> set[str]:
    """The dependencies (by values key) whose ``condition`` the values set to false: the
    first of its comma-separated paths that the values set decides, as Helm reads it."""
    if not switches:
        return set()
    _chart, root = chart_root(ctx, directory, fileset)
    found: set[str] = set()
    for item in sequence(child(root, "dependencies")):
        key = scalar_text(child(item, "alias")) or scalar_text(child(item, "name"))
        condition = scalar_text(child(item, "condition")) or ""
        for path in (p.strip() for p in condition.split(",") if p.strip()):
            value = switches.get(path)
            if value is not None and value.lower() in ("true", "false"):
                if value.lower() == "false" and key:
                    found.add(key)
                break
    return found


def _may_be_an_object(text: str) -> bool:
    """Whether a template's kinds may be an Argo CD or Flux object: unless every ``kind:``
    is written out as another kind (a Rollout), an action may write one — also when no
    ``kind:`` line is written at all (a helper may print it)."""
    kinds = [_LITERAL_KIND.fullmatch(m.group(1)) for m in _KIND_LINE.finditer(text)]
    return not kinds or any(k is None or k.group(1) in _OBJECT_KINDS for k in kinds)


def _chart_type(ctx: Context, directory: str, fileset: set[str]) -> str | None:
    """``Chart.yaml``'s ``type`` (``application`` when unset, or ``library``)."""
    _chart, root = chart_root(ctx, directory, fileset)
    return scalar_text(child(root, "type"))


def _dependencies(
    ctx: Context, directory: str, fileset: set[str]
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, Location]]]:
    """``Chart.yaml`` dependencies: the aliases of each, and those fetched from a repository."""
    chart, root = chart_root(ctx, directory, fileset)
    if root is None:
        return {}, []
    aliases: dict[str, list[str]] = {}
    remote: list[tuple[str, Location]] = []
    for item in sequence(child(root, "dependencies")):
        name = scalar_text(child(item, "name"))
        if not name:
            continue
        alias = scalar_text(child(item, "alias"))
        aliases.setdefault(name, []).append(alias or name)
        repository = scalar_text(child(item, "repository")) or ""
        if repository and not repository.startswith("file://"):
            node = child(item, "name")
            line = node.start_mark.line + 1 if isinstance(node, ScalarNode) else 1
            column = node.start_mark.column + 1 if isinstance(node, ScalarNode) else 1
            remote.append((name, Location(chart, line, column)))
    return {k: tuple(dict.fromkeys(v)) for k, v in aliases.items()}, remote


def _template_images(
    ctx: Context,
    path: str,
    text: str,
    images: dict[str, HelmImage],
    values_set: set[str],
    chart_defines: dict[str, str],
    rendering: Rendering,
    prefix: str,
    fileset: set[str],
) -> None:
    objects = _OBJECT_API.search(text)
    if objects is not None and path not in fileset and not _may_be_an_object(text):
        objects = None
    if objects is not None and path not in fileset:
        # A template that reads as YAML as it is was read as a manifest; this one has
        # actions that only Helm can render, so what its Applications deploy is unknown.
        number = text.count("\n", 0, objects.start()) + 1
        ctx.unresolved(
            Location(path, number, 1),
            "an Argo CD or Flux object written in a Helm template with template actions: "
            "what the chart renders is not followed",
            rendering.placement,
            hint="write the Applications as plain YAML (an app-of-apps folder), or keep the "
            "template free of actions so gitops-guard reads it as it is",
        )
    for index, line in enumerate(image_lines(path, text)):
        if line.literal is not None:
            ctx.add_use(
                line.location,
                Source.CONTAINER,
                line.literal,
                rendering.placement,
                resource=f"{prefix}{posixpath.basename(path)}",
                container=f"{prefix}template#{index}",
                application=rendering.application,
            )
            continue
        built = built_from(line.expression, chart_defines)
        built.unknown[:0] = line.unknown
        reasons = not_followed(built, images, values_set)
        if reasons:
            ctx.unresolved(
                line.location,
                f"image built in a Helm template from {'; '.join(dict.fromkeys(reasons))}: "
                "what it renders is not followed",
                rendering.placement,
                hint="set the image under an `image:` key of the values (repository, tag, "
                "digest), which gitops-guard judges",
            )
