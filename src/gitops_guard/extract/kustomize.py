"""Kustomize: what ``kustomize build`` of each overlay deploys, located at the line that set it.

Each kustomization that no other kustomization includes (and that is not a
``Component``) is a root: an overlay Argo CD builds. Building follows kustomize
v5's order: ``resources`` (files, folders, ``bases``), ``configMapGenerator``
literals, ``components`` (their resources added, their transformations applied over
everything accumulated), then the kustomization's own transformations —
``patchesStrategicMerge``, ``patches`` (strategic merge or JSON 6902, by id or by
target selector), ``namespace``, ``namePrefix``/``nameSuffix``, ``labels``/
``commonLabels``, ``patchesJson6902``, ``images`` and ``replacements``. Resources are
trees whose leaves remember their location (:mod:`gitops_guard.extract.tree`), so a
value copied by a JSON patch or a replacement still points at where it was written.

What cannot be followed from the repository alone — remote resources, ``helmCharts``,
plugins (``generators``/``transformers``/``validators``) — is reported as an
unresolved source (GG003) at the line that brings it in; an overlay's ``images:``
entries over such parts are still reported, since they set what will run. A build
that kustomize would refuse (a patch matching nothing, a JSON patch path that does not
exist) is a GG001 finding at the patch.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.extract.context import UNRESOLVED_RULE, Context
from gitops_guard.extract.embedded import load_embedded
from gitops_guard.extract.tree import (
    CONTAINER_LISTS,
    Leaf,
    PatchError,
    TreeTooLarge,
    changed_fields,
    copy_tree,
    first_location,
    get,
    json_patch,
    text_at,
    to_tree,
    tree_images,
    values_images,
)
from gitops_guard.extract.workloads import SOURCE_OF_FIELD, ContainerImage
from gitops_guard.model import Finding, Location, Source
from gitops_guard.parse.loader import (
    NULL_TAG,
    LoadedFile,
    child,
    location,
    mapping_items,
    scalar_text,
    sequence,
)
from gitops_guard.patterns.re2 import InvalidRegex, compile_re2
from gitops_guard.policy.layout import Placement
from gitops_guard.repo.files import (
    KUSTOMIZATION_NAMES,
    OutsideRepository,
    normalize,
)

_REMOTE_PREFIXES = ("http://", "https://", "git@", "git::", "ssh://", "github.com/", "gitlab.com/")
_PLUGIN_KEYS = ("generators", "transformers", "validators")
_HELM_KEYS = ("helmCharts", "helmChartInflationGenerator")
# Kinds kustomize knows the schema of: their lists merge by key in strategic-merge
# patches. Lists of other kinds (custom resources) are replaced.
_BUILTIN_GROUPS = frozenset(
    ("", "apps", "batch", "extensions", "policy", "autoscaling", "networking.k8s.io")
)
_CLUSTER_SCOPED = frozenset(
    (
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "ClusterIssuer",
    )
)
_TAG_CHARS = "[a-zA-Z0-9_.{}-]*"


def is_remote(entry: str) -> bool:
    """Whether a resource entry names something outside the repository (a URL, a repo)."""
    return entry.startswith(_REMOTE_PREFIXES) or "?ref=" in entry or "://" in entry


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """One item of a kustomization's ``images:`` list."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    location: Location
    tag_suffix: str | None = None


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """Split ``name[:tag][@digest]`` the way Kustomize does (a registry port is not a tag)."""
    slash = image.find("/")
    start = slash if slash > 0 else 0
    rest = image[start:]
    at = rest.find("@")
    colon = rest.find(":")
    if colon < 0 and at < 0:
        return image, None, None
    if at >= 0 and (colon < 0 or at < colon):
        return image[: start + at], None, image[start + at + 1 :]
    if at >= 0:
        return (
            image[: start + colon],
            image[start + colon + 1 : start + at],
            image[start + at + 1 :],
        )
    return image[: start + colon], image[start + colon + 1 :], None


def image_matches(image: str, name: str) -> bool:
    """Kustomize's ``IsImageMatched``: ``name`` (a regular expression) then a tag and digest."""
    try:
        pattern = compile_re2(f"^{name}(:{_TAG_CHARS})?(@sha256:{_TAG_CHARS})?$")
    except InvalidRegex:
        return False
    return pattern.search(image) is not None


def apply_entry(image: str, entry: ImageEntry) -> str | None:
    """The image after one ``images:`` entry, or None when the entry does not match it."""
    if not image_matches(image, entry.name):
        return None
    name, tag, digest = split_image(image)
    if entry.new_name:
        name = entry.new_name
    if entry.new_tag and entry.digest:
        tag, digest = entry.new_tag, entry.digest
    elif entry.new_tag:
        tag, digest = entry.new_tag, None
    elif entry.digest:
        tag, digest = None, entry.digest
    elif entry.tag_suffix:
        tag, digest = (tag or "") + entry.tag_suffix, None
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def entry_image(entry: ImageEntry) -> str:
    """What an entry deploys when the image it renames is not known (a remote base)."""
    name = entry.new_name or entry.name
    tag = entry.new_tag or entry.tag_suffix
    return name + (f":{tag}" if tag else "") + (f"@{entry.digest}" if entry.digest else "")


# --- resources ------------------------------------------------------------------------------

Id = tuple[str, str, str, str, str]  # group, version, kind, namespace, name


@dataclass
class Resource:
    """One object of a build: its tree, where it came from, and the names it had."""

    body: dict[str, object]
    file: str
    previous: list[Id] = field(default_factory=list)
    original: tuple[str, str] = ("", "")

    def current(self) -> Id:
        api = text_at(self.body, "apiVersion") or ""
        group, _, version = api.rpartition("/")
        kind = text_at(self.body, "kind") or ""
        namespace = text_at(self.body, "metadata", "namespace") or ""
        name = text_at(self.body, "metadata", "name") or ""
        return (group, version, kind, namespace, name)

    def ids(self) -> list[Id]:
        return [*self.previous, self.current()]

    def copy(self) -> Resource:
        body = copy_tree(self.body)
        assert isinstance(body, dict)
        return Resource(body, self.file, list(self.previous), self.original)

    def remember_id(self) -> None:
        current = self.current()
        if not self.previous or self.previous[-1] != current:
            self.previous.append(current)

    @property
    def pod_spec(self) -> tuple[str, ...] | None:
        """Where a builtin kind keeps its pod spec (None: no schema kustomize knows)."""
        group, _version, kind = self.current()[:3]
        return POD_SPECS.get(kind) if group in _BUILTIN_GROUPS else None


def _namespace(id_: Id) -> str:
    if id_[2] in _CLUSTER_SCOPED:
        return "~cluster"
    return id_[3] or "default"


def _same_id(a: Id, b: Id) -> bool:
    return a[:3] == b[:3] and a[4] == b[4] and _namespace(a) == _namespace(b)


@dataclass
class Selector:
    """A patch or replacement target: fields, name/namespace regexps, label selectors."""

    group: str | None = None
    version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None
    regex: bool = True  # patch targets use anchored regexps; replacements exact values


def _matches_text(pattern: str | None, value: str, regex: bool) -> bool:
    if not pattern:
        return True
    if not regex:
        return pattern == value
    try:
        return compile_re2(f"^(?:{pattern})$").search(value) is not None
    except InvalidRegex:
        return False


def _labels_match(selector: str | None, labels: object) -> bool:
    """A Kubernetes label selector (``a=b,c!=d,e in (x,y),!f,g``) against a labels tree."""
    if not selector:
        return True
    values: dict[str, str] = {}
    if isinstance(labels, dict):
        for key, value in labels.items():
            if isinstance(value, Leaf):
                values[key] = value.value
    for requirement in _split_selector(selector):
        requirement = requirement.strip()
        if not requirement:
            continue
        match = re.fullmatch(r"(\S+)\s+(in|notin)\s+\((.*)\)", requirement)
        if match:
            key, operator, options = match.groups()
            allowed = {o.strip() for o in options.split(",")}
            if (values.get(key) in allowed) != (operator == "in"):
                return False
        elif requirement.startswith("!"):
            if requirement[1:].strip() in values:
                return False
        elif "!=" in requirement:
            key, _, value = requirement.partition("!=")
            if values.get(key.strip()) == value.strip():
                return False
        elif "=" in requirement:
            key, _, value = requirement.replace("==", "=").partition("=")
            if values.get(key.strip()) != value.strip():
                return False
        elif requirement not in values:
            return False
    return True


def _split_selector(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def selects(selector: Selector, resource: Resource) -> bool:
    """Whether a target selector picks a resource (by its current or original id)."""
    current = resource.current()
    original = resource.ids()[0]
    group, version, kind = current[:3]
    if not (
        _matches_text(selector.group, group, selector.regex)
        and _matches_text(selector.version, version, selector.regex)
        and _matches_text(selector.kind, kind, selector.regex)
    ):
        return False
    names = (original[4], current[4]) if selector.regex else [i[4] for i in resource.ids()]
    if not any(_matches_text(selector.name, n, selector.regex) for n in names):
        return False
    spaces = (_namespace(original), _namespace(current))
    if selector.namespace and not any(
        _matches_text(selector.namespace, n, selector.regex) for n in spaces
    ):
        return False
    if not _labels_match(selector.label_selector, get(resource.body, "metadata", "labels")):
        return False
    return _labels_match(
        selector.annotation_selector, get(resource.body, "metadata", "annotations")
    )


# --- strategic merge ------------------------------------------------------------------------

_DELETE = object()
# Where each builtin kind keeps its pod spec: lists there merge by key (the OpenAPI schema's
# patchMergeKey); lists anywhere else, and every list of a custom resource, are replaced.
POD_SPECS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_POD_LISTS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
}
_CONTAINER_LISTS = {"env": "name", "ports": "containerPort", "volumeMounts": "mountPath"}


def merge_key(pod_spec: tuple[str, ...] | None, path: tuple[str, ...]) -> str | None:
    """The key a list at ``path`` merges by, for an object whose pod spec is at ``pod_spec``."""
    if pod_spec is None or path[: len(pod_spec)] != pod_spec:
        return None
    rest = path[len(pod_spec) :]
    if len(rest) == 1:
        return _POD_LISTS.get(rest[0])
    if len(rest) == 2 and rest[0] in CONTAINER_LISTS:
        return _CONTAINER_LISTS.get(rest[1])
    return None


def _is_directive_only(item: object) -> bool:
    return isinstance(item, dict) and len(item) == 1 and "$patch" in item


def _sequence_directive(patch: list[object]) -> tuple[str, list[object]]:
    """kyaml's list directive: the first item holding ``$patch``, when that is all it holds."""
    for index, item in enumerate(patch):
        if isinstance(item, dict) and "$patch" in item:
            if len(item) == 1:
                directive = text_at(item, "$patch") or "merge"
                return directive, patch[:index] + patch[index + 1 :]
            break
    return "merge", patch


def _insert(patch: object, pod_spec: tuple[str, ...] | None, path: tuple[str, ...]) -> object:
    """A patch value landing where the target has nothing: its directives are applied."""
    if isinstance(patch, dict):
        if text_at(patch, "$patch") == "delete":
            return _DELETE
        result: dict[str, object] = {}
        for name, value in patch.items():
            if name.startswith("$") or (isinstance(value, Leaf) and value.is_null):
                continue
            inserted = _insert(value, pod_spec, (*path, name))
            if inserted is not _DELETE:
                result[name] = inserted
        return result
    if isinstance(patch, list):
        key = merge_key(pod_spec, path)
        if key is None:
            return copy_tree(patch)
        directive, items = _sequence_directive(patch)
        if directive == "delete":
            return _DELETE
        return _merge_keyed([], items, key, pod_spec, path)
    return patch


def _merge_keyed(
    target: list[object],
    items: list[object],
    key: str,
    pod_spec: tuple[str, ...] | None,
    path: tuple[str, ...],
) -> list[object]:
    """A keyed list merge (the patch's items first, then the target's others)."""
    # kyaml walks the keys in order (the patch's, then the target's others). An item
    # without the key (a leftover directive, a nameless container) empties what is
    # left of the target at that point: kubectl shows exactly that.
    remaining = [item for item in target if isinstance(item, dict)]
    added: dict[str, object] = {}  # one item per key: a later one takes an earlier's place
    for item in items:
        if not isinstance(item, dict):
            continue
        name = text_at(item, key)
        if name is None:
            remaining = []
            continue
        existing = next((i for i in remaining if text_at(i, key) == name), None)
        if text_at(item, "$patch") == "delete":
            if existing is not None:
                remaining.remove(existing)
            added.setdefault(name, _DELETE)
            continue
        if existing is None:
            inserted = _insert(item, pod_spec, path)
        elif text_at(item, "$patch") == "replace":
            # Replaced, but the target's item put back at the end wins while it is left.
            inserted = _insert({k: v for k, v in item.items() if k != "$patch"}, pod_spec, path)
        else:
            inserted = merge(existing, item, pod_spec, path)
        added[name] = inserted
    result = [item for item in added.values() if item is not _DELETE]
    keyless: list[object] = []
    for item in remaining:
        name = text_at(item, key)
        if name is None:
            keyless.append(item)
        elif name not in added:
            added[name] = item
            result.append(item)
        elif added[name] is not _DELETE and added[name] is not item:
            # kyaml puts the target's items back last: one still there takes the place
            # of the patch's (a replaced item, or a second item with the same key).
            position = next(i for i, r in enumerate(result) if r is added[name])
            result[position] = added[name] = item
    return result + keyless


def merge(
    target: object, patch: object, pod_spec: tuple[str, ...] | None, path: tuple[str, ...] = ()
) -> object:
    """A strategic-merge patch laid over a target tree, as kustomize v5 (kyaml) merges.

    Mappings merge key by key (``null`` deletes a key, ``$patch: delete`` the mapping,
    ``$patch: replace`` puts the patch's mapping instead). Lists of a pod spec merge by
    their key: the patch's items first, merged with the items they name, then the
    target's other items; ``{$patch: replace}`` as the first directive keeps only the
    patch's items, ``{name: x, $patch: delete}`` drops one. Other lists are replaced by
    the patch's, as written.
    """
    if isinstance(patch, dict):
        directive = text_at(patch, "$patch")
        if directive == "delete":
            return _DELETE
        if directive == "replace" or not isinstance(target, dict):
            return _insert({k: v for k, v in patch.items() if k != "$patch"}, pod_spec, path)
        for name, value in patch.items():
            if name.startswith("$"):
                continue
            if isinstance(value, Leaf) and value.is_null:
                target.pop(name, None)
                continue
            if name in target:
                merged = merge(target[name], value, pod_spec, (*path, name))
            else:
                merged = _insert(value, pod_spec, (*path, name))
            if merged is _DELETE:
                target.pop(name, None)
            else:
                target[name] = merged
        return target
    if isinstance(patch, list):
        key = merge_key(pod_spec, path)
        if key is None:
            return copy_tree(patch)
        if not isinstance(target, list):
            return _insert(patch, pod_spec, path)
        directive, items = _sequence_directive(patch)
        if directive == "delete":
            return _DELETE
        if directive == "replace":
            return _insert(items, pod_spec, path)
        return _merge_keyed(target, items, key, pod_spec, path)
    return patch


# --- kustomizations -------------------------------------------------------------------------


def _clean(path: str) -> bool:
    """A plain repository path: relative, without ``.``, ``..`` or empty parts."""
    return path == "" or (
        not path.startswith("/")
        and posixpath.normpath(path) == path
        and path != ".."
        and not path.startswith("../")
    )


def _relative(target: str, start: str) -> str:
    """``posixpath.relpath(target or ".", start or ".")`` for plain repository paths, without
    the current directory (``_clean`` paths only)."""
    target_parts = target.split("/") if target else []
    start_parts = start.split("/") if start else []
    common = 0
    for mine, theirs in zip(target_parts, start_parts, strict=False):
        if mine != theirs:
            break
        common += 1
    parts = [".."] * (len(start_parts) - common) + target_parts[common:]
    return "/".join(parts) or "."


@dataclass
class Kustomization:
    """What a kustomization file includes (resolved paths), read without building it."""

    path: str
    directory: str
    component: bool = False
    alias_of: str | None = None  # seen through a symlinked folder: the real kustomization
    link_file: bool = False  # the kustomization file itself is a symlink (kustomize refuses)
    resources: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    patch_files: list[str] = field(default_factory=list)  # every other file it reads


@dataclass
class Build:
    """The resources a kustomization deploys, with what could not be followed."""

    resources: list[Resource]
    findings: list[Finding] = field(default_factory=list)
    pending: list[ContainerImage] = field(default_factory=list)  # overrides of unknown images
    unresolved: bool = False

    def copy(self) -> Build:
        return Build(
            [r.copy() for r in self.resources],
            list(self.findings),
            [ContainerImage(**vars(p)) for p in self.pending],
            self.unresolved,
        )


class KustomizeGraph:
    """Every kustomization of the repository, how they include each other, and builds."""

    def __init__(
        self, ctx: Context, files: list[str], fileset: set[str], focus: set[str] | None = None
    ) -> None:
        self.ctx = ctx
        self.fileset = fileset
        self.kustomizations: dict[str, Kustomization] = {}
        self._by_directory: dict[str, str] = {}
        for path in sorted(files):
            if posixpath.basename(path) in KUSTOMIZATION_NAMES:
                self._by_directory.setdefault(posixpath.dirname(path), path)
        if focus is None:
            for directory, path in list(self._by_directory.items()):
                self.kustomizations[path] = self._read(path, directory)
        else:
            self._read_related(focus)
        self.roots: list[str] = []
        self._root_set: set[str] = set()
        self.owned: set[str] = set()
        self.patch_only: set[str] = set()
        self._built: dict[str, Build] = {}
        self._reach: dict[str, set[str]] = {}
        self._reached_by: dict[str, set[str]] = {}
        self._structure()

    def _read_related(self, focus: set[str]) -> None:
        """Read only the kustomizations that include ``focus`` (transitively) or that those read.

        A kustomization can only include a file through a path ending in the file's name,
        or a folder through a path ending in the folder's name; kustomizations whose text
        does not contain that name are not parsed. For one changed file in a repository
        of thousands this saves parsing nearly all of them (the pre-commit case).

        Every target of one round (the focus, then the includers found) is looked for in
        one pass: each name once in the texts of every kustomization, the relative path
        computed only for the kustomizations that hold the name.
        """
        paths = list(self._by_directory.values())
        texts: list[bytes] = []
        for path in paths:
            try:
                texts.append(self.ctx.source.read(path))
            except OSError:
                texts.append(b"")
        if not all(_clean(path) for path in [*paths, *focus]):
            self._read_related_slowly(focus, dict(zip(paths, texts, strict=True)))
            return
        # One blob of every text, NUL-separated: a name never holds NUL, so a match never
        # spans two texts. starts[i] is where text i begins.
        starts: list[int] = []
        offset = 0
        for text in texts:
            starts.append(offset)
            offset += len(text) + 1
        blob = b"\0".join(texts)
        indices = {path: index for index, path in enumerate(paths)}
        folders = [posixpath.dirname(path) for path in paths]
        seen: set[str] = set()
        frontier = set(focus)
        while frontier:
            batch = sorted(frontier - seen)
            seen.update(batch)
            frontier = set()
            by_name: dict[bytes, list[tuple[str, str]]] = {}
            by_folder: dict[str, list[tuple[str, str]]] = {}
            for target in batch:
                if posixpath.basename(target) in KUSTOMIZATION_NAMES and target in indices:
                    self._read_with_children(target)
                    target_path = posixpath.dirname(target)  # included as a folder
                else:
                    target_path = target
                # The includer's path to it ends in its name, unless it lies above the
                # includer (then the path is "." or "../..").
                by_folder.setdefault(target_path, []).append((target, target_path))
                name = posixpath.basename(target_path)
                if name:
                    key = name.encode("utf-8", "surrogateescape")
                    by_name.setdefault(key, []).append((target, target_path))
            candidates: dict[int, list[tuple[str, str]]] = {}
            for key, group in by_name.items():
                found = blob.find(key)
                while found != -1:
                    index = bisect.bisect_right(starts, found) - 1
                    candidates.setdefault(index, []).extend(group)
                    following = index + 1
                    if following >= len(starts):
                        break
                    found = blob.find(key, starts[following])
            if by_folder:
                for index, folder in enumerate(folders):
                    above = folder
                    while True:
                        enclosing = by_folder.get(above)
                        if enclosing is not None:
                            candidates.setdefault(index, []).extend(enclosing)
                        if not above:
                            break
                        above = posixpath.dirname(above)
            for index in sorted(candidates):
                path = paths[index]
                if path in seen:
                    continue
                text = texts[index]
                for target, target_path in candidates[index]:
                    # An includer names the target by its path relative to the includer.
                    relative = _relative(target_path, folders[index])
                    if relative.encode("utf-8", "surrogateescape") not in text:
                        continue
                    kustomization = self._read_with_children(path)
                    reads = (
                        kustomization.resources
                        + kustomization.components
                        + kustomization.patch_files
                    )
                    if target in reads:
                        frontier.add(path)

    def _read_related_slowly(self, focus: set[str], texts: dict[str, bytes]) -> None:
        """``_read_related`` one target at a time, for paths that are not plain repository
        paths (``./x``, ``a/../b``): ``posixpath.relpath`` decides what they are relative to."""
        frontier = list(focus)
        seen: set[str] = set()
        while frontier:
            target = frontier.pop()
            if target in seen:
                continue
            seen.add(target)
            if posixpath.basename(target) in KUSTOMIZATION_NAMES and target in texts:
                self._read_with_children(target)
                target_path = posixpath.dirname(target)  # included as a folder
            else:
                target_path = target
            for path, text in texts.items():
                if path in seen:
                    continue
                # An includer names the target by its path relative to the includer.
                relative = posixpath.relpath(target_path or ".", posixpath.dirname(path) or ".")
                if relative.encode("utf-8", "surrogateescape") not in text:
                    continue
                kustomization = self._read_with_children(path)
                reads = (
                    kustomization.resources + kustomization.components + kustomization.patch_files
                )
                if target in reads:
                    frontier.append(path)

    def _read_with_children(self, path: str) -> Kustomization:
        """Read a kustomization and every kustomization it includes."""
        existing = self.kustomizations.get(path)
        if existing is not None:
            return existing
        kustomization = self._read(path, posixpath.dirname(path))
        self.kustomizations[path] = kustomization
        for included in kustomization.resources + kustomization.components:
            if posixpath.basename(included) in KUSTOMIZATION_NAMES:
                self._read_with_children(included)
        return kustomization

    def _structure(self) -> None:
        """Roots, what each kustomization reaches, and which files roots own."""
        included: set[str] = set()
        for kustomization in self.kustomizations.values():
            for resource in kustomization.resources + kustomization.components:
                if resource in self.kustomizations:
                    included.add(resource)
        self.roots = sorted(
            p for p, k in self.kustomizations.items() if p not in included and not k.component
        )
        self._root_set = set(self.roots)
        self._reach = {}
        self._reached_by = {}
        for path in self.kustomizations:
            for reached in self.reach(path):
                self._reached_by.setdefault(reached, set()).add(path)
        self.owned = set()
        for root in self.roots:
            self.owned |= self.reach(root)
        # Files kustomizations read as patches, never as objects they apply.
        listed = {
            path for k in self.kustomizations.values() for path in (*k.resources, *k.components)
        }
        self.patch_only = {
            path for k in self.kustomizations.values() for path in k.patch_files
        } - listed
        # A manifest beside a kustomization is deployed only if a kustomization lists it:
        # Argo CD builds that folder with kustomize, which reads nothing else.
        directories = set(self._by_directory)
        for path in self.fileset:
            if posixpath.dirname(path) in directories:
                self.owned.add(path)

    def refresh(self, changed: set[str], structural: bool) -> set[str]:
        """Bring the graph up to date after ``changed`` files changed; returns affected roots.

        ``structural`` says files were added or removed, so every resource resolution
        may differ; otherwise only the changed kustomizations are read again. Builds
        of kustomizations that reach a changed file are dropped.
        """
        if structural:
            old_reach = self._root_reach()
            self._by_directory = {}
            for path in sorted(self.fileset):
                if posixpath.basename(path) in KUSTOMIZATION_NAMES:
                    self._by_directory.setdefault(posixpath.dirname(path), path)
            self.kustomizations = {
                path: self._read(path, directory) for directory, path in self._by_directory.items()
            }
            self._built = {}
            self._structure()
            return self._reshaped_roots(old_reach, changed)
        reshaped = False
        for path in changed:
            if path in self.kustomizations:
                before = self.kustomizations[path]
                after = self._read(path, posixpath.dirname(path))
                self.kustomizations[path] = after
                if (before.resources, before.components, before.patch_files, before.component) != (
                    after.resources,
                    after.components,
                    after.patch_files,
                    after.component,
                ):
                    reshaped = True
        stale: set[str] = set()
        for path in changed:
            stale |= self._reached_by.get(path, set())
        for path in stale:
            self._built.pop(path, None)
        if reshaped:
            old_reach = self._root_reach()
            self._built = {}
            self._structure()
            return self._reshaped_roots(old_reach, changed)
        # The common case (an overlay's newTag changed): only what reaches the change.
        return {path for path in stale if path in self._root_set}

    def _root_reach(self) -> dict[str, set[str]]:
        """What every root reached before a change (the memo still holds the old answers)."""
        return {root: self._reach.get(root) or self.reach(root) for root in self.roots}

    def _reshaped_roots(self, old_reach: dict[str, set[str]], changed: set[str]) -> set[str]:
        """Roots that appeared or disappeared, or whose reach changed or holds a changed file."""
        affected = set(self.roots) ^ set(old_reach)
        for root in self.roots:
            before = old_reach.get(root)
            if before is not None and (before != self.reach(root) or before & changed):
                affected.add(root)
        return affected

    def kustomization_in(self, directory: str) -> str | None:
        """The kustomization file of a directory, if it has one."""
        return self._by_directory.get(directory.strip("/"))

    # --- reading ----------------------------------------------------------------------

    def _root_node(self, path: str) -> Node | None:
        loaded = self.ctx.load(path)
        if not loaded.documents:
            return None
        return loaded.documents[0].root

    def real_path(self, path: str) -> str | None:
        """``path`` with symlinks followed, None when that leaves the repository."""
        try:
            return self.ctx.source.real_path(path)
        except OutsideRepository:
            return None

    def _read(self, path: str, directory: str) -> Kustomization:
        """What a kustomization includes; problems in its shape are reported when built.

        Paths are resolved from the kustomization's real folder (kustomize follows
        symlinks first), and recorded as real paths, so a change to a file seen through
        a symlinked folder is the change of the file itself.
        """
        real = self.real_path(path)
        if self.ctx.source.is_link(path):
            return Kustomization(path, directory, link_file=True)
        if real is not None and real != path:
            return Kustomization(path, posixpath.dirname(real), alias_of=real)
        real_directory = self.real_path(directory) if directory else directory
        if real_directory is None:
            return Kustomization(path, posixpath.dirname(path))
        directory = real_directory
        kustomization = Kustomization(path, directory)
        root = self._root_node(path)
        if not isinstance(root, MappingNode):
            return kustomization
        kustomization.component = scalar_text(child(root, "kind")) == "Component"
        for key in ("resources", "bases", "components"):
            for item in _items(child(root, key)):
                entry = scalar_text(item) if isinstance(item, ScalarNode) else None
                if not entry or is_remote(entry):
                    continue
                resolved = self._resolve(path, directory, entry, item, key, report=False)
                if resolved is None:
                    continue
                target = (
                    kustomization.components if key == "components" else kustomization.resources
                )
                target.append(resolved)
        kustomization.patch_files = sorted(self._files_read(directory, root))
        return kustomization

    def _files_read(self, directory: str, root: Node) -> set[str]:
        """Every file besides resources that building reads (patches, replacements...)."""
        found: set[str] = set()

        def add(text: str | None) -> None:
            if text and "\n" not in text and not is_remote(text):
                resolved = normalize(posixpath.join(directory, text))
                real = self.real_path(resolved) if resolved is not None else None
                if real is not None and self.ctx.source.is_file(real):
                    found.add(real)

        for item in _items(child(root, "patchesStrategicMerge")):
            add(scalar_text(item))
        for key in ("patches", "patchesJson6902", "replacements"):
            for item in _items(child(root, key)):
                add(scalar_text(child(item, "path")))
        for key in ("configMapGenerator", "secretGenerator"):
            for item in _items(child(root, key)):
                for name in ("files", "envs"):
                    for entry in _items(child(item, name)):
                        text = scalar_text(entry) or ""
                        add(text.split("=", 1)[-1])
                add(scalar_text(child(item, "env")))
        return found

    def _resolve(
        self, path: str, directory: str, entry: str, item: Node, key: str, *, report: bool
    ) -> str | None:
        """The repository path a ``resources``/``components`` entry names, else None."""
        resolved = normalize(posixpath.join(directory, entry))
        if resolved is None:
            if report:
                self.ctx.problem(
                    location(path, item),
                    f"{key} entry {entry!r} is outside the repository; not read",
                    hint="bases must live in this repository for their images to be checked",
                )
            return None
        real = self.real_path(resolved)
        if real is None:
            if report:
                self.ctx.problem(
                    location(path, item),
                    f"{key} entry {entry!r} is a symlink pointing outside the repository; not read",
                )
            return None
        resolved = real
        if resolved in self.fileset and not self.ctx.source.is_dir(resolved):
            return resolved
        nested = self.kustomization_in(resolved)
        if nested is not None:
            return nested
        if self.ctx.source.is_dir(resolved):
            for name in KUSTOMIZATION_NAMES:
                candidate = f"{resolved}/{name}" if resolved else name
                if self.ctx.source.is_file(candidate):
                    self._by_directory[resolved] = candidate
                    if candidate not in self.kustomizations:
                        self.kustomizations[candidate] = self._read(candidate, resolved)
                    return candidate
            if report:
                self.ctx.problem(
                    location(path, item),
                    f"{key} entry {entry!r} is a directory without a kustomization file",
                )
            return None
        if self.ctx.source.is_file(resolved):
            return resolved
        if report:
            self.ctx.problem(
                location(path, item),
                f"{key} entry {entry!r} does not exist in the repository (or is a symlink loop)",
            )
        return None

    # --- reach ------------------------------------------------------------------------

    def reach(self, path: str, stack: tuple[str, ...] = ()) -> set[str]:
        """Every file a kustomization reads, itself included."""
        if path in self._reach:
            return self._reach[path]
        kustomization = self.kustomizations.get(path)
        if kustomization is None and posixpath.basename(path) in KUSTOMIZATION_NAMES:
            kustomization = self._read_with_children(path)
        if kustomization is None or path in stack:
            return {path}
        if kustomization.alias_of is not None:
            files = {path, *self.reach(kustomization.alias_of, (*stack, path))}
            if not stack:
                self._reach[path] = files
            return files
        files = {path, *kustomization.patch_files}
        for resource in kustomization.resources + kustomization.components:
            files |= self.reach(resource, (*stack, path))
        if not stack:
            self._reach[path] = files
        return files

    # --- building ---------------------------------------------------------------------

    def emit(
        self,
        root: str,
        placement: Placement | None = None,
        application: str | None = None,
        skip: Callable[[ContainerImage], bool] | None = None,
    ) -> None:
        """Record the image uses of one kustomization, and what its build met.

        Placed by the layout unless the Application deploying it says where
        (``placement``); ``skip`` leaves out images the Application overrides.
        """
        if placement is None:
            placement = self.ctx.place(root)
        build = self.build_resources(root)
        self.ctx.report_all(build.findings, placement)
        for where, message in container_problems(build):
            self.ctx.problem(where, message)
        for where, message, hint in release_sources_not_followed(build):
            self.ctx.unresolved(where, message, placement, hint=hint)
        via = tuple(sorted(self.reach(root)))
        overlay = posixpath.dirname(root)
        for image in images_of(build):
            if skip is not None and skip(image):
                continue
            self.ctx.add_use(
                image.location,
                Source.KUSTOMIZE if image.changed_by_kustomize else image.source,
                image.image,
                placement,
                resource=image.resource if image.kind else None,
                container=image.container,
                origin=image.origin if image.origin != image.location else None,
                overlay=overlay,
                application=application,
                via=via,
            )

    def build(self, path: str) -> list[ContainerImage]:
        """The container images a kustomization deploys (copies the caller may change)."""
        return images_of(self.build_resources(path))

    def build_resources(self, path: str) -> Build:
        """What ``kustomize build`` of a kustomization yields (a copy)."""
        return self._build(path, ()).copy()

    def changed_objects(
        self, path: str, kinds: set[tuple[str, str]]
    ) -> list[tuple[Resource, list[tuple[str, Location | None]]]]:
        """Objects of the given (API group, kind) whose ``spec`` a build of ``path``
        changes from what their file writes, with the fields changed and where."""
        found = []
        for resource in self._build(path, ()).resources:
            group, _version, kind = resource.current()[:3]
            if (group, kind) not in kinds:
                continue
            written = self._written(resource)
            if written is None:
                continue
            changed = changed_fields(written.get("spec"), resource.body.get("spec"), "spec")
            if changed:
                found.append((resource, changed))
        return found

    def _written(self, resource: Resource) -> dict[str, object] | None:
        """The object as its file writes it (before any transformation)."""
        loaded = self.ctx.load(resource.file)
        trees = self.ctx.remember(
            resource.file, "kustomize-resources", loaded, lambda: _trees(loaded)
        )
        if isinstance(trees, str):
            return None
        kind, name = resource.original
        for tree in trees:
            if text_at(tree, "kind") == kind and text_at(tree, "metadata", "name") == name:
                return tree
        return None

    def _build(self, path: str, stack: tuple[str, ...]) -> Build:
        if path in stack:
            cycle = " -> ".join((*stack[stack.index(path) :], path))
            return Build([], [self._finding(Location(path), f"kustomization cycle: {cycle}")])
        built = self._built.get(path)
        if built is None:
            built = Build([])
            self._accumulate(path, (*stack, path), built)
            self._built[path] = built
        return built

    def _finding(self, where: Location, message: str, hint: str | None = None) -> Finding:
        return Finding("GG001", message, where, hint=hint)

    def _unresolved(self, build: Build, where: Location, message: str, hint: str) -> None:
        build.unresolved = True
        build.findings.append(Finding(UNRESOLVED_RULE, message, where, hint=hint))

    def _accumulate(self, path: str, stack: tuple[str, ...], build: Build) -> None:
        """Add a kustomization's resources to ``build`` and apply its transformations."""
        kustomization = self._read_with_children(path)
        if kustomization.link_file:
            build.findings.append(
                self._finding(
                    Location(path),
                    "this kustomization file is a symlink, which kustomize does not read "
                    "(Argo CD cannot build this folder)",
                    hint="link the folder instead, or make the file a regular file",
                )
            )
            return
        if kustomization.alias_of is not None:
            if kustomization.alias_of in stack:
                build.findings.append(self._finding(Location(path), "kustomization cycle"))
                return
            self._accumulate(kustomization.alias_of, (*stack, kustomization.alias_of), build)
            return
        directory = kustomization.directory
        loaded = self.ctx.load(path)
        if len(loaded.documents) > 1:
            extra = loaded.documents[1].root
            build.findings.append(
                self._finding(
                    location(path, extra),
                    "kustomize reads only the first document of a kustomization; "
                    "this one is ignored",
                    hint="merge it into the first document",
                )
            )
        root = loaded.documents[0].root if loaded.documents else None
        if root is None:
            return
        if not isinstance(root, MappingNode):
            build.findings.append(
                self._finding(location(path, root), "a kustomization must be a mapping")
            )
            return
        keys = {name: value for name, _key, value in mapping_items(root)}
        for key in ("resources", "bases"):
            for item in self._list(path, keys.get(key), key, build):
                entry = self._string(path, item, f"{key} entry", build)
                if not entry:
                    continue
                if is_remote(entry):
                    self._unresolved(
                        build,
                        location(path, item),
                        f"remote resource {entry!r} is not read: the images it deploys are "
                        "not judged",
                        "vendor the base into this repository (or pin it and accept the "
                        "warning); the overlay's images: entries are still checked",
                    )
                    continue
                resolved = self._resolve(path, directory, entry, item, key, report=True)
                if resolved is None:
                    continue
                if posixpath.basename(resolved) in KUSTOMIZATION_NAMES:
                    if self.kustomizations.get(resolved, Kustomization("", "")).component:
                        build.findings.append(
                            self._finding(
                                location(path, item),
                                f"{entry!r} is a Component: list it under components:, "
                                "kustomize refuses it as a resource",
                            )
                        )
                        continue
                    child_build = self._build(resolved, stack)
                    copied = child_build.copy()
                    build.resources.extend(copied.resources)
                    build.findings.extend(copied.findings)
                    build.pending.extend(copied.pending)
                    build.unresolved |= copied.unresolved
                else:
                    self._restricted(path, item, entry, directory, resolved, build)
                    build.resources.extend(self._file_resources(resolved, build))
        self._generators(path, keys, build)
        for key in _HELM_KEYS:
            for item in sequence(keys.get(key)):
                name = scalar_text(child(item, "name")) or scalar_text(child(item, "chart"))
                self._unresolved(
                    build,
                    location(path, item),
                    f"Helm chart {name or '(unnamed)'!r} is rendered by Helm, which gitops-guard "
                    "does not run: the images it deploys are not judged",
                    "render the chart into manifests in this repository, or deploy it with an "
                    "Argo CD Helm source whose values gitops-guard reads",
                )
        for key in _PLUGIN_KEYS:
            for item in sequence(keys.get(key)):
                self._unresolved(
                    build,
                    location(path, item),
                    f"kustomize {key[:-1]} plugins are not run: what they change is not judged",
                    "gitops-guard never runs code from the repository",
                )
        for item in self._list(path, keys.get("components"), "components", build):
            entry = self._string(path, item, "components entry", build)
            if not entry:
                continue
            if is_remote(entry):
                self._unresolved(
                    build,
                    location(path, item),
                    f"remote component {entry!r} is not read: what it changes is not judged",
                    "vendor the component into this repository",
                )
                continue
            resolved = self._resolve(path, directory, entry, item, "components", report=True)
            if resolved is None:
                continue
            if resolved in stack:
                cycle = " -> ".join((*stack[stack.index(resolved) :], resolved))
                build.findings.append(
                    self._finding(Location(path), f"kustomization cycle: {cycle}")
                )
                continue
            component = self.kustomizations.get(resolved)
            if component is None or not component.component:
                build.findings.append(
                    self._finding(
                        location(path, item),
                        f"components entry {entry!r} is not a kind: Component kustomization",
                    )
                )
                continue
            self._accumulate(resolved, (*stack, resolved), build)
        self._transform(path, directory, keys, build)

    def _restricted(
        self, path: str, item: Node, entry: str, directory: str, real: str, build: Build
    ) -> None:
        """kustomize's load restrictor: files must live in or below the kustomization's folder.

        The images are still judged (Argo CD may be set up with LoadRestrictionsNone).
        """
        if directory and not real.startswith(directory + "/"):
            build.findings.append(
                self._finding(
                    location(path, item),
                    f"{entry!r} is outside this kustomization's folder: kustomize refuses "
                    "to read it (load restrictor)",
                    hint="move the file under the kustomization's folder, or make it a base "
                    "(a folder with its own kustomization)",
                )
            )

    def _list(self, path: str, node: Node | None, key: str, build: Build) -> list[Node]:
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            return []
        if not isinstance(node, SequenceNode):
            build.findings.append(
                self._finding(location(path, node), f"kustomization {key}: must be a list")
            )
            return []
        return list(node.value)

    def _string(self, path: str, node: Node, what: str, build: Build) -> str | None:
        if not isinstance(node, ScalarNode):
            build.findings.append(self._finding(location(path, node), f"{what} must be a string"))
            return None
        return self.ctx.text(path, node, what)

    def _file_resources(self, path: str, build: Build) -> list[Resource]:
        loaded = self.ctx.load(path)
        trees = self.ctx.remember(path, "kustomize-resources", loaded, lambda: _trees(loaded))
        if isinstance(trees, str):
            build.findings.append(self._finding(Location(path), trees))
            return []
        resources = []
        for body in trees:
            copied = copy_tree(body)
            assert isinstance(copied, dict)
            resource = Resource(copied, path)
            current = resource.current()
            resource.original = (current[2], current[4])
            resources.append(resource)
        return resources

    def _generators(self, path: str, keys: dict[str, Node], build: Build) -> None:
        """ConfigMaps from ``configMapGenerator`` literals (a source replacements read)."""
        for item in sequence(keys.get("configMapGenerator")):
            name = scalar_text(child(item, "name"))
            if not name:
                continue
            behavior = scalar_text(child(item, "behavior")) or "create"
            data: dict[str, object] = {}
            for literal in sequence(child(item, "literals")):
                text = scalar_text(literal)
                if text and "=" in text:
                    key, _, value = text.partition("=")
                    where = location(path, literal)
                    data[key.strip()] = Leaf(value.strip().strip("\"'"), "str", where)
            namespace = scalar_text(child(item, "namespace"))
            metadata: dict[str, object] = {"name": Leaf(name, "str", location(path, item))}
            if namespace:
                metadata["namespace"] = Leaf(namespace, "str", location(path, item))
            if behavior in ("merge", "replace"):
                for resource in build.resources:
                    current = resource.current()
                    if current[2] == "ConfigMap" and current[4] == name:
                        existing = resource.body.setdefault("data", {})
                        if behavior == "replace" or not isinstance(existing, dict):
                            resource.body["data"] = data
                        else:
                            existing.update(data)
                continue
            body: dict[str, object] = {
                "apiVersion": Leaf("v1", "str", location(path, item)),
                "kind": Leaf("ConfigMap", "str", location(path, item)),
                "metadata": metadata,
                "data": data,
            }
            build.resources.append(Resource(body, path, [], ("ConfigMap", name)))

    # --- transformations --------------------------------------------------------------

    def _transform(self, path: str, directory: str, keys: dict[str, Node], build: Build) -> None:
        for item in self._list(
            path, keys.get("patchesStrategicMerge"), "patchesStrategicMerge", build
        ):
            self._patch(path, directory, item, None, build, strategic_only=True)
        for item in self._list(path, keys.get("patches"), "patches", build):
            if not isinstance(item, MappingNode):
                build.findings.append(
                    self._finding(
                        location(path, item),
                        "a patches entry must be a mapping with path: or patch:",
                        hint="write `- path: file.yaml`",
                    )
                )
                continue
            self._patch(
                path,
                directory,
                child(item, "path") or child(item, "patch"),
                child(item, "target"),
                build,
            )
        namespace = scalar_text(keys.get("namespace"))
        if namespace:
            for resource in build.resources:
                if resource.current()[2] not in _CLUSTER_SCOPED:
                    resource.remember_id()
                    metadata = resource.body.setdefault("metadata", {})
                    if isinstance(metadata, dict):
                        metadata["namespace"] = Leaf(
                            namespace, "str", location(path, keys["namespace"])
                        )
        prefix = scalar_text(keys.get("namePrefix")) or ""
        suffix = scalar_text(keys.get("nameSuffix")) or ""
        if prefix or suffix:
            for resource in build.resources:
                metadata = resource.body.get("metadata")
                name = text_at(metadata, "name")
                if isinstance(metadata, dict) and name is not None:
                    resource.remember_id()
                    old = metadata["name"]
                    assert isinstance(old, Leaf)
                    metadata["name"] = Leaf(prefix + name + suffix, "str", old.where)
        self._labels(path, keys, build)
        for item in self._list(path, keys.get("patchesJson6902"), "patchesJson6902", build):
            self._patch(
                path,
                directory,
                child(item, "path") or child(item, "patch"),
                child(item, "target"),
                build,
            )
        for item in self._list(path, keys.get("images"), "images", build):
            entry = self._image_entry(path, item, build)
            if entry is not None:
                self._apply_images(entry, build)
        for item in self._list(path, keys.get("replacements"), "replacements", build):
            self._replacements(path, directory, item, build)

    def _labels(self, path: str, keys: dict[str, Node], build: Build) -> None:
        pairs: list[tuple[str, str, Location]] = []
        for key in ("commonLabels",):
            for name, _k, value in mapping_items(keys.get(key)):
                pairs.append((name, scalar_text(value) or "", location(path, value)))
        for item in sequence(keys.get("labels")):
            for name, _k, value in mapping_items(child(item, "pairs")):
                pairs.append((name, scalar_text(value) or "", location(path, value)))
        annotations = [
            (name, scalar_text(value) or "", location(path, value))
            for name, _k, value in mapping_items(keys.get("commonAnnotations"))
        ]
        for field_name, values in (("labels", pairs), ("annotations", annotations)):
            if not values:
                continue
            for resource in build.resources:
                metadata = resource.body.setdefault("metadata", {})
                if not isinstance(metadata, dict):
                    continue
                target = metadata.get(field_name)
                if not isinstance(target, dict):
                    target = {}
                    metadata[field_name] = target
                for name, text, where in values:
                    target[name] = Leaf(text, "str", where)

    def _patch_documents(
        self, path: str, directory: str, node: Node, build: Build
    ) -> tuple[list[object], str] | None:
        """The trees of a patch (inline text or a file) and the file they are located in."""
        text = self._string(path, node, "patch", build)
        if text is None:
            return None
        is_inline = "\n" in text or text.lstrip().startswith(
            ("[", "{", "-", "apiVersion:", "kind:")
        )
        if is_inline:
            loaded, line_offset, column_offset = load_embedded(self.ctx, path, node)
            exact = isinstance(node, ScalarNode) and node.style in ("|", ">")
            here = location(path, node)

            def locate(inner: Node) -> Location:
                if not exact:
                    return here
                return Location(
                    path,
                    inner.start_mark.line + 1 + line_offset,
                    inner.start_mark.column + 1 + column_offset,
                )

            documents = [d.root for d in loaded.documents]
            try:
                return [to_tree(d, locate) for d in documents], path
            except TreeTooLarge as exc:
                build.findings.append(self._finding(here, str(exc)))
                return None
        resolved = normalize(posixpath.join(directory, text))
        real = self.real_path(resolved) if resolved is not None else None
        if resolved is None or real is None:
            build.findings.append(
                self._finding(
                    location(path, node), f"patch {text!r} is outside the repository; not read"
                )
            )
            return None
        resolved = real
        self._restricted(path, node, text, directory, resolved, build)
        if not self.ctx.source.is_file(resolved):
            build.findings.append(
                self._finding(
                    location(path, node), f"patch {text!r} does not exist in the repository"
                )
            )
            return None
        loaded_file = self.ctx.load(resolved)
        trees = self.ctx.remember(
            resolved, "kustomize-patch", loaded_file, lambda: _patch_trees(loaded_file)
        )
        if isinstance(trees, str):
            build.findings.append(self._finding(Location(resolved), trees))
            return None
        return [copy_tree(t) for t in trees], resolved

    def _patch(
        self,
        path: str,
        directory: str,
        node: Node | None,
        target_node: Node | None,
        build: Build,
        *,
        strategic_only: bool = False,
    ) -> None:
        if node is None:
            if target_node is not None:
                build.findings.append(
                    self._finding(location(path, target_node), "patch without path: or patch:")
                )
            return
        found = self._patch_documents(path, directory, node, build)
        if found is None:
            return
        documents, _located_in = found
        where = location(path, node)
        selector = _selector(target_node, regex=True) if target_node is not None else None
        if len(documents) == 1 and isinstance(documents[0], list) and not strategic_only:
            if selector is None:
                build.findings.append(
                    self._finding(
                        where,
                        "a JSON 6902 patch needs a target:",
                        hint="add target: {kind: ..., name: ...}",
                    )
                )
                return
            for resource in build.resources:
                if selects(selector, resource):
                    try:
                        patched = json_patch(resource.body, documents[0])
                    except PatchError as exc:
                        build.findings.append(
                            self._finding(
                                where,
                                f"JSON patch cannot be applied to {_describe(resource)}: {exc}",
                            )
                        )
                        continue
                    if isinstance(patched, dict):
                        resource.body = patched
            return
        for document in documents:
            if not isinstance(document, dict):
                build.findings.append(
                    self._finding(where, "a strategic-merge patch must be a mapping")
                )
                continue
            if selector is not None:
                targets = [r for r in build.resources if selects(selector, r)]
            else:
                patch_id = _patch_id(document)
                targets = [
                    r for r in build.resources if any(_same_id(patch_id, i) for i in r.ids())
                ]
                if len(targets) != 1:
                    what = "no resource matches" if not targets else "several resources match"
                    build.findings.append(
                        self._finding(
                            where,
                            f"{what} the strategic-merge patch for "
                            f"{patch_id[2]}/{patch_id[4]}; kustomize refuses to build this",
                            hint="check the patch's kind, metadata.name and namespace",
                        )
                    )
                    continue
            for resource in targets:
                spec = resource.pod_spec or ()
                for field_name in CONTAINER_LISTS if spec else ():
                    items = get(document, *spec, field_name)
                    for item in items if isinstance(items, list) else []:
                        if isinstance(item, dict) and "name" not in item and len(item) > 1:
                            build.findings.append(
                                self._finding(
                                    where,
                                    f"an item of {field_name} in this strategic-merge patch "
                                    "has no name: kustomize drops it, and the containers it "
                                    "would merge with",
                                    hint="name every container a patch lists",
                                )
                            )
                # The patch never renames what it patches, nor changes its kind or namespace.
                kept = {
                    key: get(resource.body, *key)
                    for key in (("kind",), ("metadata", "name"), ("metadata", "namespace"))
                }
                merged = merge(resource.body, copy_tree(document), resource.pod_spec)
                if merged is _DELETE:
                    build.resources.remove(resource)
                    continue
                if isinstance(merged, dict):
                    resource.body = merged
                    for key, value in kept.items():
                        holder = merged if len(key) == 1 else merged.setdefault("metadata", {})
                        if not isinstance(holder, dict):
                            continue
                        if value is None:
                            holder.pop(key[-1], None)
                        else:
                            holder[key[-1]] = value

    def _image_entry(self, path: str, item: Node, build: Build) -> ImageEntry | None:
        ctx = self.ctx
        if not isinstance(item, MappingNode):
            build.findings.append(
                self._finding(location(path, item), "a Kustomize images entry must be a mapping")
            )
            return None
        name = ctx.text(path, child(item, "name"), "images name")
        if not name:
            build.findings.append(
                self._finding(location(path, item), "Kustomize images entry without a name")
            )
            return None
        new_name_node = child(item, "newName")
        new_tag_node = child(item, "newTag")
        digest_node = child(item, "digest")
        suffix_node = child(item, "tagSuffix")
        new_name = ctx.text(path, new_name_node, "Kustomize newName")
        new_tag = ctx.text(path, new_tag_node, "Kustomize newTag")
        digest = ctx.text(path, digest_node, "Kustomize digest")
        suffix = ctx.text(path, suffix_node, "Kustomize tagSuffix")
        anchor = new_tag_node or digest_node or suffix_node or new_name_node or item
        return ImageEntry(name, new_name, new_tag, digest, location(path, anchor), suffix)

    def _apply_images(self, entry: ImageEntry, build: Build) -> None:
        for resource in build.resources:
            if resource.current()[2] == "CustomResourceDefinition":
                continue
            _set_images(resource.body, entry)
        for pending in build.pending:
            updated = apply_entry(pending.image, entry)
            if updated is not None:
                pending.image = updated
                pending.location = entry.location
        if build.unresolved:
            build.pending.append(
                ContainerImage(
                    "",
                    "",
                    entry.name,
                    Source.KUSTOMIZE,
                    entry_image(entry),
                    entry.location,
                    entry.location,
                    True,
                )
            )

    def _replacements(self, path: str, directory: str, item: Node, build: Build) -> None:
        file_node = child(item, "path")
        if file_node is not None:
            found = self._patch_documents(path, directory, file_node, build)
            if found is None:
                return
            documents, _ = found
            specs: list[object] = []
            for document in documents:
                specs.extend(document if isinstance(document, list) else [document])
            where = location(path, file_node)
        else:
            try:
                specs = [to_tree(item, lambda n: location(path, n))]
            except TreeTooLarge as exc:
                build.findings.append(self._finding(location(path, item), str(exc)))
                return
            where = location(path, item)
        for spec in specs:
            try:
                _replace(spec, build.resources)
            except PatchError as exc:
                build.findings.append(self._finding(where, f"replacement cannot be applied: {exc}"))


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _trees(loaded: LoadedFile) -> list[dict[str, object]] | str:
    """The Kubernetes objects of a file as trees (``kind: List`` unpacked), or a problem."""
    path = loaded.path
    found: list[dict[str, object]] = []
    try:
        for document in loaded.documents:
            tree = to_tree(document.root, lambda n: location(path, n))
            if not isinstance(tree, dict) or "kind" not in tree:
                continue
            kind = text_at(tree, "kind") or ""
            items = tree.get("items")
            if kind.endswith("List") and isinstance(items, list):
                found.extend(i for i in items if isinstance(i, dict) and "kind" in i)
            else:
                found.append(tree)
    except TreeTooLarge as exc:
        return str(exc)
    return found


def _patch_trees(loaded: LoadedFile) -> list[object] | str:
    path = loaded.path
    try:
        return [to_tree(d.root, lambda n: location(path, n)) for d in loaded.documents]
    except TreeTooLarge as exc:
        return str(exc)


def _describe(resource: Resource) -> str:
    current = resource.current()
    return f"{current[2]}/{current[4]}"


def _patch_id(document: dict[str, object]) -> Id:
    api = text_at(document, "apiVersion") or ""
    group, _, version = api.rpartition("/")
    return (
        group,
        version,
        text_at(document, "kind") or "",
        text_at(document, "metadata", "namespace") or "",
        text_at(document, "metadata", "name") or "",
    )


def _selector(node: Node | None, *, regex: bool) -> Selector:
    return Selector(
        group=scalar_text(child(node, "group")),
        version=scalar_text(child(node, "version")),
        kind=scalar_text(child(node, "kind")),
        name=scalar_text(child(node, "name")),
        namespace=scalar_text(child(node, "namespace")),
        label_selector=scalar_text(child(node, "labelSelector")),
        annotation_selector=scalar_text(child(node, "annotationSelector")),
        regex=regex,
    )


def _tree_selector(tree: object) -> Selector:
    return Selector(
        group=text_at(tree, "group"),
        version=text_at(tree, "version"),
        kind=text_at(tree, "kind"),
        name=text_at(tree, "name"),
        namespace=text_at(tree, "namespace"),
        label_selector=text_at(tree, "labelSelector"),
        annotation_selector=text_at(tree, "annotationSelector"),
        regex=False,
    )


_IMAGE_FIELD_SPECS = (
    ("spec", "containers"),
    ("spec", "initContainers"),
    ("spec", "template", "spec", "containers"),
    ("spec", "template", "spec", "initContainers"),
)


def _set_image(item: object, entry: ImageEntry) -> None:
    if not isinstance(item, dict):
        return
    leaf = item.get("image")
    if isinstance(leaf, Leaf) and not leaf.is_null:
        updated = apply_entry(leaf.value, entry)
        if updated is not None:
            item["image"] = Leaf(
                updated, "str", entry.location, leaf.origin or leaf.where, kustomized=True
            )


def _set_images(tree: object, entry: ImageEntry) -> None:
    """Kustomize's image transformer over one object.

    It runs twice: once over every ``containers``/``initContainers`` list anywhere in the
    object (not ``ephemeralContainers``), then again over its field specs (a pod's and a
    pod template's lists). Only a ``tagSuffix`` shows the second pass: it is added twice
    where both reach.
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for item in value:
                        _set_image(item, entry)
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    for field_path in _IMAGE_FIELD_SPECS:
        items = get(tree, *field_path)
        for item in items if isinstance(items, list) else []:
            _set_image(item, entry)


# --- replacements ---------------------------------------------------------------------------


def _path_parts(field_path: str) -> list[str]:
    """kyaml's smarter split: dots outside ``[...]`` separate parts."""
    parts, depth, current = [], 0, ""
    for char in field_path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p != ""]


Spot = tuple[Any, Any]  # (a mapping or list, the key or index in it)


def _lookup(
    tree: object, parts: list[str], create: object | None = None
) -> list[tuple[Spot, object]]:
    """Where a field path points: ``[k=v]`` list filters, indexes, ``*`` and keys.

    With ``create``, a missing last key is created holding it (a missing key on the way
    becomes an empty mapping), as replacements with ``options.create`` do.
    """
    current: list[tuple[Spot | None, object]] = [(None, tree)]
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        following: list[tuple[Spot | None, object]] = []
        for _spot, value in current:
            if part.startswith("[") and part.endswith("]") and "=" in part:
                key, _, wanted = part[1:-1].partition("=")
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        if key:
                            hit = text_at(item, key) == wanted
                        else:
                            hit = isinstance(item, Leaf) and item.value == wanted
                        if hit:
                            following.append(((value, index), item))
            elif part == "*":
                if isinstance(value, list):
                    following.extend(((value, i), item) for i, item in enumerate(value))
                elif isinstance(value, dict):
                    following.extend(((value, k), item) for k, item in value.items())
            elif isinstance(value, list):
                if part.isdigit() and int(part) < len(value):
                    following.append(((value, int(part)), value[int(part)]))
            elif isinstance(value, dict):
                if part in value:
                    following.append(((value, part), value[part]))
                elif create is not None:
                    made: object = create if last else {}
                    value[part] = made
                    following.append(((value, part), made))
        current = following
    return [(spot, node) for spot, node in current if spot is not None]


def _replace(spec: object, resources: list[Resource]) -> None:
    source = get(spec, "source")
    if not isinstance(source, dict):
        raise PatchError("a replacement needs a source")
    selector = _tree_selector(source)
    matches = [r for r in resources if _source_selected(selector, r)]
    if len(matches) != 1:
        raise PatchError(
            ("nothing selected by" if not matches else "several resources selected by")
            + f" the source {selector.kind or ''}/{selector.name or ''}"
        )
    field_path = text_at(source, "fieldPath") or "metadata.name"
    found = _lookup(matches[0].body, _path_parts(field_path))
    if not found:
        raise PatchError(f"fieldPath {field_path!r} is missing in the source")
    value = found[0][1]
    options = get(source, "options")
    delimiter = text_at(options, "delimiter")
    if delimiter and isinstance(value, Leaf):
        pieces = value.value.split(delimiter)
        index = int(text_at(options, "index") or 0)
        if not 0 <= index < len(pieces):
            raise PatchError(f"options.index {index} is out of bounds")
        value = Leaf(pieces[index], value.kind, value.where, value.origin)
    targets = get(spec, "targets")
    for target in targets if isinstance(targets, list) else []:
        select = get(target, "select")
        if not isinstance(select, dict):
            raise PatchError("a replacement target must select resources")
        target_selector = _tree_selector(select)
        rejects = get(target, "reject")
        reject_selectors = [
            _tree_selector(r) for r in (rejects if isinstance(rejects, list) else [])
        ]
        paths = get(target, "fieldPaths")
        field_paths = [
            p.value for p in (paths if isinstance(paths, list) else []) if isinstance(p, Leaf)
        ] or ["metadata.name"]
        target_options = get(target, "options")
        create = text_at(target_options, "create") == "true"
        target_delimiter = text_at(target_options, "delimiter")
        target_index = int(text_at(target_options, "index") or 0)
        for resource in resources:
            if not _source_selected(target_selector, resource):
                continue
            if any(_source_selected(r, resource) for r in reject_selectors):
                continue
            for field_path in field_paths:
                spots = _lookup(
                    resource.body, _path_parts(field_path), copy_tree(value) if create else None
                )
                if not spots:
                    raise PatchError(f"unable to find field {field_path!r} in the target")
                for parent, current in spots:
                    new = copy_tree(value)
                    if target_delimiter and isinstance(current, Leaf) and isinstance(new, Leaf):
                        pieces = current.value.split(target_delimiter)
                        if target_index < 0:
                            pieces.insert(0, new.value)
                        elif target_index >= len(pieces):
                            pieces.append(new.value)
                        else:
                            pieces[target_index] = new.value
                        new = Leaf(
                            target_delimiter.join(pieces), current.kind, new.where, current.where
                        )
                    elif isinstance(current, Leaf) and isinstance(new, Leaf):
                        if current.is_null and not new.is_null:
                            raise PatchError(
                                f"{field_path} is null in the target: kustomize cannot set it"
                            )
                        new = Leaf(
                            new.value, current.kind, new.where, current.origin or current.where
                        )
                    holder, slot = parent
                    holder[slot] = new


def _source_selected(selector: Selector, resource: Resource) -> bool:
    for id_ in resource.ids():
        group, version, kind, _, name = id_
        if selector.group and selector.group != group:
            continue
        if selector.version and selector.version != version:
            continue
        if selector.kind and selector.kind != kind:
            continue
        if selector.name and selector.name != name:
            continue
        if selector.namespace and selector.namespace != _namespace(id_):
            continue
        return _labels_match(
            selector.label_selector, get(resource.body, "metadata", "labels")
        ) and _labels_match(
            selector.annotation_selector, get(resource.body, "metadata", "annotations")
        )
    return False


# --- images of a build ------------------------------------------------------------------------


def release_sources_not_followed(build: Build) -> list[tuple[Location, str, str]]:
    """What the HelmReleases of a build deploy that is not followed, where it is written:
    a chart from a Helm or OCI repository (its own images), a chart from a Git or bucket
    source (not rendered), ``valuesFrom`` (the cluster's ConfigMaps and Secrets)."""
    found: list[tuple[Location, str, str]] = []
    for resource in build.resources:
        group, _version, kind = resource.current()[:3]
        if kind != "HelmRelease" or group != "helm.toolkit.fluxcd.io":
            continue
        name = resource.original[1] or "(unnamed)"
        chart = get(resource.body, "spec", "chart", "spec")
        source_kind = text_at(chart, "sourceRef", "kind") if isinstance(chart, dict) else None
        chart_leaf = get(chart, "chart") if isinstance(chart, dict) else None
        where = chart_leaf.where if isinstance(chart_leaf, Leaf) else Location(resource.file)
        chart_name = chart_leaf.value if isinstance(chart_leaf, Leaf) else "?"
        if source_kind in ("GitRepository", "Bucket"):
            found.append(
                (
                    where,
                    f"HelmRelease {name}: its chart {chart_name} from {source_kind} "
                    f"{text_at(chart, 'sourceRef', 'name')} is not rendered: the chart's own "
                    "values, templates and subcharts are not followed",
                    "judge what it renders in CI, or set its images in spec.values",
                )
            )
        elif source_kind is not None:
            version = text_at(chart, "version") or ""
            found.append(
                (
                    where,
                    f"HelmRelease {name} deploys chart {chart_name} {version} from the Helm "
                    f"repository {source_kind} {text_at(chart, 'sourceRef', 'name')}: the "
                    "chart's own images are not followed (its spec.values are judged)",
                    "pin the chart's version; judge its images where the chart is built",
                )
            )
        values_from = get(resource.body, "spec", "valuesFrom")
        if isinstance(values_from, list) and values_from:
            at = first_location(values_from) or Location(resource.file)
            found.append(
                (
                    at,
                    f"HelmRelease {name}: its valuesFrom (ConfigMaps and Secrets of the "
                    "cluster) are not followed",
                    "judge what it renders in CI, or set its images in spec.values",
                )
            )
    return found


def images_of(build: Build) -> list[ContainerImage]:
    """The container images of built resources (and the overrides of unknown images)."""
    found: list[ContainerImage] = []
    for resource in build.resources:
        kind, name = resource.original
        if kind == "CustomResourceDefinition":
            continue
        if kind == "HelmRelease":
            for value in values_images(get(resource.body, "spec", "values")):
                found.append(
                    ContainerImage(
                        kind,
                        name or "(unnamed)",
                        value.keypath,
                        Source.HELM,
                        value.reference,
                        value.leaf.where,
                        value.leaf.origin or value.leaf.where,
                    )
                )
        for image in tree_images(resource.body):
            leaf = image.leaf
            found.append(
                ContainerImage(
                    kind,
                    name or "(unnamed)",
                    image.container,
                    SOURCE_OF_FIELD[image.field],
                    leaf.value,
                    leaf.where,
                    leaf.origin or leaf.where,
                    leaf.kustomized,
                )
            )
    found.extend(build.pending)
    return found


def container_problems(build: Build) -> Iterable[tuple[Location, str]]:
    """Containers a build deploys without an image (Kubernetes would reject them)."""
    for resource in build.resources:
        kind, name = resource.original
        stack: list[tuple[object, str | None]] = [(resource.body, None)]
        while stack:
            node, key = stack.pop()
            if isinstance(node, dict):
                if key == "spec":
                    for field_name in CONTAINER_LISTS:
                        items = node.get(field_name)
                        if isinstance(items, Leaf) and items.is_null and field_name == "containers":
                            yield (
                                items.where,
                                f"{kind}/{name}: `containers` is null, so no container is deployed",
                            )
                        for item in items if isinstance(items, list) else []:
                            if isinstance(item, dict) and not isinstance(item.get("image"), Leaf):
                                label = text_at(item, "name") or "(unnamed)"
                                spot = item.get("name")
                                where = (
                                    spot.where
                                    if isinstance(spot, Leaf)
                                    else Location(resource.file)
                                )
                                yield where, f"{kind}/{name}: container {label} has no image"
                stack.extend((v, k) for k, v in node.items() if isinstance(v, dict | list))
            elif isinstance(node, list):
                stack.extend((v, key) for v in node if isinstance(v, dict | list))
