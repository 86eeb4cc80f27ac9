"""`promote` on every source kind: exactly the value that sets the version changes, byte for
byte against golden files (refreshed with ``--update-goldens``, never by hand), and what it
commits passes `check`.

Each case is a repository in ``tests/fixtures/promote/<kind>/before`` where dev runs a newer
version than prod (prod is promoted from dev, no soak); ``after/`` holds the one file the
promotion changes, as it must be after it.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from gitops_guard.audit.promote import PromoteRequest, prepare_promotion, write_promotion
from gitops_guard.cli.main import main
from gitops_guard.errors import GuardError
from gitops_guard.model import Source
from tests.conftest import git

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "promote"
NOW = datetime.datetime(2026, 1, 2, 12, 0, tzinfo=datetime.UTC)
DATES = {"GIT_AUTHOR_DATE": NOW.isoformat(), "GIT_COMMITTER_DATE": NOW.isoformat()}

# kind → (app, the file that sets prod's version, its source)
CASES = {
    "kustomize": ("api", "apps/api/overlays/prod/kustomization.yaml", Source.KUSTOMIZE),
    "helm-values": ("web", "charts/web/values-prod.yaml", Source.HELM),
    "helm-string": ("side", "charts/side/values-prod.yaml", Source.HELM),
    "app-helm-parameters": ("web", "argocd/web-prod.yaml", Source.APPLICATION),
    "app-kustomize-images": ("api", "argocd/api-prod.yaml", Source.APPLICATION),
    "write-back": (
        "api",
        "apps/api/overlays/prod/.argocd-source-api-prod.yaml",
        Source.WRITE_BACK,
    ),
    "write-back-helm": ("web", "envs/prod/web/.argocd-source-web-prod.yaml", Source.WRITE_BACK),
    "flux-setter": ("api", "clusters/prod/api/deployment.yaml", Source.CONTAINER),
    "flux-helmrelease": ("podinfo", "clusters/prod/podinfo/release.yaml", Source.HELM),
}


# The commits promote writes need a Git identity (CI machines have none configured).
pytestmark = pytest.mark.usefixtures("git_identity")


def fixture_repo(tmp_path: Path, kind: str) -> Path:
    root = tmp_path / kind
    shutil.copytree(FIXTURES / kind / "before", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "Initial layout")
    return root


@pytest.mark.parametrize("kind", sorted(CASES))
def test_promote_changes_exactly_the_value(
    tmp_path: Path,
    kind: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, path, source = CASES[kind]
    root = fixture_repo(tmp_path, kind)
    before = {p: (root / p).read_bytes() for p in git(root, "ls-files").split()}
    promotion = prepare_promotion(root, PromoteRequest(app, "prod", now=NOW))
    assert promotion.path == path
    assert [t.use.source for t in promotion.targets] == [source]
    assert not promotion.blocked, promotion.blockers
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    sha = write_promotion(root, promotion)
    assert git(root, "rev-parse", "HEAD").strip() == sha
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "diff", "--name-only", "HEAD~1", "HEAD").split() == [path]
    golden = FIXTURES / kind / "after" / path
    if request.config.getoption("--update-goldens"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes((root / path).read_bytes())
    assert (root / path).read_bytes() == golden.read_bytes()
    for other, data in before.items():
        if other != path:
            assert (root / other).read_bytes() == data, other
    # The commit names what it did, and where the version came from.
    message = git(root, "log", "-1", "--format=%B")
    initial = git(root, "rev-parse", "HEAD~1").strip()
    assert f"Promoted-From: dev@{initial}" in message
    assert "Soaked: 24h" in message
    assert message.startswith(f"Promote {app} ")
    # What promote writes passes check.
    code = main(["check", "--repo", str(root), "--base", "HEAD~1", "--head", "HEAD",
                 "--now", NOW.isoformat()])  # fmt: skip
    capsys.readouterr()
    assert code == 0


def test_a_value_two_environments_share_is_refused(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, "app-helm-parameters")
    # Both Applications read the version from the chart's values.yaml.
    for env in ("dev", "prod"):
        app = root / "argocd" / f"web-{env}.yaml"
        app.write_text(app.read_text().split("      parameters:")[0] + "      valueFiles: []\n")
    values = root / "charts" / "web" / "values.yaml"
    git(root, "commit", "-qam", "Chart values only")
    values.write_text(values.read_text().replace("3.0.0", "3.2.0"))
    git(root, "commit", "-qam", "3.2.0 everywhere", env={"GIT_COMMITTER_DATE": NOW.isoformat()})
    with pytest.raises(GuardError, match="up to date"):
        prepare_promotion(root, PromoteRequest("web", "prod", now=NOW))
    with pytest.raises(GuardError, match="also sets web in dev"):
        prepare_promotion(root, PromoteRequest("web", "prod", version="3.3.0", now=NOW))


def test_digest_added_replaced_and_removed_in_a_kustomize_entry(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, "kustomize")
    digest = "sha256:" + "d" * 64
    path = "apps/api/overlays/prod/kustomization.yaml"
    replaced = prepare_promotion(root, PromoteRequest("api", "prod", version=f"1.2.0@{digest}"))
    assert "newTag:   '1.2.0'     # released" in replaced.new_text
    assert f"    digest: {digest}   # pinned\n" in replaced.new_text
    removed = prepare_promotion(root, PromoteRequest("api", "prod", version="1.2.0"))
    assert "digest:" not in removed.new_text
    original = (root / path).read_text()
    assert removed.new_text == original.replace("'1.0.0'", "'1.2.0'").replace(
        "    digest: sha256:" + "a" * 64 + "   # pinned\n", ""
    )


def test_a_version_yaml_would_read_as_a_number_is_quoted(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, "helm-values")
    promotion = prepare_promotion(root, PromoteRequest("web", "prod", version="3.10"))
    assert '  tag: "3.10"      # the release\n' in promotion.new_text


def test_one_override_that_sets_two_containers_is_changed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fixture_repo(tmp_path, "kustomize")
    deployment = (root / "apps/api/base/deployment.yaml").read_text()
    worker = deployment.replace("name: api\n", "name: api-worker\n", 1).replace(
        "- name: api\n", "- name: worker\n"
    )
    (root / "apps/api/base/deployment.yaml").write_text(deployment + "---\n" + worker)
    git(root, "commit", "-qam", "A worker on the same image")
    promotion = prepare_promotion(root, PromoteRequest("api", "prod", now=NOW))
    assert sorted(t.key[3] or "" for t in promotion.targets) == ["api", "worker"]
    assert promotion.message.count("registry.example.com/team/api: 1.0.0 -> 1.1.0") == 1
    for name, value in DATES.items():
        monkeypatch.setenv(name, value)
    write_promotion(root, promotion)
    path = "apps/api/overlays/prod/kustomization.yaml"
    assert (root / path).read_bytes() == (FIXTURES / "kustomize" / "after" / path).read_bytes()
    code = main(["check", "--repo", str(root), "--base", "HEAD~1", "--head", "HEAD",
                 "--now", NOW.isoformat()])  # fmt: skip
    capsys.readouterr()
    assert code == 0


def test_the_source_commit_is_where_the_version_arrived_as_a_whole_token(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, "kustomize")
    dev = root / "apps/api/overlays/dev/kustomization.yaml"
    dev.write_text(dev.read_text().replace('"1.1.0"', '"1.1"').split("    digest:")[0])
    git(root, "commit", "-qam", "dev runs 1.1", env={"GIT_COMMITTER_DATE": "2026-01-01T13:00:00Z"})
    arrived = git(root, "rev-parse", "HEAD").strip()
    dev.write_text("# a comment\n" + dev.read_text())
    git(root, "commit", "-qam", "A comment", env={"GIT_COMMITTER_DATE": "2026-01-01T14:00:00Z"})
    promotion = prepare_promotion(root, PromoteRequest("api", "prod", now=NOW))
    assert promotion.source_commit == arrived
    assert f"Promoted-From: dev@{arrived}\n" in promotion.message
