"""Run the rules over an inventory and return one :class:`~gitops_guard.model.Report`.

The engine, not the rules, stamps each finding's id and effective severity (the
policy's ``severity:`` overrides; ``off`` drops the rule), applies ``exclude`` globs,
inline suppressions and the baseline, and sorts.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from gitops_guard import __version__
from gitops_guard.catalogue import rule_id
from gitops_guard.engine.baseline import (
    Key,
    apply_baseline,
)
from gitops_guard.engine.suppressions import (
    InlineSuppression,
    parse_file,
)
from gitops_guard.extract.inventory import Inventory
from gitops_guard.model import (
    Finding,
    ImageUse,
    Report,
    Severity,
    Suppression,
    printable,
    printable_finding,
)
from gitops_guard.patterns.pathglob import matches_any
from gitops_guard.policy.model import Policy
from gitops_guard.rules.base import RuleContext, RuleModule, located
from gitops_guard.rules.registry import (
    RULE_BOOK,
    image_rules,
    inventory_rules,
    rule_with_id,
)
from gitops_guard.updater.kinds import holds_configuration


def effective_severity(policy: Policy, rule: RuleModule) -> Severity | None:
    """The severity a rule runs at under this policy; None when it is turned off."""
    setting = policy.severity.get(rule.ID) or policy.severity.get(rule.NAME)
    if setting is None:
        severity: Severity = rule.SEVERITY
        return severity
    if setting == "off":
        return None
    return Severity(setting)


def _overridden(policy: Policy, rule: RuleModule | None) -> bool:
    return rule is not None and (rule.ID in policy.severity or rule.NAME in policy.severity)


def image_findings(uses: Iterable[ImageUse], ctx: RuleContext) -> list[Finding]:
    """Run every image rule over the uses (unstamped findings)."""
    return [
        located(image_rule.ID, problem, use)
        for use in uses
        for image_rule in image_rules().values()
        for problem in image_rule.check(use, ctx)
    ]


def run_rules(
    inventory: Inventory,
    policy: Policy,
    *,
    today: datetime.date | None = None,
    baseline: Counter[Key] | None = None,
    suppressions_allowed: Callable[[Finding, InlineSuppression], bool] | None = None,
    extra: Iterable[Finding] = (),
) -> Report:
    """Check an inventory against the policy and return the sorted, stamped report.

    ``suppressions_allowed`` decides whether an inline suppression may silence a
    finding (default: unless its environment has ``allow_suppressions: false``).
    ``extra`` adds findings computed elsewhere (history, supply chain) to the same
    stamping, suppression and baseline steps.
    """
    today = today or datetime.date.today()
    ctx = RuleContext(policy, today)
    raw = list(inventory.problems) + image_findings(inventory.uses, ctx) + list(extra)
    # Rules over the whole inventory (Image Updater configuration) locate their own
    # findings; the engine still owns the id. Without a document Image Updater reads
    # (Application, ApplicationSet, ImageUpdater) they find nothing, and are not imported.
    if holds_configuration(inventory.parsed):
        for inventory_rule in inventory_rules().values():
            raw.extend(
                replace(f, rule=inventory_rule.ID) for f in inventory_rule.check(inventory, ctx)
            )

    suppression_problems: list[Finding] = []
    covered: dict[str, dict[int, list[InlineSuppression]]] = {}
    for path in inventory.files:
        loaded = inventory.parsed.get(path)
        if loaded is not None and "gitops-guard" in loaded.text:
            covered[path] = parse_file(path, loaded.lines, rule_id, today, suppression_problems)
    raw.extend(suppression_problems)

    if suppressions_allowed is None:

        def suppressions_allowed(finding: Finding, _suppression: InlineSuppression) -> bool:
            env = policy.environment(finding.environment)
            return env is None or env.allow_suppressions

    stamped: list[Finding] = []
    suppressed: list[Suppression] = []
    for finding in raw:
        if policy.exclude and matches_any(policy.exclude, finding.location.path):
            continue
        module = rule_with_id(finding.rule)
        severity = effective_severity(policy, module) if module is not None else Severity.ERROR
        if severity is None:
            continue
        if finding.severity is not None and not _overridden(policy, module):
            # A rule that decides its own severity per finding (GG506 follows the policy's
            # on_unreachable) keeps it, unless the policy's severity: names the rule.
            severity = finding.severity
        finding = replace(finding, severity=severity)
        match = _suppression_for(finding, covered)
        if match is not None and suppressions_allowed(finding, match):
            suppressed.append(Suppression(finding, match.reason, match.location))
            continue
        stamped.append(finding)

    # Paths that are not UTF-8 are shown as \xNN from here on: every format can write them.
    stamped = [printable_finding(f) for f in stamped]
    stamped.sort(key=lambda f: (f.location, f.rule, f.environment or "", f.message))
    shown = merge_environments(_dedupe(stamped), policy.layout_environments())
    known = 0
    if baseline is not None:
        # The baseline holds the findings a report showed (merged across environments),
        # so it is matched against the same merged findings.
        shown, known = apply_baseline(shown, baseline)
    return Report(
        findings=tuple(shown),
        files=len(inventory.files),
        images=len(inventory.uses),
        rules=RULE_BOOK,
        paths=tuple(printable(path) for path in inventory.files),
        suppressed=tuple(suppressed),
        baselined=known,
        tool_version=__version__,
    )


def _suppression_for(
    finding: Finding, covered: dict[str, dict[int, list[InlineSuppression]]]
) -> InlineSuppression | None:
    for suppression in covered.get(finding.location.path, {}).get(finding.location.line, ()):
        if finding.rule in suppression.rules:
            return suppression
    return None


def merge_environments(findings: list[Finding], order: Sequence[str] = ()) -> list[Finding]:
    """One finding for a line that fails the same way in several environments.

    A Kustomize base or a Helm default is checked once per environment that deploys it;
    when the findings differ only by environment, they are reported once, naming all.
    """
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = (
            finding.rule,
            finding.location,
            finding.severity,
            finding.hint,
            finding.app,
            finding.image,
            finding.resource,
            finding.container,
            finding.detail,
            _without_environment(finding),
        )
        groups.setdefault(key, []).append(finding)
    merged: list[Finding] = []
    for group in groups.values():
        rank = {name: index for index, name in enumerate(order)}
        environments = sorted(
            {f.environment for f in group if f.environment},
            key=lambda e: (rank.get(e, len(rank)), e),
        )
        if len(group) == 1 or len(environments) != len(group):
            merged.extend(group)
            continue
        first = group[0]
        names = ", ".join(environments)
        message = first.message.replace(f"({first.environment})", f"({names})", 1)
        if first.app is None:
            message = first.message.replace(f" in {first.environment}", f" in {names}", 1)
        merged.append(replace(first, message=message, environment=None))
    merged.sort(key=lambda f: (f.location, f.rule, f.environment or "", f.message))
    return merged


def _without_environment(finding: Finding) -> str:
    if finding.environment is None:
        return finding.message
    if finding.app is not None:
        return finding.message.replace(f"({finding.environment})", "()", 1)
    return finding.message.replace(f" in {finding.environment}", " in ", 1)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    # A base line reached through overlays of one environment twice says the same thing.
    seen: set[Finding] = set()
    unique = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            unique.append(finding)
    return unique
