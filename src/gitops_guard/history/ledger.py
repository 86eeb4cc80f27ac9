"""What promotion rules know: where each version ran and since when, and the commit at hand.

The ledger is built by replaying history (oldest first); each rule judges one event
against what happened before it, then the event is recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_guard.history.steps import (
    PromotionEvent,
    Step,
    landing_trailers,
    updater_message,
    version_of,
)
from gitops_guard.imageref import ImageRef, InvalidReference, parse_reference
from gitops_guard.model import Commit
from gitops_guard.policy.model import (
    EnvironmentPolicy,
    Policy,
)

LedgerKey = tuple[str | None, str | None, str]  # app, environment, repository
StateKey = tuple[str | None, str | None, str | None, str | None]  # + resource, container


def identities(ref: ImageRef) -> tuple[str, ...]:
    """What a reference records as having run: the image itself when the digest is pinned
    (``@sha256:…``, with the tag as pinned: ``1.4.2@``); an unpinned tag as its text."""
    if ref.digest:
        return (f"@{ref.digest}", f"{ref.tag}@") if ref.tag else (f"@{ref.digest}",)
    return (ref.tag,) if ref.tag else ()


def matching(seen: Mapping[str, object] | set[str], ref: ImageRef, strict: bool) -> str | None:
    """The identity in ``seen`` that stands for ``ref`` having run, or None.

    A digest is an identity: a pinned reference matches only the same digest (whatever
    its tag), or, unless ``strict`` (a change of digest alone), the same tag where it ran
    unpinned (which image that was, Git cannot tell; the registry gates can). An
    unpinned tag matches the tag, pinned or not.
    """
    if ref.digest:
        if f"@{ref.digest}" in seen:
            return f"@{ref.digest}"
        if not strict and ref.tag and ref.tag in seen:
            return ref.tag
        return None
    if ref.tag:
        for identity in (ref.tag, f"{ref.tag}@"):
            if identity in seen:
                return identity
    return None


@dataclass
class Ledger:
    """When each image arrived in each environment, and what runs there now.

    ``arrivals`` keeps every arrival of each identity (see :func:`identities`) per app,
    environment and repository, oldest first: the first is when it first ran (promotion
    order, rollbacks), the last, for what runs now, when its continuous run began (soak).
    ``running`` is the reference each (app, environment, resource, container) runs;
    ``floor`` the latest time recorded, below which no later change can be dated.
    """

    arrivals: dict[LedgerKey, dict[str, list[datetime.datetime]]] = field(default_factory=dict)
    running: dict[StateKey, str] = field(default_factory=dict)
    floor: datetime.datetime | None = None
    # Entries recorded since take_added() was last called (the history cache keeps them
    # per step, so the ledger at an earlier commit is this one minus what came after).
    _added: list[tuple[LedgerKey, str]] = field(default_factory=list, repr=False)

    def record(self, event: PromotionEvent, when: datetime.datetime | None = None) -> None:
        """Remember what an event put in place, at ``when`` (default: its committer time)."""
        moment = when if when is not None else event.commit.committer.time
        if self.floor is None or moment > self.floor:
            self.floor = moment
        if event.new is None:
            self.running.pop(event.key, None)
            return
        ref = event.new_ref
        self.running[event.key] = str(ref) if ref is not None else event.new.raw
        if ref is None:
            return
        old = event.old_ref
        before = set(identities(old)) if old is not None and old.name == ref.name else set()
        key = (event.app, event.environment, ref.name)
        for identity in identities(ref):
            if identity in before:
                continue  # the same image goes on running (a tag added to a pinned digest)
            self.arrivals.setdefault(key, {}).setdefault(identity, []).append(moment)
            self._added.append((key, identity))

    def passed(self, moment: datetime.datetime) -> None:
        """A commit of the chain went by at ``moment``, with or without events: nothing
        after it on the chain counts as made earlier (a child is never older than its
        parent, even when the parent changed no image)."""
        if self.floor is None or moment > self.floor:
            self.floor = moment

    def take_added(self) -> list[tuple[LedgerKey, str]]:
        """The (key, identity) arrivals recorded since the last call."""
        added, self._added = self._added, []
        return added

    def forget(self, key: LedgerKey, identity: str) -> None:
        """Take back the latest arrival of an identity (going back to before it)."""
        seen = self.arrivals.get(key)
        if seen is None or identity not in seen:
            return
        seen[identity].pop()
        if not seen[identity]:
            del seen[identity]
        if not seen:
            del self.arrivals[key]

    def settle(self) -> None:
        """Recompute the floor after arrivals were taken back."""
        times = [t for seen in self.arrivals.values() for ts in seen.values() for t in ts]
        self.floor = max(times) if times else None

    def dump(self) -> dict[str, Any]:
        """The ledger as JSON-able data (for the history cache)."""
        return {
            "arrivals": {
                _joined(key): {i: [t.isoformat() for t in ts] for i, ts in seen.items()}
                for key, seen in self.arrivals.items()
            },
            "running": [[*key, ref] for key, ref in self.running.items()],
            "floor": self.floor.isoformat() if self.floor is not None else None,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load what :meth:`dump` wrote (into an empty ledger)."""
        parse = datetime.datetime.fromisoformat
        for joined, seen in (data.get("arrivals") or {}).items():
            app, environment, repository = joined.split("\x1f")
            key = (app or None, environment or None, repository)
            self.arrivals[key] = {i: [parse(t) for t in ts] for i, ts in seen.items()}
        for *key, ref in data.get("running") or ():
            self.running[(key[0], key[1], key[2], key[3])] = ref
        floor = data.get("floor")
        self.floor = parse(floor) if floor else None

    def ran(
        self, app: str | None, environment: str, ref: ImageRef, *, strict: bool = False
    ) -> datetime.datetime | None:
        """When ``ref``'s image first ran in ``environment`` for ``app`` (None: never).

        A use whose app is unknown (placed by a layout without ``{app}``) counts what ran
        there for any app: the image is the identity left to compare.
        """
        if app is None:
            times = []
            for (_app, env, name), seen in self.arrivals.items():
                if env == environment and name == ref.name:
                    found = matching(seen, ref, strict)
                    if found is not None:
                        times.append(seen[found][0])
            return min(times) if times else None
        seen = self.arrivals.get((app, environment, ref.name), {})
        identity = matching(seen, ref, strict)
        return seen[identity][0] if identity is not None else None

    def runs(self, event: PromotionEvent, environment: str) -> tuple[ImageRef | None, str | None]:
        """What the counterpart of an event's use runs in another environment now: the same
        resource and container there, else any use of the same repository; with its text."""
        app, _env, resource, container = event.key
        text = self.running.get((app, environment, resource, container))
        name = event.repository
        if text is None:
            for key, candidate in self.running.items():
                if key[0] == app and key[1] == environment and _name(candidate) == name:
                    text = candidate
                    break
        if text is None:
            return None, None
        try:
            ref = parse_reference(text)
        except InvalidReference:
            return None, text
        return (ref if ref.name == name else None), text

    def residence(
        self, event: PromotionEvent, environment: str, ref: ImageRef, *, strict: bool = False
    ) -> datetime.datetime | None:
        """Since when ``ref``'s image has run without a break in ``environment`` (None: it
        does not run there now)."""
        running, _text = self.runs(event, environment)
        if running is None:
            return None
        identity = matching(set(identities(running)), ref, strict)
        if identity is None:
            return None
        seen = self.arrivals.get((event.app, environment, ref.name), {})
        times = seen.get(identity)
        return times[-1] if times else None


def _name(text: str) -> str | None:
    try:
        return parse_reference(text).name
    except InvalidReference:
        return None


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
    clock: Clock = field(default_factory=lambda: Clock())

    def environment(self, event: PromotionEvent) -> EnvironmentPolicy | None:
        return self.policy.environment(event.environment)

    def moment(self, commit: Commit) -> datetime.datetime:
        """When a commit's changes count as made (see :class:`Clock`)."""
        return self.clock.moment(commit, self.ledger.floor)

    def lands_at(self, commit: Commit) -> datetime.datetime:
        """When a commit's changes count as landing where they deploy (freeze windows): in a
        gate (``check``, the hooks) the moment it judges, ``clock.now``, whatever the commit
        says; in the audit, which has no such moment, when the commit counts as made."""
        return self.clock.now if self.clock.now is not None else self.moment(commit)


@dataclass
class Clock:
    """When a change counts as made, for soak times: never what a commit claims alone.

    A commit's dates are its author's claim. The time the server received the update
    that brought a commit (``received``: the bare repository's reflog) is trusted when
    known; otherwise the committer date, bounded by the order of commits (no change is
    dated before one recorded earlier: ``floor``) and by ``now`` (nothing is dated in the
    future). ``landing`` is set for what is being pushed or checked right now when the
    time it lands is known (the server's pre-receive: now). ``order`` is the order bound
    of the commits on the first-parent chain of what is judged (see :func:`order_bounds`):
    a commit counts no earlier than any commit before it on that chain, so a commit
    dated before its parent, even a parent that changed no image, is not older for it.
    """

    now: datetime.datetime | None = None
    received: Mapping[str, datetime.datetime] = field(default_factory=dict)
    landing: datetime.datetime | None = None
    order: Mapping[str, datetime.datetime] = field(default_factory=dict)

    def moment(self, commit: Commit, floor: datetime.datetime | None) -> datetime.datetime:
        if self.landing is not None:
            return self.landing
        when = self.received.get(commit.sha)
        if when is None:
            when = commit.committer.time
            bound = self.order.get(commit.sha)
            if bound is not None and when < bound:
                when = bound
        if floor is not None and when < floor:
            when = floor
        if self.now is not None and when > self.now:
            when = self.now
        return when


def is_rollback(event: PromotionEvent, ctx: PromotionContext) -> bool:
    """A downgrade with the rollback trailer to a version that ran in this environment before."""
    if event.change != "downgrade" or event.environment is None or event.new_ref is None:
        return False
    trailer = ctx.policy.rollback_trailer.lower()
    if trailer not in landing_trailers(event.commit):
        return False
    # A pinned rollback returns to the very image that ran, not to its tag.
    return ctx.ledger.ran(event.app, event.environment, event.new_ref, strict=True) is not None


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


def order_bounds(
    dated: Iterable[tuple[str, datetime.datetime]],
) -> dict[str, datetime.datetime]:
    """For commits of one first-parent chain, oldest first with their committer times,
    the latest time among each commit and every commit before it: the earliest it can
    count as made (a child is never older than its parent)."""
    bounds: dict[str, datetime.datetime] = {}
    latest: datetime.datetime | None = None
    for sha, when in dated:
        if latest is None or when > latest:
            latest = when
        bounds[sha] = latest
    return bounds
