"""The judgement of one history step: the promotion and commit rules over its events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitops_guard.history.ledger import PromotionContext, is_rollback
from gitops_guard.history.steps import (
    Step,
)
from gitops_guard.model import Finding

if TYPE_CHECKING:
    from gitops_guard.rules.base import RuleModule


@dataclass
class Verdict:
    """What the promotion and commit rules say about one step, per event index.

    Findings are unstamped (``(rule module, finding)``: callers apply severities);
    ``rollbacks`` holds the indexes of the events that are rollbacks.
    """

    findings: dict[int, list[tuple[RuleModule, Finding]]]
    rollbacks: set[int]


def judge_step(step: Step, ctx: PromotionContext) -> Verdict:
    """Judge a step's events against the ledger, then record them.

    Every event of a step is judged against what ran before the step: a version that
    arrives in staging and in prod in the same commit (a shared base bumped for every
    environment at once) has not run in staging before prod gets it. The repository's
    first commit lays out what already ran: nothing was promoted, no rule judges it.
    """
    # Rule modules import this module: the registry is reached at call time.
    from gitops_guard.rules.base import located
    from gitops_guard.rules.registry import commit_rules, event_rules

    verdict = Verdict({index: [] for index in range(len(step.events))}, set())
    promotes = bool(step.commit.parents)
    detail = step.commit.sha[:12]
    # The commit being made (commit-msg) has no id yet.
    commit = step.commit.sha if step.commit.sha.strip("0") else None
    for index, event in enumerate(step.events):
        if is_rollback(event, ctx):
            verdict.rollbacks.add(index)
        for event_rule in event_rules().values() if promotes else ():
            for problem in event_rule.check(event, ctx):
                finding = located(event_rule.ID, problem, event.use, detail, commit)
                verdict.findings[index].append((event_rule, finding))
    by_location = {event.use.location: index for index, event in enumerate(step.events)}
    for commit_rule in commit_rules().values() if promotes and step.events else ():
        for problem in commit_rule.check(step, ctx):
            # Commit rules locate a problem at the event it is about.
            index = by_location.get(problem.location, 0) if problem.location else 0
            use = step.events[index].use
            finding = located(commit_rule.ID, problem, use, detail, commit)
            verdict.findings[index].append((commit_rule, finding))
    when = ctx.moment(step.commit)
    for event in step.events:
        ctx.ledger.record(event, when)
    return verdict
