"""`report --format html`: one self-contained page an auditor can archive and open years later.

Everything is inline: the CSS, the SVG charts (drawn here, in Python) and a short vanilla
script that only adds sorting and filtering to the events table; the page reads fully
without it. Nothing is fetched: a Content-Security-Policy forbids every request and lets
only this page's own style and script run (pinned by hash), so even text that slipped past
escaping could not execute. Text from repositories (commit subjects, authors, image names,
messages, even app and environment names) is hostile: all of it goes through
``html.escape``. The output depends only on the audit — no clock, no randomness, sorted
sets — so two runs over the same history give the same bytes.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    Running,
)
from gitops_guard.audit.metrics import (
    Group,
    Metrics,
    is_promotion,
    iso_week,
)
from gitops_guard.formats.report.data import summary
from gitops_guard.formats.report.markdown import (
    METRIC_HEADER,
    group_row,
)
from gitops_guard.model import Severity
from gitops_guard.rules import registry

# Change kinds in the order the legend lists them; anything else is drawn as "other".
KINDS = ("new", "patch", "minor", "major", "digest", "tag", "downgrade", "removed")
# Environment colours of the charts, by promotion order (repeats after six).
PALETTE = ("#2563eb", "#0d9488", "#7c3aed", "#db2777", "#ea580c", "#65a30d")
# Month names spelled here: strftime("%b") follows the locale, and the output must not.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DASH = "–"
INITIAL_BADGE = ' <span class="badge initial">initial layout</span>'
# Above this many events in one lane, version labels would only overlap: tooltips remain.
LABELLED_LANE_EVENTS = 40
# How many rollbacks and findings the header's "needs attention" list names before "more".
ATTENTION_ITEMS = 8

STYLE = """
:root{--ink:#0f172a;--text:#1e293b;--muted:#64748b;--line:#e2e8f0;--soft:#f8fafc;
--accent:#1d4ed8;--bad:#b91c1c;--warn:#b45309;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f1f5f9;color:var(--text);
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:12px}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.wrap{max-width:1320px;margin:0 auto;padding:0 24px}
header.top{background:#0f172a;color:#cbd5e1;padding:26px 0 22px}
header.top h1{margin:0;color:#fff;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .meta{margin:4px 0 0;font-size:13px;color:#94a3b8}
header.top .meta code{color:#e2e8f0}
header.top a{color:#93c5fd}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;
margin:18px 0 0}
.tile{background:rgba(255,255,255,.05);border:1px solid rgba(255,255,255,.12);border-radius:8px;
padding:8px 14px}
.tile b{display:block;color:#fff;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.tile span{font-size:12.5px;color:#94a3b8}
.tile.alert b{color:#fca5a5}
.glance{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:14px;margin-top:14px}
.panel{background:rgba(255,255,255,.05);border:1px solid rgba(255,255,255,.12);border-radius:8px;
padding:12px 16px}
.panel h2{margin:0 0 6px;color:#fff;font-size:13px;font-weight:600;text-transform:uppercase;
letter-spacing:.05em}
dl.now{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
dl.now dt{font-weight:600;color:#fff}
dl.now dd{margin:0;color:#e2e8f0}
dl.now .v{color:#fff;font-weight:600}
ul.attention{margin:0;padding-left:18px}
ul.attention li{margin:2px 0}
ul.attention .none{color:#86efac}
nav.toc{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:2px 18px;padding-top:8px;padding-bottom:8px;
font-size:13px}
main{padding-bottom:40px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;
margin-top:18px}
section h2{margin:0 0 2px;font-size:18px;color:var(--ink)}
section h3{margin:18px 0 6px;font-size:15px;color:var(--ink)}
p.lead{margin:0 0 12px;color:var(--muted)}
.muted{color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);color:#334155;font-weight:600;white-space:nowrap}
tbody tr:hover{background:#f8fafc}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.ver{white-space:nowrap}
td.ver b{font-weight:600}
td.ver small{display:block;color:var(--muted);font-size:11.5px}
td.drift{background:#fef3c7}
.nowrap{white-space:nowrap}
.subj{display:block;color:var(--muted);font-size:12px;max-width:30em}
.badge{display:inline-block;padding:0 7px;border-radius:999px;font-size:11.5px;font-weight:600;
line-height:1.7;white-space:nowrap;background:#e2e8f0;color:#334155}
.badge.k-new{background:#cffafe;color:#155e75}
.badge.k-patch{background:#dcfce7;color:#166534}
.badge.k-minor{background:#dbeafe;color:#1e40af}
.badge.k-major{background:#ede9fe;color:#5b21b6}
.badge.k-digest{background:#e2e8f0;color:#334155}
.badge.k-tag{background:#fef3c7;color:#92400e}
.badge.k-downgrade{background:#ffedd5;color:#9a3412}
.badge.k-removed{background:#f1f5f9;color:#64748b}
.badge.rollback{background:#fee2e2;color:#991b1b}
.badge.bot{background:#f1f5f9;color:#475569;font-weight:500}
.badge.initial{background:#f1f5f9;color:#64748b;font-weight:500}
.badge.sev-error{background:#fee2e2;color:#991b1b}
.badge.sev-warning{background:#fef3c7;color:#92400e}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:0 0 8px;font-size:12px;color:var(--muted)}
.legend svg{display:inline-block;width:16px;height:16px;vertical-align:-3px;margin-right:4px}
figure{margin:6px 0 14px}
figure figcaption{font-weight:600;color:var(--ink);margin:0 0 2px}
svg.chart{display:block;width:100%;height:auto}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#475569}
svg .lane-name{font-size:12px;font-weight:600;fill:#0f172a}
svg .vl{font-size:10.5px;fill:#334155}
svg .now-v{font-size:12px;font-weight:600;fill:#0f172a}
svg .lane{stroke:#cbd5e1;stroke-width:1}
svg .band{fill:#f8fafc}
svg .grid{stroke:#e2e8f0;stroke-width:1}
svg .axis{stroke:#94a3b8;stroke-width:1}
svg .k-new{fill:#0891b2}
svg .k-patch{fill:#16a34a}
svg .k-minor{fill:#2563eb}
svg .k-major{fill:#7c3aed}
svg .k-digest{fill:#64748b}
svg .k-tag{fill:#d97706}
svg .k-downgrade{fill:#ea580c}
svg .k-removed{fill:#94a3b8}
svg .k-other{fill:#475569}
svg .rollback{fill:#dc2626}
svg .mk circle,svg .mk polygon,svg .mk rect{stroke:#fff;stroke-width:1.5}
svg .mk .ring{fill:none;stroke:#dc2626;stroke-width:2;stroke-dasharray:3 2}
svg .mk.small circle,svg .mk.small polygon,svg .mk.small rect{stroke-width:.5}
svg .mk.small .ring{stroke-width:1.5;stroke-dasharray:none}
svg .bar-p90{opacity:.35}
.controls{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin:0 0 10px}
.controls input[type=search]{min-width:260px}
.controls input,.controls select{font:inherit;font-size:13px;padding:4px 8px;
border:1px solid #cbd5e1;border-radius:6px;background:#fff;color:var(--text)}
.controls label{font-size:13px;color:#334155}
#event-count{margin-left:auto;color:var(--muted);font-size:13px}
.table-box{max-height:78vh;overflow:auto;border:1px solid var(--line);border-radius:8px}
.table-box thead th{position:sticky;top:0;z-index:1;box-shadow:inset 0 -1px 0 var(--line)}
.table-box th button{all:unset;cursor:pointer}
.table-box th button:focus-visible{outline:2px solid var(--accent)}
.table-box th[aria-sort=ascending] button::after{content:" \\25B2";font-size:9px}
.table-box th[aria-sort=descending] button::after{content:" \\25BC";font-size:9px}
ul.notes{margin:0;padding-left:20px}
table.metrics thead th{white-space:normal;vertical-align:bottom}
table.metrics td:first-child{white-space:nowrap}
#events td:nth-child(1),#events td:nth-child(5){white-space:nowrap}
#events td:nth-child(4){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",
monospace;font-size:12px}
#events td:nth-child(8){text-align:right;font-variant-numeric:tabular-nums}
#events .subj{min-width:14em}
table.findings td:nth-child(6){min-width:24em}

.tz{color:var(--muted);font-size:11px}
.rb{border-left:4px solid #dc2626;background:#fef2f2;border-radius:6px;padding:10px 14px;
margin:0 0 10px}
.rb.down{border-left-color:#ea580c;background:#fff7ed}
.rb p{margin:2px 0}
.rule-counts{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 10px}
footer{margin-top:18px;color:var(--muted);font-size:12px}
@page{size:A4 landscape;margin:12mm}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:11px}
header.top{background:#fff;color:var(--text);padding:0 0 8px;border-bottom:2px solid var(--ink)}
header.top h1,header.top .meta code,.tile b,.panel h2{color:var(--ink)}
dl.now dt,dl.now dd,dl.now .v{color:var(--ink)}
.tile,.panel{background:#fff;border-color:var(--line)}
.wrap{max-width:none;padding:0}
nav.toc,.controls{display:none}
section{border:0;border-radius:0;padding:0;margin-top:14px}
.table-box{max-height:none;overflow:visible;border:0}
.table-box thead th{position:static}
thead{display:table-header-group}
tr,figure,.rb,.panel{break-inside:avoid}
h2,h3{break-after:avoid}
a{color:inherit}
}
"""

# The whole of the page's behaviour: sorting and filtering of the events table. It reads
# nothing but the DOM (no data is embedded in the script, so no string can break out of
# it), keeps the filter in the URL fragment (#filter:env=prod&sort=-time) so a filtered
# view can be bookmarked, and marks the table data-ready once wired.
SCRIPT = """
(() => {
  "use strict";
  const table = document.getElementById("events");
  const form = document.getElementById("event-filters");
  const count = document.getElementById("event-count");
  if (!table || !form || !count) return;
  const body = table.tBodies[0];
  const heads = Array.from(table.tHead.rows[0].cells);
  const columns = heads.map((th) => th.dataset.col);
  const rows = Array.from(body.rows);
  const haystack = rows.map((row) => row.textContent.toLowerCase());
  const field = (name) => form.elements.namedItem(name);
  const names = ["q", "env", "app", "change"];
  const flagged = field("flagged");
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  let sortColumn = 0;
  let sortDir = 1;

  function apply() {
    const needle = field("q").value.trim().toLowerCase();
    const env = field("env").value;
    const app = field("app").value;
    const change = field("change").value;
    let shown = 0;
    rows.forEach((row, i) => {
      const d = row.dataset;
      const ok = (!needle || haystack[i].includes(needle))
        && (!env || d.env === env)
        && (!app || d.app === app)
        && (!change || (change === "rollback" ? d.rb === "1" : d.change === change))
        && (!flagged.checked || d.f !== undefined);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + " of " + rows.length + " events shown";
  }

  // Rows come oldest first, so time sorts by the original index; PR by its number;
  // findings by how many; the rest by text, numbers inside compared as numbers.
  function key(row, i, type, column) {
    const cell = row.cells[column];
    if (type === "index") return i;
    if (type === "count") return cell.children.length;
    const text = cell.textContent.trim();
    if (type === "num") {
      const number = parseInt(text.replace(/[^0-9]+/g, ""), 10);
      return isNaN(number) ? -1 : number;
    }
    return text;
  }

  function sort(column, dir) {
    const type = heads[column].dataset.type || "text";
    // The original index breaks ties, so equal keys keep their time order.
    const keyed = rows.map((row, i) => [key(row, i, type, column), i, row]);
    keyed.sort((a, b) => (type === "text" ? collator.compare(a[0], b[0])
      : a[0] - b[0]) * dir || a[1] - b[1]);
    const fragment = document.createDocumentFragment();
    keyed.forEach((entry) => fragment.appendChild(entry[2]));
    body.appendChild(fragment);
    heads.forEach((th, i) => th.setAttribute("aria-sort",
      i === column ? (dir > 0 ? "ascending" : "descending") : "none"));
    sortColumn = column;
    sortDir = dir;
  }

  function save() {
    const params = new URLSearchParams();
    names.forEach((name) => { if (field(name).value) params.set(name, field(name).value); });
    if (flagged.checked) params.set("flagged", "1");
    if (sortColumn !== 0 || sortDir !== 1) {
      params.set("sort", (sortDir < 0 ? "-" : "") + columns[sortColumn]);
    }
    const query = params.toString();
    try {
      history.replaceState(null, "", query ? "#filter:" + query : location.href.split("#")[0]);
    } catch (error) { /* some viewers forbid it: the filter still works */ }
  }

  function load() {
    if (!location.hash.startsWith("#filter:")) return;
    const params = new URLSearchParams(location.hash.slice(8));
    names.forEach((name) => { const v = params.get(name); if (v !== null) field(name).value = v; });
    flagged.checked = params.get("flagged") === "1";
    const wanted = params.get("sort");
    if (wanted) {
      const desc = wanted.startsWith("-");
      const column = columns.indexOf(desc ? wanted.slice(1) : wanted);
      if (column >= 0) sort(column, desc ? -1 : 1);
    }
  }

  heads.forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.title = "Sort by " + th.textContent.toLowerCase();
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      sort(column, column === sortColumn ? -sortDir : 1);
      save();
    });
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", () => { apply(); save(); });
  form.addEventListener("change", () => { apply(); save(); });
  load();
  form.hidden = false;
  apply();
  table.dataset.ready = "1";
})();
"""


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


# No fetch of any kind, and only this style and this script: pinned by hash, not by
# 'unsafe-inline', so markup injected through a repository string could not run.
CSP = (
    "default-src 'none'; "
    f"style-src '{_digest(STYLE)}'; "
    f"script-src '{_digest(SCRIPT)}'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    """Text or attribute value, escaped (quotes included: it may land in an attribute)."""
    return html.escape(str(value), quote=True)


def _when(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %z")


def _day(moment: datetime.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else DASH


def _path(text: str) -> str:
    """Escaped, with line-break opportunities after slashes: long image names wrap there."""
    return _e(text).replace("/", "/<wbr>")


def _sha(commit: str) -> str:
    if not commit:
        return DASH
    return f'<code title="{_e(commit)}">{_e(commit[:12])}</code>'


def _hours(value: float | None) -> str:
    """A duration for people: hours below three days, days above."""
    if value is None:
        return DASH
    if value >= 72:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h"


def _trailers(event: AuditEvent) -> dict[str, str]:
    """The commit trailers of an event (lower-case keys), e.g. the incident of a rollback."""
    return {key.lower(): value for key, value in event.trailers}


def _change_badges(event: AuditEvent) -> str:
    kind = event.change if event.change in KINDS else "other"
    badges = f'<span class="badge k-{kind}">{_e(event.change)}</span>'
    if event.rollback:
        badges += ' <span class="badge rollback">rollback</span>'
    if event.initial:
        badges += ' <span class="badge initial">initial layout</span>'
    return badges


def _finding_badges(event: AuditEvent) -> str:
    if not event.findings:
        return "ok"
    return " ".join(
        f'<span class="badge sev-{_e(f.severity.value if f.severity else "error")}" '
        f'title="{_e(f.message)}">{_e(f.rule)}</span>'
        for f in event.findings
    )


def _who(event: AuditEvent) -> str:
    title = event.author_email
    if event.committer and event.committer != event.author:
        title += f" · committed by {event.committer}"
    text = f'<span title="{_e(title)}">{_e(event.author)}</span>'
    if event.bot:
        text += ' <span class="badge bot">bot</span>'
    return text


def _versions(event: AuditEvent) -> str:
    return f"{_e(event.from_version or '∅')} → {_e(event.to_version or '∅')}"


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


def _marker(event: AuditEvent, x: float, y: float, small: bool) -> str:
    """One event on a timeline: shape and colour by change kind, a ring when flagged.

    ``small`` for crowded lanes, where full-size markers would merge into a bar.
    """
    kind = event.change if event.change in KINDS else "other"
    classes = f"mk k-{kind}"
    if event.rollback:
        classes += " rollback"
    if event.findings:
        classes += " flagged"
    if small:
        classes += " small"
    size = 0.6 if small else 1.0
    lines = [
        f"{_when(event.time)} · {event.app or DASH} in {event.environment or DASH}",
        f"{event.image} {event.from_version or '∅'} → {event.to_version or '∅'}",
        f"{event.change}{' (rollback)' if event.rollback else ''}"
        f" by {event.author}{' (bot)' if event.bot else ''}"
        f"{f' via PR #{event.pr}' if event.pr else ''}",
        f"commit {event.commit[:12]}: {event.subject}",
    ]
    lines += [f"{f.rule}: {f.message}" for f in event.findings]
    shape: str
    if event.change == "downgrade" or event.rollback:
        # A downward triangle: the version went back.
        w, h = 7 * size, 6.5 * size
        points = f"{x - w:.1f},{y - h:.1f} {x + w:.1f},{y - h:.1f} {x:.1f},{y + h:.1f}"
        shape = f'<polygon points="{points}"/>'
    elif event.change == "removed":
        side = 10 * size
        shape = (
            f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:g}"'
            f' height="{side:g}"/>'
        )
    else:
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 * size:g}"/>'
    ring = (
        f'<circle class="ring" cx="{x:.1f}" cy="{y:.1f}" r="{10.5 * size:g}"/>'
        if event.findings
        else ""
    )
    return f'<g class="{classes}"><title>{_e(chr(10).join(lines))}</title>{shape}{ring}</g>'


def _timeline(
    environment: str,
    colour: str,
    events: Sequence[AuditEvent],
    state: Sequence[Running],
    bounds: tuple[float, float],
    ticks: Sequence[tuple[float, str]],
) -> str:
    """One environment's promotions: time on x, one lane per app, one marker per change."""
    width, left, right_gutter, top, lane_height, axis = 1000, 120, 120, 14, 46, 26
    apps = sorted({e.app or "" for e in events} | {r.app or "" for r in state})
    if not apps:
        apps = [""]
    height = top + lane_height * len(apps) + axis
    scale = _Scale(bounds[0], bounds[1], left, width - right_gutter)
    bottom = top + lane_height * len(apps)
    parts = [
        f'<svg class="chart timeline" data-env="{_e(environment)}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="Promotion timeline of {_e(environment)}">',
        f"<title>Promotions to {_e(environment)}</title>",
        f'<rect x="0" y="{top - 10}" width="4" height="{bottom - top + 10}" fill="{colour}"/>',
    ]
    for index in range(len(apps)):
        if index % 2 == 0:
            parts.append(
                f'<rect class="band" x="{left - 110}" y="{top + index * lane_height}"'
                f' width="{width - left + 110}" height="{lane_height}"/>'
            )
    for moment, label in ticks:
        x = scale.x(_utc(moment))
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{_e(label)}</text>')
    parts.append(
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{width - right_gutter}" y2="{bottom}"/>'
    )
    parts.append(
        f'<text x="{width - right_gutter + 10}" y="{top - 2}" font-weight="600">now</text>'
    )
    by_lane: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        by_lane[event.app or ""].append(event)
    for index, app in enumerate(apps):
        y = top + index * lane_height + lane_height / 2 + 1
        parts.append(
            f'<text class="lane-name" x="{left - 12}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_e(app or DASH)}</text>"
        )
        parts.append(
            f'<line class="lane" x1="{left}" y1="{y:.1f}" x2="{width - right_gutter}"'
            f' y2="{y:.1f}"/>'
        )
        primary = _primary(state, app or None)
        if primary is not None:
            running = "\n".join(
                f"{r.container}: {r.reference} since {_when(r.since)}"
                for r in state
                if (r.app or "") == app
            )
            parts.append(
                f'<text class="now-v" x="{width - right_gutter + 10}" y="{y + 4:.1f}">'
                f"<title>{_e(running)}</title>{_e(primary.version or primary.reference)}</text>"
            )
        lane = by_lane.get(app, [])
        labelled = len(lane) <= LABELLED_LANE_EVENTS
        last_x, last_time = -1e9, None
        label_ends = [-1e9, -1e9]  # right edge of the last label above and below the lane
        for event in lane:
            x = scale.x(event.time)
            # Changes of one instant (one commit, two containers) sit side by side; in a
            # crowded lane they overlap, as nudging would push markers past the period.
            if labelled and event.time == last_time:
                x = last_x + 9
            last_x, last_time = x, event.time
            parts.append(_marker(event, x, y, small=not labelled))
            if not labelled:
                continue
            label = event.to_version or "∅"
            if primary is not None and event.container not in (None, primary.container):
                label = f"{event.container}: {label}"
            # Above the marker if there is room, else below; else the tooltip has it.
            half = len(label) * 3.1
            ring = 4 if event.findings else 0  # keep clear of the finding's ring
            for side, offset in ((0, -11 - ring), (1, 19 + ring)):
                if x - half > label_ends[side] + 6:
                    parts.append(
                        f'<text class="vl" x="{x:.1f}" y="{y + offset:.1f}"'
                        f' text-anchor="middle">{_e(label)}</text>'
                    )
                    label_ends[side] = x + half
                    break
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    def swatch(inner: str) -> str:
        return f'<svg viewBox="-9 -9 18 18" aria-hidden="true">{inner}</svg>'

    items = [
        swatch(f'<g class="k-{kind}"><circle r="6"/></g>') + kind
        for kind in ("new", "patch", "minor", "major", "digest", "tag")
    ]
    items.append(
        swatch('<g class="k-downgrade"><polygon points="-7,-6 7,-6 0,7"/></g>') + "downgrade"
    )
    items.append(swatch('<g class="rollback"><polygon points="-7,-6 7,-6 0,7"/></g>') + "rollback")
    items.append(
        swatch('<g class="k-removed"><rect x="-5" y="-5" width="10" height="10"/></g>') + "removed"
    )
    items.append(
        swatch(
            '<circle r="7.5" fill="none" stroke="#dc2626" stroke-width="2" stroke-dasharray="3 2"/>'
        )
        + "policy finding"
    )
    return '<div class="legend">' + "".join(f"<span>{item}</span>" for item in items) + "</div>"


def _nice_step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most six ticks."""
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _round_duration(value: float, unit: str) -> str:
    return f"{value:g} {unit}"


def _lead_chart(metrics: Metrics, colours: Mapping[str, str]) -> str:
    """Median and p90 lead time per environment, as horizontal bars."""
    rows = []
    for group in metrics.environments:
        lead = group.summary()["lead_time_hours"]
        assert isinstance(lead, dict)
        rows.append((group.environment, lead["median"], lead["p90"], lead["count"]))
    measured = [r for r in rows if r[3]]
    if not measured:
        return (
            '<p class="muted" id="lead-none">No version reached a later environment from the '
            "first one during the period: no lead time to measure.</p>"
        )
    width, left, right_gutter, row_height, top = 1000, 130, 230, 46, 8
    longest = max(float(r[2] or 0) for r in measured) or 1.0
    in_days = longest >= 72  # one unit along the whole axis
    unit = 24.0 if in_days else 1.0
    step = _nice_step(longest / unit) * unit
    peak = step * -(-longest // step)  # the axis ends on a round tick
    height = top + row_height * len(rows) + 22
    usable = width - left - right_gutter
    parts = [
        f'<svg class="chart lead" viewBox="0 0 {width} {height}" role="img"'
        ' aria-label="Lead time per environment">'
    ]
    for tick in range(round(peak / step) + 1):
        fraction = tick * step / peak
        x = left + usable * fraction
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}"'
            f' y2="{top + row_height * len(rows)}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + row_height * len(rows) + 15}" text-anchor="middle">'
            f"{_e(_round_duration(tick * step / unit, 'd' if in_days else 'h'))}</text>"
        )
    for index, (env, median, p90, count) in enumerate(rows):
        y = top + index * row_height
        colour = colours.get(env, PALETTE[0])
        parts.append(
            f'<text class="lane-name" x="{left - 12}" y="{y + 27}" text-anchor="end">'
            f"{_e(env)}</text>"
        )
        if not count:
            note = "origin of the lead time" if index == 0 else "no version reached it"
            parts.append(f'<text x="{left + 6}" y="{y + 27}">{_e(note)}</text>')
            continue
        median_width = usable * float(median or 0) / peak
        p90_width = usable * float(p90 or 0) / peak
        parts.append(
            f'<rect class="bar-p90" x="{left}" y="{y + 8}" width="{p90_width:.1f}" height="30"'
            f' rx="3" fill="{colour}"><title>{_e(env)}: p90 {_e(_hours(p90))}</title></rect>'
        )
        parts.append(
            f'<rect class="bar-median" x="{left}" y="{y + 15}" width="{median_width:.1f}"'
            f' height="16" rx="2" fill="{colour}"><title>{_e(env)}: median {_e(_hours(median))}'
            "</title></rect>"
        )
        parts.append(
            f'<text x="{left + p90_width + 8:.1f}" y="{y + 27}">median <tspan font-weight="600">'
            f'{_e(_hours(median))}</tspan> · p90 <tspan font-weight="600">{_e(_hours(p90))}'
            f"</tspan> · n={_e(count)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


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


def _frequency_chart(audit: Audit, environments: Sequence[str], colours: Mapping[str, str]) -> str:
    """Promotions per ISO week, one strip per environment on a shared scale."""
    weeks = _weeks(audit)
    counts: Counter[tuple[str, str]] = Counter(
        (e.environment, iso_week(e.time)) for e in audit.events if e.environment and is_promotion(e)
    )
    if not weeks or not counts:
        return '<p class="muted">No promotion during the period.</p>'
    width, left, right_gutter, strip, top = 1000, 130, 20, 70, 14
    usable = width - left - right_gutter
    slot = usable / len(weeks)
    bar = max(1.0, slot * 0.7)
    peak = max(counts.values())
    height = top + strip * len(environments) + 30
    parts = [
        f'<svg class="chart frequency" viewBox="0 0 {width} {height}" role="img"'
        ' aria-label="Promotions per ISO week and environment">'
    ]
    label_stride = max(1, -(-len(weeks) // 16))
    for index, week in enumerate(weeks):
        if index % label_stride == 0:
            x = left + slot * (index + 0.5)
            year_shown = index == 0 or week[:4] != weeks[index - label_stride][:4]
            label = week if year_shown else week[5:]
            parts.append(
                f'<text x="{x:.1f}" y="{top + strip * len(environments) + 16}"'
                f' text-anchor="middle">{_e(label)}</text>'
            )
    with_values = len(weeks) <= 30
    if not with_values:  # the bars carry no numbers: say what their height means
        parts.append(
            f'<text x="{width - right_gutter}" y="{top}" text-anchor="end">One scale for all:'
            f" the tallest bar is {peak} promotion{'s' if peak != 1 else ''} in a week.</text>"
        )
    for row, env in enumerate(environments):
        base = top + strip * (row + 1) - 8
        colour = colours.get(env, PALETTE[0])
        total = sum(counts[(env, w)] for w in weeks)
        parts.append(
            f'<text class="lane-name" x="{left - 12}" y="{base - 22}" text-anchor="end">'
            f"{_e(env)}</text>"
            f'<text x="{left - 12}" y="{base - 8}" text-anchor="end">{total} total</text>'
            f'<line class="axis" x1="{left}" y1="{base}" x2="{width - right_gutter}" y2="{base}"/>'
        )
        for index, week in enumerate(weeks):
            value = counts[(env, week)]
            if not value:
                continue
            bar_height = (strip - 24) * value / peak
            x = left + slot * index + (slot - bar) / 2
            parts.append(
                f'<rect class="wk" x="{x:.1f}" y="{base - bar_height:.1f}" width="{bar:.1f}"'
                f' height="{bar_height:.1f}" fill="{colour}"><title>{_e(week)} · {_e(env)}: '
                f"{value} promotion{'s' if value != 1 else ''}</title></rect>"
            )
            if with_values:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - bar_height - 3:.1f}"'
                    f' text-anchor="middle">{value}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _metric_table(groups: Sequence[Group], caption: str) -> str:
    """The DORA-style figures, cell for cell the Markdown report's."""
    head = "".join(
        f'<th class="{"num" if i else ""}">{_e(h)}</th>' for i, h in enumerate(METRIC_HEADER)
    )
    body = []
    for group in groups:
        cells = group_row(group)
        body.append(
            "<tr>"
            + "".join(
                f"<td{' class=num' if i else ''}>{_e(cell)}</td>" for i, cell in enumerate(cells)
            )
            + "</tr>"
        )
    if not body:
        body.append(f'<tr><td colspan="{len(METRIC_HEADER)}" class="muted">No data.</td></tr>')
    return (
        f'<div class="scroll"><table class="metrics" aria-label="{_e(caption)}"><thead><tr>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _environments(audit: Audit, metrics: Metrics) -> list[str]:
    """Environments in promotion order, then any other that appears, by name."""
    ordered = [g.environment for g in metrics.environments]
    seen = set(ordered)
    extra = {e.environment for e in audit.events if e.environment} | {
        r.environment for r in audit.state if r.environment
    }
    return ordered + sorted(extra - seen)


def _now_list(audit: Audit, environments: Sequence[str]) -> str:
    """The header's answer to "what runs where now": one line per environment."""
    lines = []
    for env in environments:
        rows = [r for r in audit.state if r.environment == env]
        apps = sorted({r.app or "" for r in rows})
        items = []
        for app in apps:
            primary = _primary(rows, app or None)
            if primary is not None:
                items.append(
                    f'{_e(app or DASH)} <span class="v">{_e(primary.version or primary.reference)}'
                    "</span>"
                )
        text = " · ".join(items) if items else '<span class="muted">nothing</span>'
        lines.append(f'<dt>{_e(env)}</dt><dd data-env="{_e(env)}">{text}</dd>')
    if not lines:
        return '<p class="muted">No environment is mapped.</p>'
    return '<dl class="now">' + "".join(lines) + "</dl>"


def _attention(audit: Audit) -> str:
    """Rollbacks, downgrades and findings on promotions: what an auditor asks about first."""
    items = []
    for event in reversed(audit.events):  # newest first: the likeliest to be asked about
        if event.rollback or event.change == "downgrade":
            kind = "Rollback" if event.rollback else "Unmarked downgrade"
            incident = _trailers(event).get(_trailer_key(audit).lower(), "")
            items.append(
                f"{kind} of <b>{_e(event.app or DASH)}</b> in <b>{_e(event.environment or DASH)}"
                f"</b> on {_e(_day(event.time))}: {_versions(event)}"
                + (f" ({_e(incident)})" if incident else "")
            )
        elif event.findings and not event.initial:
            rules_found = ", ".join(sorted({f.rule for f in event.findings}))
            items.append(
                f"{_e(rules_found)} on <b>{_e(event.app or DASH)}</b> in "
                f"<b>{_e(event.environment or DASH)}</b> on {_e(_day(event.time))}: "
                f"{_versions(event)}"
            )
    initial_findings = sum(len(e.findings) for e in audit.events if e.initial)
    if initial_findings:
        items.append(
            f"{initial_findings} finding{'s' if initial_findings != 1 else ''} on the "
            "initial layout (before any promotion)"
        )
    if not items:
        return '<ul class="attention"><li class="none">No rollback, downgrade or finding.</li></ul>'
    shown = items[:ATTENTION_ITEMS]
    if len(items) > ATTENTION_ITEMS:
        shown.append(
            f"…and {len(items) - ATTENTION_ITEMS} more: see "
            '<a href="#rollbacks">rollbacks</a> and <a href="#findings">findings</a>'
        )
    return '<ul class="attention">' + "".join(f"<li>{item}</li>" for item in shown) + "</ul>"


def _trailer_key(audit: Audit) -> str:
    return str(audit.policy.rollback_trailer)


def _header(audit: Audit, metrics: Metrics, data: Mapping[str, Any], envs: Sequence[str]) -> str:
    promotions = [e for e in audit.events if is_promotion(e)]
    rollbacks = sum(e.rollback for e in promotions)
    unmarked = sum(e.change == "downgrade" and not e.rollback for e in promotions)
    findings = int(data["findings"])
    share = metrics.automated_share
    tiles = [
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
    tool = data["tool"]
    period = (
        f"{_e(_day(audit.start))} – {_e(_day(audit.end))} ({_e(metrics.weeks)} weeks)"
        if audit.start
        else "no change recorded"
    )
    return (
        '<header class="top"><div class="wrap">'
        "<h1>Promotion audit</h1>"
        f'<p class="meta">Repository head <code title="{_e(audit.head)}">'
        f"{_e(audit.head[:12])}</code>"
        f" · period {period} · {len(audit.events)} events in {audit.commits} commits"
        f" · generated by {_e(tool['name'])} {_e(tool['version'])}</p>"
        '<div class="tiles">'
        + "".join(
            f'<div class="tile{" alert" if alert else ""}"><b>{_e(value)}</b><span>{_e(label)}'
            "</span></div>"
            for value, label, alert in tiles
        )
        + "</div>"
        '<div class="glance">'
        f'<div class="panel" id="summary-now"><h2>What runs where now (end of period)</h2>'
        f"{_now_list(audit, envs)}</div>"
        f'<div class="panel"><h2>Needs attention · newest first</h2>{_attention(audit)}</div>'
        "</div></div></header>"
    )


def _state_section(audit: Audit, metrics: Metrics, envs: Sequence[str]) -> str:
    """What runs now as a matrix (rows: app and container, columns: environments)."""
    cells: dict[tuple[str, str, str], dict[str, Running]] = defaultdict(dict)
    for running in audit.state:
        if running.environment is not None:
            key = (running.app or "", running.container or "", running.image)
            cells[key][running.environment] = running
    shown_envs = [env for env in envs if any(env in row for row in cells.values())]
    head = "".join(f"<th>{_e(env)}</th>" for env in shown_envs)
    rows = []
    for (app, container, image), by_env in sorted(cells.items()):
        reference = next((by_env[e] for e in reversed(shown_envs) if e in by_env), None)
        tds = []
        for env in shown_envs:
            cell = by_env.get(env)
            if cell is None:
                tds.append(f'<td class="ver muted">{DASH}</td>')
                continue
            differs = reference is not None and cell.version != reference.version
            tds.append(
                f'<td class="ver{" drift" if differs else ""}" title="{_e(cell.reference)}">'
                f"<b>{_e(cell.version or cell.reference)}</b>"
                f"<small>since {_e(_day(cell.since))} · {_sha(cell.commit)}</small></td>"
            )
        rows.append(
            f"<tr><td><b>{_e(app or DASH)}</b></td><td>{_e(container or DASH)}</td>"
            f"<td><code>{_e(image)}</code></td>{''.join(tds)}</tr>"
        )
    table = (
        '<div class="scroll"><table class="state"><thead><tr><th>App</th><th>Container</th>'
        f"<th>Image</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else '<p class="muted">Nothing is deployed in a mapped environment.</p>'
    )
    last = shown_envs[-1] if shown_envs else ""
    drift = _drift_table(metrics, envs)
    return (
        '<section id="now"><h2>What runs now</h2>'
        '<p class="lead">The state at the end of the period, per environment. Highlighted: a '
        f"version that differs from the last environment's ({_e(last)}). Hover a cell for the "
        "full reference.</p>"
        f'{table}<h3 id="drift">Drift between environments</h3>{drift}</section>'
    )


def _drift_table(metrics: Metrics, envs: Sequence[str]) -> str:
    if not metrics.drift:
        return '<p class="muted">Every environment runs the same versions.</p>'
    head = "".join(f"<th>{_e(env)}</th>" for env in envs)
    rows = []
    for row in metrics.drift:
        versions = row["versions"]
        assert isinstance(versions, dict)
        rows.append(
            f"<tr><td><b>{_e(row['app'] or DASH)}</b></td><td>{_e(row['container'] or DASH)}</td>"
            f"<td><code>{_e(row['image'])}</code></td>"
            + "".join(f"<td>{_e(versions.get(env) or DASH)}</td>" for env in envs)
            + "</tr>"
        )
    return (
        '<div class="scroll"><table class="drift"><thead><tr><th>App</th><th>Container</th>'
        f"<th>Image</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _timelines_section(audit: Audit, envs: Sequence[str], colours: Mapping[str, str]) -> str:
    bounds = _period_bounds(audit)
    if bounds is None:
        figures = '<p class="muted">No event in the period.</p>'
        figures += "".join(
            f'<figure><figcaption>{_e(env)}</figcaption><svg class="chart timeline"'
            f' data-env="{_e(env)}" viewBox="0 0 1000 40" role="img"'
            ' aria-label="No change"><text x="120" y="24">No change.</text></svg></figure>'
            for env in envs
        )
    else:
        ticks = _ticks(*bounds)
        figures = ""
        for env in envs:
            events = [e for e in audit.events if e.environment == env and not e.initial]
            state = [r for r in audit.state if r.environment == env]
            rollbacks = sum(e.rollback for e in events)
            flagged = sum(bool(e.findings) for e in events)
            caption = (
                f'{_e(env)} <span class="muted">· {len(events)} change'
                f"{'s' if len(events) != 1 else ''}, {rollbacks} rollback"
                f"{'s' if rollbacks != 1 else ''}, {flagged} with findings</span>"
            )
            figures += (
                f"<figure><figcaption>{caption}</figcaption>"
                f"{_timeline(env, colours.get(env, PALETTE[0]), events, state, bounds, ticks)}"
                "</figure>"
            )
    return (
        '<section id="timelines"><h2>Promotion timelines</h2>'
        '<p class="lead">One row per app; each marker is a change of one container. Hover a '
        "marker for version, author, PR and commit. The right column shows what runs now. "
        "The repository's first commit laid out what already ran and is not drawn.</p>"
        f"{_legend()}{figures}</section>"
    )


def _events_section(audit: Audit, envs: Sequence[str]) -> str:
    # One offset for every event (the usual case) goes in the header, not in each row.
    offsets = {e.time.strftime("%z") for e in audit.events}
    offset = offsets.pop() if len(offsets) == 1 else None
    time_label = "Time" if offset is None else f"Time ({'UTC' if offset == '+0000' else offset})"
    time_format = "%Y-%m-%d %H:%M" if offset is not None else "%Y-%m-%d %H:%M %z"
    columns = [
        ("time", time_label, "index"),
        ("env", "Environment", ""),
        ("app", "App", ""),
        ("image", "Image", ""),
        ("versions", "From → To", ""),
        ("change", "Change", ""),
        ("by", "By", ""),
        ("pr", "PR", "num"),
        ("commit", "Commit", ""),
        ("findings", "Findings", "count"),
    ]
    head = "".join(
        f'<th data-col="{col}"{f" data-type={kind}" if kind else ""} aria-sort="'
        f'{"ascending" if col == "time" else "none"}">{_e(label)}</th>'
        for col, label, kind in columns
    )
    rows = []
    for event in audit.events:
        data = event.to_dict()
        pr = data["pr"]
        # Thousands of rows: cell styles come from the column (CSS), flags are set only
        # when true, and sort keys are derived from the text by the script.
        flags = ' data-rb="1"' if event.rollback else ""
        if event.findings:
            flags += f' data-f="{len(event.findings)}"'
        rows.append(
            f'<tr data-env="{_e(event.environment or "")}" data-app="{_e(event.app or "")}"'
            f' data-change="{_e(event.change)}"{flags}><td>{event.time.strftime(time_format)}</td>'
            f"<td>{_e(event.environment or DASH)}</td><td>{_e(event.app or DASH)}</td>"
            f"<td>{_path(data['image'])}</td><td>{_versions(event)}</td>"
            f"<td>{_change_badges(event)}</td><td>{_who(event)}</td>"
            f"<td>{f'#{_e(pr)}' if pr else DASH}</td>"
            f'<td>{_sha(event.commit)}<span class="subj">{_e(data["subject"])}</span></td>'
            f"<td>{_finding_badges(event)}</td></tr>"
        )

    def options(values: Iterable[str], everything: str) -> str:
        return f'<option value="">{_e(everything)}</option>' + "".join(
            f'<option value="{_e(v)}">{_e(v)}</option>' for v in values
        )

    apps = sorted({e.app for e in audit.events if e.app})
    kinds = sorted(
        {e.change for e in audit.events},
        key=lambda k: (k not in KINDS, KINDS.index(k) if k in KINDS else 0, k),
    )
    change_options = options(kinds, "every change")
    if any(e.rollback for e in audit.events):
        change_options += '<option value="rollback">rollbacks</option>'
    count = len(audit.events)
    controls = (
        '<form id="event-filters" class="controls" hidden role="search">'
        '<input type="search" name="q" placeholder="Filter: text, version, author, commit…"'
        ' aria-label="Filter events">'
        f'<select name="env" aria-label="Environment">{options(envs, "every environment")}</select>'
        f'<select name="app" aria-label="App">{options(apps, "every app")}</select>'
        f'<select name="change" aria-label="Change">{change_options}</select>'
        '<label><input type="checkbox" name="flagged"> with findings only</label>'
        f'<output id="event-count">{count} event{"s" if count != 1 else ""}</output></form>'
    )
    static_count = f'<noscript><p class="muted">{count} events, oldest first.</p></noscript>'
    return (
        '<section id="events-section"><h2 id="events-title">Events</h2>'
        '<p class="lead">Every image change of the period, oldest first. Click a column to sort; '
        "the text filter also matches commit subjects.</p>"
        f"{controls}{static_count}"
        '<div class="table-box"><table id="events" aria-labelledby="events-title">'
        f"<thead><tr>{head}"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _rollbacks_section(audit: Audit) -> str:
    """Each rollback and downgrade with the change it undid: the first questions of a review."""
    previous: dict[tuple[str | None, str | None, str | None], AuditEvent] = {}
    blocks = []
    key_name = _trailer_key(audit)
    for event in audit.events:
        target = (event.app, event.environment, event.container)
        undone = previous.get(target)
        previous[target] = event
        if not (event.rollback or event.change == "downgrade"):
            continue
        trailers = _trailers(event)
        if event.rollback:
            value = trailers.get(key_name.lower())
            marked = (
                f"Marked with the <code>{_e(key_name)}:</code> trailer"
                + (f": <b>{_e(value)}</b>" if value else "")
                + ", to a version that ran here before."
            )
        else:
            marked = (
                f"Not marked as a rollback (no <code>{_e(key_name)}:</code> trailer, or a "
                "version that never ran here)."
            )
        undid = ""
        if undone is not None:
            hours = (event.time - undone.time).total_seconds() / 3600
            undid = (
                f"<p>Undoes {_versions(undone)} of {_e(_when(undone.time))} by "
                f"{_e(undone.author)}{f' (PR #{_e(undone.pr)})' if undone.pr else ''}, "
                f"commit {_sha(undone.commit)}, {_e(_hours(hours))} earlier.</p>"
            )
        title = "Rollback" if event.rollback else "Downgrade"
        blocks.append(
            f'<div class="rb{"" if event.rollback else " down"}">'
            f"<p><b>{title}</b> of <b>{_e(event.app or DASH)}</b> in "
            f"<b>{_e(event.environment or DASH)}</b> on {_e(_when(event.time))}: "
            f"<code>{_e(event.image)}</code> {_versions(event)}</p>"
            f"<p>By {_who(event)}{f' via PR #{_e(event.pr)}' if event.pr else ''}, commit "
            f"{_sha(event.commit)} “{_e(event.subject)}”.</p>"
            f"<p>{marked}</p>{undid}</div>"
        )
    body = "".join(blocks) if blocks else '<p class="muted">None.</p>'
    return f'<section id="rollbacks"><h2>Rollbacks and downgrades</h2>{body}</section>'


def _findings_section(audit: Audit, metrics: Metrics) -> str:
    counts: Counter[str] = Counter(f.rule for e in audit.events for f in e.findings)
    if not counts:
        return (
            '<section id="findings"><h2>Findings</h2><p class="muted">No finding: every change '
            "complied with the policy in force.</p></section>"
        )
    names: dict[str, str] = {}
    for rule_id in counts:
        module = registry.find(rule_id)
        names[rule_id] = str(module.NAME) if module is not None else ""
    # A rule's chip is as severe as the worst of its findings.
    errors = {f.rule for e in audit.events for f in e.findings if f.severity != Severity.WARNING}
    chips = "".join(
        f'<span class="badge sev-{"error" if rule in errors else "warning"}">{_e(rule)} '
        f"{_e(names[rule])} × {n}</span>"
        for rule, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    weekly = " · ".join(
        f"{_e(week)}: "
        + ", ".join(
            f"{n} {_e(severity)}{'s' if n != 1 else ''}" for severity, n in sorted(c.items())
        )
        for week, c in metrics.findings_per_week.items()
    )
    rows = []
    for event in audit.events:
        for finding in event.findings:
            severity = finding.severity.value if finding.severity else "error"
            hint = f'<span class="subj">hint: {_e(finding.hint)}</span>' if finding.hint else ""
            rows.append(
                f'<tr><td class="nowrap">{_e(_when(event.time))}</td>'
                f'<td><span class="badge sev-{_e(severity)}">{_e(severity)}</span></td>'
                f'<td class="nowrap"><b>{_e(finding.rule)}</b> <span class="muted">'
                f"{_e(names.get(finding.rule, ''))}</span></td>"
                f"<td>{_e(event.app or DASH)} ({_e(event.environment or DASH)})"
                f"{INITIAL_BADGE if event.initial else ''}"
                f"</td><td>{_sha(event.commit)}</td>"
                f"<td>{_e(finding.message)}{hint}</td>"
                f"<td><code>{_path(finding.location.path)}:{finding.location.line}</code></td></tr>"
            )
    return (
        '<section id="findings"><h2>Findings</h2>'
        '<p class="lead">What the policy in force at each change raised on it.</p>'
        f'<div class="rule-counts">{chips}</div>'
        f'<p class="muted">By ISO week: {weekly}</p>'
        '<div class="scroll"><table class="findings"><thead><tr><th>Time</th><th>Severity</th>'
        "<th>Rule</th><th>App (env)</th><th>Commit</th><th>Message</th><th>Where</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _notes_section(audit: Audit) -> str:
    if not audit.notes:
        return '<section id="notes"><h2>Notes</h2><p class="muted">None.</p></section>'
    items = "".join(f"<li>{_e(note)}</li>" for note in audit.notes)
    return f'<section id="notes"><h2>Notes</h2><ul class="notes">{items}</ul></section>'


def render(audit: Audit, metrics: Metrics) -> str:
    """The HTML report: one self-contained, deterministic page."""
    data = summary(audit, metrics)
    generator = _e(f"{data['tool']['name']} {data['tool']['version']}")
    envs = _environments(audit, metrics)
    colours = {env: PALETTE[i % len(PALETTE)] for i, env in enumerate(envs)}
    title = (
        f"Promotion audit · {_day(audit.start)} – {_day(audit.end)} · {audit.head[:12]}"
        if audit.start
        else f"Promotion audit · {audit.head[:12]}"
    )
    toc = [
        ("now", "What runs now"),
        ("drift", "Drift"),
        ("timelines", "Timelines"),
        ("lead-time", "Lead time"),
        ("frequency", "Frequency"),
        ("metrics", "Metrics"),
        ("events-section", "Events"),
        ("rollbacks", "Rollbacks"),
        ("findings", "Findings"),
        ("notes", "Notes"),
    ]
    nav = (
        '<nav class="toc"><div class="wrap">'
        + "".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in toc)
        + "</div></nav>"
    )
    charts = (
        '<section id="lead-time"><h2>Lead time</h2>'
        f'<p class="lead">From a version\'s first appearance in {_e(envs[0] if envs else DASH)} to '
        "its first appearance in each later environment: median (dark) and p90 (light).</p>"
        f"{_lead_chart(metrics, colours)}</section>"
        '<section id="frequency"><h2>Deployment frequency</h2>'
        '<p class="lead">Promotions per ISO week, per environment (the first commit\'s layout '
        "is not a promotion).</p>"
        f"{_frequency_chart(audit, [g.environment for g in metrics.environments], colours)}"
        "</section>"
    )
    metrics_section = (
        '<section id="metrics"><h2>Delivery metrics</h2>'
        '<p class="lead">DORA-style figures over the period; the change failure rate counts '
        "promotions followed by a rollback or downgrade within the failure window.</p>"
        f"<h3>By environment</h3>{_metric_table(metrics.environments, 'By environment')}"
        f"<h3>By app</h3>{_metric_table(metrics.apps, 'By app')}</section>"
    )
    footer = (
        f"<footer>Generated by {generator} from "
        f"the first-parent history of <code>{_e(audit.head)}</code>. This file is self-contained: "
        "it loads nothing, its charts are inline SVG, and it reads fully with scripts off (they "
        "only sort and filter the events table).</footer>"
    )
    body = "".join(
        [
            _header(audit, metrics, data, envs),
            nav,
            '<main class="wrap">',
            _state_section(audit, metrics, envs),
            _timelines_section(audit, envs, colours),
            charts,
            metrics_section,
            _events_section(audit, envs),
            _rollbacks_section(audit),
            _findings_section(audit, metrics),
            _notes_section(audit),
            footer,
            "</main>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{generator}">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )
