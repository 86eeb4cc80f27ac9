"""Documents → image uses: the one parsing path every command shares.

``extract`` reads a repository state through a :class:`~gitops_guard.files.FileSource`
and returns an :class:`Inventory`: every image use with its location, source kind,
app and environment, plus the input problems (GG001) met on the way.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from gitops_guard.extract.argocd import ArgoExtractor, is_write_back_file
from gitops_guard.extract.context import Context
from gitops_guard.extract.helm import extract_values, is_values_file
from gitops_guard.extract.kustomize import KustomizeGraph
from gitops_guard.extract.workloads import workload_images
from gitops_guard.files import KUSTOMIZATION_NAMES, FileSource, is_yaml_path, matches_any
from gitops_guard.loader import LoadedFile
from gitops_guard.model import Finding, ImageUse
from gitops_guard.policy import Policy


@dataclass
class Inventory:
    """The result of one extraction."""

    uses: list[ImageUse] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    parsed: dict[str, LoadedFile] = field(default_factory=dict)


def candidate_files(all_files: Iterable[str], policy: Policy) -> list[str]:
    """The YAML files a run reads: not excluded, not Helm templates."""
    files = list(all_files)
    charts = {posixpath.dirname(p) for p in files if posixpath.basename(p) == "Chart.yaml"}
    chosen = []
    for path in files:
        if not is_yaml_path(path):
            continue
        if policy.exclude and matches_any(policy.exclude, path):
            continue
        if _in_chart_templates(path, charts):
            continue
        chosen.append(path)
    return chosen


def _in_chart_templates(path: str, charts: set[str]) -> bool:
    # Helm templates are Go templates, not YAML, until rendered.
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "templates" and "/".join(parts[:index]) in charts:
            return True
    return False


def extract(source: FileSource, policy: Policy, paths: Iterable[str] | None = None) -> Inventory:
    """Every image use of the repository, or those in ``paths`` with what they need around.

    With ``paths`` (the pre-commit case), a base file's images are resolved through
    the overlays that include it, and only uses located in (or originating from) the
    given files are returned.
    """
    ctx = Context(source, policy)
    selected = None if paths is None else set(paths)
    listing = source.list_files()
    if selected:
        # A file given by name is read even when Git ignores it.
        known = set(listing)
        listing = listing + sorted(p for p in selected if p not in known)
    files = candidate_files(listing, policy)
    fileset = set(files)
    graph = KustomizeGraph(ctx, files, fileset)
    owned: set[str] = set()
    for root in graph.roots:
        reach = graph.reach(root)
        owned |= reach
        if selected is None or reach & selected:
            graph.emit(root)

    argo = ArgoExtractor(ctx, graph, fileset)
    values_files: list[str] = []
    for path in files:
        name = posixpath.basename(path)
        if name in KUSTOMIZATION_NAMES:
            continue
        if is_write_back_file(path):
            if selected is None or path in selected:
                argo.write_back_file(path)
            continue
        if is_values_file(path):
            values_files.append(path)  # and read below too: it may be a manifest after all
        if selected is not None and path not in selected:
            continue
        if path not in owned:
            placement = ctx.place(path)
            for image in workload_images(ctx, path):
                ctx.add_use(
                    image.location,
                    image.source,
                    image.image,
                    placement,
                    resource=image.resource,
                    container=image.container,
                )
        argo.application_file(path)
    extract_values(ctx, values_files, fileset, selected)

    uses = ctx.uses
    problems = ctx.problems
    if selected is not None:
        uses = [
            u
            for u in uses
            if u.location.path in selected or (u.origin is not None and u.origin.path in selected)
        ]
        problems = [p for p in problems if p.location.path in selected]
        # Files given but never reached above (e.g. a patch file) still get read.
        for path in sorted(selected - set(ctx.parsed)):
            if path in fileset:
                ctx.load(path)
        problems = [p for p in ctx.problems if p.location.path in selected]
    uses.sort(key=lambda u: (u.location, u.source.value, u.container or ""))
    problems.sort(key=lambda p: (p.location, p.message))
    considered = files if selected is None else [p for p in files if p in selected]
    return Inventory(uses, problems, considered, ctx.parsed)
