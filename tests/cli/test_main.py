"""The command line end to end: exit codes, messages, and the images inventory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_guard import __version__
from gitops_guard.cli.main import main
from gitops_guard.demo.sample import API_IMAGE, digest_of
from tests.conftest import RepoFactory

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'redis:7'}]}\n"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"gitops-guard, version {__version__}"


def test_images_json_lists_every_layout_with_app_environment_and_source(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["images", "--repo", str(sample), "--format", "json"], capsys)
    assert code == 0, err
    document = json.loads(out)
    rows = {
        (
            i["path"],
            i["environment"],
            i["source"],
            i["reference"]["repository"],
            i["reference"]["tag"],
        )
        for i in document["images"]
    }
    expected = {
        ("apps/api/overlays/prod/kustomization.yaml", "prod", "kustomize", "team/api", "1.5.0"),
        (
            "apps/api/overlays/staging/kustomization.yaml",
            "staging",
            "kustomize",
            "team/api",
            "1.5.0",
        ),
        ("apps/api/base/deployment.yaml", "dev", "initContainer", "team/api-migrations", "1.0.0"),
        ("apps/web/base/deployment.yaml", "prod", "container", "library/nginx", "1.27.2"),
        ("charts/worker/values-dev.yaml", "dev", "helm", "team/worker", "0.10.0"),
        ("charts/worker/values.yaml", "prod", "helm", "prometheus/statsd-exporter", "v0.27.1"),
        ("argocd/api-dev.yaml", "dev", "annotation", "team/api", None),
        (
            "apps/api/overlays/dev/.argocd-source-api-dev.yaml",
            "dev",
            "write-back",
            "team/api",
            "1.5.0",
        ),
    }
    assert expected <= rows
    nginx = next(i for i in document["images"] if i["reference"]["repository"] == "library/nginx")
    assert nginx["reference"]["registry"] == "docker.io"
    assert nginx["reference"]["raw"] == "nginx:1.27.2"
    assert {i["app"] for i in document["images"]} == {"api", "web", "worker"}
    # CI workflows and compose files are not manifests.
    assert not any(i["path"].startswith((".github/", "docker-compose")) for i in document["images"])
    prod_api = next(
        i
        for i in document["images"]
        if i["environment"] == "prod" and i["reference"]["repository"] == "team/api"
    )
    assert (prod_api["line"], prod_api["column"]) == (8, 13)
    assert prod_api["reference"]["digest"] == digest_of(API_IMAGE, "1.5.0")


def test_images_with_paths_only_reports_those_files(
    sample: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample)
    code, out, _ = run_cli(["images", "--format", "json", "charts/worker/values-prod.yaml"], capsys)
    assert code == 0
    assert {i["path"] for i in json.loads(out)["images"]} == {"charts/worker/values-prod.yaml"}


def test_a_path_outside_the_repository_is_refused_and_the_rest_still_read(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(POD)
    code, out, err = run_cli(
        ["images", "--repo", str(repo), str(repo / "clusters/dev/api/p.yaml"), str(outside)], capsys
    )
    assert code == 2
    assert "outside the repository" in err
    assert "redis:7" in out


def test_broken_manifests_are_listed_on_stderr_with_their_location_and_exit_1(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD, "clusters/dev/api/bad.yaml": "a: [\n"})
    code, out, err = run_cli(["images", "--repo", str(repo)], capsys)
    assert code == 1
    assert "clusters/dev/api/bad.yaml:2:1: GG001 YAML syntax error" in err
    assert "redis:7" in out


def test_a_broken_policy_is_a_one_line_error_naming_the_key(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({".gitops-guard.yaml": "version: 1\nenvironments:\n  prod:\n    sok: 24h\n"})
    code, out, err = run_cli(["images", "--repo", str(repo)], capsys)
    assert code == 2
    assert out == ""
    first, hint = err.splitlines()
    assert first == (
        "gitops-guard: error: .gitops-guard.yaml:4:5: environments.prod.sok: "
        "unknown key 'sok' (did you mean 'soak'?)"
    )
    assert hint.startswith("  hint:")


def test_without_a_policy_the_defaults_are_announced_once(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, _, err = run_cli(["images", "--repo", str(repo)], capsys)
    assert code == 0
    assert err.count("using safe defaults") == 1


def test_output_file_is_written(make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    target = repo / "out" / "images.json"
    code, out, _ = run_cli(
        ["images", "--repo", str(repo), "--format", "json", "-o", str(target)], capsys
    )
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text())["images"][0]["reference"]["tag"] == "7"


def test_an_internal_error_is_one_line_and_exit_3(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"clusters/dev/api/p.yaml": POD})

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("gitops_guard.extract.inventory.extract", explode)
    code, _, err = run_cli(["images", "--repo", str(repo)], capsys)
    assert code == 3
    assert err.strip().splitlines()[-1] == (
        "gitops-guard: internal error: RuntimeError: boom "
        "(re-run with gitops-guard --traceback and report it)"
    )
    code, _, err = run_cli(["--traceback", "images", "--repo", str(repo)], capsys)
    assert code == 3
    assert "Traceback (most recent call last)" in err
    monkeypatch.setenv("GITOPS_GUARD_TRACEBACK", "1")
    code, _, err = run_cli(["images", "--repo", str(repo)], capsys)
    assert (code, "Traceback (most recent call last)" in err) == (3, True)


def test_traceback_is_one_option_of_the_group(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["images", "--traceback"], capsys)
    assert code == 2
    assert "No such option '--traceback'" in err


def test_an_unwritable_output_is_an_error_not_silence(
    make_repo: RepoFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # A refused path used to turn every error after it into a bare exit 2 (a `finally`
    # raising SystemExit swallowed the exception and its message).
    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    code, _, err = run_cli(
        ["validate", "--repo", str(repo), str(repo / "clusters/dev/api/p.yaml"),
         str(repo / "missing.yaml"), "--output", "/proc/nope/x"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "gitops-guard: error:" in err
    assert "/proc/nope/x" in err


def test_commands_return_their_exit_code_in_process(make_repo: RepoFactory) -> None:
    # pre-commit's style: every command returns an int; nothing raises SystemExit.
    from gitops_guard.cli.main import main

    repo = make_repo({"clusters/dev/api/p.yaml": POD})
    assert main(["images", "--repo", str(repo)]) == 0
    assert main(["validate", "--repo", str(repo)]) == 0
    assert main(["rules", "GG102"]) == 0


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["images", "--format", "xml"], capsys)
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_schema_prints_the_policy_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["schema"], capsys)
    assert code == 0
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_init_writes_a_valid_policy_inferred_from_the_repository(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(sample), str(repo)], check=True)
    (repo / ".gitops-guard.yaml").unlink()
    code, out, _ = run_cli(["init", "--repo", str(repo)], capsys)
    assert code == 0
    assert "3 environments (dev, staging, prod)" in out
    text = (repo / ".gitops-guard.yaml").read_text()
    assert "- 'apps/{app}/overlays/{env}/**'" in text
    assert "- 'ghcr.io/acme/*'" in text
    code, _, err = run_cli(["init", "--repo", str(repo)], capsys)
    assert code == 2
    assert "already exists; not overwritten" in err
    code, out, _ = run_cli(["images", "--repo", str(repo), "--format", "json"], capsys)
    assert code == 0
    assert any(i["environment"] == "prod" for i in json.loads(out)["images"])


def test_demo_builds_the_sample_and_prints_the_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    code, out, _ = run_cli(
        ["demo", "--dir", str(tmp_path / "demo"), "--reports", str(reports)], capsys
    )
    assert code == 0
    assert (reports / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert "# Promotion audit" in (reports / "report.md").read_text()
    assert f"wrote {(reports / 'report.html').resolve()}" in out
    assert "$ gitops-guard images" in out
    assert "$ gitops-guard validate" in out
    assert "[GG104 registry-not-allowed] quay.io/prometheus/statsd-exporter" in out
    assert "$ gitops-guard explain" in out
    import shutil

    if shutil.which("docker-registry"):
        assert "[GG503 signature-invalid]" in out
        assert "[GG501 tag-missing]" in out
        # plan against that registry: unsigned and too young candidates wait.
        supply = out.split("# a staging → prod history in that registry", 1)[1]
        assert "1 ready, 2 blocked, 0 up to date" in supply
        assert "GG503 signature-invalid: " in supply
        assert "GG507 image-too-young: " in supply
        assert "was built 2h ago (2026-02-14T07:00:00Z)" in supply
    else:
        assert "supply-chain gates: skipped" in out
    assert "selected  1.5.0" in out
    assert "apps/api/overlays/prod/kustomization.yaml:8:13" in out
    # plan, on the waiting week, at the pinned Saturday morning: each reason a promotion
    # waits (soak left in hours, frozen until Monday 08:00, a downgrade that needs a
    # rollback, not in staging yet), and what is ready.
    assert "$ gitops-guard plan --now 2026-02-14T09:00:00+00:00" in out
    plan = out.split("$ gitops-guard plan", 1)[1].split("$ gitops-guard report", 1)[0]
    assert "2 ready, 3 blocked, 7 up to date" in plan
    assert "reaches prod after 14h in staging; prod requires 1d" in plan
    assert "frozen (no weekend deploys) until Mon 2026-02-16T08:00+01:00 (Europe/Berlin)" in plan
    assert "a downgrade lands only as a rollback" in plan
    assert "next: dev runs 1.5.1@sha256:766e27e6…, not yet in staging" in plan
    assert "image age and signatures: not checked offline" in plan
    html = (reports / "report.html").read_text()
    assert '<section id="waiting">' in html
    assert "Waiting to be promoted" in html
    log = subprocess.run(
        ["git", "log", "--format=%an|%s"],
        cwd=tmp_path / "demo",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "argocd-image-updater|build: automatic update of api-dev" in log
    # promote: a ready promotion becomes a commit the gate passes; a blocked one is refused.
    promoted = out.split("$ gitops-guard promote worker --to staging", 1)[1]
    assert "Promote worker 0.10.0 -> 0.11.0 in staging" in promoted
    assert "Promoted-From: dev@" in promoted
    assert promoted.split("$ gitops-guard check --base HEAD~1", 1)[1].split("$", 1)[0].strip()
    assert "no problems in 1 file" in promoted
    assert "refused: web cannot be promoted to prod now (GG304, GG309)" in promoted
    assert log.startswith("Dana Developer|Promote worker 0.10.0 -> 0.11.0 in staging\n")


def test_the_console_script_runs_end_to_end(sample: Path) -> None:
    script = Path(sys.executable).parent / "gitops-guard"
    result = subprocess.run(
        [str(script), "images", "--format", "json"], cwd=sample, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["images"]


def test_start_up_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, gitops_guard.cli.main; "
        "print(','.join(m for m in ('jsonschema', 'git', 'ruamel', 'semver', 'jinja2', 'markupsafe') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    )
    assert result.stdout.strip() == ""


def test_written_files_get_the_usual_mode(tmp_path: Path) -> None:
    import stat

    from gitops_guard.repo.atomic import write_atomically

    target = tmp_path / "out" / "report.md"
    write_atomically(target, "x")
    assert stat.S_IMODE(target.stat().st_mode) & 0o044 == 0o044  # readable by others (umask 022)
    target.chmod(0o600)
    write_atomically(target, ["a", "b"])
    assert (stat.S_IMODE(target.stat().st_mode), target.read_text()) == (0o600, "ab")


def test_an_output_that_is_not_a_regular_file_is_written_in_place(tmp_path: Path) -> None:
    # `-o /dev/null` as root used to rename a temporary file over the device.
    import os
    import stat
    import threading

    from gitops_guard.repo.atomic import write_atomically

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomically(fifo, ["a", "b"])
    reader.join(timeout=10)
    assert received == ["ab"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left
