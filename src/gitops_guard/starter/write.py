"""``gitops-guard init``: infer a starter policy, check the repository against it, write both.

The policy is inferred from what the repository deploys today (see the sibling modules),
then the repository is validated against it, in process, as ``validate`` would. What
remains — ``latest`` tags, untagged images, files that cannot be read — is what a reviewer
would call a real finding, so it is not loosened away: it is written to a baseline
(the file ``validate --write-baseline`` writes), and the summary says so and how to use it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_guard.errors import InputError
from gitops_guard.model import Finding, ImageUse, Severity
from gitops_guard.policy.load import parse_policy
from gitops_guard.policy.model import POLICY_FILE, POLICY_FILES, Policy
from gitops_guard.starter.document import render
from gitops_guard.starter.environments import order
from gitops_guard.starter.evidence import collect, folders
from gitops_guard.starter.images import registries, tag_pattern
from gitops_guard.starter.policy import Deployed, Inference, build
from gitops_guard.starter.templates import infer_layout
from gitops_guard.words import count

BASELINE_FILE = ".gitops-guard-baseline.json"
INTRODUCTION = (
    "gitops-guard policy: how image promotion is checked in this repository.",
    "Written by `gitops-guard init` from what the repository deploys today; every key is",
    "documented by `gitops-guard schema`, and `gitops-guard rules` lists the rules.",
)


def header() -> tuple[str, ...]:
    """The comment lines the file starts with: the policy schema for editors (its own
    ``$id``, in the project's repository), then what the file is."""
    from gitops_guard import SCHEMAS_URL

    return (f"yaml-language-server: $schema={SCHEMAS_URL}/policy.schema.json", *INTRODUCTION)


@dataclass(frozen=True, slots=True)
class StarterPolicy:
    """What ``init`` wrote (or would write), and the lines that summarise it."""

    path: Path
    text: str
    inference: Inference
    findings: tuple[Finding, ...]
    baseline: Path | None  # where the findings that remain are (or would be) recorded
    written: bool  # False for --stdout

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    def summary(self, root: Path) -> list[str]:
        """What was written, counted as written, and what ``validate`` will say."""
        inference = self.inference
        names = inference.order.names
        templates = len(inference.templates)
        layout = (
            count(templates, "layout template")
            if templates
            else "no layout templates (the built-in ones apply)"
        )
        lines = [
            f"{layout}, "
            + (
                f"{count(len(names), 'environment')} ({', '.join(names)})"
                if names
                else "no environments (no folder names one)"
            )
            + f", {count(len(inference.registries), 'registry')}, "
            f"tag pattern {inference.tags.pattern}"
        ]
        if not self.findings:
            lines.append("the repository passes it: `gitops-guard validate` finds nothing")
            return lines
        counts = _severities(self.findings)
        if self.baseline is not None:
            shown = _relative(self.baseline, root)
            recorded = "recorded" if self.written else "which would be recorded"
            lines.append(
                f"the repository has {counts} under it today, {recorded} in {shown}, which "
                "the policy names as its baseline: every gate reports only new ones"
            )
        elif self.errors:
            lines.append(f"the repository has {counts} under it today (no baseline written)")
        else:
            lines.append(f"the repository passes it, with {counts}")
        return lines


def _severities(findings: tuple[Finding, ...]) -> str:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    parts = [count(errors, "error")] if errors else []
    parts += [count(warnings, "warning")] if warnings else []
    return " and ".join(parts)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def infer(root: Path) -> Inference:
    """What the starter policy says, from what the repository deploys on the defaults."""
    evidence = collect(root)
    layout = infer_layout(evidence.placed, evidence.files, folders(evidence.files))
    uses = evidence.inventory.uses
    seen = sorted(evidence.inventory.source_urls)
    return Inference(
        templates=layout.templates,
        order=order(layout.environments),
        registries=registries(uses),
        tags=tag_pattern(
            u.reference.tag for u in _checked(uses) if u.reference and u.reference.tag
        ),
        repositories=this_repository(root, seen),
        source_urls=seen,
    )


def this_repository(root: Path, seen: Sequence[str]) -> list[str]:
    """This repository's URLs for ``repositories:``: the remotes its Applications name (the
    clone knows where it came from), else the one URL its Applications name (a clone of a
    mirror or a local path), else its remotes when no Application names any; none when
    that is not clear."""
    from gitops_guard.errors import GitError
    from gitops_guard.policy.model import repository_url_key
    from gitops_guard.repo.git import GitRepository

    try:
        repository = GitRepository(root)
    except GitError:
        repository = None  # not a Git repository: init reads a plain folder too
    # A folder inside another repository is not that repository.
    same = repository is not None and repository.root.resolve() == root.resolve()
    remotes = repository.remote_urls() if repository is not None and same else []
    named = {repository_url_key(url) for url in seen}
    matching = [url for url in remotes if repository_url_key(url) in named]
    if matching:
        return sorted(dict.fromkeys(matching))
    if len(seen) == 1:
        return list(seen)
    return sorted(dict.fromkeys(remotes)) if not seen else []


def _checked(uses: list[ImageUse]) -> list[ImageUse]:
    """Uses the image rules judge (``image-list`` entries hold constraints, not tags)."""
    from gitops_guard.rules.base import is_checked_image

    return [u for u in uses if is_checked_image(u)]


def _deployed(uses: list[ImageUse]) -> dict[str, Deployed]:
    from gitops_guard.versions import try_parse_version

    tallies: dict[str, Counter[str]] = {}
    for use in _checked(uses):
        ref = use.reference
        if use.environment is None or ref is None:
            continue
        tally = tallies.setdefault(use.environment, Counter())
        tally["uses"] += 1
        tally["without_digest"] += ref.digest is None
        version = try_parse_version(ref.tag) if ref.tag else None
        tally["prereleases"] += version is not None and version.is_prerelease
    return {
        env: Deployed(t["uses"], t["without_digest"], t["prereleases"])
        for env, t in tallies.items()
    }


def _policy(inference: Inference, name: str) -> tuple[str, Policy]:
    text = render(build(inference), header())
    return text, parse_policy(text.encode("utf-8"), name)


def write_starter_policy(
    directory: Path, *, force: bool = False, dry_run: bool = False, baseline: bool = True
) -> StarterPolicy:
    """Infer ``.gitops-guard.yaml``, validate the repository against it, and write it
    (with the baseline of what remains); refuses to overwrite either unless ``force``."""
    from dataclasses import replace

    from gitops_guard.engine.baseline import render_baseline
    from gitops_guard.engine.run import run_rules
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.atomic import write_atomically
    from gitops_guard.repo.files import DiskSource
    from gitops_guard.repo.workspace import find_root

    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    root = find_root(directory)
    # An existing `.gitops-guard.yml` is the one replaced: a `.yaml` beside it would make
    # the pair an error for every command.
    target = next((root / n for n in POLICY_FILES if (root / n).is_file()), root / POLICY_FILE)
    baseline_path = root / BASELINE_FILE
    if not force and not dry_run:
        for existing in (target, baseline_path if baseline else None):
            if existing is not None and existing.exists():
                raise InputError(
                    f"{existing} already exists; not overwritten",
                    hint="use --force to replace it, or --stdout to see the proposal",
                )
    inference = infer(root)
    _text, policy = _policy(inference, target.name)
    # Placement depends only on the layout and environments, so this inventory is what
    # `validate` will see; what each environment deploys decides its strict settings.
    inventory = extract(DiskSource(root), policy)
    inference = replace(inference, deployed=_deployed(inventory.uses))
    text, policy = _policy(inference, target.name)
    report = run_rules(inventory, policy)
    findings = tuple(report.findings)
    errors = any(f.severity is Severity.ERROR for f in findings)
    baseline_text = render_baseline(findings) if baseline and errors else None
    written_baseline = baseline_path if baseline_text is not None else None
    if baseline_text is not None:
        # Named by the policy, every gate (validate, check, the hooks, the server) reads it.
        text = (
            text.rstrip("\n")
            + "\n\n# The findings the repository had when this policy was written: no gate fails"
            + f" on them (adding entries later is a loosening).\nbaseline: {BASELINE_FILE}\n"
        )
        parse_policy(text.encode("utf-8"), target.name)
    if not dry_run:
        write_atomically(target, text)
        if baseline_text is not None:
            write_atomically(baseline_path, baseline_text)
    return StarterPolicy(target, text, inference, findings, written_baseline, not dry_run)
