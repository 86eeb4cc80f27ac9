"""GG507: the image was built at least ``environments.<env>.min_image_age`` before now.

The build time is the image config's ``created``: the manifest of the digest the registry
gate resolved (for an index or manifest list, the manifest of the client's platform,
``supply_chain.registry.platform`` or linux/amd64), then its config blob. Both requests
go through the client's per-run cache, so an image is read once whatever number of
environments and uses ask. What the registry serves is untrusted input: a config that is
not JSON, a ``created`` that is missing, unreadable, a reproducible build's zero time or
after now is a finding, never an old image.

The image is read once (:meth:`AgeGate.check`, which returns the build time in
``Outcome.built``); each environment's minimum is applied where the verdict is reported
(:meth:`AgeGate.at`), since environments ask for different ages.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from gitops_guard.imageref import ImageRef
from gitops_guard.policy.model import AgePolicy, GateName
from gitops_guard.rules import gg507_image_too_young
from gitops_guard.supply.gates.context import GateContext
from gitops_guard.supply.gates.outcome import Outcome, short

# What reproducible builds write when they record no time: Unix time 0 (SOURCE_DATE_EPOCH
# unset in ko, Bazel, distroless) and Go's zero time.
_ZERO_TIMES = frozenset(
    (
        datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    )
)
_BUILT = "built"  # Outcome.detail of an image whose build time was read


@dataclass(frozen=True, slots=True)
class AgeGate:
    """The environments' ``min_image_age``, judged at the run's ``now``."""

    policy: AgePolicy
    now: datetime.datetime
    name: ClassVar[GateName] = "age"
    rule: ClassVar[str] = gg507_image_too_young.ID

    def check(self, ctx: GateContext, ref: ImageRef, digest: str) -> Outcome:
        """The image's build time (``built``), or GG507 when it has none that counts.

        Raises RegistryError when the registry fails."""
        from gitops_guard.supply.registry import select_platform

        client = ctx.client
        name = f"{ref.familiar_name}@{short(digest)}"
        manifest = client.get_manifest(ref.registry, ref.repository, digest)
        if manifest is None:
            return self._problem(f"{name}: the registry has no manifest for it", "no-manifest")
        platform = ""
        if manifest.descriptor.is_index:
            wanted = client.settings.platform
            chosen = select_platform(manifest.data, wanted)
            if chosen is None:
                return self._problem(
                    f"{name} is an index with no {wanted} manifest: its build time is unknown",
                    "no-platform",
                    "set supply_chain.registry.platform to the platform the cluster runs",
                )
            platform = f" ({wanted})"
            manifest = client.get_manifest(ref.registry, ref.repository, chosen.digest)
            if manifest is None:
                return self._problem(
                    f"{name}: the {wanted} manifest of its index is not in the registry",
                    "no-manifest",
                )
        config = manifest.data.get("config")
        config_digest = config.get("digest") if isinstance(config, Mapping) else None
        if not isinstance(config_digest, str):
            return self._problem(f"{name}{platform}: the manifest names no config", "no-config")
        try:
            data = json.loads(client.get_blob(ref.registry, ref.repository, config_digest))
        except ValueError:
            data = None
        if not isinstance(data, Mapping):
            return self._problem(
                f"{name}{platform}: its config {short(config_digest)} is not a JSON object",
                "no-config",
            )
        return self._built(name + platform, data.get("created"))

    def _built(self, name: str, created: object) -> Outcome:
        fix = "build it with the time of the build recorded (the image config's created)"
        if created is None:
            return self._problem(
                f"{name}: its config has no created time, so its age is unknown", "missing", fix
            )
        moment = parse_created(created)
        if moment is None:
            return self._problem(
                f"{name}: its config's created {str(created)[:40]!r} is not an RFC 3339 time",
                "unreadable",
                fix,
            )
        if moment in _ZERO_TIMES:
            return self._problem(
                f"{name}: its config's created is {_shown(moment)}, the placeholder of a "
                "build that records no time, so its age is unknown",
                "missing",
                "set SOURCE_DATE_EPOCH (ko: KO_DATA_DATE_EPOCH) to the build's commit time",
            )
        if moment > self.now:
            return self._problem(
                f"{name}: its config says it was built at {_shown(moment)}, after now "
                f"({_shown(self.now)}): a build time in the future does not count as old",
                "future",
                "fix the builder's clock or created time; the image is judged by when it was built",
            )
        return Outcome(self.name, detail=_BUILT, built=moment)

    def at(self, ref: ImageRef, outcome: Outcome, environment: str | None) -> Outcome:
        """The verdict of an image read by :meth:`check` for a use in ``environment``."""
        built = outcome.built
        minimum = self.policy.minimum_for(environment)
        if built is None or minimum is None:
            return outcome
        age = self.now - built
        if age >= datetime.timedelta(seconds=minimum):
            return Outcome(self.name)
        ready = built + datetime.timedelta(seconds=minimum)
        name = ref.familiar_name + (f":{ref.tag}" if ref.tag else "")
        return Outcome(
            self.name,
            self.rule,
            f"{name} was built {duration(age)} ago ({_shown(built)}); {environment} takes "
            f"images at least {duration(datetime.timedelta(seconds=minimum))} old "
            f"(min_image_age), so from {_shown(ready)}",
            f"wait until {_shown(ready)}, or promote an older build",
            detail="too-young",
        )

    def _problem(self, message: str, detail: str, hint: str | None = None) -> Outcome:
        return Outcome(
            self.name,
            self.rule,
            message,
            hint or "push the image again, or fix the reference",
            detail=detail,
        )


def parse_created(value: object) -> datetime.datetime | None:
    """An RFC 3339 ``created`` (Go writes up to nine fractional digits) as an aware UTC
    datetime; None when it is not one (no offset included: its instant is unknown)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        # Python reads at most six fractional digits; nanoseconds are cut, not rounded.
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}" if digits else text
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.utcoffset() is None or "T" not in text.upper():
        return None
    return moment.astimezone(datetime.UTC)


def duration(delta: datetime.timedelta) -> str:
    """``3h 12m``, ``2d 4h``, ``45m``, ``30s``: hours and minutes, days from two days on."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 2:
        return f"{days}d {hours}h" if hours else f"{days}d"
    hours += days * 24
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def _shown(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
