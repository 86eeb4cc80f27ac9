"""Value grammars of Image Updater settings, and probes that compare them with a policy.

Shared by the GG2xx rules: each function answers one question the way Image Updater (AIU)
would, with a reason a person can act on.

* :func:`write_back_problem`, :func:`branch_problem`, :func:`target_kind` — write-back
  settings (``parseWriteBackMethod``, ``parseGitBranch``, ``parseTarget`` in AIU);
* :func:`pull_secret_problem` — ``ParseCredentialSource``;
* :func:`admitted` and :func:`probe_tags` — which tags a configuration lets through, to find a
  concrete tag the policy would refuse (a counter-example is more convincing than "may").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from gitops_guard.imageref import InvalidReference, parse_reference
from gitops_guard.updater.annotations import (
    ImageListEntry,
    Semantics,
)
from gitops_guard.updater.config import ImageConfig
from gitops_guard.updater.selection import (
    DIGEST,
    IGNORES_CONSTRAINT,
    SEMVER,
    Strategy,
    resolve_strategy,
)
from gitops_guard.updater.tagfilters import (
    AllowTags,
    IgnoreTags,
    parse_allow_tags,
)
from gitops_guard.versions import (
    Constraint,
    InvalidConstraint,
    parse_constraint,
    try_parse_version,
)

if TYPE_CHECKING:
    pass


__all__ = [
    "VERSION_TOKEN",
    "Admission",
    "admission",
    "branch_problem",
    "canonical_strategy",
    "constraint_ignored",
    "entry_is_sound",
    "is_git_method",
    "kustomization_file_target",
    "port_only_registry",
    "probe_tags",
    "pull_secret_problem",
    "target_kind",
    "template_problem",
    "widened_prerelease",
    "write_back_problem",
]

KUSTOMIZATION_FILES: Final = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_TEMPLATE_FIELDS: Final = frozenset({"Images", "SHA256", "Name", "Alias", "OldTag", "NewTag"})
_TEMPLATE_APP_FIELDS: Final = frozenset({"AppName", "AppNamespace", "TargetKey"})
_FIELD_RE: Final = re.compile(r"(?<![A-Za-z0-9_)\]])\.([A-Za-z_][A-Za-z0-9_]*)")
_TEMPLATE_KEYWORDS: Final = frozenset(
    {"range", "end", "if", "else", "with", "define", "template", "block", "nil", "break"}
)


def canonical_strategy(value: str | None) -> str:
    """The strategy that runs for a configured value (old names and fallbacks resolved)."""
    return resolve_strategy(value).name


def is_git_method(text: str | None) -> bool:
    """Whether a write-back method value selects Git (``git`` or ``git:<credentials>``)."""
    return text is not None and text.split(":", 1)[0] == "git"


def write_back_problem(text: str, semantics: Semantics, namespace: str | None) -> str | None:
    """Why AIU refuses a ``write-back-method`` value (then nothing is written back at all).

    The value is split at its first ``:``: the method must be exactly ``argocd`` or ``git``
    (case matters); Git credentials must be ``repocreds`` or ``secret:<ns>/<name>``
    (1.3+: also ``secret:<name>``, and the namespace must be the Application's).
    """
    value = semantics.read(text)
    if not value:
        if semantics.empty_write_back_method_is_error:
            return "Image Updater 0.x reads an empty method as an invalid update mechanism"
        return None
    method, colon, credentials = value.partition(":")
    if method not in ("argocd", "git"):
        case = ", and case matters" if method.lower() in ("argocd", "git") else ""
        return f"`{method}` is not a write-back method (only `argocd` and `git` exist{case})"
    if method == "argocd":
        return "only the git method takes credentials after `:`" if colon else None
    if not colon or credentials == "repocreds":
        return None
    if not credentials.startswith("secret:"):
        return "Git credentials must be `repocreds` or `secret:<namespace>/<name>`"
    secret = credentials[len("secret:") :]
    parts = secret.split("/")
    if len(parts) == 1 and parts[0]:
        if semantics.git_secret_short_form:
            return None
        return f"`secret:{secret}` needs a namespace before Image Updater 1.3"
    if len(parts) != 2 or not all(parts):
        return f"`secret:{secret}` is not `secret:<namespace>/<name>`"
    if semantics.secret_namespace_must_match and namespace and parts[0] != namespace:
        return (
            f"the secret is in namespace `{parts[0]}`, but Image Updater 1.3+ only reads secrets "
            f"from the Application's namespace `{namespace}`"
        )
    return None


def branch_problem(text: str, semantics: Semantics, pull_request: bool = False) -> str | None:
    """Why AIU cannot use a ``git-branch`` value (``base``, ``base:template``, ``:template``)."""
    value = text.strip()
    parts = value.split(":")
    if pull_request and ":" in value:
        return "must not contain `:` when changes go through a pull request"
    if len(parts) > 2:
        return (
            f"has {len(parts) - 1} `:`; Image Updater splits it at every `:` into base and "
            "write branch, so `:` may appear only once (not inside the template)"
        )
    template = parts[-1] if len(parts) == 2 else ""
    if not template:
        return None
    return template_problem(template, semantics)


def template_problem(template: str, semantics: Semantics) -> str | None:
    """Problems of a branch-name Go template that would leave the branch name empty."""
    depth = 0
    actions: list[str] = []
    index = 0
    while index < len(template):
        if template.startswith("{{", index):
            end = template.find("}}", index + 2)
            if end < 0:
                return "has an unclosed `{{` in its template; the push is aborted"
            actions.append(template[index + 2 : end])
            index = end + 2
            continue
        if template.startswith("}}", index):
            return "has a `}}` without `{{` in its template"
        index += 1
    allowed = set(_TEMPLATE_FIELDS)
    if semantics.branch_template_app_fields:
        allowed |= _TEMPLATE_APP_FIELDS
    for action in actions:
        body = action.strip().strip("-").strip()
        word = body.split(" ", 1)[0] if body else ""
        if word in ("range", "if", "with"):
            depth += 1
        elif word == "end":
            depth -= 1
        for match in _FIELD_RE.finditer(action):
            name = match.group(1)
            if name in allowed or name in _TEMPLATE_KEYWORDS:
                continue
            if name in _TEMPLATE_APP_FIELDS:
                return (
                    f"uses `.{name}` in its template, which Image Updater {semantics.label} does "
                    "not provide (1.2+): the branch name is empty and the push is aborted"
                )
            known = ", ".join(f".{f}" for f in sorted(allowed))
            return (
                f"uses the unknown field `.{name}` in its template ({known} exist): the branch "
                "name is empty and the push is aborted"
            )
    if depth != 0:
        return "has unbalanced range/if/with and end in its template; the push is aborted"
    return None


def target_kind(text: str) -> tuple[str, str | None]:
    """(kind, misuse) of a ``write-back-target``: kind is kustomization, helmvalues or file.

    AIU matches the prefix and drops the next character *whatever it is*, so
    ``kustomization.yaml`` means the directory ``yaml``: ``misuse`` says so.
    """
    value = text.strip()
    for prefix in ("kustomization", "helmvalues"):
        if value.startswith(prefix):
            rest = value[len(prefix) :]
            if rest and rest[0] != ":":
                meaning = rest[1:] or "(empty)"
                return prefix, (
                    f"`{value}` is read as the prefix `{prefix}` and the path `{meaning}` (the "
                    f"character after `{prefix}` is dropped whatever it is); write "
                    f"`{prefix}:<path>`"
                )
            return prefix, None
    return "file", None


def kustomization_file_target(text: str) -> bool:
    """A bare target whose file name is a kustomization (refused by 1.3+, overwritten before)."""
    kind, _ = target_kind(text)
    return kind == "file" and posixpath.basename(text.strip()) in KUSTOMIZATION_FILES


def pull_secret_problem(
    text: str, semantics: Semantics, namespace: str | None
) -> tuple[str, bool] | None:
    """Why ``ParseCredentialSource`` (or the credential fetch) refuses a pull-secret value.

    Returns (reason, fatal): ``fatal`` is True when the image errors in every version (a
    relative ``ext:`` script, a cross-namespace secret in 1.3+) or the version makes every
    unreadable value an image error (1.2+); otherwise AIU warns and goes on without
    credentials.
    """
    value = semantics.read(text)
    definition = value
    if "=" in value:
        registry, _, rest = value.partition("=")
        if registry and rest:
            definition = rest
    tokens = definition.split(":")
    parse_error = semantics.pull_secret_is_error
    if len(tokens) != 2 or not tokens[0] or not tokens[1]:
        return (
            "is not one of `pullsecret:<namespace>/<name>`, `secret:<namespace>/<name>#<field>`, "
            "`env:<VARIABLE>`, `ext:/absolute/script`",
            parse_error,
        )
    kind, argument = tokens[0].lower(), tokens[1]
    if kind == "pullsecret":
        parts = argument.split("/")
        if len(parts) != 2 or not all(parts):
            return f"`{argument}` is not `<namespace>/<name>`", parse_error
        secret_namespace = parts[0]
    elif kind == "secret":
        pieces = argument.split("#")
        parts = pieces[0].split("/") if len(pieces) == 2 and all(pieces) else []
        if len(parts) != 2 or not all(parts):
            return f"`{argument}` is not `<namespace>/<name>#<field>`", parse_error
        secret_namespace = parts[0]
    elif kind == "env":
        return None
    elif kind == "ext":
        if not argument.startswith("/"):
            return f"the script path `{argument}` must be absolute", True
        return None
    else:
        return (
            f"`{tokens[0]}` is not a credential source (pullsecret, secret, env, ext)",
            parse_error,
        )
    if semantics.secret_namespace_must_match and namespace and secret_namespace != namespace:
        return (
            f"the secret is in namespace `{secret_namespace}`, but Image Updater 1.3+ only reads "
            f"secrets from the Application's namespace `{namespace}`",
            True,
        )
    return None


# --- what a configuration admits -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Admission:
    """Which tags an image's configuration lets through to the selection.

    ``constraint`` is the semver constraint in force (None: no check); ``broken`` is set when
    the configuration admits nothing because it is invalid (then nothing is compared).
    """

    strategy: Strategy
    allow: AllowTags
    ignore: IgnoreTags
    constraint: Constraint | None
    tracked: str | None
    broken: bool

    def admits(self, tag: str) -> bool:
        """Whether the selection could pick ``tag`` if the registry had it."""
        if self.broken or not self.allow.matches(tag) or self.ignore.ignoring(tag):
            return False
        if self.strategy.name == DIGEST:
            return tag == self.tracked
        if self.strategy.name == SEMVER:
            version = try_parse_version(tag)
            if version is None:
                return False
            return self.constraint is None or self.constraint.check(version)
        return True


def admission(image: ImageConfig, version: str) -> Admission:
    """The filters of one image as AIU applies them under Image Updater ``version``."""
    settings = image.settings(version)
    semantics = Semantics.of(version)
    strategy = resolve_strategy(settings.strategy)
    allow = parse_allow_tags(settings.allow_tags)
    ignore = IgnoreTags(settings.ignore_tags)
    text = settings.constraint or ""
    constraint: Constraint | None = None
    broken = allow.problem is not None
    if strategy.name == SEMVER:
        if not text and semantics.empty_constraint_is_star:
            text = "*"
        if text:
            try:
                constraint = parse_constraint(text)
            except InvalidConstraint:
                broken = True
    tracked = text if strategy.name == DIGEST else None
    if strategy.name == DIGEST and not text:
        broken = True
    return Admission(strategy, allow, ignore, constraint, tracked, broken)


_GENERIC: Final = (
    "latest",
    "1.0.0",
    "v1.0.0",
    "1.2.3",
    "v1.2.3",
    "1.2",
    "1",
    "2.0.0",
    "10.4.1",
    "0.1.0",
    "1.2.3-rc.1",
    "1.2.3-alpine",
    "2.0.0-beta.1",
    "v2.0.0-rc.1",
    "20240115",
    "main",
    "master",
    "stable",
    "edge",
    "dev",
    "develop",
    "nightly",
    "feature-login",
    "sha-1a2b3c4",
    "1a2b3c4",
)
VERSION_TOKEN: Final = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?(?:-([0-9A-Za-z.-]+))?"
)


def _from_constraint(text: str) -> Iterator[str]:
    """Versions around each version a constraint names (its bounds and their neighbours)."""
    for match in VERSION_TOKEN.finditer(text):
        major = int(match.group(1))
        minor = int(match.group(2)) if match.group(2) and match.group(2).isdigit() else 0
        patch = int(match.group(3)) if match.group(3) and match.group(3).isdigit() else 0
        pre = match.group(4)
        cores = [
            (major, minor, patch),
            (major, minor, patch + 1),
            (major, minor + 1, 0),
            (major, minor + 9, 3),
            (major + 1, 0, 0),
        ]
        # Docker tags cannot hold "+", so build-metadata variants are not probed.
        for a, b, c in cores:
            yield f"{a}.{b}.{c}"
            yield f"v{a}.{b}.{c}"
            yield f"{a}.{b}.{c}-rc.1"
            yield f"{a}.{b}.{c}-alpine"
            yield f"{a}.{b}"
        if pre:
            yield f"{major}.{minor}.{patch}-{pre}"


def _regexp_literals(pattern: str) -> tuple[str, str]:
    """The literal text a regexp starts with after ``^`` and ends with before ``$``."""
    special = set("\\.^$|?*+()[]{}")
    head = ""
    if pattern.startswith("^"):
        for char in pattern[1:]:
            if char in special:
                break
            head += char
    tail = ""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        for char in reversed(pattern[:-1]):
            if char in special:
                break
            tail = char + tail
    return head, tail


def probe_tags(
    image: ImageConfig, version: str, extra: Sequence[str] = (), constraints: Sequence[str] = ()
) -> list[str]:
    """Plausible tags to test a configuration with, most telling first, without duplicates.

    Built from the constraint's own versions, ``extra`` tags (the policy's forbidden ones),
    versions around ``constraints`` (the policy's), generic tag shapes, and the same shapes
    wrapped in the literal prefix/suffix of an ``allow-tags`` regexp.
    """
    settings = image.settings(version)
    found: list[str] = list(extra)
    found.extend(_from_constraint(settings.constraint or ""))
    for text in constraints:
        found.extend(_from_constraint(text))
    found.extend(_GENERIC)
    allow = parse_allow_tags(settings.allow_tags)
    if allow.pattern:
        head, tail = _regexp_literals(allow.pattern)
        if head or tail:
            found.extend(f"{head}{tag}{tail}" for tag in list(found))
    if settings.constraint and resolve_strategy(settings.strategy).name == DIGEST:
        found.insert(0, settings.constraint)
    return list(dict.fromkeys(found))


def constraint_ignored(image: ImageConfig, version: str) -> str | None:
    """The strategy that ignores this image's constraint, if any."""
    settings = image.settings(version)
    strategy = resolve_strategy(settings.strategy)
    if settings.constraint and strategy.name in IGNORES_CONSTRAINT:
        return strategy.name
    return None


def port_only_registry(entry: ImageListEntry) -> bool:
    """``localhost:5000/app:~1.2``: the legacy splitter takes the registry's port for a tag."""
    if entry.strict:
        return False
    first, slash, _rest = entry.image.strip().partition("/")
    return bool(slash) and "." not in first and ":" in first


def entry_is_sound(image: ImageConfig) -> bool:
    """False for entries GG202 reports as misread (a split constraint, an invalid name)."""
    entry = image.entry
    if entry.error is not None or (entry.alias is not None and ":" in entry.alias):
        return False
    if port_only_registry(entry):
        return False
    try:
        parse_reference(entry.repository_reference)
    except InvalidReference:
        return False
    return True


def widened_prerelease(text: str) -> str | None:
    """A prerelease a constraint admits although it excludes the release it leads to.

    Masterminds lets a group with a prerelease comparator admit prereleases of *any*
    version in range, so the ``-0`` opt-in also widens the other bounds: ``>=1.2.3-0 <2``
    admits ``2.0.0-rc.1`` (it sorts below 2.0.0) while excluding 2.0.0. None when no such
    prerelease is found near the versions the constraint names.
    """
    try:
        constraint = parse_constraint(text)
    except InvalidConstraint:
        return None
    if not constraint.allows_prereleases():
        return None
    candidates: list[tuple[int, int, int]] = []
    for match in VERSION_TOKEN.finditer(text):
        major = int(match.group(1))
        minor = int(match.group(2)) if (match.group(2) or "").isdigit() else 0
        patch = int(match.group(3)) if (match.group(3) or "").isdigit() else 0
        candidates += [
            (major, minor, patch),
            (major, minor, patch + 1),
            (major, minor + 1, 0),
            (major + 1, 0, 0),
        ]
    for core in candidates:
        release = try_parse_version("{}.{}.{}".format(*core))
        prerelease = try_parse_version("{}.{}.{}-rc.1".format(*core))
        if release is None or prerelease is None:
            continue
        if constraint.check(prerelease) and not constraint.check(release):
            return str(prerelease)
    return None
