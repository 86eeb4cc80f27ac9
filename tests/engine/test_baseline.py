"""Baselines: only new findings count, keyed by rule/file/resource/container, not line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from gitops_guard.engine.baseline import (
    apply_baseline,
    load_baseline,
    render_baseline,
)
from gitops_guard.errors import InputError
from gitops_guard.model import Finding, Location
from tests.conftest import RepoFactory


def finding(line: int, rule: str = "GG102", container: str = "api") -> Finding:
    return Finding(
        rule,
        "m",
        Location("a.yaml", line, 3),
        resource="Pod/p",
        container=container,
        environment="dev",
    )


def test_a_moved_finding_is_still_known(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline([finding(7)]))
    kept, known = apply_baseline([finding(12), finding(12, "GG103")], load_baseline(path))
    assert known == 1
    assert [f.rule for f in kept] == ["GG103"]


def test_keys_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline([finding(7)]))
    kept, known = apply_baseline([finding(7), finding(9)], load_baseline(path))
    assert (len(kept), known) == (1, 1)


def test_the_file_is_stable_json_without_lines(tmp_path: Path) -> None:
    document = json.loads(render_baseline([finding(7, container="b"), finding(3, container="a")]))
    assert [e["container"] for e in document["findings"]] == ["a", "b"]
    assert "line" not in document["findings"][0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "baseline is not JSON"),
        ("[]", "not a gitops-guard baseline"),
        ('{"findings": [{"rule": 1}]}', "findings[0] needs the string keys"),
    ],
)
def test_a_broken_baseline_stops_the_run_with_its_location(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_baseline(path)


def test_a_missing_baseline_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the baseline"):
        load_baseline(tmp_path / "nope.json")


def test_an_empty_baseline_keeps_everything() -> None:
    kept, known = apply_baseline([finding(1)], Counter())
    assert (len(kept), known) == (1, 0)


def test_a_baseline_of_a_shared_base_hides_it_in_every_environment(
    make_repo: RepoFactory,
) -> None:
    # The report merges a base's finding across the overlays that include it; the baseline
    # written from the report must hide every one of them (issue 14: init's baseline left
    # one finding of microservices-demo's kustomize/base standing).
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.policy.model import default_policy
    from gitops_guard.repo.files import DiskSource

    base = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'redis:latest'}]}\n"
    overlay = "resources: [../../base]\n"
    repo = make_repo(
        {
            "apps/api/base/pod.yaml": base,
            "apps/api/base/kustomization.yaml": "resources: [pod.yaml]\n",
            "apps/api/overlays/dev/kustomization.yaml": overlay,
            "apps/api/overlays/prod/kustomization.yaml": overlay,
            "apps/api/tests/smoke/kustomization.yaml": "resources: [../../base]\n",
        }
    )
    inventory = extract(DiskSource(repo), default_policy())
    first = run_rules(inventory, default_policy())
    assert {(f.rule, f.location.path) for f in first.findings} == {
        ("GG102", "apps/api/base/pod.yaml")
    }
    path = repo / "baseline.json"
    path.write_text(render_baseline(first.findings))
    again = run_rules(inventory, default_policy(), baseline=load_baseline(path))
    assert (again.findings, again.baselined) == ((), len(first.findings))
