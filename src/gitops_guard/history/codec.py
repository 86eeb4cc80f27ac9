"""The history cache's encoding of a step (compact JSON; paths kept only where the judgement needs
them).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from gitops_guard.history.steps import (
    PromotionEvent,
    Step,
)
from gitops_guard.imageref import InvalidReference, parse_reference
from gitops_guard.model import Commit, FileChange, ImageUse, Location, Person, Source


def _person(person: Person) -> list[Any]:
    return [person.name, person.email, person.time.isoformat()]


def _unperson(data: list[Any]) -> Person:
    return Person(data[0], data[1], datetime.datetime.fromisoformat(data[2]))


def _use(use: ImageUse | None) -> dict[str, Any] | None:
    if use is None:
        return None
    return {
        "l": [use.location.path, use.location.line, use.location.column],
        "s": use.source.value,
        "r": use.raw,
        "a": use.app,
        "e": use.environment,
        "res": use.resource,
        "c": use.container,
    }


def _unuse(data: dict[str, Any] | None) -> ImageUse | None:
    if data is None:
        return None
    try:
        reference = parse_reference(data["r"])
        error = None
    except InvalidReference as exc:
        reference, error = None, exc.reason
    return ImageUse(
        Location(*data["l"]),
        Source(data["s"]),
        data["r"],
        reference,
        error,
        data["a"],
        data["e"],
        data["res"],
        data["c"],
    )


# One encoder for every step: json.dumps with options builds a new one per call.
_STEP_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_step(step: Step, keep_paths: Sequence[str]) -> str:
    """A step as JSON: the commit (changes of ``keep_paths`` only) and its events."""
    commit = step.commit
    data = {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "author": _person(commit.author),
        "committer": _person(commit.committer),
        "message": commit.message,
        "signature": commit.signature,
        "changes": [
            [c.path, c.old_blob, c.new_blob] for c in commit.changes if c.path in keep_paths
        ],
        "events": [
            {
                "k": list(event.key),
                "o": _use(event.old),
                "n": _use(event.new),
                "ch": event.change,
                "b": event.bot,
                "pr": event.pr,
                "tp": event.through_pr,
            }
            for event in step.events
        ],
    }
    return _STEP_ENCODER.encode(data)


def decode_step(text: str) -> Step:
    """The step :func:`encode_step` wrote (its state is not kept: an empty dict)."""
    data = json.loads(text)
    commit = Commit(
        data["sha"],
        tuple(data["parents"]),
        _unperson(data["author"]),
        _unperson(data["committer"]),
        data["message"],
        data["signature"],
        tuple(FileChange(*c) for c in data["changes"]),
    )
    events = [
        PromotionEvent(
            commit,
            tuple(e["k"]),
            _unuse(e["o"]),
            _unuse(e["n"]),
            e["ch"],
            e["b"],
            e["pr"],
            e["tp"],
        )
        for e in data["events"]
    ]
    return Step(commit, events, {})
