"""Images in Kubernetes workloads: every kind that carries a pod template."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from yaml.nodes import Node

from gitops_guard.extract.context import Context
from gitops_guard.model import Location, Source
from gitops_guard.parse.loader import (
    Document,
    child,
    child_path,
    location,
    scalar_text,
    sequence,
)

# Where each kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts
    "PodTemplate": ("template", "spec"),
}
CONTAINER_FIELDS: tuple[tuple[str, Source], ...] = (
    ("initContainers", Source.INIT_CONTAINER),
    ("containers", Source.CONTAINER),
    ("ephemeralContainers", Source.EPHEMERAL_CONTAINER),
)


@dataclass
class ContainerImage:
    """A container's image while overlays are applied to it.

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


def containers_of(ctx: Context, path: str, kind: str, root: Node) -> list[ContainerImage]:
    """The container images of one workload object (empty for other kinds)."""
    spec_path = POD_SPEC_PATHS.get(kind)
    if spec_path is None:
        return []
    pod_spec = child_path(root, *spec_path)
    if pod_spec is None:
        return []
    name = scalar_text(child_path(root, "metadata", "name")) or "(unnamed)"
    found: list[ContainerImage] = []
    for field_name, source in CONTAINER_FIELDS:
        for item in sequence(child(pod_spec, field_name)):
            image_node = child(item, "image")
            if image_node is None:
                continue
            container = scalar_text(child(item, "name"))
            image = ctx.text(path, image_node, "image")
            if image is None:
                continue
            where = location(path, image_node)
            found.append(ContainerImage(kind, name, container, source, image, where, where))
    return found


def workload_images(ctx: Context, path: str) -> list[ContainerImage]:
    """Every container image in every workload of a manifest file."""
    loaded = ctx.load(path)
    images: list[ContainerImage] = []
    for kind, root in resource_documents(loaded.documents):
        images.extend(containers_of(ctx, path, kind, root))
    return images
