"""`gitops-guard demo`: build the sample repository and run the tool on it."""

from __future__ import annotations

import datetime
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from gitops_guard.demo.sample import (
    PLAN_NOW,
    add_waiting_history,
    build_sample_repository,
    waiting_history,
)
from gitops_guard.policy.model import Policy


def run_demo(
    directory: Path | None, echo: Callable[[str], None], reports: Path = Path("reports")
) -> int:
    """Build the sample repository and show what the tool sees; returns an exit code."""
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.formats import inventory_text
    from gitops_guard.formats.findings import text
    from gitops_guard.repo.workspace import open_workspace

    target = directory or Path(tempfile.mkdtemp(prefix="gitops-guard-demo-"))
    build_sample_repository(target)
    echo(f"Sample GitOps repository with a promotion history: {target}")
    workspace = open_workspace(target)
    inventory = extract(workspace.source, workspace.policy)

    echo("\n$ gitops-guard images")
    echo(inventory_text.render(inventory.uses, len(inventory.files)).rstrip("\n"))

    echo("\n$ gitops-guard validate")
    report = run_rules(inventory, workspace.policy)
    echo(text.render(report).rstrip("\n"))

    echo(
        "\n$ gitops-guard explain --app argocd/api-dev.yaml "
        "--tags 1.4.0,1.5.0,1.5.1-rc.1,2.0.0,latest --running-tag 1.4.0"
    )
    echo(_explain_text(target, workspace.policy))

    from gitops_guard.formats.findings import plan
    from gitops_guard.gate.check import run_check
    from gitops_guard.repo.git import GitRepository

    echo("\n$ gitops-guard check --base HEAD~3   # the last three commits, as a pull request")
    result = run_check(GitRepository(target), "HEAD~3")
    echo(plan.render_text(result.plan).rstrip("\n"))
    echo(text.render(result.report).rstrip("\n"))

    import datetime

    from gitops_guard.audit.build import build_report
    from gitops_guard.audit.events import AuditOptions
    from gitops_guard.audit.plan import PlanOptions, build_plan
    from gitops_guard.formats.plan.shared import shown
    from gitops_guard.formats.plan.text import render_text
    from gitops_guard.formats.report.render import render_report
    from gitops_guard.repo.atomic import write_atomically

    add_waiting_history(target)
    echo(
        "\nThe week after (git log --oneline HEAD~"
        f"{len(waiting_history())}..HEAD): staging rolls api back (INC-57), digests are "
        "pinned in dev, then staging\n(web, worker), prod gets a weekend freeze, new versions "
        "reach dev and, on Friday evening, web 2.5.0 reaches staging."
    )
    now = datetime.datetime.fromisoformat(PLAN_NOW)
    echo(f"\n$ gitops-guard plan --now {PLAN_NOW}   # Saturday morning: what may go where next")
    planned = build_plan(target, PlanOptions(now=now))
    echo(render_text(planned).rstrip("\n"))
    echo(
        "(image age and signatures: not checked offline — the sample's policy asks for no "
        "registry; plan judges them where supply_chain or min_image_age asks, as below)"
    )

    from gitops_guard.demo.supply_demo import run_supply_demo

    run_supply_demo(Path(tempfile.mkdtemp(prefix="gitops-guard-supply-")), echo)

    built = build_report(target, AuditOptions(), datetime.timedelta(days=7), plan_now=now)
    waiting = len(shown(built.plan.rows, False)) if built.plan is not None else 0
    echo(
        f"\n$ gitops-guard report --format html --out {reports} --now {PLAN_NOW}   "
        f"# and --format md: {len(built.audit.events)} events, {built.audit.commits} commits; "
        f"the HTML lists the {waiting} promotions waiting"
    )
    for extension in ("html", "md"):
        path = reports / f"report.{extension}"
        write_atomically(path, render_report(extension, built))
        echo(f"wrote {path.resolve()}")

    _promote_step(target, now, echo)

    # The command as this environment can run it: the demo's own virtual environment
    # need not be on PATH.
    program = shutil.which("gitops-guard") or str(Path(sys.executable).parent / "gitops-guard")
    echo(f"\nExplore it yourself: cd {target} && git log --oneline && {program} validate")
    return 0


def _explain_text(root: Path, policy: Policy) -> str:
    """What Image Updater would pick for the sample's api-dev Application."""
    from gitops_guard.formats import explain_text
    from gitops_guard.updater.explain import (
        choose_target,
        explain,
        override,
        parse_tags_option,
        targets_from_file,
    )

    path = "argocd/api-dev.yaml"
    data = (root / path).read_bytes()
    targets = targets_from_file(path, data, policy.updater_version, {}, policy.layout.place)
    target = override(choose_target(targets, None), running_tag="1.4.0")
    tags = parse_tags_option("1.4.0,1.5.0,1.5.1-rc.1,2.0.0,latest")
    return explain_text.render(explain(target, tags)).rstrip("\n")


def _promote_step(target: Path, now: datetime.datetime, echo: Callable[[str], None]) -> None:
    """``promote`` of a ready promotion (a commit ``check`` passes) and of a blocked one."""
    import subprocess

    from gitops_guard.audit.promote import PromoteRequest, prepare_promotion, write_promotion
    from gitops_guard.formats.findings import text
    from gitops_guard.gate.check import run_check
    from gitops_guard.repo.git import GitRepository

    # The sample's commits name their authors; promote commits as the user, whom a fresh
    # machine may not have configured: the sample repository gets a person of its own.
    for key, value in (("user.name", "Dana Developer"), ("user.email", "dana@example.com")):
        subprocess.run(["git", "-C", str(target), "config", key, value], check=True)
    echo(f"\n$ gitops-guard promote worker --to staging --now {PLAN_NOW}   # ready")
    ready = prepare_promotion(target, PromoteRequest("worker", "staging", now=now, offline=True))
    sha = write_promotion(target, ready)
    echo(f"committed {sha}:")
    echo("\n".join(f"    {line}" for line in ready.message.rstrip("\n").splitlines()))
    echo("\n$ gitops-guard check --base HEAD~1   # what promote wrote passes the gate")
    checked = run_check(GitRepository(target), "HEAD~1", now=now)
    echo(text.render(checked.report).rstrip("\n"))

    echo(f"\n$ gitops-guard promote web --to prod --now {PLAN_NOW}   # blocked: refused")
    blocked = prepare_promotion(target, PromoteRequest("web", "prod", now=now, offline=True))
    for reason in blocked.blockers:
        echo(f"error [{reason.rule} {reason.name}] {reason.message}")
    rules = ", ".join(sorted({reason.rule for reason in blocked.blockers}))
    echo(
        f"gitops-guard: refused: web cannot be promoted to prod now ({rules}); nothing was written"
    )
