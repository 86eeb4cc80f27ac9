#!/usr/bin/env python3
"""Benchmark ``gitops-guard check`` and the server's pre-receive hook (issue 5).

On a repository made by ``bench/generate_history.py`` (20,000 commits, 2,000 YAML
files by default; kept under ``bench/out/`` and reused), medians of ``--runs`` runs:

* ``gitops-guard check --base HEAD~N --head HEAD --format json`` (cwd = the
  repository) for N = 1, 5, 20: cold (``.git/gitops-guard/``, the history cache,
  deleted before each run) and warm (the cache present);
* ``git push`` of a typical push to the protected ``main`` of a bare clone with the
  server hooks (``gitops-guard install-hooks --server``): a branch that adds the next
  3 commits the generator's simulation makes (``append_history`` in a client clone),
  pushed as ``<branch>:main``. The bare repository's ``main`` is put back with
  ``git update-ref`` before each run, so each push is the same; cold deletes the bare
  repository's ``gitops-guard/`` cache before each run. ``GITOPS_GUARD`` points the
  hook scripts at the console script.

Each case gets one untimed run first (file cache warm). Targets: check under 3 s,
pre-receive under 2 s. Exit status 1 when a target is missed.

    python bench/check_bench.py                        # 20,000 commits, 2,000 files, 5 runs
    python bench/check_bench.py --runs 3 --depths 1,5,20
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import MARKS_FILE, append_history
from history_bench import (
    _duration,
    _git,
    _git_version,
    _layout,
    _mib,
    _tool_version,
    cache_dir,
    console_script,
    prepare,
    progress,
)

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out"
DEFAULT_DEPTHS = (1, 5, 20)
PUSHED = 3  # first-parent commits in the typical push
CHECK_SECONDS = 3.0  # issue 5: check over a PR of 1 to 20 commits
PUSH_SECONDS = 2.0  # issue 5: the pre-receive hook on a typical push


@dataclass
class Timed:
    name: str
    target: float | None  # None: a breakdown, no target
    times: list[float] = field(default_factory=list)
    peak_kib: int = 0
    codes: set[int] = field(default_factory=set)
    stderr: str = ""
    detail: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run(
    argv: Sequence[str], cwd: Path, env: dict[str, str], stdin: bytes = b""
) -> tuple[float, int, int, str, str]:
    """Seconds, peak RSS (KiB, ``ru_maxrss`` of it and the children it waited for), exit
    code, stdout, stderr."""
    with (
        tempfile.TemporaryFile() as feed,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        feed.write(stdin)
        feed.seek(0)
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=feed, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            elapsed,
            usage.ru_maxrss,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def measure(
    case: Timed,
    runs: int,
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    before: Callable[[], None] | None = None,
    stdin: bytes = b"",
) -> str:
    """One untimed run, then ``runs`` timed ones; the last stdout."""
    stdout = ""
    for index in range(runs + 1):
        if before is not None:
            before()
        seconds, peak, code, stdout, stderr = run(argv, cwd, env, stdin)
        if index == 0:
            continue
        case.times.append(seconds)
        case.peak_kib = max(case.peak_kib, peak)
        case.codes.add(code)
        case.stderr = case.stderr or stderr
    return stdout


def summarise_check(stdout: str) -> str:
    try:
        data = json.loads(stdout)
    except ValueError:
        return "no JSON on stdout"
    commits = data.get("range", {}).get("commits")
    count = len(commits) if isinstance(commits, list) else commits
    return (
        f"{count if count is not None else '?'} commit(s) in range, "
        f"{len(data.get('promotions', []))} promotions, {len(data.get('findings', []))} findings"
    )


def check_cases(script: Path, repo: Path, depths: Sequence[int], runs: int) -> list[Timed]:
    env = dict(os.environ)
    cases = []

    def cold() -> None:
        shutil.rmtree(cache_dir(repo), True)

    for depth in depths:
        argv = [str(script), "check", "--base", f"HEAD~{depth}", "--head", "HEAD"]
        argv += ["--format", "json"]
        for name, before in (("cold", cold), ("warm", None)):
            progress(f"check HEAD~{depth}, {name} ...")
            case = Timed(f"check --base HEAD~{depth}, {name}", CHECK_SECONDS)
            stdout = measure(case, runs, argv, repo, env, before)
            case.detail = summarise_check(stdout)
            cases.append(case)
    return cases


def push_setup(
    repo: Path, work: Path, script: Path, commits: int, manifests: int, seed: int
) -> tuple[Path, Path, str, str, list[str]]:
    """A bare clone with the server hooks and a client clone with a branch of the next
    ``PUSHED`` simulated commits: (bare, client, old main, pushed head, commits pushed)."""
    shutil.rmtree(work, True)
    work.mkdir(parents=True)
    bare, client = work / "server.git", work / "client"
    _git(work, "clone", "-q", "--bare", str(repo), str(bare))
    _git(work, "clone", "-q", str(bare), str(client))
    done = subprocess.run(
        [str(script), "install-hooks", "--server", str(bare)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"install-hooks --server failed ({done.returncode}): {done.stderr}")
    old = _git(bare, "rev-parse", "refs/heads/main").strip()
    # append_history continues the simulation from the fast-import marks of the
    # generated repository: the same objects are in the clone.
    shutil.copy(repo / ".git" / MARKS_FILE, client / ".git" / MARKS_FILE)
    _git(client, "checkout", "-q", "-b", "typical-push")
    _git(client, "update-ref", "refs/heads/main", old)  # fast-import writes main
    append_history(client, commits, PUSHED, manifests, seed)
    head = _git(client, "rev-parse", "refs/heads/main").strip()
    _git(client, "update-ref", "refs/heads/typical-push", head)
    _git(client, "update-ref", "refs/heads/main", old)
    _git(client, "checkout", "-q", "typical-push")
    pushed = _git(client, "log", "--reverse", "--format=%h %an: %s", f"{old}..{head}")
    return bare, client, old, head, pushed.splitlines()


def push_cases(
    script: Path, repo: Path, work: Path, commits: int, manifests: int, seed: int, runs: int
) -> tuple[list[Timed], list[str], list[str]]:
    progress("push: cloning, installing the server hooks, appending 3 commits ...")
    bare, client, old, head, pushed = push_setup(repo, work, script, commits, manifests, seed)
    env = {
        **os.environ,
        "GITOPS_GUARD": str(script),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    argv = ["git", "push", "--porcelain", "origin", "typical-push:refs/heads/main"]
    outcomes: list[str] = []

    def reset() -> None:
        _git(bare, "update-ref", "refs/heads/main", old)
        _git(client, "update-ref", "refs/remotes/origin/main", old)

    def cold() -> None:
        reset()
        shutil.rmtree(bare / "gitops-guard", True)

    cases = []
    for name, before in (("cold", cold), ("warm", reset)):
        progress(f"push, {name} ...")
        case = Timed(f"git push to main (pre-receive), {name}", PUSH_SECONDS)
        stdout = measure(case, runs, argv, client, env, before)
        accepted = _git(bare, "rev-parse", "refs/heads/main").strip() == head
        case.detail = "accepted" if accepted else "rejected"
        status = [line for line in stdout.splitlines() if "refs/heads/main" in line]
        outcomes.append(f"{name}: {'accepted' if accepted else 'REJECTED'} " + " ".join(status))
        cases.append(case)
    reset()
    if _git(bare, "cat-file", "-t", head).strip() == "commit":
        # The breakdown: each server hook on its own, as receive-pack runs it (cwd the
        # bare repository, the pushed objects already there, main still at old).
        line = f"{old} {head} refs/heads/main\n".encode()
        hooks = (
            ("pre-receive", [str(script), "hook", "pre-receive"], line),
            ("update", [str(script), "hook", "update", "refs/heads/main", old, head], b""),
        )
        for hook, hook_argv, stdin in hooks:
            for name, before in (("cold", cold), ("warm", reset)):
                progress(f"hook {hook} alone, {name} ...")
                case = Timed(f"  of which: hook {hook} alone, {name}", None)
                measure(case, runs, hook_argv, bare, env, before, stdin)
                case.detail = "passed" if case.codes == {0} else "refused"
                cases.append(case)
    reset()
    return cases, pushed, outcomes


def table(cases: list[Timed]) -> tuple[str, bool]:
    rows: list[tuple[str, ...]] = [
        ("case", "runs", "median", "min", "max", "peak RSS", "what it saw", "target", "")
    ]
    missed = False
    for case in cases:
        slow = case.target is not None and case.median >= case.target
        missed = missed or slow
        rows.append(
            (
                case.name,
                str(len(case.times)),
                _duration(case.median),
                _duration(min(case.times)),
                _duration(max(case.times)),
                _mib(case.peak_kib * 1024),
                case.detail,
                f"< {case.target:g} s" if case.target is not None else "-",
                ("SLOW" if slow else "ok") if case.target is not None else "",
            )
        )
    return _layout(rows), missed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=20_000, help="commits on main")
    parser.add_argument("--manifests", type=int, default=2_000, help="YAML files (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument(
        "--depths",
        default=",".join(str(d) for d in DEFAULT_DEPTHS),
        help="N of --base HEAD~N, comma-separated (default 1,5,20)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    parser.add_argument("--fresh", action="store_true", help="regenerate the repository")
    parser.add_argument("--script", type=Path, default=None, help="the gitops-guard to run")
    parser.add_argument("--no-push", action="store_true", help="skip the pre-receive cases")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        depths = [int(d) for d in args.depths.split(",") if d.strip()]
    except ValueError:
        parser.error(f"--depths {args.depths!r}: expected numbers such as 1,5,20")
    if not depths or min(depths) < 1 or max(depths) >= args.commits:
        parser.error("--depths: each N must be at least 1 and below --commits")

    script = (args.script or console_script()).resolve()
    print(
        f"{_tool_version(script)} · {_git_version()} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs · "
        f"{args.runs} timed run(s) per case after 1 untimed"
    )
    args.out = args.out.resolve()
    repo, stats = prepare(args.out, args.commits, args.manifests, args.seed, args.fresh)
    repo = repo.resolve()
    print(
        f"{repo.name}: {stats.commits:,} commits on main ({stats.all_commits:,} in all), "
        f"{stats.manifests:,} YAML files, {stats.apps} apps, "
        f"{stats.promotions_total:,} image changes, generated in {stats.seconds:.2f} s"
    )
    cases = check_cases(script, repo, depths, args.runs)
    pushed: list[str] = []
    outcomes: list[str] = []
    if not args.no_push:
        work = args.out.resolve() / f"check-bench-{args.commits}-m{args.manifests}-seed-{args.seed}"
        more, pushed, outcomes = push_cases(
            script, repo, work, args.commits, args.manifests, args.seed, args.runs
        )
        cases += more
    shutil.rmtree(cache_dir(repo), True)  # leave the repository as history_bench expects
    print()
    text, missed = table(cases)
    print(text)
    print()
    if pushed:
        print(f"typical push ({len(pushed)} commits, {PUSHED} on the first-parent chain):")
        for line in pushed:
            print(f"  {line}")
        for line in outcomes:
            print(f"  push {line}")
    for case in cases:
        unexpected = sorted(case.codes - {0, 1})
        problems = [line for line in case.stderr.splitlines() if line.strip()]
        if "push" in case.name or "hook" in case.name:
            unexpected = sorted(case.codes - {0})
            problems = [p for p in problems if "->" not in p]
        if unexpected or problems:
            codes = ", ".join(str(c) for c in sorted(case.codes))
            print(f"note: {case.name}: exit {codes}; {len(problems)} line(s) on stderr")
            for line in problems[:8]:
                print(f"  {line}")
    print(
        "\nmedians of wall time (whole process; git push includes receive-pack and the "
        "pre-receive and update hooks, which install-hooks --server both installs; 'of which' "
        "rows run one hook by hand in the bare repository, untargeted); peak RSS = the largest "
        "ru_maxrss of the process and the processes it waited for"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
