"""GG307 sees a policy change that lets unresolved sources reach an environment."""

from __future__ import annotations

from gitops_guard.policy.diff import loosenings


def test_lowering_on_unresolved_is_a_loosening() -> None:
    old = {"environments": {"prod": {"on_unresolved": "error"}}}
    # Driven by the schema's x-loosens ranking: error is stricter than the default warning.
    assert loosenings(old, {"environments": {"prod": {}}}) == [
        (
            ["environments", "prod"],
            "environments.prod.on_unresolved: weakens it from 'error' to 'warning'",
        )
    ]
    assert loosenings(old, {"environments": {"prod": {"on_unresolved": "warning"}}})
    assert loosenings(old, old) == []
    assert loosenings({"environments": {"prod": {}}}, old) == []
