"""The supply-chain part of `gitops-guard demo`: a real registry on loopback, two images.

Runs only where Debian's ``docker-registry`` is installed: it is started on a free
loopback port, two tiny images are pushed (one signed in cosign's layout with a key made
on the spot), and a small repository whose prod pins them is validated with the
supply-chain gates. Elsewhere the demo says how to see it.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

REGISTRY_BINARY = "docker-registry"


def run_supply_demo(directory: Path, echo: Callable[[str], None]) -> None:
    """Start a registry, push and sign, validate with --supply-chain, stop the registry."""
    binary = shutil.which(REGISTRY_BINARY)
    if binary is None:
        echo(
            "\n(supply-chain gates: skipped — install Debian's docker-registry "
            "(`apt-get install docker-registry`) and run `make demo` again to see them "
            "check tags, digests and cosign signatures against a real registry)"
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
    finally:
        registry.stop()
