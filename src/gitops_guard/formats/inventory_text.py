"""``images --format text``: one aligned line per image use, for people."""

from __future__ import annotations

from gitops_guard.model import ImageUse
from gitops_guard.words import count


def render(uses: list[ImageUse], files: int) -> str:
    """A table of location, app, environment, source and image, then a summary line."""
    rows = [("LOCATION", "APP", "ENV", "SOURCE", "IMAGE")]
    for use in uses:
        image = str(use.reference) if use.reference is not None else use.raw
        if use.constraint:
            image += f"  (constraint {use.constraint})"
        if use.error:
            image += f"  (invalid: {use.error})"
        rows.append(
            (str(use.location), use.app or "-", use.environment or "-", use.source.value, image)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    apps = {u.app for u in uses if u.app}
    environments = {u.environment for u in uses if u.environment}
    lines.append("")
    lines.append(
        f"{count(len(uses), 'image use')} in {count(files, 'YAML file')} "
        f"({count(len(apps), 'app')}, {count(len(environments), 'environment')})"
    )
    return "\n".join(lines) + "\n"
