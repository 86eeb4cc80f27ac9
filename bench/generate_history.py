#!/usr/bin/env python3
"""Generate a long GitOps history (thousands of commits) for the history benchmarks.

The repository is written by one ``git fast-import`` process fed a stream built here:
inline blobs, commits with pinned author and committer dates and time zones, ``from``
and ``merge`` for pull requests merged with a merge commit. Nothing runs ``git commit``,
so 100,000 commits take seconds, not hours.

Shape: about ``manifests`` YAML files over ~30 apps (one per ten files) and the
environments dev, staging and prod, laid out as a GitOps repository is:

* Kustomize apps: ``apps/<app>/base/{deployment,service,kustomization}.yaml`` (and a
  few extras), overlays ``apps/<app>/overlays/<env>/kustomization.yaml`` whose
  ``images:`` set ``newTag`` (and ``digest`` in prod);
* Helm apps: ``charts/<app>/{Chart,values}.yaml``, ``values-<env>.yaml`` (``image.tag``,
  ``image.digest`` in prod) and Go-template ``templates/``;
* Argo CD Applications ``argocd/<app>-<env>.yaml``, the dev ones with Image Updater
  annotations (Git write-back to the kustomization or the Helm values file);
* ``.gitops-guard.yaml`` (dev → staging → prod, soak 24h in staging), CI workflows,
  a README, runbooks and cluster add-on settings under ``platform/``.

History: an import commit, then over a year of commits that each change one to three
files: Argo CD Image Updater bumping dev (its default message), people promoting
versions that ran in dev to staging after an hour or more and versions that soaked 24h
in staging to prod, through pull requests (merge commits ``Merge pull request #N from
…`` or squash merges ending in ``(#N)``) or direct pushes, rollbacks with a
``Rollback: INC-<n>`` trailer, replica and resource tweaks, unrelated edits (README,
runbooks, CI) and a few policy edits. People commit in their own working hours and
time zones; the bot at any hour. A seed always gives the same commits (same ids).

    python bench/generate_history.py --commits 10000 --out /tmp/history-10k
    python bench/generate_history.py --commits 10000 --append 100 --out /tmp/history-10k
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

GENERATOR_VERSION = 1
ENVIRONMENTS = ("dev", "staging", "prod")
START = 1_704_182_400  # 2024-01-02T08:00:00Z, a Tuesday
SPAN_DAYS = 400  # the base history spans about this long, whatever its size
MARKS_FILE = "bench-history.marks"  # under .git/: fast-import marks, for --append

DOMAINS = (
    "payments", "orders", "checkout", "catalog", "search", "auth", "billing", "inventory",
    "shipping", "notifications", "accounts", "pricing", "reviews", "ledger", "invoices",
    "identity", "profile", "cart", "fulfillment", "returns", "loyalty", "analytics", "media",
    "messaging", "scheduler", "geo", "tax", "fraud", "risk", "support", "webhooks", "gateway",
)  # fmt: skip
ROLES = ("api", "worker", "web", "consumer", "service", "backend", "frontend", "sync", "bff")
TEAMS = ("payments", "commerce", "platform", "data", "growth", "core")
REPO_URL = "https://git.example.com/acme/gitops.git"
UPDATER = "argocd-image-updater.argoproj.io"


# --- people ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str
    offset: int  # minutes east of UTC
    platform: bool = False  # platform team: edits the policy and CI

    def ident(self, when: int) -> str:
        sign = "-" if self.offset < 0 else "+"
        hours, minutes = divmod(abs(self.offset), 60)
        return f"{self.name} <{self.email}> {when} {sign}{hours:02d}{minutes:02d}"

    def working(self, when: int) -> bool:
        """Whether it is a weekday between 08:00 and 19:00 where this person lives."""
        local = when + self.offset * 60
        day = (local // 86_400 + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        return day < 5 and 8 <= (local % 86_400) // 3600 < 19


BOT = Person("argocd-image-updater", "noreply@argoproj.io", 0)
GITHUB = Person("GitHub", "noreply@github.com", 0)
PEOPLE = (
    Person("Alice Martin", "alice.martin@acme.example", 60, platform=True),
    Person("Bob Okafor", "bob.okafor@acme.example", 0, platform=True),
    Person("Chloé Dubois", "chloe.dubois@acme.example", 60),
    Person("Dmitri Ivanov", "dmitri.ivanov@acme.example", 120),
    Person("Emeka Obi", "emeka.obi@acme.example", 60),
    Person("Farah Haddad", "farah.haddad@acme.example", 120, platform=True),
    Person("Gustavo Lima", "gustavo.lima@acme.example", -180),
    Person("Hannah Schulz", "hannah.schulz@acme.example", 60),
    Person("Isha Patel", "isha.patel@acme.example", 330),
    Person("Jordan Reyes", "jordan.reyes@acme.example", -300, platform=True),
    Person("Kenji Sato", "kenji.sato@acme.example", 540),
    Person("Laura Rossi", "laura.rossi@acme.example", 60),
)


# --- results ---------------------------------------------------------------------------


@dataclass
class Stats:
    """What was written. ``commits`` counts first-parent commits on ``main``."""

    commits: int = 0
    all_commits: int = 0  # with the branch commits of merged pull requests
    manifests: int = 0  # YAML files in the imported tree
    apps: int = 0
    apps_by_layout: dict[str, int] = field(default_factory=dict)
    promotions: dict[str, int] = field(default_factory=dict)  # image changes per env
    bot_commits: int = 0
    human_commits: int = 0
    merge_commits: int = 0
    squash_merges: int = 0
    direct_pushes: int = 0
    rollbacks: int = 0
    policy_edits: int = 0
    config_changes: int = 0
    unrelated: int = 0
    first_date: str = ""
    last_date: str = ""
    head: str = ""
    seed: int = 0
    seconds: float = 0.0
    generator_version: int = GENERATOR_VERSION

    @property
    def promotions_total(self) -> int:
        return sum(self.promotions.values())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stats:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# --- versions --------------------------------------------------------------------------

Version = tuple[int, int, int]


def bump(version: Version, rng: random.Random) -> Version:
    """A CI build's next version: mostly a patch, sometimes a minor, rarely a major."""
    r = rng.random()
    major, minor, patch = version
    if r < 0.001:
        return (major + 1, 0, 0)
    if r < 0.05:
        return (major, minor + 1, 0)
    return (major, minor, patch + 1)


def digest_of(repository: str, tag: str) -> str:
    return "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()


# --- the model -------------------------------------------------------------------------


@dataclass
class App:
    name: str
    team: str
    layout: str  # kustomize | helm
    repository: str
    prefix: str  # "v" or ""
    weight: float  # how often its CI builds
    worker: bool  # a second image, <repository>-worker, built and bumped with the first
    extras: tuple[str, ...]  # extra base files (Kustomize) or templates (Helm)
    base_version: Version
    versions: dict[str, Version]  # what each environment runs now
    # version → first time it ran, per environment, oldest first (dev's is trimmed).
    seen: dict[str, dict[Version, int]]
    replicas: dict[str, int]
    memory: dict[str, int]  # MiB; "base" for the Kustomize base, else per environment
    bad: set[Version] = field(default_factory=set)  # rolled back: never promoted again

    def tag(self, version: Version) -> str:
        return f"{self.prefix}{version[0]}.{version[1]}.{version[2]}"

    def images(self) -> list[str]:
        return [self.repository, f"{self.repository}-worker"] if self.worker else [self.repository]

    def image_path(self, env: str) -> str:
        """The file that pins the version of ``env``."""
        if self.layout == "kustomize":
            return f"apps/{self.name}/overlays/{env}/kustomization.yaml"
        return f"charts/{self.name}/values-{env}.yaml"

    def ran_since(self, env: str, version: Version) -> int | None:
        return self.seen[env].get(version)


@dataclass
class PolicyState:
    forbidden_tags: list[str] = field(default_factory=lambda: ["latest"])
    registries: list[str] = field(
        default_factory=lambda: ["registry.example.com/*", "ghcr.io/acme/*"]
    )
    staging_soak: str | None = None
    prod_require_pr: bool = False
    tag_pattern: str | None = None
    exclude: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        staging = "{from: dev, automated: [patch]"
        staging += f", soak: {self.staging_soak}}}" if self.staging_soak else "}"
        prod = "{from: staging, soak: 24h, automated: [], require_digest: true"
        prod += ", require_pr: true}" if self.prod_require_pr else "}"
        lines = [
            "# gitops-guard policy: see https://git.example.com/acme/gitops-guard",
            "version: 1",
            "layout:",
            "  - apps/{app}/overlays/{env}/**",
            "  - charts/{app}/values-{env}.yaml",
            "  - argocd/{app}-{env}.yaml",
            "environments:",
            "  dev: {automated: [patch, minor, major, digest]}",
            f"  staging: {staging}",
            f"  prod: {prod}",
            'bots: ["argocd-image-updater*", "*[bot]"]',
            "rollback_trailer: Rollback",
            "images:",
            f"  registries: [{', '.join(repr(r) for r in self.registries)}]",
            f"  forbidden_tags: [{', '.join(self.forbidden_tags)}]",
        ]
        if self.tag_pattern:
            lines.append(f"  tag_pattern: '{self.tag_pattern}'")
        if self.severity:
            pairs = ", ".join(f"{k}: {v}" for k, v in self.severity.items())
            lines.append(f"severity: {{{pairs}}}")
        if self.exclude:
            lines.append(f"exclude: [{', '.join(repr(e) for e in self.exclude)}]")
        return "\n".join(lines) + "\n"


def _forbid_branches(p: PolicyState) -> None:
    p.forbidden_tags += ["main", "master"]


def _quay(p: PolicyState) -> None:
    p.registries.append("quay.io/acme/*")


def _staging_soak(p: PolicyState) -> None:
    p.staging_soak = "1h"


def _require_pr(p: PolicyState) -> None:
    p.prod_require_pr = True


def _tag_pattern(p: PolicyState) -> None:
    p.tag_pattern = r"^v?[0-9]+\.[0-9]+\.[0-9]+$"


def _exclude_docs(p: PolicyState) -> None:
    p.exclude.append("docs/**")


def _gg209_warning(p: PolicyState) -> None:
    p.severity["GG209"] = "warning"


def _edge(p: PolicyState) -> None:
    p.forbidden_tags.append("edge")


# (commit subject, edit), applied in this order, each once.
POLICY_EDITS: tuple[tuple[str, Callable[[PolicyState], None]], ...] = (
    ("policy: forbid branch-name tags", _forbid_branches),
    ("policy: allow the quay.io/acme registry", _quay),
    ("policy: staging versions soak 1h in dev first", _staging_soak),
    ("policy: prod changes go through pull requests", _require_pr),
    ("policy: release tags only (no pre-releases, no build metadata)", _tag_pattern),
    ("policy: skip docs/", _exclude_docs),
    ("policy: GG209 is a warning until every app documents its rule", _gg209_warning),
    ("policy: forbid the edge tag", _edge),
)


# --- rendering -------------------------------------------------------------------------


def _deployment(app: App, name: str, image: str, memory: int) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n"
        f"    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: {app.name}\n"
        f"spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
        f"      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n"
        f"        app.kubernetes.io/name: {name}\n    spec:\n"
        f"      serviceAccountName: {app.name}\n      containers:\n"
        f"        - name: {name.removeprefix(app.name + '-') if name != app.name else app.name}\n"
        f"          image: {image}\n          ports:\n            - name: http\n"
        "              containerPort: 8080\n          readinessProbe:\n            httpGet:\n"
        "              path: /healthz\n              port: http\n          resources:\n"
        f"            requests:\n              cpu: 100m\n              memory: {memory // 2}Mi\n"
        f"            limits:\n              memory: {memory}Mi\n"
    )


_EXTRA_RESOURCES = {
    "hpa.yaml": (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {app}\n"
        "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
        "    name: {app}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n"
        "    - type: Resource\n      resource:\n        name: cpu\n        target:\n"
        "          type: Utilization\n          averageUtilization: 70\n"
    ),
    "pdb.yaml": (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {app}\nspec:\n"
        "  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
    ),
    "configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-config\ndata:\n"
        '  LOG_LEVEL: "info"\n  FEATURE_FLAGS: checkout-v2,fast-search\n'
    ),
    "serviceaccount.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {app}\n",
    "networkpolicy.yaml": (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {app}\n"
        "spec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
        "  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n"
        "            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n"
    ),
}
_TEMPLATES = {
    "deployment.yaml": (
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "APP.fullname" . }}\n'
        "spec:\n  replicas: {{ .Values.replicaCount }}\n  template:\n    spec:\n"
        "      containers:\n        - name: {{ .Chart.Name }}\n"
        '          image: "{{ .Values.image.repository }}:'
        '{{ .Values.image.tag | default .Chart.AppVersion }}"\n'
        "          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n"
    ),
    "service.yaml": (
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include "APP.fullname" . }}\n'
        "spec:\n  ports:\n    - port: {{ .Values.service.port }}\n      targetPort: http\n"
    ),
    "hpa.yaml": (
        "{{- if .Values.autoscaling.enabled }}\napiVersion: autoscaling/v2\n"
        'kind: HorizontalPodAutoscaler\nmetadata:\n  name: {{ include "APP.fullname" . }}\n'
        "spec:\n  minReplicas: {{ .Values.autoscaling.minReplicas }}\n{{- end }}\n"
    ),
    "ingress.yaml": (
        "{{- if .Values.ingress.enabled -}}\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        'metadata:\n  name: {{ include "APP.fullname" . }}\nspec:\n  rules:\n'
        "    {{- range .Values.ingress.hosts }}\n    - host: {{ .host | quote }}\n"
        "    {{- end }}\n{{- end }}\n"
    ),
}


def render_overlay(app: App, env: str) -> str:
    version = app.versions[env]
    tag = app.tag(version)
    lines = [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        f"namespace: {app.name}-{env}",
        "resources:",
        "  - ../../base",
        "replicas:",
        f"  - name: {app.name}",
        f"    count: {app.replicas[env]}",
        "images:",
    ]
    for image in app.images():
        lines += [f"  - name: {image}", f'    newTag: "{tag}"']
        if env == "prod":
            lines.append(f"    digest: {digest_of(image, tag)}")
    return "\n".join(lines) + "\n"


def render_values(app: App, env: str) -> str:
    tag = app.tag(app.versions[env])
    lines = [f"replicaCount: {app.replicas[env]}", "image:", f'  tag: "{tag}"']
    if env == "prod":
        lines.append(f"  digest: {digest_of(app.repository, tag)}")
    lines += [
        "resources:",
        "  requests:",
        "    cpu: 100m",
        f"    memory: {app.memory[env] // 2}Mi",
        "  limits:",
        f"    memory: {app.memory[env]}Mi",
        "ingress:",
        f"  enabled: {'false' if env == 'dev' else 'true'}",
        "  hosts:",
        f"    - host: {app.name}.{env}.example.com",
    ]
    return "\n".join(lines) + "\n"


def render_base_deployment(app: App) -> str:
    return _deployment(
        app, app.name, f"{app.repository}:{app.tag(app.base_version)}", app.memory["base"]
    )


def render_application(app: App, env: str) -> str:
    lines = [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Application",
        "metadata:",
        f"  name: {app.name}-{env}",
        "  namespace: argocd",
    ]
    if env == "dev":
        aliases = [app.name] + ([f"{app.name}-worker"] if app.worker else [])
        images = ",".join(f"{a}={i}" for a, i in zip(aliases, app.images(), strict=True))
        lines += ["  annotations:", f"    {UPDATER}/image-list: {images}"]
        for alias in aliases:
            lines.append(f"    {UPDATER}/{alias}.update-strategy: semver")
        if app.layout == "helm":
            lines.append(f"    {UPDATER}/{app.name}.helm.image-name: image.repository")
            lines.append(f"    {UPDATER}/{app.name}.helm.image-tag: image.tag")
            target = f"helmvalues:/charts/{app.name}/values-dev.yaml"
        else:
            target = "kustomization"
        lines += [
            f"    {UPDATER}/write-back-method: git",
            f"    {UPDATER}/git-branch: main",
            f"    {UPDATER}/write-back-target: {target}",
        ]
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
    else:
        lines += [f"    path: charts/{app.name}", "    helm:", "      valueFiles:"]
        lines.append(f"        - values-{env}.yaml")
    lines += [
        "  destination:",
        "    server: https://kubernetes.default.svc",
        f"    namespace: {app.name}-{env}",
        "  syncPolicy:",
    ]
    if env != "prod":
        lines += ["    automated:", "      prune: true", "      selfHeal: true"]
    lines += ["    syncOptions:", "      - CreateNamespace=true"]
    return "\n".join(lines) + "\n"


def app_files(app: App) -> dict[str, str]:
    """Every file of an app as imported."""
    files: dict[str, str] = {}
    if app.layout == "kustomize":
        base = f"apps/{app.name}/base"
        files[f"{base}/deployment.yaml"] = render_base_deployment(app)
        resources = ["deployment.yaml"]
        if app.worker:
            image = f"{app.repository}-worker:{app.tag(app.base_version)}"
            files[f"{base}/worker-deployment.yaml"] = _deployment(
                app, f"{app.name}-worker", image, 256
            )
            resources.append("worker-deployment.yaml")
        files[f"{base}/service.yaml"] = (
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {app.name}\nspec:\n"
            f"  selector:\n    app.kubernetes.io/name: {app.name}\n  ports:\n"
            "    - name: http\n      port: 80\n      targetPort: http\n"
        )
        resources.append("service.yaml")
        for extra in app.extras:
            files[f"{base}/{extra}"] = _EXTRA_RESOURCES[extra].format(app=app.name)
            resources.append(extra)
        files[f"{base}/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nlabels:\n"
            f"  - pairs:\n      app.kubernetes.io/part-of: {app.team}\nresources:\n"
            + "".join(f"  - {r}\n" for r in resources)
        )
        for env in ENVIRONMENTS:
            files[app.image_path(env)] = render_overlay(app, env)
    else:
        chart = f"charts/{app.name}"
        files[f"{chart}/Chart.yaml"] = (
            f"apiVersion: v2\nname: {app.name}\ndescription: {app.name} of team {app.team}\n"
            f'type: application\nversion: 1.0.0\nappVersion: "{app.tag(app.base_version)}"\n'
        )
        files[f"{chart}/values.yaml"] = (
            f"# Default values for {app.name}.\nreplicaCount: 1\nimage:\n"
            f"  repository: {app.repository}\n"
            '  tag: ""  # defaults to the chart appVersion\n  pullPolicy: IfNotPresent\n'
            "service:\n  port: 80\nautoscaling:\n  enabled: false\n  minReplicas: 2\n"
            "ingress:\n  enabled: false\n  hosts: []\nresources: {}\n"
        )
        files[f"{chart}/.helmignore"] = ".git/\n*.swp\n*.bak\n"
        files[f"{chart}/templates/_helpers.tpl"] = (
            '{{- define "APP.fullname" -}}\n{{- .Release.Name | trunc 63 }}\n{{- end }}\n'
        ).replace("APP", app.name)
        for name in ("deployment.yaml", "service.yaml", *app.extras):
            files[f"{chart}/templates/{name}"] = _TEMPLATES[name].replace("APP", app.name)
        for env in ENVIRONMENTS:
            files[app.image_path(env)] = render_values(app, env)
    for env in ENVIRONMENTS:
        files[f"argocd/{app.name}-{env}.yaml"] = render_application(app, env)
    return files


@dataclass
class Noise:
    """Files that deploy nothing, and what their edits change."""

    checker: tuple[int, int] = (0, 4)  # gitops-guard version the CI installs
    checkout: int = 4
    oncall: str = PEOPLE[0].name
    runbook_edits: dict[str, int] = field(default_factory=dict)

    def readme(self, apps: list[App]) -> str:
        rows = "".join(f"| {a.name} | {a.team} | {a.layout} |\n" for a in apps)
        return (
            "# GitOps\n\nEverything Argo CD deploys, per app and environment "
            "(dev → staging → prod).\n\n"
            "Image Updater bumps dev; promote to staging and prod with a pull request.\n"
            "Prod takes versions that ran at least 24h in staging.\n\n"
            f"On-call this week: {self.oncall}\n\n| app | team | layout |\n| --- | --- | --- |\n"
            + rows
        )

    def workflow(self) -> str:
        major, minor = self.checker
        return (
            "name: validate\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n"
            "  gitops-guard:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - uses: actions/checkout@v{self.checkout}\n        with:\n"
            "          fetch-depth: 0\n      - uses: actions/setup-python@v5\n"
            "        with:\n          python-version: '3.12'\n"
            f"      - run: pip install gitops-guard=={major}.{minor}.0\n"
            "      - run: gitops-guard check --base origin/${{ github.base_ref }} --format github\n"
        )

    def runbook(self, app: App) -> str:
        edits = self.runbook_edits.get(app.name, 0)
        notes = "".join(f"- note {k + 1}: see incident review\n" for k in range(edits % 12))
        return (
            f"# {app.name} runbook\n\nOwner: team {app.team}\n\n## Rollback\n\n"
            f"Set the previous version in `{app.image_path('prod')}` and add the trailer "
            "`Rollback: INC-<n>` to the commit.\n\n## Notes\n\n" + notes
        )


def noise_files(noise: Noise, apps: list[App], policy: PolicyState) -> dict[str, str]:
    files = {
        ".gitops-guard.yaml": policy.render(),
        "README.md": noise.readme(apps),
        "CODEOWNERS": "* @acme/platform\n/.gitops-guard.yaml @acme/platform\n",
        ".github/workflows/validate.yaml": noise.workflow(),
        ".github/workflows/lint.yaml": (
            "name: lint\non: [pull_request]\njobs:\n  yamllint:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - uses: actions/checkout@v4\n      - run: pip install yamllint\n"
            "      - run: yamllint -s apps charts argocd\n"
        ),
        ".yamllint.yml": "extends: default\nrules:\n  line-length: {max: 160}\n",
        "argocd/projects.yaml": "---\n".join(
            f"apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: {t}\n"
            f"  namespace: argocd\nspec:\n  sourceRepos: ['{REPO_URL}']\n  destinations:\n"
            "    - server: https://kubernetes.default.svc\n      namespace: '*'\n"
            for t in TEAMS
        ),
        "argocd/root.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\n"
            f"  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n"
            "    targetRevision: main\n    path: argocd\n  destination:\n"
            "    server: https://kubernetes.default.svc\n    namespace: argocd\n"
        ),
    }
    for app in apps:
        files[f"docs/runbooks/{app.name}.md"] = noise.runbook(app)
    return files


_PLATFORM = ("cert-manager", "ingress-nginx", "external-dns", "monitoring", "logging", "rbac")


def filler(index: int) -> tuple[str, str]:
    """A cluster add-on setting that deploys no image (pads the tree to ``manifests``)."""
    component = _PLATFORM[index % len(_PLATFORM)]
    name = f"{component}-settings-{index // len(_PLATFORM) + 1:02d}"
    text = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {component}\n"
        f'data:\n  retention: "{7 + index % 23}d"\n  replicas: "{1 + index % 3}"\n'
    )
    return f"platform/{component}/{name}.yaml", text


def _is_yaml(path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


# --- the simulation --------------------------------------------------------------------


@dataclass(slots=True)
class Branch:
    """The one commit of a pull request's branch, merged by the commit that follows it."""

    fork: int  # position on main it starts from
    author: Person
    when: int
    message: str


@dataclass(slots=True)
class Planned:
    author: Person
    author_time: int
    committer: Person
    committer_time: int
    message: str
    files: dict[str, str]
    branch: Branch | None = None


@dataclass(slots=True)
class Pending:
    due: int
    app: App
    env: str
    version: Version


class Simulation:
    """Draws apps, then one commit after another from a seeded ``random.Random``.

    ``base`` is the size of the history the pace is set for (SPAN_DAYS over ``base``
    commits); more commits continue at the same pace, which is how ``--append``
    continues a history with the same seed.
    """

    def __init__(self, base: int, manifests: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.stats = Stats(seed=seed)
        self.policy = PolicyState()
        self.noise = Noise()
        self.apps: list[App] = []
        self.fillers: dict[str, str] = {}
        self.now = START
        self.position = 0  # next main position
        self.times: list[int] = []  # committer time of each main position
        self.last_touch: dict[str, int] = {}
        self.next_pr = 1
        self.next_incident = 1001
        self.pending: list[Pending] = []
        self.owed_policy = 0
        busy_week = 5 * 11 * 3600 + 0.2 * (7 * 24 - 5 * 11) * 3600
        self.mean_gap = busy_week * SPAN_DAYS / 7 / max(base, 1)
        edits = min(len(POLICY_EDITS), max(3, base // 5000))
        self.policy_at = {base * (k + 1) // (edits + 1) for k in range(edits)}
        self._draw(manifests)

    # -- drawing -------------------------------------------------------------------------

    def _draw(self, manifests: int) -> None:
        rng = self.rng
        names = [f"{d}-{r}" for d in DOMAINS for r in ROLES]
        rng.shuffle(names)
        yaml_count = sum(_is_yaml(p) for p in noise_files(self.noise, [], self.policy))
        while names:
            app = self._draw_app(names.pop())
            size = sum(_is_yaml(p) for p in app_files(app))
            if yaml_count + size > manifests:
                break
            self.apps.append(app)
            yaml_count += size
        index = 0
        while yaml_count < manifests:
            path, text = filler(index)
            self.fillers[path] = text
            yaml_count += 1
            index += 1
        self.stats.manifests = yaml_count
        self.stats.apps = len(self.apps)
        for app in self.apps:
            self.stats.apps_by_layout[app.layout] = self.stats.apps_by_layout.get(app.layout, 0) + 1

    def _draw_app(self, name: str) -> App:
        rng = self.rng
        team = rng.choice(TEAMS)
        layout = "kustomize" if rng.random() < 0.75 else "helm"
        repository = (
            f"registry.example.com/{team}/{name}" if rng.random() < 0.6 else f"ghcr.io/acme/{name}"
        )
        prod: Version = (rng.randint(0, 3), rng.randint(0, 20), rng.randint(0, 12))
        staging = bump(prod, rng) if rng.random() < 0.5 else prod
        dev = bump(staging, rng)
        if layout == "kustomize":
            extras = tuple(e for e in _EXTRA_RESOURCES if rng.random() < 0.25)
        else:
            extras = tuple(t for t in ("hpa.yaml", "ingress.yaml") if rng.random() < 0.5)
        before = START - 86_400 * rng.randint(3, 30)
        return App(
            name=name,
            team=team,
            layout=layout,
            repository=repository,
            prefix="v" if rng.random() < 0.2 else "",
            weight=rng.lognormvariate(0, 0.8),
            worker=layout == "kustomize" and rng.random() < 0.2,
            extras=extras,
            base_version=prod,
            versions={"dev": dev, "staging": staging, "prod": prod},
            seen={
                "dev": {prod: before, staging: before, dev: before},
                "staging": {prod: before, staging: before},
                "prod": {prod: before},
            },
            replicas={"dev": 1, "staging": 2, "prod": rng.choice((2, 3, 4, 6))},
            memory={"base": 512, "dev": 256, "staging": 512, "prod": rng.choice((512, 1024))},
        )

    def files(self) -> dict[str, str]:
        """Every file of the repository now."""
        files = noise_files(self.noise, self.apps, self.policy)
        for app in self.apps:
            files.update(app_files(app))
        files.update(self.fillers)
        return files

    # -- time and people ---------------------------------------------------------------

    def _advance(self) -> None:
        """Move the clock on: a busy weekday hour (07–18 UTC) sees five times the commits."""
        remaining = self.rng.expovariate(1.0 / self.mean_gap)
        t = float(self.now)
        while True:
            day = (int(t) // 86_400 + 3) % 7
            hour = (int(t) % 86_400) // 3600
            rate = 1.0 if day < 5 and 7 <= hour < 18 else 0.2
            boundary = (int(t) // 3600 + 1) * 3600
            room = (boundary - t) * rate
            if remaining <= room:
                t += remaining / rate
                break
            remaining -= room
            t = boundary
        self.now = max(int(t), self.now + 1)

    def _person(self, platform: bool = False) -> Person | None:
        working = [p for p in PEOPLE if p.working(self.now) and (p.platform or not platform)]
        return self.rng.choice(working) if working else None

    # -- one commit ----------------------------------------------------------------------

    def step(self) -> Planned:
        """The next commit on main (its branch commit included)."""
        self._advance()
        planned = self._choose()
        self.times.append(planned.committer_time)
        for path in planned.files:
            self.last_touch[path] = self.position
        self.position += 1
        self.stats.commits += 1
        self.stats.all_commits += 2 if planned.branch else 1
        if planned.author is BOT:
            self.stats.bot_commits += 1
        else:
            self.stats.human_commits += 1
        return planned

    def _choose(self) -> Planned:
        rng = self.rng
        if self.position == 0:
            return self._import()
        if self.position in self.policy_at:
            self.owed_policy += 1
        person = self._person()
        if person is not None:
            due = [p for p in self.pending if p.due <= self.now]
            if due:
                self.pending.remove(due[0])
                planned = self._rollback(person, due[0])
                if planned is not None:
                    return planned
            if self.owed_policy:
                platform = self._person(platform=True)
                if platform is not None:
                    self.owed_policy -= 1
                    return self._policy_edit(platform)
            r = rng.random()
            planned = None
            if r < 0.10:
                planned = self._promote(person, "staging")
            elif r < 0.17:
                planned = self._promote(person, "prod")
            elif r < 0.20:
                planned = self._tweak(person)
            elif r < 0.225:
                planned = self._unrelated(person)
            if planned is not None:
                return planned
        return self._bot_bump()

    def _import(self) -> Planned:
        person = PEOPLE[0]
        return Planned(
            person,
            self.now,
            person,
            self.now,
            "Import the GitOps repository\n\nApps, Helm charts and Argo CD Applications "
            "from the old deploy scripts.\n",
            self.files(),
        )

    def _bot_bump(self) -> Planned:
        app = self.rng.choices(self.apps, [a.weight for a in self.apps])[0]
        old = app.versions["dev"]
        new = bump(old, self.rng)
        self._set(app, "dev", new)
        lines = "".join(
            f"updates image {image} tag '{app.tag(old)}' to '{app.tag(new)}'\n"
            for image in app.images()
        )
        message = f"build: automatic update of {app.name}-dev\n\n{lines}"
        return Planned(
            BOT, self.now, BOT, self.now, message, {app.image_path("dev"): self._render(app, "dev")}
        )

    def _set(self, app: App, env: str, version: Version) -> None:
        app.versions[env] = version
        seen = app.seen[env]
        if version not in seen:
            seen[version] = self.now
            if len(seen) > 200 and env == "dev":
                app.seen[env] = dict(list(seen.items())[100:])
        self.stats.promotions[env] = self.stats.promotions.get(env, 0) + len(app.images())

    def _render(self, app: App, env: str) -> str:
        return render_overlay(app, env) if app.layout == "kustomize" else render_values(app, env)

    def _candidate(self, app: App, env: str, soak: int) -> tuple[Version, int] | None:
        """The newest version that may go to ``env`` (ran ``soak`` seconds where it comes
        from, is newer, was never rolled back), and since when it may."""
        source = ENVIRONMENTS[ENVIRONMENTS.index(env) - 1]
        current = app.versions[env]
        latest = self.now - soak
        # Newest first: versions only go up where they come from (a rollback returns to
        # a version already seen), so the first one old enough is the newest ready.
        for version, since in reversed(app.seen[source].items()):
            if version <= current:
                return None
            if since <= latest and version not in app.bad:
                return version, since + soak
        return None

    def _promote(self, person: Person, env: str) -> Planned | None:
        rng = self.rng
        soak = 3600 if env == "staging" else 86_400
        if env == "prod" and rng.random() < 0.01:
            soak = 4 * 3600  # a hurried release: GG304 material
        ready = [(a, c) for a in self.apps if (c := self._candidate(a, env, soak)) is not None]
        if not ready:
            return None
        count = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        chosen: list[tuple[App, Version]] = []
        not_before = 0  # when the last of them became ready
        while ready and len(chosen) < count:
            pick = rng.choices(ready, [a.weight for a, _c in ready])[0]
            ready.remove(pick)
            chosen.append((pick[0], pick[1][0]))
            not_before = max(not_before, pick[1][1])
        source = ENVIRONMENTS[ENVIRONMENTS.index(env) - 1]
        after = [a.image_path(source) for a, _v in chosen]
        files = {}
        for app, version in chosen:
            self._set(app, env, version)
            files[app.image_path(env)] = self._render(app, env)
            if env == "prod" and rng.random() < 0.04:
                self._schedule(app, "prod", version)
            elif env == "staging" and rng.random() < 0.02:
                self._schedule(app, "staging", version)
        what = ", ".join(f"{a.name} {a.tag(v)}" for a, v in chosen)
        app, version = chosen[0]
        if len(chosen) > 1:
            subject = f"Promote {what} to {env}"
            branch = f"promote-{env}-{self.next_pr}"
        elif env == "staging":
            subject = rng.choice(
                (
                    f"Promote {app.name} {app.tag(version)} to staging",
                    f"staging: bump {app.name} to {app.tag(version)}",
                    f"chore({app.name}): promote {app.tag(version)} to staging",
                )
            )
            branch = f"promote-{app.name}-staging-{app.tag(version)}"
        else:
            subject = rng.choice(
                (
                    f"Release {app.name} {app.tag(version)} to prod",
                    f"prod: promote {app.name} {app.tag(version)}",
                    f"Promote {app.name} {app.tag(version)} to production",
                )
            )
            branch = f"release-{app.name}-{app.tag(version)}"
        body = f"Ran in {ENVIRONMENTS[ENVIRONMENTS.index(env) - 1]} without alerts.\n"
        how = rng.random()
        if env == "prod" or how < 0.9:
            return self._pull_request(
                person, subject, body, branch, files, how < 0.45, after, not_before
            )
        return self._direct(person, subject + "\n", files)

    def _schedule(self, app: App, env: str, version: Version) -> None:
        delay = self.rng.randint(15 * 60, 6 * 3600)
        self.pending.append(Pending(self.now + delay, app, env, version))

    def _rollback(self, person: Person, pending: Pending) -> Planned | None:
        app, env = pending.app, pending.env
        if app.versions[env] != pending.version:
            return None
        earlier = [v for v in app.seen[env] if v < pending.version and v not in app.bad]
        if not earlier:
            return None
        target = max(earlier)
        app.bad.add(pending.version)
        self._set(app, env, target)
        self.stats.rollbacks += 1
        incident = self.next_incident
        self.next_incident += self.rng.randint(1, 9)
        subject = f"Roll back {app.name} in {env} to {app.tag(target)}"
        body = (
            f"{app.tag(pending.version)} raised the error rate of {app.name}-{env}; "
            f"back to {app.tag(target)} while we investigate.\n\nRollback: INC-{incident}\n"
        )
        files = {app.image_path(env): self._render(app, env)}
        if self.rng.random() < 0.6:
            return self._pull_request(person, subject, body, f"rollback-{app.name}", files, False)
        return self._direct(person, f"{subject}\n\n{body}", files)

    def _tweak(self, person: Person) -> Planned | None:
        rng = self.rng
        app = rng.choice(self.apps)
        files: dict[str, str] = {}
        if rng.random() < 0.6:
            env = rng.choice(("staging", "prod"))
            app.replicas[env] = max(1, min(12, app.replicas[env] + rng.choice((-1, 1, 1))))
            files[app.image_path(env)] = self._render(app, env)
            subject = f"Scale {app.name} in {env} to {app.replicas[env]} replicas"
        elif app.layout == "kustomize":
            app.memory["base"] = rng.choice((256, 384, 512, 768, 1024))
            files[f"apps/{app.name}/base/deployment.yaml"] = render_base_deployment(app)
            subject = f"{app.name}: memory limit {app.memory['base']}Mi"
        else:
            memory = rng.choice((256, 512, 768, 1024, 1536))
            envs = ENVIRONMENTS[rng.randint(0, 2) :]
            for env in envs:
                app.memory[env] = memory
                files[app.image_path(env)] = self._render(app, env)
            subject = f"{app.name}: memory limit {memory}Mi in {', '.join(envs)}"
        self.stats.config_changes += 1
        how = rng.random()
        if how < 0.8:
            branch = f"{app.name}-resources-{self.next_pr}"
            return self._pull_request(person, subject, "", branch, files, how < 0.35)
        return self._direct(person, subject + "\n", files)

    def _unrelated(self, person: Person) -> Planned:
        rng = self.rng
        noise = self.noise
        r = rng.random()
        if r < 0.4:
            app = rng.choice(self.apps)
            noise.runbook_edits[app.name] = noise.runbook_edits.get(app.name, 0) + 1
            path, text = f"docs/runbooks/{app.name}.md", noise.runbook(app)
            subject = f"docs: {app.name} runbook notes"
        elif r < 0.7:
            noise.oncall = rng.choice(PEOPLE).name
            path, text = "README.md", noise.readme(self.apps)
            subject = f"README: on-call is {noise.oncall}"
        else:
            if rng.random() < 0.9:
                major, minor = noise.checker
                noise.checker = (major, minor + 1)
                subject = f"ci: gitops-guard {noise.checker[0]}.{noise.checker[1]}.0"
            else:
                noise.checkout += 1
                subject = f"ci: actions/checkout v{noise.checkout}"
            path, text = ".github/workflows/validate.yaml", noise.workflow()
        self.stats.unrelated += 1
        files = {path: text}
        if rng.random() < 0.7:
            return self._pull_request(person, subject, "", f"chore-{self.next_pr}", files, False)
        return self._direct(person, subject + "\n", files)

    def _policy_edit(self, person: Person) -> Planned:
        subject, edit = POLICY_EDITS[self.stats.policy_edits]
        edit(self.policy)
        self.stats.policy_edits += 1
        files = {".gitops-guard.yaml": self.policy.render()}
        body = "Agreed in the platform review.\n"
        branch = f"policy-{self.stats.policy_edits}"
        return self._pull_request(person, subject, body, branch, files, True)

    # -- how a change lands ----------------------------------------------------------------

    def _direct(self, person: Person, message: str, files: dict[str, str]) -> Planned:
        self.stats.direct_pushes += 1
        return Planned(person, self.now, person, self.now, message, files)

    def _pull_request(
        self,
        person: Person,
        subject: str,
        body: str,
        branch: str,
        files: dict[str, str],
        merge_commit: bool,
        after: Sequence[str] = (),
        not_before: int = 0,
    ) -> Planned:
        """A change merged through a pull request: squashed, or a branch commit and a merge
        commit. The branch starts after the last commit that touched its files (so the
        merge commit's tree is main's plus them) or those of ``after``, and its commit is
        made after ``not_before``."""
        number = self.next_pr
        self.next_pr += 1 + (self.rng.random() < 0.3)  # some PRs are closed unmerged
        message = subject + "\n" + (f"\n{body}" if body else "")
        merger = self._person() or person
        if not merge_commit:
            self.stats.squash_merges += 1
            squashed = f"{subject} (#{number})\n" + (f"\n{body}" if body else "")
            return Planned(person, self.now, GITHUB, self.now, squashed, files)
        low = max((self.last_touch.get(p, 0) for p in (*files, *after)), default=0)
        high = self.position - 1
        fork = self.rng.randint(max(low, high - 30), high)
        start = max(self.times[fork], not_before)
        when = start + int((self.now - start) * self.rng.uniform(0.2, 0.9))
        self.stats.merge_commits += 1
        merged = f"Merge pull request #{number} from acme/{branch}\n\n{message}"
        return Planned(
            merger, self.now, GITHUB, self.now, merged, files, Branch(fork, person, when, message)
        )


# --- writing -----------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    return env


def _git(dest: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=dest, env=_git_env(), check=True, capture_output=True, text=True
    )
    return done.stdout


class FastImport:
    """One ``git fast-import`` process fed commits on ``refs/heads/main``."""

    def __init__(self, dest: Path, import_marks: Path | None, export_marks: Path | None) -> None:
        argv = ["git", "fast-import", "--quiet", "--done"]
        if import_marks is not None:
            argv.append(f"--import-marks={import_marks}")
        if export_marks is not None:
            argv.append(f"--export-marks={export_marks}")
        self.process = subprocess.Popen(argv, cwd=dest, env=_git_env(), stdin=subprocess.PIPE)
        assert self.process.stdin is not None
        self.out: IO[bytes] = self.process.stdin

    def _data(self, text: str) -> None:
        data = text.encode()
        self.out.write(b"data %d\n%s\n" % (len(data), data))

    def commit(
        self,
        mark: int,
        author: str,
        committer: str,
        message: str,
        parent: int | None,
        merge: int | None,
        files: dict[str, str],
    ) -> None:
        self.out.write(f"commit refs/heads/main\nmark :{mark}\nauthor {author}\n".encode())
        self.out.write(f"committer {committer}\n".encode())
        self._data(message)
        if parent is not None:
            self.out.write(b"from :%d\n" % parent)
        if merge is not None:
            self.out.write(b"merge :%d\n" % merge)
        for path, text in files.items():
            self.out.write(f"M 100644 inline {path}\n".encode())
            self._data(text)
        self.out.write(b"\n")

    def close(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        if self.process.wait() != 0:
            raise RuntimeError(f"git fast-import failed with exit code {self.process.returncode}")


def _write(simulation: Simulation, importer: FastImport, total: int, first: int) -> None:
    """Simulate ``total`` commits, writing those from position ``first`` on."""
    marks: list[int] = []  # mark of each main position
    mark = 0
    for position in range(total):
        planned = simulation.step()
        branch_mark = None
        if planned.branch is not None:
            mark += 1
            branch_mark = mark
            if position >= first:
                b = planned.branch
                ident = b.author.ident(b.when)
                parent = marks[b.fork]
                importer.commit(mark, ident, ident, b.message, parent, None, planned.files)
        mark += 1
        marks.append(mark)
        if position >= first:
            importer.commit(
                mark,
                planned.author.ident(planned.author_time),
                planned.committer.ident(planned.committer_time),
                planned.message,
                marks[position - 1] if position else None,
                branch_mark,
                planned.files,
            )


def _iso(when: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def generate_history(dest: Path, commits: int, manifests: int = 300, seed: int = 0) -> Stats:
    """Write a repository of ``commits`` first-parent commits on ``main`` into ``dest``.

    ``dest`` must be new or empty. The work tree is checked out at the end.
    """
    if commits < 1:
        raise ValueError("commits must be at least 1")
    started = time.perf_counter()
    dest = Path(dest).resolve()  # fast-import runs in dest: marks need an absolute path
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    simulation = Simulation(commits, manifests, seed)
    importer = FastImport(dest, None, dest / ".git" / MARKS_FILE)
    try:
        _write(simulation, importer, commits, 0)
    finally:
        importer.close()
    _git(dest, "reset", "-q", "--hard", "main")
    return _finish(simulation, dest, started)


def append_history(
    dest: Path, commits: int, extra: int = 100, manifests: int = 300, seed: int = 0
) -> Stats:
    """Add ``extra`` commits on top of a history ``generate_history`` wrote.

    ``commits``, ``manifests`` and ``seed`` must be those it was generated with: the
    simulation is replayed up to its head (nothing written), then continues. Appending
    to the same head twice gives the same commits. The work tree is updated.
    """
    started = time.perf_counter()
    dest = Path(dest).resolve()
    marks = dest / ".git" / MARKS_FILE
    if not marks.is_file():
        raise FileNotFoundError(f"{marks} is missing: not a repository generate_history wrote")
    simulation = Simulation(commits, manifests, seed)
    importer = FastImport(dest, marks, None)
    try:
        _write(simulation, importer, commits + extra, commits)
    finally:
        importer.close()
    _git(dest, "reset", "-q", "--hard", "main")
    return _finish(simulation, dest, started)


def _finish(simulation: Simulation, dest: Path, started: float) -> Stats:
    stats = simulation.stats
    stats.first_date = _iso(simulation.times[0])
    stats.last_date = _iso(simulation.times[-1])
    stats.head = _git(dest, "rev-parse", "main").strip()
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def first_parent_commits(dest: Path) -> Iterator[str]:
    """Commit ids of ``main``, oldest first (for picking revisions to check)."""
    yield from _git(dest, "rev-list", "--first-parent", "--reverse", "main").split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=10_000, help="commits on main")
    parser.add_argument("--manifests", type=int, default=300, help="YAML files in the tree")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="new or empty directory")
    parser.add_argument(
        "--append",
        type=int,
        default=None,
        metavar="N",
        help="add N commits to the history in --out (generated with the same --commits, "
        "--manifests and --seed)",
    )
    args = parser.parse_args(argv)
    try:
        if args.append is not None:
            stats = append_history(args.out, args.commits, args.append, args.manifests, args.seed)
        else:
            stats = generate_history(args.out, args.commits, args.manifests, args.seed)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        print(f"generate_history.py: {exc}", file=sys.stderr)
        return 2
    layouts = ", ".join(f"{n} {k}" for k, n in sorted(stats.apps_by_layout.items()))
    promotions = ", ".join(f"{env} {stats.promotions.get(env, 0):,}" for env in ENVIRONMENTS)
    print(
        f"{args.out}: {stats.commits:,} commits on main ({stats.all_commits:,} in all), "
        f"{stats.first_date} → {stats.last_date}, {stats.manifests} YAML files, "
        f"{stats.apps} apps ({layouts}); image changes: {promotions}; "
        f"{stats.bot_commits:,} bot and {stats.human_commits:,} human commits, "
        f"{stats.merge_commits:,} merge commits, {stats.squash_merges:,} squash merges, "
        f"{stats.direct_pushes:,} direct pushes, {stats.rollbacks} rollbacks, "
        f"{stats.policy_edits} policy edits; in {stats.seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
