#!/usr/bin/env python3
"""Benchmark what one small command costs: `validate` of one plain manifest (issue 15).

A temporary Git repository with one Deployment (and, for the second case, a small
policy) is checked with the installed ``gitops-guard`` console script in a subprocess, as
the pre-commit hook runs it on a commit that touches one file. Medians of ``--runs`` runs,
each case after one untimed run (so the bytecode and the file cache are warm):

* wall time of the whole process (``time.perf_counter`` around it) and its peak RSS
  (``ru_maxrss`` from ``os.wait4``);
* imports: the same command under ``python -X importtime`` (the Python next to the
  script), the sum of the top-level cumulative times (every import of the run, the
  interpreter's own start-up included) and the share of the ``gitops_guard`` modules,
  with how many modules were imported in all and of ``gitops_guard``; the heavy
  third-party packages a plain ``validate`` should not load are named when they are.

    python bench/startup_bench.py                 # 5 runs
    python bench/startup_bench.py --runs 9 [--script OTHER/.venv/bin/gitops-guard]

Exit status 1 when a case misses its target.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _layout, console_script
from run import _version as _tool_version

# The pre-commit path: the whole process, interpreter start-up included.
VALIDATE_SECONDS = 0.150
VERSION_SECONDS = 0.100
# Packages a plain `validate` does without (tests/cli/test_imports.py pins the rest).
HEAVY = ("jsonschema", "httpx", "cryptography", "sigstore", "git", "jinja2", "ruamel")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team/api:1.4.2
"""

POLICY = """\
version: 1
layout: ["envs/{env}/**"]
environments:
  dev: {}
  prod: {from: dev, require_digest: true}
images:
  registries: ["registry.example.com/*"]
  tag_pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'
"""

IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


@dataclass
class Case:
    name: str
    args: tuple[str, ...]
    repo: Path
    target: float
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_kib: int = 0
    imports_us: list[int] = field(default_factory=list)
    ours_us: list[int] = field(default_factory=list)
    modules: int = 0
    ours: int = 0
    heavy: set[str] = field(default_factory=set)
    codes: set[int] = field(default_factory=set)
    stderr: str = ""


def make_repo(path: Path, policy: bool) -> Path:
    (path / "envs" / "dev").mkdir(parents=True)
    (path / "envs" / "dev" / "deploy.yaml").write_text(DEPLOYMENT)
    if policy:
        (path / ".gitops-guard.yaml").write_text(POLICY)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(path)}
    who = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", *who, "commit", "-qm", "init"],
    ):
        subprocess.run(argv, cwd=path, env=env, check=True)
    return path


def run(argv: Sequence[str], cwd: Path) -> tuple[float, float, int, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KiB), exit code, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        cpu = usage.ru_utime + usage.ru_stime
        return elapsed, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status), text


def import_times(python: Path, case: Case) -> None:
    """One run under ``-X importtime``: the totals, the module counts, the heavy packages."""
    done = subprocess.run(
        [str(python), "-X", "importtime", "-m", "gitops_guard", *case.args],
        cwd=case.repo,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [m for m in map(IMPORT_LINE.match, done.stderr.splitlines()) if m is not None]
    total = ours = mine = 0
    # A module is printed after the modules it imported, one level deeper: read backwards,
    # the stack holds a line's importers, so a gitops_guard module imported by another one
    # (already inside its cumulative time) is not counted twice.
    importers: list[tuple[int, bool]] = []
    for match in reversed(lines):
        cumulative, indent, name = int(match.group(2)), len(match.group(3)), match.group(4)
        while importers and importers[-1][0] >= indent:
            importers.pop()
        top = name.split(".")[0]
        if not importers:
            total += cumulative
        if top == "gitops_guard":
            mine += 1
            if not any(is_ours for _, is_ours in importers):
                ours += cumulative
        if top in HEAVY:
            case.heavy.add(top)
        importers.append((indent, top == "gitops_guard"))
    case.imports_us.append(total)
    case.ours_us.append(ours)
    case.modules, case.ours = len(lines), mine


def measure(case: Case, script: Path, runs: int) -> None:
    python = script.parent / "python"
    for index in range(runs + 1):
        seconds, cpu, peak, code, stderr = run([str(script), *case.args], case.repo)
        if index == 0:
            continue
        case.times.append(seconds)
        case.cpu.append(cpu)
        case.peak_kib = max(case.peak_kib, peak)
        case.codes.add(code)
        case.stderr = case.stderr or stderr
        if python.is_file():
            import_times(python, case)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--script", type=Path, default=None, help="another gitops-guard to run")
    args = parser.parse_args(argv)
    script = args.script or console_script()
    print(
        f"{_tool_version(script)}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="gg-startup-") as tmp:
        plain = make_repo(Path(tmp) / "plain", policy=False)
        policed = make_repo(Path(tmp) / "policy", policy=True)
        manifest = "envs/dev/deploy.yaml"
        cases = [
            Case("--version", ("--version",), plain, VERSION_SECONDS),
            Case("validate <one manifest>, no policy", ("validate", manifest), plain,
                 VALIDATE_SECONDS),
            Case("validate <one manifest>, small policy", ("validate", manifest), policed,
                 VALIDATE_SECONDS),
        ]  # fmt: skip
        for case in cases:
            measure(case, script, args.runs)
    rows = [
        ("case", "runs", "median", "min", "max", "CPU", "peak RSS", "imports", "under ours",
         "modules", "ours", "heavy loaded", "target"),
    ]  # fmt: skip
    failed = False
    notes = []
    for case in cases:
        median = statistics.median(case.times)
        missed = median >= case.target
        failed |= missed
        imports = ours = "-"
        if case.imports_us:
            imports = _ms(statistics.median(case.imports_us) / 1e6)
            ours = _ms(statistics.median(case.ours_us) / 1e6)
        rows.append(
            (
                case.name,
                str(len(case.times)),
                _ms(median),
                _ms(min(case.times)),
                _ms(max(case.times)),
                _ms(statistics.median(case.cpu)),
                f"{case.peak_kib / 1024:.1f} MiB",
                imports,
                ours,
                str(case.modules),
                str(case.ours),
                ", ".join(sorted(case.heavy)) or "none",
                f"< {case.target * 1000:g} ms {'SLOW' if missed else 'ok'}",
            )
        )
        if case.codes != {0} or (case.stderr and case.name.endswith("small policy")):
            notes.append(f"{case.name}: exit {sorted(case.codes)}; stderr: {case.stderr[-300:]}")
    print()
    print(_layout(rows))
    print(
        "\nmedians of wall time; CPU = median user + system time of the process (steadier "
        "than wall time on a busy machine); peak RSS = ru_maxrss; imports = the sum of the "
        "top-level cumulative times under -X importtime (the interpreter's start-up "
        "included), under ours = imported by gitops_guard's modules (theirs included); "
        "modules = imported under -X importtime (all, gitops_guard)"
    )
    for note in notes:
        print(f"note: {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
