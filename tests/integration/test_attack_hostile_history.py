"""Issue 12, item 11: hostile history never breaks the gate or the audit.

Commits are written as raw objects (``git hash-object --literally``): bytes that are not
UTF-8 in names and message with no encoding header, a time zone of ``+2500``, a time of
``99999999999999`` seconds — all of which git itself accepts and pushes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.attack_repo import (
    GITOPS_GUARD,
    OVERLAY,
    Setup,
    Work,
    at,
    clean_env,
    overlay,
    rules_of,
)


def raw_commit(work: Work, header_people: bytes, message: bytes) -> str:
    """A commit of the current index on top of HEAD, written byte for byte."""
    tree = work.rev("HEAD^{tree}")
    work.git("add", "-A")
    tree = work.git("write-tree").stdout.strip()
    parent = work.rev("HEAD")
    body = b"tree %s\nparent %s\n%s\n\n%s" % (
        tree.encode(),
        parent.encode(),
        header_people,
        message,
    )
    result = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        cwd=work.path,
        input=body,
        capture_output=True,
        check=True,
    )
    sha = result.stdout.decode().strip()
    work.git("update-ref", "refs/heads/main", sha)
    work.git("reset", "-q", "--hard", sha)
    return sha


HOSTILE = {
    "non-UTF-8 names and message": (
        b"author Mall\xf6ry \xff <m@example.com> 1764000000 +0000\n"
        b"committer Mall\xf6ry \xff <m@example.com> 1764000000 +0000",
        b"Promote api \xfe\xff to staging\n",
    ),
    "a time zone of +2500": (
        b"author Alice <alice@example.com> 1764000000 +2500\n"
        b"committer Alice <alice@example.com> 1764000000 +2500",
        b"Promote api to staging\n",
    ),
    "a time of 99999999999999 seconds": (
        b"author Alice <alice@example.com> 99999999999999 +0000\n"
        b"committer Alice <alice@example.com> 99999999999999 +0000",
        b"Promote api to staging\n",
    ),
}


def gitops_guard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GITOPS_GUARD), *args], cwd=cwd, capture_output=True, text=True, env=clean_env()
    )


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_commits_are_judged_and_reported(setup: Setup, name: str, tmp_path: Path) -> None:
    work = setup.work
    before = setup.server_rev()
    (work.path / OVERLAY.format(env="staging")).write_text(overlay("1.4.3"))
    sha = raw_commit(work, *HOSTILE[name])
    checked = gitops_guard(work.path, "check", "--base", before or "", "--format", "json")
    assert checked.returncode in (0, 1), checked.stderr
    json.loads(checked.stdout)
    pushed = work.push("main")
    assert "Traceback" not in pushed.stderr
    assert "internal error" not in pushed.stderr, pushed.stderr
    for fmt in ("json", "html", "markdown", "csv"):
        report = gitops_guard(work.path, "report", "--format", fmt, "--out", str(tmp_path / fmt))
        assert report.returncode == 0, report.stderr
    events = json.loads((tmp_path / "json/report.json").read_text())["events"]
    assert any(event["commit"] == sha for event in events)
    # And every later report still works.
    work.promote("dev", "1.5.1", at(hours=-1))
    again = gitops_guard(work.path, "report", "--format", "json", "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr


def test_a_non_utf8_author_is_shown_with_replacement_characters(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    (work.path / OVERLAY.format(env="prod")).write_text(overlay("1.4.0"))
    raw_commit(work, *HOSTILE["non-UTF-8 names and message"])
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG302" in rules_of(document)
    (finding,) = [f for f in document["findings"] if f["rule"] == "GG305"]
    assert "Mall\ufffdry \ufffd" in finding["message"]


def test_two_reports_at_once_both_complete(setup: Setup, tmp_path: Path) -> None:
    work = setup.work
    processes = [
        subprocess.Popen(
            [str(GITOPS_GUARD), "report", "--format", "json"],
            cwd=work.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert json.loads(out)["events"]


def test_an_empty_repository_says_it_has_no_commits(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", "-b", "main", str(empty)], check=True)
    for args in (("report",), ("at", "2026-01-01"), ("check", "--base", "HEAD")):
        result = gitops_guard(empty, *args)
        assert result.returncode == 2, result.stderr
        assert "no commits yet" in result.stderr
        assert "fetch it first" not in result.stderr
