"""Issue 12, item 10: honest answers — what was judged, named; what cannot be, an error."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.integration.attack_repo import (
    BASE_DEPLOYMENT,
    GITOPS_GUARD,
    OVERLAY,
    Setup,
    Work,
    at,
    clean_env,
    overlay,
)
from tests.policies import SUPPLY_CHAIN_POLICY


def gitops_guard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GITOPS_GUARD), *args], cwd=cwd, capture_output=True, text=True, env=clean_env()
    )


def test_a_reversed_range_is_an_error(setup: Setup) -> None:
    result = gitops_guard(setup.work.path, "check", "--base", "HEAD", "--head", "HEAD~2")
    assert result.returncode == 2, result.stderr
    assert "the range is reversed" in result.stderr


def test_history_findings_name_their_commit_everywhere(setup: Setup) -> None:
    work = setup.work
    before = setup.server_rev() or ""
    tip = work.promote("prod", "1.4.0", at(hours=-1), "Use the old api in prod")
    text = gitops_guard(work.path, "check", "--base", before, "--offline")
    assert f"commit {tip[:12]}: registry.example.com/team/api went down" in text.stdout
    document = json.loads(
        gitops_guard(work.path, "check", "--base", before, "--offline", "--format", "json").stdout
    )
    (finding,) = [f for f in document["findings"] if f["rule"] == "GG302"]
    assert finding["commit"] == tip
    (row,) = document["promotions"]
    assert row["commits"] == [tip]
    sarif = json.loads(
        gitops_guard(work.path, "check", "--base", before, "--offline", "--format", "sarif").stdout
    )
    results = sarif["runs"][0]["results"]
    assert [r["properties"]["commit"] for r in results if r["ruleId"] == "GG302"] == [tip]
    markdown = gitops_guard(
        work.path, "check", "--base", before, "--offline", "--format", "markdown"
    ).stdout
    assert f"| {tip[:12]} |" in markdown


def test_report_and_at_refuse_unknown_environments_and_apps(setup: Setup) -> None:
    for args, wrong in (
        (("report", "--env", "prd"), "--env 'prd'"),
        (("report", "--app", "apii"), "--app 'apii'"),
        (("at", "2026-01-01", "--env", "stagin"), "--env 'stagin'"),
    ):
        result = gitops_guard(setup.work.path, *args)
        assert result.returncode == 2, result.stderr
        assert wrong in result.stderr
        assert "known: " in result.stderr
        assert "did you mean" in result.stderr


def test_report_and_at_on_a_shallow_clone_give_the_fix(setup: Setup, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "-b",
            "main",
            f"file://{setup.server}",
            str(shallow),
        ],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    for args in (("report",), ("at", "2026-01-01"), ("check", "--base", "HEAD")):
        result = gitops_guard(shallow, *args)
        assert result.returncode == 2, result.stderr
        assert "shallow clone" in result.stderr
        assert "fetch-depth: 0" in result.stderr


def test_history_before_the_policy_existed_is_not_judged(tmp_path: Path) -> None:
    # Findings start when the policy does: a mutable tag before it is history, not a
    # finding of a policy written later.
    work = Work(tmp_path / "repo")
    work.path.mkdir()
    work.git("init", "-q", "-b", "main")
    work.commit(
        at(days=-3),
        "Before any policy",
        {
            "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/api/base/deployment.yaml": BASE_DEPLOYMENT,
            OVERLAY.format(env="prod"): overlay("1.4.0", None),
        },
    )
    work.promote("prod", "1.3.0", at(days=-2), "Older, no trailer", pinned=None)
    work.commit(at(days=-1), "Add a policy", {".gitops-guard.yaml": "version: 1\n"})
    work.promote("prod", "1.2.0", at(hours=-1), "Older again, no trailer", pinned=None)
    result = gitops_guard(work.path, "report", "--format", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    judged = {e["to"]: [f["rule"] for f in e["findings"]] for e in events}
    assert judged["1.3.0"] == []
    assert judged["1.2.0"] == ["GG302"]


def test_offline_where_the_policy_fails_closed_exits_non_zero(tmp_path: Path) -> None:
    work = Work(tmp_path / "repo")
    work.path.mkdir()
    work.git("init", "-q", "-b", "main")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    work.commit(
        at(days=-1),
        "Layout",
        {
            ".gitops-guard.yaml": SUPPLY_CHAIN_POLICY,
            "keys/cosign.pub": pem,
            "apps/api/base/kustomization.yaml": "resources: []\n",
        },
    )
    work.commit(
        at(hours=-1),
        "Deploy",
        # kustomize deploys only what the kustomization lists.
        {
            OVERLAY.format(env="prod"): "resources: [pod.yaml]\n",
            "apps/api/overlays/prod/pod.yaml": POD,
        },
    )
    result = gitops_guard(work.path, "check", "--base", "HEAD~1", "--offline", "--format", "json")
    assert result.returncode == 1, result.stderr
    rules = {f["rule"]: f["severity"] for f in json.loads(result.stdout)["findings"]}
    assert rules.get("GG506") == "error"
    # A missing key file is an error offline too.
    (work.path / "keys/cosign.pub").unlink()
    work.git("add", "-A")
    work.git("commit", "-q", "-m", "Lose the key", env={"GIT_COMMITTER_DATE": at(hours=-1)})
    validate = gitops_guard(work.path, "validate", "--supply-chain", "--offline")
    assert validate.returncode == 2, validate.stderr
    assert "keys/cosign.pub" in validate.stderr


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: registry.example.com/team/api:1.4.2
"""
