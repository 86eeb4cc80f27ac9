"""Layout templates: how a path in the repository names its app and environment.

``apps/{app}/overlays/{env}/**`` — ``{app}`` and ``{env}`` match within one path
segment, ``*`` any characters within a segment, ``**`` any number of segments. The
first template that matches wins. A template also matches the directories it
describes (``apps/api/overlays/prod`` for the template above), so an Argo CD
Application's ``spec.source.path`` maps the same way as the files under it.

A placeholder that is a whole segment names a folder, never a file: under
``clusters/{env}/{app}/**``, ``clusters/prod/apps.yaml`` has no app (the path falls to the
next template) rather than the app ``apps.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{(app|env)\}|\*\*|\*|\{[^}]*\}|[^{*]+")
# What a whole-segment placeholder refuses to capture: the name of a file it would end on.
_NOT_A_FILE_NAME = r"(?![^/]*\.(?:ya?ml|json)\Z|Kustomization\Z)"

# Used when the policy has no ``layout:``: the layouts the Argo CD and Kustomize docs
# and most GitOps repositories use. {env} is then limited to common environment names
# (see ``Layout.environment_names``) so that ``base`` is never taken for one.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "apps/{app}/overlays/{env}/**",
    "apps/{app}/envs/{env}/**",
    "apps/{app}/{env}/**",
    "{app}/overlays/{env}/**",
    "overlays/{env}/{app}/**",
    "clusters/{env}/{app}/**",
    "environments/{env}/{app}/**",
    "envs/{env}/{app}/**",
    "env/{env}/{app}/**",
    "charts/{app}/values-{env}.yaml",
    "charts/{app}/values-{env}.yml",
    "apps/{app}/**",
    "charts/{app}/**",
)
COMMON_ENVIRONMENT_NAMES: tuple[str, ...] = (
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "int",
    "integration",
    "stage",
    "staging",
    "uat",
    "preprod",
    "pre-prod",
    "sandbox",
    "demo",
    "prod",
    "production",
    "live",
)


class LayoutError(ValueError):
    """A template that cannot be compiled, with the reason."""


@dataclass(frozen=True, slots=True)
class Placement:
    """The app and environment a path belongs to (either may be unknown)."""

    app: str | None
    environment: str | None


UNPLACED = Placement(None, None)


def compile_template(template: str, environment_names: Sequence[str] | None) -> re.Pattern[str]:
    """Translate one layout template to an anchored regular expression.

    Raises :class:`LayoutError` for an empty template, an absolute path, an unknown
    ``{placeholder}`` or a placeholder used twice.
    """
    return re.compile(TemplatePattern.of(template, environment_names).source)


class TemplatePattern:
    """One template's anchored regular expression, compiled the first time a path could
    match it.

    ``literals`` are the template's literal texts (``apps``, ``overlays``, ``values-``,
    ``.yaml``): every one is a mandatory part of the expression, so a path that lacks one
    cannot match, and is refused without compiling. The default layout's thirteen
    expressions, with every common environment name, took milliseconds to compile on each
    run; a repository's paths usually need one or two of them.
    """

    __slots__ = ("_compiled", "literals", "source")

    def __init__(self, source: str, literals: tuple[str, ...]) -> None:
        self.source = source
        self.literals = literals
        self._compiled: re.Pattern[str] | None = None

    @classmethod
    def of(cls, template: str, environment_names: Sequence[str] | None) -> TemplatePattern:
        """The pattern of one template (raises :class:`LayoutError`, see
        :func:`compile_template`)."""
        literals: list[str] = []
        source = _translate(template, environment_names, literals)
        return cls(source, tuple(dict.fromkeys(literals)))

    def match(self, path: str) -> re.Match[str] | None:
        """``re.match`` of the expression (anchored at both ends) on ``path``."""
        for literal in self.literals:
            if literal not in path:
                return None
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.source)
        return compiled.match(path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TemplatePattern):
            return NotImplemented
        return self.source == other.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"TemplatePattern({self.source!r})"


def _translate(template: str, environment_names: Sequence[str] | None, literals: list[str]) -> str:
    if not template or template.startswith("/"):
        raise LayoutError(f"layout template {template!r} must be a relative path")
    env_alternatives = None
    if environment_names:
        env_alternatives = "|".join(re.escape(name) for name in environment_names)
    pieces: list[str] = []
    used: set[str] = set()
    segments = template.strip("/").split("/")
    for position, segment in enumerate(segments):
        if segment == "**":
            if len(segments) == 1:
                pieces.append(r".*")
            elif position == 0:
                pieces.append(r"(?:[^/]+/)*")  # any leading directories, or none
            else:
                pieces.append(r"(?:/[^/]+)*")  # any further segments, or none
            continue
        separator = "" if position == 0 or (position == 1 and segments[0] == "**") else "/"
        pieces.append(
            separator + _segment_regex(template, segment, used, env_alternatives, literals)
        )
    return "".join(pieces) + r"\Z"


def _segment_regex(
    template: str,
    segment: str,
    used: set[str],
    env_alternatives: str | None,
    literals: list[str],
) -> str:
    part: list[str] = []
    for match in _PLACEHOLDER.finditer(segment):
        token = match.group(0)
        if token in ("{app}", "{env}"):
            name = token[1:-1]
            if name in used:
                raise LayoutError(f"layout template {template!r} uses {token} twice")
            used.add(name)
            guard = _NOT_A_FILE_NAME if token == segment else ""
            if name == "env" and env_alternatives:
                part.append(f"{guard}(?P<env>{env_alternatives})")
            else:
                part.append(f"{guard}(?P<{name}>[^/]+?)")
        elif token == "**":
            part.append(r"[^/]*")  # "**" inside a segment cannot cross "/" either
        elif token == "*":
            part.append(r"[^/]*")
        elif token.startswith("{"):
            raise LayoutError(
                f"layout template {template!r}: unknown placeholder {token}; "
                "only {app} and {env} exist"
            )
        else:
            literals.append(token)
            part.append(re.escape(token))
    return "".join(part)


@dataclass(frozen=True, slots=True)
class Layout:
    """An ordered list of templates and their patterns; the first match wins."""

    templates: tuple[str, ...]
    patterns: tuple[TemplatePattern, ...]

    @classmethod
    def build(cls, templates: Iterable[str], environment_names: Sequence[str] | None) -> Layout:
        """Translate templates, restricting ``{env}`` to ``environment_names`` when given
        (each expression is compiled when a path first needs it)."""
        names = tuple(templates)
        return cls(names, tuple(TemplatePattern.of(t, environment_names) for t in names))

    def place(self, path: str) -> Placement:
        """The app and environment of a repository-relative path (file or directory)."""
        path = path.strip("/")
        for pattern in self.patterns:
            match = pattern.match(path)
            if match:
                groups = match.groupdict()
                return Placement(groups.get("app"), groups.get("env"))
        return UNPLACED


def default_layout() -> Layout:
    """The layout used when the policy names none."""
    return Layout.build(DEFAULT_TEMPLATES, COMMON_ENVIRONMENT_NAMES)
