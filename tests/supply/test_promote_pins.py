"""`promote` into an environment that requires digests pins the candidate as `pin` would:
the digest the real local registry serves for its tag (offline, it says how to give one)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gitops_guard.cli.main import main
from tests.conftest import git
from tests.supply.helpers import LocalRegistry, Pusher

NOW = "2026-01-02T12:00:00+00:00"


# The commits promote writes need a Git identity (CI machines have none configured).
pytestmark = pytest.mark.usefixtures("git_identity")


def overlay(image: str, tag: str, digest: str | None = None) -> str:
    pinned = f"\n    digest: {digest}" if digest else ""
    return f'resources:\n  - ../../base\nimages:\n  - name: {image}\n    newTag: "{tag}"{pinned}\n'


@pytest.fixture
def repo(tmp_path: Path, registry: LocalRegistry, pusher: Pusher) -> tuple[Path, str, str]:
    old = pusher.image("promote/api", "1.0.0", "promote-api-1")
    new = pusher.image("promote/api", "1.1.0", "promote-api-2")
    image = f"{registry.host}/promote/api"
    root = tmp_path / "gitops"
    files = {
        ".gitops-guard.yaml": textwrap.dedent(
            """\
            version: 1
            layout: ["apps/{app}/overlays/{env}/**"]
            environments:
              dev: {}
              prod: {from: dev, require_digest: true}
            supply_chain:
              registry: {insecure: ["127.0.0.1:*"]}
            """
        ),
        "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/api/base/deployment.yaml": textwrap.dedent(
            f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: api}}
            spec:
              template:
                spec:
                  containers:
                    - {{name: api, image: "{image}:1.0.0"}}
            """
        ),
        "apps/api/overlays/dev/kustomization.yaml": overlay(image, "1.1.0"),
        "apps/api/overlays/prod/kustomization.yaml": overlay(image, "1.0.0", old.digest),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "Initial layout")
    return root, image, new.digest


def test_promote_pins_the_digest_the_registry_serves(
    repo: tuple[Path, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, image, digest = repo
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", NOW)
    base = ["promote", "api", "--to", "prod", "--repo", str(root), "--now", NOW]
    code = main([*base, "--offline"])
    _out, err = capsys.readouterr()
    assert code == 1
    assert "[GG105 digest-required]" in err
    assert "give --version 1.1.0@sha256:…" in err
    code = main(base)
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert f"pinned {image}:1.1.0 to {digest}, as the registry serves it" in err
    path = root / "apps/api/overlays/prod/kustomization.yaml"
    assert path.read_text() == overlay(image, "1.1.0", digest)
    code = main(["check", "--repo", str(root), "--base", "HEAD~1", "--head", "HEAD", "--now", NOW])
    capsys.readouterr()
    assert code == 0
