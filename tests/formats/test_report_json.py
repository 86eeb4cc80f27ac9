"""`report --format json`: one document, events one per line, in order, whatever their number."""

from __future__ import annotations

import datetime
import json

import pytest

from gitops_guard.formats.report import json as report_json
from tests.formats.test_report_html import synthetic


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_every_event_once_in_order(count: int) -> None:
    audit, metrics = synthetic(count, datetime.timedelta(days=90))
    text = report_json.render(audit, metrics)
    document = json.loads(text)
    assert [e["commit"] for e in document["events"]] == [e.commit for e in audit.events]
    assert document["events"] == [e.to_dict() for e in audit.events]
    # One event per line: a reader can stream the file line by line.
    event_lines = [line for line in text.splitlines() if line.startswith('{"time"')]
    assert len(event_lines) == count
    assert "summary" in document
