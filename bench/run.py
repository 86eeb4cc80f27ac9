#!/usr/bin/env python3
"""Run gitops-guard's benchmarks and print a table of medians.

Every case runs the installed console script in a subprocess, with ``cwd`` set to a
repository made by ``bench/generate.py``, timed with ``time.perf_counter`` around the
whole process (start-up, reading, output). Each case is run once untimed to warm the
file cache, then ``--runs`` times; the table shows the median, min and max.

With ``--checkov``, Checkov (installed on first use into its own virtualenv,
``bench/out/checkov-venv``) scans the same generated files with its two image checks,
and a second table compares the medians.

    python bench/run.py                      # 5 runs, repositories of 1,000 and 10,000 files
    python bench/run.py --runs 10 --sizes 1000,10000,50000
    python bench/run.py --keep               # keep/reuse repositories under bench/out/
    python bench/run.py --only images        # cases whose name contains "images"
    python bench/run.py --checkov            # also Checkov, and the comparison table

To add a benchmark, add a :class:`Case` in :func:`cases`.
"""

from __future__ import annotations

import argparse
import json
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
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import GENERATOR_VERSION, Stats, generate

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out"
DEFAULT_SIZES = (1000, 10000)
CHECKOV_VENV = DEFAULT_OUT / "checkov-venv"
# Checkov restricted to its image checks: CKV_K8S_14 (tag fixed, not latest or blank)
# and CKV_K8S_43 (image uses a digest). "-f FILE" or "-d DIR" goes in front.
CHECKOV_ARGS = (
    "--framework",
    "kubernetes",
    "--check",
    "CKV_K8S_14,CKV_K8S_43",
    "--skip-download",
    "--quiet",
    "--compact",
)
CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
LARGE = 10_000  # repositories this big get --checkov-large-runs Checkov runs, no warm-up
# Comparison targets from issue 3: Checkov median / gitops-guard median at least this.
RATIO_TARGETS = {"1 file": 15.0, f"{10_000:,} files": 50.0}


@dataclass(frozen=True)
class Case:
    """One benchmark: ``gitops-guard <argv>`` run in a generated repository.

    ``argv`` may name sample files of the repository as ``{overlay}``, ``{base}``,
    ``{manifest}``, ``{values}`` or ``{application}`` (see ``Stats.sample_files``).
    ``size`` is the repository it runs in (YAML files), None for any. ``target`` is
    the median to stay under, in seconds. With ``count_images`` stdout is the JSON
    inventory and images/s is reported; with ``count_findings`` it is a JSON
    ``validate`` report (or Checkov's output) and the findings are counted.
    ``exit_codes`` are the expected exit codes. ``tool`` is ``gitops-guard`` or
    ``checkov`` (then ``argv`` follows ``checkov``). ``runs`` and ``warmup``, when
    set, override ``--runs`` and ``--warmup``. Cases with the same ``compare`` label
    (one per tool) make a row of the comparison table.
    """

    name: str
    argv: tuple[str, ...]
    size: int | None = None
    target: float | None = None
    count_images: bool = False
    rates: bool = False  # report files/s (the whole repository is read)
    exit_codes: tuple[int, ...] = (0, 1)
    count_findings: bool = False
    tool: str = "gitops-guard"
    runs: int | None = None
    warmup: int | None = None
    compare: str | None = None


def cases(
    sizes: Sequence[int],
    checkov: bool = False,
    checkov_runs: int = 3,
    checkov_large_runs: int = 1,
) -> list[Case]:
    """Every benchmark, in the order of the table (Checkov's only with ``checkov``)."""
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
    # validate: the pre-commit case (one overlay, text output as the hook prints it),
    # then whole repositories. Exit 1 means findings, which the generator plants.
    found.append(
        Case(
            f"validate <one file>, {largest:,}-file repo",
            ("validate", "{overlay}"),
            size=largest,
            target=0.250,
            compare="1 file",
        )
    )
    for size in sizes:
        found.append(
            Case(
                f"validate --format json, {size:,} files",
                ("validate", "--format", "json"),
                size=size,
                target=10.0 if size == 10_000 else None,
                count_findings=True,
                rates=True,
                compare=f"{size:,} files",
            )
        )
    if not checkov:
        return found
    # Checkov on the same files: the same overlay with -f, the repository with -d.
    # Checkov is slow (minutes on 10,000 files), so fewer runs, and none untimed for
    # the large repositories: their files are already in the cache from the runs above.
    found.append(
        Case(
            f"checkov -f <one file>, {largest:,}-file repo",
            ("-f", "{overlay}", *CHECKOV_ARGS),
            size=largest,
            count_findings=True,
            tool="checkov",
            runs=checkov_runs,
            compare="1 file",
        )
    )
    for size in sizes:
        large = size >= LARGE
        found.append(
            Case(
                f"checkov -d ., {size:,} files",
                ("-d", ".", *CHECKOV_ARGS),
                size=size,
                count_findings=True,
                rates=True,
                tool="checkov",
                runs=checkov_large_runs if large else checkov_runs,
                warmup=0 if large else None,
                compare=f"{size:,} files",
            )
        )
    return found


# --- running ---------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    times: list[float] = field(default_factory=list)
    images: int | None = None
    findings: int | None = None
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


def checkov_script(venv: Path) -> Path:
    """Checkov in its own virtualenv, installed there on first use (never in .venv)."""
    script = venv / ("Scripts" if os.name == "nt" else "bin") / "checkov"
    if script.is_file():
        return script
    python = shutil.which("python3") or sys.executable
    print(f"installing Checkov into {venv} (once) ...", file=sys.stderr, flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = script.with_name("pip")
    subprocess.run([str(pip), "install", "--quiet", "checkov"], check=True)
    if not script.is_file():
        raise SystemExit(f"run.py: pip installed no checkov script in {venv}")
    return script


def _checkov_failed(stdout: str) -> int:
    """Failed checks in Checkov's output ("Passed checks: 1, Failed checks: 2, ...")."""
    match = re.findall(r"Failed checks: (\d+)", stdout)
    return sum(int(n) for n in match)


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
    runs = case.runs if case.runs is not None else runs
    warmup = case.warmup if case.warmup is not None else warmup
    env = {**os.environ, **CHECKOV_ENV} if case.tool == "checkov" else None
    for index in range(warmup + runs):
        started = time.perf_counter()
        completed = subprocess.run(argv, cwd=repo, env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if index < warmup:
            continue
        result.times.append(elapsed)
        result.exit_codes.add(completed.returncode)
        if index == warmup:
            result.stderr = completed.stderr.decode("utf-8", "replace")
            if case.count_images and completed.returncode in (0, 1):
                result.images = len(json.loads(completed.stdout)["images"])
            if case.count_findings and completed.returncode in (0, 1):
                if case.tool == "checkov":
                    result.findings = _checkov_failed(completed.stdout.decode("utf-8", "replace"))
                else:
                    result.findings = len(json.loads(completed.stdout)["findings"])
    return result


# --- printing --------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _target(seconds: float) -> str:
    return f"< {seconds * 1000:g} ms" if seconds < 1 else f"< {seconds:g} s"


def _rate(count: int | None, seconds: float) -> str:
    return "-" if count is None else f"{count / seconds:,.0f}"


def _count(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def table(results: list[Result]) -> str:
    header = (
        "case",
        "runs",
        "median",
        "min",
        "max",
        "files/s",
        "images/s",
        "findings",
        "target",
        "",
    )
    rows: list[tuple[str, ...]] = [header]
    for r in results:
        target = r.case.target
        verdict = ""
        if target is not None:
            verdict = "ok" if r.median < target else "SLOW"
        rows.append(
            (
                r.case.name,
                str(len(r.times)),
                _duration(r.median),
                _duration(min(r.times)),
                _duration(max(r.times)),
                _rate(r.files, r.median),
                _rate(r.images, r.median),
                _count(r.findings),
                _target(target) if target is not None else "-",
                verdict,
            )
        )
    return _layout(rows)


def _layout(rows: list[tuple[str, ...]]) -> str:
    """First column left-aligned, the last one a free-form verdict, the rest right."""
    header = rows[0]
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


def comparisons(results: list[Result]) -> list[tuple[str, Result, Result]]:
    """(label, gitops-guard result, Checkov result) for each compared size, in order."""
    pairs: dict[str, dict[str, Result]] = {}
    for r in results:
        if r.case.compare is not None:
            pairs.setdefault(r.case.compare, {})[r.case.tool] = r
    return [
        (label, tools["gitops-guard"], tools["checkov"])
        for label, tools in pairs.items()
        if "gitops-guard" in tools and "checkov" in tools
    ]


def ratio_missed(label: str, ours: Result, theirs: Result) -> bool:
    wanted = RATIO_TARGETS.get(label)
    return wanted is not None and theirs.median / ours.median < wanted


def comparison_table(pairs: list[tuple[str, Result, Result]]) -> str:
    header = (
        "files",
        "gitops-guard",
        "runs",
        "Checkov",
        "runs",
        "Checkov / gitops-guard",
        "target",
        "",
    )
    rows: list[tuple[str, ...]] = [header]
    for label, ours, theirs in pairs:
        wanted = RATIO_TARGETS.get(label)
        verdict = "" if wanted is None else ("SHORT" if ratio_missed(label, ours, theirs) else "ok")
        rows.append(
            (
                label,
                _duration(ours.median),
                str(len(ours.times)),
                _duration(theirs.median),
                str(len(theirs.times)),
                f"{theirs.median / ours.median:.1f}x",
                "-" if wanted is None else f">= {wanted:g}x",
                verdict,
            )
        )
    return _layout(rows)


def _version(script: Path, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, env=env
    )
    return out.stdout.strip() or f"{script.name} (unknown version)"


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
    parser.add_argument(
        "--checkov",
        action="store_true",
        help="also run Checkov on the same files and print the comparison (slow: minutes)",
    )
    parser.add_argument(
        "--checkov-runs",
        type=int,
        default=3,
        metavar="N",
        help=f"timed Checkov runs per case below {LARGE:,} files (default 3)",
    )
    parser.add_argument(
        "--checkov-large-runs",
        type=int,
        default=1,
        metavar="N",
        help=f"timed Checkov runs from {LARGE:,} files on, without warm-up (default 1)",
    )
    parser.add_argument(
        "--checkov-venv",
        type=Path,
        default=CHECKOV_VENV,
        metavar="DIR",
        help="virtualenv holding Checkov, created on first use (default bench/out/checkov-venv)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.checkov_runs < 1 or args.checkov_large_runs < 1:
        parser.error("--runs, --checkov-runs and --checkov-large-runs must be at least 1")
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: expected numbers such as 1000,10000")
    if not sizes:
        parser.error("--sizes: give at least one size")

    script = console_script()
    every = cases(sizes, args.checkov, args.checkov_runs, args.checkov_large_runs)
    chosen = [c for c in every if args.only is None or args.only in c.name]
    scripts = {"gitops-guard": script}
    print(
        f"{_version(script)} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case after {args.warmup} warm-up"
    )
    if any(c.tool == "checkov" for c in chosen):
        scripts["checkov"] = checkov_script(args.checkov_venv)
        print(
            f"Checkov {_version(scripts['checkov'], {**os.environ, **CHECKOV_ENV})} "
            f"({args.checkov_venv}): "
            f"{args.checkov_runs} timed run(s) per case after {args.warmup} warm-up, "
            f"but {args.checkov_large_runs} run(s) without warm-up from {LARGE:,} files; "
            f"checkov -f FILE|-d . {' '.join(CHECKOV_ARGS)}, "
            + " ".join(f"{k}={v}" for k, v in CHECKOV_ENV.items())
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
            tool = scripts[case.tool]
            results.append(run_case(case, tool, repo, stats, args.runs, args.warmup))
    print(table(results))
    pairs = comparisons(results)
    if pairs:
        print("\nCheckov comparison (same files; medians of wall time)\n")
        print(comparison_table(pairs))
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
    if pairs:
        print(
            "findings: gitops-guard's JSON findings; Checkov's failed checks "
            "(its kubernetes framework reads only Kubernetes resources, "
            "not kustomization.yaml, Helm values or Argo CD image settings)"
        )
    slow = any(r.case.target and r.median >= r.case.target for r in results)
    short = any(ratio_missed(*pair) for pair in pairs)
    return 1 if slow or short else 0


if __name__ == "__main__":
    sys.exit(main())
