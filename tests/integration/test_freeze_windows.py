"""Freeze windows end to end: the installed `gitops-guard check --base --head` and a real
bare server carrying the pre-receive hook `install-hooks --server` writes.

Both judge at the moment they run, on their own wall clock: the history and the change
are dated January 2026 (before the window, which runs from yesterday to tomorrow), and
that changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV
from tests.integration.holes import GITOPS_GUARD, Hole, assert_caught, build, commit
from tests.policies import FREEZE_POLICY, freeze_policy_around_now

STAGING = "apps/api/staging/values.yaml"
PROD = "apps/api/prod/values.yaml"


def values(version: str) -> str:
    return f"image: registry.example.com/team/api:{version}\n"


HISTORY: list[dict[str, str | None]] = [
    {STAGING: values("1.4.1"), PROD: values("1.4.1")},
    {STAGING: values("1.5.0")},
]


@pytest.mark.slow
def test_a_promotion_into_frozen_prod_is_refused_by_check_and_by_the_server(
    tmp_path: Path,
) -> None:
    hole = Hole(
        history=HISTORY,
        change={PROD: values("1.5.0")},
        expected={"GG309"},
        message="Promote api 1.5.0 to prod\n",
        policy=freeze_policy_around_now(),
    )
    verdict = assert_caught(tmp_path, hole)
    (finding,) = verdict.check_document["findings"]
    assert "while prod is frozen (year-end change freeze) until " in finding["message"]
    assert "remote: " in verdict.push_output
    assert "while prod is frozen (year-end change freeze)" in verdict.push_output


@pytest.mark.slow
def test_a_rollback_into_frozen_prod_is_accepted_by_check_and_by_the_server(
    tmp_path: Path,
) -> None:
    hole = Hole(
        history=[*HISTORY, {PROD: values("1.5.0")}],
        change={PROD: values("1.4.1")},
        expected=set(),
        message="Roll back api in prod to 1.4.1\n\nRollback: INC-42\n",
        policy=freeze_policy_around_now(),
    )
    assert_caught(tmp_path, hole)


@pytest.mark.slow
def test_the_server_judges_at_the_moment_its_own_environment_gives(tmp_path: Path) -> None:
    """GITOPS_GUARD_NOW in the environment of the server's hook moves its "now" (a local
    push runs the hook in the pusher's environment; a real server's is its own)."""
    origin = build(tmp_path / "origin", Hole(HISTORY, {}, set(), policy=FREEZE_POLICY))
    server = tmp_path / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin), str(server)], check=True)
    subprocess.run([str(GITOPS_GUARD), "install-hooks", "--server", str(server)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(server), str(work)], check=True)
    commit(work, {PROD: values("1.5.0")}, "Promote api 1.5.0 to prod", 9)

    def push(now: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **GIT_ENV, "NO_COLOR": "1", "GITOPS_GUARD_NOW": now}
        return subprocess.run(
            ["git", "push", "origin", "HEAD:main"],
            cwd=work,
            capture_output=True,
            text=True,
            env=env,
        )

    refused = push("2026-12-24T18:00:00+01:00")
    assert refused.returncode != 0
    assert "[GG309 frozen-environment]" in refused.stderr
    assert "until 2027-01-04T00:00+01:00; now is 2026-12-24T18:00+01:00" in refused.stderr
    checked = subprocess.run(
        [str(GITOPS_GUARD), "check", "--base", "origin/main", "--head", "HEAD", "--format",
         "json", "--now", "2027-01-05T10:00:00+01:00"],
        cwd=work, capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["findings"] == []
    accepted = push("2027-01-05T10:00:00+01:00")
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.slow
def test_client_hooks_refuse_only_the_push_that_lands_in_frozen_prod(tmp_path: Path) -> None:
    """The commit being made and a branch pushed for review land nowhere: a freeze does not
    stop work, only promotions reaching the protected branch."""
    origin = build(tmp_path / "origin", Hole(HISTORY, {}, set(), policy=FREEZE_POLICY))
    server = tmp_path / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin), str(server)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(server), str(work)], check=True)
    subprocess.run([str(GITOPS_GUARD), "install-hooks"], cwd=work, check=True)
    env = {
        **os.environ,
        **GIT_ENV,
        "NO_COLOR": "1",
        "GITOPS_GUARD": str(GITOPS_GUARD),
        "GITOPS_GUARD_NOW": "2026-12-24T18:00:00+01:00",
    }

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=work, capture_output=True, text=True, env=env)

    (work / PROD).write_text(values("1.5.0"))
    git("add", "-A")
    made = git("commit", "-q", "-m", "Promote api 1.5.0 to prod")
    assert made.returncode == 0, made.stderr  # commit-msg judged it, without GG309
    for_review = git("push", "origin", "HEAD:refs/heads/promote-api")
    assert for_review.returncode == 0, for_review.stderr
    landing = git("push", "origin", "HEAD:main")
    assert landing.returncode != 0
    assert "gitops-guard (pre-push): refs/heads/main rejected" in landing.stderr
    assert "[GG309 frozen-environment]" in landing.stderr
