"""The promotion rules, caught by `check`, by the pre-push hook and by the server's pre-receive hook.

Each scenario starts from the same dev → staging → prod history and adds commits on a
branch. Failing scenarios must be refused everywhere, with the rule that explains why;
a proper rollback, promotion and bot patch bump must pass everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.conftest import GIT_ENV, require_tool
from tests.integration.promotion_repo import SCENARIOS, Repo, build_history, make_signer

GITOPS_GUARD = Path(sys.executable).parent / "gitops-guard"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    require_tool("ssh-keygen")
    root = tmp_path_factory.mktemp("promotion")
    return build_history(root / "template", make_signer(root / "keys"))


@pytest.fixture
def clone(template: Repo, tmp_path: Path) -> Repo:
    target = tmp_path / "work"
    subprocess.run(
        ["git", "clone", "-q", str(template.path), str(target)], check=True, capture_output=True
    )
    repo = Repo(target, template.signer)
    repo.git("checkout", "-q", "-b", "change")
    return repo


def rules_found(
    repo: Path, base: str, head: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, set[str], dict]:  # type: ignore[type-arg]
    code = main(["check", "--repo", str(repo), "--base", base, "--head", head, "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    return code, {f["rule"] for f in document["findings"] if f["severity"] == "error"}, document


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_check(clone: Repo, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, expected = SCENARIOS[name]
    scenario(clone)
    code, found, document = rules_found(clone.path, "origin/main", "change", capsys)
    assert found == expected, document["findings"]
    assert code == (1 if expected else 0)
    assert document["promotions"], "the plan lists what the range promotes"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_check_judges_alike_with_the_history_cache(
    clone: Repo, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A report fills the cache with the whole chain of the branch; check then takes what
    # ran before the base from the base's place in it instead of replaying the files.
    SCENARIOS[name][0](clone)
    monkeypatch.setenv("GITOPS_GUARD_NO_CACHE", "1")
    uncached = rules_found(clone.path, "origin/main", "change", capsys)
    monkeypatch.delenv("GITOPS_GUARD_NO_CACHE")
    assert (
        main(
            [
                "report",
                "--repo",
                str(clone.path),
                "--format",
                "json",
                "--out",
                str(clone.path / "r"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert any((clone.path / ".git/gitops-guard").glob("history-*.sqlite"))
    cached = rules_found(clone.path, "origin/main", "change", capsys)
    assert cached[:2] == uncached[:2]
    assert cached[2]["findings"] == uncached[2]["findings"]


def test_check_messages_say_what_to_do(clone: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    SCENARIOS["prod before its soak in staging"][0](clone)
    _, _, document = rules_found(clone.path, "origin/main", "change", capsys)
    (finding,) = document["findings"]
    assert finding["path"] == "apps/api/overlays/prod/kustomization.yaml"
    assert finding["line"] == 5
    assert finding["message"] == (
        "registry.example.com/team/api 1.1.0 reaches prod after 6h in staging; prod requires 1d"
    )
    assert finding["hint"] == "promote it after 2026-03-08T09:00+00:00"


def test_the_markdown_comment_has_the_promotion_plan(
    clone: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    SCENARIOS["bot minor bump in staging"][0](clone)
    code = main(
        [
            "check",
            "--repo",
            str(clone.path),
            "--base",
            "origin/main",
            "--head",
            "change",
            "--format",
            "markdown",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    staging, dev = (
        clone.git("rev-parse", "change", "change~1").stdout.split()[i][:12] for i in (0, 1)
    )
    assert "| App | Environment | Image | Old → New | Change | Author | Commit | Verdict |" in out
    assert (
        f"| api | staging | registry.example.com/team/api | 1.1.0 → 1.2.0 | minor | argocd-image-updater (bot) | {staging} | blocked: GG301 |"
        in out
    )
    assert (
        f"| api | dev | registry.example.com/team/api | 1.1.0 → 1.2.0 | minor | argocd-image-updater (bot) | {dev} | ok |"
        in out
    )
    assert out.index("Promotion plan") < out.index("| Severity | Rule |")


def hook_env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "GITOPS_GUARD": str(GITOPS_GUARD), "NO_COLOR": "1"}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pre_push_hook(clone: Repo, name: str) -> None:
    scenario, expected = SCENARIOS[name]
    installed = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--repo", str(clone.path)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    scenario(clone)
    branch = "refs/heads/" + name.replace(" ", "-")
    pushed = subprocess.run(
        ["git", "push", "origin", f"change:{branch}"],
        cwd=clone.path,
        capture_output=True,
        text=True,
        env=hook_env(),
    )
    if expected:
        assert pushed.returncode != 0
        for rule in expected:
            assert f"[{rule} " in pushed.stderr, pushed.stderr
        assert f"{branch} rejected" in pushed.stderr
    else:
        assert pushed.returncode == 0, pushed.stderr


@pytest.fixture
def server(template: Repo, tmp_path: Path) -> Path:
    bare = tmp_path / "server.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(template.path), str(bare)],
        check=True,
        capture_output=True,
    )
    installed = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--server", str(bare)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    return bare


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pre_receive_hook(clone: Repo, server: Path, name: str) -> None:
    scenario, expected = SCENARIOS[name]
    # The server judges soak by its own clock: what is pushed lands now, and the staging
    # commits of this history, dated months ago, have been there since (their dates are
    # all the server knows of them). tests/integration/test_attack_clocks.py pushes at
    # real times.
    expected = expected - {"GG304"}
    clone.git("remote", "set-url", "origin", str(server))
    before = subprocess.run(
        ["git", "rev-parse", "main"], cwd=server, capture_output=True, text=True
    ).stdout
    scenario(clone)
    pushed = subprocess.run(
        ["git", "push", "origin", "change:main"],
        cwd=clone.path,
        capture_output=True,
        text=True,
        env=hook_env(),
    )
    after = subprocess.run(
        ["git", "rev-parse", "main"], cwd=server, capture_output=True, text=True
    ).stdout
    if expected:
        assert pushed.returncode != 0
        assert "pre-receive hook declined" in pushed.stderr
        for rule in expected:
            assert f"[{rule} " in pushed.stderr, pushed.stderr
        assert after == before, "a rejected push leaves the server's ref where it was"
    else:
        assert pushed.returncode == 0, pushed.stderr
        assert after != before


def test_a_feature_branch_is_not_judged_by_the_server(clone: Repo, server: Path) -> None:
    clone.git("remote", "set-url", "origin", str(server))
    SCENARIOS["downgrade without the rollback trailer"][0](clone)
    pushed = subprocess.run(
        ["git", "push", "origin", "change"],
        cwd=clone.path,
        capture_output=True,
        text=True,
        env=hook_env(),
    )
    assert pushed.returncode == 0, pushed.stderr


def test_deleting_a_branch_and_pushing_several_refs(clone: Repo, server: Path) -> None:
    clone.git("remote", "set-url", "origin", str(server))
    subprocess.run(
        ["git", "push", "origin", "main:refs/heads/old"],
        cwd=clone.path,
        check=True,
        capture_output=True,
        env=hook_env(),
    )
    SCENARIOS["proper promotion"][0](clone)
    pushed = subprocess.run(
        ["git", "push", "origin", ":refs/heads/old", "change:main", "change:refs/heads/copy"],
        cwd=clone.path,
        capture_output=True,
        text=True,
        env=hook_env(),
    )
    assert pushed.returncode == 0, pushed.stderr
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)"], cwd=server, capture_output=True, text=True
    ).stdout
    assert "refs/heads/old" not in refs
    assert "refs/heads/copy" in refs


def test_a_signature_by_an_untrusted_key_fails_where_verification_is_configured(
    clone: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = make_signer_for(tmp_path)
    clone.git("config", "gpg.ssh.allowedSignersFile", str(clone.signer.allowed_signers))
    original = clone.signer
    clone.signer = stranger
    clone.promote("prod", "1.1.0", "2026-03-09T09:00:00+00:00", sign=True)
    clone.signer = original
    _, found, document = rules_found(clone.path, "origin/main", "change", capsys)
    assert found == {"GG402"}
    assert "does not verify" in document["findings"][0]["message"]


def make_signer_for(directory: Path):  # type: ignore[no-untyped-def]
    from tests.integration.promotion_repo import make_signer

    return make_signer(directory / "stranger", "mallory@example.com")


def test_a_shallow_clone_is_refused_with_the_fix(
    template: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{template.path}", str(shallow)],
        check=True,
        capture_output=True,
    )
    code = main(["check", "--repo", str(shallow), "--base", "HEAD", "--head", "HEAD"])
    err = capsys.readouterr().err
    assert code == 2
    assert "shallow clone" in err
    assert "fetch-depth: 0" in err


def test_an_unknown_revision_is_a_clear_error(
    template: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--repo", str(template.path), "--base", "no-such-branch"])
    assert code == 2
    assert "unknown revision 'no-such-branch'" in capsys.readouterr().err


def test_the_update_hook_alone_also_guards_the_branch(
    template: Repo, clone: Repo, tmp_path: Path
) -> None:
    bare = tmp_path / "update-only.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(template.path), str(bare)],
        check=True,
        capture_output=True,
    )
    installed = subprocess.run(
        [str(GITOPS_GUARD), "install-hooks", "--server", str(bare), "--update-hook"],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    assert (bare / "hooks/update").exists()
    assert not (bare / "hooks/pre-receive").exists()
    clone.git("remote", "set-url", "origin", str(bare))
    SCENARIOS["downgrade without the rollback trailer"][0](clone)
    pushed = subprocess.run(
        ["git", "push", "origin", "change:main"],
        cwd=clone.path,
        capture_output=True,
        text=True,
        env=hook_env(),
    )
    assert pushed.returncode != 0
    assert "[GG302 " in pushed.stderr
    assert "hook declined" in pushed.stderr


@pytest.mark.parametrize(
    "name",
    ["prod before its soak in staging", "prod gets a version staging never ran", "proper rollback"],
)
def test_check_gives_the_same_verdict_from_the_history_cache(
    clone: Repo, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, expected = SCENARIOS[name]
    # `report` on the base fills the history cache; `check` then reads the ledger from it
    # instead of replaying only the commits that touch the changed apps.
    assert (
        main(["report", "--repo", str(clone.path), "--head", "origin/main", "--format", "json"])
        == 0
    )
    capsys.readouterr()
    assert list((clone.path / ".git/gitops-guard").glob("history-*.sqlite"))
    scenario(clone)
    _, found, _ = rules_found(clone.path, "origin/main", "change", capsys)
    assert found == expected
