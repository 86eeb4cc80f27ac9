"""Counts and sizes in messages: the plurals and units people expect."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.words import count, plural, size


def test_counts_agree_with_their_number() -> None:
    assert count(1, "file") == "1 file"
    assert count(0, "file") == "0 files"
    assert count(2, "image use") == "2 image uses"
    assert count(3, "policy") == "3 policies"
    assert count(2, "match") == "2 matches"
    assert count(12_345, "commit") == "12,345 commits"
    assert plural(1, "is") == "is"
    assert plural(2, "is") == "are"


def test_sizes_use_the_largest_unit_that_keeps_them_whole() -> None:
    assert size(10) == "10 bytes"
    assert size(1) == "1 byte"
    assert size(1024) == "1 KiB"
    assert size(1536) == "1.5 KiB"
    assert size(5 * 1024 * 1024) == "5 MiB"
    assert size(3 * 1024**3) == "3 GiB"


@given(st.integers(min_value=0, max_value=2**50))
def test_a_size_never_prints_an_exponent_or_a_zero_value(number: int) -> None:
    text = size(number)
    value, unit = text.split(" ")
    assert "e" not in value
    assert unit in ("byte", "bytes", "KiB", "MiB", "GiB")
    assert float(value.replace(",", "")) >= (0 if unit.startswith("byte") else 1)
