"""The extraction context: parsed files and results derived from a file's tree, kept once."""

from __future__ import annotations

from collections.abc import Callable

from gitops_guard.extract.context import Context
from gitops_guard.model import Location
from gitops_guard.parse.loader import load_yaml
from gitops_guard.policy.load import parse_policy
from gitops_guard.repo.files import DiskSource


def context(tmp_path) -> Context:  # type: ignore[no-untyped-def]
    return Context(DiskSource(tmp_path), parse_policy(b"version: 1\n"))


def test_a_result_is_remembered_for_the_same_tree_with_its_problems(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = context(tmp_path)
    tree = load_yaml("v.yaml", b"image: {tag: 1.10}\n").documents[0].root
    calls: list[int] = []

    def compute() -> list[str]:
        calls.append(1)
        ctx.problem(Location("v.yaml", 1, 15), "a number where a tag should be")
        return ["result"]

    first = ctx.remember("v.yaml", "purpose", tree, compute)
    assert [p.message for p in ctx.problems] == ["a number where a tag should be"]
    ctx.problems = []  # a new round of an incremental update
    ctx.reset_reported()
    again = ctx.remember("v.yaml", "purpose", tree, compute)
    assert again is first
    assert calls == [1]
    assert [p.message for p in ctx.problems] == ["a number where a tag should be"]


def test_another_tree_or_purpose_is_computed_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = context(tmp_path)
    old = load_yaml("v.yaml", b"a: 1\n").documents[0].root
    new = load_yaml("v.yaml", b"a: 2\n").documents[0].root
    seen: list[object] = []

    def recorder(tree: object, purpose: str) -> Callable[[], None]:
        return lambda: seen.append((tree, purpose))

    for tree, purpose in ((old, "x"), (new, "x"), (new, "y"), (new, "x")):
        ctx.remember("v.yaml", purpose, tree, recorder(tree, purpose))
    assert seen == [(old, "x"), (new, "x"), (new, "y")]


def test_problems_reach_an_enclosing_capture(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = context(tmp_path)
    tree = load_yaml("v.yaml", b"a: 1\n").documents[0].root

    def inner() -> None:
        ctx.problem(Location("v.yaml", 1, 1), "inner problem")

    def outer() -> None:
        ctx.remember("v.yaml", "inner", tree, inner)

    ctx.remember("v.yaml", "outer", tree, outer)
    ctx.problems = []
    ctx.reset_reported()
    ctx.remember("v.yaml", "outer", tree, outer)  # remembered: re-reports the inner problem
    assert [p.message for p in ctx.problems] == ["inner problem"]
