"""Hostile or random Image Updater configuration is findings, never a traceback."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_guard.extract.inventory import Inventory
from gitops_guard.parse.loader import load_yaml
from gitops_guard.policy.load import parse_policy
from gitops_guard.rules.base import RuleContext
from gitops_guard.rules.registry import inventory_rules
from gitops_guard.updater.annotations import (
    APP_WIDE_OPTIONS,
    PER_ALIAS_OPTIONS,
)
from gitops_guard.updater.explain import (
    ExplainError,
    choose_target,
    explain,
    parse_tags_text,
    targets_from_file,
)
from gitops_guard.updater.selection import TagInfo
from tests.updater.fixtures import P, policy

POLICY = parse_policy(policy().encode())
POLICY_0 = parse_policy(policy("0.18").encode())

_text = st.text(
    alphabet=st.sampled_from([*list("abcv019.-_:=/,@*?[]^$\\ ~<>|!{}()#"), "é", "\t"]), max_size=30
)
_option = st.sampled_from(
    [*APP_WIDE_OPTIONS, *PER_ALIAS_OPTIONS, "platforms", "registry-prefix", "x"]
)
_alias = st.sampled_from(["", "api", "web", "team/api", "a" * 60, "nginx:>"])


@st.composite
def annotation_sets(draw: st.DrawFn) -> dict[str, str]:
    found: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 8))):
        alias = draw(_alias)
        option = draw(_option)
        key = f"{P}{alias}.{option}" if alias and draw(st.booleans()) else f"{P}{option}"
        found[key] = draw(_text)
    if draw(st.booleans()):
        found[f"{P}image-list"] = draw(_text)
    return found


def run_rules(documents: list[Any], version_policy: Any = POLICY) -> None:
    text = yaml.safe_dump_all(documents, allow_unicode=True)
    loaded = load_yaml("argocd/api-prod.yaml", text.encode())
    inventory = Inventory(files=["argocd/api-prod.yaml"], parsed={"argocd/api-prod.yaml": loaded})
    ctx = RuleContext(version_policy)
    for rule in inventory_rules().values():
        for finding in rule.check(inventory, ctx):
            assert finding.message
            assert finding.location.line >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotation_sets(), st.booleans())
def test_random_annotations(found: dict[str, str], old: bool) -> None:
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api-prod", "namespace": "argocd", "annotations": found},
        "spec": {"source": {"path": "apps/api/overlays/prod"}},
    }
    run_rules([app], POLICY_0 if old else POLICY)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)
_fields = st.sampled_from(
    [
        "namePattern",
        "useAnnotations",
        "images",
        "commonUpdateSettings",
        "writeBackConfig",
        "labelSelectors",
        "alias",
        "imageName",
        "manifestTargets",
        "allowTags",
        "ignoreTags",
        "platforms",
        "method",
        "gitConfig",
        "branch",
        "pullRequest",
    ]
)


@st.composite
def shapes(draw: st.DrawFn, depth: int = 0) -> Any:
    if depth > 3:
        return draw(_json)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(_json)
    if kind == 1:
        return [draw(shapes(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    return {draw(_fields): draw(shapes(depth + 1)) for _ in range(draw(st.integers(0, 4)))}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes(), shapes())
def test_random_image_updater_resources(spec: Any, refs: Any) -> None:
    resource = {
        "apiVersion": "argocd-image-updater.argoproj.io/v1alpha1",
        "kind": "ImageUpdater",
        "metadata": {"name": "x", "namespace": "argocd"},
        "spec": {"applicationRefs": refs, "commonUpdateSettings": spec, "writeBackConfig": spec},
    }
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api-prod", "namespace": "argocd"},
    }
    run_rules([resource, app])


@settings(max_examples=200, deadline=None)
@given(annotation_sets(), st.lists(_text, max_size=10))
def test_explain_never_raises_anything_but_explain_error(
    found: dict[str, str], tags: list[str]
) -> None:
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "api-prod", "annotations": found},
    }
    data = yaml.safe_dump(app, allow_unicode=True).encode()
    for version in ("0.18", "1.0", "1.3"):
        try:
            targets = targets_from_file("a.yaml", data, version)
            target = choose_target(targets, targets[0].alias if targets else None)
        except ExplainError:
            continue
        result = explain(target, [TagInfo(t) for t in tags if t])
        assert len(result.selection.candidates) == len([t for t in tags if t])


@settings(max_examples=200, deadline=None)
@given(_json)
def test_random_tags_json(data: Any) -> None:
    with contextlib.suppress(ExplainError):
        parse_tags_text(json.dumps(data), "tags.json")
