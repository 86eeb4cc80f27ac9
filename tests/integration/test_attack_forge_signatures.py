"""Issue 12, item 5 (the remaining gap): the forge's merge signature.

Where the policy names the key the forge signs its merge commits with
(``pull_requests.merge_key``: GitHub's web-flow GPG key, or an SSH allowed-signers file),
a merge commit proves a pull request only when that key signed it. A contributor who
may push to the protected ref can make a ``--no-ff`` merge of the very same shape
locally; unsigned, or signed with a key of their own, it proves nothing. The keys are
real ones, made here with ``gpg`` and ``ssh-keygen``; the forge's merges are signed by
``git merge -S`` as the forge's own Git would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.attack_repo import (
    HUMAN,
    MALLORY,
    Setup,
    Work,
    allowed_signer,
    assert_rejected,
    at,
    identity,
    make_key,
    prod_location,
    rules_of,
)
from tests.policies import ATTACK_POLICY

KEY_FILE = ".gitops-guard/forge-merge.key"
FORGE = ("GitHub", "noreply@github.com")


@dataclass(frozen=True)
class GpgKey:
    """A GPG key in a keyring of its own (as the forge holds its web-flow key)."""

    home: Path
    fingerprint: str

    def armored(self) -> str:
        return gpg(self.home, "--armor", "--export", self.fingerprint)


def gpg(home: Path, *args: str) -> str:
    return subprocess.run(
        ["gpg", "--batch", "--quiet", *args],
        env={**os.environ, "GNUPGHOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def make_gpg_key(name: str, email: str) -> Iterator[GpgKey]:
    # gpg-agent's socket must fit a short path: a folder of its own under /tmp.
    home = Path(tempfile.mkdtemp(prefix="gg-gpg-", dir="/tmp"))
    try:
        gpg(home, "--passphrase", "", "--quick-gen-key", f"{name} <{email}>", "ed25519", "sign")
        colons = gpg(home, "--with-colons", "--list-keys", email)
        fingerprint = next(
            line.split(":")[9] for line in colons.splitlines() if line.startswith("fpr:")
        )
        yield GpgKey(home, fingerprint)
    finally:
        subprocess.run(
            ["gpgconf", "--kill", "gpg-agent"],
            env={**os.environ, "GNUPGHOME": str(home)},
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def web_flow() -> Iterator[GpgKey]:
    yield from make_gpg_key(*FORGE)


@pytest.fixture(scope="module")
def mallory_gpg() -> Iterator[GpgKey]:
    yield from make_gpg_key(*MALLORY)


def name_merge_key(setup: Setup, key_text: str) -> str:
    """Land the policy naming the forge's key (owner-signed); returns the server's tip."""
    policy = ATTACK_POLICY + f"pull_requests:\n  merge_key: {KEY_FILE}\n"
    setup.work.commit(
        at(hours=-4),
        "Policy: pull requests are proven by the forge's merge signature",
        {".gitops-guard.yaml": policy, KEY_FILE: key_text},
        signer=setup.owner_key,
    )
    pushed = setup.work.push("main")
    assert not pushed.rejected, pushed.stderr
    tip = setup.server_rev()
    assert tip is not None
    return tip


def merge(
    work: Work,
    branch: str,
    number: int,
    *,
    gpg_key: GpgKey | None = None,
    ssh_key: Path | None = None,
) -> str:
    """A merge commit made as GitHub's merge button makes it, signed as asked."""
    work.git("checkout", "-q", "main")
    args = ["merge", "-q", "--no-ff", "-m", f"Merge pull request #{number} from acme/{branch}"]
    env = identity(FORGE, at(hours=-1))
    if gpg_key is not None:
        args.append(f"--gpg-sign={gpg_key.fingerprint}")
        env["GNUPGHOME"] = str(gpg_key.home)
    if ssh_key is not None:
        args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={ssh_key}", *args, "-S"]
    work.git(*args, branch, env=env)
    return work.rev()


def pull_request(
    work: Work, number: int, *, gpg_key: GpgKey | None = None, ssh_key: Path | None = None
) -> str:
    """A pull request promoting 1.4.2 (soaked in staging) to prod, merged."""
    branch = f"promote-{number}"
    work.git("checkout", "-q", "-b", branch)
    work.promote("prod", "1.4.2", at(hours=-2))
    return merge(work, branch, number, gpg_key=gpg_key, ssh_key=ssh_key)


# --- GitHub's web-flow key: GPG -------------------------------------------------------------


def test_a_merge_signed_by_the_forge_s_gpg_key_passes(setup: Setup, web_flow: GpgKey) -> None:
    before = name_merge_key(setup, web_flow.armored())
    pull_request(setup.work, 280, gpg_key=web_flow)
    pushed = setup.work.push("main")
    assert not pushed.rejected, pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_an_unsigned_merge_of_the_same_shape_is_not_a_pull_request(
    setup: Setup, web_flow: GpgKey
) -> None:
    before = name_merge_key(setup, web_flow.armored())
    tip = pull_request(setup.work, 281)
    pushed = setup.work.push("main")
    assert_rejected(pushed, "GG305", commit=tip, location=prod_location())
    assert "not signed by the forge" in pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG305" in rules_of(document)


def test_a_merge_signed_by_another_gpg_key_is_not_a_pull_request(
    setup: Setup, web_flow: GpgKey, mallory_gpg: GpgKey
) -> None:
    before = name_merge_key(setup, web_flow.armored())
    tip = pull_request(setup.work, 282, gpg_key=mallory_gpg)
    pushed = setup.work.push("main")
    assert_rejected(pushed, "GG305", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG305" in rules_of(document)


def test_changing_the_merge_key_is_a_loosening(setup: Setup, web_flow: GpgKey) -> None:
    # Mallory replaces the forge's key with her own: GG307, as for the owners' keys.
    before = name_merge_key(setup, web_flow.armored())
    mallory = make_key(setup.work.path.parent / "mallory-ssh", MALLORY[1])
    tip = setup.work.commit(
        at(hours=-1), "Rotate the merge key", {KEY_FILE: allowed_signer(FORGE[1], mallory)}
    )
    pushed = setup.work.push("main")
    assert_rejected(pushed, "GG307", commit=tip, location=KEY_FILE)
    code, document = setup.check(before, "HEAD")
    assert code == 1
    assert "GG307" in rules_of(document)


# --- an SSH merge key -----------------------------------------------------------------------


def test_a_merge_signed_by_the_forge_s_ssh_key_passes(setup: Setup, tmp_path: Path) -> None:
    forge = make_key(tmp_path / "forge", FORGE[1])
    before = name_merge_key(setup, allowed_signer(FORGE[1], forge))
    pull_request(setup.work, 283, ssh_key=forge)
    pushed = setup.work.push("main")
    assert not pushed.rejected, pushed.stderr
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]


def test_a_merge_signed_by_another_ssh_key_is_not_a_pull_request(
    setup: Setup, tmp_path: Path
) -> None:
    forge = make_key(tmp_path / "forge", FORGE[1])
    before = name_merge_key(setup, allowed_signer(FORGE[1], forge))
    # Signed by a key that is not the forge's: a person's own (here the owner's, even).
    tip = pull_request(setup.work, 284, ssh_key=setup.owner_key)
    pushed = setup.work.push("main")
    assert_rejected(pushed, "GG305", commit=tip, location=prod_location())
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    assert "GG305" in rules_of(document)
    assert HUMAN  # the owner is a person; being an owner proves no pull request
