"""``images --format text``: one aligned line per image use, for people."""

from __future__ import annotations

from gitops_guard.model import ImageUse
from gitops_guard.words import count


def deployed_by(use: ImageUse) -> str:
    """What deploys a use: its Argo CD Application, else the overlay that builds it."""
    if use.application:
        return f"application/{use.application}"
    return use.overlay + "/" if use.overlay is not None else "-"


def render(uses: list[ImageUse], files: int) -> str:
    """A table of location, app, environment, source, what deploys it and image, then a
    summary line. A base image every overlay deploys has one row per overlay, told apart
    by the DEPLOYED BY column."""
    rows = [("LOCATION", "APP", "ENV", "SOURCE", "DEPLOYED BY", "IMAGE")]
    for use in uses:
        image = str(use.reference) if use.reference is not None else use.raw
        if use.constraint:
            image += f"  (constraint {use.constraint})"
        if use.error:
            image += f"  (invalid: {use.error})"
        rows.append(
            (
                str(use.location),
                use.app or "-",
                use.environment or "-",
                use.source.value,
                deployed_by(use),
                image,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5]
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
