"""A one-shot extraction keeps parsed trees only while they are read (issue 15, item 4).

Parsed trees cost about 50 times their text, so a whole-repository run that kept every
file's tree was bounded by the repository. ``extract`` keeps at most ``PARSED_KEPT``
parsed files besides those the rules read after it (Applications and the other
documents Image Updater reads, files with inline suppressions or Flux setters): a
file's documents are released once it is read, and parsed again if read again, which
yields the same answers.
"""

from __future__ import annotations

import datetime
import gc
import random
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from gitops_guard.engine.run import run_rules
from gitops_guard.extract import inventory as inventory_module
from gitops_guard.extract.context import retained
from gitops_guard.extract.inventory import FILE, Extraction, Inventory, extract
from gitops_guard.policy.load import load_policy_file, parse_policy
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import DiskSource
from tests.conftest import write_files

PROJECT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2024, 3, 8)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/{name}:1.2.{patch}
"""
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  annotations:
    argocd-image-updater.argoproj.io/image-list: web=registry.example.com/web
spec:
  source: {repoURL: "https://git.example.com/gitops.git", path: apps/api}
  destination: {namespace: web}
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("memory") / "repo"
    subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "generate.py"), "--files", "400",
         "--seed", "3", "--out", str(repo), "--no-commits"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return repo


def _answers(inventory: Inventory, policy: Policy) -> tuple[object, ...]:
    report = run_rules(inventory, policy, today=TODAY)
    return (
        inventory.uses,
        inventory.problems,
        inventory.files,
        inventory.applications,
        inventory.source_urls,
        report.findings,
        report.suppressed,
    )


def test_released_trees_give_the_answers_of_kept_ones(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy_file(generated / ".gitops-guard.yaml")
    source = DiskSource(generated)
    files = sorted(extract(source, policy).files)
    rng = random.Random(4)
    selections: list[list[str] | None] = [None, rng.sample(files, 3), rng.sample(files, 30)]
    for selected in selections:
        monkeypatch.setattr(inventory_module, "PARSED_KEPT", None)  # every tree kept
        kept = extract(source, policy, selected)
        monkeypatch.setattr(inventory_module, "PARSED_KEPT", 0)  # each released at once
        released = extract(source, policy, selected)
        assert _answers(released, policy) == _answers(kept, policy)
        # What stays parsed is what the rules read after the extraction.
        assert all(retained(loaded) for loaded in released.parsed.values())
        assert len(released.parsed) < len(kept.parsed)


def test_the_whole_run_keeps_at_most_the_bound_beside_what_the_rules_read(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy_file(generated / ".gitops-guard.yaml")
    monkeypatch.setattr(inventory_module, "PARSED_KEPT", 8)
    inventory = extract(DiskSource(generated), policy)
    others = [path for path, loaded in inventory.parsed.items() if not retained(loaded)]
    assert len(others) <= 8
    assert len(inventory.files) > 300


def test_a_manifests_documents_are_released_after_its_images_are_extracted(
    tmp_path: Path,
) -> None:
    write_files(
        tmp_path,
        {
            "apps/web/a.yaml": DEPLOYMENT.format(name="a", patch=1),
            "apps/web/b.yaml": DEPLOYMENT.format(name="b", patch=2),
            "apps/web/c.yaml": DEPLOYMENT.format(name="c", patch=3)
            + "# gitops-guard: ignore GG102 -- a suppression the rules read later\n",
            "argocd/web.yaml": APPLICATION,
        },
    )
    policy = parse_policy(b"version: 1\n")
    extraction = Extraction(DiskSource(tmp_path), policy, keep=1)
    ctx = extraction.ctx
    application = ctx.parsed["argocd/web.yaml"]  # read to learn what it deploys
    alive = weakref.ref(application.documents[0].root)

    extraction.compute((FILE, "apps/web/a.yaml"))
    assert [u.raw for u in extraction.units[(FILE, "apps/web/a.yaml")].uses] == [
        "registry.example.com/a:1.2.1"
    ]
    first = weakref.ref(ctx.parsed["apps/web/a.yaml"].documents[0].root)
    extraction.compute((FILE, "apps/web/b.yaml"))  # a.yaml is now past the bound
    gc.collect()
    assert first() is None
    assert "apps/web/a.yaml" not in ctx.parsed
    # The Application is read again by the rules (Image Updater), and so is the file
    # holding a suppression: both stay parsed.
    extraction.compute((FILE, "apps/web/c.yaml"))
    extraction.compute((FILE, "apps/web/a.yaml"))  # read again: the same uses
    gc.collect()
    assert alive() is not None
    assert "apps/web/c.yaml" in ctx.parsed
    assert "apps/web/b.yaml" not in ctx.parsed
    assert [u.raw for u in extraction.units[(FILE, "apps/web/a.yaml")].uses] == [
        "registry.example.com/a:1.2.1"
    ]


def test_without_a_bound_every_tree_is_kept(tmp_path: Path) -> None:
    # The history's extraction is updated commit after commit: it keeps every tree
    # (the re-parser patches them; derived results are matched by identity).
    write_files(
        tmp_path,
        {f"m{i}.yaml": DEPLOYMENT.format(name=f"m{i}", patch=i) for i in range(5)},
    )
    extraction = Extraction(DiskSource(tmp_path), parse_policy(b"version: 1\n"))
    for key in extraction.all_keys():
        extraction.compute(key)
    assert sorted(extraction.ctx.parsed) == [f"m{i}.yaml" for i in range(5)]
