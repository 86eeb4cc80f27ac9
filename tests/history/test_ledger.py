"""The ledger: when each image arrived where and what runs now, kept across runs by the
history cache; a digest is an identity."""

from __future__ import annotations

import datetime
import json

from hypothesis import given
from hypothesis import strategies as st

from gitops_guard.history.ledger import Ledger
from gitops_guard.history.steps import PromotionEvent
from gitops_guard.imageref import parse_reference
from gitops_guard.model import Commit, ImageUse, Location, Person, Source

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))


def event(app: str | None, environment: str, version: str, hour: int) -> PromotionEvent:
    when = START + datetime.timedelta(hours=hour)
    person = Person("Dev", "dev@example.com", when)
    commit = Commit(f"{hour:040x}", ("0" * 40,), person, person, "bump", None, ())
    raw = f"registry.example.com/team/api:{version}"
    use = ImageUse(Location("k.yaml", 5, 3), Source.KUSTOMIZE, raw, parse_reference(raw))
    return PromotionEvent(
        commit, (app, environment, "Deployment/api", "api"), None, use, "new", False, None
    )


EVENTS = st.lists(
    st.tuples(
        st.sampled_from([None, "api", "web"]),
        st.sampled_from(["dev", "staging", "prod"]),
        st.sampled_from(["1.0.0", "1.1.0", "1.2.0", "2.0.0"]),
        st.integers(0, 1000),
    ),
    max_size=30,
)


@given(EVENTS, st.integers(0, 30))
def test_a_restored_ledger_dumps_what_one_that_saw_everything_dumps(
    recorded: list[tuple[str | None, str, str, int]], split: int
) -> None:
    whole = Ledger()
    for item in recorded:
        whole.record(event(*item))
    first = Ledger()
    for item in recorded[:split]:
        first.record(event(*item))
    # Through JSON, as the cache stores it.
    resumed = Ledger()
    resumed.restore(json.loads(json.dumps(first.dump())))
    for item in recorded[split:]:
        resumed.record(event(*item))
    assert resumed.dump() == whole.dump()
    assert resumed.arrivals == whole.arrivals


def test_the_first_time_a_version_ran_is_kept() -> None:
    ledger = Ledger()
    ledger.record(event("api", "prod", "1.0.0", 3))
    ledger.record(event("api", "prod", "1.0.0", 9))
    ref = parse_reference("registry.example.com/team/api:1.0.0")
    assert ledger.ran("api", "prod", ref) == START + datetime.timedelta(hours=3)
    assert ledger.ran("api", "staging", ref) is None
    assert ledger.dump() == {
        "arrivals": {
            "api\x1fprod\x1fregistry.example.com/team/api": {
                "1.0.0": ["2026-01-01T03:00:00+02:00", "2026-01-01T09:00:00+02:00"]
            }
        },
        "running": [
            ["api", "prod", "Deployment/api", "api", "registry.example.com/team/api:1.0.0"]
        ],
        "floor": "2026-01-01T09:00:00+02:00",
    }


@given(EVENTS, st.integers(0, 30))
def test_forgetting_what_came_after_gives_the_ledger_before(
    recorded: list[tuple[str | None, str, str, int]], split: int
) -> None:
    before = Ledger()
    for item in recorded[:split]:
        before.record(event(*item))
    whole = Ledger()
    for item in recorded[:split]:
        whole.record(event(*item))
    whole.take_added()
    for item in recorded[split:]:
        whole.record(event(*item))
    # As the history cache does it: the stored ledger, restored, minus the later entries.
    restored = Ledger()
    restored.restore(json.loads(json.dumps(whole.dump())))
    for key, version in whole.take_added():
        restored.forget(key, version)
    restored.settle()
    assert restored.arrivals == before.arrivals
    assert restored.floor == (
        max(START + datetime.timedelta(hours=i[3]) for i in recorded[:split])
        if recorded[:split]
        else None
    )


def pinned(
    app: str, environment: str, text: str, hour: int, old: str | None = None
) -> PromotionEvent:
    when = START + datetime.timedelta(hours=hour)
    person = Person("Dev", "dev@example.com", when)
    commit = Commit(f"{hour:040x}", ("0" * 40,), person, person, "bump", None, ())

    def use(reference: str) -> ImageUse:
        raw = f"registry.example.com/team/api:{reference}"
        return ImageUse(Location("k.yaml", 5, 3), Source.KUSTOMIZE, raw, parse_reference(raw))

    return PromotionEvent(
        commit,
        (app, environment, "Deployment/api", "api"),
        use(old) if old else None,
        use(text),
        "patch" if old else "new",
        False,
        None,
    )


A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


def test_a_digest_is_an_identity() -> None:
    ledger = Ledger()
    ledger.record(pinned("api", "staging", f"1.4.2@{A}", 1))
    ref = parse_reference
    assert ledger.ran("api", "staging", ref(f"registry.example.com/team/api:1.4.2@{A}"))
    # The same tag with the digest of another image never ran there.
    assert ledger.ran("api", "staging", ref(f"registry.example.com/team/api:1.4.2@{B}")) is None
    # An unpinned reference to the tag that ran pinned did run.
    assert ledger.ran("api", "staging", ref("registry.example.com/team/api:1.4.2"))


def test_a_tag_that_ran_unpinned_counts_for_a_pinned_one_unless_only_the_digest_changes() -> None:
    ledger = Ledger()
    ledger.record(pinned("api", "staging", "1.4.2", 1))
    ref = parse_reference(f"registry.example.com/team/api:1.4.2@{B}")
    assert ledger.ran("api", "staging", ref)
    assert ledger.ran("api", "staging", ref, strict=True) is None


def test_residence_is_the_run_without_a_break_up_to_now() -> None:
    ledger = Ledger()
    ledger.record(pinned("api", "staging", "1.5.0", 1, "1.4.2"))
    ledger.record(pinned("api", "staging", "1.4.2", 2, "1.5.0"))  # reverted
    promoted = pinned("api", "prod", "1.5.0", 50, "1.4.2")
    ref = parse_reference("registry.example.com/team/api:1.5.0")
    assert ledger.ran("api", "staging", ref) == START + datetime.timedelta(hours=1)
    assert ledger.residence(promoted, "staging", ref) is None  # no longer runs there
    ledger.record(pinned("api", "staging", "1.5.0", 40, "1.4.2"))
    assert ledger.residence(promoted, "staging", ref) == START + datetime.timedelta(hours=40)


def test_a_commit_counts_no_earlier_than_any_commit_before_it_on_the_chain() -> None:
    from gitops_guard.history.ledger import Clock, order_bounds

    hour = datetime.timedelta(hours=1)
    dated = [("a", START), ("b", START + 5 * hour), ("c", START - 72 * hour)]
    bounds = order_bounds(dated)
    assert bounds == {"a": START, "b": START + 5 * hour, "c": START + 5 * hour}
    back_dated = event("api", "staging", "1.1.0", -72).commit
    clock = Clock(order={back_dated.sha: START + 5 * hour})
    assert clock.moment(back_dated, None) == START + 5 * hour
    # A receive time is the server's word: the order bound does not move it.
    received = Clock(received={back_dated.sha: START}, order={back_dated.sha: START + 5 * hour})
    assert received.moment(back_dated, None) == START


def test_a_commit_without_events_still_raises_the_floor() -> None:
    ledger = Ledger()
    ledger.record(event("api", "dev", "1.0.0", 0))
    later = START + datetime.timedelta(hours=9)
    ledger.passed(later)
    assert ledger.floor == later
    ledger.passed(START)  # an older date never lowers it
    assert ledger.floor == later
