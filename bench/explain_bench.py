"""Benchmark `explain` over 100,000 tags and Masterminds constraint matching.

    .venv/bin/python bench/explain_bench.py [--tags 100000] [--runs 5]

Prints, for each case, the median of the runs:

* `explain (library)`: read a tags file, select with a semver constraint and an allow-tags
  regexp, render JSON — in-process;
* `explain (command)`: the same through the `gitops-guard explain` command in a subprocess,
  start-up and output included (target: under 2 s);
* `constraint checks/s`: `Constraint.check` calls per second over parsed versions, for a mix
  of constraints (target: at least 200,000).

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0
TARGET_CHECKS = 200_000
CONSTRAINT = ">=1.2.0 <3"
ALLOW = r"regexp:^v?[0-9]+\.[0-9]+\.[0-9]+(-rc\.[0-9]+)?$"
MIX = ("~1.4", "^2.1", ">=1.2.0 <3", "1.x || 3.x", ">=1.0.0-0", "!=2.0.0", "1.2 - 2.4")


def make_tags(count: int, seed: int) -> list[str]:
    """Realistic tag shapes: versions, v-prefixed, release candidates, suffixes, SHAs, words."""
    rnd = random.Random(seed)
    tags: list[str] = []
    for index in range(count):
        shape = rnd.random()
        version = f"{rnd.randint(0, 4)}.{rnd.randint(0, 40)}.{index}"
        if shape < 0.5:
            tags.append(version)
        elif shape < 0.6:
            tags.append("v" + version)
        elif shape < 0.7:
            tags.append(f"{version}-rc.{rnd.randint(1, 5)}")
        elif shape < 0.8:
            tags.append(f"{version}-alpine")
        elif shape < 0.9:
            tags.append(f"sha-{rnd.getrandbits(28):07x}")
        else:
            tags.append(f"main-{index}")
    return tags


def library_run(tags_file: Path) -> float:
    from gitops_guard.formats import explain_json
    from gitops_guard.updater.explain import (
        explain,
        read_tags_file,
        target_from_options,
    )

    started = time.perf_counter()
    tags = read_tags_file(tags_file)
    target = target_from_options(
        "api=registry.example.com/team/api", constraint=CONSTRAINT, allow_tags=ALLOW
    )
    result = explain(target, tags)
    explain_json.render(result)
    return time.perf_counter() - started


def command() -> list[str]:
    """`gitops-guard explain` when registered, else the same click command through python."""
    script = shutil.which("gitops-guard") or str(Path(sys.executable).parent / "gitops-guard")
    probe = subprocess.run([script, "explain", "--help"], capture_output=True, check=False)
    if probe.returncode == 0:
        return [script, "explain"]
    return [
        sys.executable,
        "-c",
        "import sys; from gitops_guard.cli.explain import explain; "
        "explain.main(sys.argv[1:], prog_name='gitops-guard explain')",
    ]


def command_run(base: list[str], tags_file: Path) -> float:
    args = [
        *base,
        "--image",
        "api=registry.example.com/team/api",
        "--constraint",
        CONSTRAINT,
        "--allow-tags",
        ALLOW,
        "--tags-file",
        str(tags_file),
        "--updater-version",
        "1.3",
        "--format",
        "json",
    ]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"explain failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    json.loads(done.stdout)
    return elapsed


def checks_per_second(tags: list[str]) -> float:
    from gitops_guard.versions import parse_constraint, try_parse_version

    versions = [v for v in (try_parse_version(t) for t in tags) if v is not None]
    constraints = [parse_constraint(text) for text in MIX]
    started = time.perf_counter()
    count = 0
    for constraint in constraints:
        check = constraint.check
        for version in versions:
            check(version)
        count += len(versions)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    from gitops_guard import __version__

    tags = make_tags(args.tags, args.seed)
    print(f"gitops-guard {__version__}, Python {sys.version.split()[0]}, {len(tags):,} tags")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tags_file = Path(tmp) / "tags.txt"
        tags_file.write_text("\n".join(tags) + "\n")
        library = statistics.median(library_run(tags_file) for _ in range(args.runs))
        print(f"explain (library)    median of {args.runs}: {library:.3f} s")
        base = command()
        command_run(base, tags_file)  # warm the file cache and the bytecode
        cli = statistics.median(command_run(base, tags_file) for _ in range(args.runs))
        verdict = "ok" if cli < TARGET_SECONDS else "MISSED"
        print(
            f"explain (command)    median of {args.runs}: {cli:.3f} s "
            f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
        )
        failed |= cli >= TARGET_SECONDS
    rates = [checks_per_second(tags) for _ in range(args.runs)]
    rate = statistics.median(rates)
    verdict = "ok" if rate >= TARGET_CHECKS else "MISSED"
    print(
        f"constraint checks/s  median of {args.runs}: {rate:,.0f} "
        f"(target >= {TARGET_CHECKS:,}: {verdict}; {len(MIX)} constraints)"
    )
    failed |= rate < TARGET_CHECKS
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
