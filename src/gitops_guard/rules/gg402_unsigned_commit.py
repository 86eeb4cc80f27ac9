"""A commit changes an environment that requires signed commits, and is not (validly) signed.

With `environments.<env>.require_signed_commits: true`, every commit changing an image
there must carry a GPG or SSH signature. When the repository configures verification
(`gpg.ssh.allowedSignersFile` for SSH signatures, a GPG keyring for GPG ones), the
signature must also verify (`git verify-commit`).

Policy::

    version: 1
    layout: ["apps/{app}/{env}/**"]
    environments:
      prod: {require_signed_commits: true}

History::

    - message: Deploy api 1.4.1 to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.4.1

Failing (`git commit`)::

    - message: Promote api to prod
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0     # ← GG402

Passing (`git commit -S`, with a key the repository trusts)::

    - message: Promote api to prod
      signed: true
      files:
        apps/api/prod/values.yaml: |
          image: registry.example.com/team/api:1.5.0
"""

from collections.abc import Iterator
from typing import Final

from gitops_guard.history.ledger import PromotionContext
from gitops_guard.history.steps import Step
from gitops_guard.model import Severity
from gitops_guard.rules.base import COMMIT_SCOPE, Problem

ID = "GG402"
NAME = "unsigned-commit"
SEVERITY = Severity.ERROR
SCOPE: Final = COMMIT_SCOPE


def check(step: Step, ctx: PromotionContext) -> Iterator[Problem]:
    commit = step.commit
    reported: set[str] = set()
    for event in step.events:
        env = ctx.environment(event)
        if env is None or not env.require_signed_commits or env.name in reported:
            continue
        reported.add(env.name)
        if not commit.signed:
            yield Problem(
                f"commit {commit.sha[:12]} by {commit.author.name} changes {env.name}, "
                "which requires signed commits, and is not signed",
                hint="sign it: git commit --amend -S (or set commit.gpgsign / gpg.format ssh)",
                location=event.use.location,
            )
        elif ctx.verify_signature is not None and ctx.verify_signature(commit) is False:
            yield Problem(
                f"commit {commit.sha[:12]} by {commit.author.name} changes {env.name}, and its "
                f"{commit.signature} signature does not verify (git verify-commit)",
                hint="sign with a key the repository trusts (gpg.ssh.allowedSignersFile or "
                "the GPG keyring), or add the signer's key there",
                location=event.use.location,
            )
