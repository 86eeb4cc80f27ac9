"""The starter policy as a commented document: what was inferred, laid out for a reader.

Each environment's settings come from :func:`environment_settings`, one line per key,
so a new per-environment setting is one line there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gitops_guard.starter.document import Item, Items, Key, Note, Word, flow
from gitops_guard.starter.document import Mapping as Block
from gitops_guard.starter.environments import Environment, Order
from gitops_guard.starter.images import DEFAULT_FORBIDDEN_TAGS, Registry, TagPattern
from gitops_guard.words import count

BOTS = ("argocd-image-updater*", "fluxcdbot*", "*[bot]")
ANY_CHANGE = ("patch", "minor", "major", "digest")
FORBIDDEN_STRATEGIES = ("newest-build", "latest", "alphabetical", "name")
SOAK = "24h"
EXAMPLE_TEMPLATE = "apps/{app}/overlays/{env}/**"


@dataclass(frozen=True, slots=True)
class Deployed:
    """What an environment deploys today, for the settings that must not fail it."""

    uses: int = 0
    without_digest: int = 0
    prereleases: int = 0


@dataclass(frozen=True, slots=True)
class Inference:
    """Everything ``init`` inferred, which the document shows."""

    templates: Sequence[str]
    order: Order
    registries: Sequence[Registry]
    tags: TagPattern
    deployed: Mapping[str, Deployed] = field(default_factory=dict)
    repositories: Sequence[str] = ()  # this repository's URLs (its remotes', or the one used)
    source_urls: Sequence[str] = ()  # every URL the Applications' sources name


def environment_settings(
    environment: Environment, order: Order, deployed: Deployed
) -> list[Key | Note]:
    """The settings of one environment, by where it sits in the promotion order."""
    settings: list[Key | Note] = []
    last = order.is_last(environment)
    if environment.source is not None:
        settings.append(
            Key("from", Word(environment.source), "a version must have run there first")
        )
        if last:
            settings.append(Key("soak", Word(SOAK), "... for at least this long"))
    if order.is_first(environment):
        settings.append(Key("automated", _words(ANY_CHANGE), "what bots may change here"))
    elif last:
        settings.append(Key("automated", flow(()), "every change here is a person's commit"))
        settings.append(
            Key("on_unresolved", Word("error"), "what gitops-guard cannot follow (GG003) stays out")
        )
        settings.append(
            _strict("require_digest", deployed, deployed.without_digest, "without a digest")
        )
        settings.append(
            _strict("allow_prerelease", deployed, deployed.prereleases, "with a prerelease")
        )
    else:
        settings.append(Key("automated", _words(("patch",)), "what bots may change here"))
    return settings


def _strict(key: str, deployed: Deployed, failing: int, what: str) -> Key | Note:
    """A setting that holds for what the environment deploys today, or the same line
    commented out with the reason (nothing seen there yet is a reason too)."""
    value = key == "require_digest"
    line = f"{key}: {'true' if value else 'false'}"
    if deployed.uses == 0:
        return Note(f"{line}  # no image seen here yet")
    if failing == 0:
        return Key(key, value)
    uses = count(failing, "image use")
    return Note(f"{line}  # not yet: {uses} here {what}")


def build(inference: Inference) -> Block:
    """The whole starter document."""
    order = inference.order
    entries: list[Key | Note] = [Key("version", 1)]
    entries.append(_layout(inference.templates))
    entries.extend(_environments(order, inference.deployed))
    entries.extend(_repositories(inference.repositories, inference.source_urls))
    entries.append(
        Key(
            "bots",
            flow(BOTS),
            before=("", "Author names or emails of bots (`*` is the only wildcard)."),
        )
    )
    entries.append(
        Key(
            "rollback_trailer",
            Word("Rollback"),
            before=(
                "A commit trailer that marks a deliberate downgrade, e.g. 'Rollback: INC-42'.",
            ),
        )
    )
    entries.append(_images(inference.registries, inference.tags))
    annotations = _annotations(order)
    if annotations is not None:
        entries.append(annotations)
    return Block(tuple(entries))


def _layout(templates: Sequence[str]) -> Key | Note:
    before = (
        "",
        "How a path names its app and environment; the first template that matches wins.",
        "{app} and {env} match one folder, * any characters in a folder, ** any folders.",
    )
    if templates:
        return Key("layout", Items(tuple(Item(t) for t in templates)), before=before)
    return Note(
        "No folder here names an environment, so the built-in templates apply; e.g. "
        f"layout: ['{EXAMPLE_TEMPLATE}']"
    )


def _environments(order: Order, deployed: Mapping[str, Deployed]) -> list[Key | Note]:
    if not order.environments:
        return [
            Note(""),
            Note("No environment folders were found. Environments are declared in promotion"),
            Note(
                "order, e.g. environments: {dev: {}, staging: {from: dev}, prod: {from: staging}}"
            ),
        ]
    entries: list[Key | Note] = []
    for environment in order.environments:
        comment = ""
        if environment.rank is None:
            comment = "its place in the promotion order is not known from its name"
        settings = environment_settings(
            environment, order, deployed.get(environment.name, Deployed())
        )
        entries.append(Key(Word(environment.name), Block(tuple(settings)), comment))
    before = (
        "",
        "Environments in promotion order, from the folder names: dev < test/qa < staging/uat",
        "< prod; `from:` is set where the order is clear.",
    )
    return [Key("environments", Block(tuple(entries)), before=before)]


def _repositories(repositories: Sequence[str], seen: Sequence[str]) -> list[Key | Note]:
    if repositories:
        before = (
            "",
            "This repository's URLs: an Application source naming another repository is",
            "not followed (GG003), so a fork with the same folders is not taken for this one.",
        )
        return [Key("repositories", Items(tuple(Item(url) for url in repositories)), before=before)]
    if not seen:
        return []
    return [
        Note(""),
        Note("Applications here name several repositories and no remote of this clone is one"),
        Note(f"of them; set repositories: to this one's URLs. Named: {', '.join(seen)}"),
    ]


def _images(registries: Sequence[Registry], tags: TagPattern) -> Key:
    entries: list[Key | Note] = []
    if registries:
        items = tuple(Item(r.pattern, count(r.uses, "image use")) for r in registries)
        entries.append(
            Key(
                "registries",
                Items(items),
                before=("Where images may come from, as found today (`*` matches anything).",),
            )
        )
    else:
        entries.append(
            Note("No images were found; `registries:` lists where images may come from.")
        )
    entries.append(Key("forbidden_tags", _words(DEFAULT_FORBIDDEN_TAGS)))
    before = ["Tags as versions are written here today (RE2 syntax)."]
    if tags.left_out:
        shown = ", ".join(tags.left_out[:5]) + (", ..." if len(tags.left_out) > 5 else "")
        before.append(f"Tags in use that are not versions stay findings: {shown}.")
    entries.append(Key("tag_pattern", tags.pattern, before=tuple(before)))
    return Key("images", Block(tuple(entries)), before=("",))


def _annotations(order: Order) -> Key | None:
    later = [e.name for e in order.environments if e.rank is not None and not order.is_first(e)]
    last = [e.name for e in order.environments if order.is_last(e)]
    entries: list[Key | Note] = []
    if later:
        entries.append(
            Key(
                "require_git_write_back",
                _words(later),
                before=("Image Updater must commit what it changes in these environments.",),
            )
        )
    if last:
        strategies = Block(tuple(Key(Word(name), _words(FORBIDDEN_STRATEGIES)) for name in last))
        entries.append(Key("forbidden_strategies", strategies))
    if not entries:
        return None
    return Key("annotations", Block(tuple(entries)), before=("",))


def _words(values: Sequence[str]) -> Items:
    return flow([Word(v) for v in values])
