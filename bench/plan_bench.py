#!/usr/bin/env python3
"""Benchmark ``gitops-guard plan`` on a long history with a warm cache (issue 16).

The history is ``bench/generate_history.py``'s (100,000 commits by default, kept under
``bench/out/`` and reused, as ``history_bench.py`` keeps it). Cases, each the wall time
of the installed console script in a subprocess (cwd = the repository), medians of
``--runs`` runs:

* ``plan --format json -o FILE``, cold: ``.git/gitops-guard/`` deleted first (the plan
  then judges the whole history once and stores it, as ``report`` does); one run;
* the same, warm: the cache the cold run left (the ledger after the head is read from
  it, nothing is replayed); after one untimed run;
* warm after a report: ``report --format json`` ran first (the cache ``report`` and
  ``check`` share), then ``plan``;
* warm after 100 new commits (appended with fast-import on top of a warm cache; each run
  starts from the same cache, restored before it): the plan judges only those.

Target: the warm plan under 1.5 s. Exit status 1 when it is missed.

    python bench/plan_bench.py                           # 100,000 commits, 5 runs
    python bench/plan_bench.py --commits 20000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import MARKS_FILE, append_history
from history_bench import DEFAULT_OUT, cache_dir, prepare, progress, run_report
from run import _duration, console_script
from run import _version as _tool_version

DEFAULT_COMMITS = 100_000
APPENDED = 100
PLAN_SECONDS = 1.5  # issue 16: plan on the 100,000-commit history, warm cache


@dataclass
class Timed:
    name: str
    target: float | None
    times: list[float] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    rows: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run_plan(script: Path, repo: Path, target: Path) -> tuple[float, int, str]:
    argv = [str(script), "plan", "--format", "json", "-o", str(target)]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stderr


def measure(
    case: Timed,
    runs: int,
    script: Path,
    repo: Path,
    target: Path,
    before: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Timed:
    for _ in range(runs):
        if before is not None:
            before()
        try:
            seconds, code, stderr = run_plan(script, repo, target)
        finally:
            if after is not None:
                after()
        case.times.append(seconds)
        case.codes.add(code)
        case.stderr = case.stderr or stderr
        if code == 0:
            case.rows = len(json.loads(target.read_text(encoding="utf-8"))["promotions"])
    return case


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS)
    parser.add_argument("--manifests", type=int, default=300, help="YAML files (default 300)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where histories are kept")
    parser.add_argument("--fresh", action="store_true", help="regenerate the repository")
    parser.add_argument("--script", type=Path, default=None, help="the gitops-guard to time")
    args = parser.parse_args(argv)
    script = args.script or console_script()
    print(
        f"gitops-guard {_tool_version(script)}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    repo, _stats = prepare(args.out, args.commits, args.manifests, args.seed, args.fresh)
    print(f"history: {args.commits:,} commits, {args.manifests} manifests ({repo})")
    scratch = Path(tempfile.mkdtemp(prefix="gg-plan-bench-"))
    target = scratch / "plan.json"
    cache = cache_dir(repo)
    cases: list[Timed] = []
    try:
        shutil.rmtree(cache, ignore_errors=True)
        progress("plan, cold ...")
        cases.append(measure(Timed("plan, cold (no cache)", None), 1, script, repo, target))
        run_plan(script, repo, target)  # untimed
        progress("plan, warm ...")
        cases.append(measure(Timed("plan, warm", PLAN_SECONDS), args.runs, script, repo, target))
        shutil.rmtree(cache, ignore_errors=True)
        progress("report, then plan ...")
        seconds, _peak, _code, _err = run_report(script, repo, scratch / "report")
        print(f"report --format json, cold, to warm the shared cache: {_duration(seconds)}")
        after_report = Timed("plan, warm (after report)", PLAN_SECONDS)
        cases.append(measure(after_report, args.runs, script, repo, target))
        # 100 new commits on top of the warm cache; the same commits and cache every run.
        saved = scratch / "cache"
        shutil.copytree(cache, saved)
        head = subprocess.run(
            ["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        marks = repo / ".git" / MARKS_FILE
        saved_marks = scratch / "marks"
        shutil.copy(marks, saved_marks)

        def restore() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(saved, cache)

        def rewind() -> None:
            subprocess.run(["git", "update-ref", "refs/heads/main", head], cwd=repo, check=True)
            subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)
            shutil.copy(saved_marks, marks)

        try:
            append_history(repo, args.commits, APPENDED, args.manifests, args.seed)
            cases.append(
                measure(
                    Timed(f"plan, warm + {APPENDED} new commits", None),
                    args.runs,
                    script,
                    repo,
                    target,
                    before=restore,
                )
            )
        finally:
            rewind()
            restore()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print("| case | runs | median | min | max | rows | target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    missed = False
    for case in cases:
        ok = ""
        if case.target is not None:
            passed = case.median <= case.target
            missed = missed or not passed
            ok = f"≤ {case.target:.1f} s {'ok' if passed else 'SLOW'}"
        print(
            f"| {case.name} | {len(case.times)} | {_duration(case.median)} | "
            f"{_duration(min(case.times))} | {_duration(max(case.times))} | {case.rows} | {ok} |"
        )
        if case.codes != {0}:
            print(f"  exit codes {sorted(case.codes)}: {case.stderr.strip()[:400]}")
            missed = True
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
