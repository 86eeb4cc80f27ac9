"""A focused extraction is the whole extraction filtered to the focus, for any set of paths.

On a generated repository (bench/generate.py: Kustomize bases and overlays with patches,
plain manifests, Helm values, Argo CD Applications deploying all three, Image Updater
write-back files), random subsets of its files, from one file to far more than the
share past which ``extract`` extracts everything and filters: the uses, the problems,
the files and the findings of ``run_rules`` are those of the full extraction kept to
the subset. The focused algorithm is checked at every size (the share raised out of
the way), and the fallback at the sizes it serves.
"""

from __future__ import annotations

import datetime
import posixpath
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.engine.run import run_rules
from gitops_guard.extract import inventory as inventory_module
from gitops_guard.extract.context import Context
from gitops_guard.extract.inventory import Inventory, candidate_files, concerns, extract
from gitops_guard.extract.kustomize import KustomizeGraph, _clean, _relative
from gitops_guard.policy.load import load_policy_file
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import DiskSource

PROJECT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2024, 3, 8)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("focus") / "repo"
    subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "generate.py"), "--files", "400",
         "--seed", "5", "--out", str(repo), "--no-commits"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return repo


def _filtered(full: Inventory, selected: set[str]) -> Inventory:
    return Inventory(
        [u for u in full.uses if concerns(u, selected, full.applications)],
        [p for p in full.problems if p.location.path in selected],
        [p for p in full.files if p in selected],
        full.parsed,
        full.applications,
    )


def _findings(inventory: Inventory, policy: Policy) -> list[tuple[object, ...]]:
    report = run_rules(inventory, policy, today=TODAY)
    return [(str(f.location), f.rule, f.environment, f.message) for f in report.findings]


def _check(repo: Path, policy: Policy, full: Inventory, selected: set[str]) -> None:
    focused = extract(DiskSource(repo), policy, sorted(selected))
    expected = _filtered(full, selected)
    assert focused.uses == expected.uses
    assert focused.problems == expected.problems
    assert focused.files == expected.files
    assert _findings(focused, policy) == _findings(expected, policy)


def test_random_subsets_yield_the_full_extraction_filtered(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy_file(generated / ".gitops-guard.yaml")
    full = extract(DiskSource(generated), policy)
    assert any(u.application for u in full.uses)  # Applications deploy some of it
    files = sorted(full.files)
    kustomizations = [p for p in files if posixpath.basename(p) == "kustomization.yaml"]
    values = [p for p in files if "/values" in p]
    assert kustomizations
    assert values
    rng = random.Random(15)
    subsets: list[set[str]] = [set(files)]
    for size in (1, 1, 2, 3, 5, 8, 13, 30, 60, 150):
        subsets.append(set(rng.sample(files, size)))
    # The kinds of file a change touches together: a base, its overlays, values.
    subsets.append(set(rng.sample(kustomizations, 10)) | set(rng.sample(values, 5)))
    subsets.append({p for p in files if "/base/" in p})
    monkeypatch.setattr(inventory_module, "FOCUS_SHARE", 1.0)  # always focused
    for selected in subsets:
        _check(generated, policy, full, selected)
    monkeypatch.undo()
    for selected in subsets:
        if len(selected) > inventory_module.FOCUS_SHARE * len(files):
            _check(generated, policy, full, selected)  # the fallback


_PART = st.sampled_from(["a", "b", "apps", "base", "x.yaml", "kustomization.yaml"])
_PATH = st.lists(_PART, max_size=5).map("/".join)


@given(_PATH, _PATH)
def test_relative_is_posix_relpath_for_repository_paths(target: str, start: str) -> None:
    assert _clean(target)
    assert _clean(start)
    assert _relative(target, start) == posixpath.relpath(target or ".", start or ".")


@pytest.mark.parametrize("path", ["./a", "a/../b", "a//b", "/a", "..", "../a", "a/."])
def test_paths_relpath_would_normalise_are_not_clean(path: str) -> None:
    assert not _clean(path)


def test_one_pass_reads_the_kustomizations_the_per_path_search_read(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy_file(generated / ".gitops-guard.yaml")
    source = DiskSource(generated)
    files = sorted(candidate_files(source.list_files(), policy))
    fileset = set(files)

    def per_path(graph: KustomizeGraph, focus: set[str]) -> None:
        texts = {p: graph.ctx.source.read(p) for p in graph._by_directory.values()}
        graph._read_related_slowly(focus, texts)

    rng = random.Random(7)
    for size in (1, 2, 4, 16, 64, 256):
        focus = set(rng.sample(files, size))
        one_pass = KustomizeGraph(Context(source, policy), files, fileset, focus)
        with monkeypatch.context() as patched:
            patched.setattr(KustomizeGraph, "_read_related", per_path)
            searched = KustomizeGraph(Context(source, policy), files, fileset, focus)
        assert set(one_pass.kustomizations) == set(searched.kustomizations)
        assert one_pass.roots == searched.roots
