"""The HTML report in real headless Chromium: the DOM after scripts ran, and a screenshot.

Debian's ``chromium`` (CI installs it; locally the tests skip without it) loads the page
from a file, with a fresh profile and no network features, and either dumps the DOM after
load (``--dump-dom``: the page's script has run by then) or takes a screenshot. The DOM is
read with the same strict reader as the unit tests. The PNG is checked with the standard
library only: chunk CRCs, size, and real pixels decoded from its top rows.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import pytest

from gitops_guard.audit.build import (
    BuiltReport,
    build_report,
)
from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    AuditOptions,
)
from gitops_guard.audit.metrics import Metrics
from gitops_guard.audit.plan import Plan
from gitops_guard.demo.sample import PLAN_NOW, build_sample_repository
from gitops_guard.formats.report import html as report_html
from gitops_guard.formats.report.render import render_report
from tests.conftest import require_tool
from tests.formats.test_report_html import (
    Page,
    audit_of,
    event_rows,
    hostile_audit,
    own_scripts_only,
    synthetic,
)

TIMEOUT = 60  # seconds for one Chromium run; it is killed (with its children) after that
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium(tmp_path: Path, *args: str) -> str:
    """Run Chromium once with a fresh profile; its stdout."""
    binary = require_tool("chromium")
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp_path)
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a hang can be killed whole
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {' '.join(args)}")
    assert process.returncode == 0, err[-2000:]
    return out


def dump_dom(tmp_path: Path, page: Path, fragment: str = "") -> Page:
    out = chromium(tmp_path, "--dump-dom", page.as_uri() + fragment)
    assert "</html>" in out
    dom = Page.read(out)
    assert dom.errors == []
    return dom


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    root = build_sample_repository(tmp_path_factory.mktemp("chromium") / "repo")
    return build_report(root, AuditOptions(), datetime.timedelta(days=7))


@pytest.fixture(scope="module")
def report_file(sample: BuiltReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("report") / "report.html"
    target.write_text("".join(render_report("html", sample)), encoding="utf-8")
    return target


def visible(dom: Page) -> list[str]:
    """The event rows the filters left visible, as their text-bearing attributes."""
    return [
        f"{row.attrs['data-env']}/{row.attrs['data-app']}/{row.attrs['data-change']}"
        for row in event_rows(dom)
        if "hidden" not in row.attrs
    ]


def test_dom_answers_the_auditors_questions(tmp_path: Path, report_file: Path) -> None:
    dom = dump_dom(tmp_path, report_file)
    text = dom.text()
    # What ran in prod at the end of the period.
    assert any(e.attrs.get("data-env") == "prod" for e in dom.find("dd"))
    assert "prod api 1.5.0 · web 2.3.0 · worker 0.9.1" in text
    # The rollback of web, with its trailer and the change it undid.
    rollbacks = dom.text("rollbacks")
    assert "Rollback of web in prod on 2026-02-03 09:05 +0000" in rollbacks
    assert "2.4.0 → 2.3.0" in rollbacks
    assert "Marked with the Rollback: trailer" in rollbacks
    assert "Undoes 2.3.0 → 2.4.0 of 2026-02-02 14:00 +0000 by Alice Martin (PR #15)" in rollbacks
    # The soak-time finding on api's promotion to prod.
    findings = dom.text("findings")
    assert "GG304 soak-time" in findings
    assert "reaches prod after 3h30m in staging; prod requires 1d" in findings
    # The charts are in the DOM: one timeline per environment, one marker per change.
    timelines = dom.find("svg", "timeline")
    assert [t.attrs["data-env"] for t in timelines] == ["dev", "staging", "prod"]
    assert dom.markers() == Counter({"dev": 4, "staging": 4, "prod": 4})
    flagged = [e for e in dom.elements if e.tag == "g" and {"mk", "flagged"} <= e.classes]
    rolled = [e for e in dom.elements if e.tag == "g" and {"mk", "rollback"} <= e.classes]
    assert [e.timeline for e in rolled] == ["prod"]
    # GG303 on web and worker, which reached dev and staging in one commit each.
    assert [e.timeline for e in flagged] == ["staging", "staging", "prod"]
    assert len(dom.find("rect", "bar-median")) == 2
    assert dom.find("rect", "wk")
    # The script ran: the table is wired, the controls shown, the count filled in.
    table = dom.find("table", id="events")[0]
    assert table.attrs.get("data-ready") == "1"
    assert "hidden" not in dom.find("form", id="event-filters")[0].attrs
    assert "30 of 30 events shown" in dom.text("events-section")
    sorting = [b for b in dom.find("button") if b.attrs.get("title", "").startswith("Sort by")]
    assert len(sorting) == 10  # one sort button per column header
    assert "hidden" not in dom.find("nav", id="events-pager")[0].attrs
    assert "Rows 1–30 of 30 · page 1 of 1" in dom.text("events-section")


@pytest.mark.skipif(
    "trailers" not in AuditEvent.__dataclass_fields__,
    reason="AuditEvent keeps the commit subject only: the Rollback trailer's value (INC-42) "
    "needs a `trailers` field on AuditEvent (gitops_guard/audit.py)",
)
def test_rollback_shows_its_incident(tmp_path: Path, report_file: Path) -> None:
    dom = dump_dom(tmp_path, report_file)
    assert "Marked with the Rollback: trailer: INC-42" in dom.text("rollbacks")
    assert "Rollback of web in prod on 2026-02-03: 2.4.0 → 2.3.0 (INC-42)" in dom.text()


def test_filter_and_sort_run_in_the_browser(tmp_path: Path, report_file: Path) -> None:
    # The page restores a filter from the URL fragment, so a view can be bookmarked.
    dom = dump_dom(tmp_path, report_file, "#filter:env=prod&change=rollback")
    assert "1 of 30 events shown" in dom.text("events-section")
    assert visible(dom) == ["prod/web/downgrade"]
    dom = dump_dom(tmp_path, report_file, "#filter:env=prod&sort=-time")
    assert "10 of 30 events shown" in dom.text("events-section")
    assert visible(dom)[:3] == ["prod/api/minor", "prod/web/downgrade", "prod/web/minor"]
    assert dom.find("th", data_col="time")[0].attrs["aria-sort"] == "descending"
    # Eight events carry the nine findings (statsd-exporter in prod has two).
    dom = dump_dom(tmp_path, report_file, "#filter:flagged=1")
    assert "8 of 30 events shown" in dom.text("events-section")
    dom = dump_dom(tmp_path, report_file, "#filter:sort=-pr")
    rows = [row for row in event_rows(dom) if "hidden" not in row.attrs]
    assert [row.attrs["data-app"] for row in rows[:2]] == ["web", "api"]  # PR #15, then #12


def test_hostile_text_does_not_execute(tmp_path: Path) -> None:
    audit, metrics = hostile_audit()
    page = tmp_path / "hostile.html"
    page.write_text(report_html.render(audit, metrics), encoding="utf-8")
    dom = dump_dom(tmp_path, page)
    root = dom.find("html")[0]
    assert "data-pwned" not in root.attrs  # no injected script or handler ran
    assert own_scripts_only(dom)
    assert not dom.find("iframe")
    assert not dom.find("img")
    assert '<script>document.documentElement.dataset.pwned="subject"</script>' in dom.text()
    assert dom.find("table", id="events")[0].attrs.get("data-ready") == "1"
    assert "2 of 2 events shown" in dom.text()


def test_five_thousand_events_load_and_wire(tmp_path: Path) -> None:
    audit, metrics = synthetic(5000, datetime.timedelta(days=365))
    page = tmp_path / "big.html"
    page.write_text(report_html.render(audit, metrics), encoding="utf-8")
    dom = dump_dom(tmp_path, page, "#filter:env=prod")
    prod = sum(e.environment == "prod" for e in audit.events)
    assert f"{prod} of 5000 events shown" in dom.text("events-section")
    assert sum(dom.drawn().values()) == 5000


def png_pixels(data: bytes, rows: int) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and the pixels of the first ``rows`` rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, []
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0)
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for y in range(min(rows, height)):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if filter_type == 1:
                line[x] = (line[x] + left) & 0xFF
            elif filter_type == 2:
                line[x] = (line[x] + up) & 0xFF
            elif filter_type == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + best) & 0xFF
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return width, height, pixels


def test_screenshot_shows_a_rendered_page(tmp_path: Path, report_file: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,3000", report_file.as_uri())
    data = shot.read_bytes()
    # A blank or single-colour page compresses to a few kilobytes; this one has charts.
    assert len(data) > 100_000
    width, height, pixels = png_pixels(data, rows=260)  # the header: title, tiles, "now"
    assert (width, height) == (1400, 3000)
    colours = Counter(pixels)
    assert len(colours) > 50
    assert colours.most_common(1)[0][1] < 0.9 * len(pixels)
    # The dark header band rendered (the page's own stylesheet was allowed to apply).
    assert colours[(15, 23, 42)] > 0.3 * len(pixels)


# --- the events table pages through data, and crowded lanes are bars ------------------


def tbody_of(html: str) -> Page:
    """The events table's body alone, read back (rows, cells, badges, tooltips, text)."""
    start = html.index("<tbody>", html.index('<table id="events"'))
    return Page.read(html[start : html.index("</tbody>", start) + len("</tbody>")])


def zoned(count: int, days: int) -> tuple[Audit, Metrics]:
    """A synthetic audit whose times carry three offsets, so each row prints its own."""
    audit, _metrics = synthetic(count, datetime.timedelta(days=days))
    events = [
        dataclasses.replace(
            e,
            time=e.time.astimezone(datetime.timezone(datetime.timedelta(hours=i % 3 - 1))),
            commit=hashlib.sha1(str(i).encode()).hexdigest(),  # unique prefixes: findable
        )
        for i, e in enumerate(audit.events)
    ]
    return audit_of(events, audit.state, [])


@pytest.mark.parametrize("which", ["sample", "zoned"])
def test_script_renders_the_rows_the_markup_has(
    tmp_path: Path, which: str, report_file: Path
) -> None:
    # What the script builds from the data block is, element for element and text for
    # text, what the template wrote: the first page reads the same with scripts off.
    page = report_file
    if which == "zoned":
        page = tmp_path / "zoned.html"
        page.write_text(report_html.render(*zoned(450, 40)), encoding="utf-8")
    markup = tbody_of(page.read_text(encoding="utf-8"))
    out = chromium(tmp_path, "--dump-dom", page.as_uri())
    scripted = tbody_of(out)
    assert markup.errors == scripted.errors == []
    assert len(event_rows(markup)) == min(report_html.PAGE_ROWS, 450 if which == "zoned" else 30)
    assert [(e.tag, e.attrs) for e in scripted.elements] == [
        (e.tag, e.attrs) for e in markup.elements
    ]
    assert scripted.texts == markup.texts
    assert 'data-ready="1"' in out


def test_pages_reach_every_event(tmp_path: Path) -> None:
    audit, metrics = zoned(450, 40)
    page = tmp_path / "paged.html"
    page.write_text(report_html.render(audit, metrics), encoding="utf-8")
    dom = dump_dom(tmp_path, page, "#filter:page=3")
    assert "Rows 201–300 of 450 · page 3 of 5" in dom.text("events-section")
    rows = event_rows(dom)
    assert [r.attrs["data-app"] for r in rows] == [e.app for e in audit.events[200:300]]
    dom = dump_dom(tmp_path, page, "#filter:page=5")
    assert "Rows 401–450 of 450 · page 5 of 5" in dom.text("events-section")
    assert len(event_rows(dom)) == 50
    # Filters and sorting work over all events, not over the page shown.
    prod = [e for e in audit.events if e.environment == "prod"]
    dom = dump_dom(tmp_path, page, "#filter:env=prod&sort=-time&page=2")
    assert f"{len(prod)} of 450 events shown" in dom.text("events-section")
    expected = list(reversed(prod))[100:200]
    assert [r.attrs["data-app"] for r in event_rows(dom)] == [e.app for e in expected]
    shas = [e.attrs["title"] for e in dom.find("code") if e.section == "events-section"]
    assert shas == [e.commit for e in expected]
    # Text search reaches events on no page shown yet (the last event's commit).
    dom = dump_dom(tmp_path, page, "#filter:q=" + audit.events[-1].commit[:12])
    assert "1 of 450 events shown" in dom.text("events-section")


def test_a_bar_lists_exactly_its_changes(tmp_path: Path) -> None:
    audit, metrics = synthetic(5000, datetime.timedelta(days=365))
    html = report_html.render(audit, metrics)
    page = tmp_path / "bars.html"
    page.write_text(html, encoding="utf-8")
    read = Page.read(html)
    assert {t.attrs["data-unit"] for t in read.find("svg", "timeline")} == {"week"}
    # The click handler's link: the lane's app, the chart's environment, the bar's week.
    bar = next(b for b in read.bins() if b.timeline == "prod" and "rollback" in b.classes)
    before = read.elements[: read.elements.index(bar)]
    app = next(g for g in reversed(before) if g.tag == "g" and "bins" in g.classes).attrs[
        "data-app"
    ]
    start = datetime.date.fromisoformat(bar.attrs["data-d"])
    last = start + datetime.timedelta(days=6)
    dom = dump_dom(tmp_path, page, f"#filter:env=prod&app={app}&from={start}&to={last}")
    assert f"{bar.attrs['data-n']} of 5000 events shown" in dom.text("events-section")
    assert len(dom.find("tr", data_rb="1")) >= 1


# --- 800 pixels wide ----------------------------------------------------------------------

# Run after the page's own script, in the same page (its hash added to the CSP, as the
# page's own is): every cell of the "what runs now", drift and waiting tables shows its
# content whole (nothing wider than its cell), those tables fit their section, the page
# does not scroll sideways, and no chart label starts left of its chart.
PROBE = """(() => {
  const problems = [];
  document.querySelectorAll("table.state, table.drift, table.waiting").forEach((table) => {
    const box = table.parentElement;
    if (box.scrollWidth > box.clientWidth + 1) problems.push("table wider than its box");
    table.querySelectorAll("th, td").forEach((cell) => {
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push("cell: " + cell.textContent);
    });
  });
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) problems.push("page: " + root.scrollWidth);
  document.querySelectorAll("svg.chart text").forEach((text) => {
    if (text.getBBox().x < 0) problems.push("label: " + text.textContent);
  });
  root.dataset.probe = JSON.stringify(problems);
  root.dataset.probeWidth = String(window.innerWidth);
})();"""


def long_named() -> tuple[Audit, Metrics]:
    """Long app, container, environment and image names, and a long version."""
    audit, _metrics = synthetic(300, datetime.timedelta(days=60))
    rename = {f"svc-{i:02d}": f"payments-reconciliation-service-{i:02d}-backend" for i in range(12)}
    envs = {"prod": "production-eu-central-1-primary-cluster"}

    def long(event: AuditEvent) -> AuditEvent:
        app = rename[event.app or ""]
        return dataclasses.replace(
            event,
            app=app,
            container=app,
            environment=envs.get(event.environment or "", event.environment),
            image=f"registry.internal.example.com/platform/team-payments/{app}",
        )

    events = [long(e) for e in audit.events]
    state = [
        dataclasses.replace(
            r,
            app=rename[r.app or ""],
            container=rename[r.app or ""],
            environment=envs.get(r.environment or "", r.environment),
            image=f"registry.internal.example.com/platform/team-payments/{rename[r.app or '']}",
            version=r.version if r.app != "svc-03" else "1.2.3-rc.1+build.20250106.sha.0f3c9a1b2c",
        )
        for r in audit.state
    ]
    return audit_of(events, state, [])


@pytest.fixture(scope="module")
def waiting(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """The sample with its waiting week, and the plan judged on the demo's Saturday."""
    root = build_sample_repository(tmp_path_factory.mktemp("waiting") / "repo", waiting=True)
    now = datetime.datetime.fromisoformat(PLAN_NOW)
    return build_report(root, AuditOptions(), datetime.timedelta(days=7), plan_now=now)


def long_plan(plan: Plan) -> Plan:
    """The waiting plan with long app, environment and image names and long versions."""
    app = "payments-reconciliation-service-03-backend"
    env = "production-eu-central-1-primary-cluster"
    image = f"registry.internal.example.com/platform/team-payments/{app}"
    rows = [
        dataclasses.replace(
            row,
            app=app,
            container=f"{app}-sidecar",
            environment=env,
            image=image,
            candidate_display="1.2.3-rc.1+build.20250106.sha.0f3c9a1b2c@sha256:0f3c9a1b…",
        )
        for row in plan.rows
    ]
    return dataclasses.replace(plan, rows=rows)


def test_waiting_section_in_the_browser(tmp_path: Path, waiting: BuiltReport) -> None:
    page = tmp_path / "waiting.html"
    page.write_text("".join(render_report("html", waiting)), encoding="utf-8")
    dom = dump_dom(tmp_path, page)
    groups = [e for e in dom.find("tbody") if e.section == "waiting"]
    assert [(g.attrs["data-app"], g.attrs["data-env"], g.attrs["data-rules"]) for g in groups] == [
        ("api", "staging", ""),
        ("worker", "staging", ""),
        ("api", "prod", "GG105 GG302 GG309"),
        ("web", "prod", "GG304 GG309"),
        ("worker", "prod", "GG309"),
    ]
    text = dom.text("waiting")
    assert "Frozen: no weekend deploys, until Mon 2026-02-16T08:00+01:00 (Europe/Berlin)" in text
    assert "reaches prod after 14h in staging; prod requires 1d" in text
    assert [a.attrs["href"] for a in dom.find("a") if a.attrs.get("href") == "#waiting"]


def test_what_runs_now_is_usable_at_800_pixels(tmp_path: Path, waiting: BuiltReport) -> None:
    assert waiting.plan is not None
    html = report_html.render(*long_named(), long_plan(waiting.plan))
    csp = re.search(r"script-src &#39;sha256-[^&]+&#39;", html)  # in an attribute: escaped
    assert csp is not None
    probe = "sha256-" + base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    html = html.replace(csp.group(0), f"{csp.group(0)} &#39;{probe}&#39;", 1)
    html = html.replace("</body>", f"<script>{PROBE}</script></body>", 1)
    page = tmp_path / "narrow.html"
    page.write_text(html, encoding="utf-8")
    out = chromium(tmp_path, "--window-size=800,1200", "--dump-dom", page.as_uri())
    dom = Page.read(out)
    root = dom.find("html")[0].attrs
    assert root["data-probe-width"] == "800"
    assert json.loads(root["data-probe"]) == []
    # The waiting table was probed too: its rows are there.
    assert len([e for e in dom.find("tbody") if e.section == "waiting"]) == 5
    # Cut labels keep their whole text in a tooltip.
    assert "payments-reconciliation-service-03-backend" in out
    assert "…" in dom.text("timelines") or "…" in out


def test_screenshot_at_800_pixels(tmp_path: Path, waiting: BuiltReport) -> None:
    page = tmp_path / "narrow.html"
    assert waiting.plan is not None
    page.write_text(report_html.render(*long_named(), long_plan(waiting.plan)), encoding="utf-8")
    shot = tmp_path / "narrow.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=800,2400", page.as_uri())
    data = shot.read_bytes()
    width, height, pixels = png_pixels(data, rows=200)
    assert (width, height) == (800, 2400)
    assert Counter(pixels)[(15, 23, 42)] > 0.3 * len(pixels)  # the header's dark band
    if os.environ.get("GITOPS_GUARD_KEEP_SCREENSHOTS"):  # to look at it
        Path(os.environ["GITOPS_GUARD_KEEP_SCREENSHOTS"]).write_bytes(data)
