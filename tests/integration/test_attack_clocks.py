"""Issue 12, items 3 and 4: a digest is an identity; soak is continuous residence measured by
clocks a contributor does not control.

Every attack goes through a pull request merge where prod requires one, so the rule
that catches it is the one under test. Each is pushed to the real server and checked
with ``check --direct`` over the same range.
"""

from __future__ import annotations

import json
import subprocess

from tests.integration.attack_repo import (
    GITOPS_GUARD,
    OVERLAY,
    Setup,
    assert_rejected,
    at,
    clean_env,
    digest,
    overlay,
    prod_location,
    rules_of,
)

EVIL = digest("mallory's build")


# --- a digest is an identity --------------------------------------------------------------


def test_changing_only_the_digest_in_prod(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.pr(260, "prod", "1.4.1", at(hours=-1), pinned=EVIL)
    pushed = work.push("main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG303" in rules_of(document)


def test_a_tag_that_ran_in_staging_with_the_digest_of_another_image(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.pr(261, "prod", "1.4.2", at(hours=-1), pinned=EVIL)
    pushed = work.push("main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    assert "never ran that image" in pushed.stderr
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG303" in rules_of(document)


def test_a_digest_smuggled_in_the_tag(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "-b", "smuggle")
    text = overlay("1.4.2", None).replace('newTag: "1.4.2"', f'newTag: "1.4.2@{EVIL}"')
    work.commit(at(hours=-2), "Promote api 1.4.2 to prod", {OVERLAY.format(env="prod"): text})
    tip = work.merge_pr("smuggle", 262, at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG303" in rules_of(document)


def test_a_rollback_to_an_image_that_never_ran(setup: Setup) -> None:
    # prod ran 1.4.0 with its own digest; the "rollback" brings the tag with another one.
    work = setup.work
    before = setup.server_rev()
    tip = work.pr(
        263,
        "prod",
        "1.4.0",
        at(hours=-1),
        pinned=EVIL,
        message="Roll back api in prod to 1.4.0\n\nRollback: INC-8\n",
    )
    pushed = work.push("main")
    assert_rejected(pushed, "GG302", commit=tip, location=prod_location())
    assert "marked as a rollback" in pushed.stderr
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG302" in rules_of(document)


# --- clocks and residence -----------------------------------------------------------------


def test_staging_and_its_revert_back_dated(setup: Setup) -> None:
    # staging "ran" 1.5.0 three days ago for an hour (both commits back-dated), then prod
    # gets 1.5.0: it does not run in staging, and never ran there for a day.
    work = setup.work
    before = setup.server_rev()
    work.promote("staging", "1.5.0", at(days=-3))
    work.promote(
        "staging", "1.4.2", at(days=-3, hours=1), "Revert staging to 1.4.2\n\nRollback: INC-9\n"
    )
    assert not work.push("main").rejected
    tip = work.pr(264, "prod", "1.5.0", at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG304", commit=tip, location=prod_location())
    assert "no longer runs in staging" in pushed.stderr
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG304" in rules_of(document)


def test_a_transient_version_reverted_before_prod_gets_it(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.promote("dev", "9.9.9", at(days=-4))
    work.promote("staging", "9.9.9", at(days=-3))
    work.promote("staging", "1.4.2", at(days=-3, hours=2), "Revert staging\n\nRollback: INC-9\n")
    work.promote("dev", "1.5.0", at(days=-3, hours=3), "Revert dev\n\nRollback: INC-9\n")
    tip = work.pr(265, "prod", "9.9.9", at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG304", commit=tip, location=prod_location())
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG304" in rules_of(document)


def test_the_committer_date_of_the_last_commit_moved_ahead(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.promote("staging", "1.5.0", at(hours=-2))
    work.git("checkout", "-q", "-b", "promote-266")
    work.promote("prod", "1.5.0", at(hours=-1), committer_date=at(days=2))
    work.git("checkout", "-q", "main")
    work.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #266 from acme/promote-266",
        "promote-266",
        env={"GIT_AUTHOR_DATE": at(days=2), "GIT_COMMITTER_DATE": at(days=2)},
    )
    tip = work.rev()
    pushed = work.push("main")
    assert_rejected(pushed, "GG304", commit=tip, location=prod_location())
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG304" in rules_of(document)


def test_one_commit_bringing_a_version_to_staging_and_prod(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "-b", "both")
    work.commit(
        at(hours=-2),
        "Roll out api 1.5.0",
        {OVERLAY.format(env=env): overlay("1.5.0") for env in ("staging", "prod")},
    )
    tip = work.merge_pr("both", 267, at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    _code, document = setup.check(before, "HEAD", "--direct")
    assert "GG303" in rules_of(document)


def test_the_server_measures_soak_by_when_it_received_the_staging_change(setup: Setup) -> None:
    # staging 1.5.0 is back-dated three days; on top of main's tip (dev 1.5.0, two days
    # ago) a clone cannot tell. The server received it a moment ago: its reflog says so.
    work = setup.work
    work.promote("staging", "1.5.0", at(days=-3))
    assert not work.push("main").rejected
    before = setup.server_rev()
    tip = work.pr(268, "prod", "1.5.0", at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG304", commit=tip, location=prod_location())
    # check on the server (or a mirror keeping its reflog) knows it too.
    subprocess.run(
        ["git", "push", "-q", str(setup.server), "HEAD:refs/heads/candidate"],
        cwd=work.path,
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    result = subprocess.run(
        [
            str(GITOPS_GUARD),
            "check",
            "--repo",
            str(setup.server),
            "--base",
            before or "",
            "--head",
            "refs/heads/candidate",
            "--direct",
            "--offline",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert result.returncode == 1, result.stderr
    assert "GG304" in rules_of(json.loads(result.stdout))


def test_soak_counts_from_when_the_server_received_it(setup: Setup) -> None:
    # The control: staging 1.5.0 reached the server two days ago (the receive-pack of a
    # local push records the pusher's clock in the reflog, which stands in for the
    # server's here), so prod may have it now.
    work = setup.work
    work.promote("staging", "1.5.0", at(days=-2))
    assert not work.push("main", env={"GIT_COMMITTER_DATE": at(days=-2)}).rejected
    work.pr(269, "prod", "1.5.0", at(hours=-1))
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr


def test_history_before_the_first_known_push_counts_from_its_dates(setup: Setup) -> None:
    # The server's first push of main (a creation) says nothing of when its history
    # arrived; a later, unrelated push must not date all of it at that push: staging
    # 1.4.2 (five days ago) may still go to prod.
    work = setup.work
    work.commit(at(hours=-2), "Docs", {"README.md": "GitOps\n"})
    assert not work.push("main").rejected
    work.pr(272, "prod", "1.4.2", at(hours=-1))
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
