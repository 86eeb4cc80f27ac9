"""A command imports what it needs: the modules a plain ``validate`` loads are pinned.

``validate`` of one plain Deployment (the pre-commit hook on a commit touching one
manifest) runs the real command line in a fresh interpreter and lists ``sys.modules``
afterwards. It must not load the Image Updater model, the history, the audit, the gate,
the supply chain, the other commands, nor the heavy third-party packages (jsonschema,
httpx, cryptography, sigstore, GitPython, Jinja2); and the exact set of ``gitops_guard``
modules is pinned, so an accidental heavy import fails here rather than in a benchmark.
``bench/startup_bench.py`` measures what this saves.

The lazy command group (``cli.main.LazyGroup``) keeps ``--help`` and shell completion
whole: both are checked here too.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click

from gitops_guard import cli as cli_package
from gitops_guard.cli.main import COMMANDS, cli
from tests.conftest import RepoFactory

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team/api:1.4.2
"""

SMALL_POLICY = """\
version: 1
layout: ["envs/{env}/**"]
environments:
  dev: {}
  prod: {from: dev, require_digest: true}
images:
  registries: ["registry.example.com/*"]
"""

# Runs the real command line in this interpreter, then says what it imported.
WRAPPER = """\
import json, sys
from gitops_guard.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

# Every gitops_guard module a plain `validate` imports. Changing an import so that this
# set changes? If the new module is truly needed on this path (it does work a plain
# manifest needs), add it here in the same commit and say why in the commit message;
# if not, import it where it is used (inside the function, or under TYPE_CHECKING).
# `python -X importtime -m gitops_guard validate FILE` shows who imports what.
PLAIN_VALIDATE = frozenset(
    {
        "gitops_guard",
        "gitops_guard.catalogue",
        "gitops_guard.cli",
        "gitops_guard.cli.findings",
        "gitops_guard.cli.main",
        "gitops_guard.cli.options",
        "gitops_guard.engine",
        "gitops_guard.engine.baseline",
        "gitops_guard.engine.run",
        "gitops_guard.engine.suppressions",
        "gitops_guard.errors",
        "gitops_guard.extract",
        "gitops_guard.extract.argocd",
        "gitops_guard.extract.context",
        "gitops_guard.extract.deployments",  # what Applications deploy: every extraction
        "gitops_guard.extract.embedded",
        "gitops_guard.extract.helm",
        "gitops_guard.extract.inventory",
        "gitops_guard.extract.kustomize",
        "gitops_guard.extract.tree",
        "gitops_guard.extract.workloads",
        "gitops_guard.formats",
        "gitops_guard.formats.findings",
        "gitops_guard.formats.findings.registry",
        "gitops_guard.formats.findings.text",
        "gitops_guard.imageref",
        "gitops_guard.model",
        "gitops_guard.parse",
        "gitops_guard.parse.loader",
        "gitops_guard.parse.reparse",
        "gitops_guard.patterns",
        "gitops_guard.patterns.pathglob",
        "gitops_guard.patterns.re2",
        "gitops_guard.patterns.wildcard",
        "gitops_guard.policy",
        "gitops_guard.policy.layout",
        "gitops_guard.policy.load",
        "gitops_guard.policy.model",
        "gitops_guard.repo",
        "gitops_guard.repo.atomic",
        "gitops_guard.repo.files",
        "gitops_guard.repo.git",
        "gitops_guard.repo.workspace",
        "gitops_guard.rules",
        "gitops_guard.rules.base",
        "gitops_guard.rules.gg002_invalid_suppression",
        "gitops_guard.rules.gg101_missing_tag",
        "gitops_guard.rules.gg102_mutable_tag",
        "gitops_guard.rules.gg103_tag_pattern",
        "gitops_guard.rules.gg104_registry_not_allowed",
        "gitops_guard.rules.gg105_digest_required",
        "gitops_guard.rules.gg106_malformed_reference",
        "gitops_guard.rules.gg107_prerelease_forbidden",
        "gitops_guard.rules.gg108_constraint_violation",
        "gitops_guard.rules.registry",
        "gitops_guard.updater",
        "gitops_guard.updater.kinds",
        "gitops_guard.words",
    }
)

# Never on this path, whatever the pin says: packages of other stages and commands, and
# the heavy third-party packages (GitPython is `git`; re2 is only for policies' patterns).
FORBIDDEN_PACKAGES = (
    "gitops_guard.audit",
    "gitops_guard.demo",
    "gitops_guard.gate",
    "gitops_guard.history",
    "gitops_guard.starter",
    "gitops_guard.supply",
    "gitops_guard.formats.report",
    "cryptography",
    "git",
    "httpx",
    "jinja2",
    "re2",
    "ruamel",
    "sigstore",
)
UPDATER_ALLOWED = {"gitops_guard.updater", "gitops_guard.updater.kinds"}


def imported(argv: list[str], cwd: Path, tmp_path: Path) -> tuple[int, set[str]]:
    """The exit code of ``gitops-guard ARGV`` run in a fresh interpreter, and every module
    it had imported when it finished."""
    report = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_GUARD")}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(report), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert report.is_file(), done.stderr
    data = json.loads(report.read_text())
    return int(data["code"]), set(data["modules"])


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "gitops_guard" or m.startswith("gitops_guard.")}


def loaded_from(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for p in packages if m == p or m.startswith(p + "."))


def assert_pinned(modules: set[str]) -> None:
    mine = ours(modules)
    added, missing = sorted(mine - PLAIN_VALIDATE), sorted(PLAIN_VALIDATE - mine)
    assert (added, missing) == ([], []), (
        f"a plain validate now imports {added or 'nothing more'} and no longer imports "
        f"{missing or 'nothing less'}: import heavy modules where they are used; if the "
        "change is deliberate, update PLAIN_VALIDATE in tests/cli/test_imports.py (and "
        "say why in the commit)"
    )


def test_a_plain_validate_without_a_policy_imports_only_what_it_needs(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo({"envs/dev/deploy.yaml": DEPLOYMENT})
    code, modules = imported(["validate", "envs/dev/deploy.yaml"], repo, tmp_path)
    assert code == 0
    assert loaded_from(modules, (*FORBIDDEN_PACKAGES, "jsonschema")) == []
    assert {m for m in ours(modules) if m.startswith("gitops_guard.updater")} <= UPDATER_ALLOWED
    assert_pinned(modules)


def test_a_small_policy_adds_jsonschema_until_the_policy_is_known_valid(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo({"envs/dev/deploy.yaml": DEPLOYMENT, ".gitops-guard.yaml": SMALL_POLICY})
    argv = ["validate", "envs/dev/deploy.yaml"]
    code, first = imported(argv, repo, tmp_path)
    assert code == 0
    # The first run validates the policy against its JSON Schema, and records that it did
    # (under .git/gitops-guard/): the next run of the same policy text needs no jsonschema.
    assert "jsonschema" in first
    assert loaded_from(first, FORBIDDEN_PACKAGES) == []
    assert_pinned(first)
    code, again = imported(argv, repo, tmp_path)
    assert code == 0
    assert loaded_from(again, (*FORBIDDEN_PACKAGES, "jsonschema")) == []
    assert_pinned(again)


def test_an_argo_cd_application_brings_the_image_updater_rules(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    # The other side of the pin: the inventory rules run when there is something to read.
    application = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api\n"
        "  annotations:\n    argocd-image-updater.argoproj.io/image-list: "
        "api=registry.example.com/team/api\nspec:\n  source:\n    path: envs/dev\n"
    )
    repo = make_repo({"envs/dev/deploy.yaml": DEPLOYMENT, "argocd/api.yaml": application})
    code, modules = imported(["validate"], repo, tmp_path)
    assert code in (0, 1)
    assert "gitops_guard.updater.config" in modules
    assert "gitops_guard.rules.gg201_invalid_annotation" in modules
    assert "gitops_guard.history" not in modules


def test_the_lazy_group_names_every_command_module_and_nothing_else() -> None:
    # Every click command defined in gitops_guard.cli is in COMMANDS under its own name.
    defined = set()
    for info in pkgutil.iter_modules(cli_package.__path__):
        module = importlib.import_module(f"{cli_package.__name__}.{info.name}")
        for attribute, value in vars(module).items():
            callback = getattr(value, "callback", None)
            if (
                isinstance(value, click.Command)
                and value is not cli
                and getattr(callback, "__module__", None) == module.__name__
            ):
                defined.add((value.name, f"{module.__name__}:{attribute}"))
    assert defined == set(COMMANDS.items())
    with click.Context(cli) as ctx:
        assert cli.list_commands(ctx) == sorted(COMMANDS)
        for name in COMMANDS:
            command = cli.get_command(ctx, name)
            assert command is not None
            assert command.name == name
        assert cli.get_command(ctx, "no-such-command") is None


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("_GITOPS_GUARD")}
    return subprocess.run(
        [sys.executable, "-m", "gitops_guard", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_lists_every_command_with_its_short_help() -> None:
    result = run_cli(["--help"])
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.strip()]
    assert names == sorted(COMMANDS)
    assert any(line.split()[0] == "validate" and "Check manifests" in line for line in listed)


def test_shell_completion_completes_lazy_commands_and_their_options() -> None:
    def complete(words: str) -> list[str]:
        env = {
            "_GITOPS_GUARD_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        }
        result = run_cli([], env)
        assert result.returncode == 0, result.stderr
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("gitops-guard va") == ["validate"]
    assert "install-hooks" in complete("gitops-guard ")
    assert "--format" in complete("gitops-guard validate --fo")


def test_a_mistyped_command_gets_a_suggestion_from_every_command() -> None:
    result = run_cli(["valdate"])
    assert result.returncode == 2
    assert "No such command 'valdate'." in result.stderr
    if hasattr(click.exceptions, "NoSuchCommand"):  # click 8.4+ suggests
        assert "Did you mean 'validate'?" in result.stderr
