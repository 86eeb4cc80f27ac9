"""Issue 12, item 4 (the remaining gap): back-dated commits where there is no server reflog.

``check`` in CI runs in a fresh ``git clone``: no receive times, only the dates commits
carry. Soak is then bounded by the order of commits on the protected ref: a child never
counts as older than its parent (or any commit before it on the first-parent chain), so
a staging change dated three days back, on top of a commit made an hour ago, has run in
staging for an hour at most. The parent here changes no image (a README): the bound
must come from the chain itself, not only from the changes the ledger recorded.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.attack_repo import (
    GITOPS_GUARD,
    Setup,
    Work,
    at,
    clean_env,
    rules_of,
)


def fresh_clone(setup: Setup, path: Path) -> Work:
    subprocess.run(
        ["git", "clone", "-q", "-b", "main", str(setup.server), str(path)],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    return Work(path)


def check_in(work: Work, base: str, *extra: str) -> tuple[int, Any]:
    import json

    result = subprocess.run(
        [
            str(GITOPS_GUARD),
            "check",
            "--base",
            base,
            "--head",
            "HEAD",
            "--offline",
            "--format",
            "json",
            *extra,
        ],
        cwd=work.path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def back_dated_staging(work: Work) -> None:
    """A README an hour ago, then staging 1.5.0 on top of it dated three days back."""
    work.commit(at(hours=-1), "Docs", {"README.md": "GitOps\n"})
    work.promote("staging", "1.5.0", at(days=-3))


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_a_back_dated_staging_change_on_the_ref_counts_from_its_parent(
    setup: Setup, tmp_path: Path, cache: str
) -> None:
    # It landed on main (the server judged that push, and was right: staging has no
    # soak); the pull request to prod is checked in a fresh clone (whose history cache
    # a report may have filled first: the ledger it keeps is bounded the same way).
    back_dated_staging(setup.work)
    assert not setup.work.push("main").rejected
    clone = fresh_clone(setup, tmp_path / "ci")
    if cache == "warm":
        report = subprocess.run(
            [str(GITOPS_GUARD), "report", "--format", "json"],
            cwd=clone.path,
            capture_output=True,
            env=clean_env(),
        )
        assert report.returncode == 0, report.stderr
    clone.pr(290, "prod", "1.5.0", at(minutes=-5))
    code, document = check_in(clone, "origin/main")
    assert code == 1
    assert "GG304" in rules_of(document), document["findings"]


def test_a_back_dated_staging_change_in_the_range_counts_from_its_parent(
    setup: Setup, tmp_path: Path
) -> None:
    # The same commits in one pull request: the range's own commits are bounded too.
    before = setup.server_rev()
    assert before is not None
    clone = fresh_clone(setup, tmp_path / "ci")
    clone.git("checkout", "-q", "-b", "all-in-one")
    back_dated_staging(clone)
    clone.promote("prod", "1.5.0", at(minutes=-5))
    code, document = check_in(clone, before)
    assert code == 1
    assert "GG304" in rules_of(document), document["findings"]


def test_a_version_that_soaked_passes_in_a_fresh_clone(setup: Setup, tmp_path: Path) -> None:
    # The control: staging 1.4.2 has run for five days, by honest dates.
    clone = fresh_clone(setup, tmp_path / "ci")
    clone.pr(291, "prod", "1.4.2", at(minutes=-5))
    code, document = check_in(clone, "origin/main")
    assert code == 0, document["findings"]
