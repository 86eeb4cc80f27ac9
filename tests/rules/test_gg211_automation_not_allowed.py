"""GG211: Image Updater on an Application of an environment that allows no automated change.

The hole it closes: semver + allow-tags + write-back `argocd` on prod moved prod with no
commit, and `validate`, `check` and the server hook all passed.
"""

from __future__ import annotations

import pytest

from tests.rules.conftest import Check, located

P = "argocd-image-updater.argoproj.io/"

POLICY = """\
version: 1
layout: ["argocd/{app}-{env}.yaml"]
environments:
  dev: {automated: [patch, minor, major, digest]}
  staging: {from: dev}
  prod: {from: staging, automated: []}
"""


def application(env: str, *annotations: str) -> str:
    lines = "".join(f"    {a}\n" for a in annotations)
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api-{env}\n"
        f"  annotations:\n{lines}spec:\n  destination: {{namespace: {env}}}\n"
    )


IMAGE_LIST = f"{P}image-list: api=registry.example.com/team/api:1.x"


@pytest.mark.parametrize(
    ("method", "said"),
    [
        (None, "commits nothing"),
        ("argocd", "commits nothing"),
        ("git", "writes commits as a bot"),
        ("git:secret:argocd/creds", "writes commits as a bot"),
    ],
)
def test_image_updater_in_an_environment_without_automation_is_found_whatever_the_write_back(
    check: Check, method: str | None, said: str
) -> None:
    settings = [IMAGE_LIST, *([f"{P}write-back-method: {method}"] if method else [])]
    report = check({"argocd/api-prod.yaml": application("prod", *settings)}, policy=POLICY)
    assert located(report, "GG211") == [(6, 5, "GG211")]
    (finding,) = [f for f in report.findings if f.rule == "GG211"]
    assert said in finding.message
    assert finding.environment == "prod"


def test_environments_that_allow_automation_or_set_no_limit_are_not_findings(
    check: Check,
) -> None:
    report = check(
        {
            "argocd/api-dev.yaml": application("dev", IMAGE_LIST),
            "argocd/api-staging.yaml": application("staging", IMAGE_LIST),
        },
        policy=POLICY,
    )
    assert located(report, "GG211") == []


def test_the_environment_is_where_the_application_deploys_not_its_folder(
    check: Check,
) -> None:
    # Filed under an unmapped folder with a neutral name, deploying an unmapped folder: its
    # destination says prod, so Image Updater there is still automation in prod.
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api-x\n"
        f"  annotations:\n    {IMAGE_LIST}\nspec:\n  source: {{path: deploy/x}}\n"
        "  destination: {server: 'https://prod.k8s.example.com', namespace: api}\n"
    )
    policy = POLICY.replace(
        "prod: {from: staging, automated: []}",
        "prod:\n    from: staging\n    automated: []\n    destinations: [{server: 'https://prod.*'}]",
    )
    files = {"ops/api-x.yaml": text, "deploy/x/kustomization.yaml": "resources: []\n"}
    report = check(files, policy=policy)
    assert [(f.rule, f.environment) for f in report.findings if f.rule == "GG211"] == [
        ("GG211", "prod")
    ]


FLUX_POLICY = """\
version: 1
layout: ["clusters/{env}/{app}/**"]
environments:
  dev: {automated: [patch, minor, major, digest]}
  prod: {from: dev, automated: []}
"""


def flux_marked(env: str, marker: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n"
        f"          image: ghcr.io/acme/api:1.0.0 # {marker}\n"
    )


@pytest.mark.parametrize(
    "marker",
    [
        '{"$imagepolicy": "flux-system:api"}',
        '{"$imagepolicy": "flux-system:api:tag"}',
        '{ "$imagepolicy" : "apps:api:name" }',
    ],
)
def test_a_flux_setter_in_an_environment_without_automation_is_found(
    check: Check, marker: str
) -> None:
    files = {
        "clusters/prod/api/deploy.yaml": flux_marked("prod", marker),
        "clusters/dev/api/deploy.yaml": flux_marked("dev", marker),
    }
    report = check(files, policy=FLUX_POLICY)
    found = [(f.location.path, f.location.line) for f in report.findings if f.rule == "GG211"]
    assert found == [("clusters/prod/api/deploy.yaml", 9)]
    (finding,) = [f for f in report.findings if f.rule == "GG211"]
    assert "Flux image automation" in finding.message


def test_an_image_without_a_setter_is_not_flux_automation(check: Check) -> None:
    text = flux_marked("prod", "pinned by hand").replace(" # pinned by hand", "")
    report = check({"clusters/prod/api/deploy.yaml": text}, policy=FLUX_POLICY)
    assert [f for f in report.findings if f.rule == "GG211"] == []
