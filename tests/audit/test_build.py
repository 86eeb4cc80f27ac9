"""JSON and CSV reports are written while the history is replayed, and say the same."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from gitops_guard.audit.build import (
    build_report,
    stream_report,
)
from gitops_guard.audit.events import (
    AuditEvent,
    AuditOptions,
)
from gitops_guard.cli.main import main
from gitops_guard.errors import GuardError
from gitops_guard.formats.report import json as report_json
from gitops_guard.formats.report.render import (
    render_report,
    render_stream,
)

WEEK = datetime.timedelta(days=7)


@pytest.mark.parametrize("extension", ["json", "csv"])
@pytest.mark.parametrize(
    "options",
    [{}, {"environments": frozenset({"prod"})}, {"until_revision": "HEAD~2"}],
    ids=["all", "prod", "until"],
)
def test_a_streamed_report_is_the_collected_one(
    sample: Path, extension: str, options: dict[str, object]
) -> None:
    streamed = "".join(
        render_stream(extension, stream_report(sample, AuditOptions(**options), WEEK))  # type: ignore[arg-type]
    )
    collected = "".join(
        render_report(extension, build_report(sample, AuditOptions(**options), WEEK))  # type: ignore[arg-type]
    )
    assert streamed == collected
    if extension == "json":
        assert json.loads(streamed)["summary"]["events"] == len(json.loads(streamed)["events"])


def test_without_environments_in_the_policy_both_ways_agree(sample: Path, tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    from tests.conftest import GIT_ENV

    repo = tmp_path / "repo"
    shutil.copytree(sample, repo)
    (repo / ".gitops-guard.yaml").write_text("version: 1\n")
    subprocess.run(
        ["git", "commit", "-qam", "no environments"],
        cwd=repo,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    streamed = "".join(render_stream("json", stream_report(repo, AuditOptions(), WEEK)))
    collected = "".join(render_report("json", build_report(repo, AuditOptions(), WEEK)))
    assert streamed == collected
    # Every environment the history shows is listed, promoted to or not.
    document = json.loads(streamed)
    seen = {e["environment"] for e in document["events"] if e["environment"]}
    assert seen
    assert {g["environment"] for g in document["summary"]["environments"]} == seen


def test_events_go_out_before_the_replay_ends(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_json, "BATCH", 2)
    streamed = stream_report(sample, AuditOptions(), WEEK)
    pieces = render_stream("json", streamed)
    assert next(pieces) == '{"events": ['
    first = next(pieces)
    assert len(json.loads("[" + first + "]")) == 2
    assert streamed.events.end is None, "the replay is still going"
    rest = "".join(pieces)
    assert streamed.events.end is not None
    assert json.loads('{"events": [' + first + rest)["summary"]["events"] > 2


def test_a_report_that_fails_half_way_leaves_the_old_one(
    sample: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / "report.json").write_text("the report of yesterday\n")
    written: list[int] = []
    original = AuditEvent.line_json

    def failing(self: AuditEvent) -> str:
        written.append(1)
        if len(written) == 5:
            raise GuardError("the repository went away")
        return original(self)

    monkeypatch.setenv("GITOPS_GUARD_NO_CACHE", "1")
    monkeypatch.setattr(AuditEvent, "line_json", failing)
    monkeypatch.setattr(report_json, "BATCH", 2)
    code = main(["report", "--repo", str(sample), "--format", "json", "--out", str(out)])
    assert code == 2
    assert "the repository went away" in capsys.readouterr().err
    assert (out / "report.json").read_text() == "the report of yesterday\n"
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
