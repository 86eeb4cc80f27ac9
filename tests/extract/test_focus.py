"""Extracting for a few files (the hook case) gives exactly the full extraction's uses for them."""

from __future__ import annotations

from pathlib import Path

from gitops_guard.extract.inventory import concerns, extract
from gitops_guard.policy.load import load_policy_file
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files
from tests.policies import APPLICATIONS_POLICY


def key(use) -> tuple[str, str, str | None, str]:  # type: ignore[no-untyped-def]
    return (str(use.location), use.raw, use.environment, use.source.value)


def test_each_file_alone_yields_what_the_full_run_says_about_it(sample: Path) -> None:
    policy = load_policy_file(sample / ".gitops-guard.yaml")
    source = DiskSource(sample)
    full = extract(source, policy)
    assert full.files
    for path in full.files:
        # A file judges what it is part of deploying: uses written in it, and every use
        # of an overlay whose build reads it (a kustomization, a patch, a base file).
        # An Application file judges what its sources deploy.
        expected = sorted(key(u) for u in full.uses if concerns(u, {path}, full.applications))
        focused = extract(DiskSource(sample), policy, [path])
        assert sorted(key(u) for u in focused.uses) == expected, path


def test_an_app_of_apps_root_alone_judges_what_its_children_deploy(tmp_path: Path) -> None:
    def application(name: str, path: str) -> str:
        return (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
            f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n  source:\n"
            f"    repoURL: https://git.example.com/acme/gitops.git\n    path: {path}\n"
            "  destination: {server: 'https://prod.k8s.example.com', namespace: api}\n"
        )

    write_files(
        tmp_path,
        {
            ".gitops-guard.yaml": APPLICATIONS_POLICY,
            "bootstrap/root.yaml": application("root", "argocd"),
            "argocd/api-prod.yaml": application("api-prod", "apps/api"),
            "apps/api/deployment.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n"
                "  template:\n    spec:\n      containers:\n"
                "        - {name: api, image: 'registry.example.com/team/api:1.0.0'}\n"
            ),
        },
    )
    policy = load_policy_file(tmp_path / ".gitops-guard.yaml")
    focused = extract(DiskSource(tmp_path), policy, ["bootstrap/root.yaml"])
    assert [(u.location.path, u.application) for u in focused.uses] == [
        ("apps/api/deployment.yaml", "api-prod")
    ]
