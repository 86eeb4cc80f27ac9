"""Shared state of one extraction run: the file source, the policy, parsed files."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from yaml.nodes import Node

from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Finding, ImageUse, Location, Severity, Source
from gitops_guard.parse.loader import (
    LoadedFile,
    WrongType,
    load_yaml,
    location,
    string_value,
)
from gitops_guard.parse.reparse import patch
from gitops_guard.policy.layout import Placement
from gitops_guard.policy.model import Policy
from gitops_guard.repo.files import (
    FileSource,
    OutsideRepository,
)
from gitops_guard.updater.kinds import FLUX_SETTER, configuration_kind

INPUT_RULE = "GG001"
UNRESOLVED_RULE = "GG003"
REVISION_RULE = "GG004"
T = TypeVar("T")


def retained(loaded: LoadedFile) -> bool:
    """Whether the rules read a parsed file after the extraction: it holds a document
    Image Updater reads (Application, ApplicationSet, ImageUpdater), an inline
    suppression (``gitops-guard`` in its text) or a Flux setter comment."""
    text = loaded.text
    if "gitops-guard" in text or FLUX_SETTER in text:
        return True
    return any(configuration_kind(document.root) is not None for document in loaded.documents)


@dataclass
class Context:
    """What every extractor needs: where files come from, the policy, and the sinks.

    Files are parsed once and cached, because a Kustomize base is read by every
    overlay that includes it.
    """

    source: FileSource
    policy: Policy
    uses: list[ImageUse] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    parsed: dict[str, LoadedFile] = field(default_factory=dict)
    # Parses of files that changed, kept until the file is read again: a new version that
    # only changes values is patched into the old tree (parse.reparse) instead of parsed.
    stale: dict[str, LoadedFile] = field(default_factory=dict)
    # What a helper derived from a file's tree, by path and purpose: (tree, result,
    # problems reported). Valid while the file keeps the same tree (see remember()).
    derived: dict[tuple[str, object], tuple[object, object, list[Finding]]] = field(
        default_factory=dict
    )
    # While set, every problem reported is also added here (see remember()).
    captured: list[Finding] | None = None
    reads: set[str] | None = None
    # How many parsed files to keep that nothing after the extraction reads (None: all).
    # A one-shot extraction bounds it (see keep_recent()); a replay keeps every tree,
    # which the re-parser patches and ``derived`` matches by identity.
    limit: int | None = None
    _reported: set[tuple[str, int, int, str]] = field(default_factory=set)
    # With a limit: the evictable parsed files, least recently read first.
    # (An OrderedDict: the oldest leaves and a read file moves to the end in constant time.)
    _recent: OrderedDict[str, None] = field(default_factory=OrderedDict)
    # With a limit: the ``derived`` keys of each file, dropped with its tree.
    _derived_keys: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    _kept: set[str] = field(default_factory=set)  # with a limit: files retained() keeps
    # Every file parsed in this run, evicted or not.
    seen: set[str] = field(default_factory=set)

    def note_read(self, path: str) -> None:
        """Record that the unit being computed depends on ``path`` (read or looked for)."""
        if self.reads is not None:
            self.reads.add(path)

    def reads_add(self, paths: set[str]) -> None:
        """Record that the unit being computed depends on every file of ``paths``."""
        if self.reads is not None:
            self.reads |= paths

    def forget(self, paths: set[str]) -> None:
        """Drop cached parses of files that changed (kept aside for the re-parser)."""
        for path in paths:
            loaded = self.parsed.pop(path, None)
            self._recent.pop(path, None)
            if loaded is not None:
                self.stale[path] = loaded

    def keep_recent(self, limit: int) -> None:
        """Keep at most ``limit`` parsed files besides those read after the extraction.

        Parsed trees cost about 50 times their text; a repository's worth of them is what
        bounded a whole-repository run's memory. What the rules read after extraction is
        kept (see :func:`retained`); the rest is parsed again if a later unit reads it,
        which gives the same tree, so only time is spent (a base read by an overlay is
        read again by its own file unit, past the limit).
        """
        self.limit = limit
        for path in list(self.parsed):
            self._note_recent(path, self.parsed[path])

    def _note_recent(self, path: str, loaded: LoadedFile) -> None:
        if self.limit is None or path in self._kept:
            return
        recent = self._recent
        if path in recent:
            recent.move_to_end(path)
            return
        if retained(loaded):
            self._kept.add(path)
            return
        recent[path] = None
        while len(recent) > self.limit:
            oldest, _ = recent.popitem(last=False)
            del self.parsed[oldest]
            for key in self._derived_keys.pop(oldest, ()):
                self.derived.pop(key, None)

    def load(self, path: str) -> LoadedFile:
        """The parsed file at ``path`` (problems reported once, however often it is read)."""
        if self.reads is not None:
            self.reads.add(path)
        loaded = self.parsed.get(path)
        if loaded is not None:
            if self.limit is not None:
                self._note_recent(path, loaded)
            return loaded
        try:
            data = self.source.read(path)
        except OutsideRepository as exc:
            loaded = LoadedFile(path)
            self.problem(Location(path), f"not read: {exc}")
        except OSError as exc:
            loaded = LoadedFile(path)
            reason = exc.strerror or str(exc)
            self.problem(Location(path), f"cannot read the file: {reason}")
        else:
            stale = self.stale.pop(path, None)
            patched = patch(stale, data, self.policy.max_file_size) if stale is not None else None
            loaded = patched or load_yaml(path, data, max_bytes=self.policy.max_file_size)
            for problem in loaded.problems:
                self.report(problem)
        self.parsed[path] = loaded
        self.seen.add(path)
        self._note_recent(path, loaded)
        return loaded

    def reset_reported(self) -> None:
        """Start a new round of problem reports (incremental updates report afresh)."""
        self._reported = set()

    def report(self, finding: Finding) -> None:
        key = (
            finding.location.path,
            finding.location.line,
            finding.location.column,
            finding.message,
        )
        if self.captured is not None:
            self.captured.append(finding)
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(finding)

    def remember(self, path: str, purpose: object, tree: object, compute: Callable[[], T]) -> T:
        """``compute()``, or what it gave for the same tree of ``path`` before.

        For results that depend on a file's node tree alone: a replay reads a chart's
        values files again whenever one of them changes, and unchanged files keep their
        tree. The problems computing it reported are reported again. The result is
        shared: callers copy what they will change.
        """
        key = (path, purpose)
        known = self.derived.get(key)
        if known is not None and known[0] is tree:
            for finding in known[2]:
                self.report(finding)
            return known[1]  # type: ignore[return-value]
        outer, self.captured = self.captured, []
        try:
            result = compute()
            problems = self.captured
        finally:
            self.captured = outer
        if outer is not None:
            outer.extend(problems)
        self.derived[key] = (tree, result, problems)
        if self.limit is not None and path in self._recent:
            self._derived_keys.setdefault(path, []).append(key)
        return result

    def problem(self, where: Location, message: str, hint: str | None = None) -> None:
        """Report an input problem (GG001) at a location."""
        self.report(Finding(INPUT_RULE, message, where, hint=hint))

    def unresolved(
        self, where: Location, message: str, placement: Placement, hint: str | None = None
    ) -> None:
        """Report a source that cannot be followed (GG003) for the environment deploying it.

        The environment's ``on_unresolved`` decides the severity (the rule's default,
        warning, unless it says error), so a team can keep what it cannot see out of prod.
        """
        env = self.policy.environment(placement.environment)
        severity = Severity.ERROR if env is not None and env.on_unresolved == "error" else None
        if placement.environment and placement.app:
            message += f" in {placement.app} ({placement.environment})"
        elif placement.environment:
            message += f" in {placement.environment}"
        self.report(
            Finding(
                UNRESOLVED_RULE,
                message,
                where,
                severity=severity,
                hint=hint,
                app=placement.app,
                environment=placement.environment,
            )
        )

    def report_all(self, findings: list[Finding], placement: Placement) -> None:
        """Report what a build met: input problems as they are, GG003 per environment."""
        for finding in findings:
            if finding.rule == UNRESOLVED_RULE:
                self.unresolved(finding.location, finding.message, placement, finding.hint)
            else:
                self.report(finding)

    def place(self, path: str) -> Placement:
        return self.policy.layout.place(path)

    def text(self, path: str, node: Node | None, what: str) -> str | None:
        """A string field; a value of another YAML type is reported and its text kept."""
        try:
            return string_value(node, what)
        except WrongType as exc:
            assert node is not None
            self.problem(location(path, node), exc.message, exc.hint)
            value = getattr(node, "value", None)
            return value if isinstance(value, str) else None

    def add_use(
        self,
        where: Location,
        source: Source,
        raw: str,
        placement: Placement,
        *,
        resource: str | None = None,
        container: str | None = None,
        origin: Location | None = None,
        alias: str | None = None,
        constraint: str | None = None,
        reference: ImageRef | Callable[[], ImageRef | None] | None = None,
        overlay: str | None = None,
        application: str | None = None,
        via: tuple[str, ...] = (),
    ) -> ImageUse:
        """Record one image use, parsing ``raw`` unless a reference is given."""
        error: str | None = None
        ref: ImageRef | None
        if callable(reference):
            ref = reference()
        elif reference is not None:
            ref = reference
        else:
            try:
                ref = parse_reference(raw)
            except InvalidReference as exc:
                ref, error = None, exc.reason
        use = ImageUse(
            location=where,
            source=source,
            raw=raw,
            reference=ref,
            error=error,
            app=placement.app,
            environment=placement.environment,
            resource=resource,
            container=container,
            origin=origin,
            alias=alias,
            constraint=constraint,
            overlay=overlay,
            application=application,
            via=via,
        )
        self.uses.append(use)
        return use
