"""What an audit is made of: its events (one image change each), what ran, the options and the
stream.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from gitops_guard.history.steps import (
    PromotionEvent,
    version_of,
)
from gitops_guard.model import Finding, ImageUse, Location, Severity, printable, printable_finding
from gitops_guard.patterns.wildcard import glob_matches
from gitops_guard.policy.model import (
    Policy,
)

# The trailer `gitops-guard promote` writes (audit.promote.PROMOTED_FROM), lower-cased as
# commit trailers are read.
PROMOTED_FROM_KEY = "promoted-from"

# One encoder for every event line: json.dumps with options builds a new one per call.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)


# Not frozen: a warm report builds one per cached event (115,000 at 100,000 commits), and a
# frozen dataclass's __init__ costs about 9× a plain one (object.__setattr__ per field).
@dataclass(slots=True)
class AuditEvent:
    """One image change of one (app, environment, container), as the report lists it."""

    time: datetime.datetime
    commit: str
    subject: str
    author: str
    author_email: str
    committer: str
    bot: bool
    signed: bool
    pr: int | None
    app: str | None
    environment: str | None
    container: str | None
    resource: str | None
    image: str
    from_version: str | None
    to_version: str | None
    from_reference: str | None
    to_reference: str | None
    change: str
    rollback: bool
    findings: tuple[Finding, ...]
    path: str
    line: int
    initial: bool = False  # made by the repository's first commit: setup, not a promotion
    trailers: tuple[tuple[str, str], ...] = ()  # the commit's trailers (Rollback: INC-42)
    # The event's JSON line, once written or read from the history cache (not an argument:
    # a copy made with dataclasses.replace encodes its own).
    encoded: str | None = field(default=None, init=False, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The event in the report's JSON shape (SPEC §6 keys first, then located extras)."""
        return {
            "time": self.time.isoformat(),
            "commit": self.commit,
            "author": self.author,
            "committer": self.committer,
            "bot": self.bot,
            "signed": self.signed,
            "pr": self.pr,
            "app": self.app,
            "environment": self.environment,
            "image": self.image,
            "from": self.from_version,
            "to": self.to_version,
            "change": self.change,
            "rollback": self.rollback,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.value if f.severity else "error",
                    "message": f.message,
                    "path": f.location.path,
                    "line": f.location.line,
                    "column": f.location.column,
                    "hint": f.hint,
                }
                for f in self.findings
            ],
            "container": self.container,
            "resource": self.resource,
            "subject": self.subject,
            "author_email": self.author_email,
            "from_reference": self.from_reference,
            "to_reference": self.to_reference,
            "path": self.path,
            "line": self.line,
            "initial": self.initial,
            "trailers": [list(pair) for pair in self.trailers],
            "promoted_from": self.promoted_from,
        }

    @property
    def promoted_from(self) -> str | None:
        """Where ``promote`` took the version from: ``staging@<sha>`` (its trailer), else None."""
        for key, value in self.trailers:
            if key.lower() == PROMOTED_FROM_KEY:
                return value
        return None

    def line_json(self) -> str:
        """The event as one line of JSON (what `report --format json` writes)."""
        if self.encoded is None:  # once: the report writes it and the cache stores it
            self.encoded = _LINE_ENCODER.encode(self.to_dict())
        return self.encoded

    def to_record(self) -> list[Any]:
        """A compact positional form for the history cache (its JSON line included)."""
        return [
            self.line_json(),
            self.time.isoformat(),
            self.commit,
            self.subject,
            self.author,
            self.author_email,
            self.committer,
            self.bot,
            self.signed,
            self.pr,
            self.app,
            self.environment,
            self.container,
            self.resource,
            self.image,
            self.from_version,
            self.to_version,
            self.from_reference,
            self.to_reference,
            self.change,
            self.rollback,
            [
                [
                    f.rule,
                    f.severity.value if f.severity else "error",
                    f.message,
                    f.location.path,
                    f.location.line,
                    f.location.column,
                    f.hint,
                ]
                for f in self.findings
            ],
            self.path,
            self.line,
            self.initial,
            [list(pair) for pair in self.trailers],
        ]

    @classmethod
    def from_record(cls, record: list[Any]) -> AuditEvent:
        """The event :meth:`to_record` wrote (one JSON decode per cached step, no dicts)."""
        (
            encoded, time, commit, subject, author, author_email, committer, bot, signed, pr,
            app, environment, container, resource, image, from_version, to_version,
            from_reference, to_reference, change, rollback, findings, path, line, initial,
            trailers,
        ) = record  # fmt: skip
        event = cls(
            datetime.datetime.fromisoformat(time), commit, subject, author, author_email,
            committer, bot, signed, pr, app, environment, container, resource, image,
            from_version, to_version, from_reference, to_reference, change, rollback,
            tuple(
                Finding(
                    rule, message, Location(where, number, column), severity=Severity(severity),
                    hint=hint, app=app, environment=environment,
                )
                for rule, severity, message, where, number, column, hint in findings
            ) if findings else (),
            path, line, initial, tuple(map(tuple, trailers)) if trailers else (),
        )  # fmt: skip
        event.encoded = encoded
        return event


@dataclass(frozen=True, slots=True)
class Running:
    """What ran for one (app, environment, container) at some instant."""

    app: str | None
    environment: str | None
    container: str | None
    image: str
    version: str | None
    reference: str
    since: datetime.datetime
    commit: str


@dataclass
class AuditOptions:
    """Which part of history to report on."""

    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    since_revision: str | None = None
    until_revision: str | None = None
    environments: frozenset[str] = frozenset()
    apps: frozenset[str] = frozenset()
    image: str | None = None  # glob over the image name
    replay_current: bool = False
    head: str = "HEAD"

    def wants(self, event: AuditEvent) -> bool:
        """Whether an event passes the environment, app and image filters."""
        if self.environments and event.environment not in self.environments:
            return False
        if self.apps and event.app not in self.apps:
            return False
        return self.image is None or glob_matches(self.image, event.image)


@dataclass
class Audit:
    """The events of the period and the state at its end."""

    events: list[AuditEvent]
    state: list[Running]
    policy: Policy
    head: str
    commits: int
    start: datetime.datetime | None
    end: datetime.datetime | None
    notes: list[str] = field(default_factory=list)


def _label(use: ImageUse | None) -> tuple[str | None, str | None]:
    if use is None:
        return None, None
    if use.reference is None:
        return use.raw, use.raw
    return version_of(use.reference), use.reference.familiar()


def _printable(text: str | None) -> str | None:
    return printable(text) if text is not None else None


def audit_event(event: PromotionEvent, findings: list[Finding], rollback: bool) -> AuditEvent:
    """The report's view of a promotion event."""
    commit = event.commit
    from_version, from_reference = _label(event.old)
    to_version, to_reference = _label(event.new)
    ref = event.new_ref or event.old_ref
    image = ref.familiar_name if ref is not None else event.use.raw
    return AuditEvent(
        time=commit.committer.time,
        commit=commit.sha,
        subject=commit.subject,
        author=commit.author.name,
        author_email=commit.author.email,
        committer=commit.committer.name,
        bot=event.bot,
        signed=commit.signed,
        pr=event.pr,
        # Paths that are not UTF-8 (and names taken from them) as every format writes them.
        app=_printable(event.app),
        environment=_printable(event.environment),
        container=_printable(event.container),
        resource=_printable(event.use.resource),
        image=image,
        from_version=from_version,
        to_version=to_version,
        from_reference=from_reference,
        to_reference=to_reference,
        change=event.change,
        rollback=rollback,
        findings=tuple(printable_finding(f) for f in findings),
        path=printable(event.use.location.path),
        line=event.use.location.line,
        initial=not commit.parents,
        trailers=tuple(commit.trailers().items()),
    )


@dataclass
class AuditEnd:
    """What an audit knows once every event has come."""

    state: list[Running]
    head: str
    commits: int
    start: datetime.datetime | None
    end: datetime.datetime | None
    notes: list[str]


class AuditStream:
    """An audit's events as they are replayed (iterate once); the rest when they have all
    come. Memory then depends on the number of images, not on the length of history."""

    def __init__(self, events: Generator[AuditEvent, None, AuditEnd], policy: Policy) -> None:
        self._events = events
        self.policy = policy
        self.end: AuditEnd | None = None

    def __iter__(self) -> Iterator[AuditEvent]:
        self.end = yield from self._events

    def audit(self, events: list[AuditEvent]) -> Audit:
        """The audit of the events taken (call once they have all come)."""
        end = self.end
        if end is None:
            raise RuntimeError("the audit's events were not all read")
        return Audit(
            events, end.state, self.policy, end.head, end.commits, end.start, end.end, end.notes
        )
