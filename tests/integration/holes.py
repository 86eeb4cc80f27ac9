"""A harness for the ways a change can step around the gate (issue 13).

A hole is a repository at a base commit (a promotion history dev → staging → prod, so
the promotion rules have something to judge) and one pushed change. ``judge_hole``
runs ``check --base --head`` on it and pushes it to a real bare server carrying the
hook ``gitops-guard install-hooks --server`` installs; both must refuse the change
with the expected rules (or both accept it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import GIT_ENV
from tests.policies import DEPLOY_HOLES_POLICY

GITOPS_GUARD = Path(sys.executable).parent / "gitops-guard"

# What cannot be followed does not reach prod (what `init` writes for the last environment).
STRICT_POLICY = DEPLOY_HOLES_POLICY + "    on_unresolved: error\n"


def deployment(image: str, name: str = "api", container: str = "api") -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          template:
            spec:
              containers:
                - name: {container}
                  image: {image}
        """
    )


@dataclass
class Hole:
    """Files committed one commit after the other (the history), then the pushed change."""

    history: Sequence[Mapping[str, str | None]]
    change: Mapping[str, str | None]
    expected: set[str]
    message: str = "change\n"
    policy: str = DEPLOY_HOLES_POLICY
    extra_commits: list[Mapping[str, str | None]] = field(default_factory=list)


def _git(repo: Path, *args: str, when: int = 0) -> str:
    stamp = f"2026-01-{1 + when:02d}T12:00:00+00:00"
    env = {
        **os.environ,
        **GIT_ENV,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    result = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env
    )
    return result.stdout


def apply_files(root: Path, files: Mapping[str, str | None]) -> None:
    for relative, content in files.items():
        target = root / relative
        if content is None:
            if target.is_symlink() or target.exists():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if content.startswith("symlink:"):
            if target.is_symlink() or target.exists():
                target.unlink()
            target.symlink_to(content.removeprefix("symlink:"))
        else:
            target.write_text(content)


def commit(root: Path, files: Mapping[str, str | None], message: str, when: int) -> str:
    apply_files(root, files)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "--no-verify", "-m", message, when=when)
    return _git(root, "rev-parse", "HEAD").strip()


def build(root: Path, hole: Hole) -> Path:
    """The repository at its base: the policy, then every commit of the history."""
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    commit(root, {".gitops-guard.yaml": hole.policy}, "policy", 0)
    for index, files in enumerate(hole.history, start=1):
        commit(root, files, f"history {index}", index)
    return root


@dataclass
class Verdict:
    check_rules: set[str]
    check_document: dict  # type: ignore[type-arg]
    push_accepted: bool
    push_output: str


def judge_hole(tmp_path: Path, hole: Hole) -> Verdict:
    """``check`` on the change, and a push of it to a guarded bare server."""
    origin = build(tmp_path / "origin", hole)
    server = tmp_path / "server.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(origin), str(server)], check=True, capture_output=True
    )
    installed = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--server", str(server)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(server), str(work)], check=True, capture_output=True)
    when = len(hole.history) + 1
    for files in hole.extra_commits:
        commit(work, files, "unrelated", when)
        when += 1
    commit(work, hole.change, hole.message, when)
    checked = subprocess.run(
        [str(GITOPS_GUARD), "check", "--base", "origin/main", "--head", "HEAD", "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert checked.returncode in (0, 1), checked.stderr
    document = json.loads(checked.stdout)
    rules = {f["rule"] for f in document["findings"] if f["severity"] == "error"}
    env = {**os.environ, **GIT_ENV, "GITOPS_GUARD": str(GITOPS_GUARD), "NO_COLOR": "1"}
    pushed = subprocess.run(
        ["git", "push", "origin", "HEAD:main"], cwd=work, capture_output=True, text=True, env=env
    )
    return Verdict(rules, document, pushed.returncode == 0, pushed.stderr)


def assert_caught(tmp_path: Path, hole: Hole) -> Verdict:
    """Both gates refuse the change with exactly the expected error rules (or both pass)."""
    verdict = judge_hole(tmp_path, hole)
    assert verdict.check_rules == hole.expected, verdict.check_document["findings"]
    if hole.expected:
        assert not verdict.push_accepted, verdict.push_output
        for rule in hole.expected:
            assert f"[{rule} " in verdict.push_output, verdict.push_output
    else:
        assert verdict.push_accepted, verdict.push_output
    return verdict
