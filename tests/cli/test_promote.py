"""`gitops-guard promote` end to end on the plan's repository (tests/audit/plan_repo.py).

At NOW, billing and search may go to prod; api has soaked 14 of 24 h in staging; worker
would go down in prod (a rollback, with the trailer); staging is frozen. A promotion that
is allowed is committed, `check` passes it and `report` shows its source commit; one that
is blocked is refused with the rules `check` gives the same change written by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.audit.plan_repo import NOW, PlanRepo, build_plan_history, overlay, overlay_path
from tests.conftest import git
from tests.integration.promotion_repo import BOT, make_signer
from tests.policies import PLAN_POLICY

WHEN = NOW.isoformat()
DATES = {"GIT_AUTHOR_DATE": WHEN, "GIT_COMMITTER_DATE": WHEN}


# The commits promote writes need a Git identity (CI machines have none configured).
pytestmark = pytest.mark.usefixtures("git_identity")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlanRepo:
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    return build_plan_history(tmp_path / "repo")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def promote(repo: PlanRepo, *args: str) -> list[str]:
    return ["promote", "--repo", str(repo.path), "--now", WHEN, *args]


def check_rules(
    repo: PlanRepo, base: str, head: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code, out, _err = run(
        ["check", "--repo", str(repo.path), "--base", base, "--head", head, "--now", WHEN,
         "--format", "json"],
        capsys,
    )  # fmt: skip
    document = json.loads(out)
    return code, sorted({f["rule"] for f in document["findings"] if f["severity"] == "error"})


def refused_rules(err: str) -> list[str]:
    return sorted(set(re.findall(r": error \[(GG\d{3}) ", err)))


def by_hand(repo: PlanRepo, app: str, env: str, version: str, message: str) -> str:
    """The same change written by hand on a branch (as a person would, before promote)."""
    branch = f"hand-{app}-{env}"
    repo.git("checkout", "-q", "-B", branch, "main")
    repo.commit(WHEN, message, {overlay_path(app, env): overlay(app, version)})
    repo.git("checkout", "-q", "main")
    return branch


def test_an_allowed_promotion_is_committed_passes_check_and_report_names_its_source(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = git(repo.path, "rev-parse", "HEAD").strip()
    staging = git(repo.path, "log", "-1", "--format=%H", "--", overlay_path("billing", "staging"))
    code, out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert code == 0, err
    head = git(repo.path, "rev-parse", "HEAD").strip()
    assert (
        out == f"committed {head} on the current branch: Promote billing 3.1.0 -> 3.2.0 in prod\n"
    )
    assert git(repo.path, "rev-parse", "HEAD~1").strip() == before
    assert git(repo.path, "status", "--porcelain") == ""
    message = git(repo.path, "log", "-1", "--format=%B")
    assert message == (
        "Promote billing 3.1.0 -> 3.2.0 in prod\n\n"
        "registry.example.com/team/billing: 3.1.0 -> 3.2.0 (minor) at "
        "apps/billing/overlays/prod/kustomization.yaml:5\n"
        f"In staging since commit {staging.strip()[:12]}, 99h ago.\n\n"
        f"Promoted-From: staging@{staging.strip()}\nSoaked: 99h\n\n"
    )
    assert (repo.path / overlay_path("billing", "prod")).read_text() == overlay("billing", "3.2.0")
    assert check_rules(repo, before, head, capsys) == (0, [])
    # report shows the source commit: JSON, CSV and Markdown.
    code, out, _ = run(["report", "--repo", str(repo.path), "--format", "json"], capsys)
    events = [e for e in json.loads(out)["events"] if e["commit"] == head]
    assert [e["promoted_from"] for e in events] == [f"staging@{staging.strip()}"]
    others = [e for e in json.loads(out)["events"] if e["commit"] != head]
    assert {e["promoted_from"] for e in others} == {None}
    _code, out, _ = run(["report", "--repo", str(repo.path), "--format", "csv"], capsys)
    assert out.splitlines()[0].endswith(",subject,promoted_from")
    assert out.splitlines()[-1].endswith(f",staging@{staging.strip()}")
    _code, out, _ = run(["report", "--repo", str(repo.path)], capsys)
    assert f"{head[:12]} ← staging@{staging.strip()[:12]}" in out
    page = repo.path.parent / "page"
    run(["report", "--repo", str(repo.path), "--format", "html", "--out", str(page)], capsys)
    assert f"promoted from staging@{staging.strip()}" in (page / "report.html").read_text()


@pytest.mark.parametrize(
    ("app", "env", "version", "rules"),
    [
        ("api", "prod", "1.5.0", ["GG304"]),  # 14 h of a 24 h soak
        ("worker", "prod", "0.8.0", ["GG302"]),  # a downgrade without the trailer
        ("search", "staging", "1.3.0", ["GG309"]),  # staging is frozen
    ],
)
def test_a_blocked_promotion_is_refused_with_the_rules_check_gives(
    repo: PlanRepo,
    capsys: pytest.CaptureFixture[str],
    app: str,
    env: str,
    version: str,
    rules: list[str],
) -> None:
    head = git(repo.path, "rev-parse", "HEAD").strip()
    code, out, err = run(promote(repo, app, "--to", env), capsys)
    assert (code, out) == (1, "")
    assert refused_rules(err) == rules
    assert f"{overlay_path(app, env)}:5:13: error [{rules[0]} " in err
    assert "nothing was written" in err
    assert git(repo.path, "rev-parse", "HEAD").strip() == head
    assert git(repo.path, "status", "--porcelain") == ""
    # The same change by hand: check fails it with the same rules (and the same words).
    branch = by_hand(repo, app, env, version, f"Promote {app} {version} to {env}")
    assert check_rules(repo, "main", branch, capsys) == (1, rules)
    _code, text, _ = run(
        ["check", "--repo", str(repo.path), "--base", "main", "--head", branch, "--now", WHEN],
        capsys,
    )
    refused = {line.split("] ", 1)[1] for line in err.splitlines() if ": error [" in line}
    for message in refused:
        assert message in text


def test_override_commits_with_the_reason_and_check_still_fails_it(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        promote(repo, "api", "--to", "prod", "--override", "hotfix for INC-12, approved by Bo"),
        capsys,
    )
    assert code == 0, err
    assert "[GG304 soak-time]" in err  # the reasons are still said
    message = git(repo.path, "log", "-1", "--format=%B")
    assert "Promotion-Override: hotfix for INC-12, approved by Bo\n" in message
    assert check_rules(repo, "HEAD~1", "HEAD", capsys) == (1, ["GG304"])


def test_rollback_writes_the_trailer_and_check_passes_it(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(promote(repo, "worker", "--to", "prod", "--rollback", "INC-9"), capsys)
    assert code == 0, err
    assert "Roll back worker 0.9.0 -> 0.8.0 in prod" in out
    message = git(repo.path, "log", "-1", "--format=%B")
    assert message.rstrip().endswith("Rollback: INC-9")
    assert check_rules(repo, "HEAD~1", "HEAD", capsys) == (0, [])
    _code, out, _ = run(["report", "--repo", str(repo.path), "--format", "json"], capsys)
    (event,) = [e for e in json.loads(out)["events"] if e["commit"] == git(
        repo.path, "rev-parse", "HEAD").strip()]  # fmt: skip
    assert (event["change"], event["rollback"]) == ("downgrade", True)


def test_a_rollback_to_a_version_that_never_ran_there_or_forward_is_refused(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(repo.path, "rev-parse", "HEAD").strip()
    code, _out, err = run(
        promote(repo, "worker", "--to", "prod", "--version", "0.7.0", "--rollback", "INC-9"),
        capsys,
    )
    assert code == 2
    assert "worker:0.7.0 never ran in prod" in err
    code, _out, err = run(promote(repo, "billing", "--to", "prod", "--rollback", "INC-9"), capsys)
    assert code == 2
    assert "--rollback: no other version of registry.example.com/team/billing ran in prod" in err
    code, _out, err = run(
        promote(repo, "billing", "--to", "prod", "--version", "3.2.0", "--rollback", "INC-9"),
        capsys,
    )
    assert code == 2
    assert "--rollback: 3.2.0 is not older than 3.1.0 (minor)" in err
    assert git(repo.path, "rev-parse", "HEAD").strip() == head


def test_branch_leaves_the_current_branch_index_and_work_tree_alone(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(repo.path, "rev-parse", "HEAD").strip()
    # Work in progress elsewhere (and in the very file, which --branch does not touch).
    (repo.path / "notes.txt").write_text("draft\n")
    prod = repo.path / overlay_path("search", "prod")
    prod.write_text(prod.read_text() + "# wip\n")
    status = git(repo.path, "status", "--porcelain")
    code, out, err = run(
        promote(repo, "search", "--to", "prod", "--branch", "promote/search"), capsys
    )
    assert code == 0, err
    assert "on branch promote/search" in out
    assert git(repo.path, "rev-parse", "HEAD").strip() == head
    assert git(repo.path, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(repo.path, "status", "--porcelain") == status
    assert git(repo.path, "rev-parse", "promote/search~1").strip() == head
    assert git(repo.path, "show", f"promote/search:{overlay_path('search', 'prod')}") == overlay(
        "search", "1.2.0"
    )
    assert check_rules(repo, "main", "promote/search", capsys) == (0, [])
    code, _out, err = run(
        promote(repo, "search", "--to", "prod", "--branch", "promote/search"), capsys
    )
    assert (code, "the branch exists already" in err) == (2, True)


def test_message_only_prints_the_message_and_diff_and_writes_nothing(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(repo.path, "rev-parse", "HEAD").strip()
    refs = git(repo.path, "show-ref")
    code, out, err = run(promote(repo, "search", "--to", "prod", "--message-only"), capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Promote search 1.1.0 -> 1.2.0 in prod\n\n")
    assert "\nSoaked: 171h\n" in out
    assert (
        "--- a/apps/search/overlays/prod/kustomization.yaml\n"
        "+++ b/apps/search/overlays/prod/kustomization.yaml\n" in out
    )
    assert '-    newTag: "1.1.0"\n+    newTag: "1.2.0"\n' in out
    assert git(repo.path, "rev-parse", "HEAD").strip() == head
    assert git(repo.path, "show-ref") == refs
    assert git(repo.path, "status", "--porcelain") == ""


def test_uncommitted_changes_in_the_file_are_refused(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = repo.path / overlay_path("search", "prod")
    prod.write_text(prod.read_text() + "# wip\n")
    code, _out, err = run(promote(repo, "search", "--to", "prod"), capsys)
    assert code == 2
    assert (
        "gitops-guard: error: apps/search/overlays/prod/kustomization.yaml has uncommitted "
        "changes: promote writes that file" in err
    )
    assert prod.read_text().endswith("# wip\n")
    # Other work in progress is kept through a promotion on the current branch.
    git(repo.path, "checkout", "--", str(prod))
    (repo.path / "notes.txt").write_text("draft\n")
    staged = repo.path / overlay_path("api", "dev")
    staged.write_text(staged.read_text() + "# staged\n")
    git(repo.path, "add", str(staged))
    code, _out, err = run(promote(repo, "search", "--to", "prod"), capsys)
    assert code == 0, err
    assert git(repo.path, "status", "--porcelain").splitlines() == [
        "M  apps/api/overlays/dev/kustomization.yaml",
        "?? notes.txt",
    ]
    assert git(repo.path, "diff", "--name-only", "HEAD~1", "HEAD").split() == [
        overlay_path("search", "prod")
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nope", "--to", "prod"], "no app 'nope' runs in prod\n  hint: apps in prod: api, billing, search, worker"),
        (["api", "--to", "prood"], "--to 'prood': no such environment in the policy\n  hint: did you mean 'prod'? known: dev, prod, staging"),
        (["api", "--to", "dev"], "the environment has no `from:` environment"),
        (["api", "--to", "prod", "--image", "x"], "api runs no image 'x' in prod"),
        (["api", "--to", "prod", "--version", "1.5.0@nope"], "--version '1.5.0@nope'"),
        (["api", "--to", "staging"], "nothing to promote: api in staging runs 1.5.0, as dev does (up to date)"),
    ],
)  # fmt: skip
def test_bad_requests_are_located_errors(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = run(promote(repo, *args), capsys)
    assert (code, out) == (2, "")
    assert words in err
    assert "Traceback" not in err


def test_a_version_no_line_can_take_is_named(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # The overlay writes its tag in a block scalar: not a value promote edits.
    path = overlay_path("billing", "prod")
    repo.commit(
        "2026-03-19T09:00:00+00:00",
        "Odd overlay",
        {path: overlay("billing", "3.1.0").replace('newTag: "3.1.0"', "newTag: >-\n      3.1.0")},
    )
    code, _out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert code == 2
    assert f"gitops-guard: error: {path}:" in err
    assert "cannot set registry.example.com/team/billing:3.1.0 to 3.2.0" in err


def test_a_signed_environment_needs_a_signed_promotion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    text = PLAN_POLICY.replace(
        "    soak: 24h\n", "    soak: 24h\n    require_signed_commits: true\n"
    )
    repo = build_plan_history(tmp_path / "repo", text)
    code, _out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert (code, refused_rules(err)) == (1, ["GG402"])
    branch = by_hand(repo, "billing", "prod", "3.2.0", "Promote billing 3.2.0 to prod")
    assert check_rules(repo, "main", branch, capsys) == (1, ["GG402"])
    signer = make_signer(tmp_path / "keys")
    git(repo.path, "config", "gpg.format", "ssh")
    git(repo.path, "config", "user.signingkey", str(signer.key))
    code, _out, err = run(promote(repo, "billing", "--to", "prod", "--sign"), capsys)
    assert code == 0, err
    assert git(repo.path, "log", "-1", "--format=%G?").strip() in ("G", "U", "N")
    assert "-----BEGIN SSH SIGNATURE" in git(repo.path, "cat-file", "commit", "HEAD")
    assert check_rules(repo, "HEAD~1", "HEAD", capsys) == (0, [])


def test_report_names_the_source_of_a_promotion_merged_as_a_pull_request(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = git(repo.path, "log", "-1", "--format=%H", "--", overlay_path("search", "staging"))
    for app in ("search", "billing"):
        code, _out, err = run(promote(repo, app, "--to", "prod", "--branch", f"p/{app}"), capsys)
        assert code == 0, err
    git(repo.path, "checkout", "-q", "-b", "p/both", "p/search")
    git(repo.path, "merge", "-q", "--no-ff", "p/billing", "-m", "Both")
    git(repo.path, "checkout", "-q", "main")
    git(repo.path, "merge", "-q", "--no-ff", "p/both", "-m", "Merge pull request #12 from p/both")
    merge = git(repo.path, "rev-parse", "HEAD").strip()
    for _cached in (False, True):  # replayed, then read from the history cache
        _code, out, _ = run(["report", "--repo", str(repo.path), "--format", "json"], capsys)
        events = {e["app"]: e for e in json.loads(out)["events"] if e["commit"] == merge}
        assert set(events) == {"search", "billing"}
        assert events["search"]["promoted_from"] == f"staging@{staging.strip()}"
        assert events["billing"]["promoted_from"].startswith("staging@")
        assert events["billing"]["promoted_from"] != events["search"]["promoted_from"]
        assert events["search"]["pr"] == 12


def test_an_app_with_an_up_to_date_sidecar_promotes_the_image_that_waits(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo's web runs ghcr.io/acme/web (2.4.0 waits in staging) and an nginx sidecar.
    base = ["promote", "web", "--to", "prod", "--repo", str(sample), "--offline"]
    code, _out, err = run(base, capsys)
    assert code == 1  # prod requires digests: offline, 2.4.0 cannot be pinned
    assert "apps/web/overlays/prod/kustomization.yaml:8:13: error [GG105 digest-required]" in err
    assert "ghcr.io/acme/web:2.4.0 is not pinned (offline): give --version 2.4.0@sha256:…" in err
    digest = "sha256:" + "e" * 64
    code, _out, err = run([*base, "--version", f"2.4.0@{digest}"], capsys)
    assert code == 2
    assert "web runs 2 images in prod: ghcr.io/acme/web, nginx" in err
    code, out, err = run(
        [*base, "--version", f"2.4.0@{digest}", "--image", "ghcr.io/acme/web", "--message-only"],
        capsys,
    )
    assert code == 0, err
    assert '-    newTag: "2.3.0"\n' in out
    assert f'+    newTag: "2.4.0"\n+    digest: {digest}\n' in out


def test_a_rollback_goes_back_to_what_ran_there_before(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert code == 0, err
    promoted = git(repo.path, "rev-parse", "HEAD").strip()
    code, out, err = run(promote(repo, "billing", "--to", "prod", "--rollback", "INC-5"), capsys)
    assert code == 0, err
    assert "Roll back billing 3.2.0 -> 3.1.0 in prod" in out
    message = git(repo.path, "log", "-1", "--format=%B")
    assert "Promoted-From" not in message  # staging does not run 3.1.0: nothing promoted it
    assert message.rstrip().endswith("Rollback: INC-5")
    assert (repo.path / overlay_path("billing", "prod")).read_text() == overlay("billing", "3.1.0")
    assert check_rules(repo, promoted, "HEAD", capsys) == (0, [])


def test_a_rollback_lands_in_a_freeze_and_a_promotion_does_not(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Staging is frozen (a load test) until Monday 08:00 in Berlin; search runs 1.2.0 there.
    code, _out, err = run(promote(repo, "search", "--to", "staging"), capsys)
    assert (code, refused_rules(err)) == (1, ["GG309"])
    code, out, err = run(promote(repo, "search", "--to", "staging", "--rollback", "INC-8"), capsys)
    assert code == 0, err
    assert "Roll back search 1.2.0 -> 1.1.0 in staging" in out
    assert check_rules(repo, "HEAD~1", "HEAD", capsys) == (0, [])


def test_no_commit_in_the_middle_of_a_merge(
    repo: PlanRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "side", "main~1")
    repo.commit(WHEN, "Side", {"notes.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-commit", "--no-ff", "side")
    code, _out, err = run(promote(repo, "search", "--to", "prod"), capsys)
    assert code == 2
    assert "a merge is in progress: promote does not commit in the middle of it" in err
    code, _out, err = run(promote(repo, "search", "--to", "prod", "--branch", "p/search"), capsys)
    assert code == 0, err


def test_an_environment_that_requires_a_pull_request_is_not_committed_on_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    text = PLAN_POLICY.replace("    soak: 24h\n", "    soak: 24h\n    require_pr: true\n")
    repo = build_plan_history(tmp_path / "repo", text)
    head = git(repo.path, "rev-parse", "HEAD").strip()
    code, _out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert code == 2
    assert "prod requires a pull request, and the current branch is protected" in err
    assert git(repo.path, "rev-parse", "HEAD").strip() == head
    code, _out, err = run(promote(repo, "billing", "--to", "prod", "--branch", "p/billing"), capsys)
    assert code == 0, err
    assert check_rules(repo, "main", "p/billing", capsys) == (0, [])
    git(repo.path, "checkout", "-q", "-b", "work")  # a branch of one's own: committed there
    code, _out, err = run(promote(repo, "search", "--to", "prod"), capsys)
    assert code == 0, err
    assert git(repo.path, "rev-parse", "work~1").strip() == head


def test_promote_run_by_a_bot_is_judged_as_the_bot_s_change(
    repo: PlanRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, BOT[0])
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, BOT[1])
    # prod allows bots nothing (automated: []): a person could, the bot may not.
    code, _out, err = run(promote(repo, "billing", "--to", "prod"), capsys)
    assert (code, refused_rules(err)) == (1, ["GG301"])
    code, _out, err = run(
        promote(repo, "billing", "--to", "prod", "--branch", "bot", "--override", "test"), capsys
    )
    assert code == 0, err
    assert git(repo.path, "log", "-1", "--format=%an", "bot").strip() == BOT[0]
    assert check_rules(repo, "main", "bot", capsys) == (1, ["GG301"])
