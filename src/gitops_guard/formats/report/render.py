"""Picks the report format module for a file extension and streams its pieces."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gitops_guard.audit.build import BuiltReport, StreamedReport
from gitops_guard.audit.events import (
    AuditStream,
)
from gitops_guard.audit.metrics import (
    MetricsBuilder,
)


def render_stream(extension: str, streamed: StreamedReport) -> Iterator[str]:
    """A streamed format (json, csv), in pieces: the history is replayed as they are asked for."""
    import importlib

    module = importlib.import_module(f"gitops_guard.formats.report.{extension}")
    if extension == "json" and streamed.waiting is not None:
        with_plan: Callable[[AuditStream, MetricsBuilder, object], Iterator[str]] = module.stream
        return with_plan(streamed.events, streamed.metrics, streamed.waiting)
    stream: Callable[[AuditStream, MetricsBuilder], Iterator[str]] = module.stream
    return stream(streamed.events, streamed.metrics)


def render_report(extension: str, built: BuiltReport) -> Iterator[str]:
    """One format of the report (md, json, csv, html), in pieces to write as they come."""
    import importlib

    name = extension if extension in ("json", "csv", "html") else "markdown"
    module = importlib.import_module(f"gitops_guard.formats.report.{name}")
    if name in ("html", "json"):
        yield from module.chunks(built.audit, built.metrics, built.plan, built.waiting_skipped)
    elif hasattr(module, "chunks"):
        yield from module.chunks(built.audit, built.metrics)
    else:
        yield module.render(built.audit, built.metrics)
