#!/usr/bin/env python3
"""Generate a realistic GitOps repository for the benchmarks.

The repository mixes every layout gitops-guard reads, across many apps and the
environments dev, staging and prod:

* Kustomize: ``apps/<app>/base/*`` and ``apps/<app>/overlays/<env>/kustomization.yaml``
  with ``images:`` overrides (``newTag``, sometimes ``newName``, a ``digest`` in prod)
  and sometimes a strategic-merge patch file;
* plain manifests: ``clusters/<env>/<app>/*.yaml`` (Deployments, StatefulSets,
  DaemonSets, Jobs, CronJobs, Argo Rollouts, Pods, multi-document files);
* Helm charts: ``charts/<app>/`` with ``Chart.yaml``, ``values.yaml``,
  ``values-<env>.yaml`` and Go-template ``templates/`` that are not YAML;
* Argo CD Applications ``argocd/<app>-<env>.yaml`` (Image Updater annotations,
  ``helm.parameters``, ``kustomize.images``) and Image Updater write-back files;
* noise that holds no deployed image (CI workflows, a compose file, ConfigMaps).

Everything is decided by one seeded ``random.Random``, so a seed always gives the
same repository (same bytes, same commit ids). With ``commits=True`` the files are
committed in four commits with pinned dates that tell a promotion story: the
initial import, Image Updater bumping dev, a promotion to staging, a promotion to
prod. ``Stats.expected`` lists the image uses an inventory should report.

    python bench/generate.py --files 10000 --out /tmp/repo-10k
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
ENVIRONMENTS = ("dev", "staging", "prod")

POLICY = """\
# gitops-guard policy of the generated benchmark repository
version: 1
layout:
  - apps/{app}/overlays/{env}/**
  - clusters/{env}/{app}/**
  - charts/{app}/values-{env}.yaml
  - argocd/{app}-{env}.yaml
environments:
  dev: {automated: [patch, minor, major, digest]}
  staging: {from: dev, automated: [patch]}
  prod: {from: staging, soak: 24h, automated: [], require_digest: true}
images:
  registries: ["registry.example.com/*", "ghcr.io/acme/*", "docker.io/library/*", "quay.io/*"]
  forbidden_tags: [latest]
"""

DOMAINS = (
    "payments", "orders", "checkout", "catalog", "search", "auth", "billing", "inventory",
    "shipping", "notifications", "accounts", "pricing", "reviews", "recommendations", "ledger",
    "invoices", "identity", "profile", "cart", "fulfillment", "returns", "loyalty", "promotions",
    "analytics", "reporting", "audit", "media", "uploads", "messaging", "chat", "scheduler",
    "geo", "tax", "fraud", "risk", "kyc", "onboarding", "support", "tickets", "feeds",
    "webhooks", "gateway", "edge", "settings", "flags", "metrics", "events", "ingest", "export",
    "sync",
)  # fmt: skip
ROLES = (
    "api", "worker", "web", "consumer", "service", "sync", "backend", "frontend", "processor",
    "indexer", "exporter", "scheduler", "gateway", "admin", "cron", "bff", "adapter", "engine",
    "store", "relay",
)  # fmt: skip
TEAMS = ("team", "payments", "platform", "data", "growth", "core")

# (container name, image repository, tag); short Docker Hub names are official images.
SIDECARS = (
    ("nginx", "nginx", "1.25.3"),
    ("proxy", "docker.io/library/nginx", "1.25.4"),
    ("cache", "redis", "7.2.4"),
    ("statsd-exporter", "quay.io/prometheus/statsd-exporter", "v0.26.0"),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy", "v7.6.0"),
    ("log-shipper", "registry.example.com/platform/log-shipper", "3.1.0"),
    ("envoy", "docker.io/envoyproxy/envoy", "v1.29.1"),
)
INIT_IMAGES = (
    ("wait-for-db", "busybox", "1.36.1"),
    ("wait-for-cache", "docker.io/library/busybox", "1.36"),
    ("fetch-config", "ghcr.io/acme/config-fetcher", "0.8.2"),
)
DATABASES = (("postgres", "docker.io/library/postgres", "16.2"), ("redis", "redis", "7.2.4"))

UPDATER = "argocd-image-updater.argoproj.io"
REPO_URL = "https://git.example.com/platform/gitops.git"

# Which version each environment shows in each commit (see App.versions).
STATES: tuple[dict[str, str], ...] = (
    {"dev": "staging", "staging": "prod", "prod": "old"},
    {"dev": "dev", "staging": "prod", "prod": "old"},
    {"dev": "dev", "staging": "staging", "prod": "old"},
    {"dev": "dev", "staging": "staging", "prod": "prod"},
)
COMMITS = (
    ("Platform Team", "platform@example.com", "Import the GitOps repository"),
    ("argocd-image-updater", "noreply@argoproj.io", "build: automatic update of dev images"),
    ("Alice Martin", "alice@example.com", "Promote dev to staging"),
    ("Bob Okafor", "bob@example.com", "Promote staging to prod"),
)
FIRST_COMMIT_DATE = 1_709_542_800  # 2024-03-04T09:00:00Z; one commit a day after it


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpectedUse:
    """An image use an inventory of the repository should report.

    ``needle`` is text the reported line must contain (the tag, digest or image).
    """

    path: str
    app: str | None
    environment: str | None
    source: str
    raw: str
    needle: str


@dataclass
class Stats:
    """What was generated. ``yaml_files`` counts every ``*.yaml`` file written."""

    yaml_files: int = 0
    other_files: int = 0
    image_refs: int = 0
    expected_uses: int = 0
    apps: int = 0
    apps_by_layout: dict[str, int] = field(default_factory=dict)
    files_by_area: dict[str, int] = field(default_factory=dict)
    commits: int = 0
    seed: int = 0
    seconds: float = 0.0
    sample_files: dict[str, str] = field(default_factory=dict)
    generator_version: int = GENERATOR_VERSION
    expected: list[ExpectedUse] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Everything but the expected uses (which the generator recomputes cheaply)."""
        data = asdict(self)
        del data["expected"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stats:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.pop("expected", None)
        return cls(**known)


# --- the model -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    prefix: str = ""

    def __str__(self) -> str:
        return f"{self.prefix}{self.major}.{self.minor}.{self.patch}"

    def bump(self, rng: random.Random, weights: tuple[float, float, float, float]) -> Version:
        """Same, patch, minor or major bump, with the given weights."""
        step = rng.choices(("same", "patch", "minor", "major"), weights)[0]
        if step == "patch":
            return Version(self.major, self.minor, self.patch + 1, self.prefix)
        if step == "minor":
            return Version(self.major, self.minor + 1, 0, self.prefix)
        if step == "major":
            return Version(self.major + 1, 0, 0, self.prefix)
        return self


@dataclass(frozen=True, slots=True)
class Image:
    """A container image: repository, tag, optional digest."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@dataclass(slots=True)
class Container:
    name: str
    image: Image
    init: bool = False
    main: bool = False


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass
class App:
    """One application and every random choice about it (made once, used by every commit)."""

    name: str
    team: str
    layout: str  # kustomize | plain | helm
    repository: str
    versions: dict[str, Version]  # old, prod, staging, dev
    kind: str = "Deployment"
    sidecar: tuple[str, str, str] | None = None
    sidecar_digest: bool = False
    init: tuple[str, str, str] | None = None
    migrate: bool = False
    worker: bool = False
    cronjob: bool = False
    argo: bool = True
    updater_envs: frozenset[str] = frozenset()
    write_back_envs: frozenset[str] = frozenset()
    flags: dict[str, Any] = field(default_factory=dict)

    def tag(self, env: str, state: int) -> str:
        return str(self.versions[STATES[state][env]])

    def constraint(self) -> str:
        dev = self.versions["dev"]
        return f"~{dev.major}.{dev.minor}" if dev.major < 3 else f"^{dev.major}"


def _indent(lines: Iterable[str], spaces: int) -> list[str]:
    pad = " " * spaces
    return [pad + line if line else line for line in lines]


class Writer:
    """Collects the files of one repository state, with the counts and expected uses."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.expected: list[ExpectedUse] = []
        self.image_refs = 0

    def add(self, path: str, text: str) -> None:
        if path in self.files:
            raise ValueError(f"generated twice: {path}")
        self.files[path] = text

    def expect(
        self, path: str, app: str | None, env: str | None, source: str, raw: str, needle: str
    ) -> None:
        self.expected.append(ExpectedUse(path, app, env, source, raw, needle))

    def yaml_count(self) -> int:
        return sum(1 for p in self.files if p.endswith((".yaml", ".yml")))


# --- Kubernetes documents --------------------------------------------------------------


def _container_lines(container: Container, app: str) -> list[str]:
    lines = [f"- name: {container.name}", f"  image: {container.image}"]
    if container.main and not container.init:
        lines += [
            "  imagePullPolicy: IfNotPresent",
            "  ports:",
            "    - name: http",
            "      containerPort: 8080",
            "  envFrom:",
            "    - configMapRef:",
            f"        name: {app}-config",
            "  readinessProbe:",
            "    httpGet:",
            "      path: /healthz",
            "      port: http",
            "  resources:",
            "    requests:",
            "      cpu: 100m",
            "      memory: 128Mi",
            "    limits:",
            "      memory: 256Mi",
        ]
    elif container.init and container.main:
        lines += ['  args: ["migrate", "up"]']
    elif container.init:
        lines += ["  command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']"]
    else:
        lines += ["  resources:", "    requests:", "      cpu: 10m", "      memory: 32Mi"]
    return lines


def pod_spec(containers: list[Container], app: str, restart: str | None = None) -> list[str]:
    """A pod spec, unindented (the caller indents it)."""
    lines = [f"serviceAccountName: {app}"]
    if restart:
        lines.append(f"restartPolicy: {restart}")
    inits = [c for c in containers if c.init]
    if inits:
        lines.append("initContainers:")
        for c in inits:
            lines += _indent(_container_lines(c, app), 2)
    lines.append("containers:")
    for c in containers:
        if not c.init:
            lines += _indent(_container_lines(c, app), 2)
    return lines


API_VERSIONS = {
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Rollout": "argoproj.io/v1alpha1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "Pod": "v1",
}


def workload(
    kind: str, name: str, app: str, containers: list[Container], annotations: dict[str, str]
) -> str:
    """One workload document of any kind that carries a pod template."""
    labels = [f"app.kubernetes.io/name: {app}", "app.kubernetes.io/managed-by: argocd"]
    head = [f"apiVersion: {API_VERSIONS[kind]}", f"kind: {kind}", "metadata:", f"  name: {name}"]
    head += ["  labels:", *_indent(labels, 4)]
    if annotations:
        head += ["  annotations:", *_indent((f"{k}: {v}" for k, v in annotations.items()), 4)]
    template = ["metadata:", "  labels:", *_indent(labels[:1], 4)]
    if kind == "Pod":
        return "\n".join([*head, "spec:", *_indent(pod_spec(containers, app), 2)]) + "\n"
    if kind == "CronJob":
        spec = [
            'schedule: "17 3 * * *"',
            "concurrencyPolicy: Forbid",
            "jobTemplate:",
            "  spec:",
            "    backoffLimit: 2",
            "    template:",
            *_indent(template, 6),
            "      spec:",
            *_indent(pod_spec(containers, app, "OnFailure"), 8),
        ]
    elif kind == "Job":
        spec = [
            "backoffLimit: 3",
            "template:",
            *_indent(template, 2),
            "  spec:",
            *_indent(pod_spec(containers, app, "Never"), 4),
        ]
    else:
        spec = []
        if kind != "DaemonSet":
            spec.append("replicas: 2")
        if kind == "StatefulSet":
            spec.append(f"serviceName: {name}")
        spec += ["selector:", "  matchLabels:", *_indent(labels[:1], 4)]
        if kind == "Rollout":
            spec += [
                "strategy:",
                "  canary:",
                "    steps:",
                "      - setWeight: 20",
                "      - pause: {duration: 10m}",
                "      - setWeight: 60",
                "      - pause: {duration: 10m}",
            ]
        spec += ["template:", *_indent(template, 2), "  spec:"]
        spec += _indent(pod_spec(containers, app), 4)
        if kind == "StatefulSet":
            spec += [
                "volumeClaimTemplates:",
                "  - metadata:",
                "      name: data",
                "    spec:",
                "      accessModes: [ReadWriteOnce]",
                "      resources:",
                "        requests:",
                "          storage: 10Gi",
            ]
    return "\n".join([*head, "spec:", *_indent(spec, 2)]) + "\n"


def service(app: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  labels:\n"
        f"    app.kubernetes.io/name: {app}\nspec:\n  type: ClusterIP\n  selector:\n"
        f"    app.kubernetes.io/name: {app}\n  ports:\n    - name: http\n      port: 80\n"
        "      targetPort: http\n"
    )


def configmap(app: str, env: str | None, suffix: str = "config") -> str:
    # The embedded "image:" text is data, not a container: it must yield nothing.
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-{suffix}\ndata:\n"
        f'  LOG_LEVEL: "{"debug" if env == "dev" else "info"}"\n'
        f"  FEATURE_FLAGS: checkout-v2,fast-search\n"
        f"  worker.yaml: |\n    queue: {app}\n    concurrency: 8\n"
        f"    image: registry.example.com/team/{app}:0.0.1\n"
    )


def small_resource(kind: str, app: str) -> str:
    if kind == "ServiceAccount":
        return f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {app}\n"
    if kind == "HorizontalPodAutoscaler":
        return (
            f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n"
            f"  name: {app}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
            f"    kind: Deployment\n    name: {app}\n  minReplicas: 2\n  maxReplicas: 10\n"
            "  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n"
            "        target:\n          type: Utilization\n          averageUtilization: 70\n"
        )
    if kind == "PodDisruptionBudget":
        return (
            f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {app}\n"
            f"spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n"
            f"      app.kubernetes.io/name: {app}\n"
        )
    if kind == "NetworkPolicy":
        return (
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {app}\n"
            f"spec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
            "  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n"
            "            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n"
        )
    if kind == "Ingress":
        return (
            f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {app}\n"
            "  annotations:\n    cert-manager.io/cluster-issuer: letsencrypt\nspec:\n"
            f"  ingressClassName: nginx\n  rules:\n    - host: {app}.example.com\n"
            "      http:\n        paths:\n          - path: /\n            pathType: Prefix\n"
            f"            backend:\n              service:\n                name: {app}\n"
            "                port:\n                  name: http\n"
        )
    raise ValueError(kind)


# --- the generator ---------------------------------------------------------------------


class Generator:
    """Draws the apps of a repository from a seed, then renders any commit of it."""

    def __init__(self, files: int, seed: int) -> None:
        self.target = files
        self.seed = seed
        self.rng = random.Random(seed)
        self.apps: list[App] = []
        self.fillers: list[tuple[str, str]] = []  # (env, app) of extra ConfigMap files
        self._names = self._name_stream()
        self._plan()

    # -- drawing -------------------------------------------------------------------------

    def _name_stream(self) -> Iterator[str]:
        names = [f"{d}-{r}" for d in DOMAINS for r in ROLES]
        self.rng.shuffle(names)
        round_ = 1
        while True:
            for name in names:
                yield name if round_ == 1 else f"{name}-{round_}"
            round_ += 1

    def _plan(self) -> None:
        """Draw apps until the files they write reach the target, then pad with ConfigMaps."""
        count = self._noise(Writer(), len(STATES) - 1).yaml_count()
        largest = 0
        while self.target - count > largest + 3:
            app = self._draw_app()
            size = self._yaml_files_of(app)
            largest = max(largest, size)
            if count + size > self.target:
                break
            self.apps.append(app)
            count += size
        plain = [a for a in self.apps if a.layout == "plain"]
        k = 0
        while count < self.target:
            owner = plain[k % len(plain)].name if plain else "shared-settings"
            self.fillers.append((ENVIRONMENTS[k % 3], owner))
            count += 1
            k += 1

    def _yaml_files_of(self, app: App) -> int:
        writer = Writer()
        self._render_app(writer, app, len(STATES) - 1)
        return writer.yaml_count()

    def _draw_app(self) -> App:
        rng = self.rng
        name = next(self._names)
        team = rng.choice(TEAMS)
        layout = rng.choices(("kustomize", "plain", "helm"), (0.45, 0.27, 0.28))[0]
        r = rng.random()
        if r < 0.5:
            repository = f"registry.example.com/{team}/{name}"
        elif r < 0.85:
            repository = f"ghcr.io/acme/{name}"
        else:
            repository = f"quay.io/acme/{name}"
        prefix = "v" if rng.random() < 0.2 else ""
        old = Version(rng.randint(0, 3), rng.randint(0, 14), rng.randint(0, 9), prefix)
        prod = old.bump(rng, (0.5, 0.4, 0.1, 0.0))
        staging = prod.bump(rng, (0.4, 0.4, 0.2, 0.0))
        dev = staging.bump(rng, (0.3, 0.4, 0.25, 0.05))
        if layout == "plain":
            kind = rng.choices(
                ("Deployment", "StatefulSet", "Rollout", "DaemonSet"), (0.55, 0.15, 0.2, 0.1)
            )[0]
        elif layout == "kustomize":
            kind = rng.choices(("Deployment", "Rollout", "StatefulSet"), (0.75, 0.15, 0.1))[0]
        else:
            kind = "Deployment"
        updater: set[str] = set()
        if layout != "plain":
            if rng.random() < 0.6:
                updater.add("dev")
            if rng.random() < 0.2:
                updater.add("staging")
            if rng.random() < 0.03:
                updater.add("prod")
        write_back = {e for e in updater if e != "prod" and rng.random() < 0.25}
        if layout == "helm":
            write_back = {e for e in write_back if rng.random() < 0.3}
        app = App(
            name=name,
            team=team,
            layout=layout,
            repository=repository,
            versions={"old": old, "prod": prod, "staging": staging, "dev": dev},
            kind=kind,
            sidecar=rng.choice(SIDECARS) if rng.random() < 0.35 else None,
            sidecar_digest=rng.random() < 0.15,
            init=rng.choice(INIT_IMAGES) if rng.random() < 0.25 else None,
            migrate=rng.random() < 0.3,
            worker=rng.random() < 0.25,
            cronjob=rng.random() < 0.25,
            argo=rng.random() < 0.9,
            updater_envs=frozenset(updater),
            write_back_envs=frozenset(write_back),
        )
        flags = app.flags
        if layout == "kustomize":
            flags["placeholder"] = rng.random() < 0.2
            flags["extras"] = [k for k in _EXTRAS if rng.random() < 0.4]
            flags["patch"] = {e: rng.random() < 0.3 for e in ENVIRONMENTS}
            flags["old_patch_syntax"] = rng.random() < 0.3
            flags["prod_digest"] = rng.random() < 0.6
            flags["sidecar_entry"] = {e: rng.random() < 0.3 for e in ENVIRONMENTS}
            flags["generator"] = rng.random() < 0.3
            flags["app_images"] = {e: rng.random() < 0.08 for e in ENVIRONMENTS}
        elif layout == "plain":
            flags["bundle"] = rng.random() < 0.25
            flags["extras"] = [k for k in _EXTRAS if rng.random() < 0.35]
            flags["job"] = rng.random() < 0.2
            flags["debug_pod"] = rng.random() < 0.1
            flags["digest_envs"] = {e for e in ENVIRONMENTS if e == "prod" and rng.random() < 0.5}
        else:
            flags["bitnami"] = rng.random() < 0.3
            flags["empty_tag"] = not flags["bitnami"] and rng.random() < 0.25
            flags["metrics"] = rng.random() < 0.3
            flags["string_proxy"] = rng.random() < 0.2
            flags["env_sets_tag"] = {
                e: flags["empty_tag"] or rng.random() < 0.9 for e in ENVIRONMENTS
            }
            if flags["empty_tag"] and rng.random() < 0.5:
                flags["env_sets_tag"]["dev"] = False  # falls back to Chart.yaml appVersion
            flags["prod_digest"] = rng.random() < 0.4
            flags["parameters"] = {e: rng.random() < 0.15 for e in ENVIRONMENTS}
            flags["templates"] = [t for t in _OPTIONAL_TEMPLATES if rng.random() < 0.5]
        return app

    # -- rendering -----------------------------------------------------------------------

    def render(self, state: int) -> Writer:
        """Every file of the repository as of commit ``state`` (0-based)."""
        writer = Writer()
        self._noise(writer, state)
        for app in self.apps:
            self._render_app(writer, app, state)
        for index, (env, owner) in enumerate(self.fillers):
            path = f"clusters/{env}/{owner}/settings-{index:04d}.yaml"
            writer.add(path, configmap(owner, env, f"settings-{index:04d}"))
        return writer

    def _render_app(self, writer: Writer, app: App, state: int) -> None:
        if app.layout == "kustomize":
            self._kustomize(writer, app, state)
        elif app.layout == "plain":
            self._plain(writer, app, state)
        else:
            self._helm(writer, app, state)
        if app.argo:
            for env in ENVIRONMENTS:
                self._application(writer, app, env, state)

    def _noise(self, writer: Writer, _state: int) -> Writer:
        writer.add(".gitops-guard.yaml", POLICY)
        writer.add(
            ".github/workflows/ci.yaml",
            "name: ci\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n"
            "  validate:\n    runs-on: ubuntu-latest\n    container:\n"
            "      image: python:3.12-slim\n    services:\n      registry:\n"
            "        image: registry:2\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: pip install gitops-guard\n      - run: gitops-guard validate\n",
        )
        writer.add(
            ".github/workflows/kubeconform.yaml",
            "name: kubeconform\non: [pull_request]\njobs:\n  kubeconform:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - uses: docker://ghcr.io/yannh/kubeconform:v0.6.4\n"
            "        with:\n          args: -summary clusters\n",
        )
        writer.add(
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: github-actions\n"
            "    directory: /\n    schedule:\n      interval: weekly\n",
        )
        writer.add(
            "docker-compose.yaml",
            "services:\n  registry:\n    image: registry:2\n    ports: ['5000:5000']\n"
            "  argocd:\n    image: quay.io/argoproj/argocd:v2.10.1\n"
            "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: dev\n",
        )
        writer.add(
            ".pre-commit-config.yaml",
            "repos:\n  - repo: https://github.com/adrienverge/yamllint\n    rev: v1.35.1\n"
            "    hooks:\n      - id: yamllint\n",
        )
        writer.add(".gitignore", "*.swp\n.DS_Store\n/tmp/\n")
        writer.add("README.md", "# GitOps\n\nGenerated by gitops-guard's benchmark suite.\n")
        for env in ENVIRONMENTS:
            docs = [
                f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}-{env}\n" for t in TEAMS
            ]
            writer.add(f"clusters/{env}/namespaces.yaml", "---\n".join(docs))
        projects = [
            f"apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: {team}\n"
            f"  namespace: argocd\nspec:\n  sourceRepos: ['{REPO_URL}']\n  destinations:\n"
            "    - server: https://kubernetes.default.svc\n      namespace: '*'\n"
            for team in TEAMS
        ]
        writer.add("argocd/projects.yaml", "---\n".join(projects))
        writer.add(
            "argocd/root.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\n"
            f"  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n"
            "    targetRevision: main\n    path: argocd\n    directory:\n      recurse: true\n"
            "  destination:\n    server: https://kubernetes.default.svc\n    namespace: argocd\n",
        )
        return writer

    # -- Kustomize -----------------------------------------------------------------------

    def _base_containers(self, app: App, main: Image) -> dict[str, list[Container]]:
        """Resource (``Kind/name``) → its containers, as the base writes them."""
        containers: list[Container] = []
        if app.init:
            name, repo, tag = app.init
            containers.append(Container(name, Image(repo, tag), init=True))
        if app.migrate:
            containers.append(Container("migrate", main, init=True, main=True))
        containers.append(Container(app.name, main, main=True))
        if app.sidecar:
            name, repo, tag = app.sidecar
            digest = digest_of(f"{repo}:{tag}") if app.sidecar_digest else None
            containers.append(Container(name, Image(repo, tag, digest)))
        resources = {f"{app.kind}/{app.name}": containers}
        if app.worker:
            resources[f"Deployment/{app.name}-worker"] = [Container("worker", main, main=True)]
        if app.cronjob:
            resources[f"CronJob/{app.name}-cleanup"] = [Container("cleanup", main, main=True)]
        return resources

    def _kustomize(self, writer: Writer, app: App, state: int) -> None:
        flags = app.flags
        base = f"apps/{app.name}/base"
        if flags["placeholder"]:
            base_image = Image(app.name)
        else:
            base_image = Image(app.repository, str(app.versions["old"]))
        resources = self._base_containers(app, base_image)
        files: dict[str, str] = {}  # resource → base file
        for resource, containers in resources.items():
            kind, name = resource.split("/", 1)
            if name == app.name:
                file = f"{kind.lower()}.yaml"  # deployment.yaml, rollout.yaml...
            else:
                file = f"{name.removeprefix(app.name + '-')}-{kind.lower()}.yaml"
            writer.add(f"{base}/{file}", workload(kind, name, app.name, containers, {}))
            writer.image_refs += len(containers)
            files[resource] = f"{base}/{file}"
        writer.add(f"{base}/service.yaml", service(app.name))
        writer.add(f"{base}/configmap.yaml", configmap(app.name, None))
        listing = [p.rsplit("/", 1)[1] for p in files.values()]
        listing += ["service.yaml", "configmap.yaml"]
        for extra in flags["extras"]:
            file = _EXTRAS[extra]
            writer.add(f"{base}/{file}", small_resource(extra, app.name))
            listing.append(file)
        writer.add(
            f"{base}/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "labels:\n  - pairs:\n      app.kubernetes.io/part-of: "
            f"{app.team}\n    includeSelectors: false\nresources:\n"
            + "".join(f"  - {name}\n" for name in listing),
        )
        for env in ENVIRONMENTS:
            self._overlay(writer, app, env, state, resources, files)

    def _overlay(
        self,
        writer: Writer,
        app: App,
        env: str,
        state: int,
        resources: dict[str, list[Container]],
        files: dict[str, str],
    ) -> None:
        flags = app.flags
        directory = f"apps/{app.name}/overlays/{env}"
        kustomization = f"{directory}/kustomization.yaml"
        tag = app.tag(env, state)
        digest = (
            digest_of(f"{app.repository}:{tag}") if env == "prod" and flags["prod_digest"] else None
        )
        lines = [
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            f"namespace: {app.name}-{env}",
            "resources:",
            "  - ../../base",
        ]
        # Every container of the base: (resource, base file, container, source, image).
        final: list[tuple[str, str, Container, str, Image]] = []
        for resource, containers in resources.items():
            for c in containers:
                source = "initContainer" if c.init else "container"
                final.append((resource, files[resource], c, source, c.image))
        changes: dict[tuple[str, str], tuple[str, str, Image, str]] = {}
        sidecar_patched = False
        if flags["patch"][env]:
            patch_file = f"patch-{app.kind.lower()}.yaml"
            sidecar_patched = app.sidecar is not None and env != "dev"
            body = [f"  replicas: {3 if env == 'prod' else 1}", "  template:", "    spec:"]
            body += ["      containers:", f"        - name: {app.name}", "          resources:"]
            body += [
                "            limits:",
                f"              memory: {512 if env == 'prod' else 256}Mi",
            ]
            if sidecar_patched and app.sidecar:
                name, repo, old = app.sidecar
                pinned = Image(repo, _bump_tag(old))
                body += [f"        - name: {name}", f"          image: {pinned}"]
                writer.image_refs += 1
                changes[(f"{app.kind}/{app.name}", name)] = (
                    f"{directory}/{patch_file}",
                    "container",
                    pinned,
                    str(pinned),
                )
            writer.add(
                f"{directory}/{patch_file}",
                f"apiVersion: {API_VERSIONS[app.kind]}\nkind: {app.kind}\nmetadata:\n"
                f"  name: {app.name}\nspec:\n" + "\n".join(body) + "\n",
            )
            if flags["old_patch_syntax"]:
                lines += ["patchesStrategicMerge:", f"  - {patch_file}"]
            else:
                lines += ["patches:", f"  - path: {patch_file}"]
        if env != "dev":
            lines += [
                "replicas:",
                f"  - name: {app.name}",
                f"    count: {3 if env == 'prod' else 2}",
            ]
        if flags["generator"]:
            lines += [
                "configMapGenerator:",
                f"  - name: {app.name}-config",
                "    behavior: merge",
                "    literals:",
                f"      - ENVIRONMENT={env}",
            ]
        lines.append("images:")
        lines.append(f"  - name: {app.name if flags['placeholder'] else app.repository}")
        if flags["placeholder"]:
            lines.append(f"    newName: {app.repository}")
        lines.append(f'    newTag: "{tag}"')
        if digest:
            lines.append(f"    digest: {digest}")
        writer.image_refs += 1
        main_final = Image(app.repository, tag, digest)
        sidecar_entry: Image | None = None
        if (
            app.sidecar
            and flags["sidecar_entry"][env]
            and not sidecar_patched
            and not app.sidecar_digest
        ):
            _name, repo, old = app.sidecar
            sidecar_entry = Image(repo, _bump_tag(old))
            lines += [f"  - name: {repo}", f'    newTag: "{sidecar_entry.tag}"']
            writer.image_refs += 1
        writer.add(kustomization, "\n".join(lines) + "\n")

        placement = (app.name, env)
        for resource, path, c, source, _image in final:
            if c.main:
                writer.expect(kustomization, *placement, "kustomize", str(main_final), tag)
            elif sidecar_entry is not None and app.sidecar and c.name == app.sidecar[0]:
                assert sidecar_entry.tag is not None
                raw = str(sidecar_entry)
                writer.expect(kustomization, *placement, "kustomize", raw, sidecar_entry.tag)
            elif (resource, c.name) in changes:
                where, kind, image, needle = changes[(resource, c.name)]
                writer.expect(where, *placement, kind, str(image), needle)
            else:
                writer.expect(path, *placement, source, str(c.image), str(c.image))

        # Image Updater's write-back file, from the bot's commit on.
        if env in app.write_back_envs and state >= 1:
            wb_tag = str(app.versions["dev"].bump(random.Random(app.name), (0, 1, 0, 0)))
            path = f"{directory}/.argocd-source-{app.name}-{env}.yaml"
            writer.add(path, f"kustomize:\n  images:\n  - {app.repository}:{wb_tag}\n")
            writer.image_refs += 1
            for _resource, _path, c, _source, _image in final:
                if c.main:
                    raw = f"{app.repository}:{wb_tag}"
                    writer.expect(path, *placement, "write-back", raw, raw)

    # -- plain manifests -----------------------------------------------------------------

    def _plain(self, writer: Writer, app: App, state: int) -> None:
        flags = app.flags
        for env in ENVIRONMENTS:
            directory = f"clusters/{env}/{app.name}"
            tag = app.tag(env, state)
            digest = digest_of(f"{app.repository}:{tag}") if env in flags["digest_envs"] else None
            main = Image(app.repository, tag, digest)
            resources = self._base_containers(app, main)
            if app.kind == "StatefulSet":
                name, repo, db_tag = DATABASES[len(app.name) % 2]
                resources[f"StatefulSet/{app.name}"].append(Container(name, Image(repo, db_tag)))
            if flags["job"]:
                resources[f"Job/{app.name}-migrate"] = [Container("migrate", main, main=True)]
            if flags["debug_pod"] and env == "dev":
                resources[f"Pod/{app.name}-debug"] = [
                    Container("toolbox", Image("docker.io/library/alpine", "3.19.1"))
                ]
            for resource, containers in resources.items():
                kind, name = resource.split("/", 1)
                annotations = {}
                if kind == "Job":
                    annotations = {
                        "argocd.argoproj.io/hook": "PreSync",
                        "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
                    }
                text = workload(kind, name, app.name, containers, annotations)
                if name != app.name:
                    path = f"{directory}/{name}.yaml"
                elif flags["bundle"]:
                    # ConfigMap, the main workload and its Service in one multi-document file.
                    path = f"{directory}/{app.name}.yaml"
                    text = "---\n".join([configmap(app.name, env), text, service(app.name)])
                else:
                    path = f"{directory}/{kind.lower()}.yaml"
                writer.add(path, text)
                for c in containers:
                    source = "initContainer" if c.init else "container"
                    writer.expect(path, app.name, env, source, str(c.image), str(c.image))
                    writer.image_refs += 1
            if not flags["bundle"]:
                writer.add(f"{directory}/service.yaml", service(app.name))
                writer.add(f"{directory}/configmap.yaml", configmap(app.name, env))
            for extra in flags["extras"]:
                writer.add(f"{directory}/{_EXTRAS[extra]}", small_resource(extra, app.name))

    # -- Helm ----------------------------------------------------------------------------

    def _helm_images(self, app: App) -> list[tuple[str, dict[str, str]]]:
        """(key path, fields) of every image block of the chart's values.yaml."""
        flags = app.flags
        old = str(app.versions["old"])
        blocks: list[tuple[str, dict[str, str]]] = []
        registry, _slash, path = app.repository.partition("/")
        main: dict[str, str] = (
            {"registry": registry, "repository": path} if flags["bitnami"] else
            {"repository": app.repository}
        )  # fmt: skip
        main["tag"] = "" if flags["empty_tag"] else old
        blocks.append(("image", main))
        if app.worker:
            blocks.append(("worker.image", {"repository": app.repository + "-worker", "tag": old}))
        if flags["metrics"]:
            blocks.append(
                (
                    "metrics.image",
                    {
                        "registry": "quay.io",
                        "repository": "prometheus/statsd-exporter",
                        "tag": "v0.26.0",
                    },
                )
            )
        return blocks

    def _helm(self, writer: Writer, app: App, state: int) -> None:
        flags = app.flags
        chart = f"charts/{app.name}"
        app_version = str(app.versions["prod"])
        writer.add(
            f"{chart}/Chart.yaml",
            f"apiVersion: v2\nname: {app.name}\ndescription: A Helm chart for {app.name}\n"
            f"type: application\nversion: 0.{len(app.name)}.0\n"
            f'appVersion: "{app_version}"\nmaintainers:\n  - name: {app.team}\n',
        )
        blocks = self._helm_images(app)
        values = [f"# Default values for {app.name}.", "replicaCount: 1", ""]
        for keypath, fields in blocks:
            parts = keypath.split(".")
            depth = len(parts) - 1
            for i, part in enumerate(parts[:-1]):
                values.append("  " * i + f"{part}:")
                values.append("  " * (i + 1) + "enabled: true")
            values.append("  " * depth + "image:")
            for key, value in fields.items():
                quoted = f'"{value}"' if key == "tag" else value
                values.append("  " * (depth + 1) + f"{key}: {quoted}")
            if keypath == "image":
                values.append("  pullPolicy: IfNotPresent")
            writer.image_refs += 1
        if flags["string_proxy"]:
            values += ["proxy:", "  enabled: true", "  image: nginx:1.25.3"]
            writer.image_refs += 1
        values += [
            "imagePullSecrets: []",
            "serviceAccount:",
            "  create: true",
            "service:",
            "  type: ClusterIP",
            "  port: 80",
            "ingress:",
            "  enabled: false",
            "autoscaling:",
            "  enabled: false",
            "resources: {}",
            "podAnnotations: {}",
        ]
        writer.add(f"{chart}/values.yaml", "\n".join(values) + "\n")
        writer.add(f"{chart}/.helmignore", ".git/\n*.swp\n*.bak\n")
        for template in ("deployment", "service", "_helpers", "NOTES", *flags["templates"]):
            name, text = _template(template, app.name)
            writer.add(f"{chart}/templates/{name}", text)

        base = dict(blocks)
        for env in ENVIRONMENTS:
            path = f"{chart}/values-{env}.yaml"
            tag = app.tag(env, state)
            sets_tag = flags["env_sets_tag"][env]
            digest = None
            if env == "prod" and flags["prod_digest"]:
                digest = digest_of(f"{app.repository}:{tag}")
            lines = [f"replicaCount: {3 if env == 'prod' else 1}"]
            if sets_tag or digest:
                lines.append("image:")
                if sets_tag:
                    lines.append(f'  tag: "{tag}"')
                if digest:
                    lines.append(f"  digest: {digest}")
                writer.image_refs += 1
            if app.worker:
                lines += ["worker:", "  image:", f'    tag: "{tag}"']
                writer.image_refs += 1
            lines += [
                "ingress:",
                f"  enabled: {'true' if env != 'dev' else 'false'}",
                "  hosts:",
                f"    - host: {app.name}.{env}.example.com",
                "      paths: [/]",
            ]
            writer.add(path, "\n".join(lines) + "\n")
            for keypath, fields in blocks:
                registry = fields.get("registry")
                repo = f"{registry}/{fields['repository']}" if registry else fields["repository"]
                if keypath == "image":
                    if sets_tag:
                        t, where, needle = tag, path, tag
                    elif fields["tag"]:
                        t, where, needle = fields["tag"], f"{chart}/values.yaml", fields["tag"]
                    else:
                        t, where, needle = app_version, f"{chart}/Chart.yaml", app_version
                    if digest and not sets_tag:
                        where, needle = path, digest
                    writer.expect(where, app.name, env, "helm", str(Image(repo, t, digest)), needle)
                elif keypath == "worker.image":
                    writer.expect(path, app.name, env, "helm", f"{repo}:{tag}", tag)
                else:
                    raw = f"{repo}:{fields['tag']}"
                    writer.expect(f"{chart}/values.yaml", app.name, env, "helm", raw, fields["tag"])
            if flags["string_proxy"]:
                raw = "nginx:1.25.3"
                writer.expect(f"{chart}/values.yaml", app.name, env, "helm", raw, raw)
            if env in app.write_back_envs and state >= 1:
                wb_tag = str(app.versions["dev"].bump(random.Random(app.name), (0, 1, 0, 0)))
                wb = f"{chart}/.argocd-source-{app.name}-{env}.yaml"
                writer.add(
                    wb,
                    "helm:\n  parameters:\n  - name: image.tag\n"
                    f'    value: "{wb_tag}"\n    forcestring: true\n',
                )
                writer.image_refs += 1
                main = base["image"]
                registry = main.get("registry")
                repo = f"{registry}/{main['repository']}" if registry else main["repository"]
                writer.expect(wb, app.name, env, "write-back", f"{repo}:{wb_tag}", wb_tag)

    # -- Argo CD -------------------------------------------------------------------------

    def _application(self, writer: Writer, app: App, env: str, state: int) -> None:
        path = f"argocd/{app.name}-{env}.yaml"
        flags = app.flags
        annotations: list[str] = []
        uses: list[tuple[str, str, str]] = []  # (source, raw, needle)
        if env in app.updater_envs:
            images = [f"{app.name}={app.repository}:{app.constraint()}"]
            annotations.append(f"{UPDATER}/{app.name}.update-strategy: semver")
            if app.layout == "helm":
                annotations.append(f"{UPDATER}/{app.name}.helm.image-name: image.repository")
                annotations.append(f"{UPDATER}/{app.name}.helm.image-tag: image.tag")
            if app.sidecar and app.layout == "kustomize" and env == "dev":
                name, repo, tag = app.sidecar
                minor = ".".join(tag.lstrip("v").split(".")[:2])
                images.append(f"{name}={repo}:~{minor}")
                annotations.append(f"{UPDATER}/{name}.update-strategy: semver")
            value = ",".join(images)
            annotations.insert(0, f"{UPDATER}/image-list: {value}")
            if env in app.write_back_envs:
                annotations.append(f"{UPDATER}/write-back-method: git")
                annotations.append(f"{UPDATER}/git-branch: main")
            for entry in images:
                image = entry.split("=", 1)[1]
                uses.append(("annotation", image, image))
            writer.image_refs += len(images)
        lines = [
            "apiVersion: argoproj.io/v1alpha1",
            "kind: Application",
            "metadata:",
            f"  name: {app.name}-{env}",
            "  namespace: argocd",
        ]
        if annotations:
            lines += ["  annotations:", *_indent(annotations, 4)]
        lines += [
            "  finalizers:",
            "    - resources-finalizer.argocd.argoproj.io",
            "spec:",
            f"  project: {app.team}",
            "  source:",
            f"    repoURL: {REPO_URL}",
            "    targetRevision: main",
        ]
        if app.layout == "kustomize":
            lines.append(f"    path: apps/{app.name}/overlays/{env}")
            if flags["app_images"][env] and not flags["placeholder"]:
                tag = str(app.versions["dev"].bump(random.Random(path), (0, 1, 0, 0)))
                raw = f"{app.repository}:{tag}"
                lines += ["    kustomize:", "      images:", f"        - {raw}"]
                writer.image_refs += 1
                containers = self._base_containers(app, Image(app.repository))
                for c in (c for cs in containers.values() for c in cs):
                    if c.main:
                        uses.append(("application", raw, raw))
        elif app.layout == "plain":
            lines += [
                f"    path: clusters/{env}/{app.name}",
                "    directory:",
                "      recurse: true",
            ]
        else:
            lines += [f"    path: charts/{app.name}", "    helm:", "      valueFiles:"]
            lines.append(f"        - values-{env}.yaml")
            if flags["parameters"][env]:
                tag = app.tag(env, state)
                lines += [
                    "      parameters:",
                    "        - name: image.tag",
                    f'          value: "{tag}"',
                ]
                writer.image_refs += 1
                main = dict(self._helm_images(app))["image"]
                registry = main.get("registry")
                repo = f"{registry}/{main['repository']}" if registry else main["repository"]
                uses.append(("application", f"{repo}:{tag}", tag))
        lines += [
            "  destination:",
            "    server: https://kubernetes.default.svc",
            f"    namespace: {app.name}-{env}",
            "  syncPolicy:",
        ]
        if env != "prod":
            lines += ["    automated:", "      prune: true", "      selfHeal: true"]
        lines += ["    syncOptions:", "      - CreateNamespace=true"]
        writer.add(path, "\n".join(lines) + "\n")
        for source, raw, needle in uses:
            writer.expect(path, app.name, env, source, raw, needle)


_EXTRAS = {
    "ServiceAccount": "serviceaccount.yaml",
    "HorizontalPodAutoscaler": "hpa.yaml",
    "PodDisruptionBudget": "pdb.yaml",
    "NetworkPolicy": "networkpolicy.yaml",
    "Ingress": "ingress.yaml",
}
_OPTIONAL_TEMPLATES = ("hpa", "ingress", "serviceaccount", "configmap", "tests")


def _bump_tag(tag: str) -> str:
    head, _dot, last = tag.rpartition(".")
    return f"{head}.{int(last) + 1}" if last.isdigit() else tag


def _template(kind: str, app: str) -> tuple[str, str]:
    """A Helm template file as ``helm create`` writes them: Go templates, not YAML."""
    if kind == "_helpers":
        text = (
            '{{- define "APP.fullname" -}}\n{{- .Release.Name | trunc 63 | trimSuffix "-" }}\n'
            '{{- end }}\n\n{{- define "APP.labels" -}}\n'
            "app.kubernetes.io/name: {{ .Chart.Name }}\n"
            "app.kubernetes.io/instance: {{ .Release.Name }}\n{{- end }}\n"
        )
        return "_helpers.tpl", text.replace("APP", app)
    if kind == "NOTES":
        return (
            "NOTES.txt",
            "Get the application URL by running:\n  kubectl get svc {{ .Release.Name }}\n",
        )
    head = (
        'apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {{{{ include "APP.fullname" . }}}}\n'
    )
    labels = '  labels:\n    {{- include "APP.labels" . | nindent 4 }}\n'
    texts = {
        "deployment": head.format(api="apps/v1", kind="Deployment")
        + labels
        + "spec:\n  {{- if not .Values.autoscaling.enabled }}\n"
        "  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n  template:\n    spec:\n"
        "      containers:\n        - name: {{ .Chart.Name }}\n"
        '          image: "{{ .Values.image.repository }}:'
        '{{ .Values.image.tag | default .Chart.AppVersion }}"\n'
        "          imagePullPolicy: {{ .Values.image.pullPolicy }}\n"
        "          {{- with .Values.resources }}\n          resources:\n"
        "            {{- toYaml . | nindent 12 }}\n          {{- end }}\n",
        "service": head.format(api="v1", kind="Service")
        + labels
        + "spec:\n  type: {{ .Values.service.type }}\n  ports:\n"
        "    - port: {{ .Values.service.port }}\n      targetPort: http\n",
        "hpa": "{{- if .Values.autoscaling.enabled }}\n"
        + head.format(api="autoscaling/v2", kind="HorizontalPodAutoscaler")
        + "spec:\n  minReplicas: {{ .Values.autoscaling.minReplicas }}\n{{- end }}\n",
        "ingress": "{{- if .Values.ingress.enabled -}}\n"
        + head.format(api="networking.k8s.io/v1", kind="Ingress")
        + labels
        + "spec:\n  rules:\n    {{- range .Values.ingress.hosts }}\n"
        "    - host: {{ .host | quote }}\n    {{- end }}\n{{- end }}\n",
        "serviceaccount": "{{- if .Values.serviceAccount.create -}}\n"
        + head.format(api="v1", kind="ServiceAccount")
        + labels
        + "{{- end }}\n",
        "configmap": head.format(api="v1", kind="ConfigMap")
        + labels
        + "data:\n  {{- range $key, $value := .Values.config }}\n"
        "  {{ $key }}: {{ $value | quote }}\n  {{- end }}\n",
        "tests": head.format(api="v1", kind="Pod")
        + '  annotations:\n    "helm.sh/hook": test\nspec:\n  containers:\n'
        "    - name: wget\n      image: busybox\n      command: ['wget']\n"
        "      args: ['{{ include \"APP.fullname\" . }}:{{ .Values.service.port }}']\n"
        "  restartPolicy: Never\n  {{- with .Values.nodeSelector }}\n"
        "  nodeSelector:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n",
    }
    name = "tests/test-connection.yaml" if kind == "tests" else f"{kind}.yaml"
    return name, texts[kind].replace("APP", app)


# --- writing and committing ------------------------------------------------------------


def _git_env(state: int) -> dict[str, str]:
    name, email, _message = COMMITS[state]
    date = f"@{FIRST_COMMIT_DATE + 86_400 * state} +0000"
    env = dict(os.environ)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    env.update(
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def _git(dest: Path, state: int, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
        cwd=dest,
        env=_git_env(state),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _write(dest: Path, files: dict[str, str], previous: dict[str, str]) -> None:
    made: set[Path] = set()
    for path, text in files.items():
        if previous.get(path) == text:
            continue
        target = dest / path
        parent = target.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        target.write_text(text, encoding="utf-8", newline="\n")
    for path in previous.keys() - files.keys():
        (dest / path).unlink()


def generate(dest: Path, files: int, seed: int = 0, commits: bool = True) -> Stats:
    """Write a repository of about ``files`` YAML files into ``dest`` (new or empty).

    With ``commits`` it is a Git repository of four commits on ``main`` with pinned
    authors and dates; without, only the final state's files are written.
    """
    started = time.perf_counter()
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    generator = Generator(files, seed)
    final = len(STATES) - 1
    previous: dict[str, str] = {}
    writer = Writer()
    if commits:
        _git(dest, 0, "init", "-q", "-b", "main")
        for state in range(len(STATES)):
            writer = generator.render(state)
            _write(dest, writer.files, previous)
            previous = writer.files
            _git(dest, state, "add", "-A")
            _git(dest, state, "commit", "-q", "--no-verify", "-m", COMMITS[state][2])
    else:
        writer = generator.render(final)
        _write(dest, writer.files, previous)

    stats = Stats(seed=seed, commits=len(STATES) if commits else 0)
    stats.yaml_files = writer.yaml_count()
    stats.other_files = len(writer.files) - stats.yaml_files
    stats.image_refs = writer.image_refs
    stats.apps = len(generator.apps)
    for app in generator.apps:
        stats.apps_by_layout[app.layout] = stats.apps_by_layout.get(app.layout, 0) + 1
    for path in writer.files:
        if path.endswith((".yaml", ".yml")):
            area = path.split("/", 1)[0] if "/" in path else "(root)"
            stats.files_by_area[area] = stats.files_by_area.get(area, 0) + 1
    stats.expected = writer.expected
    stats.expected_uses = len(writer.expected)
    stats.sample_files = _samples(generator)
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def _samples(generator: Generator) -> dict[str, str]:
    """A few representative files, for single-file (pre-commit) benchmarks."""
    samples: dict[str, str] = {}
    for app in generator.apps:
        if app.layout == "kustomize" and "overlay" not in samples:
            samples["overlay"] = f"apps/{app.name}/overlays/prod/kustomization.yaml"
            samples["base"] = f"apps/{app.name}/base/{app.kind.lower()}.yaml"
        if app.layout == "plain" and "manifest" not in samples and not app.flags["bundle"]:
            samples["manifest"] = f"clusters/dev/{app.name}/{app.kind.lower()}.yaml"
        if app.layout == "helm" and "values" not in samples:
            samples["values"] = f"charts/{app.name}/values-prod.yaml"
        if app.argo and "application" not in samples:
            samples["application"] = f"argocd/{app.name}-dev.yaml"
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="YAML files to write")
    parser.add_argument("--out", type=Path, required=True, help="new or empty directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-commits", action="store_true", help="write files, no Git")
    args = parser.parse_args(argv)
    try:
        stats = generate(args.out, args.files, args.seed, commits=not args.no_commits)
    except FileExistsError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    layouts = ", ".join(f"{n} {k}" for k, n in sorted(stats.apps_by_layout.items()))
    print(
        f"{args.out}: {stats.yaml_files:,} YAML files (+{stats.other_files} others), "
        f"{stats.apps} apps ({layouts}), {stats.image_refs:,} image references, "
        f"{stats.expected_uses:,} expected image uses, {stats.commits} commits, "
        f"in {stats.seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
