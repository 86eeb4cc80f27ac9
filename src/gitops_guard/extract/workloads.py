"""Images in Kubernetes objects: every pod template, found by its shape.

A pod template is recognised by what it holds, not by a list of kinds: a
``containers``, ``initContainers`` or ``ephemeralContainers`` list directly under a
``spec`` mapping, at any depth (a Deployment's ``spec.template.spec``, a CronJob's
``spec.jobTemplate.spec.template.spec``, a Knative Service, an Argo Rollout, any custom
resource shaped like them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.extract.context import Context
from gitops_guard.extract.tree import CONTAINER_LISTS, TreeTooLarge, to_tree, values_images
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import (
    NULL_TAG,
    Document,
    child,
    child_path,
    location,
    mapping_items,
    scalar_text,
    sequence,
)

SOURCE_OF_FIELD: dict[str, Source] = {
    "initContainers": Source.INIT_CONTAINER,
    "containers": Source.CONTAINER,
    "ephemeralContainers": Source.EPHEMERAL_CONTAINER,
}
# Kept for callers that list the container fields with their source kinds.
CONTAINER_FIELDS: tuple[tuple[str, Source], ...] = tuple(
    (name, SOURCE_OF_FIELD[name]) for name in CONTAINER_LISTS
)


@dataclass
class ContainerImage:
    """A container's image as an overlay deploys it.

    ``location`` is where the current value was written (moves to a patch or an
    ``images:`` entry when one changes it); ``origin`` stays on the base manifest.
    """

    kind: str
    name: str
    container: str | None
    source: Source
    image: str
    location: Location
    origin: Location
    changed_by_kustomize: bool = False

    @property
    def resource(self) -> str:
        return f"{self.kind}/{self.name}"


def kind_of(root: Node) -> str | None:
    """The ``kind`` of a Kubernetes-shaped document, else None."""
    kind = scalar_text(child(root, "kind"))
    if kind is None or child(root, "apiVersion") is None:
        return None
    return kind


def resource_documents(documents: list[Document]) -> Iterator[tuple[str, Node]]:
    """(kind, node) for every Kubernetes object, with ``kind: List`` items unpacked."""
    for document in documents:
        kind = kind_of(document.root)
        if kind is None:
            continue
        if kind.endswith("List") and child(document.root, "items") is not None:
            for item in sequence(child(document.root, "items")):
                item_kind = kind_of(item)
                if item_kind is not None:
                    yield item_kind, item
        else:
            yield kind, document.root


def pod_specs(root: Node) -> Iterator[tuple[str, Node, Node]]:
    """(field, key node, value node) of every container list directly under a ``spec``.

    Values of other shapes are yielded too (``containers: null``): the caller reports them.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, str | None]] = [(root, None)]
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            items = list(mapping_items(node))
            if key == "spec":
                for name, key_node, value in items:
                    if name in SOURCE_OF_FIELD:
                        yield name, key_node, value
            for name, _key, value in reversed(items):
                if isinstance(value, MappingNode | SequenceNode):
                    stack.append((value, name))
        elif isinstance(node, SequenceNode):
            for item in reversed(node.value):
                if isinstance(item, MappingNode | SequenceNode):
                    stack.append((item, key))


def containers_of(ctx: Context, path: str, kind: str, root: Node) -> list[ContainerImage]:
    """The container images of one object (empty when it holds no pod template).

    A Flux ``HelmRelease`` deploys the images of its ``spec.values``.
    """
    if kind == "CustomResourceDefinition":
        return []
    name = scalar_text(child_path(root, "metadata", "name")) or "(unnamed)"
    found: list[ContainerImage] = []
    values = child_path(root, "spec", "values")
    if kind == "HelmRelease" and values is not None:
        try:
            tree = to_tree(values, lambda n: location(path, n))
        except TreeTooLarge as exc:
            ctx.problem(location(path, values), str(exc))
            tree = None
        for value_image in values_images(tree):
            at = value_image.leaf.where
            found.append(
                ContainerImage(
                    kind, name, value_image.keypath, Source.HELM, value_image.reference, at, at
                )
            )
    for field_name, key_node, value in pod_specs(root):
        source = SOURCE_OF_FIELD[field_name]
        if not isinstance(value, SequenceNode):
            if isinstance(value, ScalarNode) and value.tag == NULL_TAG:
                if field_name == "containers":
                    ctx.problem(
                        location(path, key_node),
                        f"{kind}/{name}: `containers` is null, so no container is deployed",
                        hint="list the containers, or remove the object",
                    )
                continue
            ctx.problem(
                location(path, value),
                f"{kind}/{name}: `{field_name}` must be a list of containers",
            )
            continue
        for item in value.value:
            if not isinstance(item, MappingNode):
                ctx.problem(
                    location(path, item), f"{kind}/{name}: a {field_name} entry must be a mapping"
                )
                continue
            container = scalar_text(child(item, "name"))
            image_node = child(item, "image")
            if image_node is None or (
                isinstance(image_node, ScalarNode) and image_node.tag == NULL_TAG
            ):
                ctx.problem(
                    location(path, item),
                    f"{kind}/{name}: container {container or '(unnamed)'} has no image",
                    hint="Kubernetes rejects a container without an image",
                )
                continue
            image = ctx.text(path, image_node, "image")
            if image is None:
                continue
            where = location(path, image_node)
            found.append(ContainerImage(kind, name, container, source, image, where, where))
    return found


def workload_images(ctx: Context, path: str) -> list[ContainerImage]:
    """Every container image in every object of a manifest file."""
    loaded = ctx.load(path)
    images: list[ContainerImage] = []
    for kind, root in resource_documents(loaded.documents):
        images.extend(containers_of(ctx, path, kind, root))
    return images
