"""Argo CD Applications as the model of what each environment deploys.

An Application deploys its sources into the environment of its destination. With
``environments.<env>.destinations`` in the policy, the destination (cluster server or
name, namespace) decides; without them, the first environment name found in the
destination's cluster, its namespace, the Application's name, then the folder of the
Application's file (through the layout), then the folder it deploys from. The app is the
layout's app of the source path, else of the Application's file, else the Application's
name without its environment.

What a source deploys — a Kustomize build, a plain folder of manifests, a Helm chart — is
placed in that environment, whatever the layout says of the folder: pointing prod's
Application at the dev overlay deploys dev's images to prod. Folders no Application
deploys are placed by the layout (repositories without Applications).
"""

from __future__ import annotations

import codecs
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from yaml.nodes import Node

from gitops_guard.extract.workloads import kind_of
from gitops_guard.model import Location
from gitops_guard.parse.loader import LoadedFile, child, child_path, location, scalar_text, sequence
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.layout import Placement
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import KUSTOMIZATION_NAMES, normalize

# How an Application source is deployed, decided by what its folder holds (as Argo CD's
# repo server decides: a kustomization, else a chart, else a folder of manifests).
KUSTOMIZE = "kustomize"
HELM = "helm"
DIRECTORY = "directory"
MISSING = "missing"  # a path that holds no file of this repository
ELSEWHERE = "elsewhere"  # a source in another repository (``repositories`` in the policy)
REMOTE_CHART = "chart"  # a chart from a Helm repository (``chart:``)
TEMPLATED = "templated"  # an ApplicationSet template's path, not expanded
NO_PATH = "no-path"  # a source with neither path nor chart
GENERATOR = "generator"  # what an ApplicationSet generates cannot be followed (``message``)

_TOKEN_SPLIT = re.compile(r"[-_.]+")


@dataclass(frozen=True, slots=True)
class Deployment:
    """One source of one Application: where it deploys from and to which environment."""

    file: str  # the Application's file
    application: str  # metadata.name
    placement: Placement
    kind: str  # KUSTOMIZE, HELM, DIRECTORY, MISSING, REMOTE_CHART, TEMPLATED, NO_PATH
    directory: str | None  # the source's folder in this repository (normalised)
    recurse: bool
    # Compared apart: what only the Application's own unit reports (an edit that shifts
    # its lines must not recompute every folder it deploys).
    revision: str | None = field(compare=False)  # targetRevision as written
    where: Location = field(compare=False)  # the source's path line (else the Application)
    templated: bool = False  # of an ApplicationSet template
    destination_unmapped: str | None = None  # the destination, when no environment maps it
    generated_by: str | None = None  # the ApplicationSet that generates this Application
    message: str | None = None  # why a GENERATOR source cannot be followed
    source: Node | None = field(default=None, compare=False, hash=False)
    root: Node | None = field(default=None, compare=False, hash=False)

    def covers(self, path: str) -> bool:
        """Whether a file lies in the folder this source deploys as plain manifests."""
        if self.kind != DIRECTORY or self.directory is None:
            return False
        folder = posixpath.dirname(path)
        if folder == self.directory:
            return True
        return self.recurse and (self.directory == "" or folder.startswith(self.directory + "/"))


_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def may_hold_applications(data: bytes) -> bool:
    r"""A cheap test before parsing: Argo CD and Flux objects name their API group.

    The name can also be written so that its bytes differ — an escape in a quoted scalar
    (``"argoproj\x2eio/v1alpha1"``, JSON's ``\u002e``), or UTF-16/32 text (YAML allows it
    with a BOM): such files are parsed to be sure, never skipped.
    """
    if b"argoproj.io" in data or b"fluxcd.io" in data:
        return True
    return b"\\" in data or data.startswith(_WIDE_BOMS)


@dataclass(frozen=True, slots=True)
class RepositoryView:
    """What reading Applications needs of the repository state."""

    files: set[str]  # the YAML files read
    directories: set[str]  # every folder holding a file, with its parents
    all_files: set[str]  # every file (ApplicationSet git generators match JSON files too)
    read_data: Callable[[str], object]  # a generator file's data, None when unreadable


def read_deployments(
    policy: Policy,
    path: str,
    loaded: LoadedFile,
    view: RepositoryView,
    inputs: set[str] | None = None,
) -> list[Deployment]:
    """Every source of every Application in a parsed file, ApplicationSets expanded.

    ``inputs`` collects the generator files an ApplicationSet read.
    """
    found: list[Deployment] = []
    for document in loaded.documents:
        root = document.root
        for item in _objects(root):
            kind = kind_of(item)
            api = scalar_text(child(item, "apiVersion")) or ""
            if kind == "Application" and api.startswith("argoproj.io/"):
                found.extend(_sources(policy, path, item, view))
            elif kind == "ApplicationSet" and api.startswith("argoproj.io/"):
                found.extend(_generated(policy, path, item, view, inputs))
            elif kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io/"):
                found.append(_flux_kustomization(policy, path, item, view))
            elif kind == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io/"):
                found.extend(_flux_helm_release(policy, path, item))
    return found


def _objects(root: Node) -> list[Node]:
    """A document's objects: itself, or the items of a ``kind: List``."""
    if kind_of(root) == "List":
        return sequence(child(root, "items"))
    return [root]


def _sources(
    policy: Policy,
    path: str,
    root: Node,
    view: RepositoryView,
    templated: bool = False,
    generated_by: str | None = None,
) -> list[Deployment]:
    spec = child(root, "spec")
    name = scalar_text(child_path(root, "metadata", "name")) or ""
    sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
    placement, unmapped = application_placement(policy, path, name, spec, sources)
    return [
        _deployment(
            policy, path, name, placement, unmapped, source, root, templated, view, generated_by
        )
        for source in sources
    ]


def _generated(
    policy: Policy, path: str, root: Node, view: RepositoryView, inputs: set[str] | None
) -> list[Deployment]:
    # Imported for repositories that have ApplicationSets.
    from gitops_guard.extract.applicationsets import expand

    set_name = scalar_text(child_path(root, "metadata", "name")) or ""
    expansion = expand(policy, path, root, view.all_files, view.directories, view.read_data)
    if inputs is not None:
        inputs |= expansion.inputs
    found: list[Deployment] = []
    template = child_path(root, "spec", "template")
    if expansion.unresolved:
        # Placed as the template says, so the right environment's on_unresolved applies.
        spec = child(template, "spec")
        name = scalar_text(child_path(template, "metadata", "name")) or set_name
        sources = sequence(child(spec, "sources")) or [s for s in [child(spec, "source")] if s]
        placement, _unmapped = application_placement(policy, path, name, spec, sources)
        for where, message in expansion.unresolved:
            found.append(
                Deployment(
                    file=path,
                    application=set_name,
                    placement=placement,
                    kind=GENERATOR,
                    directory=None,
                    recurse=False,
                    revision=None,
                    where=where,
                    templated=True,
                    message=message,
                    root=root,
                )
            )
    for rendered in expansion.templates:
        found.extend(_sources(policy, path, rendered, view, generated_by=set_name))
    return found


def _deployment(
    policy: Policy,
    path: str,
    name: str,
    placement: Placement,
    unmapped: str | None,
    source: Node,
    root: Node,
    templated: bool,
    view: RepositoryView,
    generated_by: str | None,
) -> Deployment:
    fileset, directories = view.files, view.directories
    path_node = child(source, "path")
    source_path = scalar_text(path_node)
    where = location(path, path_node if path_node is not None else source)
    directory: str | None = None
    if child(source, "chart") is not None and not source_path:
        kind = REMOTE_CHART
        where = location(path, child(source, "chart") or source)
    elif not source_path:
        kind = NO_PATH
    elif not policy.is_this_repository(scalar_text(child(source, "repoURL"))):
        kind = ELSEWHERE
    elif "{{" in source_path:
        kind = TEMPLATED
    else:
        directory = normalize(source_path.strip("/") or ".")
        if directory is None or directory not in directories:
            kind = MISSING
        elif child(source, "helm") is not None:  # an explicit type wins, as in Argo CD
            kind = HELM
        elif child(source, "kustomize") is not None:
            kind = KUSTOMIZE
        elif child(source, "directory") is not None:
            kind = DIRECTORY
        elif any(posixpath.join(directory, n) in fileset for n in KUSTOMIZATION_NAMES):
            kind = KUSTOMIZE
        elif posixpath.join(directory, "Chart.yaml") in fileset:
            kind = HELM
        else:
            kind = DIRECTORY
    recurse = (scalar_text(child_path(source, "directory", "recurse")) or "").lower() == "true"
    return Deployment(
        file=path,
        application=name,
        placement=placement,
        kind=kind,
        directory=directory,
        recurse=recurse,
        revision=scalar_text(child(source, "targetRevision")),
        where=where,
        templated=templated,
        destination_unmapped=unmapped,
        generated_by=generated_by,
        source=source,
        root=root,
    )


def source_urls(deployments: Iterable[Deployment]) -> set[str]:
    """The repository URLs that sources with a path in a repository name (not templated)."""
    found: set[str] = set()
    for deployment in deployments:
        if deployment.source is None or deployment.kind in (REMOTE_CHART, NO_PATH):
            continue
        url = scalar_text(child(deployment.source, "repoURL"))
        if url and "{{" not in url:
            found.add(url)
    return found


def application_placement(
    policy: Policy, path: str, name: str, spec: Node | None, sources: list[Node]
) -> tuple[Placement, str | None]:
    """The app and environment an Application deploys to.

    The second value describes the destination when the policy maps destinations and
    none matches it (the caller names it: the images then fall back to the layout).
    """
    destination = child(spec, "destination")
    server = scalar_text(child(destination, "server"))
    cluster = scalar_text(child(destination, "name"))
    namespace = scalar_text(child(destination, "namespace"))
    source_places = [
        policy.layout.place(source_path)
        for source in sources
        if (source_path := scalar_text(child(source, "path"))) and "{{" not in source_path
    ]
    own = policy.layout.place(path)
    names = policy.layout_environments()
    environment: str | None = None
    unmapped: str | None = None
    if policy.maps_destinations():
        environment = policy.destination_environment(server, cluster, namespace)
        if environment is None:
            parts = [f"server {server}" if server else "", f"cluster {cluster}" if cluster else ""]
            parts.append(f"namespace {namespace}" if namespace else "")
            unmapped = ", ".join(p for p in parts if p) or "no destination"
    if environment is None:
        # An unmapped destination is still read for its words before any folder: the
        # folder is what a contributor picks to step around the gate.
        host = urlsplit(server).hostname if server and "://" in server else server
        for candidate in (cluster, host, namespace, name):
            environment = environment_token(candidate, names)
            if environment is not None:
                break
        if environment is None:
            environment = own.environment
    if environment is None:
        environment = next((p.environment for p in source_places if p.environment), None)
    app = next((p.app for p in source_places if p.app), None) or own.app
    if app is None and name:
        app = strip_environment(name, environment) if "{{" not in name else None
    return Placement(app, environment), unmapped


def environment_token(text: str | None, names: tuple[str, ...]) -> str | None:
    """The environment named among the ``-``/``_``/``.``-separated words of a name; of
    several (``api-prod-from-staging``), the last in promotion order, the most guarded."""
    if not text or "{{" in text:
        return None
    words = {word for word in _TOKEN_SPLIT.split(text) if word}
    found = [env for env in names if env in words]
    return found[-1] if found else None


def strip_environment(name: str, environment: str | None) -> str:
    """An Application's name without its environment word (``api-prod`` → ``api``)."""
    if environment is None:
        return name
    words = [w for w in _TOKEN_SPLIT.split(name) if w and w != environment]
    return "-".join(words) or name


def tracks_protected_ref(revision: str | None, protected: tuple[str, ...]) -> bool:
    """Whether a ``targetRevision`` names what the gate judges: the default branch
    (empty, ``HEAD``) or a ref the server protects (by name, ``refs/heads/`` or
    ``refs/tags/`` form, ``*`` wildcards)."""
    if revision is None or revision.strip() in ("", "HEAD"):
        return True
    text = revision.strip()
    candidates = [text] if text.startswith("refs/") else [f"refs/heads/{text}", f"refs/tags/{text}"]
    return any(glob_matches(pattern, ref) for pattern in protected for ref in candidates)


def folders_of(files: Iterable[str]) -> set[str]:
    """Every folder that holds a file, with its parents (the root is ``""``)."""
    folders = {""}
    for path in files:
        folder = posixpath.dirname(path)
        while folder and folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)
    return folders


def listed_value_files(deployment: Deployment) -> set[str]:
    """The values files of the chart folder a Helm source renders: ``values.yaml`` and
    its ``helm.valueFiles`` written relative to the chart (``$ref`` and URL forms are
    resolved, or named, by the extraction)."""
    if deployment.kind != HELM or deployment.directory is None:
        return set()
    folder = deployment.directory
    listed = {posixpath.join(folder, "values.yaml"), posixpath.join(folder, "values.yml")}
    for item in sequence(child_path(deployment.source, "helm", "valueFiles")):
        text = scalar_text(item)
        if text and not text.startswith("$") and "://" not in text:
            resolved = normalize(posixpath.join(folder, text))
            if resolved is not None:
                listed.add(resolved)
    return listed


def directory_selects(deployment: Deployment, path: str) -> bool:
    """Whether a plain-folder source's ``directory.include``/``exclude`` keep a file.

    Argo CD matches the path relative to the source folder (and, as a fallback, the
    file's name) against each glob; ``{a,b}`` lists alternatives.
    """
    settings = child(deployment.source, "directory")
    include = scalar_text(child(settings, "include"))
    exclude = scalar_text(child(settings, "exclude"))
    folder = deployment.directory or ""
    relative = path[len(folder) + 1 :] if folder and path.startswith(folder + "/") else path
    if include and not _glob_any(include, relative):
        return False
    return not (exclude and _glob_any(exclude, relative))


def _glob_any(pattern: str, relative: str) -> bool:
    from gitops_guard.patterns.gofilepath import go_match

    name = posixpath.basename(relative)
    return any(
        go_match(alternative, relative) or go_match(alternative, name)
        for alternative in _braces(pattern.strip())
    )


def _braces(pattern: str) -> list[str]:
    """``{a,b}c`` as ``[ac, bc]`` (one level, as Argo CD's globs are written)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [alt for part in match.group(1).split(",") for alt in _braces(head + part + tail)]


FLUX_KUSTOMIZATION = "Flux Kustomization"


def _flux_placement(policy: Policy, path: str, root: Node, source_path: str | None) -> Placement:
    """Where a Flux object deploys: as an Application without a destination, its target
    namespace standing for the destination's."""
    name = scalar_text(child_path(root, "metadata", "name")) or ""
    spec = child(root, "spec")
    namespace = scalar_text(child(spec, "targetNamespace")) or scalar_text(
        child_path(root, "metadata", "namespace")
    )
    own = policy.layout.place(path)
    names = policy.layout_environments()
    environment = None
    for candidate in (namespace if namespace != "flux-system" else None, name):
        environment = environment_token(candidate, names)
        if environment is not None:
            break
    source_place = policy.layout.place(source_path) if source_path else None
    if environment is None:
        environment = own.environment or (source_place.environment if source_place else None)
    app = (source_place.app if source_place else None) or own.app
    if app is None and name:
        app = strip_environment(name, environment)
    return Placement(app, environment)


def _flux_kustomization(policy: Policy, path: str, root: Node, view: RepositoryView) -> Deployment:
    """A Flux Kustomization: ``kustomize build`` of ``spec.path`` (Flux generates a
    kustomization of every manifest below a folder that has none)."""
    spec = child(root, "spec")
    path_node = child(spec, "path")
    source_path = scalar_text(path_node) or ""
    directory = normalize(source_path.strip("/") or ".")
    source_kind = scalar_text(child_path(spec, "sourceRef", "kind")) or "GitRepository"
    if source_kind != "GitRepository":
        kind = ELSEWHERE
    elif directory is None or directory not in view.directories:
        kind = MISSING
    elif any(posixpath.join(directory, n) in view.files for n in KUSTOMIZATION_NAMES):
        kind = KUSTOMIZE
    else:
        kind = DIRECTORY
    return Deployment(
        file=path,
        application=scalar_text(child_path(root, "metadata", "name")) or "",
        placement=_flux_placement(policy, path, root, directory),
        kind=kind,
        directory=directory,
        recurse=True,
        revision=None,
        where=location(path, path_node if path_node is not None else root),
        generated_by=FLUX_KUSTOMIZATION,
        source=spec,
        root=root,
    )


def _flux_helm_release(policy: Policy, path: str, root: Node) -> list[Deployment]:
    """What a HelmRelease deploys that is not followed (its ``spec.values`` are read as the
    release's images): a chart from a Helm or OCI repository, a chart from a Git or bucket
    source (not rendered: its own values, templates and subcharts), ``valuesFrom``."""
    name = scalar_text(child_path(root, "metadata", "name")) or ""
    placement = _flux_placement(policy, path, root, None)
    found: list[Deployment] = []
    chart = child_path(root, "spec", "chart", "spec")
    source_kind = scalar_text(child_path(chart, "sourceRef", "kind"))
    if chart is not None and source_kind is not None:
        kind, message = REMOTE_CHART, None
        if source_kind in ("GitRepository", "Bucket"):
            chart_path = scalar_text(child(chart, "chart")) or "?"
            kind = GENERATOR
            message = (
                f"its chart {chart_path} from {source_kind} "
                f"{scalar_text(child_path(chart, 'sourceRef', 'name'))} is not rendered: the "
                "chart's own values, templates and subcharts are not followed"
            )
        found.append(
            Deployment(
                file=path,
                application=name,
                placement=placement,
                kind=kind,
                directory=None,
                recurse=False,
                revision=scalar_text(child(chart, "version")),
                where=location(path, child(chart, "chart") or chart),
                generated_by="HelmRelease",
                message=message,
                source=chart,
                root=root,
            )
        )
    values_from = child_path(root, "spec", "valuesFrom")
    if values_from is not None and sequence(values_from):
        found.append(
            Deployment(
                file=path,
                application=name,
                placement=placement,
                kind=GENERATOR,
                directory=None,
                recurse=False,
                revision=None,
                where=location(path, values_from),
                generated_by="HelmRelease",
                message="its valuesFrom (ConfigMaps and Secrets of the cluster) are not followed",
                root=root,
            )
        )
    return found
