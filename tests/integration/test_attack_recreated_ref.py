"""Issue 12, item 2 (the remaining gap): a protected ref deleted and re-created where the
policy allows rewrites is judged against what the ref held before, not as a first push.

The team approved rewrites (an owner-signed, policy-only change: the reviewed path of a
loosening). The attacker then deletes ``main`` (allowed now) and pushes a new ``main``
whose prod runs what never ran in staging, or goes down without a rollback trailer. With
nothing else on the server (HEAD names the missing ``master``), the new ref used to be
"the first push into this repository", judged by the default policy against the empty
tree: everything passed.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.attack_repo import (
    OVERLAY,
    Setup,
    assert_rejected,
    at,
    clean_env,
    install_server_hooks,
    overlay,
    prod_location,
    rules_of,
)
from tests.policies import ATTACK_POLICY

REWRITES_ALLOWED = ATTACK_POLICY + "allow_history_rewrites: true\n"


def allow_rewrites(setup: Setup) -> str:
    """Land the owner-signed policy change allowing rewrites; returns the server's tip."""
    work = setup.work
    work.commit(
        at(hours=-3),
        "Policy: allow history rewrites (approved by the owners)",
        {".gitops-guard.yaml": REWRITES_ALLOWED},
        signer=setup.owner_key,
    )
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    tip = setup.server_rev()
    assert tip is not None
    return tip


def delete_main(setup: Setup) -> None:
    pushed = setup.work.push(":main")
    assert not pushed.rejected, pushed.stderr
    assert setup.server_rev() is None


@pytest.mark.parametrize("hook", ["pre-receive", "update"])
def test_a_re_created_ref_is_judged_against_the_tip_it_had(setup: Setup, hook: str) -> None:
    if hook == "update":  # a server that runs only the per-ref hook
        (setup.server / "hooks/pre-receive").unlink()
        install_server_hooks(setup.server, "--update-hook")
    work = setup.work
    before = allow_rewrites(setup)
    delete_main(setup)
    # A fresh history with prod on 1.5.0, which never ran in staging.
    work.git("checkout", "-q", "--orphan", "fresh")
    tip = work.commit(at(hours=-1), "Fresh start", {OVERLAY.format(env="prod"): overlay("1.5.0")})
    pushed = work.push("fresh:main")
    assert_rejected(pushed, "GG303", commit=tip, location=prod_location())
    assert "first push" not in pushed.stderr
    assert setup.server_rev() is None
    # check over the same update (the tip it had → the new one) says the same.
    code, document = setup.check(before, tip, "--direct")
    assert code == 1
    assert "GG303" in rules_of(document)


def test_a_re_created_ref_on_top_of_its_old_tip_is_judged_per_commit(setup: Setup) -> None:
    # The new main continues the old tip: prod goes down to 1.4.0 with no rollback trailer.
    work = setup.work
    before = allow_rewrites(setup)
    delete_main(setup)
    tip = work.promote("prod", "1.4.0", at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG302", commit=tip, location=prod_location())
    assert setup.server_rev() is None
    code, document = setup.check(before, tip, "--direct")
    assert code == 1
    assert "GG302" in rules_of(document)


def test_a_re_created_ref_counts_soak_from_the_server_s_clock(setup: Setup) -> None:
    # staging 1.5.0 back-dated three days reached the server a moment ago; main is then
    # deleted (its reflog goes with it) and re-created with prod 1.5.0: the receive time
    # of the deleted ref's history still holds.
    work = setup.work
    allow_rewrites(setup)
    work.promote("staging", "1.5.0", at(days=-3))
    assert not work.push("main").rejected
    delete_main(setup)
    tip = work.pr(270, "prod", "1.5.0", at(hours=-1))
    pushed = work.push("main")
    assert_rejected(pushed, "GG304", commit=tip, location=prod_location())


def test_a_proper_re_creation_passes(setup: Setup) -> None:
    # The control: the ref comes back where it was, plus a proper promotion.
    work = setup.work
    before = allow_rewrites(setup)
    delete_main(setup)
    work.pr(271, "prod", "1.4.2", at(hours=-1))
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_a_re_created_ref_whose_old_tip_was_pruned_is_refused(setup: Setup) -> None:
    # git gc pruned what the deleted ref held: there is nothing to judge against, and a
    # gate never passes what it cannot judge.
    allow_rewrites(setup)
    delete_main(setup)
    # (GITOPS_GUARD in the environment confuses git's repack: a plain one for git gc.)
    plain = {k: v for k, v in clean_env().items() if k != "GITOPS_GUARD"}
    for args in (["reflog", "expire", "--expire=now", "--all"], ["gc", "-q", "--prune=now"]):
        done = subprocess.run(
            ["git", *args], cwd=setup.server, capture_output=True, text=True, env=plain
        )
        assert done.returncode == 0, done.stderr
    setup.work.git("checkout", "-q", "--orphan", "fresh")
    setup.work.commit(at(hours=-1), "Fresh start", {OVERLAY.format(env="prod"): overlay("1.4.1")})
    pushed = setup.work.push("fresh:main")
    assert pushed.rejected
    assert "which the repository no longer has" in pushed.stderr
    assert "internal error" not in pushed.stderr
    assert setup.server_rev() is None
