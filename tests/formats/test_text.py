"""``--format text``: lines for people, a summary, colour only when asked."""

from __future__ import annotations

import dataclasses

import pytest

from gitops_guard.formats.findings.registry import RenderContext
from gitops_guard.formats.findings.text import (
    render,
    summary,
)
from gitops_guard.model import Finding, Location, Report, Severity, Suppression
from tests.formats.conftest import KUSTOMIZATION, VALUES, Golden


def test_golden(report: Report, golden: Golden) -> None:
    golden("text.txt", render(report))


def test_golden_color(report: Report, golden: Golden) -> None:
    golden("text-color.txt", render(report, RenderContext(color=True)))


def test_golden_clean(clean_report: Report, golden: Golden) -> None:
    golden("text-clean.txt", render(clean_report))


def test_one_line_per_finding_then_its_hint(report: Report) -> None:
    lines = render(report).splitlines()
    assert lines[0] == (
        f"{KUSTOMIZATION}:12:5: error [GG102 mutable-tag] "
        "tag `latest` of registry.example.com/team/api is mutable (prod)"
    )
    assert lines[1] == "  hint: use an immutable version tag, e.g. 1.4.2, and pin its digest"
    assert lines[2].startswith(f"{KUSTOMIZATION}:14:7: warning [GG103 tag-pattern] tag ")
    # The second line of a message is indented, so column 1 always starts a finding.
    assert lines[3] == "    see the policy"
    assert (
        lines[5]
        == f"{VALUES}:1:1: error [GG001 unreadable-input] cannot parse YAML: mapping values are not allowed here"
    )
    assert lines[6].startswith(f"{VALUES}:7:3: warning [GG201 unknown-annotation] ")
    assert lines[-2:] == [
        "",
        "2 errors, 2 warnings in 3 files (5 images); 1 suppressed; 2 known from the baseline",
    ]


def test_no_escape_codes_without_color(report: Report) -> None:
    assert "\033" not in render(report)


def test_color_marks_path_severity_and_hint(report: Report) -> None:
    lines = render(report, RenderContext(color=True)).splitlines()
    assert lines[0].startswith(f"\033[1m{KUSTOMIZATION}:12:5\033[0m: \033[31merror\033[0m [GG102")
    assert (
        lines[1]
        == "\033[2m  hint: use an immutable version tag, e.g. 1.4.2, and pin its digest\033[0m"
    )
    assert "\033[33mwarning\033[0m" in lines[2]


def test_unknown_rule_shows_its_id_only(report: Report) -> None:
    alien = dataclasses.replace(report, rules=())
    assert "] tag `latest`" in render(alien).splitlines()[0]
    assert " error [GG102] " in render(alien).splitlines()[0]


def _report(
    errors: int,
    warnings: int,
    *,
    files: int = 12,
    images: int = 34,
    suppressed: int = 0,
    baselined: int = 0,
) -> Report:
    def finding(severity: Severity, line: int) -> Finding:
        return Finding("GG102", "m", Location("a.yaml", line), severity=severity)

    findings = [finding(Severity.ERROR, i + 1) for i in range(errors)]
    findings += [finding(Severity.WARNING, 100 + i) for i in range(warnings)]
    silenced = Suppression(finding(Severity.ERROR, 500), "reason", Location("a.yaml", 499))
    return Report(
        findings=tuple(findings),
        files=files,
        images=images,
        rules=(),
        suppressed=(silenced,) * suppressed,
        baselined=baselined,
    )


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (_report(2, 1), "2 errors, 1 warning in 12 files (34 images)"),
        (_report(1, 0), "1 error in 12 files (34 images)"),
        (_report(0, 2), "0 errors, 2 warnings in 12 files (34 images)"),
        (_report(0, 0), "no problems in 12 files (34 images)"),
        (_report(0, 0, files=1, images=1), "no problems in 1 file (1 image)"),
        (_report(0, 0, files=0, images=0), "no problems in 0 files (0 images)"),
        (_report(0, 0, suppressed=3), "no problems in 12 files (34 images); 3 suppressed"),
        (_report(1, 0, baselined=1), "1 error in 12 files (34 images); 1 known from the baseline"),
        (
            _report(2, 1, suppressed=3, baselined=2),
            "2 errors, 1 warning in 12 files (34 images); 3 suppressed; 2 known from the baseline",
        ),
    ],
)
def test_summary(report: Report, expected: str) -> None:
    assert summary(report) == expected
    assert render(report).splitlines()[-1] == expected


def test_summary_without_images() -> None:
    assert summary(_report(1, 1), images=False) == "1 error, 1 warning in 12 files"


def test_clean_report_is_one_line(clean_report: Report) -> None:
    assert render(clean_report) == "no problems in 12 files (34 images)\n"
