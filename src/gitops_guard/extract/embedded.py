"""YAML written inside a YAML string (``helm.values: |``, inline Kustomize patches)."""

from __future__ import annotations

from dataclasses import replace

from yaml.nodes import Node, ScalarNode

from gitops_guard.extract.context import Context
from gitops_guard.model import Finding, Location
from gitops_guard.parse.loader import (
    LoadedFile,
    load_yaml,
)


def load_embedded(ctx: Context, path: str, node: Node) -> tuple[LoadedFile, int, int]:
    """Parse a string node as YAML; returns the file and the line/column offsets of its text.

    Locations inside a block scalar (``|``) are exact: its text starts on the next line,
    indented like its first line. For other styles every location is the string's own.
    """
    text = str(node.value) if isinstance(node, ScalarNode) else ""
    line_offset, column_offset = node.start_mark.line, node.start_mark.column
    exact = isinstance(node, ScalarNode) and node.style in ("|", ">")
    if exact:
        lines = ctx.load(path).lines
        first = node.start_mark.line + 1
        while first < len(lines) and not lines[first].strip():
            first += 1
        if first < len(lines):
            indent = len(lines[first]) - len(lines[first].lstrip(" "))
            line_offset, column_offset = node.start_mark.line + 1, indent
    loaded = load_yaml(path, text.encode("utf-8"), max_bytes=ctx.policy.max_file_size)
    for problem in loaded.problems:
        ctx.report(_shift(problem, line_offset, column_offset, exact, node))
    return loaded, line_offset, column_offset


def _shift(finding: Finding, lines: int, columns: int, exact: bool, node: Node) -> Finding:
    if not exact:
        where = Location(
            finding.location.path, node.start_mark.line + 1, node.start_mark.column + 1
        )
    else:
        where = Location(
            finding.location.path, finding.location.line + lines, finding.location.column + columns
        )
    return replace(finding, location=where, message=f"in embedded YAML: {finding.message}")


def shifted(where: Location, line_offset: int, column_offset: int) -> Location:
    """A location inside embedded YAML, moved to its place in the outer file."""
    return Location(where.path, where.line + line_offset, where.column + column_offset)
