"""GG207-GG210: Image Updater configuration against the environment's policy, and no-ops."""

from __future__ import annotations

import pytest

from tests.rules.conftest import Check, located
from tests.updater.fixtures import P, application, git, policy, rule_text, value_column

IMAGE_LIST = f"{P}image-list"
LIST_COLUMN = value_column(IMAGE_LIST)
# Release versions of the 1.4 line, and only tags of the form prod accepts.
SAFE = f"{IMAGE_LIST}: api=registry.example.com/team/api:~1.4"
SAFE_ALLOW = f"{P}api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$"
PREFIX_ALLOW = f"{P}api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+"


def found(
    check: Check, *lines: str, env: str = "dev", version: str = "1.3", rule: str | None = None
) -> list[tuple[int, int, str]]:
    report = check(application(*lines, env=env), policy=policy(version))
    return [f for f in located(report, rule) if f[2].startswith("GG2")]


def col(key: str) -> int:
    return value_column(P + key)


PROD_OK = (SAFE, SAFE_ALLOW, git(), rule_text())

CASES = [
    ("prod-clean", PROD_OK, "prod", "1.3", []),
    ("staging-clean", (SAFE, git()), "staging", "1.3", []),
    # GG207: strategies the environment forbids, old names and fallbacks included.
    (
        "forbidden-strategy",
        (*PROD_OK, f"{P}api.update-strategy: newest-build"),
        "prod",
        "1.3",
        [(11, col("api.update-strategy"), "GG207"), (7, LIST_COLUMN, "GG210")],
    ),
    (
        "forbidden-old-name",
        (*PROD_OK, f"{P}api.update-strategy: name"),
        "prod",
        "1.3",
        [
            (11, col("api.update-strategy"), "GG207"),
            (11, col("api.update-strategy"), "GG210"),
            (7, LIST_COLUMN, "GG210"),
        ],
    ),
    (
        "allowed-in-dev",
        (SAFE, f"{P}api.update-strategy: alphabetical", SAFE_ALLOW),
        "dev",
        "1.3",
        [(7, LIST_COLUMN, "GG210")],
    ),
    # GG207: filters that admit tags the policy rejects, shown with a counter-example.
    (
        "prerelease-opt-in",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api:>=1.4.0-0",
            SAFE_ALLOW,
            git(),
            rule_text(),
        ),
        "prod",
        "1.3",
        [],
    ),
    (
        "prerelease-opt-in-no-allow",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api:>=1.4.0-0", git(), rule_text()),
        "prod",
        "1.3",
        [(7, LIST_COLUMN, "GG207"), (7, LIST_COLUMN, "GG207")],
    ),
    ("tag-pattern", (SAFE, git(), rule_text()), "prod", "1.3", [(7, LIST_COLUMN, "GG207")]),
    # Without a constraint, 1.2 lets prereleases through (which this allow-tags admits)...
    (
        "no-constraint-before-1.3",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api", PREFIX_ALLOW, git(), rule_text()),
        "prod",
        "1.2",
        [(7, LIST_COLUMN, "GG207"), (7, LIST_COLUMN, "GG207")],
    ),
    # ...while 1.3 reads the empty constraint as `*`, releases only.
    (
        "no-constraint-1.3",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api", PREFIX_ALLOW, git(), rule_text()),
        "prod",
        "1.3",
        [],
    ),
    (
        "newest-build-admits-latest",
        (SAFE, f"{P}api.update-strategy: newest-build"),
        "dev",
        "1.3",
        [(8, col("api.update-strategy"), "GG207"), (7, LIST_COLUMN, "GG210")],
    ),
    (
        "newest-build-filtered",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api",
            f"{P}api.update-strategy: newest-build",
            f"{P}api.allow-tags: regexp:^v[0-9]",
        ),
        "dev",
        "1.3",
        [],
    ),
    (
        "digest-tracks-forbidden",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api:latest",
            f"{P}api.update-strategy: digest",
        ),
        "dev",
        "1.3",
        [(7, LIST_COLUMN, "GG207")],
    ),
    (
        "digest-tracks-ok",
        (
            f"{IMAGE_LIST}: api=registry.example.com/team/api:stable",
            f"{P}api.update-strategy: digest",
        ),
        "dev",
        "1.3",
        [],
    ),
    # GG208: Git write-back where required; write-back settings Image Updater refuses.
    ("argocd-default-staging", (SAFE,), "staging", "1.3", [(7, 5, "GG208")]),
    (
        "argocd-explicit-prod",
        (*PROD_OK[:2], f"{P}write-back-method: argocd", rule_text()),
        "prod",
        "1.3",
        [(9, col("write-back-method"), "GG208")],
    ),
    ("argocd-dev-fine", (SAFE,), "dev", "1.3", []),
    (
        "method-case",
        (SAFE, f"{P}write-back-method: Git"),
        "dev",
        "1.3",
        [(8, col("write-back-method"), "GG208")],
    ),
    ("method-repocreds", (SAFE, f"{P}write-back-method: git:repocreds"), "staging", "1.3", []),
    (
        "method-bad-credentials",
        (SAFE, f"{P}write-back-method: git:token"),
        "dev",
        "1.3",
        [(8, col("write-back-method"), "GG208")],
    ),
    (
        "secret-short-1.3",
        (SAFE, f"{P}write-back-method: git:secret:git-creds"),
        "staging",
        "1.3",
        [],
    ),
    (
        "secret-short-1.2",
        (SAFE, f"{P}write-back-method: git:secret:git-creds"),
        "staging",
        "1.2",
        [(8, col("write-back-method"), "GG208")],
    ),
    (
        "secret-namespace-1.3",
        (SAFE, f"{P}write-back-method: git:secret:other/git-creds"),
        "staging",
        "1.3",
        [(8, col("write-back-method"), "GG208")],
    ),
    (
        "empty-method-0.18",
        (SAFE, f"{P}write-back-method: ''"),
        "dev",
        "0.18",
        [(8, col("write-back-method"), "GG208")],
    ),
    ("empty-method-1.3", (SAFE, f"{P}write-back-method: ''"), "dev", "1.3", []),
    (
        "branch-two-colons",
        (SAFE, git(), f"{P}git-branch: 'main:a:b'"),
        "dev",
        "1.3",
        [(9, col("git-branch"), "GG208")],
    ),
    (
        "branch-template",
        (SAFE, git(), f"{P}git-branch: 'main:update-{{{{.SHA256}}}}'"),
        "dev",
        "1.3",
        [],
    ),
    (
        "branch-template-unknown",
        (SAFE, git(), f"{P}git-branch: 'main:update-{{{{.Sha}}}}'"),
        "dev",
        "1.3",
        [(9, col("git-branch"), "GG208")],
    ),
    (
        "branch-template-1.2-field",
        (SAFE, git(), f"{P}git-branch: ':update-{{{{.AppName}}}}'"),
        "dev",
        "1.1",
        [(9, col("git-branch"), "GG208")],
    ),
    (
        "branch-template-1.2-field-ok",
        (SAFE, git(), f"{P}git-branch: ':update-{{{{.AppName}}}}'"),
        "dev",
        "1.2",
        [],
    ),
    (
        "kustomization-file-1.3",
        (SAFE, git(), f"{P}write-back-target: overlays/dev/kustomization.yaml"),
        "dev",
        "1.3",
        [(9, col("write-back-target"), "GG208")],
    ),
    (
        "kustomization-file-1.2",
        (SAFE, git(), f"{P}write-back-target: overlays/dev/kustomization.yaml"),
        "dev",
        "1.2",
        [],
    ),
    (
        "helmvalues-without-names-1.2",
        (SAFE, git(), f"{P}write-back-target: helmvalues:values.yaml"),
        "dev",
        "1.2",
        [(7, LIST_COLUMN, "GG208")],
    ),
    (
        "helmvalues-with-names-1.2",
        (
            SAFE,
            git(),
            f"{P}write-back-target: helmvalues",
            f"{P}api.helm.image-name: image.repository",
            f"{P}api.helm.image-tag: image.tag",
        ),
        "dev",
        "1.2",
        [],
    ),
    (
        "helmvalues-defaults-1.3",
        (SAFE, git(), f"{P}write-back-target: helmvalues"),
        "dev",
        "1.3",
        [],
    ),
    # GG209: the selection rule annotation where the policy requires it.
    ("no-selection-rule", PROD_OK[:3], "prod", "1.3", [(7, 5, "GG209")]),
    (
        "empty-selection-rule",
        (*PROD_OK[:3], "gitops-guard.io/selection-rule: ' '"),
        "prod",
        "1.3",
        [(10, 37, "GG209")],
    ),
    ("selection-rule-not-required", (SAFE,), "dev", "1.3", []),
    # GG210: accepted but without the intended effect.
    (
        "deprecated-latest",
        (SAFE, f"{P}update-strategy: latest", SAFE_ALLOW),
        "dev",
        "1.3",
        [(8, col("update-strategy"), "GG210"), (7, LIST_COLUMN, "GG210")],
    ),
    (
        "ignore-regexp",
        (SAFE, f"{P}api.ignore-tags: regexp:-rc"),
        "dev",
        "1.3",
        [(8, col("api.ignore-tags"), "GG210")],
    ),
    (
        "allow-unanchored",
        (SAFE, f"{P}api.allow-tags: regexp:1\\.4"),
        "dev",
        "1.3",
        [(8, col("api.allow-tags"), "GG210")],
    ),
    ("allow-anchored", (SAFE, f"{P}api.allow-tags: regexp:-alpine$"), "dev", "1.3", []),
    (
        "platforms-with-semver",
        (SAFE, f"{P}api.platforms: linux/arm64"),
        "dev",
        "1.3",
        [(8, col("api.platforms"), "GG210")],
    ),
    ("app-wide-platforms", (SAFE, f"{P}platforms: linux/arm64"), "dev", "1.3", [(8, 5, "GG210")]),
    (
        "target-without-git",
        (SAFE, f"{P}write-back-target: kustomization"),
        "dev",
        "1.3",
        [(8, 5, "GG210")],
    ),
    (
        "target-prefix-misuse",
        (SAFE, git(), f"{P}write-back-target: kustomization.yaml"),
        "dev",
        "1.3",
        [(9, col("write-back-target"), "GG210")],
    ),
    (
        "helm-spec-with-name",
        (SAFE, f"{P}api.helm.image-spec: image.full", f"{P}api.helm.image-name: image.repository"),
        "dev",
        "1.3",
        [(9, 5, "GG210")],
    ),
    (
        "empty-per-alias-0.18",
        (SAFE, f"{P}allow-tags: regexp:^1", f"{P}api.allow-tags: ''"),
        "dev",
        "0.18",
        [(9, 5, "GG210")],
    ),
    (
        "empty-per-alias-1.3",
        (SAFE, f"{P}allow-tags: regexp:^1", f"{P}api.allow-tags: ''"),
        "dev",
        "1.3",
        [],
    ),
    ("tag-match-1.3", (SAFE, f"{P}api.tag-match: regexp:^1"), "dev", "1.3", [(8, 5, "GG210")]),
    (
        "prerelease-widens-upper-bound",
        (f"{IMAGE_LIST}: 'api=registry.example.com/team/api:>=1.4.0-0 <2'",),
        "dev",
        "1.3",
        [(7, LIST_COLUMN, "GG210")],
    ),
    (
        "prerelease-tilde-bounded",
        (f"{IMAGE_LIST}: api=registry.example.com/team/api:~1.4.0-0",),
        "dev",
        "1.3",
        [],
    ),
]


@pytest.mark.parametrize(
    ("lines", "env", "version", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_policy_rules(
    check: Check,
    lines: tuple[str, ...],
    env: str,
    version: str,
    expected: list[tuple[int, int, str]],
) -> None:
    assert sorted(found(check, *lines, env=env, version=version)) == sorted(expected)


def messages(
    check: Check, rule: str, *lines: str, env: str = "prod", version: str = "1.3"
) -> list[str]:
    # The fixture keeps earlier files of the same test: look at this environment only.
    report = check(application(*lines, env=env), policy=policy(version))
    return [f.message for f in report.findings if f.rule == rule and f.environment == env]


def test_counter_examples_are_concrete(check: Check) -> None:
    assert messages(check, "GG207", SAFE, git(), rule_text()) == [
        "Image Updater may update `api` (registry.example.com/team/api) to `v1.4.0` in api "
        "(prod): the constraint `~1.4` admits it, but the tag pattern `^[0-9]+\\.[0-9]+\\.[0-9]+$` "
        "that applies in prod rejects it"
    ]
    pre = messages(
        check,
        "GG207",
        f"{IMAGE_LIST}: api=registry.example.com/team/api:>=1.4.0-0",
        git(),
        rule_text(),
    )
    assert (
        "Image Updater may update `api` (registry.example.com/team/api) to `1.4.0-rc.1` in api "
        "(prod): the constraint `>=1.4.0-0` admits it, but prereleases are not allowed in prod "
        "(allow_prerelease: false)"
    ) in pre
    latest = messages(check, "GG207", SAFE, f"{P}api.update-strategy: newest-build", env="dev")
    assert latest == [
        "Image Updater may update `api` (registry.example.com/team/api) to `latest` in api (dev): "
        "the newest-build strategy ignores version constraints and no allow-tags limits the tags, "
        "but the policy forbids the tag `latest` in dev"
    ]
    strategy = messages(check, "GG207", *PROD_OK, f"{P}api.update-strategy: latest")
    assert strategy == [
        "update strategy `newest-build` (written with its old name `latest`) of `api` "
        "(registry.example.com/team/api) is forbidden in api (prod) by the policy"
    ]


def test_the_hint_aligns_image_updater_with_the_policy(check: Check) -> None:
    report = check(application(SAFE, git(), rule_text(), env="prod"), policy=policy())
    (finding,) = [f for f in report.findings if f.rule == "GG207"]
    assert finding.hint == (
        "let Image Updater consider only tags the policy accepts: allow-tags "
        "`regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$`"
    )
    assert (finding.app, finding.environment, finding.image) == (
        "api",
        "prod",
        "registry.example.com/team/api",
    )


def test_write_back_messages(check: Check) -> None:
    assert messages(check, "GG208", SAFE, env="staging") == [
        "write-back method `argocd` (the default) changes the Application in the cluster and "
        "leaves no trace in Git, but the policy requires Git write-back in api (staging)"
    ]
    assert messages(check, "GG208", SAFE, f"{P}write-back-method: Git", env="dev") == [
        "`argocd-image-updater.argoproj.io/write-back-method` is `Git`: `Git` is not a write-back "
        "method (only `argocd` and `git` exist, and case matters); Image Updater writes nothing "
        "back"
    ]


def test_selection_rule_message(check: Check) -> None:
    assert messages(check, "GG209", SAFE, SAFE_ALLOW, git()) == [
        "Application `api-prod` is updated by Image Updater through its annotations in prod but "
        "has no `gitops-guard.io/selection-rule` annotation documenting which versions it takes"
    ]


def test_policy_severity_overrides_apply(check: Check) -> None:
    relaxed = policy() + "severity: {GG209: warning, unknown-alias: error}\n"
    report = check(application(SAFE, SAFE_ALLOW, git(), env="prod"), policy=relaxed)
    assert [(f.rule, f.severity) for f in report.findings] == [("GG209", "warning")]


def test_suppressions_work_on_annotation_lines(check: Check) -> None:
    lines = (
        "# gitops-guard: ignore[GG209] selection documented in the runbook (OPS-12)",
        SAFE,
        SAFE_ALLOW,
        git(),
    )
    report = check(application(*lines, env="prod"), policy=policy())
    assert located(report) == []
    assert [s.reason for s in report.suppressed] == ["selection documented in the runbook (OPS-12)"]
