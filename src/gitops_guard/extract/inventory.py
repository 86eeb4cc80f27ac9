"""Documents → image uses: the one parsing path every command shares.

``extract`` reads a repository state through a :class:`~gitops_guard.files.FileSource`
and returns an :class:`Inventory`: every image use with its location, source kind,
app and environment, plus the input problems (GG001) met on the way.
"""

from __future__ import annotations

import bisect
import gc
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import yaml

from gitops_guard.extract.argocd import ArgoExtractor, is_write_back_file
from gitops_guard.extract.context import Context
from gitops_guard.extract.deployments import (
    DIRECTORY,
    HELM,
    KUSTOMIZE,
    Deployment,
    RepositoryView,
    directory_selects,
    folders_of,
    listed_value_files,
    may_hold_applications,
    source_urls,
)
from gitops_guard.extract.helm import is_values_file
from gitops_guard.extract.kustomize import KustomizeGraph
from gitops_guard.extract.workloads import kind_of, workload_images
from gitops_guard.model import Finding, ImageUse, Location
from gitops_guard.parse.loader import LoadedFile, load_yaml
from gitops_guard.patterns.pathglob import matches_any
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import (
    KUSTOMIZATION_NAMES,
    FileSource,
    is_yaml_path,
)


@dataclass
class Inventory:
    """The result of one extraction."""

    uses: list[ImageUse] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    parsed: dict[str, LoadedFile] = field(default_factory=dict)
    # The Applications each file defines, and those they deploy in turn (app-of-apps).
    applications: dict[str, frozenset[str]] = field(default_factory=dict)
    # The repository URLs their sources name (see extract.deployments.source_urls).
    source_urls: frozenset[str] = frozenset()


def concerns(use: ImageUse, paths: set[str], applications: dict[str, frozenset[str]]) -> bool:
    """Whether a use is part of what ``paths`` say: written in one of them, built from
    one (a base, a patch), or deployed by an Application one of them defines."""
    if use.location.path in paths or any(path in paths for path in use.via):
        return True
    if use.origin is not None and use.origin.path in paths:
        return True
    return use.application is not None and any(
        use.application in applications.get(path, ()) for path in paths
    )


def with_children(
    applications: dict[str, frozenset[str]], deployments: Mapping[str, Sequence[Deployment]]
) -> dict[str, frozenset[str]]:
    """The Applications each file defines, with those they deploy in turn: an app-of-apps
    root given to ``validate`` is judged by everything below it."""
    folders: dict[str, set[str]] = {}
    for found in deployments.values():
        for deployment in found:
            if deployment.application and deployment.directory is not None:
                folders.setdefault(deployment.application, set()).add(deployment.directory)
    paths = sorted(p for p, names in applications.items() if names)
    closed: dict[str, frozenset[str]] = {}
    for path, names in applications.items():
        seen = set(names)
        todo = list(names)
        while todo:
            for folder in folders.get(todo.pop(), ()):
                prefix = f"{folder}/" if folder else ""
                start = bisect.bisect_left(paths, prefix)
                for child_path in paths[start:]:
                    if not child_path.startswith(prefix):
                        break
                    fresh = applications[child_path] - seen
                    todo.extend(fresh)
                    seen |= fresh
        closed[path] = frozenset(seen)
    return closed


def candidate_files(all_files: Iterable[str], policy: Policy) -> list[str]:
    """The YAML files a run reads: not excluded, not Helm templates."""
    files = list(all_files)
    charts = {posixpath.dirname(p) for p in files if posixpath.basename(p) == "Chart.yaml"}
    chosen = []
    for path in files:
        if not is_yaml_path(path):
            continue
        if policy.exclude and matches_any(policy.exclude, path):
            continue
        if _in_chart_templates(path, charts):
            continue
        chosen.append(path)
    return chosen


def _in_chart_templates(path: str, charts: set[str]) -> bool:
    # Helm templates are Go templates, not YAML, until rendered.
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "templates" and "/".join(parts[:index]) in charts:
            return True
    return False


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

UnitKey = tuple[str, str]
# What `repositories` holds when nothing says which URLs are this repository: it matches no
# URL (a URL key never starts with a space).
UNKNOWN_REPOSITORY = " no URL is known to be this repository"
ARGO_OBJECTS = {("argoproj.io", "Application"), ("argoproj.io", "ApplicationSet")}
# A focus of more than this share of the repository's files is extracted whole, then
# filtered (bench/paths_bench.py: where a focused run stops being the cheaper one).
FOCUS_SHARE = 0.1
# Parsed files an extraction keeps besides those the rules read after it (Context.limit):
# enough for the overlays of an app to share their bases' trees.
PARSED_KEPT = 256
ROOT = "root"  # a kustomization no other kustomization includes
FILE = "file"  # a manifest not reached from a root, its Applications, a write-back file
VALUES = "values"  # the Helm values files of one directory


@dataclass
class Unit:
    """The image uses one unit of the repository yields, and every file they depend on."""

    uses: list[ImageUse]
    reads: set[str]


class Extraction:
    """The image uses of one repository state, kept up to date as files change.

    The repository is cut into units (a Kustomize root, a file, a Helm values
    directory); each remembers the files it read, so after a change only the units
    that read a changed file are computed again. ``extract`` uses it once; the history
    uses it commit after commit.
    """

    def __init__(
        self,
        source: FileSource,
        policy: Policy,
        extra_files: Iterable[str] = (),
        focus: set[str] | None = None,
        listing: list[str] | None = None,
        keep: int | None = None,
    ) -> None:
        self.ctx = Context(source, policy)
        if keep is not None:
            # One-shot (never updated): at most ``keep`` parsed trees beyond what the
            # rules read after it, and no index of which unit read which file.
            self.ctx.keep_recent(keep)
        self.policy = policy
        listing = list(source.list_files()) if listing is None else list(listing)
        known = set(listing)
        listing += sorted(p for p in extra_files if p not in known)
        self.files: set[str] = set(candidate_files(listing, policy))
        self.all_paths: set[str] = set(listing)  # every file: generators match JSON too
        self.files |= self._object_files(p for p in listing if p not in self.files)
        # With a focus (the files a hook was given), only kustomizations related to them
        # are read; the graph is then partial and must not be updated incrementally.
        self.graph = KustomizeGraph(self.ctx, sorted(self.files), self.files, focus)
        self.argo = ArgoExtractor(
            self.ctx, self.graph, self.files, self._view, self._files_of, self._files_below
        )
        self.units: dict[UnitKey, Unit] = {}
        self._readers: dict[str, set[UnitKey]] = {}
        self._values_by_directory: dict[str, set[str]] | None = None
        self._files_by_directory: dict[str, list[str]] | None = None
        self._sorted_paths: list[str] = []  # all_paths sorted, with _files_by_directory
        self._directory_set: set[str] | None = None
        # What the Applications deploy (see extract.deployments): by Application file,
        # then indexed by the folders they deploy.
        self._focused = focus is not None
        self.deployments: dict[str, tuple[Deployment, ...]] = {}
        self._generator_inputs: dict[str, set[str]] = {}  # ApplicationSet file → files read
        # Files holding an ApplicationSet: read again whenever a file comes or goes.
        self._application_sets: set[str] = set()
        self._deployed_kustomize: dict[str, set[str]] = {}
        self._deployed_helm: dict[str, set[str]] = {}
        self._deployed_plain: dict[str, list[Deployment]] = {}
        # Recursing plain-folder sources, by the folder they deploy.
        self._deployed_recursive: dict[str, list[Deployment]] = {}
        for path in sorted(self.files):
            self._scan(path)
        self._index_deployments()

    def anchor_repositories(self, remote_urls: Iterable[str] = ()) -> tuple[str, ...]:
        """Without ``repositories`` in the policy, take this repository's URLs to be those
        its Applications name now (and its remotes'): from here on, a source naming
        another URL is another repository (GG003), not this one.

        A gate calls it at the base revision, so a change cannot point an Application at
        a fork of the repository and have the fork's folders judged as this one's. The
        current state is unchanged by it (every URL it names is now known).
        """
        if self.policy.repositories:
            return self.policy.repositories
        known = source_urls(d for found in self.deployments.values() for d in found)
        known |= set(remote_urls)
        # Nothing names this repository (a server's bare repository without Applications
        # yet): no URL is known to be it, so the first Application's is named, not trusted.
        anchored = tuple(sorted(known)) if known else (UNKNOWN_REPOSITORY,)
        self.policy = replace(self.policy, repositories=anchored)
        self.ctx.policy = self.policy
        return self.policy.repositories

    def _in_a_chart_s_templates(self, path: str) -> bool:
        """Whether a chart's ``templates/`` folder holds the path (Go templates, not YAML),
        by the files listed now: a template added after its chart is no manifest either."""
        parts = path.split("/")[:-1]
        for index, part in enumerate(parts):
            chart = posixpath.join("/".join(parts[:index]), "Chart.yaml")
            if part == "templates" and chart in self.all_paths:
                return True
        return False

    def _object_files(self, paths: Iterable[str]) -> set[str]:
        """Files among ``paths`` that hold Argo CD or Flux objects, beyond the YAML read anyway.

        Argo CD applies a folder's ``*.json`` like its YAML, so an app-of-apps may keep
        an Application in JSON; JSON is YAML to the loader. An app-of-apps chart keeps its
        Applications in ``templates/``: a template that holds them and has no template
        action is read like a manifest. Other JSON (package
        files, dashboards) is read only where a plain-folder source applies it.
        """
        found: set[str] = set()
        for path in paths:
            template = is_yaml_path(path) and self._in_a_chart_s_templates(path)
            if not (path.endswith(".json") or template):
                continue
            if self.policy.exclude and matches_any(self.policy.exclude, path):
                continue
            try:
                data = self.ctx.source.read(path)
            except (OSError, ValueError):
                continue  # unreadable: no object read from it (a plain source names it)
            if not may_hold_applications(data):
                continue
            if template and (
                b"{{" in data or load_yaml(path, data, max_bytes=self.policy.max_file_size).problems
            ):
                # A Go template proper (an action may even read as a YAML flow mapping):
                # its chart names it (helm_charts) and reads its image lines.
                continue
            found.add(path)
        return found

    # --- what the Applications deploy -----------------------------------------------------

    def _directories(self) -> set[str]:
        if self._directory_set is None:
            self._directory_set = folders_of(self.files)
        return self._directory_set

    def _view(self) -> RepositoryView:
        return RepositoryView(self.files, self._directories(), self.all_paths, self._read_data)

    def _read_data(self, path: str) -> object:
        """A generator's JSON or YAML file as data (None when it cannot be read)."""
        try:
            return yaml.load(self.ctx.source.read(path), Loader=_Loader)
        except (OSError, ValueError, yaml.YAMLError):
            return None

    def _listing(self) -> dict[str, list[str]]:
        if self._files_by_directory is None:
            self._sorted_paths = sorted(self.all_paths)
            self._files_by_directory = {}
            for path in self._sorted_paths:
                self._files_by_directory.setdefault(posixpath.dirname(path), []).append(path)
        return self._files_by_directory

    def _files_below(self, folder: str) -> list[str]:
        """Every file below a folder, at any depth (one run of the sorted listing)."""
        self._listing()
        ordered = self._sorted_paths
        prefix = folder + "/" if folder else ""
        first = bisect.bisect_left(ordered, prefix)
        # "d/" <= path < "d0" ("0" follows "/") holds exactly for paths starting "d/".
        last = bisect.bisect_left(ordered, prefix[:-1] + "0") if prefix else len(ordered)
        return ordered[first:last]

    def _files_of(self, deployment: Deployment) -> list[str]:
        """The files of a plain-folder source (recursively when it says so), its
        ``directory.include``/``exclude`` applied: YAML, JSON and Jsonnet alike."""
        if deployment.recurse:
            below = self._files_below(deployment.directory or "")
            found = [path for path in below if deployment.covers(path)]
        else:
            found = list(self._listing().get(deployment.directory or "", []))
        return [path for path in found if directory_selects(deployment, path)]

    def deploys_applications(self, paths: Iterable[str]) -> bool:
        """Whether an Application the paths define deploys a folder holding Applications
        (an app-of-apps root)."""
        for path in paths:
            for deployment in self.deployments.get(path, ()):
                if deployment.directory is None:
                    continue
                for below in self._files_below(deployment.directory):
                    try:
                        if below in self.files and may_hold_applications(
                            self.ctx.source.read(below)
                        ):
                            return True
                    except (OSError, ValueError):
                        continue  # unreadable: named where it is read
        return False

    def _helm_deployers_above(self, path: str) -> set[str]:
        """The Application files whose charts hold ``path`` (a template, a subchart)."""
        found: set[str] = set()
        folder = posixpath.dirname(path)
        while True:
            found |= self._deployed_helm.get(folder, set())
            if not folder:
                return found
            folder = posixpath.dirname(folder)

    def _may_hold_applications(self, path: str) -> bool:
        if path in self.ctx.parsed or (not self._focused and self.ctx.limit is None):
            return True  # parsed anyway (and kept)
        try:
            return may_hold_applications(self.ctx.source.read(path))
        except (OSError, ValueError):
            return True  # let the parse report it

    def _scan(self, path: str) -> None:
        """Read which Application sources a file holds (none for most files)."""
        found: tuple[Deployment, ...] = ()
        self._application_sets.discard(path)
        if (
            path in self.files
            and posixpath.basename(path) not in KUSTOMIZATION_NAMES
            and not is_write_back_file(path)
            and path not in self.graph.patch_only  # a patch's Application is no Application
            and self._may_hold_applications(path)
        ):
            inputs: set[str] = set()
            found = tuple(self.argo.deployments(path, inputs))
            if any(kind_of(d.root) == "ApplicationSet" for d in self.ctx.load(path).documents):
                self._application_sets.add(path)
            if inputs:
                self._generator_inputs[path] = inputs
            else:
                self._generator_inputs.pop(path, None)
        if found:
            self.deployments[path] = found
        else:
            self.deployments.pop(path, None)

    def _index_deployments(self) -> None:
        self._deployed_kustomize, self._deployed_plain, self._deployed_recursive = {}, {}, {}
        self._deployed_helm = {}
        for path, found in self.deployments.items():
            for deployment in found:
                if deployment.directory is None:
                    continue
                if deployment.kind == KUSTOMIZE:
                    self._deployed_kustomize.setdefault(deployment.directory, set()).add(path)
                elif deployment.kind == HELM:
                    self._deployed_helm.setdefault(deployment.directory, set()).add(path)
                elif deployment.kind == DIRECTORY and deployment.recurse:
                    self._deployed_recursive.setdefault(deployment.directory, []).append(deployment)
                elif deployment.kind == DIRECTORY:
                    self._deployed_plain.setdefault(deployment.directory, []).append(deployment)

    def _deployers_of(self, directory: str) -> list[Deployment]:
        """The Application sources that deploy a folder (Kustomize or Helm)."""
        files = self._deployed_kustomize.get(directory, set()) | self._deployed_helm.get(
            directory, set()
        )
        return [
            d
            for path in sorted(files)
            for d in self.deployments.get(path, ())
            if d.directory == directory
        ]

    def _plain_deployers(self, path: str) -> set[str]:
        """The Application files whose plain-folder sources apply ``path``."""
        found = {d.file for d in self._deployed_plain.get(posixpath.dirname(path), ())}
        # A recursing source covers the files of its folder and of every folder below.
        folder = posixpath.dirname(path)
        while True:
            found |= {d.file for d in self._deployed_recursive.get(folder, ()) if d.covers(path)}
            if not folder:
                break
            folder = posixpath.dirname(folder)
        return found

    def _units_deployed_from(self, directory: str) -> set[UnitKey]:
        """The root and file units whose uses an Application of ``directory`` takes over."""
        keys: set[UnitKey] = {
            (ROOT, root) for root in self.graph.roots if posixpath.dirname(root) == directory
        }
        keys.add((VALUES, directory))
        # Its subcharts' values, which the Application rendering the chart reads.
        keys |= {(VALUES, folder) for folder in self._chart_folders_below(directory)}
        prefix = directory + "/" if directory else ""
        for path in self.files:
            if path.startswith(prefix) and posixpath.basename(path) not in KUSTOMIZATION_NAMES:
                keys.add((FILE, path))
        return keys

    # --- which units exist --------------------------------------------------------------

    def _chart_folders_below(self, directory: str) -> set[str]:
        self._values_in(directory)
        assert self._values_by_directory is not None
        prefix = directory + "/charts/" if directory else "charts/"
        return {folder for folder in self._values_by_directory if folder.startswith(prefix)}

    def _values_in(self, directory: str) -> set[str]:
        if self._values_by_directory is None:
            self._values_by_directory = {}
            for path in self.files:
                if is_values_file(path):
                    self._values_by_directory.setdefault(posixpath.dirname(path), set()).add(path)
        return self._values_by_directory.get(directory, set())

    def _keys_for(self, path: str) -> list[UnitKey]:
        keys: list[UnitKey] = []
        if is_values_file(path):
            keys.append((VALUES, posixpath.dirname(path)))
        if posixpath.basename(path) not in KUSTOMIZATION_NAMES:
            keys.append((FILE, path))
        return keys

    def all_keys(self) -> list[UnitKey]:
        """Every unit of the current state."""
        keys: dict[UnitKey, None] = {(ROOT, root): None for root in self.graph.roots}
        for path in sorted(self.files):
            for key in self._keys_for(path):
                keys[key] = None
        return list(keys)

    def keys_touching(self, paths: set[str]) -> list[UnitKey]:
        """The units whose uses a change to ``paths`` can show up in."""
        keys: dict[UnitKey, None] = {}
        directories: set[str] = set()
        for root in self.graph.roots:
            if self.graph.reach(root) & paths:
                keys[(ROOT, root)] = None
                directories.add(posixpath.dirname(root))
        # An Application given deploys its source folders: their write-back files count.
        for path in paths:
            directories |= {d.directory for d in self.deployments.get(path, ()) if d.directory}
        # Image Updater's write-back files override what those roots deploy.
        for path in sorted(self.files):
            if is_write_back_file(path) and posixpath.dirname(path) in directories:
                keys[(FILE, path)] = None
        # Applications deploying a folder whose files changed. A plain-folder source
        # covers a changed file when it deploys the file's folder, or (recursing) a folder
        # above it: both looked up in the folders of ``paths``, gathered once.
        folders = {posixpath.dirname(changed) for changed in paths}
        above: set[str] = set()
        for folder in folders:
            while folder:
                folder = posixpath.dirname(folder)
                above.add(folder)
        for app_file, found in sorted(self.deployments.items()):
            for deployment in found:
                if deployment.kind == KUSTOMIZE and deployment.directory is not None:
                    deployed = self.graph.kustomization_in(deployment.directory)
                    if deployed is not None and self.graph.reach(deployed) & paths:
                        keys[(FILE, app_file)] = None
                elif deployment.kind == HELM and deployment.directory is not None:
                    # Its Application places the values of its chart folder, and of
                    # the values files it lists.
                    # of the values files it lists, and what its chart folder holds (its
                    # templates, its subcharts).
                    below = deployment.directory in folders or deployment.directory in above
                    if below or listed_value_files(deployment) & paths:
                        keys[(FILE, app_file)] = None
                elif (
                    deployment.kind == DIRECTORY
                    and deployment.directory is not None
                    and (
                        deployment.directory in folders
                        or (deployment.recurse and deployment.directory in above)
                    )
                ):
                    keys[(FILE, app_file)] = None
        for path in sorted(paths):
            if path in self.files:
                for key in self._keys_for(path):
                    keys[key] = None
        return list(keys)

    # --- computing ------------------------------------------------------------------------

    def compute(self, key: UnitKey) -> Unit:
        """Compute one unit from the current state and remember it."""
        ctx = self.ctx
        self.drop(key)
        ctx.uses = []
        ctx.reads = set()
        kind, name = key
        if kind == ROOT:
            deployers = self._deployed_kustomize.get(posixpath.dirname(name))
            if deployers:
                ctx.reads |= deployers  # its Applications emit what it deploys
            elif name in self.graph.kustomizations:
                ctx.reads |= self.graph.reach(name)
                self.graph.emit(name)
            if name in self.graph.kustomizations:
                ctx.reads |= self.graph.reach(name)
                self._patched_applications(name)
        elif kind == VALUES:
            in_directory = sorted(self._values_in(name))
            helm_sources = self._deployers_of(name)
            deployed = {path for d in helm_sources for path in listed_value_files(d)}
            if self._is_subchart(name):
                # A subchart's values: the chart above reads them as it renders (for its
                # Application, or for the layout's environments).
                deployed |= set(in_directory)
                ctx.reads |= self._helm_deployers_above(name)
            from gitops_guard.extract.helm_charts import extract_values

            extract_values(self.ctx, in_directory, self.files, None, deployed, self._files_below)
            ctx.reads |= set(in_directory) | {d.file for d in helm_sources}
        elif name in self.files:
            ctx.reads.add(name)
            if is_write_back_file(name):
                self.argo.write_back_file(name, self._deployers_of(posixpath.dirname(name)))
            else:
                deployers = self._plain_deployers(name)
                ctx.reads |= deployers
                if name not in self.graph.owned and not deployers:
                    placement = ctx.place(name)
                    # Seen through a symlinked folder: placed where it is deployed from,
                    # located in the file a person edits.
                    real = self.graph.real_path(name) or name
                    for image in workload_images(ctx, real):
                        ctx.add_use(
                            image.location,
                            image.source,
                            image.image,
                            placement,
                            resource=image.resource,
                            container=image.container,
                            via=(name,) if real == name else (name, real),
                        )
                if name not in self.graph.patch_only:
                    self.argo.application_file(name)
        unit = Unit(ctx.uses, ctx.reads)
        ctx.uses, ctx.reads = [], None
        self.units[key] = unit
        if self.ctx.limit is None:  # a one-shot extraction is never updated
            for path in unit.reads:
                self._readers.setdefault(path, set()).add(key)
        return unit

    def _patched_applications(self, root: str) -> None:
        """Name the Applications a kustomization changes as it applies them (an
        app-of-apps folder built by Kustomize): they are read as their files write them."""
        for resource, changed in self.graph.changed_objects(root, ARGO_OBJECTS):
            kind, name = resource.original
            placement = next(
                (
                    d.placement
                    for d in self.deployments.get(resource.file, ())
                    if d.application == name
                ),
                None,
            ) or self.ctx.place(resource.file)
            fields = ", ".join(dict.fromkeys(path for path, _where in changed))
            where = next((w for _path, w in changed if w is not None), None)
            self.ctx.unresolved(
                where or Location(root, 1, 1),
                f"{kind} {name} ({resource.file}) is changed by the kustomization {root} that "
                f"applies it ({fields}): what it deploys is read as its file writes it, not as "
                "patched",
                placement,
                hint="write the change in the Application's file, which gitops-guard judges",
            )

    def drop(self, key: UnitKey) -> None:
        """Forget a unit (its file or root is gone, or it is about to be recomputed)."""
        unit = self.units.pop(key, None)
        if unit is None:
            return
        for path in unit.reads:
            readers = self._readers.get(path)
            if readers is not None:
                readers.discard(key)
                if not readers:
                    del self._readers[path]

    def update(self, changed: Iterable[str], source: FileSource | None = None) -> set[UnitKey]:
        """Follow a change of ``changed`` paths (modified, added or deleted).

        Returns the units computed again or dropped; their uses are in ``units``.
        """
        # A one-shot extraction (``keep``) indexes no readers and drops parsed trees.
        assert self.ctx.limit is None, "a one-shot extraction cannot be updated"
        if source is not None:
            self.ctx.source = source
        paths = set(changed)
        self.ctx.forget(paths)
        structural = listed = False
        for path in paths:
            # Any file added or removed may be matched by an ApplicationSet generator.
            if self.ctx.source.is_file(path):
                if path not in self.all_paths:
                    self.all_paths.add(path)
                    listed = True
            elif path in self.all_paths:
                self.all_paths.discard(path)
                listed = True
        for path in sorted(paths):
            if posixpath.basename(path) == "Chart.yaml":
                # A chart that comes or goes makes its templates/ Go templates, or manifests.
                self._files_by_directory = None
                templates = posixpath.join(posixpath.dirname(path), "templates")
                paths |= {p for p in self._files_below(templates) if is_yaml_path(p)}
        for path in paths:
            # Whether a chart's templates hold it is decided by every file now listed.
            exists = self.ctx.source.is_file(path) and bool(
                (candidate_files([path], self.policy) and not self._in_a_chart_s_templates(path))
                or self._object_files([path])
            )
            if exists and path not in self.files:
                self.files.add(path)
                structural = True
            elif not exists and path in self.files:
                self.files.discard(path)
                structural = True
        if structural or listed:
            self._files_by_directory = None
        if structural:
            self._values_by_directory = None
            self._directory_set = None
        old_owned = set(self.graph.owned)
        old_patches = set(self.graph.patch_only)
        roots = self.graph.refresh(paths, structural)
        affected: set[UnitKey] = {(ROOT, root) for root in roots}
        # A file that becomes (or stops being) a patch is read again for Applications.
        repatched = old_patches ^ self.graph.patch_only
        affected |= {(FILE, path) for path in repatched}
        affected |= self._follow_deployments(paths | repatched, structural, listed)
        # A root the graph rebuilds is rebuilt by the Applications deploying it too (a
        # missing patch file that comes back is in no unit's reads).
        for root in roots:
            for deployer in self._deployed_kustomize.get(posixpath.dirname(root), ()):
                affected.add((FILE, deployer))
        for path in paths:
            affected |= self._readers.get(path, set())
            for key in self._keys_for(path):
                affected.add(key)
        for path in old_owned ^ self.graph.owned:
            affected.add((FILE, path))
        current_roots = set(self.graph.roots)
        for key in affected:
            kind, name = key
            gone = (kind == ROOT and name not in current_roots) or (
                kind == FILE and name not in self.files
            )
            if gone:
                self.drop(key)
            else:
                self.compute(key)
        self.ctx.problems = []
        self.ctx.reset_reported()
        self.ctx.stale.clear()  # files changed but not read again (deleted, unused)
        return affected

    def _follow_deployments(self, paths: set[str], structural: bool, listed: bool) -> set[UnitKey]:
        """Re-read the Applications a change may have changed; the units they move."""
        before = dict(self.deployments)
        plain_before = {f for p in paths for f in self._plain_deployers(p)}
        generators = {f for f, read in self._generator_inputs.items() if read & paths}
        if listed:
            generators |= self._application_sets
        for path in sorted((set(before) if structural else set()) | paths | generators):
            self._scan(path)
        affected: set[UnitKey] = set()
        moved: set[str] = set()
        for path in set(before) | set(self.deployments):
            old, new = before.get(path, ()), self.deployments.get(path, ())
            if old != new:
                affected.add((FILE, path))
                moved |= {d.directory for d in (*old, *new) if d.directory is not None}
        if moved:
            self._index_deployments()
            for directory in sorted(moved):
                affected |= self._units_deployed_from(directory)
        if structural or listed:
            for path in paths:
                for deployer in plain_before | self._plain_deployers(path):
                    affected.add((FILE, deployer))
                # A template or a subchart that comes or goes changes what a chart renders.
                for deployer in self._helm_deployers_above(path):
                    affected.add((FILE, deployer))
                affected |= self._charts_above(path)
        return affected

    def _is_subchart(self, directory: str) -> bool:
        """Whether a folder is a subchart (``…/charts/<name>``) of a chart folder: one that
        holds a ``Chart.yaml``, or that an Application deploys as a chart."""
        if "/charts/" not in f"/{directory}":
            return False
        parent = f"/{directory}".rpartition("/charts/")[0].removeprefix("/")
        chart = posixpath.join(parent, "Chart.yaml") if parent else "Chart.yaml"
        return chart in self.files or parent in self._deployed_helm

    def _charts_above(self, path: str) -> set[UnitKey]:
        """The values units of the chart folders holding ``path`` (a template, a subchart)."""
        found: set[UnitKey] = set()
        folder = posixpath.dirname(path)
        while True:
            if posixpath.join(folder, "Chart.yaml") in self.files or (
                not folder and "Chart.yaml" in self.files
            ):
                found.add((VALUES, folder))
            if not folder:
                return found
            folder = posixpath.dirname(folder)

    def uses(self) -> list[ImageUse]:
        """Every use of the current state, sorted by location."""
        found = [use for unit in self.units.values() for use in unit.uses]
        found.sort(key=lambda u: (u.location, u.source.value, u.container or "", u.raw))
        return found


def extract(source: FileSource, policy: Policy, paths: Iterable[str] | None = None) -> Inventory:
    """Every image use of the repository, or those in ``paths`` with what they need around.

    With ``paths`` (the pre-commit case), a base file's images are resolved through
    the overlays that include it, and only uses located in (or originating from) the
    given files are returned.
    """
    selected = None if paths is None else set(paths)
    listing = list(source.list_files())
    # Past a share of the repository, a focused run reads nearly as much as a whole one
    # and costs more (each path looked for among the kustomizations): extract everything
    # and keep what concerns the paths, which is the same answer.
    focus = selected
    if selected is not None and len(selected) > FOCUS_SHARE * max(len(listing), 1):
        focus = None
    extraction = Extraction(
        source, policy, selected or (), focus=focus, listing=listing, keep=PARSED_KEPT
    )
    keys = extraction.all_keys() if focus is None else extraction.keys_touching(selected or set())
    for key in keys:
        extraction.compute(key)
    if focus is not None and extraction.deploys_applications(focus):
        # An app-of-apps root given: what its children deploy is the repository's work.
        # The focused extraction goes first (its trees would double the whole one's peak);
        # it holds reference cycles (its extractors call back into it), so collect them.
        del extraction
        gc.collect()
        extraction = Extraction(source, policy, selected or (), listing=listing, keep=PARSED_KEPT)
        for key in extraction.all_keys():
            extraction.compute(key)
    ctx = extraction.ctx
    uses = extraction.uses()
    files = sorted(extraction.files)
    applications = with_children(
        {
            path: frozenset(d.application for d in found if d.application)
            for path, found in extraction.deployments.items()
        },
        extraction.deployments,
    )
    if selected is not None:
        uses = [u for u in uses if concerns(u, selected, applications)]
        # Files given but never reached above (e.g. a patch file) still get read.
        for path in sorted(selected - ctx.seen):
            if path in extraction.files:
                ctx.load(path)
        files = [p for p in files if p in selected]
    problems = [p for p in ctx.problems if selected is None or p.location.path in selected]
    problems.sort(key=lambda p: (p.location, p.message))
    urls = frozenset(source_urls(d for found in extraction.deployments.values() for d in found))
    return Inventory(uses, problems, files, ctx.parsed, applications, urls)
