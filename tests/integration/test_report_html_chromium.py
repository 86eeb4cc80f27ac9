"""The HTML report in real headless Chromium: the DOM after scripts ran, and a screenshot.

Debian's ``chromium`` (CI installs it; locally the tests skip without it) loads the page
from a file, with a fresh profile and no network features, and either dumps the DOM after
load (``--dump-dom``: the page's script has run by then) or takes a screenshot. The DOM is
read with the same strict reader as the unit tests. The PNG is checked with the standard
library only: chunk CRCs, size, and real pixels decoded from its top rows.
"""

from __future__ import annotations

import datetime
import os
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
    AuditEvent,
    AuditOptions,
)
from gitops_guard.demo.sample import build_sample_repository
from gitops_guard.formats.report import html as report_html
from gitops_guard.formats.report.render import render_report
from tests.conftest import require_tool
from tests.formats.test_report_html import Page, event_rows, hostile_audit, synthetic

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
    assert len(dom.find("button")) == 10  # one sort button per column header


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
    assert len(dom.find("script")) == 1
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
    assert sum(dom.markers().values()) == 5000


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
