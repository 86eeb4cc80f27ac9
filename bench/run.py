#!/usr/bin/env python3
"""Run gitops-guard's benchmarks and print a table of medians.

Every case runs the installed console script in a subprocess, with ``cwd`` set to a
repository made by ``bench/generate.py``, timed with ``time.perf_counter`` around the
whole process (start-up, reading, output). Each case is run once untimed to warm the
file cache, then ``--runs`` times; the table shows the median, min and max.

    python bench/run.py                      # 5 runs, repositories of 1,000 and 10,000 files
    python bench/run.py --runs 10 --sizes 1000,10000,50000
    python bench/run.py --keep               # keep/reuse repositories under bench/out/
    python bench/run.py --only images        # cases whose name contains "images"

To add a benchmark, add a :class:`Case` in :func:`cases`.
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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import GENERATOR_VERSION, Stats, generate

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out"
DEFAULT_SIZES = (1000, 10000)


@dataclass(frozen=True)
class Case:
    """One benchmark: ``gitops-guard <argv>`` run in a generated repository.

    ``argv`` may name sample files of the repository as ``{overlay}``, ``{base}``,
    ``{manifest}``, ``{values}`` or ``{application}`` (see ``Stats.sample_files``).
    ``size`` is the repository it runs in (YAML files), None for any. ``target`` is
    the median to stay under, in seconds. With ``count_images`` stdout is the JSON
    inventory and images/s is reported. ``exit_codes`` are the expected exit codes.
    """

    name: str
    argv: tuple[str, ...]
    size: int | None = None
    target: float | None = None
    count_images: bool = False
    rates: bool = False  # report files/s (the whole repository is read)
    exit_codes: tuple[int, ...] = (0, 1)


def cases(sizes: Sequence[int]) -> list[Case]:
    """Every benchmark, in the order of the table."""
    largest = max(sizes)
    found = [Case("start-up: --version", ("--version",), target=0.150)]
    for size in sizes:
        found.append(
            Case(
                f"images --format json, {size:,} files",
                ("images", "--format", "json"),
                size=size,
                target=10.0 if size == 10_000 else None,
                count_images=True,
                rates=True,
            )
        )
    found.append(
        Case(
            f"images <one file>, {largest:,}-file repo",
            ("images", "{overlay}"),
            size=largest,
        )
    )
    return found


# --- running ---------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    times: list[float] = field(default_factory=list)
    images: int | None = None
    files: int | None = None
    exit_codes: set[int] = field(default_factory=set)
    stderr: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def console_script() -> Path:
    """The installed ``gitops-guard`` next to this Python, else the project's .venv."""
    name = "gitops-guard.exe" if os.name == "nt" else "gitops-guard"
    for candidate in (
        Path(sys.executable).parent / name,
        BENCH.parent / ".venv" / "bin" / name,
    ):
        if candidate.is_file():
            return candidate
    found = shutil.which("gitops-guard")
    if found is None:
        raise SystemExit("run.py: no gitops-guard console script found (pip install -e .)")
    return Path(found)


def prepare(size: int, seed: int, keep: Path | None, scratch: Path) -> tuple[Path, Stats]:
    """A generated repository of ``size`` files: reused from ``keep`` when it matches."""
    name = f"files-{size}-seed-{seed}"
    if keep is None:
        repo = scratch / name
        return repo, generate(repo, size, seed)
    repo = keep / name
    record = keep / f"{name}.json"
    if record.is_file() and (repo / ".git").is_dir():
        data = json.loads(record.read_text(encoding="utf-8"))
        if data.get("generator_version") == GENERATOR_VERSION:
            return repo, Stats.from_json(data)
    if repo.exists():
        shutil.rmtree(repo)
    keep.mkdir(parents=True, exist_ok=True)
    stats = generate(repo, size, seed)
    record.write_text(json.dumps(stats.to_json(), indent=2) + "\n", encoding="utf-8")
    return repo, stats


def run_case(case: Case, script: Path, repo: Path, stats: Stats, runs: int, warmup: int) -> Result:
    argv = [str(script), *(a.format(**stats.sample_files) for a in case.argv)]
    result = Result(case, files=stats.yaml_files if case.rates else None)
    for index in range(warmup + runs):
        started = time.perf_counter()
        completed = subprocess.run(argv, cwd=repo, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if index < warmup:
            continue
        result.times.append(elapsed)
        result.exit_codes.add(completed.returncode)
        if index == warmup:
            result.stderr = completed.stderr.decode("utf-8", "replace")
            if case.count_images and completed.returncode in (0, 1):
                result.images = len(json.loads(completed.stdout)["images"])
    return result


# --- printing --------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _target(seconds: float) -> str:
    return f"< {seconds * 1000:g} ms" if seconds < 1 else f"< {seconds:g} s"


def _rate(count: int | None, seconds: float) -> str:
    return "-" if count is None else f"{count / seconds:,.0f}"


def table(results: list[Result]) -> str:
    header = ("case", "median", "min", "max", "files/s", "images/s", "target", "")
    rows: list[tuple[str, ...]] = [header]
    for r in results:
        target = r.case.target
        verdict = ""
        if target is not None:
            verdict = "ok" if r.median < target else "SLOW"
        rows.append(
            (
                r.case.name,
                _duration(r.median),
                _duration(min(r.times)),
                _duration(max(r.times)),
                _rate(r.files, r.median),
                _rate(r.images, r.median),
                _target(target) if target is not None else "-",
                verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:-1], strict=True)]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths[:-1]))
    return "\n".join(lines)


def _version(script: Path) -> str:
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "gitops-guard (unknown version)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="repository sizes in YAML files, comma-separated (default 1000,10000)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep",
        type=Path,
        nargs="?",
        const=DEFAULT_OUT,
        default=None,
        metavar="DIR",
        help="keep the repositories in DIR (default bench/out/) and reuse them next time",
    )
    parser.add_argument("--only", default=None, help="run the cases whose name contains this")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: expected numbers such as 1000,10000")
    if not sizes:
        parser.error("--sizes: give at least one size")

    script = console_script()
    chosen = [c for c in cases(sizes) if args.only is None or args.only in c.name]
    print(
        f"{_version(script)} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case after {args.warmup} warm-up"
    )
    with tempfile.TemporaryDirectory(prefix="gitops-guard-bench-") as tmp:
        repos: dict[int, tuple[Path, Stats]] = {}
        for size in sorted({c.size or sizes[0] for c in chosen}):
            repos[size] = prepare(size, args.seed, args.keep, Path(tmp))
        print()
        print("repository              YAML files  image refs  expected uses  apps  generated in")
        for repo, stats in repos.values():
            print(
                f"{repo.name:<22}  {stats.yaml_files:>10,}  {stats.image_refs:>10,}  "
                f"{stats.expected_uses:>13,}  {stats.apps:>4}  {stats.seconds:>10.2f} s"
            )
        print()
        results: list[Result] = []
        for case in chosen:
            repo, stats = repos[case.size or sizes[0]]
            print(f"running {case.name} ...", file=sys.stderr, flush=True)
            results.append(run_case(case, script, repo, stats, args.runs, args.warmup))
    print(table(results))
    notes = 0
    for r in results:
        unexpected = sorted(r.exit_codes - set(r.case.exit_codes))
        problems = [line for line in r.stderr.splitlines() if line.strip()]
        if unexpected or problems:
            notes += 1
            codes = ", ".join(str(c) for c in sorted(r.exit_codes))
            print(f"\nnote: {r.case.name}: exit {codes}; {len(problems)} line(s) on stderr")
            for line in problems[:5]:
                print(f"  {line}")
    print("\nmedians of wall time; files/s = YAML files in the repository / median")
    return 1 if any(r.case.target and r.median >= r.case.target for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
