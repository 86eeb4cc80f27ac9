"""`report --format html`: one self-contained page an auditor can archive and open years later.

The markup lives in Jinja2 templates shipped with the package (``templates/``: the page,
one partial per section, shared macros, the stylesheet and the script), rendered with
autoescaping on: every value a template prints is escaped, attributes included, so text
from repositories (commit subjects, authors, image names, messages, even app and
environment names: all of it hostile) can never become markup, and there is no escape
to forget. This module computes what the templates lay out: figures, rows, and the SVG
charts as geometry (numbers and plain text; the templates draw them).

Everything is inline: the CSS, the SVG charts, every event as one JSON data block, and a
short vanilla script that sorts, filters and pages the events table from that block
(without it the page reads whole but for the table, which then shows its first page; a
long history's crowded timeline lanes are drawn as bars of a day, week or month, their
figures in tooltips, so the page stays a few megabytes at 20,000 commits). Nothing is
fetched: a Content-Security-Policy forbids every request and lets only this page's own
style and script run (pinned by hash), so even text that slipped past escaping could not
execute. The output depends only on the audit — no clock, no randomness, sorted sets —
so two runs over the same history give the same bytes; the "Waiting to be promoted"
section, when the report has a plan, depends on the plan's moment too (printed in it).
It is written in pieces as the template renders (``chunks``), never built as one string
first.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import importlib.resources
import itertools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jinja2
import jinja2.ext
import jinja2.lexer
from markupsafe import Markup

from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    Running,
)
from gitops_guard.audit.metrics import (
    Metrics,
    is_promotion,
    iso_week,
)
from gitops_guard.formats.report.data import summary
from gitops_guard.formats.report.markdown import (
    METRIC_HEADER,
    group_row,
)
from gitops_guard.model import Finding, Severity
from gitops_guard.rules import registry

if TYPE_CHECKING:  # the plan's modules are imported when a report has a plan
    from gitops_guard.audit.plan import Plan, PlanRow, Reason

# Change kinds in the order the legend lists them; anything else is drawn as "other".
KINDS = ("new", "patch", "minor", "major", "digest", "tag", "downgrade", "removed")
# Environment colours of the charts, by promotion order (repeats after six).
PALETTE = ("#2563eb", "#0d9488", "#7c3aed", "#db2777", "#ea580c", "#65a30d")
# Month names spelled here: strftime("%b") follows the locale, and the output must not.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DASH = "–"
# Above this many events in one lane, markers and their labels would only overlap: the
# lane draws a bar per day, week or month instead (figures in its tooltip).
LABELLED_LANE_EVENTS = 40
# The narrowest bar worth a tooltip: bins are days, else weeks, else months, whichever
# first gives bars this wide (in the chart's 1,000 units).
BIN_WIDTH = 6.0
# A chart label's width per character (12 px bold): names longer than their room are
# cut with an ellipsis, the whole name in the label's tooltip.
CHARACTER_WIDTH = 7.0
# How many rollbacks and findings the header's "needs attention" list names before "more".
ATTENTION_ITEMS = 8
# Rows of the events table per page: the first is in the markup, the script pages the rest.
PAGE_ROWS = 100
# The template's pieces joined into one for the writer: they are a few bytes each.
PIECES = 4096
TEMPLATES = "templates"


class _Compact(jinja2.ext.Extension):
    """A line break in a template, with the indentation after it, is the template's layout,
    not the page's: it is dropped from the template's text (not from printed values).

    So templates can be indented like the markup they hold while the page stays as compact
    as one written by hand (thousands of table rows and chart markers). Text that reads on
    stays on one line; a line break the page needs is printed (``{{ "\\n" }}``).
    """

    _LAYOUT = re.compile(r"\n[ \t]*")

    def filter_stream(self, stream: jinja2.lexer.TokenStream) -> Iterator[jinja2.lexer.Token]:
        for token in stream:
            if token.type == jinja2.lexer.TOKEN_DATA:
                text = self._LAYOUT.sub("", token.value)
                if text:
                    yield jinja2.lexer.Token(token.lineno, token.type, text)
            else:
                yield token


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@dataclass(frozen=True)
class _Assets:
    """The page's stylesheet and script (trusted package data, printed as they are) and
    the Content-Security-Policy that lets exactly these two run."""

    style: Markup
    script: Markup
    csp: str


@functools.cache
def _assets() -> _Assets:
    folder = importlib.resources.files(__package__).joinpath(TEMPLATES)
    style = folder.joinpath("report.css").read_text(encoding="utf-8")
    script = folder.joinpath("report.js").read_text(encoding="utf-8")
    # No fetch of any kind, and only this style and this script: pinned by hash, not by
    # 'unsafe-inline', so markup injected through a repository string could not run.
    csp = (
        "default-src 'none'; "
        f"style-src '{_digest(style)}'; "
        f"script-src '{_digest(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return _Assets(Markup(style), Markup(script), csp)


def _when(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %z")


def _day(moment: datetime.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else DASH


def _wbr(text: str) -> Markup:
    """Escaped, with line-break opportunities after slashes: long image names wrap there."""
    return Markup("/<wbr>").join(text.split("/"))


def _counted(count: int, noun: str) -> str:
    """``3 changes``, ``1 change``."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _severity(finding: Finding) -> str:
    return finding.severity.value if finding.severity else "error"


def _hours(value: float | None) -> str:
    """A duration for people: hours below three days, days above."""
    if value is None:
        return DASH
    if value >= 72:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h"


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=[_Compact],
        auto_reload=False,
    )
    environment.globals.update(DASH=DASH, KINDS=KINDS)
    environment.filters.update(
        when=_when,
        day=_day,
        strftime=datetime.datetime.strftime,  # a filter: cheaper than a method call per row
        wbr=_wbr,
        counted=_counted,
        severity=_severity,
        hours=_hours,
    )
    return environment


def _trailers(event: AuditEvent) -> dict[str, str]:
    """The commit trailers of an event (lower-case keys), e.g. the incident of a rollback."""
    return {key.lower(): value for key, value in event.trailers}


# --- chart geometry: what the SVG templates draw, as numbers and plain text ---------------


def _f1(value: float) -> str:
    return f"{value:.1f}"


def _fit(text: str, room: float) -> tuple[str, str]:
    """A chart label cut to ``room`` units (an ellipsis at the end) and, when cut, the
    whole text for its tooltip: a long name is never clipped by the chart's edge."""
    fits = max(1, int(room // CHARACTER_WIDTH))
    if len(text) <= fits:
        return text, ""
    return text[: fits - 1] + "…", text


@dataclass(frozen=True, slots=True)
class _Text:
    x: int | str
    y: int | str
    text: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class _Line:
    x1: int | str
    y1: int | str
    x2: int | str
    y2: int | str


@dataclass(frozen=True, slots=True)
class _Rect:
    x: int | str
    y: int | str
    width: int | str
    height: int | str
    title: str = ""


@dataclass(frozen=True)
class _Scale:
    """Maps instants of the period onto the x axis of the timelines."""

    start: float
    end: float
    left: float
    right: float

    def x(self, moment: datetime.datetime) -> float:
        span = self.end - self.start
        return self.left + (moment.timestamp() - self.start) / span * (self.right - self.left)


def _period_bounds(audit: Audit) -> tuple[float, float] | None:
    """The instants the timelines span: the audit's period, widened to hold every event."""
    moments = [e.time.timestamp() for e in audit.events]
    moments += [m.timestamp() for m in (audit.start, audit.end) if m is not None]
    if not moments:
        return None
    start, end = min(moments), max(moments)
    # A little air on both sides so markers at the ends are not cut in half, and a day
    # at least, so a single instant still has a readable axis.
    pad = max((end - start) * 0.025, 43200.0)
    return start - pad, end + pad


def _utc(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _ticks(start: float, end: float) -> list[tuple[float, str]]:
    """Calendar ticks over a span: days, Mondays, month starts or years, at most ~14."""
    days = (end - start) / 86400
    first = _utc(start)
    ticks: list[tuple[float, str]] = []
    if days <= 20:
        moment = first.replace(hour=0, minute=0, second=0, microsecond=0)
        step = datetime.timedelta(days=1)
        while moment.timestamp() <= end:
            ticks.append((moment.timestamp(), f"{moment.day} {MONTHS[moment.month - 1]}"))
            moment += step
    elif days <= 150:
        moment = first.replace(hour=0, minute=0, second=0, microsecond=0)
        moment -= datetime.timedelta(days=moment.weekday())
        while moment.timestamp() <= end:
            ticks.append((moment.timestamp(), f"{moment.day} {MONTHS[moment.month - 1]}"))
            moment += datetime.timedelta(days=7)
    elif days <= 1100:
        year, month = first.year, first.month
        while True:
            moment = datetime.datetime(year, month, 1, tzinfo=datetime.UTC)
            if moment.timestamp() > end:
                break
            label = MONTHS[month - 1] + (f" {year}" if month == 1 or not ticks else "")
            ticks.append((moment.timestamp(), label))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        for year in range(first.year, _utc(end).year + 1):
            moment = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
            ticks.append((moment.timestamp(), str(year)))
    ticks = [(t, label) for t, label in ticks if start <= t <= end]
    stride = max(1, -(-len(ticks) // 14))
    return ticks[::stride]


def _primary(rows: Sequence[Running], app: str | None) -> Running | None:
    """The container that stands for an app: the one named like it, else the first."""
    mine = [r for r in rows if r.app == app]
    for running in mine:
        if running.container == app:
            return running
    return mine[0] if mine else None


@dataclass(frozen=True, slots=True)
class _Marker:
    """One event on a timeline: shape and colour by change kind, a ring when flagged."""

    classes: str
    tooltip: str
    shape: Literal["triangle", "square", "circle"]
    cx: str  # the centre
    cy: str
    points: str  # the triangle's corners
    corner_x: str  # the square's top left corner
    corner_y: str
    size: str  # the circle's radius or the square's side
    ring: str  # the radius of a flagged change's ring; empty when not flagged
    label: _Text | None  # the version, above or below the marker


def _marker(event: AuditEvent, x: float, y: float, label: _Text | None) -> _Marker:
    kind = event.change if event.change in KINDS else "other"
    classes = f"mk k-{kind}"
    if event.rollback:
        classes += " rollback"
    if event.findings:
        classes += " flagged"
    size = 1.0
    lines = [
        f"{_when(event.time)} · {event.app or DASH} in {event.environment or DASH}",
        f"{event.image} {event.from_version or '∅'} → {event.to_version or '∅'}",
        f"{event.change}{' (rollback)' if event.rollback else ''}"
        f" by {event.author}{' (bot)' if event.bot else ''}"
        f"{f' via PR #{event.pr}' if event.pr else ''}",
        f"commit {event.commit[:12]}: {event.subject}",
    ]
    if event.promoted_from is not None:
        lines.append(f"promoted from {event.promoted_from}")
    lines += [f"{f.rule}: {f.message}" for f in event.findings]
    shape: Literal["triangle", "square", "circle"]
    points = corner_x = corner_y = ""
    if event.change == "downgrade" or event.rollback:
        # A downward triangle: the version went back.
        shape = "triangle"
        w, h = 7 * size, 6.5 * size
        points = f"{x - w:.1f},{y - h:.1f} {x + w:.1f},{y - h:.1f} {x:.1f},{y + h:.1f}"
        extent = ""
    elif event.change == "removed":
        shape = "square"
        side = 10 * size
        corner_x, corner_y, extent = _f1(x - side / 2), _f1(y - side / 2), f"{side:g}"
    else:
        shape = "circle"
        extent = f"{6 * size:g}"
    return _Marker(
        classes=classes,
        tooltip="\n".join(lines),
        shape=shape,
        cx=_f1(x),
        cy=_f1(y),
        points=points,
        corner_x=corner_x,
        corner_y=corner_y,
        size=extent,
        ring=f"{10.5 * size:g}" if event.findings else "",
        label=label,
    )


@dataclass(frozen=True, slots=True)
class _Bin:
    """A crowded lane's changes of one day, week or month (UTC), drawn as one bar: its
    height grows with the count, its tooltip has the figures, it links to its events."""

    classes: str
    start: str  # its first UTC day (the page's script lists its changes from it on click)
    count: int
    tooltip: str
    bar: _Rect
    rollback: str  # the corners of a rollback's triangle above the bar; empty when none


Unit = Literal["day", "week", "month"]
UNIT_SECONDS: dict[Unit, float] = {"day": 86400.0, "week": 604800.0, "month": 2629746.0}


def _bin_unit(bounds: tuple[float, float], usable: float) -> Unit:
    """Days, else weeks, else months: the first whose bars are ``BIN_WIDTH`` wide."""
    span = bounds[1] - bounds[0]
    for unit in ("day", "week"):
        if usable * UNIT_SECONDS[unit] / span >= BIN_WIDTH:
            return unit
    return "month"


def _bin_start(moment: datetime.datetime, unit: Unit) -> datetime.date:
    """The first UTC day of the bin holding ``moment``."""
    day = moment.astimezone(datetime.UTC).date()
    if unit == "week":
        return day - datetime.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _bin_end(start: datetime.date, unit: Unit) -> datetime.date:
    """The first UTC day after the bin starting on ``start``."""
    if unit == "day":
        return start + datetime.timedelta(days=1)
    if unit == "week":
        return start + datetime.timedelta(days=7)
    return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _bin_name(start: datetime.date, unit: Unit) -> str:
    month = MONTHS[start.month - 1]
    if unit == "day":
        return f"{start.day} {month} {start.year}"
    if unit == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d} (from {start.day} {month})"
    return f"{month} {start.year}"


def _bins(lane: Sequence[AuditEvent], unit: Unit) -> list[tuple[datetime.date, list[AuditEvent]]]:
    """A lane's events by bin, oldest first (only bins that hold events)."""
    grouped: dict[datetime.date, list[AuditEvent]] = {}
    for event in lane:
        grouped.setdefault(_bin_start(event.time, unit), []).append(event)
    return sorted(grouped.items())


def _bin_tooltip(start: datetime.date, unit: Unit, where: str, events: Sequence[AuditEvent]) -> str:
    kinds = Counter(e.change for e in events)
    ordered = sorted(kinds, key=lambda k: (k not in KINDS, KINDS.index(k) if k in KINDS else 0, k))
    rollbacks = sum(e.rollback for e in events)
    flagged = [e for e in events if e.findings]
    rules = sorted({f.rule for e in flagged for f in e.findings})
    lines = [
        f"{_bin_name(start, unit)} UTC · {where}",
        f"{_counted(len(events), 'change')}: " + ", ".join(f"{kinds[k]} {k}" for k in ordered),
        f"{events[0].from_version or '∅'} → {events[-1].to_version or '∅'}",
    ]
    if rollbacks:
        lines.append(_counted(rollbacks, "rollback"))
    if flagged:
        lines.append(f"{len(flagged)} with findings: {', '.join(rules)}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Lane:
    """One app's row of a timeline: its name, its line, what runs now, its changes (a
    marker each, or bars of a day, week or month when the lane is crowded)."""

    name: _Text  # the app, cut to its room (the whole name in its title)
    line: _Line
    now: _Text | None  # the version running at the end, the containers' in its title
    markers: list[_Marker]
    bins: list[_Bin]
    app: str  # what a click on a bar filters the events table by ("": it cannot)


@dataclass(frozen=True, slots=True)
class _Timeline:
    """One environment's promotions: time on x, one lane per app, one marker per change."""

    environment: str
    colour: str
    width: int
    height: int
    edge: _Rect  # the environment's colour down the left side
    bands: list[_Rect]
    ticks: list[tuple[_Line, _Text]]
    axis: _Line
    now: _Text  # the heading of the "what runs now" column
    lanes: list[_Lane]
    unit: Unit  # what a crowded lane's bars count
    peak: int  # the most changes in one bar (0: no lane is crowded)


@dataclass(frozen=True)
class _Layout:
    """What every timeline shares, so their time axes line up: the period, its ticks, the
    left gutter (as wide as the longest app name needs, within limits) and the bar unit."""

    bounds: tuple[float, float]
    ticks: Sequence[tuple[float, str]]
    left: int
    unit: Unit


TIMELINE_WIDTH, TIMELINE_RIGHT = 1000, 120


def _layout(audit: Audit, bounds: tuple[float, float]) -> _Layout:
    names = {e.app or DASH for e in audit.events} | {r.app or DASH for r in audit.state}
    longest = max((len(name) for name in names), default=1)
    left = int(min(max(120, longest * CHARACTER_WIDTH + 22), 260))
    usable = TIMELINE_WIDTH - TIMELINE_RIGHT - left
    return _Layout(bounds, _ticks(*bounds), left, _bin_unit(bounds, usable))


def _timeline(
    environment: str,
    colour: str,
    events: Sequence[AuditEvent],
    state: Sequence[Running],
    layout: _Layout,
) -> _Timeline:
    width, right_gutter, top, lane_height, axis = TIMELINE_WIDTH, TIMELINE_RIGHT, 14, 46, 26
    left = layout.left
    apps = sorted({e.app or "" for e in events} | {r.app or "" for r in state})
    if not apps:
        apps = [""]
    height = top + lane_height * len(apps) + axis
    scale = _Scale(layout.bounds[0], layout.bounds[1], left, width - right_gutter)
    bottom = top + lane_height * len(apps)
    right = width - right_gutter
    bands = [
        _Rect(10, top + index * lane_height, width - 10, lane_height)
        for index in range(0, len(apps), 2)
    ]
    grid = []
    for moment, label in layout.ticks:
        at = _f1(scale.x(_utc(moment)))
        grid.append((_Line(at, top, at, bottom), _Text(at, bottom + 16, label)))
    by_lane: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        by_lane[event.app or ""].append(event)
    binned = {
        app: _bins(lane, layout.unit)
        for app, lane in by_lane.items()
        if len(lane) > LABELLED_LANE_EVENTS
    }
    peak = max((len(b) for bins in binned.values() for _, b in bins), default=0)
    lanes = []
    for index, app in enumerate(apps):
        y = top + index * lane_height + lane_height / 2 + 1
        primary = _primary(state, app or None)
        now = None
        if primary is not None:
            running = "\n".join(
                f"{r.container}: {r.reference} since {_when(r.since)}"
                for r in state
                if (r.app or "") == app
            )
            shown, _cut = _fit(primary.version or primary.reference, right_gutter - 14)
            now = _Text(right + 10, _f1(y + 4), shown, running)
        lane = by_lane.get(app, [])
        markers: list[_Marker] = []
        bins: list[_Bin] = []
        if app in binned:
            where = f"{app or DASH} in {environment}"
            for start, members in binned[app]:
                bins.append(_bin(start, members, layout.unit, scale, y, where, peak))
        else:
            markers = _lane_markers(lane, primary, scale, y)
        name, full = _fit(app or DASH, left - 20)
        lanes.append(
            _Lane(
                _Text(left - 12, _f1(y + 4), name, full),
                _Line(left, _f1(y), right, _f1(y)),
                now,
                markers,
                bins,
                app,
            )
        )
    return _Timeline(
        environment,
        colour,
        width,
        height,
        _Rect(0, top - 10, 4, bottom - top + 10),
        bands,
        grid,
        _Line(left, bottom, right, bottom),
        _Text(right + 10, top - 2, "now"),
        lanes,
        layout.unit,
        peak,
    )


def _lane_markers(
    lane: Sequence[AuditEvent], primary: Running | None, scale: _Scale, y: float
) -> list[_Marker]:
    """A marker per change of a lane that is not crowded, labelled where there is room."""
    markers = []
    last_x, last_time = -1e9, None
    label_ends = [-1e9, -1e9]  # right edge of the last label above and below the lane
    for event in lane:
        x = scale.x(event.time)
        # Changes of one instant (one commit, two containers) sit side by side.
        if event.time == last_time:
            x = last_x + 9
        last_x, last_time = x, event.time
        placed = None
        label = event.to_version or "∅"
        if primary is not None and event.container not in (None, primary.container):
            label = f"{event.container}: {label}"
        # Above the marker if there is room, else below; else the tooltip has it.
        half = len(label) * 3.1
        ring = 4 if event.findings else 0  # keep clear of the finding's ring
        for side, offset in ((0, -11 - ring), (1, 19 + ring)):
            if x - half > label_ends[side] + 6:
                placed = _Text(_f1(x), _f1(y + offset), label)
                label_ends[side] = x + half
                break
        markers.append(_marker(event, x, y, placed))
    return markers


def _bin(
    start: datetime.date,
    members: Sequence[AuditEvent],
    unit: Unit,
    scale: _Scale,
    y: float,
    where: str,
    peak: int,
) -> _Bin:
    end = _bin_end(start, unit)
    moment = datetime.datetime.combine(start, datetime.time(), datetime.UTC)
    after = datetime.datetime.combine(end, datetime.time(), datetime.UTC)
    x0 = max(scale.x(moment), scale.left)
    x1 = min(scale.x(after), scale.right)
    gap = 1.0 if x1 - x0 > 3 else 0.0
    height = 4 + 30 * math.sqrt(len(members) / peak)
    classes = "bin"
    rollback = ""
    if any(e.rollback for e in members):
        classes += " rollback"
        middle, top = (x0 + x1) / 2, y - height / 2 - 2
        rollback = (
            f"{middle - 4:.1f},{top - 6:.1f} {middle + 4:.1f},{top - 6:.1f} {middle:.1f},{top:.1f}"
        )
    if any(e.findings for e in members):
        classes += " flagged"
    return _Bin(
        classes,
        start.isoformat(),
        len(members),
        _bin_tooltip(start, unit, where, members),
        _Rect(_f1(x0), _f1(y - height / 2), _f1(max(x1 - x0 - gap, 1.0)), _f1(height)),
        rollback,
    )


@dataclass(frozen=True, slots=True)
class _TimelineFigure:
    environment: str
    changes: int
    rollbacks: int
    flagged: int
    chart: _Timeline


def _timelines(
    audit: Audit, envs: Sequence[str], colours: Mapping[str, str], bounds: tuple[float, float]
) -> Iterator[_TimelineFigure]:
    """One figure per environment, drawn as the page reaches it."""
    layout = _layout(audit, bounds)
    for env in envs:
        events = [e for e in audit.events if e.environment == env and not e.initial]
        state = [r for r in audit.state if r.environment == env]
        chart = _timeline(env, colours.get(env, PALETTE[0]), events, state, layout)
        rollbacks = sum(e.rollback for e in events)
        flagged = sum(bool(e.findings) for e in events)
        yield _TimelineFigure(env, len(events), rollbacks, flagged, chart)


def _nice_step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most six ticks."""
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


@dataclass(frozen=True, slots=True)
class _LeadRow:
    """One environment's bars: p90 (light) behind median (dark), or a note without data."""

    name: _Text
    colour: str
    note: _Text | None
    p90: _Rect | None
    median: _Rect | None
    figures: _Text | None  # where "median … · p90 … · n=…" goes
    median_hours: str
    p90_hours: str
    count: int


@dataclass(frozen=True, slots=True)
class _LeadChart:
    width: int
    height: int
    grid: list[tuple[_Line, _Text]]
    rows: list[_LeadRow]


def _lead_chart(metrics: Metrics, colours: Mapping[str, str]) -> _LeadChart | None:
    """Median and p90 lead time per environment, as horizontal bars; None without data."""
    rows = []
    for group in metrics.environments:
        lead = group.summary()["lead_time_hours"]
        assert isinstance(lead, dict)
        rows.append((group.environment, lead["median"], lead["p90"], lead["count"]))
    measured = [r for r in rows if r[3]]
    if not measured:
        return None
    width, left, right_gutter, row_height, top = 1000, 130, 230, 46, 8
    longest = max(float(r[2] or 0) for r in measured) or 1.0
    in_days = longest >= 72  # one unit along the whole axis
    unit = 24.0 if in_days else 1.0
    step = _nice_step(longest / unit) * unit
    peak = step * -(-longest // step)  # the axis ends on a round tick
    height = top + row_height * len(rows) + 22
    usable = width - left - right_gutter
    bottom = top + row_height * len(rows)
    grid = []
    for tick in range(round(peak / step) + 1):
        at = _f1(left + usable * (tick * step / peak))
        label = f"{tick * step / unit:g} {'d' if in_days else 'h'}"
        grid.append((_Line(at, top, at, bottom), _Text(at, bottom + 15, label)))
    bars = []
    for index, (env, median, p90, count) in enumerate(rows):
        y = top + index * row_height
        colour = colours.get(env, PALETTE[0])
        name = _Text(left - 12, y + 27, *_fit(env, left - 20))
        if not count:
            note = "origin of the lead time" if index == 0 else "no version reached it"
            bars.append(
                _LeadRow(name, colour, _Text(left + 6, y + 27, note), None, None, None, "", "", 0)
            )
            continue
        median_width = usable * float(median or 0) / peak
        p90_width = usable * float(p90 or 0) / peak
        median_hours, p90_hours = _hours(median), _hours(p90)
        bars.append(
            _LeadRow(
                name,
                colour,
                None,
                _Rect(left, y + 8, _f1(p90_width), 30, f"{env}: p90 {p90_hours}"),
                _Rect(left, y + 15, _f1(median_width), 16, f"{env}: median {median_hours}"),
                _Text(_f1(left + p90_width + 8), y + 27, ""),
                median_hours,
                p90_hours,
                int(count),
            )
        )
    return _LeadChart(width, height, grid, bars)


def _weeks(audit: Audit) -> list[str]:
    """Every ISO week of the period, in order, empty weeks included."""
    moments = [e.time for e in audit.events] + [m for m in (audit.start, audit.end) if m]
    if not moments:
        return []
    keys = {iso_week(m) for m in moments}
    day = min(m.date() for m in moments)
    last = max(m.date() for m in moments)
    while day <= last:
        keys.add(iso_week(datetime.datetime.combine(day, datetime.time())))
        day += datetime.timedelta(days=7)
    keys.add(iso_week(datetime.datetime.combine(last, datetime.time())))
    return sorted(keys)


@dataclass(frozen=True, slots=True)
class _WeekBar:
    week: str
    count: int
    bar: _Rect
    value: _Text | None  # the count above the bar, when there is room for numbers


@dataclass(frozen=True, slots=True)
class _Strip:
    environment: str
    colour: str
    name: _Text
    total: _Text
    axis: _Line
    bars: list[_WeekBar]


@dataclass(frozen=True, slots=True)
class _FrequencyChart:
    width: int
    height: int
    labels: list[_Text]
    scale: _Text | None  # what the tallest bar means, when the bars carry no numbers
    peak: int
    strips: list[_Strip]


def _frequency_chart(
    audit: Audit, environments: Sequence[str], colours: Mapping[str, str]
) -> _FrequencyChart | None:
    """Promotions per ISO week, one strip per environment on a shared scale."""
    weeks = _weeks(audit)
    counts: Counter[tuple[str, str]] = Counter(
        (e.environment, iso_week(e.time)) for e in audit.events if e.environment and is_promotion(e)
    )
    if not weeks or not counts:
        return None
    width, left, right_gutter, strip, top = 1000, 130, 20, 70, 14
    usable = width - left - right_gutter
    slot = usable / len(weeks)
    bar = max(1.0, slot * 0.7)
    peak = max(counts.values())
    height = top + strip * len(environments) + 30
    labels = []
    label_stride = max(1, -(-len(weeks) // 16))
    for index, week in enumerate(weeks):
        if index % label_stride == 0:
            x = left + slot * (index + 0.5)
            year_shown = index == 0 or week[:4] != weeks[index - label_stride][:4]
            label = week if year_shown else week[5:]
            labels.append(_Text(_f1(x), top + strip * len(environments) + 16, label))
    with_values = len(weeks) <= 30
    scale = None if with_values else _Text(width - right_gutter, top, "")
    strips = []
    for row, env in enumerate(environments):
        base = top + strip * (row + 1) - 8
        bars = []
        for index, week in enumerate(weeks):
            value = counts[(env, week)]
            if not value:
                continue
            bar_height = (strip - 24) * value / peak
            x = left + slot * index + (slot - bar) / 2
            rect = _Rect(_f1(x), _f1(base - bar_height), _f1(bar), _f1(bar_height))
            number = (
                _Text(_f1(x + bar / 2), _f1(base - bar_height - 3), str(value))
                if with_values
                else None
            )
            bars.append(_WeekBar(week, value, rect, number))
        strips.append(
            _Strip(
                env,
                colours.get(env, PALETTE[0]),
                _Text(left - 12, base - 22, *_fit(env, left - 20)),
                _Text(left - 12, base - 8, f"{sum(counts[(env, w)] for w in weeks)} total"),
                _Line(left, base, width - right_gutter, base),
                bars,
            )
        )
    return _FrequencyChart(width, height, labels, scale, peak, strips)


# --- the events' data block -------------------------------------------------------------

# In JSON text inside a <script> element, "<" could close it ("</script") or open a
# comment that changes how the HTML parser reads on ("<!--"); U+2028/U+2029 end a line for
# old JavaScript parsers; a lone surrogate cannot be written as UTF-8. JSON's own \u
# escape spells each of them, so the block stays one JSON text whatever a repository holds.
_NOT_IN_SCRIPT = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def script_json(value: object) -> Markup:
    """``value`` as JSON text that a ``<script type="application/json">`` element holds
    verbatim: no character sequence in it can end the element or change its parsing."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(_NOT_IN_SCRIPT.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


class _Strings:
    """Every string of the data block once, numbered in order of first use (0 is "")."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {"": 0}

    def __call__(self, text: str | None) -> int:
        if not text:
            return 0
        number = self.numbers.get(text)
        if number is None:
            number = self.numbers[text] = len(self.numbers)
        return number

    def table(self) -> list[str]:
        return list(self.numbers)


_HEX_SHA = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")


def event_data(events: Sequence[AuditEvent], zoned: bool) -> dict[str, Any]:
    """Every event as the events table shows it, in columns, for the page's script.

    Consecutive events of one commit share its fields (a run: sha, time, zone, subject,
    who, PR); strings are numbers into one table (the few environments, changes, apps and
    images first, so their numbers are short); times are seconds since the previous run,
    in the run's own offset; who is a number into the (author, e-mail, committer, bot)
    people; rollbacks, initial-layout events and findings are listed by event number.
    Commit ids that are all hexadecimal of one length travel as one base64 string (27
    characters for 40 hex digits). ``zoned``: the table prints each time's offset (the
    events have more than one). What the table does not show (containers, references,
    paths, trailers) is in the JSON and CSV reports.
    """
    strings = _Strings()
    for column in ("environment", "change", "app", "image"):
        for event in events:
            strings(getattr(event, column))
    zones: dict[str, int] = {}
    people: dict[tuple[str, str, str, bool], int] = {}
    shas: list[str] = []
    runs: dict[str, list[int]] = {key: [] for key in ("n", "t", "zone", "subject", "who", "pr")}
    columns: dict[str, list[int]] = {
        key: [] for key in ("env", "app", "image", "from", "to", "change")
    }
    rollback: list[int] = []
    initial: list[int] = []
    findings: list[list[int]] = []
    previous: tuple[object, ...] | None = None
    clock = 0
    for index, event in enumerate(events):
        moment = event.time
        offset = moment.utcoffset()
        local = int(moment.timestamp()) + (int(offset.total_seconds()) if offset else 0)
        who = (event.author, event.author_email, event.committer, event.bot)
        key = (event.commit, local, offset, event.subject, who, event.pr)
        if key == previous:
            runs["n"][-1] += 1
        else:
            previous = key
            runs["n"].append(1)
            shas.append(event.commit)
            runs["t"].append(local - clock)
            clock = local
            runs["zone"].append(zones.setdefault(moment.strftime("%z"), len(zones)))
            runs["subject"].append(strings(event.subject))
            runs["who"].append(people.setdefault(who, len(people)))
            runs["pr"].append(event.pr or 0)
        columns["env"].append(strings(event.environment))
        columns["app"].append(strings(event.app))
        columns["image"].append(strings(event.image))
        columns["from"].append(strings(event.from_version))
        columns["to"].append(strings(event.to_version))
        columns["change"].append(strings(event.change))
        if event.rollback:
            rollback.append(index)
        if event.initial:
            initial.append(index)
        for f in event.findings:
            findings.append([index, strings(f.rule), strings(_severity(f)), strings(f.message)])
    commits: dict[str, Any] = {"hex": shas}
    if shas and len({len(sha) for sha in shas}) == 1 and all(map(_HEX_SHA.match, shas)):
        packed = base64.b64encode(bytes.fromhex("".join(shas))).decode("ascii")
        commits = {"bytes": len(shas[0]) // 2, "base64": packed}
    who_is = [
        [strings(author), strings(email), strings(committer), int(bot)]
        for author, email, committer, bot in people
    ]
    return {
        "zoned": zoned,
        "kinds": list(KINDS),
        "zones": [[zone, _offset_seconds(zone)] for zone in zones],
        "strings": strings.table(),
        "people": who_is,
        "commits": commits,
        "runs": runs,
        "events": columns,
        "rollback": rollback,
        "initial": initial,
        "findings": findings,
    }


def _offset_seconds(zone: str) -> int:
    """``+0130`` → 5400 (what ``%z`` printed: sign, hours, minutes, maybe seconds)."""
    digits = zone[1:].ljust(6, "0")
    seconds = int(digits[:2]) * 3600 + int(digits[2:4]) * 60 + int(digits[4:6])
    return -seconds if zone.startswith("-") else seconds


# --- the sections' rows -----------------------------------------------------------------


def _environments(audit: Audit, metrics: Metrics) -> list[str]:
    """Environments in promotion order, then any other that appears, by name."""
    ordered = [g.environment for g in metrics.environments]
    seen = set(ordered)
    extra = {e.environment for e in audit.events if e.environment} | {
        r.environment for r in audit.state if r.environment
    }
    return ordered + sorted(extra - seen)


def _now_list(audit: Audit, environments: Sequence[str]) -> list[tuple[str, list[Running]]]:
    """The header's answer to "what runs where now": per environment, one container per app."""
    lines = []
    for env in environments:
        rows = [r for r in audit.state if r.environment == env]
        primaries = [_primary(rows, app or None) for app in sorted({r.app or "" for r in rows})]
        lines.append((env, [p for p in primaries if p is not None]))
    return lines


@dataclass(frozen=True, slots=True)
class _Flag:
    """One line of the header's "needs attention" list."""

    kind: Literal["undo", "finding", "initial"]
    what: str  # "Rollback", "Unmarked downgrade", or the rules found
    event: AuditEvent | None
    incident: str = ""  # the rollback trailer's value
    count: int = 0  # findings on the initial layout


def _attention(audit: Audit) -> list[_Flag]:
    """Rollbacks, downgrades and findings on promotions: what an auditor asks about first."""
    items = []
    for event in reversed(audit.events):  # newest first: the likeliest to be asked about
        if event.rollback or event.change == "downgrade":
            kind = "Rollback" if event.rollback else "Unmarked downgrade"
            incident = _trailers(event).get(_trailer_key(audit).lower(), "")
            items.append(_Flag("undo", kind, event, incident))
        elif event.findings and not event.initial:
            rules_found = ", ".join(sorted({f.rule for f in event.findings}))
            items.append(_Flag("finding", rules_found, event))
    initial_findings = sum(len(e.findings) for e in audit.events if e.initial)
    if initial_findings:
        items.append(_Flag("initial", "", None, count=initial_findings))
    return items


def _trailer_key(audit: Audit) -> str:
    return str(audit.policy.rollback_trailer)


def _tiles(audit: Audit, metrics: Metrics, findings: int) -> list[tuple[str, str, bool]]:
    """The header's figures: value, label, and whether it calls for attention."""
    promotions = [e for e in audit.events if is_promotion(e)]
    rollbacks = sum(e.rollback for e in promotions)
    unmarked = sum(e.change == "downgrade" and not e.rollback for e in promotions)
    share = metrics.automated_share
    return [
        (str(len(promotions)), "promotions", False),
        (
            f"{len(promotions) / metrics.weeks:.1f}" if metrics.weeks else DASH,
            "promotions / week",
            False,
        ),
        (str(rollbacks), "rollbacks", rollbacks > 0),
        (str(unmarked), "unmarked downgrades", unmarked > 0),
        (str(findings), "policy findings", findings > 0),
        (DASH if share is None else f"{share:.0%}", "automated", False),
    ]


@dataclass(frozen=True, slots=True)
class _StateRow:
    """What runs now for one app and container: a cell per environment (None: not there)."""

    app: str
    container: str
    image: str
    cells: list[tuple[Running, bool] | None]  # the running version, and whether it drifts


def _state(audit: Audit, envs: Sequence[str]) -> tuple[list[str], list[_StateRow]]:
    """What runs now as a matrix (rows: app and container, columns: environments)."""
    cells: dict[tuple[str, str, str], dict[str, Running]] = defaultdict(dict)
    for running in audit.state:
        if running.environment is not None:
            key = (running.app or "", running.container or "", running.image)
            cells[key][running.environment] = running
    shown_envs = [env for env in envs if any(env in row for row in cells.values())]
    rows = []
    for (app, container, image), by_env in sorted(cells.items()):
        reference = next((by_env[e] for e in reversed(shown_envs) if e in by_env), None)
        row: list[tuple[Running, bool] | None] = []
        for env in shown_envs:
            cell = by_env.get(env)
            if cell is None:
                row.append(None)
                continue
            row.append((cell, reference is not None and cell.version != reference.version))
        rows.append(_StateRow(app, container, image, row))
    return shown_envs, rows


@dataclass(frozen=True, slots=True)
class _Undo:
    """A rollback or downgrade, with the change of the same target it undid (if any)."""

    event: AuditEvent
    undone: AuditEvent | None
    incident: str  # the rollback trailer's value
    hours: float  # since the undone change


def _undos(audit: Audit) -> Iterator[_Undo]:
    """Each rollback and downgrade with the change it undid: the first questions of a review."""
    previous: dict[tuple[str | None, str | None, str | None], AuditEvent] = {}
    key_name = _trailer_key(audit).lower()
    for event in audit.events:
        target = (event.app, event.environment, event.container)
        undone = previous.get(target)
        previous[target] = event
        if not (event.rollback or event.change == "downgrade"):
            continue
        incident = _trailers(event).get(key_name, "") if event.rollback else ""
        hours = 0.0 if undone is None else (event.time - undone.time).total_seconds() / 3600
        yield _Undo(event, undone, incident, hours)


@dataclass(frozen=True, slots=True)
class _Findings:
    """The findings section: a chip per rule, the weekly counts, the rule names."""

    chips: list[tuple[str, str, int, bool]]  # rule, name, count, any error among them
    weekly: str
    names: dict[str, str]


def _findings(audit: Audit, metrics: Metrics) -> _Findings | None:
    counts: Counter[str] = Counter(f.rule for e in audit.events for f in e.findings)
    if not counts:
        return None
    names: dict[str, str] = {}
    for rule_id in counts:
        module = registry.find(rule_id)
        names[rule_id] = str(module.NAME) if module is not None else ""
    # A rule's chip is as severe as the worst of its findings.
    errors = {f.rule for e in audit.events for f in e.findings if f.severity != Severity.WARNING}
    chips = [
        (rule, names[rule], n, rule in errors)
        for rule, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    weekly = " · ".join(
        f"{week}: " + ", ".join(_counted(n, severity) for severity, n in sorted(c.items()))
        for week, c in metrics.findings_per_week.items()
    )
    return _Findings(chips, weekly, names)


@dataclass(frozen=True, slots=True)
class _EventsTable:
    """The events table: its time column, the values its filters offer, its first page
    (what the page shows without script) and every event as the data its script pages."""

    time_label: str
    time_format: str
    apps: list[str]
    kinds: list[str]
    any_rollback: bool
    first_page: Sequence[AuditEvent]
    data: Markup  # the JSON of the #events-data block, escaped for a script element


def _events_table(audit: Audit) -> _EventsTable:
    # One offset for every event (the usual case) goes in the header, not in each row.
    offsets = {e.time.strftime("%z") for e in audit.events}
    offset = offsets.pop() if len(offsets) == 1 else None
    kinds = sorted(
        {e.change for e in audit.events},
        key=lambda k: (k not in KINDS, KINDS.index(k) if k in KINDS else 0, k),
    )
    return _EventsTable(
        "Time" if offset is None else f"Time ({'UTC' if offset == '+0000' else offset})",
        "%Y-%m-%d %H:%M" if offset is not None else "%Y-%m-%d %H:%M %z",
        sorted({e.app for e in audit.events if e.app}),
        kinds,
        any(e.rollback for e in audit.events),
        audit.events[:PAGE_ROWS],
        script_json(event_data(audit.events, zoned=offset is None)),
    )


@dataclass(frozen=True, slots=True)
class _WaitingRow:
    """One promotion of the plan as the section lays it out: the words are `plan`'s own
    (``formats.plan.shared``), the figures the plan's row."""

    app: str
    container: str  # empty when named like the app
    environment: str
    from_environment: str
    image: str
    running: str
    running_reference: str
    candidate: str
    candidate_reference: str
    change: str
    in_from: str  # how long the candidate has run in the from environment, without a break
    since: str  # since when
    soak_left: str
    soak_over: str  # when the soak is over (only while some is left)
    verdict: str  # ready or blocked
    supply: str  # the supply-chain gates' word (passed, not checked, failed); empty: none
    rules: list[str]  # the rules that block it
    blockers: list[Reason]
    warnings: list[Reason]
    frozen: str  # "reason, until …" while the environment is frozen
    next: str  # the newer version further up the chain, and its verdict straight here
    next_reasons: list[Reason]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class _Waiting:
    """The "Waiting to be promoted" section: the plan of the report's head."""

    now: str
    head: str
    summary: str
    offline: bool
    bot_limits: str
    rows: list[_WaitingRow]
    skipped: str  # why the report has no plan (empty: it has one)
    planned: bool = False  # some environment has a from: and deploys an image


def _waiting_row(row: PlanRow) -> _WaitingRow:
    from gitops_guard.formats.plan.shared import (
        frozen_until,
        residence,
        soak_left,
        supply_cell,
        verdict,
    )

    up = row.upstream
    frozen = ""
    if row.frozen_until is not None:
        frozen = f"{row.frozen_reason or 'frozen'}, until {frozen_until(row)}"
    return _WaitingRow(
        app=row.app or DASH,
        container=row.container if row.container and row.container != row.app else "",
        environment=row.environment,
        from_environment=row.from_environment,
        image=row.image,
        running=row.running_display or "∅",
        running_reference=row.running_reference or "",
        candidate=row.candidate_display or row.candidate or "∅",
        candidate_reference=row.candidate_reference or "",
        change=row.change,
        in_from=residence(row) or DASH,
        since=_when(row.residence_since) if row.residence_since else "",
        soak_left=soak_left(row) or DASH,
        soak_over=_when(row.ready_at) if row.ready_at is not None and row.soak_left else "",
        verdict=row.verdict,
        supply="" if row.supply_chain == "not asked" else supply_cell(row),
        rules=row.rules,
        blockers=list(row.blockers),
        warnings=list(row.warnings),
        frozen=frozen,
        next=(
            f"{up.from_environment} runs {up.candidate_display or up.candidate}, not yet in "
            f"{row.from_environment}; straight to {row.environment}: {verdict(up)}"
            if up is not None
            else ""
        ),
        next_reasons=list(up.blockers) if up is not None else [],
        notes=list(row.notes),
    )


def _waiting(plan: Plan | None, skipped: str | None) -> _Waiting | None:
    """The section's rows: what `plan` lists (up to date and no candidate are counted)."""
    if plan is None:
        return None if skipped is None else _Waiting("", "", "", False, "", [], skipped)
    from gitops_guard.audit.plan import BLOCKED, NO_CANDIDATE, READY, UP_TO_DATE
    from gitops_guard.formats.plan.shared import bot_limits, gated, shown, summary

    rows = shown(plan.rows, False)
    counts = (plan.count(READY), plan.count(BLOCKED), plan.count(UP_TO_DATE))
    return _Waiting(
        now=_when(plan.now),
        head=plan.head,
        # "--all" is the command's option; the page has no such switch.
        summary=summary(*counts, plan.count(NO_CANDIDATE), True),
        # Said where a gate applies to a row (elsewhere no gate was asked, as plan says).
        offline=plan.offline and gated(rows),
        bot_limits=bot_limits(rows) or "",
        rows=[_waiting_row(row) for row in rows],
        skipped="",
        planned=bool(plan.rows),
    )


def _context(
    audit: Audit, metrics: Metrics, plan: Plan | None = None, skipped: str | None = None
) -> dict[str, Any]:
    """What the page template is given. The timelines and the rollbacks are generators:
    they are drawn when the rendering reaches them."""
    data = summary(audit, metrics)
    envs = _environments(audit, metrics)
    colours = {env: PALETTE[i % len(PALETTE)] for i, env in enumerate(envs)}
    title = (
        f"Promotion audit · {_day(audit.start)} – {_day(audit.end)} · {audit.head[:12]}"
        if audit.start
        else f"Promotion audit · {audit.head[:12]}"
    )
    bounds = _period_bounds(audit)
    state_envs, state_rows = _state(audit, envs)
    assets = _assets()
    return {
        "audit": audit,
        "metrics": metrics,
        "tool": data["tool"],
        "title": title,
        "style": assets.style,
        "script": assets.script,
        "csp": assets.csp,
        "envs": envs,
        "tiles": _tiles(audit, metrics, int(data["findings"])),
        "now_list": _now_list(audit, envs),
        "attention": _attention(audit),
        "attention_items": ATTENTION_ITEMS,
        "trailer_key": _trailer_key(audit),
        "state_envs": state_envs,
        "state_rows": state_rows,
        "timelines": None if bounds is None else _timelines(audit, envs, colours, bounds),
        "lead_chart": _lead_chart(metrics, colours),
        "frequency_chart": _frequency_chart(
            audit, [g.environment for g in metrics.environments], colours
        ),
        "metric_header": METRIC_HEADER,
        "metric_rows": {  # cell for cell the Markdown report's
            "By environment": [group_row(group) for group in metrics.environments],
            "By app": [group_row(group) for group in metrics.apps],
        },
        "events_table": _events_table(audit),
        "page_rows": PAGE_ROWS,
        "labelled_lane_events": LABELLED_LANE_EVENTS,
        "undos": _undos(audit),
        "findings": _findings(audit, metrics),
        "waiting": _waiting(plan, skipped),
    }


def chunks(
    audit: Audit, metrics: Metrics, plan: Plan | None = None, skipped: str | None = None
) -> Iterator[str]:
    """The HTML report in pieces (tens of kilobytes each), as the template renders; with
    ``plan``, what waits to be promoted (``skipped``: why a report that asked has none)."""
    template = _environment().get_template("report.html.j2")
    pieces = template.generate(_context(audit, metrics, plan, skipped))
    while batch := list(itertools.islice(pieces, PIECES)):
        yield "".join(batch)


def render(
    audit: Audit, metrics: Metrics, plan: Plan | None = None, skipped: str | None = None
) -> str:
    """The HTML report: one self-contained page, deterministic for one plan moment."""
    return "".join(chunks(audit, metrics, plan, skipped))
