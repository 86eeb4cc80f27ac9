"""``--format github``: workflow commands, escaped as the Actions runner reads them."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.formats.findings.github import (
    escape_data,
    escape_property,
    render,
)
from gitops_guard.model import Finding, Location, Report
from tests.formats.conftest import AWKWARD, FINDINGS, KUSTOMIZATION, VALUES, Golden

COMMAND = re.compile(r"^::(?P<command>error|warning) (?P<properties>[^:]*)::(?P<message>.*)$")


def unescape_data(text: str) -> str:
    """What the runner does to a message."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    """What the runner does to a property value."""
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = dict(item.split("=", 1) for item in match["properties"].split(","))
    unescaped = {key: unescape_property(value) for key, value in properties.items()}
    return match["command"], unescaped, unescape_data(match["message"])


def test_golden(report: Report, golden: Golden) -> None:
    golden("github.txt", render(report))


def test_clean_report_prints_nothing(clean_report: Report) -> None:
    assert render(clean_report) == ""


def test_one_command_per_finding_parsed_back(report: Report) -> None:
    lines = render(report).splitlines()
    assert len(lines) == len(FINDINGS)
    parsed = [parse(line) for line in lines]
    assert [(c, p["file"], p["line"], p["col"], p["title"]) for c, p, _ in parsed] == [
        ("error", KUSTOMIZATION, "12", "5", "GG102 mutable-tag"),
        ("warning", KUSTOMIZATION, "14", "7", "GG103 tag-pattern"),
        ("error", VALUES, "1", "1", "GG001 unreadable-input"),
        ("warning", VALUES, "7", "3", "GG201 unknown-annotation"),
    ]
    messages = [message for _, _, message in parsed]
    assert messages[1] == f"{AWKWARD}\nhint: {FINDINGS[1].hint}"
    assert messages[2] == FINDINGS[2].message
    for finding, message in zip(FINDINGS, messages, strict=True):
        expected = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
        assert message == expected


def test_escaping() -> None:
    assert escape_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_property_values_with_separators_stay_in_their_property() -> None:
    finding = Finding("GG102", "m", Location("odd:dir/a,b=c.yaml", 3, 4))
    command, properties, message = parse(render(Report((finding,), 1, 1, ())).rstrip("\n"))
    assert properties == {"file": "odd:dir/a,b=c.yaml", "line": "3", "col": "4", "title": "GG102"}
    assert (command, message) == ("warning", "m")


@given(st.text())
def test_data_escaping_round_trips(text: str) -> None:
    escaped = escape_data(text)
    assert "\n" not in escaped
    assert "\r" not in escaped
    assert unescape_data(escaped) == text


@given(st.text())
def test_property_escaping_round_trips(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {"\n", "\r", ":", ","}
    assert unescape_property(escaped) == text
