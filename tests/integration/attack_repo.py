"""A realistic GitOps repository and a real Git server, to attack the gate as a contributor would.

dev → staging → prod overlays of one app; prod comes from staging after a 24 h soak,
requires pull requests and pinned digests; bots may only make patch changes in staging
and nothing in prod; images must come from one registry. Dates are relative to the real
clock (the gate bounds commit dates by it), rounded to the hour.

The server is ``git init --bare`` (its HEAD names ``master``) with the hooks installed by
``gitops-guard install-hooks --server``; the history reaches it by one ordinary push of
``main``. Attack tests push from a clone of it with ``git push`` and run ``check`` over
the same range.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.policies import ATTACK_POLICY

GITOPS_GUARD = Path(sys.executable).parent / "gitops-guard"
IMAGE = "registry.example.com/team/api"
OVERLAY = "apps/api/overlays/{env}/kustomization.yaml"
OWNERS_FILE = ".gitops-guard/owners"
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
MALLORY = ("Mallory Jones", "mallory@example.com")
BOT = ("argocd-image-updater", "noreply@argoproj.io")
# The line of an overlay that holds the tag (what a finding points at).
TAG_LINE = 5
NOW = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def at(**delta: float) -> str:
    """A date relative to now (``at(days=-3)``), as git reads it."""
    return (NOW + datetime.timedelta(**delta)).isoformat()


def digest(name: str) -> str:
    """A stable fake digest standing for the image built as ``name``."""
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def overlay(version: str, pinned: str | None = "") -> str:
    """An overlay setting the tag, with the digest of that build (or ``pinned``, or none)."""
    text = f'resources:\n  - ../../base\nimages:\n  - name: {IMAGE}\n    newTag: "{version}"\n'
    chosen = digest(version) if pinned == "" else pinned
    if chosen:
        text += f"    digest: {chosen}\n"
    return text


def updater_message(env: str, old: str, new: str) -> str:
    return (
        f"build: automatic update of api-{env}\n\nupdates image team/api tag '{old}' to '{new}'\n"
    )


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a person's shell: no pinned dates, no traceback switch."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "GITOPS_GUARD")) and k != "PRE_COMMIT_FROM_REF"
    }
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "NO_COLOR": "1",
            "GITOPS_GUARD": str(GITOPS_GUARD),
            "GIT_AUTHOR_NAME": HUMAN[0],
            "GIT_AUTHOR_EMAIL": HUMAN[1],
            "GIT_COMMITTER_NAME": HUMAN[0],
            "GIT_COMMITTER_EMAIL": HUMAN[1],
        }
    )
    env.update(extra or {})
    return env


@dataclass
class Work:
    """A clone where commits are made with chosen authors and dates, and pushed."""

    path: Path

    def git(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=check,
            env=clean_env(env),
        )

    def rev(self, revision: str = "HEAD") -> str:
        return self.git("rev-parse", revision).stdout.strip()

    def commit(
        self,
        date: str,
        message: str,
        files: Mapping[str, str | None],
        *,
        author: tuple[str, str] = HUMAN,
        committer_date: str | None = None,
        allow_empty: bool = False,
        signer: Path | None = None,
    ) -> str:
        for relative, text in files.items():
            target = self.path / relative
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        if signer is not None:
            args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={signer}", *args, "-S"]
        self.git(*args, env=identity(author, date, committer_date))
        return self.rev()

    def promote(
        self,
        env: str,
        version: str,
        date: str,
        message: str | None = None,
        *,
        pinned: str | None = "",
        **kwargs: object,
    ) -> str:
        text = message or f"Promote api {version} to {env}"
        files = {OVERLAY.format(env=env): overlay(version, pinned)}
        return self.commit(date, text, files, **kwargs)  # type: ignore[arg-type]

    def merge_pr(
        self,
        branch: str,
        number: int,
        date: str,
        *,
        author: tuple[str, str] = HUMAN,
        into: str = "main",
    ) -> str:
        """Merge ``branch`` as GitHub's merge button does (``--no-ff``, its subject)."""
        self.git("checkout", "-q", into)
        message = f"Merge pull request #{number} from acme/{branch}\n\nReviewed change"
        self.git("merge", "-q", "--no-ff", "-m", message, branch, env=identity(author, date))
        return self.rev()

    def pr(
        self,
        number: int,
        env: str,
        version: str,
        date: str,
        *,
        pinned: str | None = "",
        message: str | None = None,
        author: tuple[str, str] = HUMAN,
    ) -> str:
        """A pull request of one promotion commit, merged with a merge commit."""
        branch = f"promote-{number}"
        self.git("checkout", "-q", "-b", branch)
        commit_date = (
            datetime.datetime.fromisoformat(date) - datetime.timedelta(hours=1)
        ).isoformat()
        self.promote(env, version, commit_date, message, pinned=pinned, author=author)
        return self.merge_pr(branch, number, date, author=author)

    def push(self, *refspecs: str, env: Mapping[str, str] | None = None) -> Pushed:
        result = self.git("push", "origin", *refspecs, env=env, check=False)
        return Pushed(result.returncode, result.stderr)


def identity(
    author: tuple[str, str], date: str, committer_date: str | None = None
) -> dict[str, str]:
    return {
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0],
        "GIT_COMMITTER_EMAIL": author[1],
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": committer_date or date,
    }


@dataclass(frozen=True)
class Pushed:
    """What ``git push`` answered."""

    code: int
    stderr: str

    @property
    def rejected(self) -> bool:
        return self.code != 0


def make_key(directory: Path, email: str) -> Path:
    """An SSH signing key made by ssh-keygen; returns the private key's path."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


def allowed_signer(email: str, key: Path) -> str:
    return f"{email} {key.with_suffix('.pub').read_text().strip()}\n"


def build_history(path: Path, owner_key: Path) -> Work:
    """main: 1.4.1 promoted everywhere, 1.4.2 soaked in staging, 1.4.3 in dev, 1.5.0 in dev.

    ``owner_key`` signs for the policy owners (``.gitops-guard/owners``).
    """
    path.mkdir(parents=True)
    work = Work(path)
    work.git("init", "-q", "-b", "main")
    work.commit(
        at(days=-20),
        "Initial layout",
        {
            ".gitops-guard.yaml": ATTACK_POLICY,
            OWNERS_FILE: allowed_signer(HUMAN[1], owner_key),
            "apps/api/base/deployment.yaml": BASE_DEPLOYMENT,
            "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            **{OVERLAY.format(env=env): overlay("1.4.0") for env in ("dev", "staging", "prod")},
        },
    )
    work.promote("dev", "1.4.1", at(days=-12), updater_message("dev", "1.4.0", "1.4.1"), author=BOT)
    work.promote(
        "staging", "1.4.1", at(days=-11), updater_message("staging", "1.4.0", "1.4.1"), author=BOT
    )
    work.pr(240, "prod", "1.4.1", at(days=-9))
    work.git("branch", "-q", "-D", "promote-240")
    work.promote("dev", "1.4.2", at(days=-6), updater_message("dev", "1.4.1", "1.4.2"), author=BOT)
    work.promote(
        "staging", "1.4.2", at(days=-5), updater_message("staging", "1.4.1", "1.4.2"), author=BOT
    )
    work.promote("dev", "1.4.3", at(days=-4), updater_message("dev", "1.4.2", "1.4.3"), author=BOT)
    work.promote("dev", "1.5.0", at(days=-2))
    return work


def make_server(path: Path, *, head: str = "master") -> Path:
    """``git init --bare`` (HEAD names ``head``) with the server hooks installed."""
    subprocess.run(
        ["git", "-c", f"init.defaultBranch={head}", "init", "-q", "--bare", str(path)],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    install_server_hooks(path)
    return path


def install_server_hooks(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    installed = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--server", str(path), *extra],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert installed.returncode == 0, installed.stderr
    return installed


@dataclass
class Setup:
    """A server holding the realistic history, and a contributor's clone of it."""

    server: Path
    work: Work
    owner_key: Path

    def server_rev(self, ref: str = "refs/heads/main") -> str | None:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", ref],
            cwd=self.server,
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        return result.stdout.strip() or None

    def check(self, base: str | None, head: str = "HEAD", *extra: str) -> tuple[int, Any]:
        """``check --base --head --format json`` in the contributor's clone, as a process."""
        assert base is not None
        result = subprocess.run(
            [
                str(GITOPS_GUARD),
                "check",
                "--base",
                base,
                "--head",
                head,
                "--offline",
                "--format",
                "json",
                *extra,
            ],
            cwd=self.work.path,
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        assert result.returncode in (0, 1), result.stderr
        return result.returncode, json.loads(result.stdout)


def build_setup(root: Path, template: Setup | None = None) -> Setup:
    """The server and a clone (copies of ``template`` when given: building costs a second)."""
    server, work_path = root / "server.git", root / "work"
    if template is not None:
        shutil.copytree(template.server, server, symlinks=True)
        shutil.copytree(template.work.path, work_path, symlinks=True)
        work = Work(work_path)
        work.git("remote", "set-url", "origin", str(server))
        return Setup(server, work, template.owner_key)
    owner_key = make_key(root / "keys", HUMAN[1])
    history = build_history(root / "history", owner_key)
    make_server(server)
    history.git("remote", "add", "origin", str(server))
    pushed = history.push("main")
    assert not pushed.rejected, pushed.stderr
    subprocess.run(
        ["git", "clone", "-q", str(server), str(work_path)],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    work = Work(work_path)
    work.git("checkout", "-q", "main")
    return Setup(server, work, owner_key)


def found(document: Mapping[str, object], rule: str) -> list[dict[str, Any]]:
    """The error findings of one rule in a JSON document."""
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["rule"] == rule and f["severity"] == "error"]


def rules_of(document: Mapping[str, object]) -> set[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings if f["severity"] == "error"}


def assert_rejected(
    pushed: Pushed, rule: str, *, commit: str | None = None, location: str | None = None
) -> None:
    """The push was refused, naming the rule, the commit and the file and line."""
    assert pushed.rejected, pushed.stderr
    assert "pre-receive hook declined" in pushed.stderr or "hook declined" in pushed.stderr
    lines = [line for line in pushed.stderr.splitlines() if f"[{rule} " in line]
    assert lines, pushed.stderr
    if commit is not None:
        assert any(commit[:12] in line for line in lines), pushed.stderr
    if location is not None:
        assert any(location in line for line in lines), pushed.stderr


def prod_location() -> str:
    return f"{OVERLAY.format(env='prod')}:{TAG_LINE}:"


def staging_location() -> str:
    return f"{OVERLAY.format(env='staging')}:{TAG_LINE}:"


def names(document: Mapping[str, object], rule: str) -> Sequence[str]:
    """``path:line`` and commit of each error finding of a rule (for messages)."""
    return [f"{f['path']}:{f['line']} {f.get('commit')}" for f in found(document, rule)]
