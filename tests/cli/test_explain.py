"""`gitops-guard explain` end to end: options, files, formats and exit codes."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gitops_guard.cli.explain import explain
from gitops_guard.errors import GuardError

P = "argocd-image-updater.argoproj.io/"


@dataclass
class Outcome:
    code: int
    out: str
    error: str | None


Run = Callable[..., Outcome]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Invoke the command as `main()` would: GuardError → exit 2 with its message."""
    monkeypatch.chdir(tmp_path)

    def runner(*args: str) -> Outcome:
        # Not standalone: the command's return value is its exit code, as main() sees it.
        result = CliRunner().invoke(explain, list(args), standalone_mode=False)
        error = result.exception
        if isinstance(error, GuardError):
            return Outcome(error.exit_code, result.stdout, error.message)
        if isinstance(error, click.ClickException):
            return Outcome(error.exit_code, result.stdout, None)
        if error is not None:
            raise error
        return Outcome(result.return_value, result.stdout, None)

    return runner


def test_options_and_tags(run: Run) -> None:
    outcome = run(
        "--image",
        "api=registry.example.com/team/api:~1.4",
        "--tags",
        "1.4.1,1.4.9,1.5.0,latest",
        "--running-tag",
        "1.4.1",
    )
    assert (outcome.code, outcome.error) == (0, None)
    assert "selected  1.4.9" in outcome.out
    assert "note      would update 1.4.1 → 1.4.9" in outcome.out
    assert "  rejected  latest  not a semantic version" in outcome.out


def test_json_is_the_spec_contract(run: Run) -> None:
    outcome = run(
        "--image", "nginx", "--constraint", "1.27.x", "--tags", "1.27.1,1.28.0", "--format", "json"
    )
    document = json.loads(outcome.out)
    assert {"selected", "error", "candidates"} <= set(document)
    assert document["selected"] == "1.27.1"
    assert document["error"] is None
    assert [(c["tag"], c["accepted"]) for c in document["candidates"]] == [
        ("1.27.1", True),
        ("1.28.0", False),
    ]
    assert all(set(c) >= {"tag", "accepted", "reason"} for c in document["candidates"])


def test_an_image_updater_error_exits_2_after_printing_the_answer(run: Run) -> None:
    outcome = run("--image", "api=r.io/api:latest", "--tags", "1.0.0", "--format", "json")
    assert outcome.code == 2
    assert outcome.error is not None
    assert outcome.error.startswith(
        "Image Updater would report an error for r.io/api: invalid constraint `latest`"
    )
    assert json.loads(outcome.out)["error"].startswith("invalid constraint `latest`")


def test_nothing_selected_is_still_exit_0(run: Run) -> None:
    outcome = run("--image", "api=r.io/api:~9", "--tags", "1.0.0")
    assert outcome.code == 0
    assert "selected  nothing: no tag qualifies" in outcome.out


@pytest.mark.parametrize(
    ("version", "code"),
    [("0.18", 2), ("1.1.0", 2), ("1.1.1", 0), ("1.3", 0)],
)
def test_non_version_running_tag_by_version(run: Run, version: str, code: int) -> None:
    outcome = run(
        "--image",
        "api=r.io/api",
        "--tags",
        "1.0.0",
        "--running-tag",
        "latest",
        "--updater-version",
        version,
    )
    assert outcome.code == code
    if code:
        assert outcome.error is not None
        assert "Invalid Semantic Version" in outcome.error


def test_empty_constraint_by_version(run: Run) -> None:
    new = run("--image", "r.io/api", "--tags", "1.0.0,1.1.0-rc.1", "--updater-version", "1.3")
    assert "selected  1.0.0" in new.out
    old = run("--image", "r.io/api", "--tags", "1.0.0,1.1.0-rc.1", "--updater-version", "1.2")
    assert "selected  1.1.0-rc.1" in old.out


def test_newest_build_from_a_json_tags_file(run: Run, tmp_path: Path) -> None:
    tags = tmp_path / "tags.json"
    tags.write_text(
        json.dumps(
            [
                {"tag": "main-1a2b3c4", "created": "2024-05-01T10:00:00Z"},
                {"tag": "main-9f8e7d6", "created": 1714600000},
                {"tag": "pr-12", "created": "2024-05-03T10:00:00Z"},
            ]
        )
    )
    outcome = run(
        "--image",
        "r.io/api",
        "--strategy",
        "latest",
        "--allow-tags",
        "regexp:^main-",
        "--tags-file",
        str(tags),
    )
    assert outcome.code == 0
    assert "selected  main-9f8e7d6" in outcome.out
    assert "deprecated name of `newest-build`" in outcome.out


def test_newest_build_without_dates(run: Run) -> None:
    outcome = run(
        "--image", "r.io/api", "--strategy", "newest-build", "--tags", "a,b", "--format", "json"
    )
    document = json.loads(outcome.out)
    assert document["selected"] is None
    assert {c["reason"] for c in document["candidates"]} == {
        "no build date known (newest-build orders tags by build date)"
    }


def test_digest_strategy(run: Run, tmp_path: Path) -> None:
    digest = "sha256:" + "c" * 64
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps([{"tag": "stable", "digest": digest}, "latest"]))
    outcome = run("--image", "r.io/redis:stable", "--strategy", "digest", "--tags-file", str(tags))
    assert f"selected  stable ({digest})" in outcome.out
    missing = run("--image", "r.io/redis", "--strategy", "digest", "--tags", "stable")
    assert missing.code == 2


def test_from_an_application_file(run: Run, tmp_path: Path) -> None:
    app = tmp_path / "argocd" / "api-prod.yaml"
    app.parent.mkdir()
    app.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: api-prod
              annotations:
                {P}image-list: api=registry.example.com/team/api:~1.4, web=ghcr.io/acme/web:2.x
                {P}api.ignore-tags: "*-debug"
            """
        )
    )
    both = run("--app", str(app), "--tags", "1.4.0")
    assert both.code == 2
    assert both.error == "the file configures 2 images; choose one with --alias: api, web"
    outcome = run("--app", str(app), "--alias", "api", "--tags", "1.4.0,1.4.5-debug,1.4.3")
    assert outcome.code == 0
    assert "from      annotations of Application api-prod (argocd/api-prod.yaml)" in outcome.out
    assert "selected  1.4.3" in outcome.out
    assert "ignored by ignore-tags pattern `*-debug`" in outcome.out
    what_if = run(
        "--app", str(app), "--alias", "api", "--constraint", "~1.3", "--tags", "1.3.2,1.4.3"
    )
    assert "selected  1.3.2" in what_if.out
    assert "settings given on the command line replace those of the file" in what_if.out


def test_the_repository_resource_and_the_policy_version(run: Run, tmp_path: Path) -> None:
    (tmp_path / ".gitops-guard.yaml").write_text('version: 1\nimage_updater: {version: "1.3"}\n')
    (tmp_path / "argocd").mkdir()
    app = tmp_path / "argocd" / "web-prod.yaml"
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: web-prod, namespace: argocd}\n"
    )
    (tmp_path / "argocd" / "updater.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: argocd-image-updater.argoproj.io/v1alpha1
            kind: ImageUpdater
            metadata: {name: web, namespace: argocd}
            spec:
              applicationRefs:
                - namePattern: "web-*"
                  images:
                    - alias: web
                      imageName: ghcr.io/acme/web:2.x
            """
        )
    )
    outcome = run("--app", str(app), "--repo", str(tmp_path), "--tags", "2.0.1,2.3.0,3.0.0")
    assert outcome.code == 0, outcome.error
    assert "ImageUpdater/web (argocd/updater.yaml), applicationRefs[0]" in outcome.out
    assert "selected  2.3.0" in outcome.out
    # 0.x does not read the resource: the Application alone configures nothing.
    old = run(
        "--app", str(app), "--repo", str(tmp_path), "--tags", "2.0.1", "--updater-version", "0.18"
    )
    assert old.code == 2
    assert old.error is not None
    assert "no image-list annotation" in old.error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--image", "r.io/a", "--registry", "--tags", "1"),
            "--tags and --registry exclude each other",
        ),
        (("--tags", "1.0"), "explain needs --app FILE or --image IMAGE"),
        (("--image", "r.io/a"), "explain needs the tags to choose from"),
        (
            ("--image", "r.io/a", "--tags", "1", "--tags-file", "x"),
            "--tags and --tags-file exclude each other",
        ),
        (
            ("--image", "r.io/a", "--app", "a.yaml", "--tags", "1"),
            "--app and --image exclude each other",
        ),
        (
            ("--image", "r.io/a", "--alias", "a", "--tags", "1"),
            "--alias chooses an image of --app FILE",
        ),
        (
            ("--image", "r.io/a", "--tags", "1", "--updater-version", "2.0"),
            "--updater-version: Image Updater 2.0 is not a known release line",
        ),
        (
            ("--image", "r.io/a", "--tags-file", "missing.txt"),
            "missing.txt: cannot read the tags file",
        ),
        (("--app", "missing.yaml", "--tags", "1"), "missing.yaml: cannot read the file"),
    ],
)
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    outcome = run(*args)
    assert outcome.code == 2
    assert outcome.error is not None
    assert outcome.error.startswith(message)


def test_bad_tags_json_is_located(run: Run, tmp_path: Path) -> None:
    (tmp_path / "tags.json").write_text('[{"tag": "a"}, {"tag": 3}]')
    outcome = run("--image", "r.io/a", "--tags-file", "tags.json")
    assert outcome.code == 2
    assert outcome.error == 'tags.json: item 1: "tag" must be a non-empty string'


def test_hostile_input_stays_fast(run: Run, tmp_path: Path) -> None:
    tags = tmp_path / "tags.txt"
    tags.write_text("\n".join(["a" * 5000 + "!", *(f"1.{i}.0" for i in range(20_000))]))
    outcome = run(
        "--image",
        "r.io/a",
        "--allow-tags",
        "regexp:^(a+)+$",
        "--tags-file",
        str(tags),
        "--format",
        "json",
    )
    assert outcome.code == 0
    assert json.loads(outcome.out)["selected"] is None


@pytest.fixture
def registered() -> Iterator[None]:
    """The command registered on the real group, as cli.py will do (removed afterwards)."""
    from gitops_guard.cli.main import cli

    added = "explain" not in cli.commands
    if added:
        cli.add_command(explain)
    yield
    if added:
        cli.commands.pop("explain", None)


def test_through_main(
    registered: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gitops_guard.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert (
        main(["explain", "--image", "r.io/a:~1", "--tags", "1.2.0", "--updater-version", "1.3"])
        == 0
    )
    assert "selected  1.2.0" in capsys.readouterr().out
    assert main(["explain", "--image", "r.io/a:latest", "--tags", "1.2.0"]) == 2
    err = capsys.readouterr().err
    assert "gitops-guard: error: Image Updater would report an error for r.io/a" in err
    assert main(["explain", "--image", "r.io/a", "--registry", "--tags", "1"]) == 2
