"""GG307 sees a policy change that lets unresolved sources reach an environment."""

from __future__ import annotations

from gitops_guard.policy.diff import loosenings


def test_lowering_on_unresolved_is_a_loosening() -> None:
    old = {"environments": {"prod": {"on_unresolved": "error"}}}
    assert loosenings(old, {"environments": {"prod": {}}}) == [
        (["environments", "prod"], "lets what cannot be followed (GG003) reach prod")
    ]
    assert loosenings(old, {"environments": {"prod": {"on_unresolved": "warning"}}})
    assert loosenings(old, old) == []
    assert loosenings({"environments": {"prod": {}}}, old) == []
