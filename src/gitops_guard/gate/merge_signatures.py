"""The forge's merge signature: whether the key a policy names signed a merge commit.

``pull_requests.merge_key`` names a file of the repository, read at the base revision
(a change cannot bring its own key): an armored OpenPGP public key, such as GitHub's
web-flow key, or an SSH allowed-signers file. Verification is ``git verify-commit``, as
git does it: for OpenPGP in a keyring of its own (a temporary ``GNUPGHOME`` holding only
that key, so no key of the machine counts) with the signing key's fingerprint checked
against the named key's; for SSH with the named file as ``gpg.ssh.allowedSignersFile``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from gitops_guard.errors import GuardError, InputError
from gitops_guard.model import Commit
from gitops_guard.repo.git import GitRepository

_PGP_ARMOR = b"-----BEGIN PGP PUBLIC KEY BLOCK-----"


class MergeKey:
    """A verifier of merge commits against the forge's key (close it when done)."""

    def __init__(self, repo: GitRepository, key: bytes, path: str) -> None:
        self.repo = repo
        self.key = key
        self.path = path
        self.kind = "gpg" if key.lstrip().startswith(_PGP_ARMOR) else "ssh"
        self._home: Path | None = None
        self._fingerprints: frozenset[str] = frozenset()
        self._verdicts: dict[str, bool] = {}

    def signed(self, commit: Commit) -> bool:
        """Whether the forge's key signed ``commit`` (a commit of the repository)."""
        if commit.signature is None:
            return False
        if commit.sha not in self._verdicts:
            self._verdicts[commit.sha] = self._verify(commit)
        return self._verdicts[commit.sha]

    def _verify(self, commit: Commit) -> bool:
        if self.kind == "ssh":
            if commit.signature != "ssh":
                return False
            return self.repo.verify_ssh_signature(commit.sha, self.key) is not None
        if commit.signature != "gpg":
            return False
        home = self._keyring()
        result = subprocess.run(
            # Trust levels are the keyring's business; this keyring trusts nothing, and
            # the fingerprint below is what decides.
            ["git", "-c", "gpg.minTrustLevel=undefined", "verify-commit", "--raw", commit.sha],
            cwd=self.repo.git_dir,
            capture_output=True,
            env={**os.environ, "GNUPGHOME": str(home)},
        )
        if result.returncode != 0:
            return False
        status = result.stderr.decode("utf-8", "replace") + result.stdout.decode("utf-8", "replace")
        for line in status.splitlines():
            parts = line.split()
            # VALIDSIG names the signing (sub)key's fingerprint, and last the primary key's.
            if (
                parts[:2] == ["[GNUPG:]", "VALIDSIG"]
                and len(parts) > 2
                and (parts[2] in self._fingerprints or parts[-1] in self._fingerprints)
            ):
                return True
        return False

    def _keyring(self) -> Path:
        if self._home is not None:
            return self._home
        if shutil.which("gpg") is None:
            raise GuardError(
                f"pull_requests.merge_key ({self.path}) is an OpenPGP key, and gpg is not "
                "installed: merge signatures cannot be verified",
                hint="install gnupg where the gate runs, or name an SSH allowed-signers file",
            )
        # A short folder of its own (gpg's sockets must fit a short path).
        home = Path(tempfile.mkdtemp(prefix="gg-merge-key-"))
        self._home = home
        environment = {**os.environ, "GNUPGHOME": str(home)}
        imported = subprocess.run(
            ["gpg", "--batch", "--quiet", "--import"],
            input=self.key,
            capture_output=True,
            env=environment,
        )
        listed = subprocess.run(
            ["gpg", "--batch", "--with-colons", "--list-keys"],
            capture_output=True,
            env=environment,
        )
        fingerprints = {
            line.split(":")[9]
            for line in listed.stdout.decode("ascii", "replace").splitlines()
            if line.startswith("fpr:") and len(line.split(":")) > 9
        }
        if imported.returncode != 0 or not fingerprints:
            message = imported.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(
                f"{self.path} (pull_requests.merge_key) holds no OpenPGP key gpg can import"
                + (f": {message[-1]}" if message else ""),
                hint="export the forge's key armored (gpg --armor --export KEY), e.g. "
                "https://github.com/web-flow.gpg",
            )
        self._fingerprints = frozenset(fingerprints)
        return home

    def close(self) -> None:
        """Remove the temporary keyring (and stop an agent gpg may have started in it)."""
        if self._home is None:
            return
        if shutil.which("gpgconf") is not None:
            subprocess.run(
                ["gpgconf", "--kill", "all"],
                env={**os.environ, "GNUPGHOME": str(self._home)},
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self._home, ignore_errors=True)
        self._home = None


def merge_key_at_base(
    repo: GitRepository, path: str, base_blobs: dict[str, str], base: str | None
) -> MergeKey:
    """The verifier of the key ``path`` names, as the base holds it."""
    blob = base_blobs.get(path)
    if blob is None:
        where = f"{base[:12]}, the revision the change is merged into" if base else "the base"
        raise InputError(
            f"pull_requests.merge_key names {path}, which is not in {where}",
            hint="land the forge's key first (GitHub's: https://github.com/web-flow.gpg), "
            "then name it in the policy",
        )
    return MergeKey(repo, repo.read_blob(blob), path)
