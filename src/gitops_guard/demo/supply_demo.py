"""The supply-chain part of `gitops-guard demo`: a real registry on loopback, tiny images.

Runs only where Debian's ``docker-registry`` is installed: it is started on a free
loopback port, tiny images are pushed (some signed in cosign's layout with a key made on
the spot, each with a chosen build time), a small repository whose prod pins two of them
is validated with the supply-chain gates, and a small staging → prod history is planned
against the registry: prod's candidates that are unsigned or too young (``min_image_age``)
wait. Elsewhere the demo says how to see it.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

    from gitops_guard.demo.testbed import Pusher

REGISTRY_BINARY = "docker-registry"
# The build times pushed for the plan: api and web three days before the sample's
# Saturday morning (PLAN_NOW), worker two hours before (prod asks for a day).
BUILT_OLD = "2026-02-11T09:00:00Z"
BUILT_YOUNG = "2026-02-14T07:00:00Z"


def run_supply_demo(directory: Path, echo: Callable[[str], None]) -> None:
    """Start a registry, push and sign, validate with --supply-chain, plan a small history
    against it (unsigned and too young candidates), stop the registry."""
    binary = shutil.which(REGISTRY_BINARY)
    if binary is None:
        echo(
            "\n(supply-chain gates: skipped — install Debian's docker-registry "
            "(`apt-get install docker-registry`) and run `make demo` again to see them "
            "check tags, digests and cosign signatures against a real registry, and plan "
            "hold back an unsigned image and one built too recently (min_image_age))"
        )
        return
    from gitops_guard.demo.testbed import (
        LocalRegistry,
        Pusher,
        cosign_sign,
        ec_key,
        public_pem,
    )
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.formats.findings import text
    from gitops_guard.repo.workspace import open_workspace
    from gitops_guard.supply.gates import run_gates

    registry = LocalRegistry(binary, directory / "registry")
    registry.start()
    try:
        pusher = Pusher(registry.url)
        key = ec_key()
        signed = pusher.image("demo/api", "1.5.0", "api 1.5.0")
        cosign_sign(pusher, "demo/api", signed.digest, [key], reference=f"{registry.host}/demo/api")
        unsigned = pusher.image("demo/web", "2.3.0", "web 2.3.0")
        pusher.close()
        repo = directory / "repo"
        (repo / "keys").mkdir(parents=True)
        (repo / "keys/cosign.pub").write_bytes(public_pem(key))
        (repo / ".gitops-guard.yaml").write_text(
            textwrap.dedent(
                """\
                version: 1
                layout: ["clusters/{env}/{app}/**"]
                environments:
                  prod: {}
                supply_chain:
                  on_unreachable: fail
                  registry:
                    environments: [prod]
                    insecure: ["127.0.0.1:*"]
                  signatures:
                    environments: [prod]
                    keys: [keys/cosign.pub]
                """
            )
        )
        host = registry.host
        manifests = {
            "api": f"{host}/demo/api:1.5.0@{signed.digest}",
            "web": f"{host}/demo/web:2.3.0@{unsigned.digest}",
            "worker": f"{host}/demo/worker:0.1.0",
        }
        for app, image in manifests.items():
            target = repo / "clusters/prod" / app / "deployment.yaml"
            target.parent.mkdir(parents=True)
            target.write_text(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                f"  name: {app}\nspec:\n  template:\n    spec:\n      containers:\n"
                f"        - name: {app}\n          image: {image}\n"
            )
        echo(
            f"\n$ gitops-guard validate --supply-chain   # prod images in a registry on {host}: "
            "api is signed, web is not, worker's tag was never pushed"
        )
        workspace = open_workspace(repo)
        inventory = extract(workspace.source, workspace.policy)
        gates = run_gates(inventory.uses, workspace.policy, offline=False, root=repo)
        report = run_rules(inventory, workspace.policy, extra=gates)
        echo(text.render(report).rstrip("\n"))
        _plan_against_the_registry(directory / "history", registry.url, registry.host, key, echo)
    finally:
        registry.stop()


PLAN_POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments:
  staging: {}
  prod:
    from: staging
    min_image_age: 24h
supply_chain:
  on_unreachable: fail
  registry:
    environments: [prod]
    insecure: ["127.0.0.1:*"]
  signatures:
    environments: [prod]
    keys: [keys/cosign.pub]
"""


def _plan_against_the_registry(
    repo: Path, url: str, host: str, key: ec.EllipticCurvePrivateKey, echo: Callable[[str], None]
) -> None:
    """A staging → prod history whose staging runs newer images than prod; plan asks the
    registry about prod's candidates: signed and old enough, unsigned, built too recently."""
    import datetime

    from gitops_guard.audit.plan import PlanOptions, build_plan
    from gitops_guard.demo.sample import PLAN_NOW
    from gitops_guard.demo.testbed import Pusher, public_pem
    from gitops_guard.formats.plan.text import render_text
    from gitops_guard.repo.git import run_git

    pusher = Pusher(url)
    try:
        # (app, version, built, signed): what prod runs, then what staging runs now.
        running = [("api", "1.4.0", BUILT_OLD, True), ("web", "2.3.0", BUILT_OLD, True),
                   ("worker", "0.1.0", BUILT_OLD, True)]  # fmt: skip
        newer = [("api", "1.5.0", BUILT_OLD, True), ("web", "2.4.0", BUILT_OLD, False),
                 ("worker", "0.2.0", BUILT_YOUNG, True)]  # fmt: skip
        pinned = {
            (app, version): _push(pusher, host, app, version, built, signed, key)
            for app, version, built, signed in running + newer
        }
    finally:
        pusher.close()
    repo.mkdir(parents=True)
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "config", "commit.gpgsign", "false")
    (repo / "keys").mkdir()
    (repo / "keys/cosign.pub").write_bytes(public_pem(key))
    (repo / ".gitops-guard.yaml").write_text(PLAN_POLICY)

    def deploy(env: str, versions: list[tuple[str, str, str, bool]], date: str, what: str) -> None:
        for app, version, _built, _signed in versions:
            target = repo / "clusters" / env / app / "deployment.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                f"  name: {app}\nspec:\n  template:\n    spec:\n      containers:\n"
                f"        - name: {app}\n          image: {pinned[(app, version)]}\n"
            )
        when = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        people = {
            f"GIT_{role}_{field}": value
            for role in ("AUTHOR", "COMMITTER")
            for field, value in (("NAME", "Alice Martin"), ("EMAIL", "alice@example.com"))
        }
        run_git(repo, "add", "-A")
        run_git(repo, "commit", "-q", "--no-verify", "-m", what, env={**when, **people})

    deploy("staging", running, "2026-02-09T09:00:00+00:00", "api, web and worker in staging")
    deploy("prod", running, "2026-02-10T09:00:00+00:00", "api, web and worker in prod")
    deploy("staging", newer, "2026-02-13T09:00:00+00:00", "api 1.5.0, web 2.4.0, worker 0.2.0")
    echo(
        f"\n$ gitops-guard plan --now {PLAN_NOW}   # a staging → prod history in that registry: "
        "prod wants signed images built a day ago; web 2.4.0 is unsigned, worker 0.2.0 was "
        "built two hours ago"
    )
    now = datetime.datetime.fromisoformat(PLAN_NOW)
    planned = build_plan(repo, PlanOptions(environments=frozenset({"prod"}), now=now))
    echo(render_text(planned).rstrip("\n"))


def _push(
    pusher: Pusher,
    host: str,
    app: str,
    version: str,
    built: str,
    signed: bool,
    key: ec.EllipticCurvePrivateKey,
) -> str:
    """Push one tiny image built at ``built`` (signed with ``key`` if asked); its pinned
    reference."""
    from gitops_guard.demo.testbed import cosign_sign

    name = f"shop/{app}"  # not the validate part's demo/*: other builds of some tags
    image = pusher.image(name, version, f"{app} {version}", created=built)
    if signed:
        cosign_sign(pusher, name, image.digest, [key], reference=f"{host}/{name}")
    return f"{host}/{name}:{version}@{image.digest}"
