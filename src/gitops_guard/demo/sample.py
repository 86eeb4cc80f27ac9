"""A small, realistic sample GitOps repository with a promotion history, built with ``git``.

Used by ``gitops-guard demo`` and by tests. Three apps over dev → staging → prod:
``api`` (Kustomize overlays, promoted by Argo CD Image Updater in dev and by people
after), ``web`` (Kustomize, with an nginx sidecar) and ``worker`` (a Helm chart with
per-environment values files), Argo CD Applications carrying Image Updater
annotations, a write-back file, and files that are not manifests (a CI workflow,
a compose file). Every commit has pinned author and committer dates.

:func:`waiting_history` is the week after (the demo adds it before it runs ``plan``):
staging rolls api back and starts pinning digests, prod gets a weekend freeze, new
versions reach dev and staging, so that at :data:`PLAN_NOW` each kind of waiting
promotion is in the plan. It is kept apart from :func:`history`, which tests count on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitops_guard.errors import GuardError
from gitops_guard.repo.git import run_git

HUMANS = {
    "alice": ("Alice Martin", "alice@example.com"),
    "bob": ("Bob Okafor", "bob@example.com"),
}
BOT = ("argocd-image-updater", "noreply@argoproj.io")
ENVIRONMENTS = ("dev", "staging", "prod")
API_IMAGE = "registry.example.com/team/api"
WEB_IMAGE = "ghcr.io/acme/web"
WORKER_IMAGE = "registry.example.com/team/worker"


def digest_of(image: str, version: str) -> str:
    """The sample's stand-in for the digest a registry gives ``image:version``: one per
    version (a digest is what a cluster runs, so two versions never share one)."""
    return "sha256:" + hashlib.sha256(f"{image}:{version}".encode()).hexdigest()


POLICY = """\
# gitops-guard policy for the sample repository
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - charts/{app}/values-{env}.yaml
  - argocd/{app}-{env}.yaml
environments:
  dev:
    automated: [patch, minor, major, digest]
  staging:
    from: dev
    automated: [patch]
  prod:
    from: staging
    soak: 24h
    automated: []
    require_digest: true
    allow_prerelease: false
bots: ["argocd-image-updater*", "*[bot]"]
rollback_trailer: Rollback
images:
  registries: ["registry.example.com/*", "ghcr.io/acme/*", "docker.io/library/nginx"]
  forbidden_tags: [latest, main, master, stable, edge]
  tag_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$'
annotations:
  require_git_write_back: [staging, prod]
  forbidden_strategies:
    prod: [newest-build, latest, alphabetical, name]
"""


# The weekend freeze the waiting week adds to prod: Saturday and Sunday, and Monday until
# 08:00, Berlin time (windows that follow on are one freeze, ending Monday 08:00).
FREEZE = """\
    freeze:
      - reason: no weekend deploys
        days: [sat, sun]
        timezone: Europe/Berlin
      - reason: no weekend deploys
        days: [mon]
        end: "08:00"
        timezone: Europe/Berlin
"""
POLICY_WITH_FREEZE = POLICY.replace(
    "    allow_prerelease: false\n", "    allow_prerelease: false\n" + FREEZE, 1
)
# The moment the demo plans at: the Saturday morning after the waiting week (Berlin 10:00).
PLAN_NOW = "2026-02-14T09:00:00+00:00"


@dataclass
class SampleState:
    """Versions per app and environment; files are rendered from it at every commit."""

    api: dict[str, str] = field(
        default_factory=lambda: {"dev": "1.4.0", "staging": "1.4.0", "prod": "1.4.0"}
    )
    web: dict[str, str] = field(
        default_factory=lambda: {"dev": "2.3.0", "staging": "2.3.0", "prod": "2.3.0"}
    )
    worker: dict[str, str] = field(
        default_factory=lambda: {"dev": "0.9.1", "staging": "0.9.1", "prod": "0.9.1"}
    )
    api_dev_write_back: str | None = None
    # The (app, environment) pairs that pin digests: prod's, and in the waiting week dev's
    # and staging's.
    pinned: frozenset[tuple[str, str]] = frozenset(
        (app, "prod") for app in ("api", "web", "worker")
    )
    policy: str = POLICY


def _api_base() -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {{app: api}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      initContainers:
        - name: migrate
          image: {API_IMAGE}-migrations:1.0.0
          args: ["migrate", "up"]
      containers:
        - name: api
          image: {API_IMAGE}:1.0.0
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {{app: api}}
  ports:
    - port: 80
      targetPort: 8080
"""


def _web_base() -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: {WEB_IMAGE}:2.0.0
        - name: proxy
          image: nginx:1.27.2
"""


def _base_kustomization() -> str:
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - deployment.yaml\n"
    )


def _overlay(env: str, name: str, version: str, digest: str | None) -> str:
    lines = [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        f"namespace: {env}",
        "resources:",
        "  - ../../base",
        "images:",
        f"  - name: {name}",
        f'    newTag: "{version}"',
    ]
    if digest:
        lines.append(f"    digest: {digest}")
    return "\n".join(lines) + "\n"


def _application(app: str, env: str, path: str, annotations: Mapping[str, str]) -> str:
    lines = [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Application",
        "metadata:",
        f"  name: {app}-{env}",
        "  namespace: argocd",
    ]
    if annotations:
        lines.append("  annotations:")
        lines.extend(f"    {key}: {value}" for key, value in annotations.items())
    lines += [
        "spec:",
        "  project: default",
        "  source:",
        "    repoURL: https://git.example.com/acme/gitops.git",
        "    targetRevision: main",
        f"    path: {path}",
        "  destination:",
        "    server: https://kubernetes.default.svc",
        f"    namespace: {env}",
    ]
    return "\n".join(lines) + "\n"


def render(state: SampleState) -> dict[str, str]:
    """Every file of the sample repository for one state."""
    prefix = "argocd-image-updater.argoproj.io/"
    files: dict[str, str] = {
        ".gitops-guard.yaml": state.policy,
        "apps/api/base/deployment.yaml": _api_base(),
        "apps/api/base/kustomization.yaml": _base_kustomization(),
        "apps/web/base/deployment.yaml": _web_base(),
        "apps/web/base/kustomization.yaml": _base_kustomization(),
        ".github/workflows/ci.yaml": (
            "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
            "    container: {image: 'python:3.12'}\n    steps:\n      - uses: actions/checkout@v4\n"
        ),
        "docker-compose.yaml": "services:\n  db:\n    image: postgres:16\n",
        "charts/worker/Chart.yaml": (
            "apiVersion: v2\nname: worker\nversion: 0.3.0\nappVersion: 0.9.0\n"
        ),
        "charts/worker/values.yaml": (
            "replicaCount: 1\nimage:\n"
            f"  repository: {WORKER_IMAGE}\n  pullPolicy: IfNotPresent\n"
            "metrics:\n  exporter:\n    image:\n"
            "      registry: quay.io\n      repository: prometheus/statsd-exporter\n"
            '      tag: "v0.27.1"\n'
        ),
    }
    for env in ENVIRONMENTS:
        api, web, tag = state.api[env], state.web[env], state.worker[env]
        files[f"apps/api/overlays/{env}/kustomization.yaml"] = _overlay(
            env, API_IMAGE, api, digest_of(API_IMAGE, api) if ("api", env) in state.pinned else None
        )
        files[f"apps/web/overlays/{env}/kustomization.yaml"] = _overlay(
            env, WEB_IMAGE, web, digest_of(WEB_IMAGE, web) if ("web", env) in state.pinned else None
        )
        worker_values = f'image:\n  tag: "{tag}"\n'
        if ("worker", env) in state.pinned:
            worker_values += f"  digest: {digest_of(WORKER_IMAGE, tag)}\n"
        files[f"charts/worker/values-{env}.yaml"] = worker_values
        api_annotations: dict[str, str] = {}
        if env == "dev":
            api_annotations = {
                prefix + "image-list": f"api={API_IMAGE}:~1.x",
                prefix + "api.update-strategy": "semver",
                prefix + "write-back-method": "git",
            }
        files[f"argocd/api-{env}.yaml"] = _application(
            "api", env, f"apps/api/overlays/{env}", api_annotations
        )
        files[f"argocd/web-{env}.yaml"] = _application("web", env, f"apps/web/overlays/{env}", {})
    if state.api_dev_write_back:
        version = state.api_dev_write_back
        # Image Updater writes the digest beside the tag once dev pins digests.
        pin = f"@{digest_of(API_IMAGE, version)}" if ("api", "dev") in state.pinned else ""
        files["apps/api/overlays/dev/.argocd-source-api-dev.yaml"] = (
            f"kustomize:\n  images:\n    - {API_IMAGE}:{version}{pin}\n"
        )
    return files


@dataclass(frozen=True)
class Step:
    """One commit of the sample history."""

    date: str
    author: str
    message: str
    changes: Mapping[str, Mapping[str, str]]  # app -> env -> version
    write_back: str | None = None
    pin: frozenset[tuple[str, str]] = frozenset()  # (app, env) pinning digests from here on
    policy: str | None = None  # the policy file from this commit on


def history() -> list[Step]:
    """The promotion history: bot bumps in dev, human promotions, a rollback."""
    return [
        Step("2026-01-05T09:00:00+00:00", "alice", "Initial GitOps layout", {}),
        Step(
            "2026-01-12T10:00:00+00:00",
            "bot",
            "build: automatic update of api-dev\n\nupdates image team/api tag '1.4.0' to '1.4.1'\n",
            {"api": {"dev": "1.4.1"}},
            write_back="1.4.1",
        ),
        Step(
            "2026-01-13T15:30:00+00:00",
            "alice",
            "Promote api 1.4.1 to staging",
            {"api": {"staging": "1.4.1"}},
        ),
        Step(
            "2026-01-15T11:00:00+00:00",
            "bob",
            "Promote api 1.4.1 to prod (#12)",
            {"api": {"prod": "1.4.1"}},
        ),
        Step(
            "2026-01-20T08:45:00+00:00",
            "alice",
            "web: roll out 2.4.0 to dev and staging",
            {"web": {"dev": "2.4.0", "staging": "2.4.0"}},
        ),
        Step(
            "2026-01-22T16:10:00+00:00",
            "bot",
            "build: automatic update of api-dev\n\nupdates image team/api tag '1.4.1' to '1.5.0'\n",
            {"api": {"dev": "1.5.0"}},
            write_back="1.5.0",
        ),
        Step(
            "2026-01-26T09:20:00+00:00",
            "bob",
            "worker 0.10.0 to dev and staging",
            {"worker": {"dev": "0.10.0", "staging": "0.10.0"}},
        ),
        Step(
            "2026-02-02T14:00:00+00:00",
            "alice",
            "Promote web 2.4.0 to prod (#15)",
            {"web": {"prod": "2.4.0"}},
        ),
        Step(
            "2026-02-03T09:05:00+00:00",
            "bob",
            "Roll back web in prod to 2.3.0\n\nRollback: INC-42\n",
            {"web": {"prod": "2.3.0"}},
        ),
        Step(
            "2026-02-09T10:30:00+00:00",
            "alice",
            "Promote api 1.5.0 to staging",
            {"api": {"staging": "1.5.0"}},
        ),
        # Too early: prod wants 24h of soak in staging (the demo's check shows GG304).
        Step(
            "2026-02-09T14:00:00+00:00",
            "bob",
            "Promote api 1.5.0 to prod",
            {"api": {"prod": "1.5.0"}},
        ),
    ]


def waiting_history() -> list[Step]:
    """The week after :func:`history`: what the plan at :data:`PLAN_NOW` waits for.

    api: 1.5.0 went to prod too early and staging rolls it back, so prod's candidate is a
    downgrade (a rollback is needed) while the fix 1.5.1 is only in dev (not in staging
    yet). worker: 0.10.0 has soaked in staging for weeks (only the freeze holds it),
    0.11.0 is in dev. web: 2.5.0 reached staging on Friday evening (soak left in hours).
    """
    return [
        Step(
            "2026-02-10T08:00:00+00:00",
            "bob",
            "Roll back api in staging to 1.4.1: 1.5.0 leaks memory under load\n\n"
            "Rollback: INC-57\n",
            {"api": {"staging": "1.4.1"}},
        ),
        # Digests are pinned where images are first deployed, then in staging, so what
        # staging pins has run in dev (GG303 compares digests once they are pinned); api
        # stays unpinned in staging until its next release (dev never ran 1.4.1 pinned).
        Step(
            "2026-02-10T08:30:00+00:00",
            "alice",
            "Pin image digests in dev, as in prod",
            {},
            pin=frozenset((app, "dev") for app in ("api", "web", "worker")),
        ),
        Step(
            "2026-02-10T09:00:00+00:00",
            "alice",
            "Pin web and worker digests in staging (api with its next release)",
            {},
            pin=frozenset({("web", "staging"), ("worker", "staging")}),
        ),
        Step(
            "2026-02-10T11:30:00+00:00",
            "alice",
            "Policy: no prod deploys over the weekend (until Monday 08:00)",
            {},
            policy=POLICY_WITH_FREEZE,
        ),
        Step(
            "2026-02-12T10:00:00+00:00",
            "bot",
            "build: automatic update of api-dev\n\nupdates image team/api tag '1.5.0' to '1.5.1'\n",
            {"api": {"dev": "1.5.1"}},
            write_back="1.5.1",
        ),
        Step(
            "2026-02-13T11:00:00+00:00",
            "bob",
            "worker 0.11.0 to dev",
            {"worker": {"dev": "0.11.0"}},
        ),
        Step(
            "2026-02-13T09:30:00+00:00",
            "alice",
            "web 2.5.0 to dev",
            {"web": {"dev": "2.5.0"}},
        ),
        Step(
            "2026-02-13T19:00:00+00:00",
            "alice",
            "Promote web 2.5.0 to staging",
            {"web": {"staging": "2.5.0"}},
        ),
    ]


def _git(directory: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
    run_git(directory, *args, env=env)


def build_sample_repository(directory: Path, waiting: bool = False) -> Path:
    """Create the sample repository with its history in ``directory`` (must be empty);
    ``waiting``: with the week of :func:`waiting_history` after it."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise GuardError(f"{directory} is not empty", hint="choose an empty or new folder")
    _git(directory, "init", "-q", "-b", "main")
    _git(directory, "config", "commit.gpgsign", "false")
    steps = history() + (waiting_history() if waiting else [])
    _commit_steps(directory, SampleState(), {}, steps)
    return directory


def add_waiting_history(directory: Path) -> None:
    """Commit the week of :func:`waiting_history` on top of a sample repository."""
    state = SampleState()
    for step in history():
        _apply(state, step)
    _commit_steps(directory, state, render(state), waiting_history())


def _apply(state: SampleState, step: Step) -> None:
    for app, environments in step.changes.items():
        getattr(state, app).update(environments)
    if step.write_back:
        state.api_dev_write_back = step.write_back
    state.pinned |= step.pin
    if step.policy is not None:
        state.policy = step.policy


def _commit_steps(
    directory: Path, state: SampleState, written: dict[str, str], steps: list[Step]
) -> None:
    """One commit per step, each writing only the files its state changes."""
    for step in steps:
        _apply(state, step)
        files = render(state)
        for path, text in files.items():
            if written.get(path) != text:
                target = directory / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        written = files
        name, email = BOT if step.author == "bot" else HUMANS[step.author]
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": step.date,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": step.date,
        }
        _git(directory, "add", "-A")
        _git(directory, "commit", "-q", "--no-verify", "-m", step.message, env=env)
