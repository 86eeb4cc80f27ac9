"""Layout templates and environment names inferred from the folders a repository deploys.

An environment is a folder:

- directly under a folder that holds environments (``envs/``, ``overlays/``,
  ``clusters/``, ...), whatever its name (``envs/alpha``), unless it is a structural
  folder (``base``, ``components``, ``flux-system``, ...);
- or named with an environment word (``prod-eu``, ``qa``) next to folders named with
  another one (``apps/staging`` + ``apps/production``) or next to a ``base`` folder
  (``k8s/base`` + ``k8s/prod``): a lone ``test/`` beside ``docs/``, or test cases all
  named ``...-test``, are not environments;
- or the ``{env}`` part of a Helm values file named ``values-<env>.yaml``.

The folders around it give the template. The app is the folder before the environment
(before its container, ``{app}/overlays/{env}``) when that folder differs between paths
or names an app under a container; else the folder after the environment when those
differ (``clusters/{env}/{app}/**``); else there is no app (``envs/{env}/**``). A file
directly in an environment folder whose template has an ``{app}`` after the environment
gets the template without it, listed next.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from gitops_guard.starter.environments import (
    VALID_NAME,
    environment_words,
    is_environment_word_name,
)

CONTAINERS = frozenset(
    ("env", "envs", "environment", "environments", "overlays", "stages", "clusters")
)
STRUCTURAL = frozenset(
    (
        "base",
        "bases",
        "common",
        "shared",
        "components",
        "component",
        "variants",
        "variant",
        "mixins",
        "templates",
        "charts",
        "crds",
        "default",
        "defaults",
        "global",
        "all",
        "lib",
        "flux-system",
        "resources",
        "patches",
    )
)
# Folders that group apps rather than being one (`apps/{app}/overlays/{env}`).
GROUPING = frozenset(
    (
        "apps",
        "applications",
        "services",
        "workloads",
        "k8s",
        "kubernetes",
        "deploy",
        "deployment",
        "deployments",
        "manifests",
        "gitops",
        "kustomize",
        "helm",
        "charts",
        "argocd",
        "flux",
        "infra",
        "infrastructure",
        "platform",
    )
)
_BASES = frozenset(("base", "bases"))
_VALUES_ENV = re.compile(r"values(?P<sep>[-._])(?P<env>[^/]+)\.(?P<ext>ya?ml)\Z")
# Characters a folder name may not have to be written literally in a template.
_TEMPLATE_SYNTAX = re.compile(r"[{}*]")
# Apps under these folders when no environment is in the path (the default layout's).
_APP_FOLDERS = ("apps", "charts")


@dataclass(frozen=True, slots=True)
class Inferred:
    """Layout templates in the order they are tried, and the environment names they use."""

    templates: tuple[str, ...]
    environments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _EnvPath:
    """A deployed path with an environment: its folders, which is the environment, and
    whether the environment comes from a values file name."""

    folders: tuple[str, ...]
    index: int  # the environment's folder, or len(folders) for a values file
    environment: str
    values: re.Match[str] | None = None


def infer_layout(placed: Iterable[str], files: frozenset[str], folders: frozenset[str]) -> Inferred:
    """Templates and environment names for the deployed paths ``placed``."""
    paths = [p for p in placed if not _TEMPLATE_SYNTAX.search(p)]
    children = _children(folders)
    with_env: list[_EnvPath] = []
    without_env: list[tuple[str, ...]] = []
    env_children = _environment_word_children(paths, files)
    for path in paths:
        found = _environment_of(path, files, children, env_children)
        if found is None:
            without_env.append(_folders_of(path, files))
        else:
            with_env.append(found)
    templates = _env_templates(with_env)
    names = sorted({p.environment for p in with_env})
    templates += _app_templates(without_env, set(names))
    return Inferred(tuple(dict.fromkeys(templates)), tuple(names))


def _folders_of(path: str, files: frozenset[str]) -> tuple[str, ...]:
    parts = tuple(path.split("/"))
    return parts[:-1] if path in files else parts


def _children(folders: frozenset[str]) -> dict[tuple[str, ...], set[str]]:
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for folder in folders:
        parts = tuple(folder.split("/"))
        found[parts[:-1]].add(parts[-1])
    return found


def _environment_word_children(
    paths: Iterable[str], files: frozenset[str]
) -> dict[tuple[str, ...], set[str]]:
    """Per folder, its child folders named with an environment word that deploy something."""
    found: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path in paths:
        parts = _folders_of(path, files)
        for index, name in enumerate(parts):
            if is_environment_word_name(name):
                found[parts[:index]].add(name)
    return found


def _is_environment(
    parent: tuple[str, ...],
    name: str,
    children: dict[tuple[str, ...], set[str]],
    env_children: dict[tuple[str, ...], set[str]],
) -> bool:
    if not VALID_NAME.fullmatch(name) or name.lower() in STRUCTURAL:
        return False
    if parent and parent[-1].lower() in CONTAINERS:
        return True
    if not is_environment_word_name(name):
        return False
    if len(_promotion_words(env_children.get(parent, ()))) >= 2:
        return True
    return bool(_BASES & {c.lower() for c in children.get(parent, ())})


def _promotion_words(names: Iterable[str]) -> set[str]:
    """The environment words a set of sibling names uses (``staging-eu``, ``prod-eu``:
    staging and prod; ``1-002-write-back-test``, ``1-004-helm-test``: only test)."""
    return {w for name in names for w in environment_words(name)}


def _environment_of(
    path: str,
    files: frozenset[str],
    children: dict[tuple[str, ...], set[str]],
    env_children: dict[tuple[str, ...], set[str]],
) -> _EnvPath | None:
    parts = _folders_of(path, files)
    for index, name in enumerate(parts):
        if parts[index].lower() in CONTAINERS and index + 1 < len(parts):
            continue  # the container itself is not the environment
        if _is_environment(parts[:index], name, children, env_children):
            return _EnvPath(parts, index, name)
    if path in files:
        match = _VALUES_ENV.match(posixpath.basename(path))
        name = match["env"] if match else ""
        if match and VALID_NAME.fullmatch(name) and is_environment_word_name(name):
            return _EnvPath(parts, len(parts), name, match)
    return None


def _env_templates(paths: list[_EnvPath]) -> list[str]:
    folder_paths = [p for p in paths if p.values is None]
    values_paths = [p for p in paths if p.values is not None]
    templates = _values_templates(values_paths)
    # Paths grouped by the folders before the environment, the app position (None) open.
    groups: dict[tuple[str | None, ...], list[_EnvPath]] = defaultdict(list)
    for p in folder_paths:
        opened: list[str | None] = list(p.folders[: p.index])
        position = _app_position(p)
        if position is not None:
            opened[position] = None
        groups[tuple(opened)].append(p)
    dir_templates: list[str] = []
    for prefix, members in groups.items():
        parts = [part or "" for part in prefix]
        before_app = False
        if None in prefix:
            position = prefix.index(None)
            values = {m.folders[position] for m in members}
            under_container = position == members[0].index - 2
            before_app = len(values) >= 2 or (
                under_container and next(iter(values)).lower() not in GROUPING
            )
            parts[position] = "{app}" if before_app else next(iter(values))
        head = "/".join([*parts, "{env}"])
        after = {m.folders[m.index + 1] for m in members if m.index + 1 < len(m.folders)}
        if not before_app and len(after) >= 2:
            dir_templates.append(f"{head}/{{app}}/**")
            if any(m.index + 1 == len(m.folders) for m in members):
                dir_templates.append(f"{head}/**")
        else:
            dir_templates.append(f"{head}/**")
    return templates + sorted(set(dir_templates), key=_specificity)


def _app_position(p: _EnvPath) -> int | None:
    """Where an app folder may sit before the environment: before its container, or
    right before it."""
    if p.index >= 1 and p.folders[p.index - 1].lower() in CONTAINERS:
        return p.index - 2 if p.index >= 2 else None
    return p.index - 1 if p.index >= 1 else None


def _values_templates(paths: list[_EnvPath]) -> list[str]:
    groups: dict[tuple[tuple[str, ...], str, str], set[str]] = defaultdict(set)
    for p in paths:
        assert p.values is not None
        head = p.folders[:-1] if p.folders else ()
        app = p.folders[-1] if p.folders else ""
        groups[(head, p.values["sep"], p.values["ext"])].add(app)
    templates = []
    for (head, sep, ext), apps in groups.items():
        name = f"values{sep}{{env}}.{ext}"
        if apps == {""}:
            templates.append(name)
        elif len(apps) >= 2 or next(iter(apps)).lower() not in GROUPING:
            templates.append("/".join([*head, "{app}", name]))
        else:
            templates.append("/".join([*head, next(iter(apps)), name]))
    return sorted(set(templates), key=_specificity)


def _app_templates(paths: list[tuple[str, ...]], environments: set[str]) -> list[str]:
    """``apps/{app}/**`` and ``charts/{app}/**`` where deployed paths sit under them."""
    found = []
    for folder in _APP_FOLDERS:
        if any(
            len(parts) >= 2
            and parts[0] == folder
            and parts[1].lower() not in STRUCTURAL
            and parts[1] not in environments
            for parts in paths
        ):
            found.append(f"{folder}/{{app}}/**")
    return found


def _specificity(template: str) -> tuple[int, tuple[int, ...], str]:
    """Longer templates first; at equal length a literal folder before a placeholder."""
    parts = template.split("/")
    return (-len(parts), tuple(1 if part.startswith("{") else 0 for part in parts), template)
