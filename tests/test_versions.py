"""Specification of gitops_guard.versions: Masterminds/semver v3.4.0 as Argo CD Image Updater uses it.

Rows come from IMAGE-UPDATER.md section 5 and from the upstream test files
(constraints_test.go, version_test.go); every row was also run through the Go library.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_guard.versions import (
    Constraint,
    InvalidConstraint,
    InvalidVersion,
    Version,
    change_kind,
    compare,
    parse_constraint,
    parse_version,
    try_parse_version,
)


def _table(section: str, rows: list[tuple[str, str, bool]]) -> list[object]:
    return [
        pytest.param(c, v, ok, id=f"{section}: {c!r} {'accepts' if ok else 'rejects'} {v}")
        for c, v, ok in rows
    ]


# ---------------------------------------------------------------------------------------------
# Constraint checks: (constraint, tag, AIU keeps the tag?)

EXACT = [
    ("1.2.3", "1.2.3", True),
    ("=1.2.3", "1.2.3", True),
    ("= 1.2.3", "1.2.3", True),
    ("1.2.3", "1.2.4", False),
    ("=1.2.3", "1.2.3+build.5", True),  # build metadata never counts
    ("1.2.3+meta", "1.2.3", True),
    ("v1.2.3", "1.2.3", True),
    ("1.2.3", "v1.2.3", True),
    ("=01.02.03", "1.2.3", True),  # leading zeros are coerced
    ("1.2.3", "01.002.0003", True),
    ("1.2.3", "1.2.3-rc.1", False),
    ("=2.0.0", "1.2.3", False),
    ("=2.0.0", "2.0.0", True),
    ("1.2.3-rc.1", "1.2.3-rc.1", True),
    ("1.2.3-rc.1", "1.2.3-rc.2", False),
    ("1.2.3-rc.1", "1.2.3", False),
    ("1.2.3 1.2.4", "1.2.3", False),  # two exact versions ANDed never match
    ("1.2.3-2.0.0", "1.2.3-2.0.0", True),  # no spaces around '-': a prerelease, not a range
    ("=0.0.0", "0.0.0", True),
    ("=0.0.0", "0.0.1", False),
]

PARTIAL = [  # a missing or wildcard part turns '=' (and no operator) into a tilde range
    ("1.2", "1.2.0", True),
    ("1.2", "1.2.99", True),
    ("1.2", "1.3.0", False),
    ("1.2", "1.1.9", False),
    ("=1.2", "1.2.5", True),
    ("1.2.x", "1.2.7", True),
    ("1.2.X", "1.2.7", True),
    ("1.2.*", "1.2.7", True),
    ("1.2.x", "1.3.0", False),
    ("1", "1.0.0", True),
    ("1", "1.99.99", True),
    ("1", "2.0.0", False),
    ("1", "0.9.0", False),
    ("1.x", "1.5.0", True),
    ("1.X", "1.5.0", True),
    ("1.*", "1.5.0", True),
    ("v1.x", "1.5.0", True),
    ("1.x", "2.0.0", False),
    ("1.x.x", "1.5.5", True),
    ("1.x.3", "1.0.0", True),  # everything after a wildcard is ignored
    ("1.x.3", "1.9.9", True),
    ("2.*", "1", False),
    ("2.*", "3.4.5", False),
    ("2.*", "2.1.1", True),
    ("2.1.*", "2.1.1", True),
    ("2.1.*", "2.2.1", False),
    ("2", "1", False),
    ("2", "3.4.5", False),
    ("2", "2.1.1", True),
    ("2.1", "2.1.1", True),
    ("2.1", "2.2.1", False),
    ("=2.0", "1.2.3", False),
    ("=2.0", "2.0.0", True),
    ("=2.0", "2.0.1", True),
    ("= 2.0", "2.0.0", True),
    ("4.1", "4.1.0", True),
    ("4.1.x", "4.1.3", True),
    ("1.x", "1.4", True),
    ("0.x.x", "1.2.3", False),
    ("0.0.x", "1.2.3", False),
    ("0.0.0", "1.2.3", False),
    ("0.0.x", "0.0.5", True),
    ("0.0", "0.0.9", True),
    ("0.0", "0.1.0", False),
    ("0", "0.9.9", True),
    ("0", "1.0.0", False),
    ("=0", "1", False),
    ("=0", "0.9.9", True),
    ("1.2+build", "1.2.5", True),
    ("1.x+build", "1.5.0", True),
    ("1.2.x", "1.2.0-rc.1", False),
]

WILDCARD = [
    ("*", "1", True),
    ("*", "4.5.6", True),
    ("*", "0.0.0", True),
    ("x", "4.5.6", True),
    ("X", "4.5.6", True),
    ("=*", "3.0.0", True),
    ("v*", "3.0.0", True),
    ("x.x.x", "1.2.3", True),
    ("*.*", "9.9.9", True),
    ("x.1.2", "5.0.0", True),  # parts after a wildcard major are ignored
    ("*+build", "2.0.0", True),
    ("*", "1.2.3-alpha.1", False),  # releases only
    ("*-0", "1.2.3-alpha.1", True),
    ("*-0", "0.0.0-alpha", True),
    ("*-0", "1.2.3", True),
    ("*", "18446744073709551615.0.0", True),
]

NOT_EQUAL = [
    ("!=4.1.0", "4.1.0", False),
    ("!=4.1.0", "4.1.1", True),
    ("!=4.1", "4.1.0", False),  # != a partial version excludes the whole line
    ("!=4.1", "4.1.1", False),
    ("!=4.1", "5.1.0", True),
    ("!=4.1", "5.1.0-alpha.1", False),
    ("!=4.1-alpha", "4.1.0", True),
    ("!=4.1-alpha", "4.1.0-alpha", False),
    ("!=4.1-alpha", "4.1.1-alpha", False),
    ("!=1.2-beta", "1.2.5", True),  # the line is excluded only for the same prerelease text
    ("!=1.2-beta", "1.2.5-beta", False),
    ("!=1.2-beta", "1.2.5-alpha", True),
    ("!=1.2-beta", "1.3.0", True),
    ("!=4.x", "5.1.0", True),
    ("!=4.x", "4.1.0", False),
    ("!=4.1.x", "4.2.0", True),
    ("!=4.2.x", "4.2.3", False),
    ("!=1", "1.9.9", False),
    ("!=1", "2.0.0", True),
    ("!=1", "0.9.0", True),
    ("!=1-beta", "1.5.0-rc", False),
    ("!=1-beta", "2.0.0-rc", True),
    ("!=1.2.3", "1.2.3+meta", False),
    ("!=1.2.3", "1.2.4-rc", False),  # prereleases fail every comparator of the group
    ("!= 1.2.3", "1.2.4", True),
    ("!=*", "0.0.0", False),  # quirk: != * behaves like != 0.0.0
    ("!=*", "0.0.1", True),
    ("!=*", "1.0.0", True),
    ("!=x", "0.1.0", True),
    ("!=*-0", "0.0.0", True),
    ("!=*-0", "0.0.0-0", False),
]

GREATER = [
    (">1.1", "4.1.0", True),
    (">1.1", "1.1.0", False),
    (">1.2.3", "1.2.4", True),
    (">1.2.3", "1.2.3", False),
    (">1.2.3", "1.2.3+meta", False),
    (">1.2", "1.3.0", True),  # > partial means above the whole line
    (">1.2", "1.2.9", False),
    ("> 1.3", "1.3.1", False),
    ("> 1.3", "1.4.0", True),
    (">1", "2.0.0", True),
    (">1", "1.9.9", False),
    (">1.x", "2.0.0", True),
    (">1.x", "1.9.0", False),
    (">1.2.x", "1.3.0", True),
    (">1.2.x", "1.2.9", False),
    (">11", "11.1.0", False),
    (">11.1", "11.1.0", False),
    (">11.1", "11.1.1", False),
    (">11.1", "11.2.1", True),
    (">0", "0", False),
    (">0", "1", True),
    (">0", "0.0.1-alpha", False),
    (">0.0", "0.0.1-alpha", False),
    (">0-0", "0.0.1-alpha", False),  # quirk from section 5.3
    (">0.0-0", "0.0.1-alpha", False),
    (">0", "0.0.0-alpha", False),
    (">0-0", "0.0.0-alpha", False),
    (">0.0.0-0", "0.0.0-alpha", True),
    (">1.2.3-alpha.1", "1.2.3-alpha.2", True),
    (">1.2.3-alpha.1", "1.3.3-alpha.2", True),
    (">1.2.3-beta", "1.2.3-alpha", False),
    (">1.2.3", "1.2.4-rc", False),
    (">1.2.3-0", "1.2.4-rc", True),
    (">1.2.3-0", "1.2.3", True),
    (">*", "0.0.1", True),
    (">*", "0.0.0", False),
    (">*", "5.0.0", True),
]

LESS = [
    ("<11", "0.1.0", True),
    ("<11", "11.1.0", False),
    ("<1.1", "0.1.0", True),
    ("<1.1", "1.1.0", False),  # < partial is < x.y.0
    ("<1.1", "1.1.1", False),
    ("<1.x", "1.1.1", False),
    ("<1.x", "0.1.1", True),
    ("<1.x", "2.0.0", False),
    ("<2.x", "1.1.1", True),
    ("<1.1.x", "1.2.1", False),
    ("<1.1.x", "1.1.500", False),
    ("<1.1.x", "1.0.500", True),
    ("<1.2.x", "1.1.1", True),
    ("<0", "0.0.0-alpha", False),
    ("<0-z", "0.0.0-alpha", True),
    ("<2.0.0", "2.0.0-rc.1", False),  # section 5.4: releases only without a prerelease
    ("<2.0.0", "1.9.9", True),
    ("<2", "1.99.0", True),
    ("<*", "0.0.0", False),
    ("<*", "5.0.0", False),
    ("< 1.4.1", "1.4.0", True),
    ("< 40.50.10", "40.50.9", True),
    ("<1.2.3", "1.2.3", False),
    ("<1.2.3", "1.2.2+x", True),
]

GREATER_EQUAL = [
    (">=11", "11.1.2", True),
    (">=11.1", "11.1.2", True),
    (">=11.1", "11.0.2", False),
    (">=1.1", "4.1.0", True),
    (">=1.1", "1.1.0", True),
    (">=1.1", "0.0.9", False),
    (">=1.1", "4.1.0-beta", False),
    (">= 1.2", "1.2.0", True),
    ("=>1.2", "1.2.0", True),
    ("=> 1.2", "1.1.9", False),
    (">=0", "0", True),
    (">=0", "0.0.1-alpha", False),
    (">=0.0", "0.0.1-alpha", False),
    (">=0-0", "0.0.1-alpha", True),
    (">=0.0-0", "0.0.1-alpha", True),
    (">=0", "0.0.0-alpha", False),
    (">=0-0", "0.0.0-alpha", True),
    (">=0.0.0-0", "0.0.0-alpha", True),
    (">=0.0.0-0", "1.2.3", True),
    (">=0.0.0-0", "3.4.5-beta.1", True),
    (">=1.0.0-0", "1.0.0-0", True),
    (">=*", "0.0.0", True),
    (">=1.x", "1.0.0", True),
    (">=1.x", "0.9.9", False),
    (">=1.2.3-alpha", "1.5.0-beta", True),  # not limited to 1.2.3-* as in npm
    (">=1.2.3-alpha", "1.2.3-alpha", True),
    (">=1.2.3-beta", "1.2.3-alpha", False),
]

LESS_EQUAL = [
    ("<=11", "1.2.3", True),
    ("<=11", "12.2.3", False),
    ("<=11", "11.2.3", True),  # <= partial includes the whole line
    ("<=1.1", "1.2.3", False),
    ("<=1.1", "0.1.0", True),
    ("<=1.1", "1.1.0", True),
    ("<=1.1", "1.1.1", True),
    ("<=1.1", "0.1.0-alpha", False),
    ("<=1.1-a", "0.1.0-alpha", True),
    ("<=1.x", "1.1.0", True),
    ("<=2.x", "3.0.0", False),
    ("<=2.x", "3.1.0", False),
    ("<=1.1.x", "1.2.500", False),
    ("<=4.5", "3.4.0", True),
    ("<=4.5", "3.7.0", True),
    ("<=4.5", "4.6.3", False),
    ("<=1.2.3", "1.2.3", True),
    ("<=1.2.3", "1.2.4", False),
    ("<= 1.2", "1.2.9", True),
    ("=<1.2", "1.2.9", True),
    ("=< 1.2", "1.3.0", False),
    ("<=1", "1.9.9", True),
    ("<=1", "2.0.0", False),
    ("<=*", "0.0.9", True),  # quirk: <= * behaves like < 0.1.0
    ("<=*", "0.1.0", False),
    ("<=*", "1.0.0", False),
    ("<=x", "0.0.0", True),
]

TILDE = [
    ("~1.2.3", "1.2.4", True),
    ("~1.2.3", "1.3.4", False),
    ("~1.2.3", "1.2.5", True),
    ("~1.2.3", "1.2.2", False),
    ("~1.2.3", "1.3.2", False),
    ("~>1.2.3", "1.2.9", True),
    ("~>1.2.3", "1.3.0", False),
    ("~1.2", "1.2.4", True),
    ("~1.2", "1.3.4", False),
    ("~> 1.2", "1.2.0", True),
    ("~1", "1.2.4", True),
    ("~1", "2.3.4", False),
    ("~1", "2.1.1", False),
    ("~1", "1.3.5", True),
    ("~1", "1.4", True),
    ("~1.x", "2.1.1", False),
    ("~1.x", "1.3.5", True),
    ("~1.x", "1.4", True),
    ("~1.1", "1.1.1", True),
    ("~1.1", "1.2.3", False),
    ("~1.3", "2.4.5", False),
    ("~0.2.3", "0.2.5", True),
    ("~0.2.3", "0.3.5", False),
    ("~*", "2.1.1", True),
    ("~0.0.0", "1.2.3", True),  # quirk: accepts everything, not < 0.1.0
    ("~0.0.0", "99.0.0", True),
    ("~0.0", "0.0.5", True),
    ("~0.0", "0.1.0", False),
    ("~0", "0.9.0", True),
    ("~0", "1.0.0", False),
    ("~1.2.3-beta.2", "1.2.3-beta.4", True),
    ("~1.2.3-beta.2", "1.2.4-beta.2", True),  # differs from npm
    ("~1.2.3-beta.2", "1.3.4-beta.2", False),
    ("~1.1", "1.1.1-alpha", False),
    ("~1", "1.3.5-beta", False),
    ("~1.x", "1.3.5-beta", False),
    ("~1.1-alpha", "1.1.1-beta", True),
    ("~1.1.1-beta", "1.1.1-alpha", False),
    ("~1.1.1-beta", "1.1.1", True),
    ("~1.3.6-alpha", "1.3.5-beta", False),
    ("~1.3.5-alpha", "1.3.5-beta", True),
    ("~1.3.5-beta", "1.3.5-alpha", False),
    ("~1.2.3-0", "1.3.0-rc.1", False),  # wildcard ranges still bound the minor
    ("~1.2.3-0", "1.2.9-rc.1", True),
    ("~0.0.0", "0.0.1-alpha", False),
    ("~*", "1.0.0-rc", False),
    ("~x-0", "3.0.0-rc.1", True),
]

CARET = [
    ("^1.2.3", "1.8.9", True),
    ("^1.2.3", "2.8.9", False),
    ("^1.2.3", "1.2.1", False),
    ("^1.2.3", "1.2.3+meta", True),
    ("^1.1.0", "2.1.0", False),
    ("^1.2.0", "2.2.1", False),
    ("^1.2", "1.8.9", True),
    ("^1.2", "2.8.9", False),
    ("^1.2.x", "1.2.0", True),
    ("^1.2.x", "1.1.9", False),
    ("^1", "1.8.9", True),
    ("^1", "2.8.9", False),
    ("^1.1", "1.1.1", True),
    ("^1.1", "4.3.2", False),
    ("^1.x", "1.1.1", True),
    ("^2.x", "1.1.1", False),
    ("^1.x", "2.1.1", False),
    ("^0.2.3", "0.2.5", True),
    ("^0.2.3", "0.5.6", False),
    ("^0.2.3", "0.2.2", False),
    ("^0.2", "0.2.5", True),
    ("^0.2", "0.5.6", False),
    ("^0.0.3", "0.0.3", True),
    ("^0.0.3", "0.0.4", False),
    ("^0.0.1", "0.0.1", True),
    ("^0.0.1", "0.3.1", False),
    ("^0.0.1", "0.1.3", False),
    ("^0.0", "0.0.3", True),
    ("^0.0", "0.1.4", False),
    ("^0.0", "1.0.4", False),
    ("^0", "0.2.3", True),
    ("^0", "1.1.4", False),
    ("^0.0.0", "1.2.3", False),
    ("^0.0.0", "0.0.0", True),
    ("^0.0.0", "0.0.1", False),
    ("^*", "0.0.0", True),  # quirk: ^* matches only 0.0.0 (the README says "any")
    ("^*", "0.0.1", False),
    ("^*", "1.2.3", False),
    ("^x", "0.0.0", True),
    ("^1.2.0", "1.2.1-alpha.1", False),
    ("^1.x", "1.1.1-beta1", False),
    ("^1.1", "1.1.1-alpha", False),
    ("^1.2.0-alpha.0", "1.2.1-alpha.1", True),
    ("^1.2.0-alpha.0", "1.2.1-alpha.0", True),
    ("^1.2.0-alpha.2", "1.2.0-alpha.1", False),
    ("^1.1.2-alpha", "1.2.1-beta1", True),
    ("^1.2.x-alpha", "1.1.1-beta1", False),
    ("^1.1.1-alpha", "1.1.1-beta", True),
    ("^1.1.1-beta", "1.1.1-alpha", False),
    ("^1.2.3-0", "1.4.0-beta", True),  # section 5.4
    ("^1.2.3-0", "2.0.0-beta", False),
    ("^0.2.3-beta.2", "0.2.3-beta.4", True),
    ("^0.2.3-beta.2", "0.2.4-beta.2", True),
    ("^0.2.3-beta.2", "0.3.4-beta.2", False),
    ("^0.2.3-beta.2", "0.2.3-beta.2", True),
    ("^0.0.3", "0.0.3-rc", False),
    ("^0.0.3-0", "0.0.3-rc", True),
    ("^0.0.3-0", "0.0.4-rc", False),
]

AND = [
    (">1.1, <2", "1.1.1", False),
    (">1.1, <2", "1.2.1", True),
    (">1.1, <3", "4.3.2", False),
    (">=1.1, <2, !=1.2.3", "1.2.3", False),
    (">1.1 <2", "1.1.1", False),
    (">1.1 <2", "1.2.1", True),
    (">1.1    <3", "4.3.2", False),
    (">=1.1    <2    !=1.2.3", "1.2.3", False),
    ("> 1.1, <     2", "1.1.1", False),
    (">   1.1, <2", "1.2.1", True),
    (">1.1, <  3", "4.3.2", False),
    (">= 1.1, <     2, !=1.2.3", "1.2.3", False),
    ("> 1.1 < 2", "1.1.1", False),
    (">1.1 < 2", "1.2.1", True),
    ("> 1.1    <3", "4.3.2", False),
    (">=1.1    < 2    != 1.2.3", "1.2.3", False),
    (">=1.2.3,<2", "1.5.0", True),
    (">=1.2.3 ,<2", "1.5.0", True),
    (">=1.2.3\t<2", "1.5.0", True),
    (">=1.2.3\n<2", "2.0.0", False),
    (" ^1.2 ", "1.5.0", True),
    ("\t^1.2\n", "1.5.0", True),
    (">=1.2.3 <2", "1.5.0-beta", False),
    (">=1.0.0 <2.0.0", "2.0.0-rc.1", False),
    (">=1.2.3-alpha, <2", "2.0.0-rc.1", True),  # the group opts in, and rc.1 < 2.0.0
    (">=1.2.3-alpha <2", "1.5.0-beta", True),
    (">=1.0.0-0 <2.0.0", "2.0.0-rc.1", True),
    ("<2.0.0 >=1.0.0-0", "2.0.0-rc.1", True),  # any comparator of the group opts in
    (">=1.0.0-0 <2.0.0", "2.0.0", False),
]

OR = [
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", False),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", False),
    (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", True),
    (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", True),
    (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", False),
    (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", False),
    (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", False),
    ("1.x || 3.x", "2.0.0", False),
    ("1.x || 3.x", "3.1.0", True),
    ("1.x||3.x", "3.1.0", True),
    ("1.2.3 || 1.2.5", "1.2.5", True),
    ("1.2.3 || 1.2.5", "1.2.4", False),
    ("~1.4 || ^3.0.0-0", "3.1.0-rc.1", True),
    ("~1.4 || ^3.0.0-0", "1.4.5-rc.1", False),  # only the group naming a prerelease opts in
    ("^2 || >=3.0.0-0", "2.5.0-rc", False),
    ("^2 || >=3.0.0-0", "3.5.0-rc", True),
]

HYPHEN = [
    ("1.1 - 2", "1.1.1", True),
    ("1.5.0 - 4.5", "3.7.0", True),
    ("1.2.3 - 2.3.4", "1.2.3", True),
    ("1.2.3 - 2.3.4", "2.3.4", True),
    ("1.2.3 - 2.3.4", "2.3.5", False),
    ("1.2.3 - 2.3.4", "1.2.2", False),
    ("1.2 - 2.3", "2.3.9", True),  # partial upper bound includes its whole line
    ("1.2 - 2.3", "2.4.0", False),
    ("1.2 - 2", "2.9.9", True),
    ("1.2 - 2", "3.0.0", False),
    ("1.2 - 2", "1.1.9", False),
    ("1.2.3 - 2.3.4", "2.0.0-rc.1", False),
    ("1.2.3-0 - 2.3.4", "2.0.0-rc.1", True),
    ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", True),
    ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", True),
    ("2 - 3 || 5 - 6", "4.0.0", False),
    ("2 - 3 || 5 - 6", "5.5.0", True),
    ("2 - 3 4.0.0 - 5.1", "4.5.0", False),
    ("3 - 4 || => 3.0, < 4", "4.5.0", True),
    ("1.1-3", "4.3.2", False),  # no spaces: version 1.1.0-3
    ("1.1-3", "1.1.0-3", True),
    ("1 || 2 - 3", "2.5.0", True),
    ("1 || 2 - 3", "1.5.0", True),
    ("1 || 2 - 3", "5.0.0", False),
    # Quirk: the range pattern runs before the '||' split and a version part may contain '|',
    # so "1||2 - 3" becomes ">= 1||2, <= 3", i.e. ">=1 || (2.x and <=3)".
    ("1||2 - 3", "5.0.0", True),
    ("1||2 - 3", "0.5.0", False),
]

LENIENT_TAGS = [
    ("^2024.1", "2024.01.15", True),
    (">=1.0", "v1.0", True),
    ("6.2.x", "6.2.0-alpine", False),  # "6.2-alpine" is a prerelease of 6.2.0
    ("6.2.x-0", "6.2-alpine", True),
    ("2.x-0", "2.5.0-beta", True),
    ("2.x-0", "3.0.0-beta", False),
    (">=1234567", "20240115", True),  # an all-digit tag is a big major
]

CHECKS = (
    _table("exact", EXACT)
    + _table("partial", PARTIAL)
    + _table("wildcard", WILDCARD)
    + _table("!=", NOT_EQUAL)
    + _table(">", GREATER)
    + _table("<", LESS)
    + _table(">=", GREATER_EQUAL)
    + _table("<=", LESS_EQUAL)
    + _table("~", TILDE)
    + _table("^", CARET)
    + _table("and", AND)
    + _table("or", OR)
    + _table("hyphen", HYPHEN)
    + _table("lenient tag", LENIENT_TAGS)
)


@pytest.mark.parametrize(("constraint", "tag", "expected"), CHECKS)
def test_constraint_check(constraint: str, tag: str, expected: bool) -> None:
    assert parse_constraint(constraint).check(parse_version(tag)) is expected


# ---------------------------------------------------------------------------------------------
# Constraints that NewConstraint rejects: (constraint, words the reason must contain)

INVALID_CONSTRAINTS = [
    ("", "empty constraint"),
    ("   ", "empty constraint"),
    ("latest", "'latest' is not a version"),
    ("foo", "'foo' is not a version"),
    (">= bar", "'bar' is not a version"),
    ("BAR >= 1.2.3", "'BAR' is not a version"),
    ("==1.2.3", "operator '==' is not valid"),
    ("== 1.2.3", "operator '==' is not valid"),
    ("!1.2.3", "operator '!' is not valid"),
    ("! 1.2.3", "operator '!' is not valid"),
    (">>1.2.3", "operator '>>' is not valid"),
    ("~=1.2.3", "operator '~=' is not valid"),
    (">=", "operator '>=' has no version"),
    (">= ", "operator '>=' has no version"),
    ("~", "operator '~' has no version"),
    ("^", "operator '^' has no version"),
    ("1.0.0 || >", "operator '>' has no version"),
    ("1.2.3,", "dangling ','"),
    (",1.2.3", "dangling ','"),
    ("1.2.3,,1.2.4", "doubled or dangling ','"),
    ("1.2.3, ,1.2.4", "doubled or dangling ','"),
    ("1.2.3||", "'||'"),
    ("||1.2.3", "'||'"),
    ("1.2.3 || || 1.2.4", "'||'"),
    ("1.2.3||||1.2.4", "'||'"),
    (">=1.0.0 <2.0.0 ||", "'||'"),
    ("12.3.4.1234", "more than three numeric parts"),
    ("12.23.4.1234", "more than three numeric parts"),
    ("12.3.34.1234", "more than three numeric parts"),
    ("12.3.34~ 1.2.3", "operator '~' directly follows '12.3.34'"),
    ("1.2.3~", "operator '~' has no version"),
    ("1.2.3-", "empty prerelease or build identifier"),
    ("1.2.3+", "empty prerelease or build identifier"),
    ("1.2.3-beta..1", "empty prerelease or build identifier"),
    ("1.2.3-01", "'01' has a leading zero"),
    ("1.2-01", "'01' has a leading zero"),
    ("*-01", "'01' has a leading zero"),
    ("V1.2.3", "only a lowercase 'v' prefix"),
    ("vv1.2.3", "'vv1.2.3' is not a version"),
    ("99999999999999999999", "does not fit in 64 bits"),
    ("1.18446744073709551616", "does not fit in 64 bits"),
    ("1 | 2", "single '|'"),
    ("1.2.3|", "single '|'"),
    ("1x", "'1x' is not a version"),
    ("x1", "'x1' is not a version"),
    ("1.2.x3", "'1.2.x3' is not a version"),
    ("**", "'**' is not a version"),
    ("1.2.3 -2.0.0", "spaces on both sides of '-'"),
    ("1.2.3- 2.0.0", "empty prerelease"),
    (">1.2.3 - 2", "operator '>>=' is not valid"),  # the range rewrite runs first
    ("1.2.3 - ", "spaces on both sides of '-'"),
    ("- 1.2.3", "spaces on both sides of '-'"),
    ("1.2.3_4", "character '_' is not allowed"),
    ("≥1.2.3", "is not a version"),
    ("1.2.3\u00a0<2", "is not"),  # Go's \s does not include a no-break space
    (">=1.2.3 && <2", "AND is written as a space or ','"),
]


@pytest.mark.parametrize(
    ("text", "reason"),
    [pytest.param(text, reason, id=f"rejects {text!r}") for text, reason in INVALID_CONSTRAINTS],
)
def test_invalid_constraint(text: str, reason: str) -> None:
    with pytest.raises(InvalidConstraint) as caught:
        parse_constraint(text)
    assert caught.value.text == text
    assert caught.value.reason.startswith("improper constraint: ")
    assert reason in caught.value.reason
    assert "\n" not in str(caught.value)


def test_invalid_constraint_reason_example_from_the_interface() -> None:
    with pytest.raises(InvalidConstraint) as caught:
        parse_constraint("==1.2.3")
    assert caught.value.reason == "improper constraint: operator '==' is not valid"


@pytest.mark.parametrize(
    ("text", "allows"),
    [
        pytest.param("^1.2", False, id="no prerelease anywhere"),
        pytest.param(">=1.0.0-0 <2", True, id="one comparator opts in"),
        pytest.param("~1.4 || ^3.0.0-0", True, id="one OR group opts in"),
        pytest.param("*-0", True, id="wildcard with -0"),
        pytest.param("1.2.3+build", False, id="build metadata is not a prerelease"),
    ],
)
def test_allows_prereleases(text: str, allows: bool) -> None:
    assert parse_constraint(text).allows_prereleases() is allows


def test_constraint_is_immutable_cached_and_compared_by_text() -> None:
    constraint = parse_constraint("^1.2")
    assert parse_constraint("^1.2") is constraint
    assert constraint == Constraint("^1.2")
    assert hash(constraint) == hash(Constraint("^1.2"))
    assert constraint != Constraint("^1.3")
    assert constraint.text == str(constraint) == "^1.2"
    assert repr(constraint) == "Constraint('^1.2')"
    with pytest.raises(AttributeError):
        constraint.text = "^2"


# ---------------------------------------------------------------------------------------------
# Versions (tags)

VALID_TAGS = [
    ("1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
    ("1.0", "1.0.0"),
    ("v1.0", "1.0.0"),
    ("1", "1.0.0"),
    ("v1", "1.0.0"),
    ("1.2-5", "1.2.0-5"),
    ("v1.2-5", "1.2.0-5"),
    ("1.2-beta.5", "1.2.0-beta.5"),
    ("1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
    ("v1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"),
    ("1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
    ("1.2.3+test.01", "1.2.3+test.01"),  # leading zeros are fine in build metadata
    ("1.2.3-alpha.-1", "1.2.3-alpha.-1"),
    ("1.2.2147483648", "1.2.2147483648"),
    ("2147483648.3.0", "2147483648.3.0"),
    ("18446744073709551615.0.0", "18446744073709551615.0.0"),
    ("2024.01.15", "2024.1.15"),  # leading zeros are coerced
    ("007", "7.0.0"),
    ("6.2-alpine", "6.2.0-alpine"),
    ("20221209-update-renovatejson-v4", "20221209.0.0-update-renovatejson-v4"),
    ("1234567", "1234567.0.0"),
    ("1.2.3-0", "1.2.3-0"),
    ("1.2.3-99999999999999999999", "1.2.3-99999999999999999999"),
]


@pytest.mark.parametrize(("tag", "canonical"), [pytest.param(t, c, id=t) for t, c in VALID_TAGS])
def test_parse_version(tag: str, canonical: str) -> None:
    version = parse_version(tag)
    assert str(version) == canonical
    assert version.original == tag
    assert try_parse_version(tag) == version


def test_version_parts() -> None:
    version = parse_version("v1.2.3-beta.1+build.123")
    assert (version.major, version.minor, version.patch) == (1, 2, 3)
    assert (version.prerelease, version.metadata) == ("beta.1", "build.123")
    assert version.is_prerelease
    assert not parse_version("1.2.3+build").is_prerelease


INVALID_TAGS = [
    ("", "empty"),
    ("latest", "not a version number"),
    ("foo", "not a version number"),
    ("V1.2.3", "lowercase 'v'"),
    ("release-1.2.3", "not a version number"),
    ("1.2.3.4", "more than three numeric parts"),
    ("v1.2.3.4", "more than three numeric parts"),
    ("12.3.4.1234", "more than three numeric parts"),
    ("1.2.beta", "not of the form"),
    ("1_2_3", "'_'"),
    ("1.2.3 ", "' '"),
    (" 1.2.3", "' '"),
    ("\n1.2", "'\\n'"),
    ("1.2.3\n", "'\\n'"),
    ("1.2.3-", "empty prerelease or build identifier"),
    ("1.2.3+", "empty prerelease or build identifier"),
    ("1.2.3-a..b", "empty prerelease or build identifier"),
    ("1.2.3-01", "'01' has a leading zero"),
    ("1.2.3-alpha.01", "'01' has a leading zero"),
    ("18446744073709551616", "does not fit in 64 bits"),
    ("1.18446744073709551616.0", "does not fit in 64 bits"),
    ("1.2.3-béta", "'é'"),
    ("１.2.3", "'１'"),  # only ASCII digits
    ("deadbeef", "not a version number"),  # a hex SHA with letters
]


@pytest.mark.parametrize(
    ("tag", "reason"), [pytest.param(t, r, id=repr(t)) for t, r in INVALID_TAGS]
)
def test_invalid_version(tag: str, reason: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        parse_version(tag)
    assert caught.value.text == tag
    assert reason in caught.value.reason
    assert try_parse_version(tag) is None


COMPARISONS = [
    ("1.2.3", "1.5.1", -1),
    ("2.2.3", "1.5.1", 1),
    ("2.2.3", "2.2.2", 1),
    ("3.2-beta", "3.2-beta", 0),
    ("1.3", "1.1.4", 1),
    ("4.2", "4.2-beta", 1),
    ("4.2-beta", "4.2", -1),
    ("4.2-alpha", "4.2-beta", -1),
    ("4.2-alpha", "4.2-alpha", 0),
    ("4.2-beta.2", "4.2-beta.1", 1),
    ("4.2-beta2", "4.2-beta1", 1),
    ("4.2-beta", "4.2-beta.2", -1),
    ("4.2-beta", "4.2-beta.foo", -1),
    ("4.2-beta.2", "4.2-beta", 1),
    ("4.2-beta.foo", "4.2-beta", 1),
    ("1.2+bar", "1.2+baz", 0),
    ("1.0.0-beta.4", "1.0.0-beta.-2", -1),
    ("1.0.0-beta.-2", "1.0.0-beta.-3", -1),
    ("1.0.0-beta.-3", "1.0.0-beta.5", 1),
    ("3.2.0-beta.1", "3.2.0-beta.5", -1),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.103", -1),
    ("7.43.0-SNAPSHOT.FOO", "7.43.0-SNAPSHOT.103", 1),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.BAR", -1),
    ("1.0.0-RC", "1.0.0-rc", -1),  # ASCII order
    ("1.0.0-beta.2", "1.0.0-beta.11", -1),
    ("1.0.0-alpha", "1.0.0-alpha.1", -1),
    ("1.0", "1.0.0", 0),
    ("v1.0.0", "1.0.0", 0),
    # A numeric identifier above 2**64-1 fails Go's ParseUint and is compared as text.
    ("1.0.0-99999999999999999999", "1.0.0-5", 1),
    ("1.0.0-99999999999999999999", "1.0.0-alpha", -1),
    ("1.0.0-18446744073709551615", "1.0.0-alpha", -1),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"), [pytest.param(a, b, e, id=f"{a} vs {b}") for a, b, e in COMPARISONS]
)
def test_compare(a: str, b: str, expected: int) -> None:
    va, vb = parse_version(a), parse_version(b)
    assert compare(va, vb) == expected
    assert compare(vb, va) == -expected
    assert (va < vb, va == vb, va > vb) == (expected < 0, expected == 0, expected > 0)


def test_versions_of_equal_precedence_are_equal_and_hash_alike() -> None:
    a, b = parse_version("1.2.3+a"), parse_version("v1.2.3+b")
    assert a == b
    assert len({a, b}) == 1
    assert a.original != b.original


def test_versions_do_not_compare_with_other_types() -> None:
    version = parse_version("1.2.3")
    assert version != "1.2.3"
    with pytest.raises(TypeError):
        _ = version < "1.2.4"


def test_version_built_directly_gets_a_canonical_original() -> None:
    assert Version(1, 2, 3, "rc.1", "b5").original == "1.2.3-rc.1+b5"
    assert Version(1, 2, 3, original="v1.2.3").original == "v1.2.3"


CHANGES = [
    ("1.2.3", "2.0.0", "major"),
    ("1.2.3", "1.3.0", "minor"),
    ("1.2.3", "1.2.4", "patch"),
    ("1.2.3", "1.2.3", "same"),
    ("1.2.3+a", "1.2.3+b", "same"),  # build metadata never counts
    ("v1.2", "1.2.0", "same"),
    ("1.2.3", "1.2.2", "downgrade"),
    ("2.0.0", "1.9.9", "downgrade"),
    ("1.2.3", "1.2.3-rc.1", "downgrade"),
    ("1.2.3-rc.1", "1.2.3-rc.2", "patch"),  # prerelease-only move within x.y.z
    ("1.2.3-rc.1", "1.2.3", "patch"),
    ("1.2.3-rc.2", "1.2.3-rc.1", "downgrade"),
    ("1.9.0", "2.0.0-rc.1", "major"),
    ("1.2.9", "1.3.0-beta", "minor"),
]


@pytest.mark.parametrize(
    ("old", "new", "kind"), [pytest.param(o, n, k, id=f"{o} to {n}") for o, n, k in CHANGES]
)
def test_change_kind(old: str, new: str, kind: str) -> None:
    assert change_kind(parse_version(old), parse_version(new)) == kind


# ---------------------------------------------------------------------------------------------
# Properties

_NUMBER = st.integers(min_value=0, max_value=12) | st.integers(min_value=0, max_value=2**64 - 1)
_IDENT = st.one_of(
    st.integers(min_value=0, max_value=20).map(str),
    st.sampled_from(["alpha", "beta", "rc", "RC", "0a", "-", "x-1", "SNAPSHOT", "a1"]),
)
_PRERELEASE = st.lists(_IDENT, min_size=0, max_size=3).map(".".join)
_METADATA = st.sampled_from(["", "build.1", "01", "sha.e8fc5e5"])


@st.composite
def versions(draw: st.DrawFn, prereleases: bool = True) -> Version:
    major, minor, patch = draw(_NUMBER), draw(_NUMBER), draw(_NUMBER)
    text = f"{major}.{minor}.{patch}"
    if prereleases and (pre := draw(_PRERELEASE)):
        text += f"-{pre}"
    if meta := draw(_METADATA):
        text += f"+{meta}"
    return parse_version(text)


releases = versions(prereleases=False)


@given(versions(), versions())
def test_ordering_is_antisymmetric(a: Version, b: Version) -> None:
    assert compare(a, b) == -compare(b, a)
    assert (a < b) + (a == b) + (a > b) == 1  # total: exactly one holds


@given(versions(), versions(), versions())
def test_ordering_is_transitive(a: Version, b: Version, c: Version) -> None:
    a, b, c = sorted([a, b, c])
    assert a <= b <= c
    assert a <= c


@given(versions(), versions())
def test_precedence_matches_the_semver_package(a: Version, b: Version) -> None:
    """python-semver agrees wherever numeric identifiers fit in 64 bits (the generator's)."""
    import semver

    assert compare(a, b) == semver.Version.parse(str(a)).compare(str(b))


def test_semver_package_differs_only_above_64_bits() -> None:
    import semver

    big, five = "1.0.0-99999999999999999999", "1.0.0-5"
    assert semver.Version.parse(big).compare(five) == 1  # numeric in python-semver
    assert compare(parse_version(big), parse_version("1.0.0-alpha")) == -1  # text in Go


@given(versions())
def test_a_version_satisfies_its_own_exact_constraint(v: Version) -> None:
    assert parse_constraint(f"={v}").check(v)
    assert parse_constraint(str(v)).check(v)


@given(versions(), releases)
def test_ge_and_lt_partition_the_releases(bound: Version, v: Version) -> None:
    assert parse_constraint(f">={bound}").check(v) != parse_constraint(f"<{bound}").check(v)


@given(versions(), versions())
def test_caret_is_within_ge(bound: Version, v: Version) -> None:
    if parse_constraint(f"^{bound}").check(v):
        assert parse_constraint(f">={bound}").check(v)


@given(versions(), versions())
def test_tilde_is_within_caret_for_majors_above_zero(bound: Version, v: Version) -> None:
    if bound.major > 0 and parse_constraint(f"~{bound}").check(v):
        assert parse_constraint(f"^{bound}").check(v)


@given(versions())
def test_canonical_strings_round_trip(v: Version) -> None:
    again = parse_version(str(v))
    assert str(again) == str(v)
    assert (again.major, again.minor, again.patch) == (v.major, v.minor, v.patch)
    assert (again.prerelease, again.metadata) == (v.prerelease, v.metadata)


@given(versions(), versions())
def test_change_kind_follows_precedence(a: Version, b: Version) -> None:
    kind = change_kind(a, b)
    assert (kind == "downgrade") == (b < a)
    assert (kind == "same") == (b == a)


# Section 5.3 as equivalences on release tags: the sugar on the left accepts exactly what
# the explicit range on the right accepts.
EQUIVALENT = [
    ("1.2", ">=1.2.0 <1.3.0"),
    ("=1.2", ">=1.2.0 <1.3.0"),
    ("1.2.x", ">=1.2.0 <1.3.0"),
    ("1", ">=1.0.0 <2.0.0"),
    ("1.x", ">=1.0.0 <2.0.0"),
    ("1.*", ">=1.0.0 <2.0.0"),
    ("*", ">=0.0.0"),
    ("!=1.2", "<1.2.0 || >=1.3.0"),
    ("!=1", "<1.0.0 || >=2.0.0"),
    (">1.2", ">=1.3.0"),
    (">1", ">=2.0.0"),
    (">=1.2", ">=1.2.0"),
    ("<1.2", "<1.2.0"),
    ("<1", "<1.0.0"),
    ("<=1.2", "<1.3.0"),
    ("<=1", "<2.0.0"),
    ("~1.2.3", ">=1.2.3 <1.3.0"),
    ("~>1.2.3", ">=1.2.3 <1.3.0"),
    ("~1.2", ">=1.2.0 <1.3.0"),
    ("~1", ">=1.0.0 <2.0.0"),
    ("~1.x", ">=1.0.0 <2.0.0"),
    ("^1.2.3", ">=1.2.3 <2.0.0"),
    ("^1.2", ">=1.2.0 <2.0.0"),
    ("^1.2.x", ">=1.2.0 <2.0.0"),
    ("^1", ">=1.0.0 <2.0.0"),
    ("^0.2.3", ">=0.2.3 <0.3.0"),
    ("^0.2", ">=0.2.0 <0.3.0"),
    ("^0.0.3", "=0.0.3"),
    ("^0.0", ">=0.0.0 <0.1.0"),
    ("^0", ">=0.0.0 <1.0.0"),
    ("1.2 - 2.3", ">=1.2.0 <2.4.0"),
    ("~0.0.0", ">=0.0.0"),
    ("~*", ">=0.0.0"),
    ("^*", "=0.0.0"),
    ("<=*", "<0.1.0"),
    ("!=*", "!=0.0.0"),
    ("^0.0.0", "=0.0.0"),
]

_SMALL_RELEASE = st.builds(
    lambda a, b, c: parse_version(f"{a}.{b}.{c}"),
    st.integers(0, 3),
    st.integers(0, 4),
    st.integers(0, 4),
)


@pytest.mark.parametrize(
    ("sugar", "explicit"), [pytest.param(s, e, id=f"{s} = {e}") for s, e in EQUIVALENT]
)
@settings(max_examples=60)
@given(v=_SMALL_RELEASE)
def test_range_sugar_equivalences(sugar: str, explicit: str, v: Version) -> None:
    assert parse_constraint(sugar).check(v) == parse_constraint(explicit).check(v)
