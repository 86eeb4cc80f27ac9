#!/usr/bin/env python3
"""Benchmark the HTML report of a long history: its size, how long headless Chromium takes
to render it, and what the report command costs (issue 15).

The history is ``bench/generate_history.py``'s (20,000 commits by default, kept under
``bench/out/`` and reused, as ``history_bench.py`` keeps it). Medians of ``--runs`` runs,
each case after one untimed run (so the history cache is warm and the files are in the
page cache):

* ``report --format html``: wall time of the command and its peak RSS (as
  ``history_bench.py`` measures them), and the page's size in bytes;
* Chromium: ``chromium --headless --dump-dom file://…/report.html`` with a fresh profile,
  wall time from start to exit; the same on a one-line page (the browser's own start-up
  and exit, the floor); their difference (what the page costs); and the page's own mark:
  the events table's ``data-ready-ms``, which the page's script sets from
  ``performance.now()`` (milliseconds since navigation start, Chromium's clock) after it
  has wired the table and forced a first layout, read back from the dumped DOM. A page
  without the mark (an older report) shows ``-`` there;
* the sample repository's report (``gitops-guard demo``'s history): its size.

    python bench/report_html_bench.py                   # 20,000 commits, 5 runs
    python bench/report_html_bench.py --commits 5000 --runs 3 [--script OTHER/gitops-guard]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

# Chromium is driven as the Chromium tests drive it (one list of flags).
from tests.integration.test_report_html_chromium import FLAGS as CHROMIUM_FLAGS

from history_bench import DEFAULT_OUT, _mib, prepare, progress, run_report
from run import _duration, _layout, console_script
from run import _version as _tool_version

DEFAULT_COMMITS = 20_000
# Targets from issue 15.
PAGE_BYTES = 3_000_000
RENDER_SECONDS = 3.0
CHROMIUM_TIMEOUT = 600.0
READY = re.compile(r'data-ready-ms="(\d+)"')


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("report_html_bench.py: no chromium on PATH (apt-get install chromium)")


def dump_dom(binary: str, page: Path, scratch: Path) -> tuple[float, int | None]:
    """One ``--dump-dom`` of ``page`` with a fresh profile: wall seconds, and the page's
    ready mark (ms since navigation start) when it has one."""
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=scratch))
    argv = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()]
    started = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=False
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0 or "</html>" not in done.stdout:
        raise SystemExit(f"chromium failed on {page}: {done.stderr[-2000:]}")
    mark = READY.search(done.stdout)
    return elapsed, int(mark.group(1)) if mark else None


def sample_report(script: Path, scratch: Path) -> int:
    """The size of the HTML report of the demo's sample repository."""
    from gitops_guard.demo.sample import build_sample_repository

    root = build_sample_repository(scratch / "sample")
    out = scratch / "sample-report"
    subprocess.run(
        [str(script), "report", "--format", "html", "--out", str(out)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return (out / "report.html").stat().st_size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--manifests", type=int, default=300, help="YAML files (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    parser.add_argument("--fresh", action="store_true", help="regenerate the repository")
    parser.add_argument("--script", type=Path, default=None, help="the gitops-guard to run")
    parser.add_argument(
        "--keep", type=Path, default=None, metavar="FILE", help="copy the page to FILE"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    script = args.script or console_script()
    binary = chromium_binary()
    browser = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    print(
        f"{_tool_version(script)} · {browser.strip()} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case after 1 untimed"
    )
    repo, stats = prepare(args.out, args.commits, args.manifests, args.seed, args.fresh)
    print(f"{repo.name}: {stats.commits:,} commits, {stats.promotions_total:,} image changes")
    with tempfile.TemporaryDirectory(prefix="gitops-guard-html-bench-") as tmp:
        scratch = Path(tmp)
        out = scratch / "report"
        page = out / "report.html"
        progress("report --format html ...")
        times, peaks = [], []
        for run in range(args.runs + 1):
            seconds, peak, code, stderr = run_report(script, repo, out, "html")
            if code != 0:
                raise SystemExit(f"report --format html exited {code}: {stderr[-2000:]}")
            if run:
                times.append(seconds)
                peaks.append(peak)
        size = page.stat().st_size
        if args.keep:
            shutil.copyfile(page, args.keep)
        blank = scratch / "blank.html"
        blank.write_text("<!DOCTYPE html><title>blank</title><p>blank\n", encoding="utf-8")
        progress("chromium --dump-dom ...")
        walls, floors, marks = [], [], []
        for run in range(args.runs + 1):
            wall, mark = dump_dom(binary, page, scratch)
            floor, _none = dump_dom(binary, blank, scratch)
            if run:
                walls.append(wall)
                floors.append(floor)
                if mark is not None:
                    marks.append(mark / 1000)
        progress("the sample repository's report ...")
        sample = sample_report(script, scratch)

    render = statistics.median(w - f for w, f in zip(walls, floors, strict=True))
    ready = statistics.median(marks) if marks else None
    rows: list[tuple[str, ...]] = [("case", "runs", "median", "min", "max", "target", "")]

    def timed(name: str, values: list[float], target: str = "-", verdict: str = "") -> None:
        rows.append(
            (
                name,
                str(len(values)),
                _duration(statistics.median(values)),
                _duration(min(values)),
                _duration(max(values)),
                target,
                verdict,
            )
        )

    timed("report --format html (warm cache)", times)
    rows.append(("peak RSS of the report", str(len(peaks)), _mib(statistics.median(peaks) * 1024),
                 _mib(min(peaks) * 1024), _mib(max(peaks) * 1024), "-", ""))  # fmt: skip
    page_ok = "ok" if size <= PAGE_BYTES else "MISSED"
    rows.append(("page size", "-", f"{size / 1e6:.2f} MB", "-", "-", "<= 3 MB", page_ok))
    rows.append(("sample repository's page size", "-", f"{sample / 1e3:.1f} kB", "-", "-", "-", ""))
    timed("chromium --dump-dom, the page (wall)", walls)
    timed("chromium --dump-dom, a blank page (wall)", floors)
    render_ok = "ok" if render <= RENDER_SECONDS else "MISSED"
    timed("render: page minus blank", [w - f for w, f in zip(walls, floors, strict=True)],
          "<= 3 s", render_ok)  # fmt: skip
    if ready is not None:
        timed("page's ready mark (navigation start → table wired, laid out)", marks)
    else:
        rows.append(("page's ready mark", "-", "-", "-", "-", "-", "the page sets none"))
    print()
    print(_layout(rows))
    return 0 if page_ok == render_ok == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
