"""A realistic GitOps repository: correct Image Updater configuration passes, each mistake is found.

Applications with the annotations platform teams write every day, an ImageUpdater resource for
the web apps, and one mistake per broken Application. `validate` must report exactly one
located, explained finding per mistake and nothing for the rest.
"""

from __future__ import annotations

from tests.conftest import with_application_folders
from tests.policies import ANNOTATIONS_POLICY
from tests.rules.conftest import Check

P = "argocd-image-updater.argoproj.io/"
RELEASES = r"regexp:^[0-9]+\.[0-9]+\.[0-9]+$"
RELEASES_AND_RC = r"regexp:^[0-9]+\.[0-9]+\.[0-9]+(-rc\.[0-9]+)?$"


def app(name: str, env: str, *annotations: str) -> str:
    lines = "".join(f"    {a}\n" for a in annotations)
    return f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}-{env}
  namespace: argocd
  annotations:
{lines}spec:
  project: default
  source:
    repoURL: https://git.example.com/acme/gitops.git
    targetRevision: main
    path: apps/{name}/overlays/{env}
  destination:
    server: https://kubernetes.default.svc
    namespace: {env}
"""


KUSTOMIZE_BASE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team/api:1.4.2
"""


def overlay(tag: str) -> str:
    return f"""
resources: [../../base]
images:
  - name: registry.example.com/team/api
    newTag: "{tag}"
"""


CORRECT = with_application_folders(
    {
        ".gitops-guard.yaml": ANNOTATIONS_POLICY,
        "apps/api/base/deployment.yaml": KUSTOMIZE_BASE,
        "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/api/overlays/dev/kustomization.yaml": overlay("1.5.0-rc.1"),
        "apps/api/overlays/staging/kustomization.yaml": overlay("1.4.3"),
        "apps/api/overlays/prod/kustomization.yaml": overlay("1.4.2"),
        "argocd/api-dev.yaml": app(
            "api",
            "dev",
            f"{P}image-list: api=registry.example.com/team/api:>=1.4.0-0",
            f"{P}api.allow-tags: {RELEASES_AND_RC}",
            f"{P}write-back-method: git",
        ),
        "argocd/api-staging.yaml": app(
            "api",
            "staging",
            f"{P}image-list: api=registry.example.com/team/api:~1.4",
            f"{P}api.update-strategy: semver",
            f"{P}api.allow-tags: {RELEASES}",
            f"{P}api.ignore-tags: '*-debug, 1.4.0'",
            f"{P}write-back-method: git:secret:argocd/git-creds",
            f"{P}write-back-target: kustomization",
            f"{P}git-branch: main",
        ),
        "argocd/api-prod.yaml": app(
            "api",
            "prod",
            'gitops-guard.io/selection-rule: "patch releases of 1.4; minor bumps are reviewed PRs"',
            f"{P}image-list: api=registry.example.com/team/api:~1.4",
            f"{P}api.allow-tags: {RELEASES}",
            f"{P}api.kustomize.image-name: registry.example.com/team/api",
            f"{P}write-back-method: git",
            f"{P}git-branch: 'main:image-updater-{{{{.SHA256}}}}'",
        ),
        "argocd/proxy-dev.yaml": app(
            "proxy",
            "dev",
            f"{P}image-list: proxy=ghcr.io/acme/proxy:1.27.3",
            f"{P}proxy.update-strategy: digest",
            f"{P}proxy.platforms: linux/amd64, linux/arm64",
        ),
        "argocd/web-dev.yaml": app("web", "dev"),
        "argocd/web-prod.yaml": app(
            "web", "prod", 'gitops-guard.io/selection-rule: "2.x releases, promoted weekly"'
        ),
        "argocd/image-updater.yaml": f"""
apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata:
  name: web
  namespace: argocd
spec:
  commonUpdateSettings:
    updateStrategy: semver
    allowTags: '{RELEASES}'
    ignoreTags: ["*-debug"]
  writeBackConfig:
    method: git
    gitConfig:
      branch: main
      writeBackTarget: kustomization
  applicationRefs:
    - namePattern: "web-*"
      images:
        - alias: web
          imageName: ghcr.io/acme/web:2.x
          manifestTargets:
            kustomize:
              name: ghcr.io/acme/web
""",
    }
)

# One Application (or resource) per mistake, and the one finding it must produce.
MISTAKES = with_application_folders(
    {
        "argocd/billing-dev.yaml": app(
            "billing",
            "dev",
            f"{P}image-list: billing=registry.example.com/team/billing:>=2.0, <3",
            f"{P}allow-tags: {RELEASES}",
        ),
        "argocd/search-dev.yaml": app(
            "search",
            "dev",
            f"{P}image-list: search=registry.example.com/team/search:~1.2",
            f"{P}search.update-stratgy: digest",
            f"{P}allow-tags: {RELEASES}",
        ),
        "argocd/cart-dev.yaml": app(
            "cart", "dev", f"{P}image-list: cart=registry.example.com/team/cart:latest"
        ),
        "argocd/ledger-prod.yaml": app(
            "ledger",
            "prod",
            'gitops-guard.io/selection-rule: "newest build of main"',
            f"{P}image-list: ledger=registry.example.com/team/ledger",
            f"{P}ledger.update-strategy: newest-build",
            f"{P}ledger.allow-tags: {RELEASES}",
            f"{P}write-back-method: git",
        ),
        "argocd/notify-staging.yaml": app(
            "notify",
            "staging",
            f"{P}image-list: notify=registry.example.com/team/notify:~3.1",
            f"{P}allow-tags: {RELEASES}",
        ),
        "argocd/pay-prod.yaml": app(
            "pay",
            "prod",
            f"{P}image-list: pay=registry.example.com/team/pay:~2.0",
            f"{P}allow-tags: {RELEASES}",
            f"{P}write-back-method: git",
        ),
        "argocd/mail-dev.yaml": app(
            "mail",
            "dev",
            f"{P}image-list: mail=registry.example.com/team/mail:~1.0",
            f"{P}mail.allow-tags: ^[0-9]+\\.[0-9]+\\.[0-9]+$",
        ),
        "argocd/chat-dev.yaml": app(
            "chat",
            "dev",
            f"{P}image-list: chat=registry.example.com/team/chat:~1.0",
            f"{P}chat.update-strategy: newest_build",
            f"{P}allow-tags: {RELEASES}",
        ),
        "argocd/docs-dev.yaml": app(
            "docs",
            "dev",
            f"{P}image-list: docs=registry.example.com/team/docs:~1.0",
            f"{P}allow-tags: {RELEASES}",
            f"{P}doc.ignore-tags: '*-rc*'",
        ),
        "argocd/auth-dev.yaml": app(
            "auth",
            "dev",
            f"{P}image-list: auth=registry.example.com/team/auth:~1.0",
            f"{P}allow-tags: {RELEASES}",
            f"{P}auth.ignore-tags: regexp:.*-rc.*",
        ),
        "argocd/image-updater-batch.yaml": """
apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata:
  name: batch
  namespace: argocd
spec:
  applicationRefs:
    - namePattern: "batch-*"
      commonUpdateSettings:
        allowTags: "^1\\\\."
      images:
        - alias: batch
          imageName: registry.example.com/team/batch:1.x
""",
    }
)

EXPECTED = [
    ("argocd/auth-dev.yaml", 9, 56, "GG210", "warning"),
    ("argocd/billing-dev.yaml", 7, 99, "GG202", "error"),
    ("argocd/cart-dev.yaml", 7, 50, "GG206", "error"),
    ("argocd/chat-dev.yaml", 8, 60, "GG204", "warning"),
    ("argocd/docs-dev.yaml", 9, 5, "GG203", "warning"),
    ("argocd/image-updater-batch.yaml", 10, 20, "GG205", "error"),
    ("argocd/ledger-prod.yaml", 9, 62, "GG207", "error"),
    ("argocd/mail-dev.yaml", 8, 55, "GG205", "error"),
    ("argocd/notify-staging.yaml", 7, 5, "GG208", "error"),
    ("argocd/pay-prod.yaml", 7, 5, "GG209", "error"),
    ("argocd/search-dev.yaml", 8, 5, "GG201", "error"),
]


def test_correct_configuration_produces_no_finding(check: Check) -> None:
    report = check(CORRECT, policy=ANNOTATIONS_POLICY)
    assert [(f.location, f.rule, f.message) for f in report.findings] == []


def test_each_mistake_is_found_once_where_it_is_written(check: Check) -> None:
    report = check({**CORRECT, **MISTAKES}, policy=ANNOTATIONS_POLICY)
    assert [
        (f.location.path, f.location.line, f.location.column, f.rule, f.severity)
        for f in report.findings
    ] == EXPECTED
    for finding in report.findings:
        assert finding.message
        assert finding.hint, finding
        if finding.location.path != "argocd/image-updater-batch.yaml":
            assert finding.app is not None
            assert finding.environment in ("dev", "staging", "prod")
    assert report.errors == 8
    assert report.warnings == 3


def test_the_messages_read_well(check: Check) -> None:
    report = check({**CORRECT, **MISTAKES}, policy=ANNOTATIONS_POLICY)
    by_path = {f.location.path: f.message for f in report.findings}
    assert by_path["argocd/billing-dev.yaml"] == (
        "`<3` is read as an image of its own: image-list is split at every comma, so a comma "
        "cannot mean AND inside an entry"
    )
    assert by_path["argocd/ledger-prod.yaml"] == (
        "update strategy `newest-build` of `ledger` (registry.example.com/team/ledger) is "
        "forbidden in ledger (prod) by the policy"
    )
    assert by_path["argocd/notify-staging.yaml"] == (
        "write-back method `argocd` (the default) changes the Application in the cluster and "
        "leaves no trace in Git, but the policy requires Git write-back in notify (staging)"
    )
