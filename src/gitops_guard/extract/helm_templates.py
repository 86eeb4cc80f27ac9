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
  lookups, helpers the chart does not define, fields other than values (``.Chart``,
  ``.Files``, ``.Release``, a ``range`` item), literal text written beside the actions —
  is named: GG003, at the template line.

``image:`` is found where YAML puts it: at a line's start, in a flow mapping (``{name: api,
image: ...}``), in JSON (``"image": "..."``), with its value on the next line (a plain or
block scalar, or an action printing it); a key a template action writes (``{{ "image" }}:``)
beside a value that looks like an image is named too. Template comments are not read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_guard.model import Location

_IMAGE_KEY = re.compile(r"(?:^\s*(?:-\s+)?|[{,]\s*)[\"']?image[\"']?\s*:(?=\s|$)")
_ACTION_KEY = re.compile(
    r"^\s*(?:-\s+)?(?P<key>(?:[^\s#:{][^#:]*?)?\{\{.*?\}\}[^:]*?)\s*:[ \t]+(?P<value>\S.*)$"
)
_LOOKS_LIKE_IMAGE = re.compile(
    r"[\"']?[\w.-]+(?::\d+)?(?:/[\w.-]+)+(?::[\w][\w.-]*)?(?:@sha256:[0-9a-f]+)?[\"']?\Z"
    r"|[\"']?[\w.-]+:[\w][\w.-]*[\"']?\Z"
)
_NESTED_KEY = re.compile(r"^\s*(?:-\s|[\"']?[\w.-]+[\"']?\s*:(?:\s|$))")
_COMMENT_ACTION = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_BARE_VALUES = re.compile(r"\.Values(?![.A-Za-z0-9_])")  # .Values whole, or `index .Values`
_CALL = re.compile(r"\b(?:include|template)\s+\"([^\"]*)\"")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_VARIABLE = re.compile(r"\$(?!\.Values\b)[A-Za-z_]\w*|\$(?![.\w])")
# A field chain: `.Values.image.tag`, `$.Values.x`, `.Chart.AppVersion`, `.repository`.
_FIELD = re.compile(r"(?<![\w.)\]])(\$?)\.([A-Za-z_]\w*(?:\.[A-Za-z_][\w-]*)*)")
_WITH_VALUES = re.compile(r"^\s*with\s+\$?\.Values((?:\.[A-Za-z_][\w-]*)+)\s*$")
_CALL_ARGUMENT = re.compile(
    r"\b(?:include|template)\s+\"([^\"]*)\"\s*(\$?\.Values(?:\.[A-Za-z_][\w-]*)+|\$|\.)?"
)
# The image fields of a values mapping (extract.helm's): what a template may read of it.
IMAGE_FIELDS = frozenset({"repository", "name", "registry", "tag", "digest"})
# Text between actions that only joins parts of a reference.
_JOINERS = re.compile(r"[\s:@/\"']*")
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
    unknown: tuple[str, ...] = ()  # why it cannot be followed, beyond its expression


@dataclass
class Built:
    """What builds an ``image:`` value: the values it reads, and what cannot be followed."""

    refs: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # why it cannot be followed


def is_template_file(path: str) -> bool:
    """Whether a file in a chart's ``templates/`` folder is a template Helm renders: every
    file, whatever its name (Helm renders ``templates/canary`` and ``x.gotmpl`` too), but
    ``NOTES.txt``, which is printed to the user, not applied."""
    return posixpath.basename(path) != "NOTES.txt"


def image_lines(path: str, text: str) -> list[TemplateImage]:
    """The ``image:`` values of a template (see the module's docstring), in order."""
    found: list[TemplateImage] = []
    lines = _blank_comments(text).splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        keys = list(_IMAGE_KEY.finditer(line))
        for match in keys:
            flow = match.group(0).lstrip()[:1] in ("{", ",")
            found.extend(_image_value(path, lines, index, match.end(), flow))
        if not keys:
            keyed = _ACTION_KEY.match(line)
            if keyed is not None and _keyed_like_an_image(keyed.group("key"), keyed.group("value")):
                found.append(
                    TemplateImage(
                        Location(path, index + 1, keyed.start("value") + 1),
                        None,
                        keyed.group("value").strip(),
                        ("a key written by a template action",),
                    )
                )
    return found


def _blank_comments(text: str) -> str:
    """Template comments as spaces, their line breaks kept (positions stay exact)."""
    return _COMMENT_ACTION.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _keyed_like_an_image(key: str, value: str) -> bool:
    """A key built by an action that spells a string, or beside an image-like literal."""
    if "{{" in value:
        return bool(_STRING.search(key))
    return bool(_STRING.search(key)) or _LOOKS_LIKE_IMAGE.match(_strip_comment(value)) is not None


def _image_value(
    path: str, lines: list[str], index: int, at: int, flow: bool
) -> list[TemplateImage]:
    line = lines[index]
    rest = line[at:]
    value = rest.strip()
    column = at + len(rest) - len(rest.lstrip()) + 1
    row = index
    if (not value or value[:1] in "|>") and index + 1 < len(lines):
        # The value on the next line: a plain or block scalar, or an action printing it;
        # a nested mapping or list there is not a reference.
        following = lines[index + 1]
        indent = len(line) - len(line.lstrip())
        below = len(following) - len(following.lstrip())
        nested = "{{" not in following and _NESTED_KEY.match(following) is not None
        if following.strip() and (below > indent or "{{" in following) and not nested:
            row = index + 1
            value = following.strip()
            column = below + 1
    if not value or value.startswith("#") or value[:1] in "|>":
        return []
    value = _flow_value(value) if flow or value[:1] in "\"'" else _strip_comment(value)
    if not value:
        return []
    literal = None if "{{" in value else value.strip("\"'")
    return [TemplateImage(Location(path, row + 1, column), literal or None, value)]


def _strip_comment(value: str) -> str:
    """A plain scalar without its trailing comment (an action may hold `` #``)."""
    if "{{" in value:
        return value
    return value.split(" #", 1)[0].strip()


def _flow_value(value: str) -> str:
    """A quoted scalar up to its closing quote; a flow one up to ``,``/``}``/``]``."""
    if value[:1] in "\"'":
        quote = value[0]
        position = 1
        while position < len(value):
            if value[position] == "\\" and quote == '"':
                position += 2
                continue
            if value[position] == quote:
                if quote == "'" and value[position + 1 : position + 2] == "'":
                    position += 2
                    continue
                return value[: position + 1]
            position += 1
        return value
    depth = 0
    for position, char in enumerate(value):
        if value.startswith("{{", position):
            depth += 1
        elif value.startswith("}}", position) and depth:
            depth -= 1
        elif depth == 0 and (char in ",}]" or value.startswith(" #", position)):
            return value[:position].strip()
    return value.strip()


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
    if len(expression) > 1 and expression[0] == expression[-1] and expression[0] in "\"'":
        expression = expression[1:-1]  # the YAML quotes are not rendered text
    _read(expression, chart_defines, built, set(), 0, "")
    return built


def _read(
    text: str,
    chart_defines: Mapping[str, str],
    built: Built,
    seen: set[str],
    depth: int,
    scope: str | None,
) -> None:
    """Read ``text``'s actions; ``scope`` is the values path ``.`` stands for (``""`` the
    root context, ``None`` a context that is not values: a ``dict``, a ``range`` item)."""
    scopes: list[str | None] = [scope]
    _outside_text(text, built)
    for action in _ACTION.finditer(text):
        body = action.group(1)
        if body.lstrip().startswith("/*"):
            continue  # a template comment
        current = scopes[-1]
        within = _WITH_VALUES.match(body)
        if within is not None and current == "":
            scopes.append(within.group(1).lstrip("."))
            continue
        if _BLOCK_OPEN.match(body):
            scopes.append(current)
        elif _END.match(body) and len(scopes) > 1:
            scopes.pop()
        for name, argument in _CALL_ARGUMENT.findall(body):
            if name in seen:
                continue
            seen.add(name)
            helper = chart_defines.get(name)
            if helper is None or depth >= _MAX_DEPTH:
                built.unknown.append(f'helper "{name}", which the chart does not define')
                continue
            _read(helper, chart_defines, built, seen, depth + 1, _call_scope(argument, current))
        rest = _CALL_ARGUMENT.sub(" ", body)
        for literal in _STRING.findall(rest):
            built.unknown.append(f"the string {literal}")
        rest = _STRING.sub(" ", rest)
        _fields(rest, current, built)
        if _VARIABLE.search(rest):
            built.unknown.append("a template variable")


def _call_scope(argument: str, current: str | None) -> str | None:
    """What ``.`` is in a helper called with ``argument`` (``.``, ``$``, ``.Values.x``)."""
    if argument in (".", ""):
        return current if argument == "." else None
    if argument == "$":
        return ""
    path = argument.lstrip("$").removeprefix(".Values").lstrip(".")
    if argument.startswith("$") or current == "":
        return path
    return None


def _outside_text(text: str, built: Built) -> None:
    """Literal text between actions is part of what renders (``{{ .Values.image.repository
    }}:2.0.0``): only separators of a reference's parts may stand there."""
    outside = _ACTION.sub(" ", text)
    if _JOINERS.fullmatch(outside) is None:
        words = " ".join(outside.split())
        built.unknown.append(f'the text "{words}" written beside the template actions')


def _fields(rest: str, scope: str | None, built: Built) -> None:
    """The field chains of an action: values read, the others named."""
    defaulted = re.search(r"\bdefault\b", rest) is not None
    for root, chain in _FIELD.findall(rest):
        if root == "$":
            if chain.startswith("Values."):
                built.refs.add(chain.removeprefix("Values."))
            elif chain == "Values":
                built.unknown.append(".Values looked up by a computed key")
            else:
                built.unknown.append(f"$.{chain}, which gitops-guard does not read")
            continue
        if scope == "":
            if chain.startswith("Values."):
                built.refs.add(chain.removeprefix("Values."))
            elif chain == "Values":
                built.unknown.append(".Values looked up by a computed key")
            elif chain == "Chart.AppVersion" and defaulted:
                continue  # the values tag's default: what extract.helm defaults it to
            else:
                built.unknown.append(f".{chain}, which gitops-guard does not read")
        elif scope is not None:
            built.refs.add(f"{scope}.{chain}")
        else:
            built.unknown.append(f".{chain} of a context that is not values")


def set_paths(root: Node | None, prefix: str = "") -> set[str]:
    """The leaf key paths a values tree sets (``a.b`` for ``a: {b: x}``), empty ones left
    out; a mapping is set when a path below it is."""
    return {path for path, value in _leaves(root, prefix) if _is_set(value)}


def scalar_leaves(root: Node | None) -> dict[str, str]:
    """The scalar leaves of a values tree by key path (``a.b`` for ``a: {b: x}``), to read
    switches such as a dependency's ``condition``."""
    return {
        path: str(value.value) for path, value in _leaves(root) if isinstance(value, ScalarNode)
    }


def _leaves(root: Node | None, prefix: str = "") -> Iterator[tuple[str, Node]]:
    """Every value of a values tree that is not a mapping, with its key path."""
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
            else:
                yield path, value


def _covers(key: str, ref: str) -> bool:
    """Whether reading ``ref`` reads the values image at ``key``: the image mapping itself,
    one of its fields, or a mapping holding it (passed whole to a helper or ``toYaml``)."""
    if ref == key or key.startswith(ref + "."):
        return True
    return ref.startswith(key + ".") and ref[len(key) + 1 :] in IMAGE_FIELDS


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
        if any(_covers(k, ref) for k in keys):
            continue
        if any(path == ref or path.startswith(ref + ".") for path in values_set):
            reasons.append(f".Values.{ref}, which is not an image key of the values")
    return reasons
