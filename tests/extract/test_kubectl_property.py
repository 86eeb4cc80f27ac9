"""Random overlays (patches, components, replacements, images) against ``kubectl kustomize``.

Each example writes a base, a component and an overlay with a random mix of Kustomize
constructs, renders the overlay with kubectl, and compares: when kubectl renders it,
the inventory must list exactly the same (container, image) pairs; when kubectl refuses
it, the build must carry a finding (GG001 or GG003) — never a silent pass.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard.extract.inventory import Extraction
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from tests.extract.kubectl import kubectl, render

NAMES = ["a", "b", "c"]
IMAGES = ["r.io/x:1", "r.io/y:2", "nginx:1.27", "r.io/x@sha256:" + "a" * 64, "r.io/z"]
ENTRY_NAMES = ["r.io/x", "r.io/y", "nginx", "r.io/z", "r.io/.*"]


def _yaml(data: object) -> str:
    return json.dumps(data, indent=1)  # JSON is YAML, and needs no quoting rules


containers = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(IMAGES)),
    min_size=1,
    max_size=3,
    unique_by=lambda c: c[0],
)


@st.composite
def deployment(draw: st.DrawFn, name: str) -> dict[str, object]:
    main = draw(containers)
    init = draw(st.lists(st.tuples(st.just("init"), st.sampled_from(IMAGES)), max_size=1))
    spec: dict[str, object] = {"containers": [{"name": n, "image": i} for n, i in main]}
    if init:
        spec["initContainers"] = [{"name": n, "image": i} for n, i in init]
    kind = draw(
        st.sampled_from(["Deployment", "Deployment", "StatefulSet", "KnativeService", "CronJob"])
    )
    labels = {"app": name, "tier": draw(st.sampled_from(["front", "back"]))}
    if kind == "CronJob":
        return {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": name, "labels": labels},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
        }
    if kind == "KnativeService":
        return {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"template": {"spec": spec}},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "labels": labels},
        "spec": {"template": {"spec": spec}},
    }


def image_entry() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {"name": st.sampled_from(ENTRY_NAMES)},
        optional={
            "newName": st.sampled_from(["m.io/x", "m.io/w"]),
            "newTag": st.sampled_from(["9", "1.2.3"]),
            "digest": st.just("sha256:" + "b" * 64),
            "tagSuffix": st.just("-fips"),
        },
    )


@st.composite
def strategic_patch(draw: st.DrawFn, targets: list[tuple[str, str, str]]) -> dict[str, object]:
    api, kind, name = draw(st.sampled_from(targets))
    items: list[dict[str, object]] = []
    for container in draw(
        st.lists(st.sampled_from([*NAMES, "d"]), min_size=1, max_size=2, unique=True)
    ):
        action = draw(st.sampled_from(["image", "image", "delete", "env", "replace-item"]))
        if action == "image":
            items.append({"name": container, "image": draw(st.sampled_from(IMAGES))})
        elif action == "delete":
            items.append({"name": container, "$patch": "delete"})
        elif action == "replace-item":
            items.append({"name": container, "$patch": "replace", "image": "r.io/q:5"})
        else:
            items.append({"name": container, "env": [{"name": "X", "value": "1"}]})
    if draw(st.booleans()) and not draw(st.booleans()):
        items.append({"$patch": "replace"})
    body = {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": items}}},
    }
    if draw(st.integers(0, 9)) == 0:
        body = {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "$patch": "delete"}
    entry: dict[str, object] = {"patch": _yaml(body)}
    choice = draw(st.integers(0, 3))
    if choice == 1:
        entry["target"] = {
            "kind": kind,
            "name": draw(st.sampled_from([name, ".*", name[:1] + ".*"])),
        }
    elif choice == 2:
        entry["target"] = {
            "labelSelector": draw(st.sampled_from(["tier=front", "tier in (back)", "app"]))
        }
    return entry


@st.composite
def json_patch(draw: st.DrawFn, targets: list[tuple[str, str, str]]) -> dict[str, object]:
    _api, kind, name = draw(st.sampled_from(targets))
    base = "/spec/template/spec/containers"
    operations: list[dict[str, object]] = []
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(["replace", "add", "add-end", "remove", "copy", "container"]))
        index = draw(st.integers(0, 2))
        if op == "replace":
            operations.append(
                {
                    "op": "replace",
                    "path": f"{base}/{index}/image",
                    "value": draw(st.sampled_from(IMAGES)),
                }
            )
        elif op == "add":
            operations.append(
                {
                    "op": "add",
                    "path": f"{base}/{index}/image",
                    "value": draw(st.sampled_from(IMAGES)),
                }
            )
        elif op == "add-end":
            operations.append(
                {
                    "op": "add",
                    "path": f"{base}/-",
                    "value": {"name": "e", "image": draw(st.sampled_from(IMAGES))},
                }
            )
        elif op == "remove":
            operations.append({"op": "remove", "path": f"{base}/{index}"})
        elif op == "copy":
            operations.append(
                {"op": "copy", "from": f"{base}/{index}/image", "path": f"{base}/0/image"}
            )
        else:
            operations.append(
                {
                    "op": "replace",
                    "path": f"{base}/{index}",
                    "value": {"name": "w", "image": draw(st.sampled_from(IMAGES))},
                }
            )
    return {"target": {"kind": kind, "name": name}, "patch": _yaml(operations)}


@st.composite
def replacement(draw: st.DrawFn, targets: list[tuple[str, str, str]]) -> dict[str, object]:
    _api, kind, name = draw(st.sampled_from(targets))
    container = draw(st.sampled_from(NAMES))
    return {
        "source": {"kind": "ConfigMap", "name": "versions", "fieldPath": "data.image"},
        "targets": [
            {
                "select": {"kind": kind, "name": name},
                "fieldPaths": [f"spec.template.spec.containers.[name={container}].image"],
            }
        ],
    }


@st.composite
def repository(draw: st.DrawFn) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(["api", "web"]), min_size=1, max_size=2, unique=True))
    objects = [draw(deployment(n)) for n in names]
    targets = [
        (str(o["apiVersion"]), str(o["kind"]), str(o["metadata"]["name"]))  # type: ignore[index]
        for o in objects
    ]
    files = {
        "base/objects.yaml": "\n---\n".join(_yaml(o) for o in objects),
        "base/kustomization.yaml": _yaml({"resources": ["objects.yaml"]}),
    }
    overlay: dict[str, object] = {"resources": ["../base"]}
    if draw(st.booleans()):
        middle: dict[str, object] = {"resources": ["../base"], "namePrefix": "m-"}
        if draw(st.booleans()):
            middle["images"] = draw(st.lists(image_entry(), min_size=1, max_size=2))
        if draw(st.booleans()):
            middle["commonLabels"] = {"tier": "front"}
        files["middle/kustomization.yaml"] = _yaml(middle)
        overlay["resources"] = ["../middle"]
    if draw(st.booleans()):
        overlay["namePrefix"] = "p-"
    if draw(st.booleans()):
        overlay["namespace"] = "prod"
    patches = draw(st.lists(st.one_of(strategic_patch(targets), json_patch(targets)), max_size=3))
    if patches:
        overlay["patches"] = patches
    if draw(st.booleans()):
        # The legacy fields: a strategic-merge patch file, a JSON 6902 patch in its own key.
        legacy = draw(strategic_patch(targets))
        files["overlay/legacy.yaml"] = str(legacy["patch"])
        overlay["patchesStrategicMerge"] = ["legacy.yaml"]
    if draw(st.booleans()):
        six = draw(json_patch(targets))
        files["overlay/six.yaml"] = str(six["patch"])
        overlay["patchesJson6902"] = [{"target": six["target"], "path": "six.yaml"}]
    if draw(st.booleans()):
        overlay["images"] = draw(st.lists(image_entry(), min_size=1, max_size=3))
    if draw(st.booleans()):
        overlay["configMapGenerator"] = [
            {"name": "versions", "literals": [f"image={draw(st.sampled_from(IMAGES))}"]}
        ]
        overlay["replacements"] = [draw(replacement(targets))]
    if draw(st.booleans()):
        component: dict[str, object] = {
            "apiVersion": "kustomize.config.k8s.io/v1alpha1",
            "kind": "Component",
        }
        if draw(st.booleans()):
            component["images"] = draw(st.lists(image_entry(), min_size=1, max_size=2))
        else:
            component["patches"] = [draw(st.one_of(strategic_patch(targets), json_patch(targets)))]
        files["component/kustomization.yaml"] = _yaml(component)
        overlay["components"] = ["../component"]
    files["overlay/kustomization.yaml"] = _yaml(overlay)
    return files


def ours(root: Path) -> tuple[Counter[tuple[str | None, str]], list[str]]:
    extraction = Extraction(DiskSource(root), default_policy())
    build = extraction.graph.build_resources("overlay/kustomization.yaml")
    from gitops_guard.extract.kustomize import images_of

    images = Counter((i.container, i.image) for i in images_of(build))
    problems = [f.rule for f in build.findings] + [p.rule for p in extraction.ctx.problems]
    return images, problems


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(repository())
def test_random_overlays_deploy_what_kubectl_renders(tmp_path: Path, files: dict[str, str]) -> None:
    kubectl()
    root = tmp_path / "repo"
    if root.exists():
        shutil.rmtree(root)
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    rendered = render(root / "overlay")
    images, problems = ours(root)
    if rendered.images is None:
        assert problems, f"kubectl refused the overlay ({rendered.error}) but nothing was found"
    else:
        assert images == rendered.images, (rendered.images, images, problems)
