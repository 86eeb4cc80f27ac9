"""What a gate returns for one image, and how messages show images and digests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from gitops_guard.imageref import ImageRef
from gitops_guard.model import Severity
from gitops_guard.policy.model import GateName

# The detail of "cannot check <gate>, the image is not in the registry": not reported
# where the registry gate covers the use, since GG501/GG502 already say so.
NO_IMAGE = "no-image"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict of one gate for one image; ``rule`` None means "passed".

    ``built``: the image's build time, which the age gate reads once per image and judges
    per environment (``gates.age``).
    """

    gate: GateName
    rule: str | None = None
    message: str = ""
    hint: str | None = None
    severity: Severity | None = None
    detail: str | None = None
    built: datetime.datetime | None = None


def short(digest: str | None) -> str:
    """``sha256:4f4f8c0d1e2a…`` for messages."""
    if not digest:
        return "none"
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}…" if len(value) > 12 else digest


def display(ref: ImageRef) -> str:
    """``name:tag@sha256:4f4f8c0d1e2a…``: the reference with its digest shortened."""
    text = ref.familiar_name + (f":{ref.tag}" if ref.tag else "")
    return text + (f"@{short(ref.digest)}" if ref.digest else "")
