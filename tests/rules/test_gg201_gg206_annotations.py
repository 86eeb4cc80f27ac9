"""GG201-GG206: Image Updater annotations read exactly as Image Updater reads them."""

from __future__ import annotations

import pytest

from tests.rules.conftest import Check, located
from tests.updater.fixtures import P, application, policy, value_column

IMAGE_LIST = f"{P}image-list"
API = f"{IMAGE_LIST}: api=registry.example.com/team/api:~1.4"
LIST_COLUMN = value_column(IMAGE_LIST)


def updater_findings(
    check: Check, *lines: str, env: str = "dev", version: str = "1.3"
) -> list[tuple[int, int, str]]:
    report = check(application(*lines, env=env), policy=policy(version))
    return [f for f in located(report) if f[2].startswith("GG2")]


def col(key: str) -> int:
    return value_column(P + key)


CASES = [
    # A correct configuration produces nothing.
    ("clean", (API,), "1.3", []),
    ("clean-0.18", (API, f"{P}api.update-strategy: semver"), "0.18", []),
    # GG201: unknown keys, with a did-you-mean, and values Image Updater cannot read.
    ("typo-key", (API, f"{P}api.update-stratgy: digest"), "1.3", [(8, 5, "GG201")]),
    ("typo-app-key", (API, f"{P}write-back-methd: git"), "1.3", [(8, 5, "GG201")]),
    (
        "wrong-prefix",
        ("argocd-image-updater.argoproj.io.image-list: api=r.io/api",),
        "1.3",
        [(7, 5, "GG201")],
    ),
    (
        "boolean-value",
        (API, f"{P}api.force-update: true"),
        "1.3",
        [(8, col("api.force-update"), "GG201")],
    ),
    (
        "force-update-not-bool-1.3",
        (API, f"{P}api.force-update: 'yes'"),
        "1.3",
        [(8, col("api.force-update"), "GG201")],
    ),
    (
        "force-update-not-bool-0.18",
        (API, f"{P}api.force-update: 'yes'"),
        "0.18",
        [(8, col("api.force-update"), "GG210")],
    ),
    ("force-update-parse-bool", (API, f"{P}api.force-update: 'True'"), "1.3", []),
    (
        "pull-secret-1.3",
        (API, f"{P}api.pull-secret: pullsecret:creds"),
        "1.3",
        [(8, col("api.pull-secret"), "GG201")],
    ),
    (
        "pull-secret-1.1",
        (API, f"{P}api.pull-secret: pullsecret:creds"),
        "1.1",
        [(8, col("api.pull-secret"), "GG210")],
    ),
    ("pull-secret-ok", (API, f"{P}api.pull-secret: pullsecret:argocd/creds"), "1.3", []),
    (
        "pull-secret-namespace-1.3",
        (API, f"{P}pull-secret: secret:other/creds#auth"),
        "1.3",
        [(8, col("pull-secret"), "GG201")],
    ),
    ("pull-secret-namespace-1.2", (API, f"{P}pull-secret: secret:other/creds#auth"), "1.2", []),
    (
        "pull-secret-ext-relative",
        (API, f"{P}pull-secret: ext:scripts/creds.sh"),
        "0.18",
        [(8, col("pull-secret"), "GG201")],
    ),
    (
        "helm-and-kustomize-1.3",
        (
            API,
            f"{P}api.helm.image-name: image.repository",
            f"{P}api.kustomize.image-name: r.io/api",
        ),
        "1.3",
        [(9, 5, "GG201")],
    ),
    (
        "helm-and-kustomize-0.18",
        (
            API,
            f"{P}api.helm.image-name: image.repository",
            f"{P}api.kustomize.image-name: r.io/api",
        ),
        "0.18",
        [],
    ),
    (
        "key-too-long",
        (f"{IMAGE_LIST}: {'a' * 50}=r.io/api", f"{P}{'a' * 50}.update-strategy: semver"),
        "1.3",
        [(7, LIST_COLUMN, "GG202"), (8, 5, "GG201")],
    ),
    # GG202: image-list as Image Updater splits it.
    ("equals-in-constraint", (f"{IMAGE_LIST}: nginx:>=1.25",), "1.3", [(7, LIST_COLUMN, "GG202")]),
    (
        "comma-and",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api:>=1.2, <2",),
        "1.3",
        [(7, LIST_COLUMN + len("api=registry.example.com/team/api:>=1.2, "), "GG202")],
    ),
    (
        "port-only-registry",
        (f"{IMAGE_LIST}: app=localhost:5000/app:~1.2",),
        "1.3",
        [(7, LIST_COLUMN, "GG202")],
    ),
    ("port-registry-tag", (f"{IMAGE_LIST}: app=localhost:5000/app:1.2",), "1.3", []),
    ("no-image-list", (f"{P}update-strategy: semver",), "1.3", [(7, 5, "GG202")]),
    ("empty-image-list", (f"{IMAGE_LIST}: ' , '",), "1.3", [(7, LIST_COLUMN, "GG202")]),
    ("empty-image-list-0.18", (f"{IMAGE_LIST}: ''",), "0.18", [(7, LIST_COLUMN, "GG202")]),
    ("empty-image-after-equals", (f"{IMAGE_LIST}: 'api='",), "1.3", [(7, LIST_COLUMN, "GG202")]),
    (
        "spaces-around-equals-0.18",
        (f"{IMAGE_LIST}: 'api = r.io/api'",),
        "0.18",
        [(7, LIST_COLUMN, "GG202")],
    ),
    ("spaces-around-equals-1.3", (f"{IMAGE_LIST}: 'api = r.io/api:1.2'",), "1.3", []),
    ("slash-alias-1.3", (f"{IMAGE_LIST}: team/api=r.io/api",), "1.3", [(7, LIST_COLUMN, "GG202")]),
    ("slash-alias-0.18", (f"{IMAGE_LIST}: team/api=r.io/api",), "0.18", []),
    (
        "uppercase-image",
        (f"{IMAGE_LIST}: api=r.io/Team/api:~1",),
        "1.3",
        [(7, LIST_COLUMN, "GG202")],
    ),
    # GG203: per-image keys for aliases image-list does not define.
    ("unknown-alias", (API, f"{P}app.update-strategy: digest"), "1.3", [(8, 5, "GG203")]),
    (
        "aliasless-image-key",
        (f"{IMAGE_LIST}: nginx", f"{P}nginx.update-strategy: digest"),
        "1.3",
        [(8, 5, "GG203")],
    ),
    (
        "slash-alias-key-0.18",
        (f"{IMAGE_LIST}: team/api=r.io/api", f"{P}team_api.update-strategy: semver"),
        "0.18",
        [],
    ),
    # The key reaches the alias in 0.x: digest without a tag to track.
    (
        "slash-alias-key-0.18-read",
        (f"{IMAGE_LIST}: team/api=r.io/api", f"{P}team_api.update-strategy: digest"),
        "0.18",
        [(7, LIST_COLUMN, "GG206")],
    ),
    (
        "slash-alias-key-1.3",
        (f"{IMAGE_LIST}: team/api=r.io/api", f"{P}team_api.update-strategy: digest"),
        "1.3",
        [(7, LIST_COLUMN, "GG202"), (8, 5, "GG203")],
    ),
    # GG204: unknown strategies fall back to semver.
    (
        "unknown-strategy",
        (API, f"{P}api.update-strategy: newest_build"),
        "1.3",
        [(8, col("api.update-strategy"), "GG204")],
    ),
    ("strategy-case", (API, f"{P}api.update-strategy: SemVer"), "1.3", []),
    (
        "strategy-spaces-0.18",
        (API, f"{P}api.update-strategy: ' semver'"),
        "0.18",
        [(8, col("api.update-strategy"), "GG204")],
    ),
    ("strategy-spaces-1.3", (API, f"{P}api.update-strategy: ' semver'"), "1.3", []),
    # GG205: tag filters that match nothing, or globs that error.
    (
        "allow-no-colon",
        (API, f"{P}api.allow-tags: ^1\\.4"),
        "1.3",
        [(8, col("api.allow-tags"), "GG205")],
    ),
    (
        "allow-lookahead",
        (API, f"{P}api.allow-tags: regexp:^1(?!\\.5)"),
        "1.3",
        [(8, col("api.allow-tags"), "GG205")],
    ),
    (
        "allow-unknown-function",
        (API, f"{P}allow-tags: glob:1.*"),
        "1.3",
        [(8, col("allow-tags"), "GG205")],
    ),
    ("allow-ok", (API, f"{P}api.allow-tags: regexp:^1\\.4\\.[0-9]+$"), "1.3", []),
    (
        "ignore-bad-glob",
        (API, f"{P}api.ignore-tags: '*-rc*, [dev'"),
        "1.3",
        [(8, col("api.ignore-tags"), "GG205")],
    ),
    (
        "platform-no-slash",
        (API, f"{P}api.platforms: linux"),
        "1.3",
        [(8, col("api.platforms"), "GG205"), (8, col("api.platforms"), "GG210")],
    ),
    (
        "tag-match-0.18",
        (API, f"{P}api.tag-match: ^1"),
        "0.18",
        [(8, 5, "GG210"), (8, col("api.tag-match"), "GG205")],
    ),
    # GG206: constraints the strategy cannot use.
    (
        "constraint-latest",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api:latest",),
        "1.3",
        [(7, LIST_COLUMN, "GG206")],
    ),
    (
        "constraint-double-equals",
        (f"{IMAGE_LIST}: 'api=registry.example.com/team/api:==1.2'",),
        "1.3",
        [(7, LIST_COLUMN, "GG206")],
    ),
    (
        "digest-without-tag",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api", f"{P}api.update-strategy: digest"),
        "1.3",
        [(7, LIST_COLUMN, "GG206")],
    ),
    (
        "digest-with-tag",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api:stable",
            f"{P}api.update-strategy: digest",
        ),
        "1.3",
        [],
    ),
    (
        "latest-with-newest-build",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api:latest",
            f"{P}api.update-strategy: newest-build",
            f"{P}api.allow-tags: regexp:^[0-9]",
        ),
        "1.3",
        [(7, LIST_COLUMN, "GG210")],
    ),
]


@pytest.mark.parametrize(
    ("lines", "version", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_annotation_rules(
    check: Check, lines: tuple[str, ...], version: str, expected: list[tuple[int, int, str]]
) -> None:
    assert sorted(updater_findings(check, *lines, version=version)) == sorted(expected)


def message(check: Check, rule: str, *lines: str, version: str = "1.3", env: str = "dev") -> str:
    report = check(application(*lines, env=env), policy=policy(version))
    (finding,) = [f for f in report.findings if f.rule == rule]
    assert (finding.app, finding.environment) == ("api", env)
    return finding.message


def test_messages_say_what_image_updater_does(check: Check) -> None:
    assert message(check, "GG202", f"{IMAGE_LIST}: nginx:>=1.2") == (
        "this entry is read as alias `nginx:>` and image `1.2`: it is split at its first `=`, "
        "which here belongs to the constraint"
    )
    report = check(application(f"{IMAGE_LIST}: nginx:>=1.2"), policy=policy())
    (finding,) = [f for f in report.findings if f.rule == "GG202"]
    assert finding.hint == "a constraint with `=` needs an alias: `nginx=nginx:>=1.2`"
    assert "did you mean `argocd-image-updater.argoproj.io/api.update-strategy`?" in message(
        check, "GG201", API, f"{P}api.update-stratgy: digest"
    )
    assert "did you mean `api`?" in message(check, "GG203", API, f"{P}apii.allow-tags: any")
    assert message(check, "GG204", API, f"{P}api.update-strategy: newest_build") == (
        "unknown update strategy `newest_build` (did you mean `newest-build`?): Image Updater "
        'logs "Unknown sort option" and uses semver'
    )
    assert "matches no tag: the image is never updated" in message(
        check, "GG205", API, f"{P}api.allow-tags: ^1"
    )
    assert "Image Updater reports an error for this image and never updates it" in message(
        check, "GG206", f"{IMAGE_LIST}: api=registry.example.com/team/api:latest"
    )
    comma = message(check, "GG202", f"{IMAGE_LIST}: api=registry.example.com/team/api:>=1.2, <2")
    assert comma.startswith("`<2` is read as an image of its own")


def test_findings_carry_image_and_alias(check: Check) -> None:
    report = check(
        application(f"{IMAGE_LIST}: api=registry.example.com/team/api:latest"), policy=policy()
    )
    (finding,) = [f for f in report.findings if f.rule == "GG206"]
    assert (finding.image, finding.container, finding.resource) == (
        "registry.example.com/team/api",
        "api",
        "Application/api-dev",
    )


def test_annotations_ignored_by_1_0_are_reported_once(check: Check) -> None:
    found = updater_findings(check, f"{IMAGE_LIST}: nginx:>=1.2", version="1.0")
    assert found == [(7, 5, "GG210")]


def test_application_sets_are_checked_unless_templated(check: Check) -> None:
    text = f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apis
spec:
  template:
    metadata:
      name: '{{{{name}}}}-dev'
      annotations:
        {P}image-list: api=registry.example.com/team/api:latest
        {P}api.allow-tags: '{{{{allow}}}}'
    spec:
      source:
        path: apps/api/overlays/dev
"""
    report = check({"argocd/apis.yaml": text}, policy=policy())
    assert [f for f in located(report) if f[2].startswith("GG2")] == [(10, 54, "GG206")]
