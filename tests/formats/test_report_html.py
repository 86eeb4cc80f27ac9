"""The HTML audit report: structure, figures, escaping, determinism, size and well-formedness.

Checked on the audit of the real sample repository (built with git) and on synthetic
audits (5,000 events; hostile strings). The page is read back with ``html.parser`` into
elements and text, strictly: every element must be closed, in order. The same reader
serves the Chromium test, on the DOM the browser dumps.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gitops_guard.audit.build import (
    BuiltReport,
    build_report,
)
from gitops_guard.audit.events import (
    Audit,
    AuditEvent,
    AuditOptions,
    Running,
)
from gitops_guard.audit.metrics import (
    Metrics,
    compute,
)
from gitops_guard.demo.sample import build_sample_repository
from gitops_guard.formats.report import html as report_html
from gitops_guard.formats.report.render import render_report
from gitops_guard.model import Finding, Location, Severity
from gitops_guard.policy.model import default_policy

UTC = datetime.UTC
VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)
SECTIONS = (
    "now",
    "drift",
    "timelines",
    "lead-time",
    "frequency",
    "metrics",
    "events-section",
    "rollbacks",
    "findings",
    "notes",
)


@dataclass
class Element:
    """One start tag, with where it sits: the section and the timeline around it."""

    tag: str
    attrs: dict[str, str]
    section: str | None
    timeline: str | None

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Page(HTMLParser):
    """A strict reader: records elements and visible text; collects nesting errors."""

    errors: list[str] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    texts: list[tuple[str | None, str]] = field(default_factory=list)
    stack: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    @classmethod
    def read(cls, text: str) -> Page:
        page = cls()
        page.feed(text)
        page.close()
        if page.stack:
            page.errors.append(f"never closed: {[tag for tag, _s, _t in page.stack]}")
        return page

    def _where(self) -> tuple[str | None, str | None]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else (None, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        section, timeline = self._where()
        if tag == "section":
            section = values.get("id")
        if tag == "svg" and "timeline" in values.get("class", "").split():
            timeline = values.get("data-env")
        self.elements.append(Element(tag, values, section, timeline))
        if tag not in VOID:
            self.stack.append((tag, section, timeline))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<x/>" closes x only in SVG (foreign content); elsewhere it would stay open.
        in_svg = any(open_tag == "svg" for open_tag, _s, _t in self.stack)
        if tag not in VOID and not in_svg:
            self.errors.append(f"self-closed <{tag}/> outside SVG")
        section, timeline = self._where()
        self.elements.append(Element(tag, {n: v or "" for n, v in attrs}, section, timeline))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        current = self.stack[-1][0] if self.stack else None
        if current == "script":
            self.scripts.append(data)
        elif current == "style":
            self.styles.append(data)
        elif current != "title" or not any(t == "svg" for t, _s, _tl in self.stack):
            self.texts.append((self._where()[0], data))

    def find(self, tag: str, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
        ]

    def text(self, section: str | None = None) -> str:
        """Visible text (SVG tooltips left out), whitespace collapsed."""
        parts = [t for s, t in self.texts if section is None or s == section]
        # Pieces are joined with a space (table cells must not run together); punctuation
        # that followed an element in the markup goes back against it.
        return re.sub(r" (?=[,.;:)”])", "", " ".join(" ".join(parts).split()))

    def markers(self) -> Counter[str | None]:
        return Counter(e.timeline for e in self.elements if e.tag == "g" and "mk" in e.classes)


def event_rows(page: Page) -> list[Element]:
    return [e for e in page.find("tr") if "data-change" in e.attrs]


# --- inputs -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    root = build_sample_repository(tmp_path_factory.mktemp("html") / "repo")
    return build_report(root, AuditOptions(), datetime.timedelta(days=7))


@pytest.fixture(scope="module")
def sample_html(sample: BuiltReport) -> str:
    return "".join(render_report("html", sample))


@pytest.fixture(scope="module")
def page(sample_html: str) -> Page:
    return Page.read(sample_html)


def make_event(**overrides: object) -> AuditEvent:
    """An event with plausible defaults; tests change what they look at."""
    values: dict[str, object] = {
        "time": datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "commit": "c" * 40,
        "subject": "Promote api 1.2.0 to prod",
        "author": "Alice Martin",
        "author_email": "alice@example.com",
        "committer": "Alice Martin",
        "bot": False,
        "signed": False,
        "pr": None,
        "app": "api",
        "environment": "prod",
        "container": "api",
        "resource": "Deployment/api",
        "image": "registry.example.com/team/api",
        "from_version": "1.1.0",
        "to_version": "1.2.0",
        "from_reference": "registry.example.com/team/api:1.1.0",
        "to_reference": "registry.example.com/team/api:1.2.0",
        "change": "minor",
        "rollback": False,
        "findings": (),
        "path": "apps/api/overlays/prod/kustomization.yaml",
        "line": 8,
    }
    values.update(overrides)
    return AuditEvent(**values)  # type: ignore[arg-type]


def audit_of(
    events: list[AuditEvent], state: list[Running], notes: list[str]
) -> tuple[Audit, Metrics]:
    order = list(dict.fromkeys(e.environment for e in events if e.environment))
    start = events[0].time if events else None
    end = events[-1].time if events else None
    audit = Audit(events, state, default_policy(), "ab" * 20, len(events), start, end, notes)
    return audit, compute(events, state, order, start, end)


def synthetic(count: int, span: datetime.timedelta, seed: int = 7) -> tuple[Audit, Metrics]:
    """``count`` events over ``span``: 3 environments, 12 apps, bots, PRs, rollbacks, findings."""
    rng = random.Random(seed)
    envs = ("dev", "staging", "prod")
    apps = [f"svc-{i:02d}" for i in range(12)]
    start = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    step = span / max(count, 1)
    versions = {(app, env): [1, 0, 0] for app in apps for env in envs}
    events: list[AuditEvent] = []
    for index in range(count):
        app, env = rng.choice(apps), rng.choice(envs)
        old = versions[(app, env)]
        kind = rng.choices(["patch", "minor", "major", "downgrade", "digest"], [60, 25, 3, 7, 5])[0]
        new = list(old)
        if kind == "patch":
            new[2] += 1
        elif kind == "minor":
            new[1:] = [old[1] + 1, 0]
        elif kind == "major":
            new = [old[0] + 1, 0, 0]
        elif kind == "downgrade" and (old[1] or old[2]):
            new[2 if old[2] else 1] -= 1
        elif kind == "downgrade":  # nothing below 1.0.0 to go back to
            kind, new[2] = "patch", old[2] + 1
        versions[(app, env)] = new
        old_v, new_v = ".".join(map(str, old)), ".".join(map(str, new))
        bot = rng.random() < 0.4
        findings: tuple[Finding, ...] = ()
        if rng.random() < 0.08:
            findings = (
                Finding(
                    "GG304",
                    f"{app} {new_v} reaches {env} after 2h in the previous environment",
                    Location(f"apps/{app}/overlays/{env}/kustomization.yaml", 8),
                    severity=Severity.ERROR,
                ),
            )
        events.append(
            make_event(
                time=start + step * index,
                commit=f"{index:040x}",
                subject=f"Promote {app} {new_v} to {env}",
                author="image-updater[bot]" if bot else rng.choice(["Alice Martin", "Bob Okafor"]),
                bot=bot,
                pr=None if bot or rng.random() < 0.5 else 100 + index,
                app=app,
                environment=env,
                container=app,
                image=f"registry.example.com/team/{app}",
                from_version=old_v,
                to_version=new_v,
                change=kind,
                rollback=kind == "downgrade" and rng.random() < 0.5,
                findings=findings,
            )
        )
    end = events[-1].time if events else start
    state = [
        Running(
            app,
            env,
            app,
            f"registry.example.com/team/{app}",
            ".".join(map(str, v)),
            f"registry.example.com/team/{app}:{'.'.join(map(str, v))}",
            end,
            "f" * 40,
        )
        for (app, env), v in versions.items()
    ]
    return audit_of(events, state, ["synthetic history"])


# --- the sample repository ---------------------------------------------------------------


def test_every_section_is_present_and_the_page_is_well_formed(page: Page, sample_html: str) -> None:
    assert page.errors == []
    assert sample_html.startswith('<!DOCTYPE html>\n<html lang="en">')
    ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs}
    assert set(SECTIONS) <= ids
    head = sample_html.split("</head>", 1)[0]
    assert "<title>Promotion audit · 2026-01-05 – 2026-02-09 · " in head
    assert '<meta name="generator" content="gitops-guard ' in head


def test_header_answers_what_runs_where_now(page: Page, sample: BuiltReport) -> None:
    header = page.text()
    assert f"Repository head {sample.audit.head[:12]}" in header
    assert "period 2026-01-05 – 2026-02-09" in header
    assert "30 events in 11 commits" in header
    assert "generated by gitops-guard" in header
    dd = {e.attrs["data-env"]: e for e in page.find("dd")}
    assert list(dd) == ["dev", "staging", "prod"]
    lines = [t for s, t in page.texts if s is None]
    joined = " ".join(" ".join(lines).split())
    assert "prod api 1.5.0 · web 2.3.0 · worker 0.9.1" in joined
    assert "staging api 1.5.0 · web 2.4.0 · worker 0.10.0" in joined
    assert "Rollback of web in prod on 2026-02-03: 2.4.0 → 2.3.0" in joined
    assert "GG304 on api in prod on 2026-02-09: 1.4.1 → 1.5.0" in joined


def test_state_matrix_and_drift(page: Page) -> None:
    now = page.text("now")
    assert "registry.example.com/team/api" in now
    assert "since 2026-02-03" in now  # web's rollback in prod
    drift_cells = [e for e in page.find("td", "drift") if e.section == "now"]
    assert len(drift_cells) == 4  # web and worker, in dev and staging, differ from prod
    drift_rows = page.find("table", "drift")
    assert len(drift_rows) == 1
    assert "web web ghcr.io/acme/web 2.4.0 2.4.0 2.3.0" in now


def test_one_timeline_per_environment_with_a_marker_per_change(
    page: Page, sample: BuiltReport
) -> None:
    timelines = page.find("svg", "timeline")
    assert [t.attrs["data-env"] for t in timelines] == ["dev", "staging", "prod"]
    expected = Counter(e.environment for e in sample.audit.events if not e.initial)
    assert page.markers() == expected == Counter({"dev": 4, "staging": 4, "prod": 4})
    rollbacks = [e for e in page.elements if e.tag == "g" and {"mk", "rollback"} <= e.classes]
    flagged = [e for e in page.elements if e.tag == "g" and {"mk", "flagged"} <= e.classes]
    assert [e.timeline for e in rollbacks] == ["prod"]
    assert [e.timeline for e in flagged] == ["prod"]  # GG304 on api 1.5.0


def test_marker_tooltips_give_version_author_and_commit(
    sample_html: str, sample: BuiltReport
) -> None:
    rollback = next(e for e in sample.audit.events if e.rollback)
    tooltip = re.search(r'<g class="mk k-downgrade rollback"><title>([^<]*)</title>', sample_html)
    assert tooltip is not None
    text = tooltip.group(1)
    assert "ghcr.io/acme/web 2.4.0 → 2.3.0" in text
    assert "downgrade (rollback) by Bob Okafor" in text
    assert f"commit {rollback.commit[:12]}: Roll back web in prod to 2.3.0" in text


def test_lead_time_and_frequency_charts(page: Page, sample: BuiltReport) -> None:
    medians = page.find("rect", "bar-median")
    p90s = page.find("rect", "bar-p90")
    assert len(medians) == len(p90s) == 2  # staging and prod; dev is where versions start
    lead = " ".join(t for s, t in page.texts if s == "lead-time")
    assert "median 14.8 h · p90 17.8 d · n=4" in " ".join(lead.split())
    weeks = page.find("rect", "wk")
    promotions = [e for e in sample.audit.events if not e.initial]
    assert len(weeks) == len({(e.environment, e.time.isocalendar()[:2]) for e in promotions})
    assert "prod 4 total" in page.text("frequency")


def test_metrics_are_the_markdown_figures(page: Page, sample: BuiltReport) -> None:
    markdown = "".join(render_report("md", sample))
    expected = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 10 and cells[0] not in ("Scope", "---"):
            expected.append(cells)
    assert len(expected) == len(sample.metrics.environments) + len(sample.metrics.apps)
    text = page.text("metrics")
    for cells in expected:
        assert " ".join(cells) in text  # same cells, in the same order, row by row


def test_events_table_has_one_row_per_event(
    page: Page, sample: BuiltReport, sample_html: str
) -> None:
    body = sample_html.split('<table id="events"', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr data-env=") == len(sample.audit.events) == 30
    headers = [e.attrs["data-col"] for e in page.find("th") if "data-col" in e.attrs]
    assert headers == [
        "time",
        "env",
        "app",
        "image",
        "versions",
        "change",
        "by",
        "pr",
        "commit",
        "findings",
    ]
    events = page.text("events-section")
    assert "argocd-image-updater bot" in events  # bots are marked
    assert "#12" in events
    assert "#15" in events
    assert "downgrade rollback" in events
    rollback = page.find("tr", data_rb="1")
    assert len(rollback) == 1
    assert rollback[0].attrs["data-env"] == "prod"
    assert len(page.find("tr", data_change="downgrade")) == 1


def test_page_reads_without_javascript(page: Page) -> None:
    form = page.find("form")[0]
    assert "hidden" in form.attrs  # dead controls stay out of sight with scripts off
    assert "30 events" in page.text("events-section")
    assert page.find("th", data_col="time")[0].attrs["aria-sort"] == "ascending"


def test_rollbacks_section_names_the_undone_change(page: Page) -> None:
    text = page.text("rollbacks")
    assert (
        "Rollback of web in prod on 2026-02-03 09:05 +0000: ghcr.io/acme/web 2.4.0 → 2.3.0" in text
    )
    assert "By Bob Okafor" in text
    assert "Marked with the Rollback: trailer" in text
    assert "Undoes 2.3.0 → 2.4.0 of 2026-02-02 14:00 +0000 by Alice Martin (PR #15)" in text
    assert "19.1 h earlier" in text


def test_findings_list_and_notes(page: Page, sample: BuiltReport) -> None:
    text = page.text("findings")
    assert "GG304 soak-time" in text
    assert "registry.example.com/team/api 1.5.0 reaches prod after 3h30m in staging" in text
    assert "GG105 digest-required × 3" in text
    rows = [e for e in page.find("tr") if e.section == "findings"]
    assert len(rows) - 1 == sum(len(e.findings) for e in sample.audit.events) == 7
    assert "2026-W02: 6 errors · 2026-W07: 1 error" in text
    assert page.text("notes") == "Notes None."


def test_self_contained_and_locked_down(page: Page, sample_html: str) -> None:
    assert not page.find("link")
    assert not page.find("img")
    assert not page.find("iframe")
    assert not page.find("object")
    assert not page.find("embed")
    assert all("src" not in e.attrs for e in page.elements)
    hrefs = [e.attrs["href"] for e in page.elements if "href" in e.attrs]
    assert hrefs
    assert all(h.startswith("#") for h in hrefs)
    assert "url(" not in page.styles[0]
    assert "@import" not in page.styles[0]
    # Style attributes would be blocked by the policy below: the page uses classes only.
    assert not [e for e in page.elements if "style" in e.attrs]
    assert len(page.scripts) == 1
    assert len(page.styles) == 1
    csp = page.find("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert "default-src 'none'" in csp
    assert f"script-src '{digest(page.scripts[0])}'" in csp
    assert f"style-src '{digest(page.styles[0])}'" in csp
    assert "@media print" in page.styles[0]


def test_output_is_deterministic(sample: BuiltReport, sample_html: str, tmp_path: Path) -> None:
    assert report_html.render(sample.audit, sample.metrics) == sample_html
    again = build_report(
        build_sample_repository(tmp_path / "again"), AuditOptions(), datetime.timedelta(days=7)
    )
    assert "".join(render_report("html", again)) == sample_html


# --- synthetic audits --------------------------------------------------------------------


HOSTILE = {
    "subject": '<script>document.documentElement.dataset.pwned="subject"</script>',
    "image": 'evil.example/<img src=x onerror="document.documentElement.dataset.pwned=1">',
    "author": '"><svg onload="document.documentElement.dataset.pwned=2">',
    "app": "a&b<i>",
    "environment": 'prod"><script>document.documentElement.dataset.pwned=3</script>',
    "container": "c</text><script>document.documentElement.dataset.pwned=4</script>",
    "to_version": "2.0<b>",
    "message": '</title><script>document.documentElement.dataset.pwned="finding"</script>',
    "note": "<iframe src=javascript:alert(1)>",
}


def hostile_audit() -> tuple[Audit, Metrics]:
    finding = Finding(
        "GG304",
        HOSTILE["message"],
        Location("x.yaml", 1),
        severity=Severity.ERROR,
        hint="<u>hint</u>",
    )
    base = {
        "subject": HOSTILE["subject"],
        "image": HOSTILE["image"],
        "author": HOSTILE["author"],
        "author_email": "<x@y>",
        "app": HOSTILE["app"],
        "environment": HOSTILE["environment"],
        "container": HOSTILE["container"],
    }
    events = [
        make_event(**base, to_version=HOSTILE["to_version"], findings=(finding,)),
        make_event(
            **base,
            time=datetime.datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
            from_version=HOSTILE["to_version"],
            to_version="1.1.0",
            change="downgrade",
            rollback=True,
            pr=7,
        ),
    ]
    state = [
        Running(
            HOSTILE["app"],
            HOSTILE["environment"],
            HOSTILE["container"],
            HOSTILE["image"],
            "1.1.0",
            HOSTILE["image"] + ":1.1.0",
            events[-1].time,
            "d" * 40,
        )
    ]
    return audit_of(events, state, [HOSTILE["note"]])


def test_hostile_repository_text_is_escaped_everywhere() -> None:
    audit, metrics = hostile_audit()
    text = report_html.render(audit, metrics)
    page = Page.read(text)
    assert page.errors == []
    assert len(page.find("script")) == 1  # only the page's own
    assert not page.find("iframe")
    assert not page.find("img")
    assert not page.find("u")
    assert not [e for e in page.elements if any(name.startswith("on") for name in e.attrs)]
    for value in HOSTILE.values():
        assert value not in text
    visible = page.text()
    for key in ("subject", "image", "app", "note"):
        assert " ".join(HOSTILE[key].split()) in visible, key
    # Attribute values come back intact, so filters match what is shown.
    rows = page.find("tr", data_env=HOSTILE["environment"])
    assert len(rows) == 2
    assert rows[0].attrs["data-app"] == HOSTILE["app"]
    assert page.find("svg", "timeline")[0].attrs["data-env"] == HOSTILE["environment"]


def test_rollback_trailer_value_is_shown_when_the_audit_has_it() -> None:
    forward = make_event(change="minor", from_version="1.1.0", to_version="1.2.0", pr=15)
    back = dataclasses.replace(
        forward,
        trailers=(("rollback", "INC-42"),),
        time=forward.time + datetime.timedelta(hours=19),
        from_version="1.2.0",
        to_version="1.1.0",
        change="downgrade",
        rollback=True,
        pr=None,
    )
    audit, metrics = audit_of([forward, back], [], [])
    page = Page.read(report_html.render(audit, metrics))
    assert page.errors == []
    assert (
        "Marked with the Rollback: trailer: INC-42, to a version that ran here before."
        in page.text("rollbacks")
    )
    assert "Undoes 1.1.0 → 1.2.0 of 2026-03-02 10:00 +0000 by Alice Martin (PR #15)" in page.text(
        "rollbacks"
    )
    assert "Rollback of api in prod on 2026-03-03: 1.2.0 → 1.1.0 (INC-42)" in page.text()


def test_unmarked_downgrade_is_called_so() -> None:
    audit, metrics = audit_of(
        [make_event(change="downgrade", from_version="1.2.0", to_version="1.1.0")], [], []
    )
    page = Page.read(report_html.render(audit, metrics))
    assert "Downgrade of api in prod" in page.text("rollbacks")
    assert "Not marked as a rollback (no Rollback: trailer" in page.text("rollbacks")
    assert "Unmarked downgrade of api in prod on 2026-03-02" in page.text()


def test_empty_audit_renders() -> None:
    audit, metrics = audit_of([], [], [])
    page = Page.read(report_html.render(audit, metrics))
    assert page.errors == []
    assert "No event in the period." in page.text()
    assert "No finding" in page.text("findings")
    assert not event_rows(page)


def test_unmapped_events_and_a_single_instant() -> None:
    events = [
        make_event(environment=None, app=None),
        make_event(change="removed", to_version=None, to_reference=None),
        make_event(change="weird-kind"),
    ]
    audit, metrics = audit_of(events, [], [])
    page = Page.read(report_html.render(audit, metrics))
    assert page.errors == []
    assert len(page.find("tr", data_env="")) == 1
    assert page.markers() == Counter({"prod": 2})
    assert len([e for e in page.find("g", "k-other") if e.timeline == "prod"]) == 1


@pytest.mark.parametrize(
    "span",
    [
        datetime.timedelta(hours=3),
        datetime.timedelta(days=10),
        datetime.timedelta(days=90),
        datetime.timedelta(days=700),
        datetime.timedelta(days=6 * 365),
    ],
)
def test_time_axes_stay_readable_over_any_span(span: datetime.timedelta) -> None:
    audit, metrics = synthetic(300, span)
    page = Page.read(report_html.render(audit, metrics))
    assert page.errors == []
    for env in ("dev", "staging", "prod"):
        labels = [
            e
            for e in page.find("text")
            if e.timeline == env
            and e.attrs.get("text-anchor") == "middle"
            and "vl" not in e.classes
        ]
        assert 1 <= len(labels) <= 15, (span, env, len(labels))
    assert sum(page.markers().values()) == 300


def test_five_thousand_events_render_small_and_whole() -> None:
    # How fast is a benchmark's question (the HTML report at scale is issue 15's), not a
    # timed test's on a loaded machine.
    audit, metrics = synthetic(5000, datetime.timedelta(days=365))
    text = report_html.render(audit, metrics)
    size = len(text.encode("utf-8"))
    assert size < 5_000_000
    page = Page.read(text)
    assert page.errors == []
    assert len(event_rows(page)) == 5000
    assert len(page.find("tr", data_f="1")) == sum(bool(e.findings) for e in audit.events)
    assert sum(page.markers().values()) == 5000
    assert len(page.find("svg", "timeline")) == 3


# --- autoescape: every field a repository controls -------------------------------------


def _poisoned(text: object) -> tuple[Audit, Metrics]:
    """An audit in which every string a repository or a policy controls is ``text(field)``.

    Four events (the initial layout, a promotion with findings, a rollback carrying a
    trailer, the removal of a second container) reach every section: header, state, timelines, events, rollbacks,
    findings and notes.
    """
    assert callable(text)
    hint = text("hint")
    findings = (
        Finding(text("rule"), text("message"), Location(text("location"), 3), Severity.ERROR, hint),
        Finding("GG102", text("warning"), Location("x.yaml", 1), Severity.WARNING),
    )
    base: dict[str, object] = {
        "commit": text("commit"),
        "subject": text("subject"),
        "author": text("author"),
        "author_email": text("author_email"),
        "committer": text("committer"),
        "app": text("app"),
        "environment": text("environment"),
        "container": text("container"),
        "resource": text("resource"),
        "image": text("image"),
        "path": text("path"),
    }
    first = make_event(
        **base, from_version=None, to_version=text("version"), change="new", initial=True
    )
    second = make_event(
        **base,
        time=first.time + datetime.timedelta(hours=2),
        from_version=text("version"),
        to_version=text("next"),
        change=text("change"),
        findings=findings,
        pr=12,
    )
    third = make_event(
        **base,
        time=first.time + datetime.timedelta(hours=5),
        from_version=text("next"),
        to_version=text("version"),
        change="downgrade",
        rollback=True,
        trailers=((text("trailer"), text("incident")),),
        bot=True,
    )
    gone = make_event(
        **{**base, "container": text("sidecar")},
        time=first.time + datetime.timedelta(hours=9),
        from_version=text("version"),
        to_version=None,
        change="removed",
    )
    events = [first, second, third, gone]
    state = [
        Running(
            text("app"),
            text("environment"),
            text("container"),
            text("image"),
            text("version"),
            text("reference"),
            third.time,
            text("commit"),
        )
    ]
    policy = dataclasses.replace(default_policy(), rollback_trailer=text("trailer"))
    audit = Audit(events, state, policy, text("head"), 4, first.time, gone.time, [text("note")])
    return audit, compute(events, state, [text("environment")], first.time, gone.time)


def _attack(name: str) -> str:
    return f"{name}<script>alert(1)</script>\"' onmouseover=alert(2) x=\"<b>'"


def _blank(name: str) -> str:
    """The same length and the same slashes as the attack (labels are placed by length,
    paths wrap at slashes): what an unescaped attack would change is only markup."""
    return "".join("/" if c == "/" else "x" for c in _attack(name))


class _AllText(HTMLParser):
    """Every piece of text of a page, SVG tooltips included."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def _skeleton(page: Page) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.tag, tuple(e.attrs)) for e in page.elements]


def test_autoescape_covers_every_field_a_repository_controls() -> None:
    hostile = report_html.render(*_poisoned(_attack))
    page = Page.read(hostile)
    assert page.errors == []
    # Escaped text changes no markup: the page has exactly the elements and attributes,
    # in order, of the same audit with harmless text of the same shape.
    assert _skeleton(page) == _skeleton(Page.read(report_html.render(*_poisoned(_blank))))
    assert len(page.find("script")) == 1  # the page's own
    assert not page.find("b", x="")
    assert not [e for e in page.elements if any(name.startswith("on") for name in e.attrs)]
    csp = page.find("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    own = "sha256-" + base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert f"script-src '{own}'" in csp
    # And the text arrives whole, where a reader sees it (tooltips included) or in the
    # attribute it belongs to. (The sidecar's name would only label its marker, and a
    # label this long finds no room.)
    reader = _AllText()
    reader.feed(hostile)
    # (Joined: paths are cut by <wbr> after each slash.)
    shown = ["".join(reader.data)] + [v for e in page.elements for v in e.attrs.values()]
    for name in (
        "app", "environment", "container", "image", "subject", "author",
        "author_email", "committer", "version", "next", "change", "rule", "message", "hint",
        "warning", "location", "trailer", "incident", "reference", "note", "head", "commit",
    ):  # fmt: skip
        value = _attack(name)
        expected = value[:12] if name == "commit" else value
        assert any(expected in text for text in shown), name


def test_stylesheet_and_script_cannot_close_their_element() -> None:
    """The page's own stylesheet and script are printed as they are (trusted package data):
    neither may hold the closing tag of its element, or the rest would be read as markup."""
    audit, metrics = audit_of([], [], [])
    page = Page.read(report_html.render(audit, metrics))
    assert "</style" not in page.styles[0].lower()
    assert "</script" not in page.scripts[0].lower()
    assert page.scripts[0].strip().endswith("})();")
    assert page.styles[0].strip().endswith("}")
