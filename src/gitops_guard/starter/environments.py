"""Environment names as folders spell them, and the promotion order their words give.

A name is split into words at ``-``, ``_`` and ``.`` (``prod-eu`` is ``prod`` + ``eu``,
``load-non-gpu`` is ``load`` + ``non`` + ``gpu``); ``pre prod`` and ``non prod`` are read
as one word. The usual promotion words rank a name: dev < test/qa/integration <
staging/uat/load < prod/production; the other words of the name (a region, a variant)
are its *suffix*, kept in the name and used to pair environments across ranks
(``staging-eu`` → ``prod-eu``). A name without a promotion word has no rank: its place in
the order is not known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEV, TEST, STAGING, PROD = 0, 1, 2, 3
RANK_WORDS: dict[str, int] = {
    **dict.fromkeys(("dev", "develop", "development"), DEV),
    **dict.fromkeys(("test", "testing", "tst", "qa", "int", "integration", "sit"), TEST),
    **dict.fromkeys(
        ("stage", "staging", "stg", "uat", "load", "perf", "preprod", "nonprod"), STAGING
    ),
    **dict.fromkeys(("prod", "production", "prd", "live"), PROD),
}
# Words that name an environment without saying where it sits in the order.
UNRANKED_WORDS = frozenset(("sandbox", "demo", "preview", "alpha", "beta", "canary"))
_COMPOUNDS = {("pre", "prod"): "preprod", ("non", "prod"): "nonprod"}
# What the policy schema accepts as an environment name.
VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def words(name: str) -> list[str]:
    """The words of a folder name, lower case, with ``pre-prod``/``non-prod`` joined."""
    parts = [p for p in re.split(r"[-_.]", name.lower()) if p]
    joined: list[str] = []
    for part in parts:
        if joined and (joined[-1], part) in _COMPOUNDS:
            joined[-1] = _COMPOUNDS[(joined[-1], part)]
        else:
            joined.append(part)
    return joined


def rank(name: str) -> int | None:
    """The promotion rank of a name (highest of its words), None without a promotion word."""
    ranks = [RANK_WORDS[w] for w in words(name) if w in RANK_WORDS]
    return max(ranks) if ranks else None


def environment_words(name: str) -> set[str]:
    """The environment words a folder name starts or ends with (numbers aside):
    ``prod-eu``, ``eu-west-1-prod``, but none in ``helmvalues-non-live-images``."""
    named = [w for w in words(name) if not w.isdigit()]
    return {w for w in named[:1] + named[-1:] if w in RANK_WORDS or w in UNRANKED_WORDS}


def is_environment_word_name(name: str) -> bool:
    """Whether a folder name starts or ends with an environment word."""
    return bool(environment_words(name))


def suffix(name: str) -> str:
    """The words of a name besides its promotion words: ``prod-eu`` → ``eu``."""
    return "-".join(w for w in words(name) if w not in RANK_WORDS)


@dataclass(frozen=True, slots=True)
class Environment:
    """One inferred environment: where it sits and what it comes from."""

    name: str
    rank: int | None
    source: str | None = None  # the `from:` environment, when the order is clear


@dataclass(frozen=True, slots=True)
class Order:
    """Environments in promotion order, with the ranks that are first and last."""

    environments: tuple[Environment, ...]
    first_rank: int | None
    last_rank: int | None

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.environments]

    def is_last(self, environment: Environment) -> bool:
        """Among the environments of the highest rank present, when ranks differ."""
        return (
            environment.rank is not None
            and environment.rank == self.last_rank
            and (self.first_rank != self.last_rank or environment.rank == PROD)
        )

    def is_first(self, environment: Environment) -> bool:
        """Among the environments of the lowest rank present (not also the last)."""
        return (
            environment.rank is not None
            and environment.rank == self.first_rank
            and not self.is_last(environment)
        )


def order(names: Iterable[str]) -> Order:
    """Names in promotion order, each with its `from:` where the order is clear.

    Names without a rank come first (their place is not known), then by rank, then by
    name. An environment comes from the one environment of the nearest lower rank with
    the same suffix (``staging-eu`` → ``prod-eu``), or from the only environment of that
    rank; otherwise (``qa`` and ``integration`` before ``staging-eu``) it has no `from:`.
    """
    unique = sorted(set(names))
    ranked = {name: rank(name) for name in unique}
    present = sorted({r for r in ranked.values() if r is not None})
    by_rank: dict[int, list[str]] = {r: [n for n in unique if ranked[n] == r] for r in present}
    result: list[Environment] = [Environment(n, None) for n in unique if ranked[n] is None]
    for position, current in enumerate(present):
        for name in by_rank[current]:
            source = None
            if position > 0:
                source = _source(name, by_rank[present[position - 1]])
            result.append(Environment(name, current, source))
    return Order(
        tuple(result),
        present[0] if present else None,
        present[-1] if present else None,
    )


def _source(name: str, lower: Sequence[str]) -> str | None:
    same = [candidate for candidate in lower if suffix(candidate) == suffix(name)]
    if len(same) == 1:
        return same[0]
    if len(lower) == 1:
        return lower[0]
    return None
