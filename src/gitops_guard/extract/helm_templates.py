"""Images in Helm chart templates: what a chart's templates write under ``image:``.

Templates are Go templates, not YAML, until Helm renders them; gitops-guard does not
render them. It reads each template's ``image:`` lines instead:

- a literal reference (``image: registry.example.com/team/api:2.0.0``) is an image the
  chart deploys, judged like any container's;
- a reference built from values gitops-guard reads as images (``{{ .Values.image.repository
  }}:{{ .Values.image.tag }}``, also through ``include``/``template`` of a ``define`` in
  the chart) is the values' image, already judged;
- anything else — values that are not an image key (``.Values.registry``, ``.Values.tag``
  set in a layer), string literals (``default "..."``, ``printf``), variables, ``index``
  lookups, helpers the chart does not define — is named: GG003, at the template line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Location

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")
_IMAGE_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)[\"']?image[\"']?\s*:(?P<value>.*)$")
_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_BARE_VALUES = re.compile(r"\.Values(?![.A-Za-z0-9_])")  # .Values whole, or `index .Values`
_CALL = re.compile(r"\b(?:include|template)\s+\"([^\"]*)\"")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_VARIABLE = re.compile(r"\$(?!\.Values\b)[A-Za-z_]\w*|\$(?![.\w])")
_BLOCK_OPEN = re.compile(r"^\s*(if|range|with|define|block)\b")
_END = re.compile(r"^\s*end\b")
_DEFINE = re.compile(r"^\s*(?:define|block)\s+\"([^\"]*)\"")
_MAX_DEPTH = 8
_MAX_DEPTH_TREE = 64


@dataclass(frozen=True, slots=True)
class TemplateImage:
    """One ``image:`` line of a template: a literal reference, or how it is built."""

    location: Location  # the value's first character
    literal: str | None  # the reference, when no template action builds it
    expression: str  # the value as written


@dataclass
class Built:
    """What builds an ``image:`` value: the values it reads, and what cannot be followed."""

    refs: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # why it cannot be followed


def is_template_file(path: str) -> bool:
    """Whether a file in a chart's ``templates/`` folder is a template Helm renders."""
    return path.endswith(TEMPLATE_SUFFIXES) and not posixpath.basename(path).startswith(".")


def image_lines(path: str, text: str) -> list[TemplateImage]:
    """The ``image:`` lines of a template; a value left for the next line (a block that
    prints it) is read from there."""
    found: list[TemplateImage] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _IMAGE_LINE.match(line)
        if match is None:
            continue
        value = match.group("value")
        column = match.start("value") + len(value) - len(value.lstrip()) + 1
        value = value.strip()
        row = index
        if not value and index + 1 < len(lines) and "{{" in lines[index + 1]:
            row = index + 1
            value = lines[row].strip()
            column = len(lines[row]) - len(lines[row].lstrip()) + 1
        if not value or value.startswith("#"):
            continue
        value = _strip_comment(value)
        literal = None if "{{" in value else value.strip("\"'")
        found.append(TemplateImage(Location(path, row + 1, column), literal or None, value))
    return found


def _strip_comment(value: str) -> str:
    if "{{" in value or value[:1] in "\"'":
        return value
    return value.split(" #", 1)[0].strip()


def defines(texts: Iterable[str]) -> dict[str, str]:
    """The bodies of every ``define`` (and ``block``) in the given template texts."""
    found: dict[str, str] = {}
    for text in texts:
        stack: list[tuple[str | None, int]] = []
        for action in _ACTION.finditer(text):
            body = action.group(1)
            named = _DEFINE.match(body)
            if named is not None:
                stack.append((named.group(1), action.end()))
            elif _BLOCK_OPEN.match(body):
                stack.append((None, action.end()))
            elif _END.match(body) and stack:
                name, start = stack.pop()
                if name is not None:
                    found[name] = text[start : action.start()]
    return found


def built_from(expression: str, chart_defines: Mapping[str, str]) -> Built:
    """The values an expression reads (helpers followed) and what cannot be followed."""
    built = Built()
    _read(expression, chart_defines, built, set(), 0)
    return built


def _read(
    text: str, chart_defines: Mapping[str, str], built: Built, seen: set[str], depth: int
) -> None:
    for action in _ACTION.finditer(text):
        body = action.group(1)
        if body.lstrip().startswith("/*"):
            continue  # a template comment
        called = _CALL.findall(body)
        for name in called:
            if name in seen:
                continue
            seen.add(name)
            helper = chart_defines.get(name)
            if helper is None or depth >= _MAX_DEPTH:
                built.unknown.append(f'helper "{name}", which the chart does not define')
            else:
                _read(helper, chart_defines, built, seen, depth + 1)
        rest = _CALL.sub(" ", body)
        for literal in _STRING.findall(rest):
            built.unknown.append(f"the string {literal}")
        rest = _STRING.sub(" ", rest)
        built.refs |= {match.lstrip(".") for match in _VALUES_REF.findall(rest)}
        if _BARE_VALUES.search(rest):
            built.unknown.append(".Values looked up by a computed key")
        if _VARIABLE.search(rest):
            built.unknown.append("a template variable")


def set_paths(root: Node | None, prefix: str = "") -> set[str]:
    """The leaf key paths a values tree sets (``a.b`` for ``a: {b: x}``), empty ones left
    out; a mapping is set when a path below it is."""
    found: set[str] = set()
    stack: list[tuple[Node, str, int]] = [(root, prefix, 0)] if root is not None else []
    while stack:
        node, at, depth = stack.pop()
        if not isinstance(node, MappingNode) or depth > _MAX_DEPTH_TREE:
            continue
        for key_node, value in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            path = f"{at}.{key_node.value}" if at else str(key_node.value)
            if isinstance(value, MappingNode):
                stack.append((value, path, depth + 1))  # set when a value below it is
            elif _is_set(value):
                found.add(path)
    return found


def _is_set(value: Node) -> bool:
    if isinstance(value, SequenceNode):
        return bool(value.value)
    return isinstance(value, ScalarNode) and value.value not in ("", "~", "null")


def not_followed(built: Built, image_keys: Iterable[str], values_set: set[str]) -> list[str]:
    """Why an ``image:`` built this way is not a values image gitops-guard judges (empty:
    it is one). A value no layer sets renders nothing, so it cannot smuggle an image in."""
    keys = list(image_keys)
    reasons = list(built.unknown)
    if not built.refs and not reasons:
        reasons.append("no value gitops-guard reads")
    for ref in sorted(built.refs):
        if any(ref == k or ref.startswith(k + ".") or k.startswith(ref + ".") for k in keys):
            continue
        if any(path == ref or path.startswith(ref + ".") for path in values_set):
            reasons.append(f".Values.{ref}, which is not an image key of the values")
    return reasons
