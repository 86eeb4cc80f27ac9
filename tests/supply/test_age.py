"""GG507 against a real registry: images pushed with chosen ``created`` times.

The registry is Debian's docker-registry on loopback (``tests/supply/conftest.py``);
images come from the pure-Python pusher, whose config carries the ``created`` given.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from gitops_guard.model import Finding, Severity
from gitops_guard.policy.diff import loosenings
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import Policy
from gitops_guard.supply.gates import run_gates
from gitops_guard.supply.gates.age import duration, parse_created
from tests.supply.helpers import LocalRegistry, Pusher
from tests.supply.test_gates import use

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def hours_ago(hours: float) -> str:
    return (NOW - datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def age_policy(on_unreachable: str = "fail", registry: str = "environments: []") -> Policy:
    return parse_policy(
        textwrap.dedent(
            f"""\
            version: 1
            environments:
              dev: {{}}
              staging: {{from: dev, min_image_age: 1h}}
              prod: {{from: staging, min_image_age: 24h}}
            supply_chain:
              on_unreachable: {on_unreachable}
              registry: {{{registry}, insecure: ["127.0.0.1:*"]}}
            """
        ).encode()
    )


def rules(found: list[Finding]) -> list[tuple[str | None, str, str | None]]:
    return sorted((f.environment, f.rule, f.detail) for f in found)


def test_too_young_blocks_prod_and_old_enough_passes(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    pusher.image("age/api", "1.0.0", "age-young", created=hours_ago(3))
    pusher.image("age/api", "0.9.0", "age-old", created=hours_ago(30))
    young = f"{registry.host}/age/api:1.0.0"
    old = f"{registry.host}/age/api:0.9.0"
    found = run_gates(
        [
            use(young, env="prod", line=1),
            use(young, env="staging", line=2),  # 1h is enough here
            use(young, env="dev", line=3),  # no minimum
            use(old, env="prod", line=4),
        ],
        age_policy(),
        offline=False,
        root=tmp_path,
        now=NOW,
    )
    assert [(f.location.line, f.rule, f.detail) for f in found] == [(1, "GG507", "too-young")]
    message = found[0].message
    assert "age/api:1.0.0 was built 3h ago (2026-03-10T09:00:00Z)" in message
    assert "prod takes images at least 24h old (min_image_age)" in message
    assert "from 2026-03-11T09:00:00Z" in message
    # The same image a day later is old enough: the run's now decides, nothing else.
    later = NOW + datetime.timedelta(hours=21)
    assert run_gates([use(young)], age_policy(), offline=False, root=tmp_path, now=later) == []


def test_exactly_the_minimum_is_old_enough(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    pusher.image("age/edge", "1.0.0", "age-edge", created=hours_ago(24))
    ref = f"{registry.host}/age/edge:1.0.0"
    assert run_gates([use(ref)], age_policy(), offline=False, root=tmp_path, now=NOW) == []
    before = NOW - datetime.timedelta(seconds=1)
    found = run_gates([use(ref)], age_policy(), offline=False, root=tmp_path, now=before)
    assert rules(found) == [("prod", "GG507", "too-young")]
    assert "built 23h 59m ago" in found[0].message


@pytest.mark.parametrize(
    ("created", "detail", "words"),
    [
        (None, "missing", "has no created time"),
        ("1970-01-01T00:00:00Z", "missing", "placeholder of a build that records no time"),
        ("0001-01-01T00:00:00Z", "missing", "placeholder"),
        ("yesterday", "unreadable", "is not an RFC 3339 time"),
        ("2026-03-09T12:00:00", "unreadable", "is not an RFC 3339 time"),  # no offset
        ("2026-03-10T12:00:01Z", "future", "after now (2026-03-10T12:00:00Z)"),
        ("2030-01-01T00:00:00+02:00", "future", "built at 2029-12-31T22:00:00Z"),
    ],
)
def test_missing_unreadable_or_future_created_never_counts_as_old(
    registry: LocalRegistry,
    pusher: Pusher,
    tmp_path: Path,
    created: str | None,
    detail: str,
    words: str,
) -> None:
    image = pusher.image("age/odd", None, f"odd-{created}", created=created)
    ref = f"{registry.host}/age/odd@{image.digest}"
    found = run_gates(
        [use(ref, env="prod"), use(ref, env="staging", line=2), use(ref, env="dev", line=3)],
        age_policy(),
        offline=False,
        root=tmp_path,
        now=NOW,
    )
    # Wherever a minimum is asked for, and nowhere else.
    assert rules(found) == [("prod", "GG507", detail), ("staging", "GG507", detail)]
    assert words in found[0].message


def test_index_uses_the_policy_platform_or_linux_amd64(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    amd64 = pusher.image("age/multi", None, "multi-amd64", created=hours_ago(48))
    arm64 = pusher.image(
        "age/multi", None, "multi-arm64", created=hours_ago(2), architecture="arm64"
    )
    pusher.index("age/multi", "2.0.0", [(amd64, "linux/amd64"), (arm64, "linux/arm64")])
    pusher.index("age/multi", "arm-only", [(arm64, "linux/arm64")])
    ref = f"{registry.host}/age/multi:2.0.0"
    assert run_gates([use(ref)], age_policy(), offline=False, root=tmp_path, now=NOW) == []

    on_arm = parse_policy(
        textwrap.dedent(
            """\
            version: 1
            environments: {prod: {min_image_age: 24h}}
            supply_chain:
              registry: {environments: [], insecure: ["127.0.0.1:*"], platform: linux/arm64}
            """
        ).encode()
    )
    found = run_gates([use(ref)], on_arm, offline=False, root=tmp_path, now=NOW)
    assert rules(found) == [("prod", "GG507", "too-young")]
    assert "built 2h ago" in found[0].message

    found = run_gates(
        [use(f"{registry.host}/age/multi:arm-only")],
        age_policy(),
        offline=False,
        root=tmp_path,
        now=NOW,
    )
    assert rules(found) == [("prod", "GG507", "no-platform")]
    assert "index with no linux/amd64 manifest" in found[0].message


def test_an_image_missing_from_the_registry_is_not_old(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    ref = f"{registry.host}/age/never-pushed:1.0.0"
    found = run_gates([use(ref)], age_policy(), offline=False, root=tmp_path, now=NOW)
    assert rules(found) == [("prod", "GG507", "no-image")]
    assert "cannot check age, the image is not in the registry" in found[0].message
    # Where the registry gate covers the environment, GG501 says it once.
    gated = age_policy(registry="environments: [prod]")
    found = run_gates([use(ref)], gated, offline=False, root=tmp_path, now=NOW)
    assert [f.rule for f in found] == ["GG501"]


@pytest.mark.parametrize(
    ("on_unreachable", "expected"),
    [("fail", [Severity.ERROR]), ("warn", [Severity.WARNING]), ("skip", [])],
)
def test_registry_down_follows_on_unreachable(
    own_registry: LocalRegistry, tmp_path: Path, on_unreachable: str, expected: list[Severity]
) -> None:
    pusher = Pusher(own_registry.url)
    pusher.image("down/age", "1.0.0", "down-age", created=hours_ago(3))
    pusher.close()
    uses = [use(f"{own_registry.host}/down/age:1.0.0")]
    policy = age_policy(on_unreachable)
    found = run_gates(uses, policy, offline=False, root=tmp_path, now=NOW)
    assert rules(found) == [("prod", "GG507", "too-young")]
    own_registry.stop()
    found = run_gates(uses, policy, offline=False, root=tmp_path, now=NOW)
    assert [f.severity for f in found] == expected
    assert all(f.rule == "GG506" and "age not checked" in f.message for f in found)


@pytest.mark.parametrize(
    ("on_unreachable", "severity"), [("fail", Severity.ERROR), ("warn", Severity.WARNING)]
)
def test_offline_is_not_checked_never_passed(
    tmp_path: Path, on_unreachable: str, severity: Severity
) -> None:
    found = run_gates(
        [use("registry.example.com/team/api:1.0.0"), use("x.example/a:1", env="dev", line=2)],
        age_policy(on_unreachable),
        offline=True,
        root=tmp_path,
        now=NOW,
    )
    assert [(f.location.line, f.rule, f.severity) for f in found] == [(1, "GG506", severity)]
    assert "age not checked (offline)" in found[0].message


def test_the_policy_key() -> None:
    policy = age_policy()
    assert policy.environments["prod"].min_image_age_seconds == 86400
    assert policy.environments["dev"].min_image_age_seconds is None
    age = policy.supply_chain.age
    assert age is not None
    assert dict(age.minimum) == {"staging": 3600, "prod": 86400}
    assert policy.supply_chain.gates_for("dev") == []
    assert policy.supply_chain.gates_for("prod") == ["age"]
    zero = parse_policy(b"version: 1\nenvironments: {prod: {min_image_age: 0s}}\n")
    assert zero.supply_chain.age is None
    assert not zero.supply_chain.any_enabled

    def loosened(old: str, new: str) -> list[str]:
        def env(value: str) -> dict[str, object]:
            return {"environments": {"prod": {"min_image_age": value} if value else {}}}

        return [text for _path, text in loosenings(env(old), env(new))]

    assert loosened("24h", "1h") == [
        "environments.prod.min_image_age: lowers it from '24h' to '1h'"
    ]
    assert loosened("24h", "") == ["environments.prod.min_image_age: lowers it from '24h' to '0s'"]
    assert loosened("1h", "2d") == []
    assert loosened("", "1h") == []


def test_created_times_and_durations() -> None:
    utc = datetime.UTC
    assert parse_created("2026-03-10T09:00:00.123456789Z") == datetime.datetime(
        2026, 3, 10, 9, 0, 0, 123456, tzinfo=utc
    )
    assert parse_created("2026-03-10T10:00:00+01:00") == datetime.datetime(
        2026, 3, 10, 9, tzinfo=utc
    )
    assert parse_created("2026-03-10") is None
    assert parse_created(1700000000) is None
    assert duration(datetime.timedelta(hours=3, minutes=12)) == "3h 12m"
    assert duration(datetime.timedelta(hours=30)) == "30h"
    assert duration(datetime.timedelta(days=3, hours=4)) == "3d 4h"
    assert duration(datetime.timedelta(seconds=42)) == "42s"


def test_check_blocks_a_too_young_promotion_end_to_end(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path
) -> None:
    """check --base --head through the CLI: the promotion into prod of a build three
    hours old is refused; the same range at a moment a day later passes."""
    from gitops_guard.cli.main import main

    pusher.image("e2e/api", "1.4.2", "e2e-old", created="2026-03-01T00:00:00Z")
    pusher.image("e2e/api", "1.4.3", "e2e-young", created="2026-03-10T09:00:00Z")
    root = tmp_path / "gitops"
    (root / "apps/api/prod").mkdir(parents=True)

    def git(*args: str, date: str = "2026-03-10T10:00:00+00:00") -> None:
        env = {
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": date,
            "GIT_AUTHOR_NAME": "Alice Martin",
            "GIT_AUTHOR_EMAIL": "alice@example.com",
            "GIT_COMMITTER_NAME": "Alice Martin",
            "GIT_COMMITTER_EMAIL": "alice@example.com",
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
        }
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)

    values = root / "apps/api/prod/values.yaml"
    (root / ".gitops-guard.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            layout: ["apps/{app}/{env}/**"]
            environments:
              prod: {min_image_age: 24h}
            supply_chain:
              registry: {environments: [], insecure: ["127.0.0.1:*"]}
            """
        )
    )
    values.write_text(f"image: {registry.host}/e2e/api:1.4.2\n")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "Policy and api 1.4.2", date="2026-03-02T09:00:00+00:00")
    git("checkout", "-q", "-b", "change")
    values.write_text(f"image: {registry.host}/e2e/api:1.4.3\n")
    git("commit", "-q", "-am", "Promote api 1.4.3 to prod")

    argv = ["check", "--repo", str(root), "--base", "main", "--head", "change"]
    out = tmp_path / "out.json"
    code = main([*argv, "--format", "json", "-o", str(out), "--now", "2026-03-10T12:00:00Z"])
    findings = json.loads(out.read_text())["findings"]
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["severity"]) for f in findings] == [
        ("GG507", "apps/api/prod/values.yaml", 1, "error")
    ]
    assert "was built 3h ago" in findings[0]["message"]
    # GITOPS_GUARD_NOW is the same clock: a day later the build is old enough.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITOPS_GUARD_NOW", "2026-03-11T10:00:00+01:00")
        assert main([*argv, "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["findings"] == []
    # Offline it is not checked, which fails closed under the default on_unreachable.
    code = main([*argv, "--format", "json", "-o", str(out), "--offline"])
    assert code == 1
    assert [f["rule"] for f in json.loads(out.read_text())["findings"]] == ["GG506"]


def test_validate_supply_chain_takes_the_same_now(
    registry: LocalRegistry, pusher: Pusher, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gitops_guard.cli.main import main

    pusher.image("validate/api", "2.0.0", "validate-young", created="2026-03-10T09:00:00Z")
    root = tmp_path / "gitops"
    (root / "apps/api/prod").mkdir(parents=True)
    (root / ".gitops-guard.yaml").write_text(
        'version: 1\nlayout: ["apps/{app}/{env}/**"]\nenvironments: {prod: {min_image_age: 1d}}\n'
        'supply_chain:\n  registry: {environments: [], insecure: ["127.0.0.1:*"]}\n'
    )
    (root / "apps/api/prod/values.yaml").write_text(f"image: {registry.host}/validate/api:2.0.0\n")
    argv = ["validate", "--repo", str(root), "--supply-chain", "--format", "json"]
    assert main([*argv, "--now", "2026-03-10T21:00:00+00:00"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("GG507", 1)]
    assert "was built 12h ago" in found[0]["message"]
    assert main([*argv, "--now", "2026-03-11T09:00:00+00:00"]) == 0
    capsys.readouterr()
    assert main(["validate", "--repo", str(root)]) == 0  # no registry asked without the flag
