#!/usr/bin/env python3
"""Benchmark every row of issue 15's target table: big repositories, big histories.

Issue 15 sets targets for the pre-commit hook and whole-repository runs on generated
repositories of realistic shape, and for reports of long histories. This script runs
each row, with the installed console script in a subprocess (cwd = the repository), and
prints the median of ``--runs`` timed runs (after one untimed run that warms the file
cache), the CPU time (user + system, ``os.wait4``) and the peak RSS (``ru_maxrss`` of
``os.wait4``: the largest of the process and the children it waited for), beside the
machine's load average when the case ended.

The repositories come from ``bench/generate.py`` and are kept under ``--out`` (default
``bench/out/``) and reused, as ``run.py --keep`` keeps them:

* ``--small`` YAML files (default 2,404, the issue's 200-app repository);
* ``--large`` YAML files (default 52,565: the YAML files of the issue's 54,799-file
  repository; the generator's apps are larger than the issue's, so it draws 3,694 apps
  where the issue had 4,500, and 6,744 kustomizations for 6,081).

Rows (targets from the issue; ``index warm`` rows say ``no index`` while there is none):

* ``validate`` one plain manifest, small repository: ≤ 0.10 s;
* ``validate`` one Kustomize base file, large repository: cold ≤ 3 s (warm ≤ 0.15 s);
* ``validate`` 300 explicit paths of the large repository (drawn with the seed, as
  ``paths_bench.py`` draws them): warm ≤ 1.5 s;
* ``pre-commit run --all-files`` on the large repository with gitops-guard's hook
  (``repo: local``, the console script, ``require_serial``, the files pattern of
  ``.pre-commit-hooks.yaml``; the configuration is kept outside the repository, which
  it would otherwise add a file to): ≤ the whole-repository ``validate``. pre-commit is
  installed on first use into its own virtualenv (``--pre-commit-venv``, default
  ``bench/out/pre-commit-venv``), never a dependency of the project;
* ``validate --format json`` of the whole large repository: cold ≤ 25 s (warm ≤ 3 s);
  peak RSS ≤ 300 MiB.

With ``--history`` (the default; ``--no-history`` skips it) the two history rows run
through their own benchmarks, whose tables are printed after this one:
``report_html_bench.py --commits 20000`` (page ≤ 3 MB, rendered by headless Chromium in
≤ 3 s) and ``history_bench.py --commits 10000`` (cold ``report`` ≤ 5× the Git floor).

To measure a checkout rather than the installed package, put its ``src`` first on
``PYTHONPATH``: every process started here inherits it.

    python bench/scale_bench.py                          # every row, 5 runs
    python bench/scale_bench.py --runs 3 --only validate --no-history
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paths_bench import run, yaml_paths
from run import _duration, _layout, console_script, prepare
from run import _version as _tool_version

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out"
SMALL = 2_404
LARGE = 52_565
PATHS = 300
# The hook's files pattern and exclusion (.pre-commit-hooks.yaml, id gitops-guard).
HOOK_FILES = r"(\.ya?ml|\.json|(^|/)Kustomization)$"
HOOK_EXCLUDE = r"(^|/)\.gitops-guard\.ya?ml$"


@dataclass
class Row:
    """One row of the table: a case, its target (seconds, or bytes of memory), its runs."""

    name: str
    target: str
    limit: float | None = None  # the median must stay at or under it (seconds)
    memory_limit: int | None = None  # MiB
    times: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)  # KiB
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    findings: int | None = None
    load: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def verdict(self) -> str:
        if not self.times or self.note:
            return self.note or "-"
        missed = []
        if self.limit is not None and self.median > self.limit:
            missed.append("SLOW")
        if self.memory_limit is not None and statistics.median(self.peaks) / 1024 > (
            self.memory_limit
        ):
            missed.append("MEMORY")
        return " ".join(missed) or "ok"


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def measure(
    row: Row,
    argv: Sequence[str],
    cwd: Path,
    runs: int,
    json_out: bool = True,
    expect: bytes | None = None,
) -> Row:
    """Run ``argv`` once untimed, then ``runs`` times, into ``row``; ``expect`` is text
    every run's stdout must hold (else the row says so and fails)."""
    print(f"{row.name}: {1 + runs} runs ...", file=sys.stderr, flush=True)
    for index in range(1 + runs):
        seconds, cpu, peak, code, stdout, stderr = run(argv, cwd)
        if expect is not None and expect not in stdout:
            row.note = "UNEXPECTED OUTPUT"
            row.stderr = row.stderr or (stdout + stderr.encode()).decode("utf-8", "replace")
        if index == 0:
            print(f"  untimed run: {_duration(seconds)}", file=sys.stderr, flush=True)
            continue
        row.times.append(seconds)
        row.cpus.append(cpu)
        row.peaks.append(peak)
        row.codes.add(code)
        row.stderr = row.stderr or stderr
        if json_out and row.findings is None and code in (0, 1):
            row.findings = len(json.loads(stdout)["findings"])
    row.load = load_average()
    print(f"  median {_duration(row.median)}, load {row.load}", file=sys.stderr, flush=True)
    return row


def pre_commit_script(venv: Path) -> Path:
    """pre-commit in its own virtualenv, installed there on first use (never in .venv)."""
    script = venv / "bin" / "pre-commit"
    if script.is_file():
        return script
    python = shutil.which("python3") or sys.executable
    print(f"installing pre-commit into {venv} (once) ...", file=sys.stderr, flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "pre-commit"], check=True)
    return script


def pre_commit_config(script: Path, where: Path) -> Path:
    """A configuration running gitops-guard's hook from ``script``, as the hook declares it."""
    config = where / "pre-commit-config.yaml"
    config.write_text(
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: gitops-guard\n"
        "        name: gitops-guard validate\n"
        f"        entry: {script} validate\n"
        "        language: system\n"
        f"        files: '{HOOK_FILES}'\n"
        f"        exclude: '{HOOK_EXCLUDE}'\n"
        "        require_serial: true\n",
        encoding="utf-8",
    )
    return config


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def table(rows: list[Row]) -> str:
    header = ("case", "runs", "median", "min", "max", "CPU", "peak RSS", "findings", "load")
    lines = [(*header, "target", "")]
    for row in rows:
        if not row.times:
            lines.append((row.name, "0", "-", "-", "-", "-", "-", "-", "-", row.target, row.note))
            continue
        lines.append(
            (
                row.name,
                str(len(row.times)),
                _duration(row.median),
                _duration(min(row.times)),
                _duration(max(row.times)),
                _duration(statistics.median(row.cpus)),
                _mib(statistics.median(row.peaks)),
                "-" if row.findings is None else f"{row.findings:,}",
                row.load,
                row.target,
                row.verdict(),
            )
        )
    return _layout(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--small", type=int, default=SMALL, help=f"YAML files (default {SMALL})")
    parser.add_argument("--large", type=int, default=LARGE, help=f"YAML files (default {LARGE})")
    parser.add_argument("--paths", type=int, default=PATHS, help=f"explicit paths ({PATHS})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where repositories are kept")
    parser.add_argument("--script", type=Path, default=None, help="the gitops-guard to time")
    parser.add_argument("--only", default=None, help="run the cases whose name contains this")
    parser.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the history rows (report_html_bench.py, history_bench.py)",
    )
    parser.add_argument(
        "--pre-commit-runs",
        type=int,
        default=None,
        metavar="N",
        help="timed pre-commit runs (default --runs; each is many validate batches)",
    )
    parser.add_argument(
        "--pre-commit-venv",
        type=Path,
        default=DEFAULT_OUT / "pre-commit-venv",
        help="virtualenv holding pre-commit, created on first use",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    script = args.script or console_script()
    print(
        f"{_tool_version(script)} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case after 1 untimed · load {load_average()}"
    )

    def wanted(name: str) -> bool:
        return args.only is None or args.only in name

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="gitops-guard-scale-") as scratch:
        small, small_stats = prepare(args.small, args.seed, args.out, Path(scratch))
        large, large_stats = prepare(args.large, args.seed, args.out, Path(scratch))
        for repo, stats in ((small, small_stats), (large, large_stats)):
            listed = subprocess.run(
                ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
            ).stdout.splitlines()
            kustomizations = sum(p.endswith("kustomization.yaml") for p in listed)
            print(
                f"{repo.name}: {len(listed):,} files, {stats.yaml_files:,} YAML, "
                f"{kustomizations:,} kustomizations, {stats.apps:,} apps"
            )
        print()
        gg = str(script)
        name = f"validate <plain manifest>, {small_stats.yaml_files:,}-file repo"
        if wanted(name):
            row = Row(name, "≤ 100 ms", limit=0.100)
            rows.append(
                measure(
                    row,
                    [gg, "validate", small_stats.sample_files["manifest"]],
                    small,
                    args.runs,
                    json_out=False,
                )
            )
        name = f"validate <Kustomize base>, {large_stats.yaml_files:,}-file repo, cold"
        if wanted(name):
            row = Row(name, "≤ 3 s", limit=3.0)
            base = large_stats.sample_files["base"]
            rows.append(measure(row, [gg, "validate", "--format", "json", base], large, args.runs))
            rows.append(Row(name.replace("cold", "index warm"), "≤ 150 ms", note="no index"))
        name = f"validate {args.paths} paths, {large_stats.yaml_files:,}-file repo"
        if wanted(name):
            chosen = yaml_paths(large)
            random.Random(args.seed).shuffle(chosen)
            argv_paths = [gg, "validate", "--format", "json", *chosen[: args.paths]]
            row = Row(name + ", no index", "≤ 1.5 s warm", limit=1.5)
            rows.append(measure(row, argv_paths, large, args.runs))
        whole: Row | None = None
        name = f"validate --format json, whole {large_stats.yaml_files:,}-file repo"
        if wanted(name) or wanted("pre-commit"):
            whole = Row(name + ", cold", "≤ 25 s, ≤ 300 MiB", limit=25.0, memory_limit=300)
            rows.append(measure(whole, [gg, "validate", "--format", "json"], large, args.runs))
            rows.append(Row(name + ", index warm", "≤ 3 s", note="no index"))
        name = f"pre-commit run --all-files, {large_stats.yaml_files:,}-file repo"
        if wanted(name) and whole is not None:
            hook = pre_commit_script(args.pre_commit_venv)
            config = pre_commit_config(script, Path(scratch))
            command = [str(hook), "run", "--all-files", "--config", str(config)]
            row = Row(name, f"≤ whole ({_duration(whole.median)})", limit=whole.median)
            runs = args.pre_commit_runs or args.runs
            # The hook's name in pre-commit's report: the hook ran (a broken configuration
            # or a missing script fails fast, and would look like a fast run).
            rows.append(
                measure(row, command, large, runs, json_out=False, expect=b"gitops-guard validate")
            )
    print(table(rows))
    failed = False
    for row in rows:
        if row.times and not row.codes <= {0, 1}:
            failed = True
            print(f"\nnote: {row.name}: exit {sorted(row.codes)}: {row.stderr.strip()[:400]}")
        failed = failed or row.verdict() not in ("ok", "no index")
        if row.note == "UNEXPECTED OUTPUT":
            print(f"\nnote: {row.name}: unexpected output: {row.stderr.strip()[:400]}")
    print(
        "\nmedians of wall time; CPU = user + system (os.wait4); peak RSS = ru_maxrss "
        "(os.wait4: the process and the children it waited for); load = the load "
        "averages (1, 5, 15 min) when the case ended"
    )
    if args.history:
        for bench, size in (("report_html_bench.py", "20000"), ("history_bench.py", "10000")):
            command = [
                sys.executable,
                str(BENCH / bench),
                "--commits",
                size,
                "--runs",
                str(args.runs),
            ]
            if args.script is not None:
                command += ["--script", str(args.script)]
            print(f"\n$ {' '.join(command[1:])}   (load {load_average()})", flush=True)
            done = subprocess.run(command, check=False)
            failed = failed or done.returncode != 0
            print(f"(load {load_average()} at its end)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
