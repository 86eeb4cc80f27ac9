#!/usr/bin/env python3
"""Benchmark history reconstruction (``gitops-guard report``) against what Git costs.

For each size, a repository made by ``bench/generate_history.py`` (kept under
``bench/out/`` and reused) is measured, medians of ``--runs`` runs:

* the floor: ``git log --first-parent --raw`` over the manifest paths streamed into
  ``git cat-file --batch`` of every distinct blob it names, both processes running at
  once (the least any reconstruction of the history must read);
* ``gitops-guard report --format json --out DIR`` cold (``.git/gitops-guard/`` deleted
  before each run), warm (the cache of the cold run kept), and warm after 100 new
  commits (appended with fast-import, with the cache as the warm run left it);
* the peak RSS: the sum of the report's Python processes (the report and its replay
  worker, sampled every 50 ms from ``/proc``), or ``ru_maxrss`` from ``os.wait4`` (the
  largest of the report and the processes it waited for) when that is larger;

then the ratios to the floor and the targets of issue 6. While ``report`` does not
exist (``gitops-guard report --help`` fails), only the floor is measured.

    python bench/history_bench.py                       # 10,000 and 100,000 commits, 3 runs
    python bench/history_bench.py --commits 10000 --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import GENERATOR_VERSION, Stats, _git, append_history, generate_history
from run import _duration, _layout, console_script
from run import _version as _tool_version

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out"
DEFAULT_COMMITS = (10_000, 100_000)
APPENDED = 100
ZERO = b"0" * 40
MANIFEST_PATHS = ("*.yaml", "*.yml")
# Targets from issue 6.
COLD_RATIO = 3.0  # cold report within this many times the floor
COLD_SECONDS = {100_000: 60.0}  # cold report under this, by size
APPEND_SECONDS = 2.0  # cached re-run with 100 new commits
PEAK_MIB = 500.0


@dataclass
class Floor:
    """One floor run: what ``git log`` listed and ``cat-file`` returned."""

    seconds: float
    commits: int = 0
    changes: int = 0
    blobs: int = 0  # distinct blobs read
    bytes: int = 0  # cat-file output, headers included


@dataclass
class Timed:
    """The runs of one case."""

    name: str
    times: list[float] = field(default_factory=list)
    peak_kib: int = 0
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    target: float | None = None  # seconds
    ratio_target: float | None = None  # × floor
    available: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.times)


# --- repositories ------------------------------------------------------------------------


def progress(text: str) -> None:
    """A line on stderr, after what stdout holds so far (so both interleave in a log)."""
    sys.stdout.flush()
    print(text, file=sys.stderr, flush=True)


def prepare(out: Path, commits: int, manifests: int, seed: int, fresh: bool) -> tuple[Path, Stats]:
    """The generated repository of ``commits`` commits, reused when it matches."""
    name = f"history-{commits}-m{manifests}-seed-{seed}"
    repo, record = out / name, out / f"{name}.json"
    if not fresh and record.is_file() and (repo / ".git").is_dir():
        stats = Stats.from_json(json.loads(record.read_text(encoding="utf-8")))
        if stats.generator_version == GENERATOR_VERSION:
            if _git(repo, "rev-parse", "main").strip() != stats.head:  # an interrupted run
                _git(repo, "update-ref", "refs/heads/main", stats.head)
                _git(repo, "reset", "-q", "--hard", "main")
            return repo, stats
    if repo.exists():
        shutil.rmtree(repo)
    out.mkdir(parents=True, exist_ok=True)
    progress(f"generating {repo} ...")
    stats = generate_history(repo, commits, manifests, seed)
    record.write_text(json.dumps(stats.to_json(), indent=2) + "\n", encoding="utf-8")
    return repo, stats


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def repository_size(repo: Path) -> tuple[int, int]:
    """Bytes under ``.git/objects`` and the number of blobs there."""
    kinds = _git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)")
    return tree_size(repo / ".git" / "objects"), kinds.count("blob")


# --- the floor ---------------------------------------------------------------------------


def floor(repo: Path) -> Floor:
    """``git log --raw`` of the manifests piped into ``git cat-file --batch``, streaming.

    Every new blob id of the raw lines is asked for once (the first time it shows up);
    a reader thread drains ``cat-file`` while the log is still being parsed.
    """
    log_argv = [
        "git",
        "log",
        "--first-parent",
        "--diff-merges=first-parent",  # what --first-parent implies since Git 2.31
        "--no-renames",  # as any reader of --raw must (diff.renames would cost time)
        "--pretty=raw",
        "--raw",
        "--no-abbrev",
        "-z",
        "main",
        "--",
        *MANIFEST_PATHS,
    ]
    started = time.perf_counter()
    log = subprocess.Popen(log_argv, cwd=repo, stdout=subprocess.PIPE)
    cat = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert log.stdout is not None
    assert cat.stdin is not None
    assert cat.stdout is not None
    received = [0]

    def drain(stream: IO[bytes]) -> None:
        while chunk := stream.read(1 << 16):
            received[0] += len(chunk)

    reader = threading.Thread(target=drain, args=(cat.stdout,))
    reader.start()
    result = Floor(0.0)
    seen: set[bytes] = set()
    pending: list[bytes] = []
    buffer = b""
    path_next = False
    while chunk := log.stdout.read(1 << 16):
        *tokens, buffer = (buffer + chunk).split(b"\0")
        for token in tokens:
            if path_next:  # the path after a ":meta" token
                path_next = False
                continue
            last = token.rpartition(b"\n")[2]
            if token.startswith((b"commit ", b"\ncommit ")):
                result.commits += 1
            if not last.startswith(b":"):
                continue
            path_next = True
            result.changes += 1
            _old_mode, new_mode, _old, new, _status = last[1:].split(b" ", 4)
            if new != ZERO and new_mode != b"160000" and new not in seen:
                seen.add(new)
                pending.append(new)
                if len(pending) >= 512:
                    cat.stdin.write(b"\n".join(pending) + b"\n")
                    pending.clear()
    if pending:
        cat.stdin.write(b"\n".join(pending) + b"\n")
    cat.stdin.close()
    reader.join()
    codes = (log.wait(), cat.wait())
    result.seconds = time.perf_counter() - started
    if codes != (0, 0):
        raise RuntimeError(f"floor: git log / cat-file exited {codes}")
    result.blobs = len(seen)
    result.bytes = received[0]
    return result


# --- gitops-guard report -----------------------------------------------------------------


def report_available(script: Path) -> bool:
    done = subprocess.run([str(script), "report", "--help"], capture_output=True, check=False)
    return done.returncode == 0


def run_report(
    script: Path, repo: Path, out: Path, fmt: str = "json"
) -> tuple[float, int, int, str]:
    """One ``report --format FMT --out OUT`` in ``repo``: seconds, peak RSS (KiB), exit
    code, stderr. The peak is the larger of the child's ``ru_maxrss`` from ``os.wait4``
    (its own or a waited-for process's, whichever is largest) and the sum of the report's
    Python processes (the report and its replay worker), sampled every 50 ms."""
    argv = [str(script), "report", "--format", fmt, "--out", str(out)]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=repo, stdout=subprocess.DEVNULL, stderr=errors)
        sampled = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_python_rss, args=(process.pid, sampled, done))
        sampler.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            done.set()
            sampler.join()
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
    return elapsed, max(usage.ru_maxrss, sampled[0]), process.returncode, text


def _sample_python_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    """Keep in ``peak[0]`` the largest sum of VmRSS (KiB) over ``pid`` and its descendants
    that run the same program (forked workers; Git processes are left out)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    while not done.wait(0.05):  # often enough for runs of seconds, rarely enough not to slow them
        try:
            program = (proc / str(pid) / "comm").read_text()
        except OSError:
            return
        total, pending = 0, [pid]
        while pending:
            current = pending.pop()
            try:
                if (proc / str(current) / "comm").read_text() != program:
                    continue
                status = (proc / str(current) / "status").read_text()
                total += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
                for task in (proc / str(current) / "task").iterdir():
                    pending.extend(int(c) for c in (task / "children").read_text().split())
            except (OSError, ValueError, IndexError):
                continue
        peak[0] = max(peak[0], total)


def cache_dir(repo: Path) -> Path:
    return repo / ".git" / "gitops-guard"


def measure(
    case: Timed,
    runs: int,
    script: Path,
    repo: Path,
    out: Path,
    before: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Timed:
    for _ in range(runs):
        if before is not None:
            before()
        os.sync()  # what the set-up wrote (a restored cache, new commits) is not timed
        try:
            seconds, peak, code, stderr = run_report(script, repo, out)
        finally:
            if after is not None:
                after()
        case.times.append(seconds)
        case.peak_kib = max(case.peak_kib, peak)
        case.codes.add(code)
        case.stderr = case.stderr or stderr
    return case


def report_cases(
    script: Path, repo: Path, stats: Stats, manifests: int, runs: int, scratch: Path
) -> tuple[list[Timed], int | None]:
    """Cold, warm, and warm after ``APPENDED`` new commits, and the events the cold run
    wrote; the repository is left as found."""
    commits = stats.commits
    out = scratch / "report"
    out.mkdir(parents=True, exist_ok=True)
    cold = Timed(
        f"report cold, {commits:,} commits",
        target=COLD_SECONDS.get(commits),
        ratio_target=COLD_RATIO,
    )
    measure(cold, runs, script, repo, out, before=lambda: shutil.rmtree(cache_dir(repo), True))
    events = count_events(out)
    warm = measure(Timed(f"report warm, {commits:,} commits"), runs, script, repo, out)
    appended = Timed(f"report warm + {APPENDED} new commits, {commits:,}", target=APPEND_SECONDS)
    snapshot = scratch / "cache"
    shutil.rmtree(snapshot, True)
    if cache_dir(repo).is_dir():
        shutil.copytree(cache_dir(repo), snapshot)

    def grow() -> None:
        append_history(repo, commits, APPENDED, manifests, stats.seed)

    def restore() -> None:
        _git(repo, "update-ref", "refs/heads/main", stats.head)
        _git(repo, "reset", "-q", "--hard", "main")
        shutil.rmtree(cache_dir(repo), True)
        if snapshot.is_dir():
            shutil.copytree(snapshot, cache_dir(repo))

    measure(appended, runs, script, repo, out, before=grow, after=restore)
    return [cold, warm, appended], events


def count_events(out: Path) -> int | None:
    """The events of a report.json, counted line by line (one event per line).

    Loading the document whole would grow this process by hundreds of MiB, and the
    ``ru_maxrss`` of every report started after it would begin at that size (a child's
    peak counts its pages from before ``exec``).
    """
    try:
        with (out / "report.json").open(encoding="utf-8") as document:
            if not next(document, "").startswith('{"events": ['):
                return None
            for count, line in enumerate(document):
                if line.startswith("]"):
                    return count
    except OSError:
        return None
    return None


# --- printing ----------------------------------------------------------------------------


def _mib(count: float) -> str:
    return f"{count / (1 << 20):,.1f} MiB"


def verdict(case: Timed, floor_median: float) -> tuple[str, list[str]]:
    """The target text and what it misses."""
    targets, missed = [], []
    if case.ratio_target is not None:
        targets.append(f"<= {case.ratio_target:g}x floor")
        if case.median > case.ratio_target * floor_median:
            missed.append("ratio")
    if case.target is not None:
        targets.append(f"< {case.target:g} s")
        if case.median >= case.target:
            missed.append("time")
    targets.append(f"< {PEAK_MIB:g} MiB")
    if case.peak_kib / 1024 >= PEAK_MIB:
        missed.append("memory")
    return ", ".join(targets), missed


def table(
    floors: dict[int, list[Floor]], reports: dict[int, list[Timed]], available: bool
) -> tuple[str, bool]:
    header = ("case", "runs", "median", "min", "max", "peak RSS", "x floor", "target", "")
    rows: list[tuple[str, ...]] = [header]
    missed_any = False
    for commits, runs in floors.items():
        times = [f.seconds for f in runs]
        base = statistics.median(times)
        rows.append(
            (
                f"floor: git log --raw + cat-file, {commits:,} commits",
                str(len(times)),
                _duration(base),
                _duration(min(times)),
                _duration(max(times)),
                "-",
                "1.0x",
                "-",
                "",
            )
        )
        if not available:
            for name in ("cold", "warm", f"warm + {APPENDED} new commits"):
                rows.append(
                    (f"report {name}, {commits:,} commits", *("-",) * 7, "not available yet")
                )
            continue
        for case in reports[commits]:
            target, missed = verdict(case, base)
            missed_any = missed_any or bool(missed)
            rows.append(
                (
                    case.name,
                    str(len(case.times)),
                    _duration(case.median),
                    _duration(min(case.times)),
                    _duration(max(case.times)),
                    _mib(case.peak_kib * 1024),
                    f"{case.median / base:.1f}x",
                    target,
                    ("MISSED: " + ", ".join(missed)) if missed else "ok",
                )
            )
    return _layout(rows), missed_any


def _git_version() -> str:
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--commits",
        default=",".join(str(c) for c in DEFAULT_COMMITS),
        help="history sizes in commits, comma-separated (default 10000,100000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per case (default 3)")
    parser.add_argument("--manifests", type=int, default=300, help="YAML files (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help="where the repositories are kept and reused (default bench/out/)",
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the repositories")
    parser.add_argument(
        "--script",
        type=Path,
        default=None,
        help="the gitops-guard to run (default: next to this Python, else .venv/bin)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        sizes = sorted({int(c) for c in args.commits.split(",") if c.strip()})
    except ValueError:
        parser.error(f"--commits {args.commits!r}: expected numbers such as 10000,100000")
    if not sizes or sizes[0] < 2:
        parser.error("--commits: give sizes of at least 2 commits")

    script = args.script or console_script()
    available = report_available(script)
    print(
        f"{_tool_version(script)} · {_git_version()} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case, floor after 1 warm-up"
    )
    repos: dict[int, tuple[Path, Stats]] = {}
    for commits in sizes:
        repos[commits] = prepare(args.out, commits, args.manifests, args.seed, args.fresh)
    print()
    rows: list[tuple[str, ...]] = [
        (
            "repository",
            "commits",
            "all commits",
            "YAML files",
            "apps",
            "image changes",
            "rollbacks",
            ".git/objects",
            "blobs",
            "generated in",
            "",
        )
    ]
    for repo, stats in repos.values():
        size, blobs = repository_size(repo)
        rows.append(
            (
                repo.name,
                f"{stats.commits:,}",
                f"{stats.all_commits:,}",
                str(stats.manifests),
                str(stats.apps),
                f"{stats.promotions_total:,}",
                str(stats.rollbacks),
                _mib(size),
                f"{blobs:,}",
                f"{stats.seconds:.2f} s",
                "",
            )
        )
    print(_layout(rows))
    print()

    floors: dict[int, list[Floor]] = {}
    reports: dict[int, list[Timed]] = {}
    events: dict[int, int | None] = {}
    caches: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="gitops-guard-history-bench-") as tmp:
        for commits, (repo, stats) in repos.items():
            progress(f"floor, {commits:,} commits ...")
            floor(repo)  # warm-up: the pack in the file cache
            floors[commits] = [floor(repo) for _ in range(args.runs)]
            if available:
                progress(f"report, {commits:,} commits ...")
                scratch = Path(tmp) / str(commits)
                scratch.mkdir()
                reports[commits], events[commits] = report_cases(
                    script, repo, stats, args.manifests, args.runs, scratch
                )
                caches[commits] = tree_size(cache_dir(repo)) if cache_dir(repo).is_dir() else 0
    text, missed = table(floors, reports, available)
    print(text)
    print()
    for commits, runs in floors.items():
        f = runs[0]
        print(
            f"floor, {commits:,} commits: {f.commits:,} commits listed, {f.changes:,} changed "
            f"manifest paths, {f.blobs:,} distinct blobs read ({_mib(f.bytes)} from cat-file)"
        )
    if not available:
        print(
            "\nreport: not available yet (`gitops-guard report --help` fails); "
            "only the floor was measured"
        )
    for commits, cases in reports.items():
        found = events.get(commits)
        print(
            f"report, {commits:,} commits: "
            + (f"{found:,} events in report.json" if found is not None else "no report.json")
            + f"; cache .git/gitops-guard/: {_mib(caches.get(commits, 0))}"
        )
        for case in cases:
            unexpected = sorted(case.codes - {0, 1})
            problems = [line for line in case.stderr.splitlines() if line.strip()]
            if unexpected or problems:
                codes = ", ".join(str(c) for c in sorted(case.codes))
                print(f"note: {case.name}: exit {codes}; {len(problems)} line(s) on stderr")
                for line in problems[:5]:
                    print(f"  {line}")
    print(
        "\nmedians of wall time; x floor = median / the floor's median; peak RSS = the sum of "
        "the report's Python processes (report + replay worker, sampled every 50 ms), or the "
        "largest ru_maxrss of the report and the processes it waited for if larger"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
