"""Issue 12, item 11 (the remaining gap): file names that are not UTF-8.

Git stores a path as bytes; a name with raw invalid UTF-8 (``\\xff``) is committed and
pushed like any other, and ``core.quotePath`` decides how git prints it. A manifest so
named in prod must be judged and named (never exit 3: a crash rejects every push and
fails every check, or worse, hides the file), by ``check``, by the server's pre-receive
and by ``report``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.attack_repo import (
    BASE_DEPLOYMENT,
    GITOPS_GUARD,
    Setup,
    Work,
    assert_rejected,
    at,
    clean_env,
    identity,
    overlay,
    rules_of,
)

# An app whose folder name holds a Latin-1 byte and a byte no encoding allows.
RAW_APP = b"apps/caf\xe9\xff"


@pytest.fixture(autouse=True)
def strict_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs that refuse what is not UTF-8, as a UTF-8 locale other than C.UTF-8 has
    them (Python's C locale would write stray bytes through and hide a crash)."""
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8:strict")


def commit_raw(work: Work, files: dict[bytes, str], message: str) -> str:
    for name, text in files.items():
        target = os.fsencode(work.path) + b"/" + name
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(text.encode())
    work.git("add", "-A")
    work.git(
        "commit", "-q", "--no-verify", "-m", message, env=identity(("Mallory", "m@x"), at(hours=-1))
    )
    return work.rev()


def gitops_guard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GITOPS_GUARD), *args], cwd=cwd, capture_output=True, text=True, env=clean_env()
    )


def set_quote_path(setup: Setup, value: str) -> None:
    for where in (setup.server, setup.work.path):
        subprocess.run(
            ["git", "config", "core.quotePath", value], cwd=where, check=True, env=clean_env()
        )


@pytest.mark.parametrize("quote_path", ["true", "false"])
def test_a_manifest_with_a_non_utf8_name_in_prod_is_judged(
    setup: Setup, quote_path: str, tmp_path: Path
) -> None:
    set_quote_path(setup, quote_path)
    work = setup.work
    before = setup.server_rev()
    # A new app straight into prod with a version that never ran in staging (GG303).
    tip = commit_raw(
        work,
        {
            RAW_APP + b"/base/deployment.yaml": BASE_DEPLOYMENT,
            RAW_APP + b"/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            RAW_APP + b"/overlays/prod/kustomization.yaml": overlay("9.9.9"),
        },
        "Add an app",
    )
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 1
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    assert errors, document
    assert any(f["path"].startswith("apps/caf") for f in errors), errors
    pushed = work.push("main")
    assert "internal error" not in pushed.stderr, pushed.stderr
    assert "Traceback" not in pushed.stderr
    assert pushed.rejected
    assert any("apps/caf" in line and "error [" in line for line in pushed.stderr.splitlines())
    # The audit reads it too (pushed elsewhere: the gate above refused it).
    for fmt in ("json", "html", "csv", "markdown"):
        report = gitops_guard(work.path, "report", "--format", fmt, "--out", str(tmp_path / fmt))
        assert report.returncode == 0, report.stderr
    events = json.loads((tmp_path / "json/report.json").read_text())["events"]
    assert any(event["commit"] == tip for event in events)
    streamed = gitops_guard(work.path, "report", "--format", "json")
    assert streamed.returncode == 0, streamed.stderr
    json.loads(streamed.stdout)


def test_a_non_utf8_name_outside_the_environments_passes(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev()
    commit_raw(work, {b"docs/r\xe9sum\xe9 \xff.txt": "notes\n"}, "Notes")
    code, document = setup.check(before, "HEAD", "--direct")
    assert code == 0, document["findings"]
    pushed = work.push("main")
    assert not pushed.rejected, pushed.stderr


def test_a_policy_change_beside_a_non_utf8_name_names_the_rider(setup: Setup) -> None:
    # A loosening with a file that rides along: the hint names it, whatever its bytes.
    work = setup.work
    before = setup.server_rev()
    policy = (work.path / ".gitops-guard.yaml").read_text().replace("soak: 24h", "soak: 1h")
    tip = commit_raw(
        work, {b".gitops-guard.yaml": policy, b"docs/\xff.txt": "x\n"}, "Policy: shorter soak"
    )
    pushed = work.push("main")
    assert_rejected(pushed, "GG307", commit=tip)
    assert "internal error" not in pushed.stderr
    code, document = setup.check(before, "HEAD")
    assert code == 1
    assert "GG307" in rules_of(document)
