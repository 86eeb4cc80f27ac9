"""What other commands call: supply_findings (validate/check), registry_tags (explain)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gitops_guard.cli.supply import registry_tags
from gitops_guard.engine.run import run_rules
from gitops_guard.errors import GuardError
from gitops_guard.extract.inventory import extract
from gitops_guard.model import Severity
from gitops_guard.policy.load import parse_policy
from gitops_guard.repo.workspace import open_workspace
from gitops_guard.supply.gates import supply_findings
from tests.supply.helpers import LocalRegistry, Pusher, cosign_sign, public_pem


def test_module_imports_only_click() -> None:
    code = (
        "import sys, gitops_guard.cli.supply\n"
        "heavy = [m for m in ('httpx', 'cryptography', 'sigstore', 'ruamel.yaml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_registry_tags(registry: LocalRegistry, pusher: Pusher) -> None:
    one = pusher.image("explain/app", "1.0.0", "e1", created="2026-01-02T03:04:05Z")
    two = pusher.image("explain/app", "1.1.0", "e2", created="2026-02-01T00:00:00Z")
    policy = parse_policy(b'version: 1\nsupply_chain:\n  registry: {insecure: ["127.0.0.1:*"]}\n')
    records = registry_tags(f"{registry.host}/explain/app:~1.0", policy, Path("."))
    assert sorted(records, key=lambda r: str(r["tag"])) == [
        {"tag": "1.0.0", "created": "2026-01-02T03:04:05Z", "digest": one.digest},
        {"tag": "1.1.0", "created": "2026-02-01T00:00:00Z", "digest": two.digest},
    ]
    without_dates = registry_tags(f"{registry.host}/explain/app", policy, Path("."), created=False)
    assert {r["created"] for r in without_dates} == {None}
    with pytest.raises(GuardError, match="cannot read the tags"):
        registry_tags("127.0.0.1:9/explain/app", policy, Path("."))
    with pytest.raises(GuardError, match="invalid image reference"):
        registry_tags("Not A Reference", policy, Path("."))


def test_supply_findings_through_the_engine(
    tmp_path: Path,
    registry: LocalRegistry,
    pusher: Pusher,
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    signed = pusher.image("flow/api", "1.0.0", "flow-signed")
    pusher.image("flow/api", "1.0.1", "flow-unsigned")
    cosign_sign(pusher, "flow/api", signed.digest, [signing_key])
    root = tmp_path / "gitops"
    (root / "keys").mkdir(parents=True)
    (root / "apps" / "api" / "prod").mkdir(parents=True)
    (root / "apps" / "api" / "dev").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "keys" / "cosign.pub").write_bytes(public_pem(signing_key))
    (root / ".gitops-guard.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            layout: ["apps/{app}/{env}/**"]
            environments: {dev: {}, prod: {}}
            supply_chain:
              on_unreachable: warn
              registry: {environments: [prod], insecure: ["127.0.0.1:*"]}
              signatures: {environments: [prod], keys: [keys/cosign.pub]}
            """
        )
    )
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {{name: api}}\nspec:\n  containers:\n    - name: api\n      image: {image}\n"
    (root / "apps/api/prod/pod.yaml").write_text(
        pod.format(image=f"{registry.host}/flow/api:1.0.1")
    )
    (root / "apps/api/dev/pod.yaml").write_text(pod.format(image=f"{registry.host}/flow/api:1.0.1"))
    workspace = open_workspace(root)
    inventory = extract(workspace.source, workspace.policy)
    found = supply_findings(inventory, workspace.policy, root, offline=False)
    assert [(f.rule, f.location.path, f.location.line) for f in found] == [
        ("GG503", "apps/api/prod/pod.yaml", 7)
    ]
    report = run_rules(inventory, workspace.policy, extra=found)
    assert [(f.rule, f.severity) for f in report.findings] == [("GG503", Severity.ERROR)]
    offline = supply_findings(inventory, workspace.policy, root, offline=True)
    report = run_rules(inventory, workspace.policy, extra=offline)
    assert [(f.rule, f.severity) for f in report.findings] == [("GG506", Severity.WARNING)]


def test_explain_reads_the_tags_from_the_registry(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gitops_guard.cli.main import main

    for tag, created in (
        ("2.0.0", "2026-03-01T00:00:00Z"),
        ("2.1.0", "2026-02-01T00:00:00Z"),
        ("2.2.0-rc.1", "2026-04-01T00:00:00Z"),
    ):
        pusher.image("explain/newest", tag, tag, created=created)
    (tmp_path / ".gitops-guard.yaml").write_text(
        'version: 1\nsupply_chain:\n  registry: {insecure: ["127.0.0.1:*"]}\n'
    )
    image = f"{registry.host}/explain/newest"
    assert main(["explain", "--repo", str(tmp_path), "--image", f"{image}:~2", "--registry"]) == 0
    assert "selected  2.1.0" in capsys.readouterr().out
    # newest-build goes by creation date, which only the registry knows.
    code = main(
        [
            "explain",
            "--repo",
            str(tmp_path),
            "--image",
            image,
            "--strategy",
            "newest-build",
            "--registry",
        ]
    )
    assert code == 0
    assert "selected  2.2.0-rc.1" in capsys.readouterr().out
