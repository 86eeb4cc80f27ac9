"""A dev → staging → prod repository with a promotion history, and scenarios on top of it.

Every commit has pinned author and committer dates. Prod requires signed commits: the
human prod commits are signed with an SSH key made by ssh-keygen in the test.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import GIT_ENV
from tests.policies import PROMOTION_POLICY

IMAGE = "registry.example.com/team/api"
BASE_DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: {IMAGE}:1.0.0
"""
HUMAN = ("Alice Martin", "alice@example.com")
BOT = ("argocd-image-updater", "noreply@argoproj.io")


def overlay(version: str) -> str:
    return f'resources:\n  - ../../base\nimages:\n  - name: {IMAGE}\n    newTag: "{version}"\n'


def updater_message(env: str, old: str, new: str) -> str:
    return (
        f"build: automatic update of api-{env}\n\nupdates image team/api tag '{old}' to '{new}'\n"
    )


@dataclass
class Signer:
    """An SSH signing key and the allowed-signers file that trusts it."""

    key: Path
    allowed_signers: Path


def make_signer(directory: Path, email: str = HUMAN[1]) -> Signer:
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    allowed = directory / "allowed_signers"
    allowed.write_text(f"{email} {key.with_suffix('.pub').read_text().strip()}\n")
    return Signer(key, allowed)


@dataclass
class Repo:
    """A work tree on which commits are made with chosen authors, dates and signatures."""

    path: Path
    signer: Signer

    def git(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=check,
            env={**os.environ, **GIT_ENV, **(env or {})},
        )

    def commit(
        self,
        date: str,
        message: str,
        files: Mapping[str, str],
        *,
        author: tuple[str, str] = HUMAN,
        sign: bool = False,
    ) -> str:
        for relative, text in files.items():
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
        }
        args = ["commit", "-q", "--no-verify", "-m", message]
        if sign:
            args = [
                "-c",
                "gpg.format=ssh",
                "-c",
                f"user.signingkey={self.signer.key}",
                "commit",
                "-q",
                "--no-verify",
                "-S",
                "-m",
                message,
            ]
        self.git(*args, env=env)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def promote(
        self, env: str, version: str, date: str, message: str | None = None, **kwargs: object
    ) -> str:
        text = message or f"Promote api {version} to {env}"
        path = f"apps/api/overlays/{env}/kustomization.yaml"
        return self.commit(date, text, {path: overlay(version)}, **kwargs)  # type: ignore[arg-type]


def build_history(path: Path, signer: Signer) -> Repo:
    """main: 1.0.0 everywhere, 1.0.1 promoted dev → staging → prod, 1.1.0 in dev and staging."""
    path.mkdir(parents=True)
    repo = Repo(path, signer)
    repo.git("init", "-q", "-b", "main")
    repo.commit(
        "2026-03-01T09:00:00+00:00",
        "Initial layout",
        {
            ".gitops-guard.yaml": PROMOTION_POLICY,
            "apps/api/base/deployment.yaml": BASE_DEPLOYMENT,
            "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            **{
                f"apps/api/overlays/{env}/kustomization.yaml": overlay("1.0.0")
                for env in ("dev", "staging", "prod")
            },
        },
        sign=True,
    )
    repo.promote(
        "dev",
        "1.0.1",
        "2026-03-02T09:00:00+00:00",
        updater_message("dev", "1.0.0", "1.0.1"),
        author=BOT,
    )
    repo.promote("staging", "1.0.1", "2026-03-03T09:00:00+00:00")
    repo.promote("prod", "1.0.1", "2026-03-05T09:00:00+00:00", sign=True)
    repo.promote("dev", "1.1.0", "2026-03-06T09:00:00+00:00")
    repo.promote("staging", "1.1.0", "2026-03-07T09:00:00+00:00")
    return repo


def bot_minor_in_staging(repo: Repo) -> None:
    repo.promote(
        "dev",
        "1.2.0",
        "2026-03-08T09:00:00+00:00",
        updater_message("dev", "1.1.0", "1.2.0"),
        author=BOT,
    )
    repo.promote(
        "staging",
        "1.2.0",
        "2026-03-08T10:00:00+00:00",
        updater_message("staging", "1.1.0", "1.2.0"),
        author=BOT,
    )


def prod_before_soak(repo: Repo) -> None:
    repo.promote("prod", "1.1.0", "2026-03-07T15:00:00+00:00", sign=True)


def prod_skips_staging(repo: Repo) -> None:
    repo.promote("dev", "1.2.0", "2026-03-08T09:00:00+00:00")
    repo.promote("prod", "1.2.0", "2026-03-10T09:00:00+00:00", sign=True)


def silent_downgrade(repo: Repo) -> None:
    repo.promote("staging", "1.0.1", "2026-03-08T09:00:00+00:00", "Use the previous api in staging")


def vague_bot_message(repo: Repo) -> None:
    repo.promote("dev", "1.1.1", "2026-03-08T09:00:00+00:00", "chore: update images", author=BOT)


def unsigned_prod(repo: Repo) -> None:
    repo.promote("prod", "1.1.0", "2026-03-09T09:00:00+00:00")


def loosens_policy_while_promoting(repo: Repo) -> None:
    repo.commit(
        "2026-03-07T12:00:00+00:00",
        "Promote api 1.1.0 to prod (and speed up prod)",
        {
            ".gitops-guard.yaml": PROMOTION_POLICY.replace("soak: 24h", "soak: 1h"),
            "apps/api/overlays/prod/kustomization.yaml": overlay("1.1.0"),
        },
        sign=True,
    )


def proper_rollback(repo: Repo) -> None:
    repo.promote(
        "prod",
        "1.0.0",
        "2026-03-08T09:00:00+00:00",
        "Roll back api in prod\n\nRollback: INC-7\n",
        sign=True,
    )


def proper_promotion(repo: Repo) -> None:
    repo.promote("prod", "1.1.0", "2026-03-09T09:00:00+00:00", sign=True)


def proper_bot_patch(repo: Repo) -> None:
    repo.promote(
        "dev",
        "1.1.1",
        "2026-03-08T09:00:00+00:00",
        updater_message("dev", "1.1.0", "1.1.1"),
        author=BOT,
    )
    repo.promote(
        "staging",
        "1.1.1",
        "2026-03-08T12:00:00+00:00",
        updater_message("staging", "1.1.0", "1.1.1"),
        author=BOT,
    )


SCENARIOS = {
    "bot minor bump in staging": (bot_minor_in_staging, {"GG301"}),
    "prod before its soak in staging": (prod_before_soak, {"GG304"}),
    "prod gets a version staging never ran": (prod_skips_staging, {"GG303"}),
    "downgrade without the rollback trailer": (silent_downgrade, {"GG302"}),
    "bot commit that names nothing": (vague_bot_message, {"GG401"}),
    "unsigned prod commit": (unsigned_prod, {"GG402"}),
    "a PR that loosens the policy while it promotes": (
        loosens_policy_while_promoting,
        {"GG307", "GG304"},
    ),
    "proper rollback": (proper_rollback, set()),
    "proper promotion": (proper_promotion, set()),
    "proper bot patch bump": (proper_bot_patch, set()),
}
