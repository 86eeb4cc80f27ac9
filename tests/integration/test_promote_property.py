"""The property of `promote`: whatever it writes passes `check`; what it refuses, `check`
fails with the same rules.

Hypothesis generates small histories of one app on dev → staging → prod (the version set
by Kustomize overlays, Helm values files or Argo CD Applications' `kustomize.images`;
people and a bot, versions going up and down, dates hours apart, a soak for prod) and a
moment after them. For every environment with a `from:`, `promote` is run on
a branch: a commit it writes must pass `check --base main --head <branch> --now <moment>`;
a refusal, committed anyway with `--override`, must fail `check` with exactly the rules the
refusal named; a refusal for a downgrade alone, retried as `--rollback`, must pass when
promote writes it.
"""

from __future__ import annotations

import datetime
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gitops_guard.cli.main import main
from tests.audit.plan_repo import PlanRepo, overlay, overlay_path
from tests.conftest import git
from tests.integration.promotion_repo import BOT, HUMAN, Signer

START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
VERSIONS = ["0.9.0", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]
ENVIRONMENTS = ["dev", "staging", "prod"]


KINDS = ["kustomize", "helm", "application"]
REPOSITORY = "https://git.example.com/acme/gitops.git"
LAYOUTS = {
    "kustomize": 'layout: ["apps/{app}/overlays/{env}/**"]\n',
    "helm": 'layout: ["charts/{app}/values-{env}.yaml"]\n',
    "application": f'repositories: ["{REPOSITORY}"]\n',
}


# The commits promote writes need a Git identity (CI machines have none configured).
pytestmark = pytest.mark.usefixtures("git_identity")


def policy(soak: int, kind: str) -> str:
    def place(env: str) -> str:
        return f"    destinations: [{{name: {env}}}]\n" if kind == "application" else ""

    return (
        "version: 1\n"
        + LAYOUTS[kind]
        + "environments:\n"
        + "  dev:\n    automated: [patch, minor, major]\n"
        + place("dev")
        + "  staging:\n    from: dev\n    automated: [patch]\n"
        + place("staging")
        + f"  prod:\n    from: staging\n    soak: {soak}h\n    automated: []\n"
        + place("prod")
        + 'bots: ["argocd-image-updater*"]\n'
    )


def setting(kind: str, env: str, version: str) -> dict[str, str]:
    """The file that sets the version of api in ``env``, for each source kind."""
    if kind == "kustomize":
        return {overlay_path("api", env): overlay("api", version)}
    if kind == "helm":
        return {
            f"charts/api/values-{env}.yaml": (
                f"image:\n  repository: registry.example.com/team/api\n  tag: {version}   # {env}\n"
            )
        }
    return {
        f"argocd/api-{env}.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
            f"metadata:\n  name: api-{env}\nspec:\n  project: default\n"
            f"  destination: {{name: {env}, namespace: api}}\n  source:\n"
            f"    repoURL: {REPOSITORY}\n    path: apps/api/base\n    kustomize:\n"
            f"      images:\n        - registry.example.com/team/api:{version}\n"
        )
    }


CHART = {
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    "charts/api/values.yaml": "image:\n  repository: registry.example.com/team/api\n  tag: 1.0.0\n",
}


BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team/api:1.0.0
"""

change = st.tuples(
    st.sampled_from(ENVIRONMENTS),
    st.sampled_from(VERSIONS),
    st.integers(min_value=1, max_value=30),  # hours after the previous commit
    st.booleans(),  # made by the bot (dev only)
)


def build(path: Path, kind: str, soak: int, changes: list[tuple[str, str, int, bool]]) -> tuple[PlanRepo, datetime.datetime]:  # fmt: skip
    path.mkdir(parents=True)
    repo = PlanRepo(path, Signer(path / "unused", path / "unused"))
    repo.git("init", "-q", "-b", "main")
    files = {
        ".gitops-guard.yaml": policy(soak, kind),
        "apps/api/base/deployment.yaml": BASE,
        "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        **(CHART if kind == "helm" else {}),
    }
    for env in ENVIRONMENTS:
        files.update(setting(kind, env, "1.0.0"))
    when = START
    repo.commit(when.isoformat(), "Initial layout", files, author=HUMAN)
    running = dict.fromkeys(ENVIRONMENTS, "1.0.0")
    for env, version, hours, bot in changes:
        when += datetime.timedelta(hours=hours)
        if running[env] == version:
            continue
        author = BOT if bot and env == "dev" else HUMAN
        message = (
            f"build: automatic update of api-{env}\n\n"
            f"updates image team/api tag '{running[env]}' to '{version}'\n"
            if author == BOT
            else f"Set api {version} in {env}"
        )
        repo.commit(when.isoformat(), message, setting(kind, env, version), author=author)
        running[env] = version
    return repo, when


def run(args: list[str]) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def check_rules(repo: PlanRepo, branch: str, now: str) -> tuple[int, list[str]]:
    code, out, _err = run(
        ["check", "--repo", str(repo.path), "--base", "main", "--head", branch, "--now", now,
         "--format", "json"]
    )  # fmt: skip
    document = json.loads(out)
    return code, sorted({f["rule"] for f in document["findings"] if f["severity"] == "error"})


@pytest.mark.slow
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(KINDS),
    soak=st.sampled_from([0, 12, 24]),
    changes=st.lists(change, min_size=1, max_size=7),
    later=st.integers(min_value=0, max_value=40),
)
def test_what_promote_writes_passes_check(
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    soak: int,
    changes: list[tuple[str, str, int, bool]],
    later: int,
) -> None:
    with tempfile.TemporaryDirectory(prefix="promote-property-") as temp:
        repo, last = build(Path(temp) / "repo", kind, soak, changes)
        event(f"kind: {kind}")
        now = (last + datetime.timedelta(hours=later)).isoformat()
        monkeypatch.setenv("GIT_AUTHOR_DATE", now)
        monkeypatch.setenv("GIT_COMMITTER_DATE", now)
        base = ["promote", "api", "--repo", str(repo.path), "--now", now]
        for env in ("staging", "prod"):
            where = f"{env} at {now} after {changes}"
            code, _out, err = run([*base, "--to", env, "--branch", f"p-{env}"])
            assert code in (0, 1, 2), err
            event(f"{env}: exit {code}")
            if code == 0:
                assert check_rules(repo, f"p-{env}", now) == (0, []), where
                continue
            if code == 2:
                assert "nothing to promote" in err, err
                continue
            refused = sorted(set(re.findall(r": error \[(GG\d{3}) ", err)))
            assert refused, err
            event(f"{env}: refused {' '.join(refused)}")
            code, _out, err = run(
                [*base, "--to", env, "--branch", f"o-{env}", "--override", "property test"]
            )
            assert code == 0, err
            assert check_rules(repo, f"o-{env}", now) == (1, refused), where
            if refused == ["GG302"]:
                code, _out, err = run(
                    [*base, "--to", env, "--branch", f"r-{env}", "--rollback", "INC-1"]
                )
                assert code in (0, 1, 2), err
                event(f"{env}: rollback exit {code}")
                if code == 0:
                    assert check_rules(repo, f"r-{env}", now) == (0, []), where
        assert git(repo.path, "status", "--porcelain") == ""
