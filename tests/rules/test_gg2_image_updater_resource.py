"""GG201-GG210 on ImageUpdater custom resources (Image Updater 1.x), located at their fields."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import with_application_folders
from tests.rules.conftest import Check, located
from tests.updater.fixtures import P, policy

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-{env}
  namespace: argocd
  labels: {{team: web}}
  annotations:
    gitops-guard.io/selection-rule: "releases of 2.x, tags of the form x.y.z"
spec:
  source:
    path: apps/web/overlays/{env}
"""

RESOURCE = """\
apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata:
  name: web
  namespace: argocd
spec:
  commonUpdateSettings:
    updateStrategy: semver
    allowTags: "regexp:^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"
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
"""


def files(resource: str = RESOURCE, **apps: str) -> dict[str, str]:
    out = {f"argocd/web-{env}.yaml": APP.format(env=env) for env in ("dev", "prod")}
    out["argocd/image-updater.yaml"] = resource
    out.update(apps)
    return with_application_folders(out)


def change(old: str, new: str) -> str:
    assert old in RESOURCE
    return RESOURCE.replace(old, new)


def updater(check: Check, version: str = "1.3", **kwargs: str) -> list[tuple[int, int, str]]:
    report = check(files(**kwargs), policy=policy(version))
    return [f for f in located(report) if f[2].startswith("GG2")]


def test_a_correct_resource_produces_nothing(check: Check) -> None:
    assert updater(check) == []


CASES = [
    # The misspelt filter is dropped, so the filter the policy needs is missing too.
    (
        "unknown-field",
        change("    allowTags:", "    allowTag:"),
        [(9, 5, "GG201"), (19, 22, "GG207")],
    ),
    (
        "bad-name-pattern",
        change('namePattern: "web-*"', 'namePattern: "web-["'),
        [(16, 20, "GG201")],
    ),
    ("bad-alias", change("alias: web", "alias: -web"), [(19, 22, "GG202")]),
    (
        "missing-images",
        change(
            "      images:\n        - alias: web\n          imageName: ghcr.io/acme/web:2.x\n          manifestTargets:\n            kustomize:\n              name: ghcr.io/acme/web\n",
            "",
        ),
        [(16, 7, "GG202")],
    ),
    (
        "constraint-latest",
        change("ghcr.io/acme/web:2.x", "ghcr.io/acme/web:latest"),
        [(19, 22, "GG206")],
    ),
    ("allow-tags-no-colon", change('allowTags: "regexp:', 'allowTags: "'), [(9, 16, "GG205")]),
    (
        "unknown-strategy",
        change("updateStrategy: semver", "updateStrategy: newest_build"),
        [(8, 21, "GG204")],
    ),
    (
        "forbidden-strategy-in-prod",
        change("updateStrategy: semver", "updateStrategy: newest-build"),
        [(8, 21, "GG207"), (19, 22, "GG210")],
    ),
    (
        "argocd-in-prod",
        change("    method: git", "    method: argocd"),
        [(11, 13, "GG208"), (13, 7, "GG210"), (14, 7, "GG210")],
    ),
    (
        "method-outside-crd-pattern",
        change("    method: git", "    method: Git"),
        [(11, 13, "GG208"), (13, 7, "GG210"), (14, 7, "GG210")],
    ),
    (
        "two-components-admitted",
        change('    allowTags: "regexp:^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"\n', ""),
        [(18, 22, "GG207")],
    ),
    (
        "manifest-targets-both",
        change(
            "            kustomize:\n",
            "            helm: {name: image.repository, tag: image.tag}\n            kustomize:\n",
        ),
        [(21, 13, "GG201")],
    ),
]


@pytest.mark.parametrize(
    ("resource", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_resource_rules(check: Check, resource: str, expected: list[tuple[int, int, str]]) -> None:
    assert sorted(updater(check, resource=resource)) == sorted(expected)


def test_resource_findings_carry_the_governed_application(check: Check) -> None:
    report = check(
        files(change("updateStrategy: semver", "updateStrategy: newest-build")), policy=policy()
    )
    (finding,) = [f for f in report.findings if f.rule == "GG207"]
    assert finding.location.path == "argocd/image-updater.yaml"
    assert (finding.app, finding.environment, finding.image, finding.resource) == (
        "web",
        "prod",
        "ghcr.io/acme/web",
        "ImageUpdater/web",
    )
    assert finding.message == (
        "update strategy `newest-build` of `web` (ghcr.io/acme/web) is forbidden in web (prod) "
        "by the policy"
    )


def test_annotations_are_ignored_when_a_resource_selects_the_application(check: Check) -> None:
    annotated = APP.format(env="dev").replace(
        "  annotations:\n", f"  annotations:\n    {P}image-list: web=ghcr.io/acme/web:latest\n"
    )
    report = check(files(**{"argocd/web-dev.yaml": annotated}), policy=policy())
    assert [f for f in located(report) if f[2].startswith("GG2")] == [(8, 5, "GG210")]
    (finding,) = [f for f in report.findings if f.rule == "GG210"]
    assert "without useAnnotations: true" in finding.message


def test_use_annotations_reads_the_application_annotations(check: Check) -> None:
    resource = change(
        '    - namePattern: "web-*"\n',
        '    - namePattern: "web-*"\n      useAnnotations: true\n',
    )
    annotated = APP.format(env="dev").replace(
        "  annotations:\n", f"  annotations:\n    {P}image-list: web=ghcr.io/acme/web:latest\n"
    )
    report = check(files(resource, **{"argocd/web-dev.yaml": annotated}), policy=policy())
    found = [f for f in located(report) if f[2].startswith("GG2")]
    # The annotation's constraint is judged; the ref's own images are ignored (GG210).
    assert sorted(found) == [(8, 50, "GG206"), (17, 23, "GG210")]


def test_use_annotations_needs_1_1(check: Check) -> None:
    resource = change(
        '    - namePattern: "web-*"\n', '    - namePattern: "web-*"\n      useAnnotations: false\n'
    )
    assert updater(check, version="1.0", resource=resource) == [(17, 7, "GG210")]


def test_resources_are_not_read_by_0_x(check: Check) -> None:
    assert updater(check, version="0.18") == [(4, 9, "GG210")]


def test_two_resources_selecting_one_application(check: Check) -> None:
    second = RESOURCE.replace("name: web\n", "name: web-too\n")
    found = updater(check, **{"argocd/image-updater-2.yaml": second})
    assert sorted(found) == [(4, 9, "GG210"), (4, 9, "GG210")]


def test_namespace_scoping(check: Check) -> None:
    elsewhere = textwrap.dedent(APP.format(env="prod")).replace(
        "namespace: argocd", "namespace: team"
    )
    report = check(files(**{"argocd/web-prod.yaml": elsewhere}), policy=policy())
    # Not governed: the prod Application is not selected, so nothing is judged for prod.
    assert all(f.environment != "prod" for f in report.findings)
