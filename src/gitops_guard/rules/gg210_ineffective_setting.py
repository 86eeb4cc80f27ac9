"""Image Updater configuration that is accepted but does not do what it says.

Image Updater takes these without an error, so nothing fails — the setting just has no effect,
or a different one than it reads like:

* an unknown strategy falls back to semver (GG204 reports it); the old names `latest` and
  `name` still work but are deprecated, as is `tag-match` (0.x; 1.x ignores it);
* `regexp:` in `ignore-tags` is a literal glob; an `allow-tags` regexp with neither `^` nor
  `$` matches anywhere in the tag (`regexp:1\\.2` admits `11.2.5`);
* a constraint with newest-build or alphabetical is ignored; `platforms` only count for
  newest-build and digest; `helm.image-spec` makes `helm.image-name`/`image-tag` unused;
* a prerelease opt-in with `-0` admits prereleases of every version in range, not just of
  the named one (`^1.2.3-0` admits `1.9.0-rc.1`);
* write-back target, branch or repository without the git method; a target such as
  `kustomization.yaml` (the character after the prefix is dropped: it means directory `yaml`);
* application-wide keys that only exist per image (`platforms`, `helm.*`,
  `kustomize.image-name`); keys 0.x reads as "present but empty" and thereby hides the
  application-wide value; 0.x `force-update` other than exactly `true` (read as false); an
  unreadable `pull-secret` before 1.2 (ignored);
* annotations Image Updater does not read at all: with 1.0, or when an ImageUpdater resource
  selects the Application without `useAnnotations: true`; ImageUpdater resources with 0.x;
  resource fields newer than the version in use; two resources governing one Application.

Failing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api:~1.4
        # ↑ GG210: newest-build ignores the constraint ~1.4
        argocd-image-updater.argoproj.io/api.update-strategy: latest  # ← GG210: an old name
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$
        argocd-image-updater.argoproj.io/api.ignore-tags: regexp:-rc    # ← GG210: a glob

Passing::

    # argocd/api-prod.yaml
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: api-prod
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/team/api
        argocd-image-updater.argoproj.io/api.update-strategy: newest-build
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$
        argocd-image-updater.argoproj.io/api.ignore-tags: "*-rc*"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from gitops_guard.model import Finding, Location, Severity
from gitops_guard.rules.base import INVENTORY_SCOPE, RuleContext, configuration_of
from gitops_guard.updater.annotations import (
    PER_ALIAS_ONLY,
    UNREAD_OPTIONS,
    Semantics,
)
from gitops_guard.updater.checks import (
    constraint_ignored,
    entry_is_sound,
    is_git_method,
    pull_secret_problem,
    target_kind,
    widened_prerelease,
)
from gitops_guard.updater.config import (
    Application,
    Configuration,
    ImageConfig,
    UpdaterResource,
    Value,
    WriteBack,
    semantics_label,
)
from gitops_guard.updater.selection import (
    READS_MANIFESTS,
    resolve_strategy,
)
from gitops_guard.updater.tagfilters import (
    IgnoreTags,
    parse_allow_tags,
)

if TYPE_CHECKING:
    from gitops_guard.extract.inventory import Inventory

ID = "GG210"
NAME = "ineffective-setting"
SEVERITY = Severity.WARNING
SCOPE: Final = INVENTORY_SCOPE

Emit = tuple[str, Location, str | None, ImageConfig | None]


def check(inventory: Inventory, ctx: RuleContext) -> Iterator[Finding]:
    """Yield this rule's findings (see the module documentation)."""
    config = configuration_of(inventory, ctx.policy)
    found: list[Finding] = list(config.problems_for(ID))
    found.extend(_unread(config))
    for application in config.annotation_applications():
        for message, where, hint, image in _application(config.semantics, application):
            found.append(application.finding(ID, message, where, hint, image))
    for resource in config.resources:
        for message, where, hint, image in _resource(config.semantics, resource):
            found.append(resource.finding(ID, message, where, hint, image))
    yield from config.report(_unique(found))


def _unique(findings: list[Finding]) -> Iterator[Finding]:
    seen: set[tuple[Location, str, str | None]] = set()
    for finding in findings:
        key = (finding.location, finding.message, finding.environment)
        if key not in seen:
            seen.add(key)
            yield finding


def _unread(config: Configuration) -> Iterator[Finding]:
    """Annotations or resources this Image Updater version does not read at all."""
    semantics = config.semantics
    for application in config.applications:
        annotations = application.updater_annotations
        if annotations:
            first = application.image_list or annotations[0]
            where = first.value.key_location
            if not semantics.reads_annotations:
                yield application.finding(
                    ID,
                    f"Image Updater {semantics.label} reads no annotations: this Application's "
                    "Image Updater annotations have no effect",
                    where,
                    "configure an ImageUpdater resource (1.1+ can read these annotations with "
                    "applicationRefs[].useAnnotations: true)",
                )
            elif (
                semantics.v1
                and application.governed_by
                and not any(ref.annotations_mode for _r, ref in application.governed_by)
            ):
                resource, ref = application.governed_by[0]
                yield application.finding(
                    ID,
                    f"these annotations are ignored: {resource.resource} ({resource.path}) "
                    f"selects this Application with applicationRefs[{ref.index}] without "
                    "useAnnotations: true, so its images and settings come from the resource",
                    where,
                    "remove the annotations, or set useAnnotations: true on that applicationRef",
                )
        if len(application.governed_by) > 1:
            names = ", ".join(r.resource for r, _ in application.governed_by)
            yield application.finding(
                ID,
                f"{application.resource} is selected by several ImageUpdater resources ({names}); "
                "Image Updater does not reconcile them, and they fight over the images",
                application.location,
                "let exactly one resource select each Application",
            )
    if not semantics.v1:
        for resource in config.resources:
            yield resource.finding(
                ID,
                f"ImageUpdater resources need Image Updater 1.0+; with {semantics.label} (the "
                "policy's image_updater.version) nothing reads this resource",
                resource.location,
                "set image_updater.version in the policy, or use annotations",
            )


def _application(semantics: Semantics, application: Application) -> Iterator[Emit]:
    aliases = application.key_aliases(semantics)
    for annotation in application.updater_annotations:
        if annotation.error is not None:
            continue
        name = annotation.name
        value = annotation.value
        if name.option is None and annotation.suffix in PER_ALIAS_ONLY:
            yield (
                f"`{annotation.suffix}` is only read per image (`<alias>.{annotation.suffix}`); "
                "as an application-wide key Image Updater ignores it",
                value.key_location,
                None,
                None,
            )
            continue
        if name.option in UNREAD_OPTIONS:
            yield (
                f"`{annotation.suffix}` is declared by Image Updater but never read",
                value.key_location,
                None,
                None,
            )
            continue
        if name.option is None or (name.alias is not None and name.alias not in aliases):
            continue
        yield from _annotation_value(semantics, application, annotation.suffix, name.option, value)
    for image in application.annotation_images:
        yield from _image(semantics, image)
        for shadow in image.shadowed:
            yield (
                f"`{shadow.key}` is present but empty: Image Updater takes the first key that is "
                "present, so it hides the application-wide value and the default applies",
                shadow.key_location,
                "remove the empty annotation",
                image,
            )
        if image.helm_spec is not None:
            for unused in (image.helm_name, image.helm_tag):
                if unused is not None:
                    yield (
                        f"`{unused.key}` is not used: `{image.helm_spec.key}` is set, and the full "
                        "image spec takes precedence",
                        unused.key_location,
                        None,
                        image,
                    )
    yield from _write_back(application.annotation_write_back, "write-back-method")


def _annotation_value(
    semantics: Semantics, application: Application, suffix: str, option: str, value: Value
) -> Iterator[Emit]:
    if option == "tag-match":
        if semantics.reads_tag_match:
            yield (
                f"`{suffix}` is deprecated; Image Updater reads it only when allow-tags is empty",
                value.key_location,
                "rename it to `<alias>.allow-tags`",
                None,
            )
        else:
            yield (
                f"`{suffix}` is not read by Image Updater {semantics.label}",
                value.key_location,
                "rename it to `<alias>.allow-tags`",
                None,
            )
    elif option == "update-strategy":
        strategy = resolve_strategy(semantics.read(value.text))
        if strategy.old_name:
            yield (
                f"update strategy `{value.text}` is the deprecated name of `{strategy.name}`; "
                "Image Updater logs a warning on every run",
                value.location,
                f"write `{strategy.name}`",
                None,
            )
    elif option == "ignore-tags":
        yield from _ignore_patterns(value, tuple(p.strip() for p in value.text.split(",")))
    elif option == "allow-tags":
        yield from _allow(semantics, value)
    elif option == "force-update" and not semantics.force_update_parse_bool:
        meant_true = value.text.strip().lower() in ("true", "1", "yes", "y", "on", "t")
        if value.text != "true" and meant_true:
            yield (
                f"`{suffix}` is `{value.text}`: Image Updater 0.x only accepts the exact string "
                "`true` and reads anything else as false",
                value.location,
                'write "true"',
                None,
            )
    elif option == "pull-secret":
        problem = pull_secret_problem(value.text, semantics, application.namespace)
        if problem is not None and not problem[1]:
            yield (
                f"`{suffix}` {problem[0]}: Image Updater {semantics.label} warns and goes on "
                "without image credentials (1.2+ reports an error)",
                value.location,
                "e.g. pullsecret:<namespace>/<name>",
                None,
            )


def _ignore_patterns(value: Value, patterns: tuple[str, ...]) -> Iterator[Emit]:
    for pattern in IgnoreTags(patterns).regexp_like():
        yield (
            f"ignore-tags pattern `{pattern}` is a glob, not a regular expression: it only "
            "ignores a tag spelled exactly like that",
            value.location,
            "ignore-tags takes filepath.Match globs such as `*-rc*`; use allow-tags "
            "`regexp:...` to filter with a regular expression",
            None,
        )


def _allow(semantics: Semantics, value: Value) -> Iterator[Emit]:
    allow = parse_allow_tags(semantics.read(value.text))
    if allow.kind == "regexp" and not allow.anchored:
        yield (
            f"allow-tags `{value.text}` is unanchored: Image Updater searches it anywhere in the "
            "tag, so it also admits tags that merely contain a match",
            value.location,
            f"anchor it: `regexp:^{allow.pattern}$`",
            None,
        )


def _image(semantics: Semantics, image: ImageConfig) -> Iterator[Emit]:
    if not entry_is_sound(image):
        return  # misread entries are reported by GG202
    version = semantics_label(semantics)
    ignored = constraint_ignored(image, version)
    if ignored is not None:
        yield (
            f"the constraint `{image.entry.constraint}` of {image.label} is ignored by the "
            f"{ignored} strategy",
            image.location,
            "use allow-tags to limit which tags are considered",
            image,
        )
    strategy = resolve_strategy(image.settings(version).strategy)
    if image.platforms is not None and strategy.name not in READS_MANIFESTS:
        yield (
            f"platforms of {image.label} have no effect with the {strategy.name} strategy (only "
            "newest-build and digest read image manifests)",
            image.platforms.location,
            None,
            image,
        )
    constraint = image.entry.constraint
    if strategy.name == "semver" and constraint and "-" in constraint:
        example = widened_prerelease(constraint)
        if example is not None:
            yield (
                f"the constraint `{constraint}` of {image.label} admits `{example}`, a "
                "prerelease of a version it excludes: the `-0` opt-in lets prereleases of every "
                "version in range through, which also widens the upper bound",
                image.location,
                f"bound the prereleases explicitly, e.g. `<{example.split('-', 1)[0]}-0`",
                image,
            )


def _write_back(write_back: WriteBack, method_key: str) -> Iterator[Emit]:
    method = write_back.method
    git = is_git_method(method.text.strip() if method is not None else None)
    for value in (write_back.target, write_back.branch, write_back.repository):
        if value is not None and not git:
            how = f"`{method.text}`" if method is not None else "argocd (the default)"
            yield (
                f"`{value.key}` only applies to Git write-back, but the method is {how}: it has "
                "no effect",
                value.key_location,
                f"set {method_key}: git, or remove it",
                None,
            )
    if write_back.target is not None:
        _kind, misuse = target_kind(write_back.target.text)
        if misuse is not None:
            yield (misuse, write_back.target.location, None, None)


def _resource(semantics: Semantics, resource: UpdaterResource) -> Iterator[Emit]:
    if not semantics.v1:
        return
    for ref in resource.refs:
        if ref.annotations_mode and semantics.use_annotations:
            ignored = [v.key_location for v in [*ref.settings.values()] if v is not None]
            if ref.images or ignored:
                yield (
                    f"applicationRefs[{ref.index}] has useAnnotations: true, so Image Updater "
                    "reads the Application's annotations and ignores this ref's images and "
                    "settings",
                    ref.use_annotations.location if ref.use_annotations else ref.location,
                    None,
                    None,
                )
            continue
        for image in ref.images:
            yield from _image(semantics, image)
            if image.strategy is not None:
                strategy = resolve_strategy(image.strategy.text.strip())
                if strategy.old_name:
                    yield (
                        f"update strategy `{image.strategy.text}` is the deprecated name of "
                        f"`{strategy.name}`; Image Updater logs a warning on every run",
                        image.strategy.location,
                        f"write `{strategy.name}`",
                        image,
                    )
            if image.ignore_tags is not None:
                yield from _ignore_patterns(image.ignore_tags, image.ignore_tags.items)
            if image.allow_tags is not None:
                yield from _allow(semantics, image.allow_tags)
        yield from _write_back(ref.write_back.over(resource.write_back), "writeBackConfig.method")
