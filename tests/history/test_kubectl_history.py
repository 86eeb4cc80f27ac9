"""A promotion history replayed through ``kubectl kustomize``: `report` must agree.

The history starts from the environment-promotion fixture (tests/fixtures/, modelled
on kostis-codefresh/gitops-environment-promotion) and promotes the way that repository
does: by editing each environment's ``version.yml`` patch, a component's sidecar, the
base, and by moving an environment to ``images:``. After every commit each overlay is
rendered with kubectl; every (environment, container) whose image changed is an event
``report`` must list at that commit, with the same old and new version — and nothing else.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git
from tests.extract.kubectl import GITOPS_GUARD, kubectl, render

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "environment-promotion"
ENVIRONMENTS = ["qa", "staging-eu", "staging-us", "prod-eu", "prod-us"]
POLICY = "version: 1\nlayout: ['envs/{env}/**']\nenvironments:\n" + "".join(
    f"  {env}: {{}}\n" for env in ENVIRONMENTS
)
IMAGE = "registry.example.com/shop/checkout"


def version_patch(version: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: checkout\n"
        f"        image: {IMAGE}:{version}\n"
    )


def read(root: Path, path: str) -> str:
    return (root / path).read_text()


# (subject, {path: new text or None}); a callable computes the text from the tree.
def commits(root: Path) -> list[tuple[str, dict[str, str | None]]]:
    prod_variant = read(root, "variants/prod/prod.yml")
    staging_us = read(root, "envs/staging-us/kustomization.yml")
    qa = read(root, "envs/qa/kustomization.yml")
    return [
        ("qa gets 1.3.0", {"envs/qa/version.yml": version_patch("1.3.0")}),
        ("staging-eu gets 1.2.0", {"envs/staging-eu/version.yml": version_patch("1.2.0")}),
        (
            "base image bumped (every environment patches it)",
            {"base/deployment.yml": read(root, "base/deployment.yml").replace("1.0.0", "1.0.1")},
        ),
        (
            "prod sidecar 2.4.0",
            {"variants/prod/prod.yml": prod_variant.replace("2.3.1", "2.4.0")},
        ),
        ("prod-eu gets 1.1.0", {"envs/prod-eu/version.yml": version_patch("1.1.0")}),
        ("docs", {"README.md": "environments under envs/\n"}),
        (
            "staging-us runs the prod variant",
            {
                "envs/staging-us/kustomization.yml": staging_us.replace(
                    "variants/non-prod", "variants/prod"
                )
            },
        ),
        (
            "prod-us rolls back",
            {"envs/prod-us/version.yml": version_patch("0.9.0")},
        ),
        (
            "qa moves to images:",
            {
                "envs/qa/kustomization.yml": qa.replace("- version.yml\n", "")
                + f"images:\n- name: {IMAGE}\n  newTag: 1.4.0\n",
                "envs/qa/version.yml": None,
            },
        ),
        (
            "staging-eu drops the eu variant and gets 1.3.0",
            {
                "envs/staging-eu/kustomization.yml": read(
                    root, "envs/staging-eu/kustomization.yml"
                ).replace("- ../../variants/eu\n", ""),
                "envs/staging-eu/version.yml": version_patch("1.3.0"),
            },
        ),
    ]


def state(root: Path) -> dict[tuple[str, str | None], str]:
    images: dict[tuple[str, str | None], str] = {}
    for env in ENVIRONMENTS:
        rendered = render(root / "envs" / env)
        assert rendered.images is not None, rendered.error
        for (container, image), _count in rendered.images.items():
            images[(env, container)] = image
    return images


def version(image: str | None) -> str | None:
    return None if image is None else image.rsplit(":", 1)[1]


@pytest.mark.slow
def test_report_lists_exactly_what_kubectl_renders_differently(tmp_path: Path) -> None:
    kubectl()
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("ORIGIN.md"))
    (root / ".gitops-guard.yaml").write_text(POLICY)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    before = state(root)
    expected = []
    for subject, files in commits(root):
        for path, text in files.items():
            if text is None:
                (root / path).unlink()
            else:
                (root / path).write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", subject)
        after = state(root)
        for key in sorted(set(before) | set(after), key=str):
            if before.get(key) != after.get(key):
                expected.append(
                    (subject, key[0], key[1], version(before.get(key)), version(after.get(key)))
                )
        before = after
    assert len(expected) >= 8, "the history moves images"
    done = subprocess.run(
        [str(GITOPS_GUARD), "report", "--format", "json", "--out", str(tmp_path / "out")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    events = json.loads((tmp_path / "out/report.json").read_text())["events"]
    found = [
        (e["subject"], e["environment"], e["container"], e["from"], e["to"])
        for e in events
        if e["subject"] != "initial"
    ]
    assert sorted(found, key=str) == sorted(expected, key=str)
