#!/usr/bin/env python3
"""Check ``gitops-guard images --format json`` against what the generator wrote.

Generates a repository (or reuses one made with the same ``--files`` and ``--seed``),
runs the inventory through the console script and compares it, use by use, with
``Stats.expected``: path, app, environment, source and raw reference, and whether
the reported line holds the expected tag, digest or image. Prints the differences
grouped by kind, with examples, and any problems (GG001) the tool printed.

    python bench/verify.py --files 1000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import ExpectedUse, generate
from run import console_script

Key = tuple[str, str | None, str | None, str, str]


def _key(use: ExpectedUse) -> Key:
    return (use.path, use.app, use.environment, use.source, use.raw)


def _reported_key(item: dict[str, Any]) -> Key:
    raw = item["reference"]["raw"]
    return (item["path"], item["app"], item["environment"], item["source"], raw)


def compare(repo: Path, expected: list[ExpectedUse], examples: int) -> int:
    """Print the differences; returns how many there are."""
    result = subprocess.run(
        [str(console_script()), "images", "--format", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        print(f"gitops-guard failed (exit {result.returncode}):\n{result.stderr}")
        return 1
    document = json.loads(result.stdout)
    reported: list[dict[str, Any]] = document["images"]
    wanted = Counter(_key(u) for u in expected)
    got = Counter(_reported_key(u) for u in reported)
    missing = wanted - got
    extra = got - wanted
    needles = {_key(u): u.needle for u in expected}
    lines_cache: dict[str, list[str]] = {}
    wrong_line: list[str] = []
    for item in reported:
        key = _reported_key(item)
        needle = needles.get(key)
        if needle is None:
            continue
        lines = lines_cache.setdefault(
            item["path"], (repo / item["path"]).read_text(encoding="utf-8").splitlines()
        )
        line = lines[item["line"] - 1] if 0 < item["line"] <= len(lines) else ""
        if needle not in line:
            wrong_line.append(f"{item['path']}:{item['line']}: {line.strip()!r} lacks {needle!r}")

    print(
        f"{repo}: {len(reported)} uses reported, {len(expected)} expected; "
        f"{sum(missing.values())} missing, {sum(extra.values())} unexpected, "
        f"{len(wrong_line)} on a line without the expected value"
    )
    for title, counter in (("missing", missing), ("unexpected", extra)):
        by_source: dict[str, list[Key]] = defaultdict(list)
        for key in sorted(counter.elements(), key=lambda k: tuple(str(p) for p in k)):
            by_source[key[3]].append(key)
        for source, keys in sorted(by_source.items()):
            print(f"  {title} [{source}]: {len(keys)}")
            for path, app, env, _source, raw in keys[:examples]:
                print(f"    {path}  app={app} env={env}  {raw}")
    if wrong_line:
        print(f"  wrong line: {len(wrong_line)}")
        for text in wrong_line[:examples]:
            print(f"    {text}")
    problems = [line for line in result.stderr.splitlines() if " GG" in line]
    if problems:
        print(f"  problems on stderr: {len(problems)}")
        for line in problems[:examples]:
            print(f"    {line}")
    return sum(missing.values()) + sum(extra.values()) + len(wrong_line) + len(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=5, help="examples per group")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitops-guard-verify-") as tmp:
        repo = Path(tmp) / "repo"
        stats = generate(repo, args.files, args.seed)
        differences = compare(repo, stats.expected, args.examples)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
