"""A small, realistic sample GitOps repository with a promotion history, built with ``git``.

Used by ``gitops-guard demo`` and by tests. Three apps over dev → staging → prod:
``api`` (Kustomize overlays, promoted by Argo CD Image Updater in dev and by people
after), ``web`` (Kustomize, with an nginx sidecar) and ``worker`` (a Helm chart with
per-environment values files), Argo CD Applications carrying Image Updater
annotations, a write-back file, and files that are not manifests (a CI workflow,
a compose file). Every commit has pinned author and committer dates.
"""

from __future__ import annotations

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
DIGEST = "sha256:" + "4f" * 32

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
        ".gitops-guard.yaml": POLICY,
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
        digest = DIGEST if env == "prod" else None
        files[f"apps/api/overlays/{env}/kustomization.yaml"] = _overlay(
            env, API_IMAGE, state.api[env], digest
        )
        files[f"apps/web/overlays/{env}/kustomization.yaml"] = _overlay(
            env, WEB_IMAGE, state.web[env], digest
        )
        tag = state.worker[env]
        worker_values = f'image:\n  tag: "{tag}"\n'
        if env == "prod":
            worker_values = f'image:\n  tag: "{tag}"\n  digest: {DIGEST}\n'
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
        files["apps/api/overlays/dev/.argocd-source-api-dev.yaml"] = (
            f"kustomize:\n  images:\n    - {API_IMAGE}:{state.api_dev_write_back}\n"
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


def _git(directory: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
    run_git(directory, *args, env=env)


def build_sample_repository(directory: Path) -> Path:
    """Create the sample repository with its history in ``directory`` (must be empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise GuardError(f"{directory} is not empty", hint="choose an empty or new folder")
    _git(directory, "init", "-q", "-b", "main")
    _git(directory, "config", "commit.gpgsign", "false")
    state = SampleState()
    written: dict[str, str] = {}
    for step in history():
        for app, environments in step.changes.items():
            getattr(state, app).update(environments)
        if step.write_back:
            state.api_dev_write_back = step.write_back
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
    return directory
