"""Inline suppressions: same line or line above, ids or names, reasons and expiry."""

from __future__ import annotations

from tests.rules.conftest import Check, located

BAD = "registry.example.com/team/api:latest"


def manifest(image_line: str, above: str = "") -> dict[str, str]:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "    - name: main\n"
        + (f"      {above}\n" if above else "")
        + f"      image: {image_line}\n"
    )
    return {"clusters/dev/api/pod.yaml": text}


def test_a_suppression_on_the_line_silences_the_named_rules(check: Check) -> None:
    report = check(
        manifest(f"{BAD}  # gitops-guard: ignore[GG102,tag-pattern] vendor ships no tags")
    )
    assert report.findings == ()
    assert [(s.finding.rule, s.reason) for s in report.suppressed] == [
        ("GG102", "vendor ships no tags"),
        ("GG103", "vendor ships no tags"),
    ]


def test_a_suppression_alone_on_the_line_above_covers_the_next_line(check: Check) -> None:
    report = check(
        manifest(BAD, above="# gitops-guard: ignore[mutable-tag, GG103] tracked in OPS-7")
    )
    assert report.findings == ()
    assert len(report.suppressed) == 2


def test_only_the_named_rules_are_silenced(check: Check) -> None:
    report = check(manifest(f"{BAD}  # gitops-guard: ignore[GG102] waiting for release"))
    assert located(report) == [(8, 14, "GG103")]


def test_a_suppression_without_a_reason_is_a_finding_and_silences_nothing(check: Check) -> None:
    report = check(manifest(f"{BAD}  # gitops-guard: ignore[GG102,GG103]"))
    assert located(report) == [(8, 14, "GG102"), (8, 14, "GG103"), (8, 52, "GG002")]
    assert "gives no reason" in report.findings[-1].message


def test_an_expired_suppression_is_a_finding(check: Check) -> None:
    report = check(
        manifest(f"{BAD}  # gitops-guard: ignore[GG102,GG103] until=2026-05-31 vendor fix")
    )
    assert [f.rule for f in report.findings] == ["GG102", "GG103", "GG002"]
    assert "expired on 2026-05-31" in report.findings[-1].message


def test_a_suppression_until_a_future_date_holds(check: Check) -> None:
    report = check(
        manifest(f"{BAD}  # gitops-guard: ignore[GG102,GG103] until=2026-06-01 vendor fix")
    )
    assert report.findings == ()


def test_unknown_rules_and_bad_dates_are_findings(check: Check) -> None:
    report = check(
        {
            "a.yaml": "# gitops-guard: ignore[GG999] because\nx: 1\n",
            "b.yaml": "# gitops-guard: ignore[GG102] until=next-week because\nx: 1\n",
        }
    )
    assert [(f.location.path, f.rule) for f in report.findings] == [
        ("a.yaml", "GG002"),
        ("b.yaml", "GG002"),
    ]
    assert "unknown rule `GG999`" in report.findings[0].message
    assert "is not YYYY-MM-DD" in report.findings[1].message


def test_an_environment_can_forbid_suppressions(check: Check) -> None:
    policy = (
        "version: 1\nlayout: ['clusters/{env}/{app}/**']\n"
        "environments:\n  dev: {}\n  prod: {from: dev, allow_suppressions: false}\n"
    )
    line = f"{BAD}  # gitops-guard: ignore[GG102] please"
    report = check(
        {
            **manifest(line),
            "clusters/prod/api/pod.yaml": manifest(line)["clusters/dev/api/pod.yaml"],
        },
        policy=policy,
    )
    assert [(f.environment, f.rule) for f in report.findings] == [("prod", "GG102")]


def test_severity_overrides_and_off(check: Check) -> None:
    policy = (
        "version: 1\nlayout: ['clusters/{env}/{app}/**']\n"
        "severity: {GG102: warning, tag-pattern: off}\nimages: {tag_pattern: '^1'}\n"
    )
    report = check(manifest(BAD), policy=policy)
    assert [(f.rule, f.severity.value if f.severity else None) for f in report.findings] == [
        ("GG102", "warning")
    ]
