"""``init`` then ``validate`` on five public GitOps repositories of different shapes, as a
new user would (issue 14): the policy loads, passes what it was inferred from or
records what remains in a baseline, and every finding left is one a reviewer would call
real — each is listed below with the reason. No image ``init`` saw is refused (GG104).

The repositories are small skeletons cut from the originals (``tests/fixtures/skeletons/<name>/``,
see each ``ORIGIN.md``).
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import git
from tests.starter.helpers import findings, policy_of, run

FIXTURES = Path(__file__).parent.parent / "fixtures" / "skeletons"
BASELINE = ".gitops-guard-baseline.json"
VERSIONS = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"
SHORT_VERSIONS = r"^v?[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$"

LATEST = "a `latest` tag: mutable (GG102), and not a version (GG103)"
UNTAGGED = "no tag: whatever `latest` is when the pod starts"
ALPINE = "`redis:alpine` follows every Redis release: a tag that moves, not a version"


@dataclass(frozen=True)
class Expected:
    """What init writes for a repository and what validate reports under it."""

    layout: list[str] | None
    environments: list[str]
    sources: dict[str, str]
    registries: list[str]
    tag_pattern: str
    # (rule, path) → how many, with the reason each is real.
    findings: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)


REPOSITORIES = {
    # Kustomize overlays per environment, regions and GPU variants in the names.
    "gitops-environment-promotion": Expected(
        layout=["envs/{env}/**"],
        environments=[
            "integration-gpu",
            "integration-non-gpu",
            "qa",
            "load-gpu",
            "load-non-gpu",
            "staging-asia",
            "staging-eu",
            "staging-us",
            "prod-asia",
            "prod-eu",
            "prod-us",
        ],
        sources={
            "load-gpu": "integration-gpu",
            "load-non-gpu": "integration-non-gpu",
            "prod-asia": "staging-asia",
            "prod-eu": "staging-eu",
            "prod-us": "staging-us",
        },
        registries=["docker.io/kostiscodefresh/*"],
        tag_pattern=r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.-]+)?$",  # tags 1.0, 2.0, 3.0
    ),
    # One app per folder, Helm and Kustomize and plain manifests side by side.
    "argocd-example-apps": Expected(
        layout=["{app}/values-{env}.yaml"],  # helm-guestbook/values-production.yaml
        environments=["production"],
        sources={},
        registries=[
            "docker.io/kbudde/*",
            "docker.io/library/*",
            "docker.io/weaveworksdemos/*",
            "gcr.io/google-samples/*",
        ],
        tag_pattern=SHORT_VERSIONS,  # gb-frontend:v5
        findings={
            ("GG001", "plugins/kustomized-helm/kustomization.yaml"): (
                2,
                "lists ./all.yaml, which a plugin generates at sync time: what it deploys "
                "cannot be read; and its patches entry is a bare path, which kustomize v5 "
                "refuses",
            ),
            ("GG003", "helm-dependency/Chart.yaml"): (
                1,
                "a dependency from a chart repository (https://charts.helm.sh/stable) that is "
                "not vendored in charts/",
            ),
            ("GG101", "sock-shop/base/carts-db-dep.yaml"): (1, UNTAGGED + " (mongo)"),
            ("GG101", "sock-shop/base/orders-db-dep.yaml"): (1, UNTAGGED + " (mongo)"),
            ("GG101", "sock-shop/base/rabbitmq-dep.yaml"): (1, UNTAGGED + " (rabbitmq-exporter)"),
            ("GG102", "helm-hooks/manifests.yaml"): (4, LATEST),
            ("GG103", "helm-hooks/manifests.yaml"): (4, LATEST),
            ("GG102", "pre-post-sync/post-sync-job.yaml"): (1, LATEST),
            ("GG103", "pre-post-sync/post-sync-job.yaml"): (1, LATEST),
            ("GG102", "pre-post-sync/pre-sync-job.yaml"): (1, LATEST),
            ("GG103", "pre-post-sync/pre-sync-job.yaml"): (1, LATEST),
            ("GG102", "sync-waves/manifests.yaml"): (5, LATEST),
            ("GG103", "sync-waves/manifests.yaml"): (5, LATEST),
            ("GG103", "sock-shop/base/session-db-dep.yaml"): (1, ALPINE),
        },
    ),
    # Flux: apps/<env> and clusters/<env>, images in HelmReleases (not read yet).
    "flux2-kustomize-helm-example": Expected(
        layout=["apps/{env}/**", "clusters/{env}/**"],
        environments=["staging", "production"],
        sources={"production": "staging"},
        registries=[],  # podinfo comes from a Helm chart outside the repository
        tag_pattern=VERSIONS,
        # Named, not followed: the podinfo chart of a Helm repository, and the Flux
        # Kustomizations' ExternalArtifact sources (built by an ArtifactGenerator).
        findings={
            # a chart from a Helm repository, in staging and in production
            ("GG003", "apps/base/podinfo/release.yaml"): (2, "a chart from a Helm repository"),
            ("GG003", "clusters/production/apps.yaml"): (1, "an ExternalArtifact source"),
            ("GG003", "clusters/staging/apps.yaml"): (1, "an ExternalArtifact source"),
            ("GG003", "clusters/production/infrastructure.yaml"): (2, "ExternalArtifact sources"),
            ("GG003", "clusters/staging/infrastructure.yaml"): (2, "ExternalArtifact sources"),
        },
    ),
    # No environments: plain manifests, a Kustomize base with components, a Helm chart.
    "microservices-demo": Expected(
        layout=None,
        environments=[],
        sources={},
        registries=[
            "docker.io/library/*",
            "docker.io/otel/*",
            "us-central1-docker.pkg.dev/online-boutique-ci/*",
        ],
        tag_pattern=VERSIONS,
        findings={
            **{
                ("GG101", f"kubernetes-manifests/{name}.yaml"): (
                    1,
                    UNTAGGED + ": `image: <service>` is a name skaffold replaces; applied as "
                    "written it pulls docker.io/library/<service>:latest",
                )
                for name in (
                    "adservice",
                    "cartservice",
                    "checkoutservice",
                    "currencyservice",
                    "emailservice",
                    "frontend",
                    # loadgenerator.yaml is beside the kustomization, which does not list it:
                    # kustomize does not deploy it.
                    "paymentservice",
                    "productcatalogservice",
                    "recommendationservice",
                    "shippingservice",
                )
            },
            # kustomize/components/shopping-assistant: no overlay enables it, nothing deploys it.
            ("GG103", "kubernetes-manifests/cartservice.yaml"): (1, ALPINE),
            ("GG103", "kustomize/base/cartservice.yaml"): (1, ALPINE),
            ("GG103", "release/kubernetes-manifests.yaml"): (1, ALPINE),
        },
    ),
    # A tool's repository: its install manifests, samples and end-to-end test data.
    "argocd-image-updater": Expected(
        layout=None,  # test folders named `1-002-...-test` are not environments
        environments=[],
        sources={},
        registries=[
            "10.42.0.1:30000/git-http",
            "10.42.0.1:30000/other-image",
            "10.42.0.1:30000/test-image",
            "127.0.0.1:30000/reaper",
            "127.0.0.1:30000/session",
            "127.0.0.1:30000/test-image",
            "docker.io/library/*",
            "quay.io/argoprojlabs/*",
            "quay.io/dkarpele/*",
        ],
        tag_pattern=VERSIONS,
        findings={
            ("GG101", "test/e2e/prereqs/registry/registry.yaml"): (2, UNTAGGED + " (registry)"),
            ("GG102", "config/install.yaml"): (1, LATEST + " (the updater's own image)"),
            ("GG103", "config/install.yaml"): (1, LATEST),
            ("GG102", "config/manager/kustomization.yaml"): (1, LATEST),
            ("GG103", "config/manager/kustomization.yaml"): (1, LATEST),
            ("GG102", "test/e2e/prereqs/repo/install.yaml"): (1, LATEST),
            ("GG103", "test/e2e/prereqs/repo/install.yaml"): (1, LATEST),
            ("GG201", "config/samples/argocd-image-updater_v1alpha1_imageupdater.yaml"): (
                4,
                "pullSecret names the namespace `<namespace>`, a placeholder Image Updater "
                "1.3 cannot read from",
            ),
            ("GG205", "config/samples/argocd-image-updater_v1alpha1_imageupdater.yaml"): (
                1,
                "platform `windows` is not os/arch: it matches no image",
            ),
            ("GG207", "config/samples/argocd-image-updater_v1alpha1_imageupdater.yaml"): (
                3,
                "newest-build with allow-tags ^[0-9a-f]{7}$ may pick a commit tag the policy "
                "rejects",
            ),
            ("GG207", "config/samples/argocd-image-updater_v1alpha1_imageupdater-plugin.yaml"): (
                2,
                "the constraint 1.x admits a tag such as 1.0, which is not x.y.z like every "
                "tag this repository uses",
            ),
            (
                "GG207",
                "config/samples/argocd-image-updater_v1alpha1_imageupdater-verification.yaml",
            ): (2, "constraints 1.0.0 and 1.25.0 admit 1.0 and 1.25, not x.y.z"),
            ("GG207", "test/e2e/suite/002-simple-kustomize-app-latest/01-install.yaml"): (
                2,
                "the digest strategy tracks `latest`",
            ),
            ("GG207", "test/e2e/suite/005-app-wide-update-strategy/01-install.yaml"): (
                3,
                "newest-build may pick `latest`; ~1.0 admits 1.0",
            ),
            # The e2e Applications deploy from another repository (their testdata.git),
            # which is named, not followed (warnings).
            **{
                ("GG003", f"test/e2e/suite/{path}"): (count, "a source in another repository")
                for path, count in (
                    ("002-simple-kustomize-app-latest/01-install.yaml", 1),
                    ("002-simple-kustomize-app-latest/04-assert.yaml", 1),
                    ("005-app-wide-update-strategy/01-install.yaml", 2),
                    ("005-app-wide-update-strategy/02-assert.yaml", 2),
                )
            },
            **{
                ("GG210", path): (count, "settings Image Updater accepts but ignores (warnings)")
                for path, count in (
                    ("config/samples/argocd-image-updater_v1alpha1_imageupdater.yaml", 6),
                    (
                        "config/samples/argocd-image-updater_v1alpha1_imageupdater-pull-request.yaml",
                        1,
                    ),
                    ("test/e2e/suite/002-simple-kustomize-app-latest/01-assert.yaml", 1),
                    ("test/e2e/suite/002-simple-kustomize-app-latest/01-install.yaml", 1),
                    ("test/e2e/suite/002-simple-kustomize-app-latest/02-assert.yaml", 1),
                    ("test/e2e/suite/005-app-wide-update-strategy/01-install.yaml", 1),
                )
            },
        },
    ),
}


@pytest.fixture
def checkout(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The fixture as a fresh clone: one commit, nothing else."""
    name: str = request.param
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("ORIGIN.md"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name} skeleton")
    return root


@pytest.mark.parametrize("checkout", sorted(REPOSITORIES), indirect=True)
def test_init_then_validate(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = REPOSITORIES[checkout.name]
    result = run(["init", "--repo", str(checkout)], capsys)
    assert result.code == 0, result.err

    policy = policy_of(checkout)
    assert policy.get("layout") == expected.layout
    environments = policy.get("environments") or {}
    assert list(environments) == expected.environments
    assert {n: e["from"] for n, e in environments.items() if "from" in e} == expected.sources
    assert policy["images"].get("registries", []) == expected.registries
    assert policy["images"]["tag_pattern"] == expected.tag_pattern

    found = findings(checkout, capsys)
    assert not [f for f in found if f["rule"] == "GG104"]  # every image init saw is allowed
    counted = Counter((f["rule"], f["path"]) for f in found)
    assert dict(counted) == {key: count for key, (count, _why) in expected.findings.items()}

    if expected.findings:
        assert f"recorded in {BASELINE}, which the policy names as its baseline" in result.out
        assert policy["baseline"] == BASELINE
        clean = run(["validate", "--repo", str(checkout)], capsys)  # the policy's baseline
        assert clean.code == 0, clean.out
    else:
        assert "the repository passes it" in result.out
        assert not (checkout / BASELINE).exists()
        assert "baseline" not in policy
        assert run(["validate", "--repo", str(checkout)], capsys).code == 0
