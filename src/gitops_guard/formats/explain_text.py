"""``explain`` for people: the answer first, then one line per tag with its verdict.

::

    image     registry.example.com/team/api (alias api)
    from      annotations of Application api-prod (argocd/api-prod.yaml)
    settings  semver, constraint ~1.4, allow-tags regexp:^1\\. — Image Updater 1.3
    selected  1.4.7

      selected  1.4.7     highest version within `~1.4`
      eligible  1.4.2     older than the selected 1.4.7
      rejected  1.5.0     outside the constraint `~1.4`

    3 tags: 1 selected, 1 eligible, 1 rejected
"""

from __future__ import annotations

from collections import Counter

from gitops_guard.updater.explain import Explanation

_WIDEST_TAG = 40


def _settings(explanation: Explanation) -> str:
    selection = explanation.selection
    settings = explanation.target.settings
    strategy = selection.strategy
    parts = [strategy.name]
    if strategy.written is not None and strategy.written != strategy.name:
        parts[0] += f" (written `{strategy.written}`)"
    if selection.effective_constraint and selection.effective_constraint != settings.constraint:
        parts.append(f"constraint {selection.effective_constraint} (none given)")
    elif settings.constraint:
        parts.append(f"constraint {settings.constraint}")
    if settings.allow_tags:
        parts.append(f"allow-tags {settings.allow_tags}")
    if settings.ignore_tags:
        parts.append(f"ignore-tags {', '.join(settings.ignore_tags)}")
    if settings.platforms:
        parts.append(f"platforms {', '.join(settings.platforms)}")
    if settings.running_tag:
        parts.append(f"running {settings.running_tag}")
    return ", ".join(parts) + f" — Image Updater {settings.updater_version}"


def render(explanation: Explanation) -> str:
    """The explanation as aligned text."""
    target = explanation.target
    selection = explanation.selection
    lines: list[str] = []
    image = target.image + (f" (alias {target.alias})" if target.alias else "")
    lines.append(f"image     {image}")
    lines.append(f"from      {target.source}")
    lines.append(f"settings  {_settings(explanation)}")
    error = explanation.error
    if error is not None:
        lines.append(f"error     {error}")
        lines.append("          Image Updater reports this error for the image and updates nothing")
    elif selection.selected is not None:
        chosen = selection.selected
        digest = f" ({chosen.digest})" if chosen.digest else ""
        lines.append(f"selected  {chosen.tag}{digest}")
    else:
        lines.append("selected  nothing: no tag qualifies, the image stays as it is")
    for note in selection.notes:
        lines.append(f"note      {note}")
    candidates = selection.candidates
    if candidates:
        width = min(max(len(c.tag) for c in candidates), _WIDEST_TAG)
        lines.append("")
        for candidate in candidates:
            state = (
                "selected"
                if candidate.selected
                else "eligible"
                if candidate.accepted
                else "rejected"
            )
            reason = candidate.reason
            for prefix in ("selected: ", "eligible; "):
                if reason.startswith(prefix):
                    reason = reason[len(prefix) :]
            lines.append(f"  {state}  {candidate.tag.ljust(width)}  {reason}")
    counts = Counter(
        "selected" if c.selected else "eligible" if c.accepted else "rejected" for c in candidates
    )
    lines.append("")
    total = len(candidates)
    lines.append(
        f"{total} tag{'s' if total != 1 else ''}: {counts['selected']} selected, "
        f"{counts['eligible']} eligible, {counts['rejected']} rejected"
    )
    return "\n".join(lines) + "\n"
