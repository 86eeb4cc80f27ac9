"""History: commits → states → promotion events, checked against brute force."""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import pytest

from gitops_guard.extract.inventory import extract
from gitops_guard.history.steps import (
    History,
    classify,
    effective,
    is_bot,
    pull_request,
    updater_message,
)
from gitops_guard.imageref import parse_reference
from gitops_guard.model import Commit, Person
from gitops_guard.policy.load import load_policy_file
from gitops_guard.repo.git import (
    GitRepository,
    parse_log,
)
from gitops_guard.repo.tree import TreeSource
from tests.conftest import GIT_ENV, RepoFactory, git


def test_incremental_replay_equals_extracting_every_commit_from_scratch(sample: Path) -> None:
    repo = GitRepository(sample)
    policy = load_policy_file(sample / ".gitops-guard.yaml")
    history = History(repo, policy)
    previous: dict = {}  # type: ignore[type-arg]
    for step in history.replay(["--first-parent", "--reverse", "HEAD"]):
        fresh = effective(extract(TreeSource(repo, repo.tree(step.commit.sha)), policy).uses)
        assert {k: u.raw for k, u in step.state.items()} == {k: u.raw for k, u in fresh.items()}
        expected = {
            k
            for k in set(previous) | set(fresh)
            if (previous[k].raw if k in previous else None)
            != (fresh[k].raw if k in fresh else None)
        }
        assert {e.key for e in step.events} == expected, step.commit.subject
        previous = fresh
    assert previous, "the replay went through the sample's history"


def test_events_of_the_sample_history(sample: Path) -> None:
    repo = GitRepository(sample)
    history = History(repo, load_policy_file(sample / ".gitops-guard.yaml"))
    rows = [
        (e.commit.subject, e.app, e.environment, e.container, e.change, e.bot, e.pr)
        for step in history.replay(["--first-parent", "--reverse", "HEAD"])
        for e in step.events
        if e.change != "new"
    ]
    assert rows[:4] == [
        ("build: automatic update of api-dev", "api", "dev", "api", "patch", True, None),
        ("Promote api 1.4.1 to staging", "api", "staging", "api", "patch", False, None),
        ("Promote api 1.4.1 to prod (#12)", "api", "prod", "api", "patch", False, 12),
        ("web: roll out 2.4.0 to dev and staging", "web", "dev", "web", "minor", False, None),
    ]
    assert (
        "Roll back web in prod to 2.3.0",
        "web",
        "prod",
        "web",
        "downgrade",
        False,
        None,
    ) in rows


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (None, "r.io/a:1.0.0", "new"),
        ("r.io/a:1.0.0", None, "removed"),
        ("r.io/a:1.0.0", "r.io/a:1.0.0", None),
        ("r.io/a:1.0.0", "r.io/a:1.0.1", "patch"),
        ("r.io/a:1.0.0", "r.io/a:1.1.0", "minor"),
        ("r.io/a:1.0.0", "r.io/a:2.0.0", "major"),
        ("r.io/a:1.1.0", "r.io/a:1.0.9", "downgrade"),
        ("r.io/a:1.0.0", "r.io/a:1.0.0@sha256:" + "a" * 64, "digest"),
        ("r.io/a:main", "r.io/a:dev", "tag"),
        ("r.io/a:v1.0", "r.io/a:1.0.0", "tag"),
        ("r.io/a:1.0.0", "r.io/b:1.0.0", "new"),
        # The same repository spelt another way is the same image: a downgrade stays one.
        ("R.io/a:2.0.0", "r.io/a:1.0.0", "downgrade"),
        ("nginx:1.27.0", "registry-1.docker.io/library/nginx:1.26.0", "downgrade"),
        ("docker.io/library/nginx:1.27.0", "registry-1.docker.io/nginx:1.26.0", "downgrade"),
    ],
)
def test_change_kinds(old: str | None, new: str | None, kind: str | None) -> None:
    assert (
        classify(parse_reference(old) if old else None, parse_reference(new) if new else None)
        == kind
    )


def commit(message: str, author: str = "Alice", email: str = "a@example.com") -> Commit:
    person = Person(author, email, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    return Commit("a" * 40, (), person, person, message, None)


@pytest.mark.parametrize(
    ("message", "pr"),
    [
        ("Merge pull request #42 from acme/promote\n\nPromote api", 42),
        ("Promote api to prod (#17)\n", 17),
        ("Merge branch 'x' into 'main'\n\nSee merge request acme/gitops!9", 9),
        ("Promote api (see #3 later)\n", None),
    ],
)
def test_pull_requests_are_recognised(message: str, pr: int | None) -> None:
    assert pull_request(commit(message)) == pr


def test_bots_and_trailers() -> None:
    bot = commit("x", "argocd-image-updater", "noreply@argoproj.io")
    assert is_bot(bot, ["argocd-image-updater*"])
    assert is_bot(commit("x", "renovate[bot]", "r@example.com"), ["*[bot]"])
    assert not is_bot(commit("x"), ["*[bot]"])
    assert commit("Roll back\n\nRollback: INC-42\nSigned-off-by: A <a@b>\n").trailers() == {
        "rollback": "INC-42",
        "signed-off-by": "A <a@b>",
    }
    assert commit("Rollback: not a trailer, it is the subject\n").trailers() == {}


def test_image_updater_default_message() -> None:
    parsed = updater_message(
        commit(
            "build: automatic update of api-dev\n\nupdates image team/api tag '1.0.0' to '1.0.1'\n"
        )
    )
    assert parsed is not None
    assert parsed.application == "api-dev"
    assert parsed.changes == (("team/api", "1.0.0", "1.0.1"),)


def test_the_log_parser_reads_odd_paths_merges_and_signatures(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo({"a b.yaml": "x: 1\n", "commit x.yaml": "y: 1\n", ":colon.yaml": "z: 1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "side.yaml").write_text("s: 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "side")
    git(repo, "checkout", "-q", "main")
    (repo / "a b.yaml").write_text("x: 2\n")
    git(repo, "commit", "-qam", "main change")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #5 from side", "side")
    commits = list(GitRepository(repo).log(["--first-parent", "--reverse", "HEAD"]))
    assert [c.subject for c in commits] == [
        "initial",
        "main change",
        "Merge pull request #5 from side",
    ]
    assert sorted(ch.path for ch in commits[0].changes) == [
        ":colon.yaml",
        "a b.yaml",
        "commit x.yaml",
    ]
    assert [ch.path for ch in commits[2].changes] == ["side.yaml"]
    assert len(commits[2].parents) == 2
    assert commits[0].author.time == datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)
    assert all(c.signature is None for c in commits)


def test_the_log_parser_handles_chunk_boundaries() -> None:
    text = (
        b"commit " + b"1" * 40 + b"\ntree " + b"2" * 40 + b"\nauthor A <a@x> 1700000000 +0100\n"
        b"committer A <a@x> 1700000000 +0100\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n "
        b"-----END SSH SIGNATURE-----\n\n    subject\n\n    body line\n\n:100644 100644 "
        + b"3" * 40
        + b" "
        + b"4" * 40
        + b" M\x00path.yaml\x00\x00"
    )
    for size in (1, 7, 64, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        (parsed,) = list(parse_log(iter(chunks)))
        assert parsed.subject == "subject"
        assert parsed.signature == "ssh"
        assert parsed.author.time.utcoffset() == datetime.timedelta(hours=1)
        assert [(c.path, c.old_blob, c.new_blob) for c in parsed.changes] == [
            ("path.yaml", "3" * 40, "4" * 40)
        ]


def test_symlinks_are_links_in_history_and_never_read_out_of_the_repository(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo({"real.yaml": "x: 1\n"})
    (repo / "link.yaml").symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    files, links = GitRepository(repo).tree_entries("HEAD")
    assert "link.yaml" not in files
    assert links == {"link.yaml": "/etc/passwd"}
    (last,) = list(GitRepository(repo).log(["-1", "HEAD"]))
    assert [(c.path, c.link) for c in last.changes] == [("link.yaml", True)]
    source = TreeSource(GitRepository(repo), files, links)
    with pytest.raises(OSError, match="points outside the repository"):
        source.read("link.yaml")
    assert not source.is_file("link.yaml")


LINKED_POLICY = (
    "version: 1\nlayout: ['envs/{env}/**']\nenvironments: {dev: {}, staging: {}, prod: {}}\n"
)


def _overlay(version: str) -> str:
    return f"resources: [../../base]\nimages:\n  - name: r.io/api\n    newTag: '{version}'\n"


def test_replay_through_symlinked_folders_equals_extracting_every_commit(
    make_repo: RepoFactory,
) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  containers: [{name: api, image: 'r.io/api:1.0.0'}]\n"
    root = make_repo(
        {
            ".gitops-guard.yaml": LINKED_POLICY,
            "base/pod.yaml": pod,
            "base/kustomization.yaml": "resources: [pod.yaml]\n",
            "envs/dev/kustomization.yaml": _overlay("2.0.0"),
            "envs/staging/kustomization.yaml": _overlay("1.5.0"),
            "envs/prod/kustomization.yaml": _overlay("1.0.0"),
        }
    )

    def commit(message: str) -> None:
        git(root, "add", "-A")
        git(root, "commit", "-qm", message)

    import shutil

    shutil.rmtree(root / "envs/prod")
    (root / "envs/prod").symlink_to("staging")
    commit("prod follows staging through a symlink")
    (root / "envs/staging/kustomization.yaml").write_text(_overlay("2.0.0"))
    commit("staging (and so prod) gets 2.0.0")
    (root / "envs/prod").unlink()
    (root / "envs/prod").symlink_to("dev")
    commit("prod follows dev")
    (root / "envs/dev/kustomization.yaml").write_text(_overlay("2.1.0"))
    commit("dev (and so prod) gets 2.1.0")
    (root / "envs/prod").unlink()
    (root / "envs/prod").mkdir()
    (root / "envs/prod/kustomization.yaml").write_text(_overlay("2.0.0"))
    commit("prod is a folder again")

    repo = GitRepository(root)
    policy = load_policy_file(root / ".gitops-guard.yaml")
    moves = []
    for step in History(repo, policy).replay(["--first-parent", "--reverse", "HEAD"]):
        files, links = repo.tree_entries(step.commit.sha)
        fresh = effective(extract(TreeSource(repo, files, links), policy).uses)
        assert {k: u.raw for k, u in step.state.items()} == {k: u.raw for k, u in fresh.items()}
        moves += [
            (
                step.commit.subject,
                e.environment,
                e.old_ref.tag if e.old_ref else None,
                e.new_ref.tag if e.new_ref else None,
            )
            for e in step.events
            if e.old is not None
        ]
    assert moves == [
        ("prod follows staging through a symlink", "prod", "1.0.0", "1.5.0"),
        ("staging (and so prod) gets 2.0.0", "staging", "1.5.0", "2.0.0"),
        ("staging (and so prod) gets 2.0.0", "prod", "1.5.0", "2.0.0"),
        ("dev (and so prod) gets 2.1.0", "dev", "2.0.0", "2.1.0"),
        ("dev (and so prod) gets 2.1.0", "prod", "2.0.0", "2.1.0"),
        ("prod is a folder again", "prod", "2.1.0", "2.0.0"),
    ]


def test_unknown_revisions_and_non_repositories_are_clear_errors(tmp_path: Path) -> None:
    from gitops_guard.errors import GitError

    with pytest.raises(GitError, match="not a Git repository"):
        GitRepository(tmp_path)
    subprocess.run(
        ["git", "init", "-q", str(tmp_path / "r")],
        check=True,
        env={**GIT_ENV, "PATH": "/usr/bin:/bin"},
    )
    with pytest.raises(GitError, match="unknown revision 'main~3'"):
        GitRepository(tmp_path / "r").resolve("main~3")


def test_a_non_linear_range_moves_between_trees_without_rebuilding(
    sample: Path, tmp_path: Path
) -> None:
    work = tmp_path / "branchy"
    subprocess.run(["git", "clone", "-q", str(sample), str(work)], check=True)
    env = {**os.environ, **GIT_ENV}

    def commit(path: str, old: str, new: str, message: str) -> None:
        target = work / path
        target.write_text(target.read_text().replace(old, new))
        subprocess.run(["git", "commit", "-qam", message], cwd=work, check=True, env=env)

    subprocess.run(
        ["git", "checkout", "-q", "-b", "feature", "HEAD~3"], cwd=work, check=True, env=env
    )
    commit("apps/web/overlays/dev/kustomization.yaml", '"2.4.0"', '"2.5.0"', "web 2.5.0 in dev")
    commit("charts/worker/values-dev.yaml", '"0.10.0"', '"0.11.0"', "worker 0.11.0 in dev")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=work, check=True, env=env)
    subprocess.run(
        ["git", "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature"],
        cwd=work,
        check=True,
        env=env,
    )
    repo = GitRepository(work)
    policy = load_policy_file(work / ".gitops-guard.yaml")
    history = History(repo, policy, start=repo.resolve("HEAD~5"))
    moves = 0
    for step in history.apply_all(repo.log(["--reverse", "--topo-order", "HEAD~5..HEAD"])):
        fresh = effective(extract(TreeSource(repo, repo.tree(step.commit.sha)), policy).uses)
        assert {k: u.raw for k, u in step.state.items()} == {k: u.raw for k, u in fresh.items()}
        moves += 1
    expected = subprocess.run(
        ["git", "rev-list", "--count", "HEAD~5..HEAD"], cwd=work, capture_output=True, text=True
    ).stdout
    assert moves == int(expected)


def _deployment(container: str, image: str, name: str = "api") -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
        f"  template:\n    spec:\n      containers: [{{name: {container}, image: '{image}'}}]\n"
    )


@pytest.mark.parametrize(
    ("renamed", "expected"),
    [
        # A renamed container going down is a downgrade of what ran, not a new image.
        (_deployment("app", "r.io/api:1.0.0"), ("r.io/api:2.0.0", "downgrade")),
        # A renamed Deployment: the same.
        (_deployment("api", "r.io/api:1.0.0", name="api-v1"), ("r.io/api:2.0.0", "downgrade")),
        (_deployment("app", "r.io/api:2.1.0"), ("r.io/api:2.0.0", "minor")),
        # A plain rename (the same image) and another image stay new.
        (_deployment("app", "r.io/api:2.0.0"), (None, "new")),
        (_deployment("app", "r.io/other:1.0.0"), (None, "new")),
    ],
)
def test_a_container_that_appears_takes_over_what_a_vanished_one_ran(
    make_repo: RepoFactory, renamed: str, expected: tuple[str | None, str]
) -> None:
    root = make_repo(
        {
            ".gitops-guard.yaml": "version: 1\nlayout: ['apps/{app}/{env}/**']\n"
            "environments: {staging: {}, prod: {}}\n",
            "apps/api/prod/deploy.yaml": _deployment("api", "r.io/api:2.0.0"),
            "apps/api/staging/deploy.yaml": _deployment("api", "r.io/api:1.0.0"),
        }
    )
    (root / "apps/api/prod/deploy.yaml").write_text(renamed)
    git(root, "commit", "-qam", "rename")
    repo = GitRepository(root)
    history = History(repo, load_policy_file(root / ".gitops-guard.yaml"), start="HEAD~1")
    (step,) = history.apply_all(repo.log(["--reverse", "HEAD~1..HEAD"]))
    appeared = [e for e in step.events if e.new is not None]
    assert [(e.old.raw if e.old else None, e.change) for e in appeared] == [expected]
    # The container that went away is still reported as removed.
    assert [e.change for e in step.events if e.new is None] == ["removed"]


@pytest.mark.parametrize(
    ("added", "expected"),
    [
        # An older version beside the one that runs (which is then scaled to zero).
        ("r.io/api:1.0.0", ("r.io/api:2.0.0", "downgrade")),
        # A newer one, or the same, is new beside it.
        ("r.io/api:2.1.0", (None, "new")),
        ("r.io/api:2.0.0", (None, "new")),
    ],
)
def test_a_second_deployment_of_an_older_version_is_a_downgrade(
    make_repo: RepoFactory, added: str, expected: tuple[str | None, str]
) -> None:
    root = make_repo(
        {
            ".gitops-guard.yaml": "version: 1\nlayout: ['apps/{app}/{env}/**']\n"
            "environments: {staging: {}, prod: {}}\n",
            "apps/api/prod/deploy.yaml": _deployment("api", "r.io/api:2.0.0"),
            "apps/api/staging/deploy.yaml": _deployment("api", "r.io/api:1.0.0"),
        }
    )
    scaled = _deployment("api", "r.io/api:2.0.0").replace("spec:\n", "spec:\n  replicas: 0\n", 1)
    (root / "apps/api/prod/deploy.yaml").write_text(scaled)
    (root / "apps/api/prod/deploy-v1.yaml").write_text(_deployment("api", added, name="api-v1"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "second deployment")
    repo = GitRepository(root)
    history = History(repo, load_policy_file(root / ".gitops-guard.yaml"), start="HEAD~1")
    (step,) = history.apply_all(repo.log(["--reverse", "HEAD~1..HEAD"]))
    assert [(e.old.raw if e.old else None, e.change) for e in step.events] == [expected]


def test_a_renamed_app_takes_over_what_its_predecessor_ran(make_repo: RepoFactory) -> None:
    root = make_repo(
        {
            ".gitops-guard.yaml": "version: 1\nlayout: ['apps/{app}/{env}/**']\n"
            "environments: {staging: {}, prod: {}}\n",
            "apps/api/prod/deploy.yaml": _deployment("api", "r.io/api:2.0.0"),
            "apps/api/staging/deploy.yaml": _deployment("api", "r.io/api:1.0.0"),
        }
    )
    # The app's name comes from its folder: moving prod's folder makes app "legacy".
    git(root, "mv", "apps/api/prod", "apps/legacy-prod-tmp")
    (root / "apps/legacy").mkdir()
    git(root, "mv", "apps/legacy-prod-tmp", "apps/legacy/prod")
    (root / "apps/legacy/prod/deploy.yaml").write_text(_deployment("api", "r.io/api:1.0.0"))
    git(root, "commit", "-qam", "rename the app")
    repo = GitRepository(root)
    history = History(repo, load_policy_file(root / ".gitops-guard.yaml"), start="HEAD~1")
    (step,) = history.apply_all(repo.log(["--reverse", "HEAD~1..HEAD"]))
    appeared = [(e.app, e.old.raw if e.old else None, e.change) for e in step.events if e.new]
    assert appeared == [("legacy", "r.io/api:2.0.0", "downgrade")]
