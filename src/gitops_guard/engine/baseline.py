"""Baselines: adopt the tool on an existing repository and fail only on new findings.

A baseline records today's findings keyed by rule, file, resource and container (see
:func:`~gitops_guard.model.finding_key`) — not by line, so edits above a finding do
not resurrect it. Keys are counted: two identical findings need two entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from gitops_guard import __version__
from gitops_guard.errors import InputError
from gitops_guard.model import Finding, finding_key

Key = tuple[str, str, str, str, str]
_FIELDS = ("rule", "path", "resource", "container", "detail")


def render_baseline(findings: Iterable[Finding]) -> str:
    """The baseline file for these findings (JSON, sorted, one entry per finding)."""
    entries = sorted(finding_key(f) for f in findings)
    document = {
        "tool": {"name": "gitops-guard", "version": __version__},
        "version": 1,
        "findings": [dict(zip(_FIELDS, key, strict=True)) for key in entries],
    }
    import json  # only runs that write or read a baseline need it

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> Counter[Key]:
    """Read a baseline file; a broken one stops the run with its location."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    return parse_baseline(data, str(path))


def parse_baseline(data: bytes, path: str) -> Counter[Key]:
    """The entries of a baseline's bytes (``path`` names it in errors)."""
    import json

    try:
        document = json.loads(data.decode("utf-8", "replace"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}:{exc.colno}: baseline is not JSON: {exc.msg}"
        ) from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError(
            f"{path}: not a gitops-guard baseline (no findings list)",
            hint="write one with `gitops-guard validate --write-baseline FILE`",
        )
    keys: Counter[Key] = Counter()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in _FIELDS):
            raise InputError(
                f"{path}: findings[{index}] needs the string keys {', '.join(_FIELDS)}"
            )
        keys[
            (entry["rule"], entry["path"], entry["resource"], entry["container"], entry["detail"])
        ] += 1
    return keys


def apply_baseline(
    findings: Iterable[Finding], baseline: Counter[Key]
) -> tuple[list[Finding], int]:
    """Findings not in the baseline, and how many were in it."""
    remaining = Counter(baseline)
    kept: list[Finding] = []
    known = 0
    for finding in findings:
        key = finding_key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            known += 1
        else:
            kept.append(finding)
    return kept, known
