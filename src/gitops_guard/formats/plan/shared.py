"""What every `plan` format words the same way: durations, the verdict, the soak column."""

from __future__ import annotations

import datetime

from gitops_guard.audit.plan import BLOCKED, PlanRow


def hours(delta: datetime.timedelta) -> str:
    """A duration in hours and minutes (``26h``, ``3h 20m``, ``45m``; from two days on,
    ``4d 3h``): soak is counted in hours."""
    minutes = max(int(delta.total_seconds()), 0) // 60
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest}m"
    if whole >= 48:  # days on end: hours would be hard to read
        days, left = divmod(whole, 24)
        return f"{days}d {left}h" if left else f"{days}d"
    return f"{whole}h {rest}m" if rest else f"{whole}h"


def when(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="minutes")


# Weekday names spelled here: strftime("%a") follows the locale, and the output must not.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def frozen_until(row: PlanRow) -> str:
    """When the freeze ends, with its weekday in the freeze's own zone (``Mon
    2026-02-16T08:00+01:00 (Europe/Berlin)``): a person plans by the day."""
    text = row.frozen_until or ""
    moment = row.frozen_until_time
    return f"{WEEKDAYS[moment.weekday()]} {text}" if moment is not None and text else text


def versions(row: PlanRow) -> str:
    """``1.4.2 → 1.5.0``; the references when versions say nothing more (a digest)."""
    old = row.running_display or "∅"
    new = row.candidate_display or row.candidate or "∅"
    return f"{old} → {new}"


def residence(row: PlanRow) -> str:
    """How long the candidate has run in the from environment (without a break)."""
    if row.soaked is not None:
        return hours(row.soaked)
    if row.candidate is not None and row.change not in ("up to date", "no candidate"):
        return "-"
    return ""


def soak_left(row: PlanRow) -> str:
    if row.soak_left is not None:
        return hours(row.soak_left) if row.soak_left else "done"
    if row.soak_required is not None and row.verdict == BLOCKED:
        return f"needs {hours(row.soak_required)}"
    return ""


def verdict(row: PlanRow) -> str:
    """``ready``, ``up to date``, ``no candidate`` or ``blocked: GG303, GG304``."""
    if row.verdict == BLOCKED:
        return "blocked: " + ", ".join(row.rules)
    return row.verdict


def summary(ready: int, blocked: int, up_to_date: int, none: int, shown_all: bool) -> str:
    parts = [f"{ready} ready", f"{blocked} blocked", f"{up_to_date} up to date"]
    if none:
        parts.append(f"{none} without a candidate")
    text = ", ".join(parts)
    if not shown_all and (up_to_date or none):
        text += " (--all lists those)"
    return text


def shown(rows: list[PlanRow], show_all: bool) -> list[PlanRow]:
    """The rows a format lists: those with something to promote, or every row with --all."""
    if show_all:
        return rows
    return [row for row in rows if row.verdict not in ("up to date", "no candidate")]


def gated(rows: list[PlanRow]) -> bool:
    """Whether a supply-chain gate applies to some row (else no column for it)."""
    return any(row.supply_chain != "not asked" for row in rows)


def supply_cell(row: PlanRow) -> str:
    """The supply-chain gates' word on a candidate: passed, not checked, failed, or -."""
    if row.verdict in ("up to date", "no candidate") or row.supply_chain == "not asked":
        return "-"
    return row.supply_chain


def who(row: PlanRow) -> str:
    """The app, with its container when that is not named like the app."""
    app = row.app or "-"
    return f"{app} [{row.container}]" if row.container and row.container != row.app else app


def bot_limits(rows: list[PlanRow]) -> str | None:
    """One line for every row a bot could not promote: the plan's promotions are a person's."""
    limited: dict[str, list[str]] = {}
    for row in rows:
        if row.bot_limit is not None:
            limited.setdefault(row.environment, []).append(row.app or row.image)
    if not limited:
        return None
    where = "; ".join(f"{env}: {', '.join(apps)}" for env, apps in limited.items())
    return (
        "bot limits (automated:) do not apply to a person's promotion; a bot could not make "
        f"these ({where})"
    )
