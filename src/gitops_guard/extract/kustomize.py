"""Kustomize: ``resources`` resolved inside the repository, patches and ``images:`` applied.

Each kustomization that no other kustomization includes is a root (an overlay that
Argo CD builds). Its image uses are what ``kustomize build`` would deploy, located at
the line that set them: the ``images:`` entry or patch of an overlay, else the base
manifest. Files reached from a root are not also reported on their own.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace

from yaml.nodes import Node

from gitops_guard.extract.context import Context
from gitops_guard.extract.embedded import load_embedded, shifted
from gitops_guard.extract.workloads import (
    CONTAINER_FIELDS,
    POD_SPEC_PATHS,
    ContainerImage,
    kind_of,
    resource_documents,
    workload_images,
)
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import (
    Document,
    child,
    child_path,
    location,
    scalar_text,
    sequence,
)
from gitops_guard.repo.files import (
    KUSTOMIZATION_NAMES,
    normalize,
)

_REMOTE_PREFIXES = ("http://", "https://", "git@", "git::", "ssh://", "github.com/", "gitlab.com/")


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """One item of a kustomization's ``images:`` list."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class ImagePatch:
    """A patch that sets a container's image (strategic merge or JSON 6902)."""

    kind: str | None
    name: str | None
    container: str | None
    index: tuple[str, int] | None
    image: str
    location: Location


@dataclass
class Kustomization:
    path: str
    directory: str
    resources: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    patches: list[ImagePatch] = field(default_factory=list)
    images: list[ImageEntry] = field(default_factory=list)
    patch_files: list[str] = field(default_factory=list)


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


def apply_entry(image: str, entry: ImageEntry) -> str | None:
    """The image after one ``images:`` entry, or None when the entry does not match it."""
    name, tag, digest = split_image(image)
    if name != entry.name:
        return None
    if entry.new_name:
        name = entry.new_name
    if entry.new_tag and entry.digest:
        tag, digest = entry.new_tag, entry.digest
    elif entry.new_tag:
        tag, digest = entry.new_tag, None
    elif entry.digest:
        tag, digest = None, entry.digest
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


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
        self._built: dict[str, list[ContainerImage]] = {}
        self._reach: dict[str, set[str]] = {}
        self._reached_by: dict[str, set[str]] = {}
        self._structure()

    def _read_related(self, focus: set[str]) -> None:
        """Read only the kustomizations that include ``focus`` (transitively) or that those read.

        A kustomization can only include a file through a path ending in the file's name,
        or a folder through a path ending in the folder's name; kustomizations whose text
        does not contain that name are not parsed. For one changed file in a repository
        of thousands this saves parsing nearly all of them (the pre-commit case).
        """
        texts: dict[str, bytes] = {}
        for path in self._by_directory.values():
            try:
                texts[path] = self.ctx.source.read(path)
            except OSError:
                texts[path] = b""
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
        self.roots = sorted(p for p in self.kustomizations if p not in included)
        self._root_set = set(self.roots)
        self._reach = {}
        self._reached_by = {}
        for path in self.kustomizations:
            for reached in self.reach(path):
                self._reached_by.setdefault(reached, set()).add(path)
        self.owned = set()
        for root in self.roots:
            self.owned |= self.reach(root)

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
                if (before.resources, before.components, before.patch_files) != (
                    after.resources,
                    after.components,
                    after.patch_files,
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

    def _read(self, path: str, directory: str) -> Kustomization:
        ctx = self.ctx
        kustomization = Kustomization(path, directory)
        loaded = ctx.load(path)
        if not loaded.documents:
            return kustomization
        root = loaded.documents[0].root
        for key in ("resources", "bases", "components"):
            for item in sequence(child(root, key)):
                resolved = self._resolve(path, directory, item, key)
                if resolved is None:
                    continue
                target = (
                    kustomization.components if key == "components" else kustomization.resources
                )
                target.append(resolved)
        for item in sequence(child(root, "images")):
            entry = self._image_entry(path, item)
            if entry is not None:
                kustomization.images.append(entry)
        for item in sequence(child(root, "patchesStrategicMerge")):
            self._patch(kustomization, item, None)
        for item in sequence(child(root, "patches")) + sequence(child(root, "patchesJson6902")):
            self._patch(
                kustomization, child(item, "path") or child(item, "patch"), child(item, "target")
            )
        return kustomization

    def _resolve(self, path: str, directory: str, item: Node, key: str) -> str | None:
        ctx = self.ctx
        entry = ctx.text(path, item, f"{key} entry")
        if not entry:
            return None
        if entry.startswith(_REMOTE_PREFIXES) or "?ref=" in entry or "://" in entry:
            return None  # remote bases are outside what a repository check can read
        resolved = normalize(posixpath.join(directory, entry))
        if resolved is None:
            ctx.problem(
                location(path, item),
                f"{key} entry {entry!r} is outside the repository; not read",
                hint="bases must live in this repository for their images to be checked",
            )
            return None
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
                    self.kustomizations[candidate] = self._read(candidate, resolved)
                    return candidate
            ctx.problem(
                location(path, item),
                f"{key} entry {entry!r} is a directory without a kustomization file",
            )
            return None
        if self.ctx.source.is_file(resolved):
            return resolved
        ctx.problem(
            location(path, item),
            f"{key} entry {entry!r} does not exist in the repository (or is a symlink loop)",
        )
        return None

    def _image_entry(self, path: str, item: Node) -> ImageEntry | None:
        ctx = self.ctx
        name = ctx.text(path, child(item, "name"), "images name")
        if not name:
            ctx.problem(location(path, item), "Kustomize images entry without a name")
            return None
        new_name_node = child(item, "newName")
        new_tag_node = child(item, "newTag")
        digest_node = child(item, "digest")
        new_name = ctx.text(path, new_name_node, "Kustomize newName")
        new_tag = ctx.text(path, new_tag_node, "Kustomize newTag")
        digest = ctx.text(path, digest_node, "Kustomize digest")
        anchor = new_tag_node or digest_node or new_name_node or item
        return ImageEntry(name, new_name, new_tag, digest, location(path, anchor))

    def _patch(self, kustomization: Kustomization, node: Node | None, target: Node | None) -> None:
        if node is None:
            return
        ctx = self.ctx
        path = kustomization.path
        target_kind = scalar_text(child(target, "kind"))
        target_name = scalar_text(child(target, "name"))
        text = ctx.text(path, node, "patch")
        if text is None:
            return
        is_inline = "\n" in text or text.lstrip().startswith(("[", "{", "-"))
        if is_inline:
            loaded, line_offset, column_offset = load_embedded(ctx, path, node)
            documents = loaded.documents
        else:
            resolved = normalize(posixpath.join(kustomization.directory, text))
            if resolved is None:
                ctx.problem(
                    location(path, node), f"patch {text!r} is outside the repository; not read"
                )
                return
            if not self.ctx.source.is_file(resolved):
                ctx.problem(
                    location(path, node), f"patch {text!r} does not exist in the repository"
                )
                return
            kustomization.patch_files.append(resolved)
            documents = ctx.load(resolved).documents
            line_offset = column_offset = 0
        for document in documents:
            for patch in self._image_patches(document, target_kind, target_name):
                where = patch.location
                if is_inline:
                    where = shifted(
                        Location(path, where.line, where.column), line_offset, column_offset
                    )
                kustomization.patches.append(replace(patch, location=where))

    def _image_patches(
        self, document: Document, target_kind: str | None, target_name: str | None
    ) -> list[ImagePatch]:
        root = document.root
        found: list[ImagePatch] = []
        if sequence(root) and child(sequence(root)[0], "op") is not None:
            # JSON 6902: [{op: replace, path: /spec/template/spec/containers/0/image, value: ...}]
            for op in sequence(root):
                if scalar_text(child(op, "op")) not in ("replace", "add"):
                    continue
                pointer = scalar_text(child(op, "path")) or ""
                parts = pointer.rsplit("/", 3)
                value = child(op, "value")
                image = scalar_text(value)
                if (
                    len(parts) == 4
                    and parts[3] == "image"
                    and parts[2].isdigit()
                    and image
                    and value is not None
                ):
                    field_name = parts[1]
                    found.append(
                        ImagePatch(
                            target_kind,
                            target_name,
                            None,
                            (field_name, int(parts[2])),
                            image,
                            location(document.path, value),
                        )
                    )
            return found
        for kind, node in resource_documents([document]) if kind_of(root) else []:
            name = scalar_text(child_path(node, "metadata", "name")) or target_name
            spec = child_path(node, *_spec_keys(kind))
            for field_name, _source in CONTAINER_FIELDS:
                for item in sequence(child(spec, field_name)):
                    image_node = child(item, "image")
                    image = scalar_text(image_node)
                    if image_node is None or image is None:
                        continue
                    found.append(
                        ImagePatch(
                            kind,
                            name,
                            scalar_text(child(item, "name")),
                            None,
                            image,
                            location(document.path, image_node),
                        )
                    )
        if not found and target_kind and kind_of(root) is None:
            # A strategic merge patch given with a target may omit kind and metadata.
            spec = child_path(root, "spec", "template", "spec")
            for field_name, _source in CONTAINER_FIELDS:
                for item in sequence(child(spec, field_name)):
                    image_node = child(item, "image")
                    image = scalar_text(image_node)
                    if image_node is not None and image is not None:
                        found.append(
                            ImagePatch(
                                target_kind,
                                target_name,
                                scalar_text(child(item, "name")),
                                None,
                                image,
                                location(document.path, image_node),
                            )
                        )
        return found

    # --- building ---------------------------------------------------------------------

    def reach(self, path: str, stack: tuple[str, ...] = ()) -> set[str]:
        """Every file a kustomization reads, itself included."""
        if path in self._reach:
            return self._reach[path]
        kustomization = self.kustomizations.get(path)
        if kustomization is None and posixpath.basename(path) in KUSTOMIZATION_NAMES:
            kustomization = self._read_with_children(path)
        if kustomization is None or path in stack:
            return {path}
        files = {path, *kustomization.patch_files}
        for resource in kustomization.resources + kustomization.components:
            files |= self.reach(resource, (*stack, path))
        if not stack:
            self._reach[path] = files
        return files

    def build(self, path: str, stack: tuple[str, ...] = ()) -> list[ContainerImage]:
        """The container images a kustomization deploys, overlays applied (copies)."""
        if path in stack:
            cycle = " -> ".join((*stack[stack.index(path) :], path))
            self.ctx.problem(Location(path), f"kustomization cycle: {cycle}")
            return []
        if path not in self._built:
            self._built[path] = self._build(path, (*stack, path))
        return [replace(image) for image in self._built[path]]

    def _build(self, path: str, stack: tuple[str, ...]) -> list[ContainerImage]:
        # A focused graph reads a kustomization the first time something builds it.
        kustomization = self._read_with_children(path)
        images: list[ContainerImage] = []
        for resource in kustomization.resources:
            if resource in self.kustomizations:
                images.extend(self.build(resource, stack))
            else:
                images.extend(workload_images(self.ctx, resource))
        patches = list(kustomization.patches)
        entries = list(kustomization.images)
        for component in kustomization.components:
            if component in self.kustomizations:
                images.extend(self.build(component, stack))
        for patch in patches:
            _apply_patch(images, patch)
        for entry in entries:
            for image in images:
                updated = apply_entry(image.image, entry)
                if updated is not None:
                    image.image = updated
                    image.location = entry.location
                    image.changed_by_kustomize = True
        return images

    def emit(self, root: str) -> None:
        """Record the image uses of one root kustomization."""
        placement = self.ctx.place(root)
        for image in self.build(root):
            self.ctx.add_use(
                image.location,
                Source.KUSTOMIZE if image.changed_by_kustomize else image.source,
                image.image,
                placement,
                resource=image.resource,
                container=image.container,
                origin=image.origin if image.origin != image.location else None,
            )


def _spec_keys(kind: str) -> tuple[str, ...]:
    return POD_SPEC_PATHS.get(kind, ("spec", "template", "spec"))


def _apply_patch(images: list[ContainerImage], patch: ImagePatch) -> None:
    positions: dict[tuple[str, str, str], int] = {}
    for image in images:
        field_name = {
            Source.CONTAINER: "containers",
            Source.INIT_CONTAINER: "initContainers",
            Source.EPHEMERAL_CONTAINER: "ephemeralContainers",
        }.get(image.source, "containers")
        key = (image.resource, image.origin.path, field_name)
        index = positions.get(key, 0)
        positions[key] = index + 1
        if patch.kind and image.kind != patch.kind:
            continue
        if patch.name and image.name != patch.name:
            continue
        if patch.index is not None:
            if patch.index != (field_name, index):
                continue
        elif image.container != patch.container:
            continue
        image.image = patch.image
        image.location = patch.location
