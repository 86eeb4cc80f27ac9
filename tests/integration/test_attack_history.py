"""Issue 12, items 2 and 5: rewrites and odd merges are judged by what they change; a pull
request is proven by structure, not by a subject, and bots stay bots through merges.

Each attack is pushed to the real server (its pre-receive hook must refuse it, naming
rule, commit, file and line) and checked with ``check --direct`` over the same range
(which must fail with the same rule). Each control must pass both.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.attack_repo import (
    BASE_DEPLOYMENT,
    BOT,
    OVERLAY,
    Setup,
    Work,
    assert_rejected,
    at,
    make_server,
    overlay,
    prod_location,
    rules_of,
    staging_location,
    updater_message,
)


def first_commit(work: Work) -> str:
    return work.git("rev-list", "--max-parents=0", "main").stdout.split()[0]


# --- rewrites ----------------------------------------------------------------------------


def test_force_push_back_to_an_old_commit(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    old = first_commit(work)  # prod ran 1.4.0 there; it runs 1.4.1 now
    pushed = work.push(f"+{old}:refs/heads/main")
    assert_rejected(pushed, "GG308", commit=old)
    assert_rejected(pushed, "GG302", commit=old, location=prod_location())
    assert setup.server_rev() == before
    code, document = setup.check(before, old, "--direct")
    assert code == 1
    assert {"GG308", "GG302"} <= rules_of(document)


def test_force_push_of_an_orphan_history(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "--orphan", "orphan")  # keeps the tree, not the history
    tip = work.commit(
        at(hours=-1),
        "Fresh start",
        {OVERLAY.format(env=env): overlay("1.5.0") for env in ("dev", "staging", "prod")},
    )
    pushed = work.push("+orphan:main")
    assert_rejected(pushed, "GG308", commit=tip)
    # staging and prod get 1.5.0 in the same step: it never ran in staging before.
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    code, document = setup.check(before, tip, "--direct")
    assert code == 1
    assert {"GG308", "GG303"} <= rules_of(document)


def test_merge_s_ours_from_an_old_branch(setup: Setup) -> None:
    # On an old commit, merge main with `-s ours`: the result is a descendant of main (a
    # fast-forward for git), but its tree is the old one and its first parents run
    # through the old branch: prod goes back to 1.4.0 with no rollback trailer.
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "-b", "old", first_commit(work))
    work.git(
        "merge",
        "-q",
        "-s",
        "ours",
        "-m",
        "Merge branch 'main' into old",
        "main",
        env={"GIT_COMMITTER_DATE": at(hours=-1), "GIT_AUTHOR_DATE": at(hours=-1)},
    )
    tip = work.rev()
    pushed = work.push("old:main")
    assert_rejected(pushed, "GG308", commit=tip)
    assert_rejected(pushed, "GG302", commit=tip, location=prod_location())
    code, document = setup.check(before, tip, "--direct")
    assert code == 1
    assert {"GG308", "GG302"} <= rules_of(document)


def test_merge_of_an_unrelated_back_dated_history(setup: Setup) -> None:
    # An unrelated history, dated days ago, "ran" 1.5.0 in staging; the merge brings its
    # overlays to main, prod included. Its commits never ran on main: 1.5.0 reaches
    # staging and prod in the merge itself.
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "--orphan", "unrelated")
    work.git("rm", "-rfq", ".")
    work.commit(
        at(days=-5),
        "Staging runs 1.5.0",
        {OVERLAY.format(env=env): overlay("1.5.0") for env in ("dev", "staging")},
    )
    work.git("checkout", "-q", "main")
    work.git(
        "merge",
        "-q",
        "--allow-unrelated-histories",
        "-X",
        "theirs",
        "-m",
        "Merge pull request #251 from acme/unrelated",
        "unrelated",
        env={"GIT_COMMITTER_DATE": at(hours=-1), "GIT_AUTHOR_DATE": at(hours=-1)},
    )
    (work.path / OVERLAY.format(env="prod")).write_text(overlay("1.5.0"))
    work.git("add", "-A")
    work.git(
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        env={"GIT_COMMITTER_DATE": at(hours=-1)},
    )
    tip = work.rev()
    pushed = work.push("main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    code, document = setup.check(before, tip, "--direct")
    assert code == 1
    assert "GG303" in rules_of(document)


def test_deleting_a_protected_ref(setup: Setup) -> None:
    pushed = setup.work.push(":main")
    assert_rejected(pushed, "GG308")
    assert setup.server_rev() is not None


def test_deleting_a_feature_branch_passes(setup: Setup) -> None:
    work = setup.work
    work.git("branch", "feature")
    assert not work.push("feature").rejected
    pushed = work.push(":feature")
    assert not pushed.rejected, pushed.stderr


def test_the_first_push_into_an_empty_server_is_judged(tmp_path: Path) -> None:
    # An empty server has no policy of its own yet: the first push is judged by the
    # defaults, on every file it brings (here: a mutable tag in prod).
    server = make_server(tmp_path / "empty.git")
    work_path = tmp_path / "first"
    work_path.mkdir()
    work = Work(work_path)
    work.git("init", "-q", "-b", "main")
    tip = work.commit(
        at(days=-1),
        "Initial layout",
        {
            "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/api/base/deployment.yaml": BASE_DEPLOYMENT,
            OVERLAY.format(env="prod"): overlay("latest", None),
        },
    )
    work.git("remote", "add", "origin", str(server))
    pushed = work.push("main")
    assert_rejected(pushed, "GG102", location=prod_location())
    assert "judged by the default policy" in pushed.stderr
    assert tip


# --- who and how ------------------------------------------------------------------------


def test_a_proper_pull_request_merge_passes(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.pr(250, "prod", "1.4.2", at(hours=-1))
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    assert setup.server_rev() != before
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_a_proper_rollback_through_a_pull_request_passes(setup: Setup) -> None:
    # The trailer is in the pull request's commit, not in the merge commit.
    work = setup.work
    before = setup.server_rev()
    work.pr(
        253,
        "prod",
        "1.4.0",
        at(hours=-1),
        message="Roll back api in prod to 1.4.0\n\nRollback: INC-7\n",
    )
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_a_proper_bot_patch_passes(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.promote(
        "staging",
        "1.4.3",
        at(hours=-1),
        updater_message("staging", "1.4.2", "1.4.3"),
        author=BOT,
    )
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_a_direct_push_whose_subject_names_a_squashed_pr(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.promote("prod", "1.4.2", at(hours=-1), "Promote api 1.4.2 to prod (#999)")
    pushed = work.push("main")
    assert_rejected(pushed, "GG305", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG305" in rules_of(document)


def test_a_direct_push_whose_subject_reads_like_a_merge(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.promote(
        "prod", "1.4.2", at(hours=-1), "Merge pull request #998 from acme/promote-api"
    )
    pushed = work.push("main")
    assert_rejected(pushed, "GG305", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG305" in rules_of(document)


def test_a_bot_change_merged_by_a_person_is_a_bot_change(setup: Setup) -> None:
    # Image Updater writes back through a pull request; a person merges it. Bots may
    # make no change in prod.
    work = setup.work
    before = setup.server_rev()
    work.git("checkout", "-q", "-b", "image-updater-prod")
    work.promote(
        "prod", "1.4.2", at(hours=-2), updater_message("prod", "1.4.1", "1.4.2"), author=BOT
    )
    tip = work.merge_pr("image-updater-prod", 254, at(hours=-1))  # the merge is the person's
    pushed = work.push("main")
    assert_rejected(pushed, "GG301", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG301" in rules_of(document)


def test_a_squash_with_a_bot_co_author_is_a_bot_change(setup: Setup) -> None:
    # A minor bump in staging, where bots may only make patches.
    work = setup.work
    before = setup.server_rev()
    tip = work.promote(
        "staging",
        "1.5.0",
        at(hours=-1),
        "Update api (#77)\n\nCo-authored-by: argocd-image-updater <noreply@argoproj.io>\n",
    )
    pushed = work.push("main")
    assert_rejected(pushed, "GG301", commit=tip, location=staging_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG301" in rules_of(document)
