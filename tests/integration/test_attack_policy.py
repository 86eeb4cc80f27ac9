"""Issue 12, items 6 and 7: the policy cannot be loosened quietly, and a reviewed loosening
can land.

The realistic repository's policy names its owners (``policy_owners.allowed_signers``,
an SSH allowed-signers file in the repository). A loosening lands only on its own and
signed by an owner; anything else is GG307, on the server and in ``check``.
"""

from __future__ import annotations

import pytest

from tests.integration.attack_repo import (
    MALLORY,
    OVERLAY,
    OWNERS_FILE,
    Setup,
    allowed_signer,
    assert_rejected,
    at,
    make_key,
    overlay,
    rules_of,
)
from tests.policies import ATTACK_POLICY

LOOSENINGS = {
    "any registry in prod": ATTACK_POLICY.replace(
        "    require_digest: true\n",
        "    require_digest: true\n    images:\n      registries: ['*']\n",
    ),
    "an override admitting any tag": ATTACK_POLICY
    + "  overrides:\n    - image: registry.example.com/team/api\n      tag_pattern: '.*'\n",
    "narrower protected refs": ATTACK_POLICY + "protected_refs: [refs/heads/release]\n",
    "any keyless identity": ATTACK_POLICY
    + "supply_chain:\n  signatures:\n    environments: [prod]\n"
    "    identities: [{issuer: '*', subject: '*'}]\n",
    "an insecure registry": ATTACK_POLICY + "supply_chain:\n  registry:\n    insecure: ['*']\n",
    "larger files": ATTACK_POLICY + "max_file_size: 500MiB\n",
    "other Image Updater semantics": ATTACK_POLICY + "image_updater:\n  version: '0.12'\n",
    "a rule turned off": ATTACK_POLICY + "severity: {GG304: off}\n",
    "a shorter soak": ATTACK_POLICY.replace("soak: 24h", "soak: 1h"),
}


@pytest.mark.parametrize("name", list(LOOSENINGS))
def test_an_unreviewed_loosening_is_refused(setup: Setup, name: str) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.commit(at(hours=-1), f"Policy: {name}", {".gitops-guard.yaml": LOOSENINGS[name]})
    pushed = work.push("main")
    assert_rejected(pushed, "GG307", commit=tip, location=".gitops-guard.yaml:")
    assert "policy owner sign" in pushed.stderr
    code, document = setup.check(before, "HEAD")
    assert code == 1
    assert "GG307" in rules_of(document)


def test_deleting_the_policy_is_the_strongest_loosening(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.commit(at(hours=-1), "Remove the policy", {".gitops-guard.yaml": None})
    pushed = work.push("main")
    assert_rejected(pushed, "GG307", commit=tip, location=".gitops-guard.yaml:1:1")
    assert "deletes .gitops-guard.yaml" in pushed.stderr
    _code, document = setup.check(before, "HEAD")
    assert "GG307" in rules_of(document)


def test_emptying_the_policy_is_refused(setup: Setup) -> None:
    work = setup.work
    tip = work.commit(at(hours=-1), "Empty the policy", {".gitops-guard.yaml": ""})
    assert_rejected(work.push("main"), "GG307", commit=tip)


def test_an_owner_signed_loosening_on_its_own_lands(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    work.commit(
        at(hours=-1),
        "Policy: a shorter soak in prod",
        {".gitops-guard.yaml": LOOSENINGS["a shorter soak"]},
        signer=setup.owner_key,
    )
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
    assert "approved: signed by alice@example.com" in pushed.stderr
    code, document = setup.check(before, "HEAD")
    assert code == 0, document["findings"]
    (warning,) = [f for f in document["findings"] if f["rule"] == "GG307"]
    assert warning["severity"] == "warning"


def test_an_owner_signed_loosening_through_a_pull_request_lands(setup: Setup) -> None:
    work = setup.work
    work.git("checkout", "-q", "-b", "policy")
    work.commit(
        at(hours=-2),
        "Policy: allow pre-releases in prod",
        {".gitops-guard.yaml": ATTACK_POLICY + "severity: {GG107: warning}\n"},
        signer=setup.owner_key,
    )
    work.merge_pr("policy", 270, at(hours=-1))
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr


def test_a_loosening_signed_by_someone_else_is_refused(setup: Setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    work = setup.work
    mallory = make_key(tmp_path / "mallory", MALLORY[1])
    tip = work.commit(
        at(hours=-1),
        "Policy: a shorter soak",
        {".gitops-guard.yaml": LOOSENINGS["a shorter soak"]},
        signer=mallory,
        author=MALLORY,
    )
    assert_rejected(work.push("main"), "GG307", commit=tip)


def test_a_promotion_cannot_ride_along_with_an_approved_loosening(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    tip = work.commit(
        at(hours=-1),
        "Shorter soak, and staging 1.5.0",
        {
            ".gitops-guard.yaml": LOOSENINGS["a shorter soak"],
            OVERLAY.format(env="staging"): overlay("1.5.0"),
        },
        signer=setup.owner_key,
    )
    pushed = work.push("main")
    assert_rejected(pushed, "GG307", commit=tip)
    assert "cannot ride along" in pushed.stderr
    _code, document = setup.check(before, "HEAD")
    assert "GG307" in rules_of(document)


def test_adding_oneself_to_the_owners_is_a_loosening(setup: Setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The two-step walk-around: first become an owner (no policy change), then loosen.
    work = setup.work
    mallory = make_key(tmp_path / "mallory", MALLORY[1])
    owners = (work.path / OWNERS_FILE).read_text() + allowed_signer(MALLORY[1], mallory)
    tip = work.commit(at(hours=-1), "Add an owner", {OWNERS_FILE: owners}, author=MALLORY)
    assert_rejected(work.push("main"), "GG307", commit=tip, location=OWNERS_FILE)


def test_a_tightening_lands_without_approval(setup: Setup) -> None:
    work = setup.work
    work.commit(
        at(hours=-1), "Longer soak", {".gitops-guard.yaml": ATTACK_POLICY.replace("24h", "48h")}
    )
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr
