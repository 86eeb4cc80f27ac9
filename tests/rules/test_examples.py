"""Every rule's documented Failing and Passing examples, run for real.

The examples are read from the rule's docstring (tests/rules/examples.py says how they are
written). Rules of the input, image and inventory scopes run their example files through
extraction and the engine, as `validate` does. History, range and supply rules run
`gitops-guard check --base main --head change` in process on a Git repository built from
the policy, the History commits (on main) and the example (on change); for supply rules,
`registry.example.com` is the test bed's registry, reached under that name through a
loopback proxy, so no example is rewritten and nothing leaves the machine.

A Failing example must report exactly the findings it marks (rule, file, line), its rule
among them; a Passing example must report nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from gitops_guard.cli.main import main
from gitops_guard.model import Report
from gitops_guard.rules.base import (
    COMMIT_SCOPE,
    EVENT_SCOPE,
    RANGE_SCOPE,
    SUPPLY_SCOPE,
    RuleModule,
)
from gitops_guard.rules.registry import all_rules, info
from tests.conftest import require_tool
from tests.integration.promotion_repo import Repo, make_signer
from tests.rules.conftest import Check
from tests.rules.examples import (
    DEFAULT_AUTHOR,
    FIRST_DATE,
    REGISTRY_HOST,
    Commit,
    Documented,
    Example,
    ExampleError,
    Located,
    parse,
)
from tests.supply.helpers import (
    SLSA_V02,
    ConnectProxy,
    Pusher,
    TlsRegistry,
    cosign_attest,
    cosign_sign,
    ec_key,
    public_pem,
    slsa,
    statement,
    tls_certificate,
)

# Rules whose documentation has no executable example, with the reason. Keep it empty.
RULES = all_rules()
NOT_EXECUTABLE: dict[str, str] = {
    # The examples are commits on top of main; a rewrite replaces main instead.
    "GG308": "a rewrite is an update of the ref, not commits on top of it: "
    "tests/integration/test_attack_history.py pushes them to a server",
}
CHECKED_SCOPES = (EVENT_SCOPE, COMMIT_SCOPE, RANGE_SCOPE, SUPPLY_SCOPE)


def _parsed(rule: RuleModule) -> Documented | ExampleError:
    try:
        return parse(rule.ID, info(rule).doc)
    except ExampleError as error:
        return error


PARSED = {rule.ID: _parsed(rule) for rule in RULES}
DOCUMENTED = {rule_id: d for rule_id, d in PARSED.items() if isinstance(d, Documented)}
CASES = [
    pytest.param(rule, example, id=f"{rule.ID}-{example.kind}-{n}")
    for rule in RULES
    if rule.ID in DOCUMENTED
    for n, example in enumerate(DOCUMENTED[rule.ID].examples, start=1)
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_every_rule_documents_a_failing_and_a_passing_example(rule: RuleModule) -> None:
    documented = PARSED[rule.ID]
    assert not isinstance(documented, ExampleError), str(documented)
    kinds = {example.kind for example in documented.examples}
    if rule.ID in NOT_EXECUTABLE:
        assert kinds != {"Failing", "Passing"}, f"{rule.ID} runs now: drop it from NOT_EXECUTABLE"
    else:
        assert kinds == {"Failing", "Passing"}


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_documented_example(
    rule: RuleModule,
    example: Example,
    check: Check,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tls: tuple[Path, Path, Path],
) -> None:
    documented = DOCUMENTED[rule.ID]
    if rule.SCOPE in CHECKED_SCOPES:
        with served(example.registry, tmp_path, tls, monkeypatch) as key:
            found, code = checked(documented, example, tmp_path / "repo", key, capsys)
        errors = any(severity == "error" for _rule, _path, _line, severity in found)
        assert code == (1 if errors else 0)
        located = {(rule_id, path, line) for rule_id, path, line, _severity in found}
    else:
        assert not example.commits, "input, image and inventory examples are files"
        report = check(dict(example.files), policy=documented.policy)
        located = findings_of(report)
    assert located == example.expected, f"{rule.ID} {example.title}"


def findings_of(report: Report) -> set[Located]:
    return {(f.rule, f.location.path, f.location.line) for f in report.findings}


# --- the check of a history -----------------------------------------------------------------


def checked(
    documented: Documented,
    example: Example,
    root: Path,
    key: ec.EllipticCurvePrivateKey,
    capsys: pytest.CaptureFixture[str],
) -> tuple[set[tuple[str, str, int, str]], int]:
    """Build main (policy, keys, History) and change (the example), run check on them."""
    commits = example.commits or (Commit(DEFAULT_AUTHOR, None, "Change", False, example.files),)
    signer = None
    if any(c.signed for c in (*documented.history, *commits)):
        require_tool("ssh-keygen")
        signer = make_signer(root.parent / "ssh", email="*")  # trusts the key for every author
    repo = Repo(root, signer)  # type: ignore[arg-type]
    root.mkdir()
    repo.git("init", "-q", "-b", "main")
    if signer is not None:
        repo.git("config", "gpg.ssh.allowedSignersFile", str(signer.allowed_signers))
    base = {".gitops-guard.yaml": documented.policy or "version: 1\n"}
    base.update(dict.fromkeys(key_paths(documented.policy), public_pem(key).decode()))
    dates = commit_dates([FIRST_DATE, *(c.date for c in (*documented.history, *commits))])
    repo.commit(next(dates).isoformat(), "Policy", base)
    for commit in documented.history:
        make(repo, commit, next(dates))
    repo.git("checkout", "-q", "-b", "change")
    for commit in commits:
        make(repo, commit, next(dates))
    argv = ["check", "--repo", str(root), "--base", "main", "--head", "change"]
    code = main([*argv, "--format", "json", *example.check_args])
    document = json.loads(capsys.readouterr().out)
    found = {(f["rule"], f["path"], f["line"], f["severity"]) for f in document["findings"]}
    return found, code


def commit_dates(dates: list[datetime.datetime | None]) -> Iterator[datetime.datetime]:
    """The dates given, and one day after the previous commit where none is."""
    previous = FIRST_DATE - datetime.timedelta(days=1)
    for date in dates:
        previous = date or previous + datetime.timedelta(days=1)
        yield previous


def make(repo: Repo, commit: Commit, date: datetime.datetime) -> None:
    repo.commit(
        date.isoformat(), commit.message, commit.files, author=commit.author, sign=commit.signed
    )


def key_paths(policy: str | None) -> list[str]:
    """The public-key files the policy trusts: the test bed's key is written there."""
    data = yaml.safe_load(policy or "") or {}
    signatures = (data.get("supply_chain") or {}).get("signatures") or {}
    return [str(path) for path in signatures.get("keys") or ()]


# --- registry.example.com -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return tls_certificate(tmp_path_factory.mktemp("tls"), REGISTRY_HOST)


@contextlib.contextmanager
def served(
    spec: Mapping[str, Any] | str | None,
    tmp_path: Path,
    tls: tuple[Path, Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ec.EllipticCurvePrivateKey]:
    """registry.example.com as the example describes it, for the duration of a check.

    A mapping starts the test bed's registry and pushes the images; ``unreachable``, or no
    registry section, leaves the name unanswered. Yields the key images are signed with.
    """
    assert spec is None or isinstance(spec, Mapping) or spec == "unreachable", spec
    ca, certificate, private = tls
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    key = ec_key()
    registry = None
    try:
        if isinstance(spec, Mapping):
            binary = require_tool("docker-registry")
            registry = TlsRegistry(binary, tmp_path / "registry", certificate, private)
            registry.start()
            push(Pusher(registry.url), spec, key)
        with ConnectProxy(REGISTRY_HOST, registry.port if registry else None) as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            yield key
    finally:
        if registry is not None:
            registry.stop()


def push(pusher: Pusher, spec: Mapping[str, Any], key: ec.EllipticCurvePrivateKey) -> None:
    """Push each ``repository:tag``: its builds in order, then its signature and provenance."""
    try:
        for name, entry in spec.items():
            repository, _, tag = str(name).rpartition(":")
            entry = entry if isinstance(entry, Mapping) else {"image": entry}
            unknown = set(entry) - {"image", "signed", "provenance", "created"}
            assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
            builds = entry["image"] if isinstance(entry["image"], list) else [entry["image"]]
            created = entry.get("created", "2026-01-01T00:00:00Z")  # the pusher's default
            if isinstance(created, datetime.datetime):
                created = created.isoformat().replace("+00:00", "Z")
            for build in builds:
                image = pusher.image(
                    repository, tag, str(build), created=None if created is None else str(created)
                )
            reference = f"{REGISTRY_HOST}/{repository}"
            if entry.get("signed"):
                cosign_sign(pusher, repository, image.digest, [key], reference=reference)
            provenance = entry.get("provenance")
            if provenance is not None:
                predicate = slsa(provenance["ref"], provenance["source"], provenance["builder"])
                cosign_attest(
                    pusher,
                    repository,
                    image.digest,
                    key,
                    [statement(image.digest, SLSA_V02, predicate)],
                )
    finally:
        pusher.close()
