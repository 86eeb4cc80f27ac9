"""The gates load httpx, cryptography and sigstore only when they go to the registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import sys
from pathlib import Path

from gitops_guard.imageref import parse_reference
from gitops_guard.model import ImageUse, Location, Source
from gitops_guard.policy.load import parse_policy
from gitops_guard.supply.gates import run_gates

def heavy():
    return ",".join(m for m in ("httpx", "cryptography", "sigstore") if m in sys.modules)

print("import", heavy())
policy = parse_policy(
    b"version: 1\\nenvironments: {prod: {}}\\nsupply_chain:\\n  registry: {}\\n"
    b"  signatures: {keys: [keys/cosign.pub]}\\n  vulnerabilities: {reports: scans/*.json}\\n"
    b"  provenance: {builders: [x]}\\n"
)
raw = "registry.example.com/team/api:1.4.2@sha256:" + "4f" * 32
use = ImageUse(
    Location("prod/api.yaml", 7, 16), Source.CONTAINER, raw, parse_reference(raw),
    environment="prod",
)
found = run_gates([use], policy, offline=True, root=Path(sys.argv[1]))
print("offline", heavy())
print(*sorted(f"{f.rule} {f.detail}" for f in found), sep="\\n")
"""


def test_importing_the_gates_and_an_offline_run_load_no_network_or_crypto(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "import ",
        "offline ",
        "GG504 missing",  # judged offline from the repository's reports (there are none)
        "GG506 offline",  # registry, signatures, provenance: not checked
    ]
