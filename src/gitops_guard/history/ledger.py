"""What promotion rules know: where each version ran and since when, and the commit at hand.

The ledger is built by replaying history (oldest first); each rule judges one event
against what happened before it, then the event is recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from gitops_guard.history.steps import (
    PromotionEvent,
    Step,
    updater_message,
    version_of,
)
from gitops_guard.imageref import ImageRef
from gitops_guard.model import Commit
from gitops_guard.policy.model import (
    EnvironmentPolicy,
    Policy,
)

LedgerKey = tuple[str | None, str | None, str]  # app, environment, repository


@dataclass
class Ledger:
    """When each version of each image first ran in each environment."""

    first_seen: dict[LedgerKey, dict[str, datetime.datetime]] = field(default_factory=dict)
    # What restore() loaded, kept in its dumped form, and the keys recorded since: entries
    # are only ever added, so a dump converts only what is new (a warm run's 100 commits,
    # not the 100,000 before them).
    _restored: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _changed: dict[LedgerKey, list[str]] = field(default_factory=dict, repr=False)
    # Entries recorded since take_added() was last called (the history cache keeps them
    # per step, so the ledger at an earlier commit is this one minus what came after).
    _added: list[tuple[LedgerKey, str]] = field(default_factory=list, repr=False)

    def record(self, event: PromotionEvent) -> None:
        """Remember the version an event put in place."""
        ref = event.new_ref
        version = version_of(ref)
        if ref is None or version is None:
            return
        key = (event.app, event.environment, ref.name)
        seen = self.first_seen.setdefault(key, {})
        if version not in seen:
            seen[version] = event.commit.committer.time
            self._changed.setdefault(key, []).append(version)
            self._added.append((key, version))

    def take_added(self) -> list[tuple[LedgerKey, str]]:
        """The (key, version) entries recorded since the last call."""
        added, self._added = self._added, []
        return added

    def forget(self, key: LedgerKey, version: str) -> None:
        """Remove an entry (going back to before the event that recorded it)."""
        seen = self.first_seen.get(key)
        if seen is not None:
            seen.pop(version, None)
            if not seen:
                del self.first_seen[key]
        joined = _joined(key)
        restored = self._restored.get(joined)
        if restored is not None and version in restored:
            restored = {v: t for v, t in restored.items() if v != version}
            if restored:
                self._restored[joined] = restored
            else:
                del self._restored[joined]
        changed = self._changed.get(key)
        if changed is not None and version in changed:
            changed.remove(version)

    def dump(self) -> dict[str, dict[str, str]]:
        """The ledger as JSON-able data (for the history cache)."""
        dumped = dict(self._restored)
        for key, versions in self._changed.items():
            joined = _joined(key)
            seen = dict(dumped.get(joined, {}))
            for version in versions:
                seen[version] = self.first_seen[key][version].isoformat()
            if seen:
                dumped[joined] = seen
        return dumped

    def restore(self, data: dict[str, dict[str, str]]) -> None:
        """Load what :meth:`dump` wrote (into an empty ledger)."""
        for joined, seen in data.items():
            app, environment, repository = joined.split("\x1f")
            key = (app or None, environment or None, repository)
            self.first_seen[key] = {v: datetime.datetime.fromisoformat(t) for v, t in seen.items()}
        self._restored = dict(data)
        self._changed = {}

    def ran(self, app: str | None, environment: str, ref: ImageRef) -> datetime.datetime | None:
        """When ``ref``'s version first ran in ``environment`` for ``app`` (None: never)."""
        version = version_of(ref)
        if version is None:
            return None
        seen = self.first_seen.get((app, environment, ref.name), {})
        when = seen.get(version)
        if when is None and ref.tag and ref.digest:
            when = seen.get(ref.digest)
        return when


def _joined(key: LedgerKey) -> str:
    return "\x1f".join(part or "" for part in key)


@dataclass
class PromotionContext:
    """The policy, the ledger of what ran before, and ways to ask Git more."""

    policy: Policy
    ledger: Ledger
    direct: bool = False  # changes pushed straight to a protected branch, not through a PR
    # Whether a signed commit's signature verifies; None when the repository configures
    # no verification for that kind of signature (then being signed is enough).
    verify_signature: Callable[[Commit], bool | None] | None = None

    def environment(self, event: PromotionEvent) -> EnvironmentPolicy | None:
        return self.policy.environment(event.environment)


def is_rollback(event: PromotionEvent, ctx: PromotionContext) -> bool:
    """A downgrade with the rollback trailer to a version that ran in this environment before."""
    if event.change != "downgrade" or event.environment is None or event.new_ref is None:
        return False
    trailer = ctx.policy.rollback_trailer.lower()
    if trailer not in event.commit.trailers():
        return False
    return ctx.ledger.ran(event.app, event.environment, event.new_ref) is not None


def named_in_message(step: Step, event: PromotionEvent) -> list[str]:
    """What an automated commit message fails to name about an event (app, image, versions)."""
    message = step.commit.message
    missing: list[str] = []
    parsed = updater_message(step.commit)
    if event.app and event.app not in message:
        missing.append(f"the app `{event.app}`")
    ref = event.new_ref or event.old_ref
    if ref is not None:
        path = ref.repository.removeprefix("library/")
        if path not in message and ref.familiar_name not in message:
            missing.append(f"the image `{ref.familiar_name}`")
    for label, side in (("old", event.old_ref), ("new", event.new_ref)):
        version = version_of(side)
        if version and version not in message:
            missing.append(f"the {label} version `{version}`")
    if parsed is not None and not parsed.changes and not missing:
        missing.append("its changes (no 'updates image ...' line)")
    return missing
