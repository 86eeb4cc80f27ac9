"""``images --format json``: the inventory as SPEC §6 defines it (plus a few extra keys)."""

from __future__ import annotations

import json
from typing import Any

from gitops_guard import __version__
from gitops_guard.model import Finding, ImageUse, Location


def _location(where: Location | None) -> dict[str, Any] | None:
    if where is None:
        return None
    return {"path": where.path, "line": where.line, "column": where.column}


def use_to_dict(use: ImageUse) -> dict[str, Any]:
    """One image use in the stable JSON shape."""
    ref = use.reference
    return {
        "path": use.location.path,
        "line": use.location.line,
        "column": use.location.column,
        "app": use.app,
        "environment": use.environment,
        "source": use.source.value,
        "reference": {
            "raw": use.raw,
            "registry": ref.registry if ref else None,
            "repository": ref.repository if ref else None,
            "tag": ref.tag if ref else None,
            "digest": ref.digest if ref else None,
        },
        "error": use.error,
        "resource": use.resource,
        "container": use.container,
        "origin": _location(use.origin),
        "alias": use.alias,
        "constraint": use.constraint,
        "overlay": use.overlay,
        "application": use.application,
    }


def problem_to_dict(problem: Finding) -> dict[str, Any]:
    """An input problem met while reading (GG001)."""
    return {
        "rule": problem.rule,
        "message": problem.message,
        "path": problem.location.path,
        "line": problem.location.line,
        "column": problem.location.column,
        "hint": problem.hint,
        "severity": (problem.severity.value if problem.severity else None),
        "app": problem.app,
        "environment": problem.environment,
    }


def render(uses: list[ImageUse], problems: list[Finding]) -> str:
    """The inventory document, pretty-printed, ending with a newline."""
    document = {
        "tool": {"name": "gitops-guard", "version": __version__},
        "images": [use_to_dict(u) for u in uses],
        "problems": [problem_to_dict(p) for p in problems],
    }
    return json.dumps(document, indent=2) + "\n"
