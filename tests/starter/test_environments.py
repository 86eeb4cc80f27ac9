"""Environment names: their promotion rank, order and `from:` where the order is clear."""

from __future__ import annotations

import pytest

from gitops_guard.starter.environments import (
    DEV,
    PROD,
    STAGING,
    TEST,
    environment_words,
    order,
    rank,
    suffix,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dev", DEV),
        ("development", DEV),
        ("qa", TEST),
        ("integration-gpu", TEST),
        ("test", TEST),
        ("uat", STAGING),
        ("load-non-gpu", STAGING),
        ("staging-eu", STAGING),
        ("pre-prod", STAGING),  # not prod: one word
        ("non-prod", STAGING),
        ("prod-eu-west-1", PROD),
        ("production", PROD),
        ("eu-prod", PROD),
        ("alpha", None),
        ("kind", None),
    ],
)
def test_the_promotion_words_rank_a_name(name: str, expected: int | None) -> None:
    assert rank(name) == expected


def test_a_name_is_an_environment_by_its_first_or_last_word() -> None:
    assert environment_words("prod-eu") == {"prod"}
    assert environment_words("eu-west-1-prod") == {"prod"}
    assert environment_words("1-002-git-write-back-target-test") == {"test"}
    assert environment_words("1-008-helmvalues-non-live-images") == set()
    assert environment_words("loadgenerator") == set()


def test_the_suffix_is_what_is_not_a_promotion_word() -> None:
    assert [suffix(n) for n in ("prod-eu", "staging-eu", "qa", "load-non-gpu")] == [
        "eu",
        "eu",
        "",
        "non-gpu",
    ]


def test_unranked_first_then_by_rank_then_by_name() -> None:
    names = ["prod", "alpha", "dev", "uat", "qa", "preview"]
    assert order(names).names == ["alpha", "preview", "dev", "qa", "uat", "prod"]


def test_from_pairs_regions_and_follows_the_only_earlier_environment() -> None:
    result = order(["qa", "staging-eu", "staging-us", "prod-eu", "prod-us", "alpha"])
    sources = {e.name: e.source for e in result.environments}
    assert sources == {
        "alpha": None,
        "qa": None,
        "staging-eu": "qa",
        "staging-us": "qa",
        "prod-eu": "staging-eu",
        "prod-us": "staging-us",
    }


def test_no_from_where_several_could_be_the_source() -> None:
    # kostis-codefresh/gitops-environment-promotion: which of qa and the two integration
    # environments feeds staging-asia is not in the names; load-gpu follows integration-gpu.
    result = order(
        ["integration-gpu", "integration-non-gpu", "qa", "load-gpu", "staging-asia", "prod-asia"]
    )
    sources = {e.name: e.source for e in result.environments}
    assert sources["staging-asia"] is None
    assert sources["load-gpu"] == "integration-gpu"
    assert sources["prod-asia"] == "staging-asia"


def test_first_and_last() -> None:
    result = order(["dev", "staging", "prod", "alpha"])
    by_name = {e.name: e for e in result.environments}
    assert [n for n, e in by_name.items() if result.is_first(e)] == ["dev"]
    assert [n for n, e in by_name.items() if result.is_last(e)] == ["prod"]
    only_dev = order(["dev"])
    assert only_dev.is_first(only_dev.environments[0])
    assert not only_dev.is_last(only_dev.environments[0])
    only_prod = order(["prod-eu", "prod-us"])
    assert all(only_prod.is_last(e) for e in only_prod.environments)
    unranked = order(["blue", "green"])
    assert not any(unranked.is_first(e) or unranked.is_last(e) for e in unranked.environments)
