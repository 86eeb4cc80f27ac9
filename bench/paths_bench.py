#!/usr/bin/env python3
"""Benchmark ``gitops-guard validate`` of explicit paths against the whole repository (issue 15).

The pre-commit hook hands ``validate`` the files of a commit, and ``pre-commit run
--all-files`` thousands of them per batch: explicit paths must never cost more than the
whole repository. The repository is ``bench/generate.py``'s (10,000 YAML files by
default, kept under ``bench/out/`` and reused, as ``run.py --keep`` keeps them). Cases,
each the wall time of the installed console script in a subprocess (cwd = the
repository) and its peak RSS (``ru_maxrss`` from ``os.wait4``), medians of ``--runs``
runs after one untimed run:

* ``validate --format json P1 ... PN`` for N in ``--counts`` (default 1, 10, 100, 300):
  N YAML files of the repository drawn with the seed (each set holds the smaller ones);
* ``validate --format json``: the whole repository.

The CPU column (user + system time of the process, ``os.wait4``) is steadier than wall
time on a busy machine.

Target: every explicit-path case no slower than the whole repository (its median).
Exit status 1 when one is slower, or a run exits other than 0 or 1 (findings are
expected: the generator plants them).

    python bench/paths_bench.py                          # 10,000 files, 5 runs
    python bench/paths_bench.py --files 54799 --runs 3 --counts 1,10,100,300,3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _duration, _layout, console_script, prepare
from run import _version as _tool_version

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Timed:
    name: str
    paths: int | None  # None: the whole repository
    times: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + system seconds
    peaks: list[int] = field(default_factory=list)  # KiB
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    findings: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run(argv: Sequence[str], cwd: Path) -> tuple[float, float, int, int, bytes, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KiB), exit code, stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (
            elapsed,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss,
            os.waitstatus_to_exitcode(status),
            out.read(),
            err.read().decode("utf-8", "replace"),
        )


def yaml_paths(repo: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return sorted(p for p in listed.split("\0") if p.endswith((".yaml", ".yml")))


def measure(case: Timed, argv: list[str], repo: Path, runs: int) -> Timed:
    for index in range(1 + runs):
        seconds, cpu, peak, code, stdout, stderr = run(argv, repo)
        if index == 0:
            continue  # untimed: the file cache is warm for every case alike
        case.times.append(seconds)
        case.cpus.append(cpu)
        case.peaks.append(peak)
        case.codes.add(code)
        case.stderr = case.stderr or stderr
        if case.findings is None and code in (0, 1):
            case.findings = len(json.loads(stdout)["findings"])
    return case


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="YAML files (default 10000)")
    parser.add_argument("--counts", default="1,10,100,300", help="explicit path counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where repositories are kept")
    parser.add_argument("--script", type=Path, default=None, help="the gitops-guard to time")
    args = parser.parse_args(argv)
    script = args.script or console_script()
    counts = [int(n) for n in args.counts.split(",") if n]
    print(
        f"gitops-guard {_tool_version(script)}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as scratch:
        repo, stats = prepare(args.files, args.seed, args.out, Path(scratch))
        print(f"repository: {stats.yaml_files:,} YAML files, {stats.apps} apps ({repo})")
        candidates = yaml_paths(repo)
        random.Random(args.seed).shuffle(candidates)
        cases: list[Timed] = []
        for count in counts:
            chosen = candidates[:count]
            print(f"validate {count} paths ...", file=sys.stderr, flush=True)
            command = [str(script), "validate", "--format", "json", *chosen]
            case = Timed(f"validate {count:,} paths", count)
            cases.append(measure(case, command, repo, args.runs))
        print("validate, whole repository ...", file=sys.stderr, flush=True)
        whole = Timed("validate, whole repository", None)
        measure(whole, [str(script), "validate", "--format", "json"], repo, args.runs)
        cases.append(whole)
    header = ("case", "runs", "median", "min", "max", "CPU", "per path", "peak RSS", "findings")
    rows = [(*header, "target")]
    missed = False
    for case in cases:
        target = "-"
        per_path = "-"
        if case.paths is not None:
            passed = case.median <= whole.median
            missed = missed or not passed
            target = f"≤ whole {'ok' if passed else 'SLOW'}"
            per_path = _duration(case.median / case.paths)
        rows.append(
            (
                case.name,
                str(len(case.times)),
                _duration(case.median),
                _duration(min(case.times)),
                _duration(max(case.times)),
                _duration(statistics.median(case.cpus)),
                per_path,
                _mib(statistics.median(case.peaks)),
                "-" if case.findings is None else f"{case.findings:,}",
                target,
            )
        )
    print()
    print(_layout(rows))
    for case in cases:
        if not case.codes <= {0, 1}:
            print(f"  {case.name}: exit codes {sorted(case.codes)}: {case.stderr.strip()[:400]}")
            missed = True
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
