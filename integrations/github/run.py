"""The GitHub Action's check step: the command the event calls for, run, and its outputs.

Run by ``action.yml`` with the Python of the action's own virtual environment (standard
library only). What it runs, by event (``GITHUB_EVENT_NAME``, payload at
``GITHUB_EVENT_PATH``):

- ``pull_request``, ``pull_request_target``: ``check --base <base sha> --head <head sha>``;
  the comment and SARIF upload need a token that can write, which a pull request from a
  fork (or from Dependabot) does not get under ``pull_request``: then they are skipped with
  a notice and the verdict stands;
- ``merge_group``: ``check`` of the queue's base and head (no comment, no upload);
- ``push``: ``check --base <before> --head <after>``, with ``--direct`` on the default
  branch (what lands there without a merge commit or a squash merge naming ``(#N)`` skipped
  review); a new branch (``before`` all zeros) or a ``before`` the clone does not have
  (a force push) is validated whole instead; a deleted branch has nothing to check. The
  SARIF of a push is a whole-repository ``validate``: code scanning closes alerts missing
  from a branch's newest analysis, so the branch's analysis must be whole;
- ``schedule``, ``workflow_dispatch`` and any other event: ``validate``.

The ``base``/``head`` inputs override the event's. The ``args`` input is appended to the
verdict command (split as a shell would); ``baseline`` becomes ``--baseline FILE``.

Step outputs (``GITHUB_OUTPUT``): ``exit-code`` of the verdict command, ``command`` (what
ran), ``sarif`` and ``comment`` (paths of the files written, empty when none), ``dir``
(the folder holding them), ``root`` (the repository's top level), ``can-write``
(``true``/``false``) and ``pull-request`` (the number, or empty).

Exit status: 0 once the outputs are written, whatever the verdict (the action's last step
fails the job with ``exit-code``); anything else means this script could not run.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ZERO_SHA = "0" * 40
READ_ONLY_ACTORS = ("dependabot[bot]",)


@dataclass(frozen=True)
class Plan:
    """What the event calls for."""

    verdict: list[str]  # the arguments after `gitops-guard`
    # Where code scanning's SARIF comes from: the verdict's run, a whole-repository
    # `validate` of its own, or nowhere (a merge queue's temporary branch).
    sarif: str = "verdict"  # "verdict" | "validate" | "none"
    pull_request: int | None = None
    can_write: bool = True
    notices: list[str] = field(default_factory=list)
    skip: str = ""  # nothing to check, and why


def _commit_exists(sha: str) -> bool:
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{sha}^{{commit}}"], capture_output=True, check=False
    )
    return found.returncode == 0


def plan(
    event_name: str,
    event: Mapping[str, Any],
    env: Mapping[str, str],
    commit_exists: Any = _commit_exists,
) -> Plan:
    """The commands for ``event_name`` with payload ``event`` and the action's inputs in
    ``env`` (``GITOPS_GUARD_BASE``, ``..._HEAD``)."""
    base = env.get("GITOPS_GUARD_BASE", "").strip()
    head = env.get("GITOPS_GUARD_HEAD", "").strip()
    sha = env.get("GITHUB_SHA", "")
    if event_name in ("pull_request", "pull_request_target"):
        pr = event["pull_request"]
        head_repo = (pr.get("head") or {}).get("repo") or {}
        base_repo = (pr.get("base") or {}).get("repo") or {}
        fork = head_repo.get("full_name") != base_repo.get("full_name")
        actor = env.get("GITHUB_ACTOR", "")
        # pull_request_target runs with the base repository's token, fork or not.
        read_only = event_name == "pull_request" and (fork or actor in READ_ONLY_ACTORS)
        notices = []
        if read_only:
            why = "from a fork" if fork else f"by {actor}"
            notices.append(
                f"gitops-guard: this pull request is {why}, so its token is read-only: "
                "no PR comment and no SARIF upload (the report is in the job summary and "
                "the artifact); the verdict stands"
            )
        return Plan(
            ["check", "--base", base or pr["base"]["sha"], "--head", head or pr["head"]["sha"]],
            pull_request=int(pr["number"]),
            can_write=not read_only,
            notices=notices,
        )
    if event_name == "merge_group":
        group = event["merge_group"]
        return Plan(
            ["check", "--base", base or group["base_sha"], "--head", head or group["head_sha"]],
            sarif="none",
        )
    if base:
        return Plan(["check", "--base", base, "--head", head or sha])
    if event_name == "push":
        return _push_plan(event, head or event.get("after") or sha, commit_exists)
    return Plan(["validate"])


def _push_plan(event: Mapping[str, Any], head: str, commit_exists: Any) -> Plan:
    if event.get("deleted"):
        return Plan([], skip=f"{event.get('ref')} was deleted: nothing to check")
    before = event.get("before") or ZERO_SHA
    if before == ZERO_SHA:
        return Plan(
            ["validate"],
            notices=[f"gitops-guard: {event.get('ref')} is new: validating the whole repository"],
        )
    if not commit_exists(before):
        return Plan(
            ["validate"],
            notices=[
                f"gitops-guard: the commit before this push ({before[:12]}) is not in the "
                "clone (a force push?): validating the whole repository instead"
            ],
        )
    default = (event.get("repository") or {}).get("default_branch")
    direct = ["--direct"] if default and event.get("ref") == f"refs/heads/{default}" else []
    return Plan(
        ["check", "--base", before, "--head", head, *direct],
        sarif="validate",
    )


def _write_outputs(path: str, values: Mapping[str, str]) -> None:
    with open(path, "a", encoding="utf-8") as stream:
        for key, value in values.items():
            stream.write(f"{key}={value}\n")


def _summary(path: str, markdown: Path) -> None:
    """The report in the job summary (GitHub takes 1 MiB a step)."""
    text = markdown.read_text(encoding="utf-8")
    if len(text.encode("utf-8")) > 1_000_000:
        text = "**gitops-guard**: the report is too long for the job summary: see the artifact.\n"
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    env = os.environ
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event_path = env.get("GITHUB_EVENT_PATH", "")
    event = json.loads(Path(event_path).read_text(encoding="utf-8")) if event_path else {}
    tool = env["GITOPS_GUARD"]
    out = Path(env.get("RUNNER_TEMP") or ".") / "gitops-guard"
    out.mkdir(parents=True, exist_ok=True)
    sarif, comment = out / "gitops-guard.sarif", out / "gitops-guard.md"
    for stale in (sarif, comment):
        stale.unlink(missing_ok=True)

    chosen = plan(event_name, event, env)
    for notice in chosen.notices:
        print(f"::notice::{notice}", flush=True)
    root = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    ).stdout.strip()
    outputs = {
        "exit-code": "0",
        "command": "",
        "sarif": "",
        "comment": "",
        "dir": str(out),
        "root": root or os.getcwd(),
        "can-write": "true" if chosen.can_write else "false",
        "pull-request": str(chosen.pull_request or ""),
    }
    if chosen.skip:
        print(f"::notice::gitops-guard: {chosen.skip}", flush=True)
        _write_outputs(env["GITHUB_OUTPUT"], outputs)
        return 0

    baseline = env.get("GITOPS_GUARD_BASELINE", "").strip()
    baseline_args = ["--baseline", baseline] if baseline else []
    reports = ["--report", f"markdown={comment}"]
    if chosen.sarif == "verdict":
        reports += ["--report", f"sarif={sarif}"]
    elif chosen.sarif == "validate":
        # The verdict judges the push; code scanning gets the whole repository.
        whole = [tool, "validate", *baseline_args, "--format", "sarif", "-o", str(sarif)]
        print(f"::group::gitops-guard {shlex.join(whole[1:])}", flush=True)
        done = subprocess.run(whole, check=False)
        print("::endgroup::", flush=True)
        if done.returncode not in (0, 1):
            print("::warning::gitops-guard: the whole-repository SARIF could not be made")
    extra = shlex.split(env.get("GITOPS_GUARD_ARGS", ""))
    fail_on = ["--fail-on", env.get("GITOPS_GUARD_FAIL_ON") or "error"]
    verdict = [tool, *chosen.verdict, *fail_on, *baseline_args, "--format", "github", *reports]
    verdict += extra
    outputs["command"] = shlex.join(["gitops-guard", *verdict[1:]])
    print(f"gitops-guard: {outputs['command']}", flush=True)
    code = subprocess.run(verdict, check=False).returncode
    outputs["exit-code"] = str(code)
    outputs["sarif"] = str(sarif) if sarif.is_file() else ""
    if comment.is_file():
        if chosen.pull_request is not None:
            outputs["comment"] = str(comment)
        if env.get("GITHUB_STEP_SUMMARY"):
            _summary(env["GITHUB_STEP_SUMMARY"], comment)
    _write_outputs(env["GITHUB_OUTPUT"], outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
