"""ApplicationSets expanded into the Applications they generate, from the repository alone.

The generators that need only the repository are followed: ``list`` (``elements``), ``git``
``directories`` and ``files`` of this repository, and ``matrix`` / ``merge`` of those. The
template is rendered for every parameter set — fasttemplate's ``{{path.basename}}`` by
default, the ``{{ .path.basename }}`` and ``{{ index .path.segments 1 }}`` forms of
``goTemplate: true`` — keeping the template's positions, so what a generated Application
deploys is located at the template's lines. Generators that need the cluster or a service
(clusters, pull requests, SCM providers, plugins...) and expressions beyond plain lookups are
returned as reasons, which the extraction names (GG003).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Location
from gitops_guard.parse.loader import (
    child,
    child_path,
    location,
    mapping_items,
    scalar_text,
    sequence,
)
from gitops_guard.patterns.gofilepath import go_match
from gitops_guard.policy.model import Policy

Params = dict[str, Any]
ReadData = Callable[[str], object]

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_GO_LOOKUP = re.compile(r"-?\s*\.([A-Za-z0-9_.]+)\s*-?\Z")
_GO_INDEX = re.compile(r"-?\s*index\s+\.([A-Za-z0-9_.]+)\s+(\d+)\s*-?\Z")
_NORMALIZE = re.compile(r"[^a-zA-Z0-9-.]")
_MAX_PARAMS = 2000  # a generator producing more is named, not expanded


@dataclass
class Expansion:
    """What an ApplicationSet generates: rendered templates, reasons, files read."""

    templates: list[Node] = field(default_factory=list)
    unresolved: list[tuple[Location, str]] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)


def expand(
    policy: Policy,
    path: str,
    root: Node,
    all_files: set[str],
    directories: set[str],
    read_data: ReadData,
) -> Expansion:
    """The Applications an ApplicationSet generates (each as its rendered template)."""
    result = Expansion()
    spec = child(root, "spec")
    template = child(spec, "template")
    go_template = (scalar_text(child(spec, "goTemplate")) or "").lower() == "true"
    if child(spec, "templatePatch") is not None:
        node = child(spec, "templatePatch")
        assert node is not None
        result.unresolved.append(
            (
                location(path, node),
                "its templatePatch is not applied: what it generates is not followed",
            )
        )
        return result
    generator = _Generators(policy, path, all_files, directories, read_data, result)
    parameter_sets: list[Params] = []
    for item in sequence(child(spec, "generators")):
        found = generator.params(item)
        if found is None:
            continue
        parameter_sets.extend(found)
    if template is None:
        return result
    for params in parameter_sets[:_MAX_PARAMS]:
        render = _renderer(params, go_template)
        result.templates.append(render_node(template, render))
    return result


class _Generators:
    def __init__(
        self,
        policy: Policy,
        path: str,
        all_files: set[str],
        directories: set[str],
        read_data: ReadData,
        result: Expansion,
    ) -> None:
        self.policy = policy
        self.path = path
        self.all_files = all_files
        self.directories = directories
        self.read_data = read_data
        self.result = result

    def _unresolved(self, node: Node, message: str) -> None:
        self.result.unresolved.append((location(self.path, node), message))

    def params(self, generator: Node) -> list[Params] | None:
        """The parameter sets of one generator, or None (its reason recorded)."""
        kinds = [key for key, _k, _v in mapping_items(generator) if key != "selector"]
        if not kinds:
            return []
        kind = kinds[0]
        body = child(generator, kind)
        assert body is not None
        if child(generator, "selector") is not None:
            self._unresolved(
                generator, "a generator selector is not applied: every element is judged"
            )
        if kind == "list":
            if child(body, "elementsYaml") is not None:
                self._unresolved(body, "a list generator's elementsYaml is not followed")
                return None
            return [
                p
                for p in (_python(e) for e in sequence(child(body, "elements")))
                if isinstance(p, dict)
            ]
        if kind == "git":
            return self._git(body)
        if kind in ("matrix", "merge"):
            return self._combine(kind, body)
        self._unresolved(
            generator,
            f"its {kind} generator needs the cluster or a service: the Applications it "
            "generates are not followed",
        )
        return None

    def _git(self, body: Node) -> list[Params] | None:
        repo = scalar_text(child(body, "repoURL"))
        if not self.policy.is_this_repository(repo):
            self._unresolved(
                body, f"its git generator reads another repository ({repo}): not followed"
            )
            return None
        found: list[Params] = []
        directories = sequence(child(body, "directories"))
        if directories:
            include = [scalar_text(child(d, "path")) or "" for d in directories if not _excluded(d)]
            exclude = [scalar_text(child(d, "path")) or "" for d in directories if _excluded(d)]
            for folder in sorted(self.directories):
                if not folder or not any(go_match(p, folder) for p in include):
                    continue
                if any(go_match(p, folder) for p in exclude):
                    continue
                found.append({"path": _path_params(folder)})
        for item in sequence(child(body, "files")):
            pattern = scalar_text(child(item, "path")) or ""
            for file in sorted(self.all_files):
                if not _files_match(pattern, file):
                    continue
                self.result.inputs.add(file)
                data = self.read_data(file)
                entries = data if isinstance(data, list) else [data]
                if not entries or not all(isinstance(entry, dict) for entry in entries):
                    # Unreadable or not a mapping: what it would generate is unknown, so it
                    # is named rather than generating nothing in silence.
                    self._unresolved(
                        item,
                        f"its git files generator cannot read {file} as a mapping (or a list "
                        "of them): the Applications it generates are not followed",
                    )
                    continue
                for entry in entries:
                    assert isinstance(entry, dict)
                    folder = posixpath.dirname(file)
                    path_params = _path_params(folder)
                    name = posixpath.basename(file)
                    path_params["filename"] = name
                    path_params["filenameNormalized"] = _NORMALIZE.sub("-", name)
                    found.append({**entry, "path": path_params})
        return found

    def _combine(self, kind: str, body: Node) -> list[Params] | None:
        children = [self.params(g) for g in sequence(child(body, "generators"))]
        if any(c is None for c in children):
            return None
        sets = [c for c in children if c is not None]
        if not sets:
            return []
        if kind == "matrix":
            combined: list[Params] = [{}]
            for found in sets:
                combined = [{**a, **b} for a in combined for b in found][:_MAX_PARAMS]
            return combined
        keys = [scalar_text(k) or "" for k in sequence(child(body, "mergeKeys"))]
        base = [dict(p) for p in sets[0]]
        for others in sets[1:]:
            for params in base:
                for other in others:
                    if all(_flat(params).get(k) == _flat(other).get(k) for k in keys):
                        params.update(other)
                        break
        return base


def _excluded(node: Node) -> bool:
    return (scalar_text(child(node, "exclude")) or "").lower() == "true"


def _files_match(pattern: str, path: str) -> bool:
    if "**" not in pattern:
        return go_match(pattern, path)
    regex = "".join(
        "(?:[^/]+/)*"
        if part == "**/"
        else ".*"
        if part == "**"
        else "[^/]*"
        if part == "*"
        else re.escape(part)
        for part in re.split(r"(\*\*/|\*\*|\*)", pattern)
    )
    return re.fullmatch(regex, path) is not None


def _path_params(folder: str) -> Params:
    segments = folder.split("/") if folder else []
    basename = segments[-1] if segments else ""
    return {
        "path": folder,
        "basename": basename,
        "basenameNormalized": _NORMALIZE.sub("-", basename),
        "segments": segments,
    }


def _python(node: Node | None) -> object:
    """A node as plain data (scalars as their text)."""
    if isinstance(node, ScalarNode):
        return scalar_text(node)
    if isinstance(node, SequenceNode):
        return [_python(item) for item in node.value]
    if isinstance(node, MappingNode):
        return {key: _python(value) for key, _k, value in mapping_items(node)}
    return None


def _flat(params: Params, prefix: str = "") -> dict[str, str]:
    """fasttemplate's view: nested keys joined with dots, ``path`` also as ``path[n]``."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if key == "path" and not prefix and "path" in value:
                flat["path"] = str(value["path"])
                for index, segment in enumerate(value.get("segments", [])):
                    flat[f"path[{index}]"] = str(segment)
                for sub, text in value.items():
                    if sub not in ("path", "segments"):
                        flat[f"path.{sub}"] = str(text)
                continue
            flat.update(_flat(value, name + "."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value)
        elif value is not None:
            flat[name] = str(value)
    return flat


def _renderer(params: Params, go_template: bool) -> Callable[[str], str]:
    flat = _flat(params)

    def fast(match: re.Match[str]) -> str:
        return flat.get(match.group(1).strip(), match.group(0))

    def go(match: re.Match[str]) -> str:
        expression = match.group(1)
        lookup = _GO_LOOKUP.match(expression)
        index = _GO_INDEX.match(expression)
        if lookup is not None:
            value = _lookup(params, lookup.group(1))
        elif index is not None:
            value = _lookup(params, index.group(1))
            position = int(index.group(2))
            value = value[position] if isinstance(value, list) and position < len(value) else None
        else:
            value = None
        if value is None or isinstance(value, dict | list):
            return match.group(0)  # left as written: named as a template downstream
        return str(value)

    replace = go if go_template else fast
    return lambda text: _TAG.sub(replace, text)


def _lookup(params: Params, dotted: str) -> object:
    value: object = params
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(value, dict) and "path" in value and dotted == "path":
        return None  # ``.path`` is a map in goTemplate mode: ``.path.path`` is the folder
    return value


def render_node(node: Node, render: Callable[[str], str]) -> Node:
    """A copy of a node tree with every templated string rendered (positions kept)."""
    memo: dict[int, Node] = {}

    def copy(item: Node) -> Node:
        known = memo.get(id(item))
        if known is not None:
            return known
        if isinstance(item, ScalarNode):
            value = item.value
            if isinstance(value, str) and "{{" in value:
                rendered: Node = ScalarNode(
                    item.tag, render(value), item.start_mark, item.end_mark, item.style
                )
            else:
                rendered = item
            memo[id(item)] = rendered
            return rendered
        if isinstance(item, SequenceNode):
            sequence_copy = SequenceNode(
                item.tag, [], item.start_mark, item.end_mark, item.flow_style
            )
            memo[id(item)] = sequence_copy
            sequence_copy.value = [copy(v) for v in item.value]
            return sequence_copy
        if isinstance(item, MappingNode):
            mapping_copy = MappingNode(
                item.tag, [], item.start_mark, item.end_mark, item.flow_style
            )
            memo[id(item)] = mapping_copy
            mapping_copy.value = [(copy(k), copy(v)) for k, v in item.value]
            return mapping_copy
        return item

    return copy(node)


def generated_name(template: Node) -> str:
    """The rendered ``metadata.name`` of a generated Application."""
    return scalar_text(child_path(template, "metadata", "name")) or ""


def files_read(expansion: Expansion) -> Iterable[str]:
    """The generator files an expansion read (so a change to one re-expands it)."""
    return sorted(expansion.inputs)
