"""Issue 12, item 11 (the remaining gap): Ctrl-C never leaves a truncated report on stdout.

A report of a long history used to stream its JSON while replaying: interrupted, the
reader got the first bytes of a document. Reports and findings now reach stdout whole
or not at all. The tests run the real command line on a history of a few thousand
commits (made by ``git fast-import``, replayed without the cache so it takes seconds)
and send it SIGINT, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitops_guard.errors import EXIT_INTERRUPTED

GITOPS_GUARD = Path(sys.executable).parent / "gitops-guard"
POLICY = """\
version: 1
layout: ["apps/{app}/overlays/{env}/**"]
environments:
  dev: {}
  staging: {from: dev}
  prod: {from: staging}
"""
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
          image: registry.example.com/team/api:1.0.0
"""
COMMITS = 3000


def _data(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n%s\n" % (len(data), data)


def long_history(path: Path) -> Path:
    """dev → staging → prod, one promotion per commit, an hour apart."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = bytearray()
    for i in range(COMMITS):
        stream += b"commit refs/heads/main\n"
        stream += b"committer A <a@example.com> %d +0000\n" % (1_700_000_000 + i * 3600)
        stream += _data(f"Promote {i}")
        if i == 0:
            for name, text in (
                (".gitops-guard.yaml", POLICY),
                ("apps/api/base/deployment.yaml", DEPLOYMENT),
                ("apps/api/base/kustomization.yaml", "resources: [deployment.yaml]\n"),
            ):
                stream += f"M 100644 inline {name}\n".encode() + _data(text)
        env = ("dev", "staging", "prod")[i % 3]
        overlay = (
            "resources:\n  - ../../base\nimages:\n  - name: registry.example.com/team/api\n"
            f'    newTag: "1.{i // 3}.0"\n'
        )
        stream += f"M 100644 inline apps/api/overlays/{env}/kustomization.yaml\n".encode()
        stream += _data(overlay) + b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=path, check=True)
    return path


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_history(tmp_path_factory.mktemp("interrupted") / "repo")


def environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "GITOPS_GUARD"))
    }
    env["GITOPS_GUARD_SIMPLE_REPLAY"] = "1"  # no history cache: a replay that takes seconds
    return env


def interrupted(cwd: Path, *args: str, after: float) -> tuple[int, str, str]:
    """Run gitops-guard, send SIGINT after ``after`` seconds; (exit code, stdout, stderr)."""
    process = subprocess.Popen(
        [str(GITOPS_GUARD), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def whole_or_nothing(code: int, out: str, err: str) -> None:
    if code == EXIT_INTERRUPTED:
        # Interrupted while working: nothing; while the document was copied out: the
        # signal waited for it, so it is whole.
        if out:
            json.loads(out)
        assert "interrupted" in err
        assert "Traceback" not in err
    else:  # finished before the signal came: then the document is whole
        assert code == 0, err
        json.loads(out)


@pytest.mark.parametrize("after", [0.5, 1.0])
def test_an_interrupted_report_leaves_no_truncated_json(history: Path, after: float) -> None:
    code, out, err = interrupted(history, "report", "--format", "json", after=after)
    assert code == EXIT_INTERRUPTED, "the report finished before it was interrupted"
    whole_or_nothing(code, out, err)


def test_an_interrupted_csv_report_leaves_nothing(history: Path) -> None:
    code, out, err = interrupted(history, "report", "--format", "csv", after=0.8)
    assert code == EXIT_INTERRUPTED
    # Nothing, or (interrupted while it was copied out) every row.
    assert out == "" or len(out.splitlines()) == COMMITS + 1, out[-200:]
    assert "interrupted" in err


@pytest.mark.parametrize("after", [0.8, 2.0])
def test_an_interrupted_check_leaves_no_truncated_json(history: Path, after: float) -> None:
    code, out, err = interrupted(
        history, "check", "--base", "HEAD~2000", "--format", "json", after=after
    )
    whole_or_nothing(code, out, err)


def test_a_report_that_completes_is_whole(history: Path) -> None:
    result = subprocess.run(
        [str(GITOPS_GUARD), "report", "--format", "json"],
        cwd=history,
        capture_output=True,
        text=True,
        env=environment(),
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["events"]) == COMMITS
