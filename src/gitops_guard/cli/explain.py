"""``gitops-guard explain``: which tag Argo CD Image Updater would pick, and why.

Only click is imported at module level; everything else is imported when the command runs,
so registering the command costs the other commands nothing at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitops_guard.cli.options import (
    repo_option,
)
from gitops_guard.errors import EXIT_OK

if TYPE_CHECKING:
    from gitops_guard.parse.loader import LoadedFile
    from gitops_guard.repo.workspace import Workspace
    from gitops_guard.updater.explain import Target
    from gitops_guard.updater.selection import TagInfo


@click.command()
@click.option(
    "--app",
    "app_file",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Application (or ImageUpdater) file whose Image Updater settings to use.",
)
@click.option("--alias", metavar="A", default=None, help="With --app: the image to explain.")
@click.option(
    "--image",
    metavar="IMAGE",
    default=None,
    help="Image written like an image-list entry: [alias=]image[:constraint].",
)
@click.option("--strategy", metavar="S", default=None, help="semver (default), newest-build, ...")
@click.option("--constraint", metavar="C", default=None, help="Semver constraint, e.g. ~1.4.")
@click.option("--allow-tags", metavar="V", default=None, help="any, or regexp:<RE2 pattern>.")
@click.option("--ignore-tags", metavar="V", default=None, help="Comma-separated globs.")
@click.option("--platforms", metavar="V", default=None, help="Comma-separated os/arch[/variant].")
@click.option(
    "--updater-version",
    metavar="V",
    default=None,
    help="Image Updater semantics, 0.1 to 1.3 (default: the policy's, else 1.3).",
)
@click.option("--running-tag", metavar="T", default=None, help="The tag running now.")
@click.option("--tags", metavar="T1,T2,...", default=None, help="The tags to choose from.")
@click.option(
    "--tags-file",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help='One tag a line, or JSON: tags or {"tag", "created", "digest"} objects.',
)
@click.option("--registry", is_flag=True, help="Read the tags from the registry.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The verdict for people, or JSON (selected, error, every candidate).",
)
@repo_option("Repository (for the policy and ImageUpdater resources; default: around the cwd).")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Policy file to use instead of .gitops-guard.yaml at the repository root.",
)
def explain(
    app_file: Path | None,
    alias: str | None,
    image: str | None,
    strategy: str | None,
    constraint: str | None,
    allow_tags: str | None,
    ignore_tags: str | None,
    platforms: str | None,
    updater_version: str | None,
    running_tag: str | None,
    tags: str | None,
    tags_file: Path | None,
    registry: bool,
    output_format: str,
    repo: Path | None,
    policy_file: Path | None,
) -> int:
    """Show which tag Argo CD Image Updater would pick, and why each other tag was left out.

    Settings come from an Application (--app FILE, its annotations or the ImageUpdater
    resource that selects it) or from options (--image with --strategy, --constraint, ...);
    options given with --app replace the file's settings. Tags come from --tags or
    --tags-file. Exit 0 when Image Updater would evaluate the image (even if it selects
    nothing), 2 when it would report an error for it.
    """
    from gitops_guard.errors import GuardError
    from gitops_guard.updater.explain import ExplainError
    from gitops_guard.updater.explain import explain as run_explain

    _check_usage(app_file, alias, image, tags, tags_file, registry)
    workspace = _workspace(repo, policy_file) if (app_file or not updater_version) else None
    version = _version(updater_version, workspace)
    options: dict[str, Any] = {
        "strategy": strategy,
        "constraint": constraint,
        "allow_tags": allow_tags,
        "ignore_tags": ignore_tags,
        "platforms": platforms,
        "running_tag": running_tag,
    }
    try:
        if app_file is not None:
            target = _app_target(app_file, alias, version, workspace, options)
        else:
            assert image is not None
            from gitops_guard.updater.explain import target_from_options

            target = target_from_options(image, version=version, **options)
        tag_list = _registry_tags(target, workspace, repo) if registry else _tags(tags, tags_file)
    except ExplainError as exc:
        raise GuardError(exc.message, exc.hint) from None
    result = run_explain(target, tag_list)
    if output_format == "json":
        from gitops_guard.formats import explain_json

        click.echo(explain_json.render(result), nl=False)
    else:
        from gitops_guard.formats import explain_text

        click.echo(explain_text.render(result), nl=False)
    if result.error is not None:
        raise GuardError(
            f"Image Updater would report an error for {target.image}: {result.error}",
            "fix the setting it names; `gitops-guard validate` locates it in the repository",
        )
    return EXIT_OK


def _check_usage(
    app_file: Path | None,
    alias: str | None,
    image: str | None,
    tags: str | None,
    tags_file: Path | None,
    registry: bool,
) -> None:
    from gitops_guard.errors import GuardError

    if app_file is None and image is None:
        raise GuardError(
            "explain needs --app FILE or --image IMAGE",
            "e.g. gitops-guard explain --image 'nginx:~1.27' --tags 1.27.1,1.27.3,1.28.0",
        )
    if app_file is not None and image is not None:
        raise GuardError("--app and --image exclude each other; give one of them")
    if alias is not None and app_file is None:
        raise GuardError("--alias chooses an image of --app FILE; with --image write alias=image")
    given = [name for name, value in (("--tags", tags), ("--tags-file", tags_file)) if value]
    if registry:
        given.append("--registry")
    if not given:
        raise GuardError(
            "explain needs the tags to choose from",
            "give --tags T1,T2,..., --tags-file FILE (one tag a line, or JSON) or --registry",
        )
    if len(given) > 1:
        raise GuardError(f"{' and '.join(given)} exclude each other; give one of them")


def _workspace(repo: Path | None, policy_file: Path | None) -> Workspace:
    """The repository around the cwd (or the cwd), for its policy and ImageUpdater
    resources: explain works on the files it is named, anywhere."""
    from gitops_guard.repo.workspace import open_workspace

    # The "no policy file" note is about validation; explain does not need to say it.
    return open_workspace(repo, policy_file, anywhere=True)


def _version(updater_version: str | None, workspace: Workspace | None) -> str:
    from gitops_guard.errors import GuardError
    from gitops_guard.updater.annotations import (
        NEWEST_VERSION,
        parse_updater_version,
    )

    if updater_version is None:
        return workspace.policy.updater_version if workspace is not None else NEWEST_VERSION
    try:
        parse_updater_version(updater_version)
    except ValueError as exc:
        raise GuardError(f"--updater-version: {exc}") from None
    return updater_version.strip().removeprefix("v")


def _registry_tags(target: Target, workspace: Workspace | None, repo: Path | None) -> list[TagInfo]:
    """The repository's tags from its registry, with creation dates where they matter."""
    import json

    from gitops_guard.cli.supply import registry_tags
    from gitops_guard.updater.explain import parse_tags_text
    from gitops_guard.updater.selection import resolve_strategy

    if workspace is None:
        workspace = _workspace(repo, None)
    strategy = resolve_strategy(target.settings.strategy)
    dated = strategy.name in ("newest-build", "digest")
    records = registry_tags(target.image, workspace.policy, workspace.root, created=dated)
    return parse_tags_text(json.dumps(records), "the registry")


def _tags(tags: str | None, tags_file: Path | None) -> list[TagInfo]:
    from gitops_guard.updater.explain import (
        parse_tags_option,
        read_tags_file,
    )

    if tags_file is not None:
        return read_tags_file(tags_file)
    return parse_tags_option(tags or "")


def _resources(workspace: Workspace | None, skip: str | None) -> dict[str, LoadedFile]:
    """The ImageUpdater resources of the repository (files that mention the kind)."""
    if workspace is None:
        return {}
    from gitops_guard.parse.loader import load_yaml
    from gitops_guard.repo.files import is_yaml_path

    found: dict[str, LoadedFile] = {}
    source = workspace.source
    limit = workspace.policy.max_file_size
    for path in source.list_files():
        if path == skip or not is_yaml_path(path):
            continue
        try:
            data = source.read(path)
        except OSError:
            continue
        if len(data) <= limit and b"ImageUpdater" in data:
            found[path] = load_yaml(path, data, max_bytes=limit)
    return found


def _app_target(
    app_file: Path,
    alias: str | None,
    version: str,
    workspace: Workspace | None,
    options: dict[str, Any],
) -> Target:
    from gitops_guard.updater.explain import (
        ExplainError,
        choose_target,
        override,
        targets_from_file,
    )

    try:
        data = app_file.read_bytes()
    except OSError as exc:
        raise ExplainError(f"{app_file}: cannot read the file: {exc.strerror or exc}") from None
    display = str(app_file)
    place = None
    if workspace is not None:
        try:
            display = app_file.resolve().relative_to(workspace.root).as_posix()
        except ValueError:
            display = str(app_file)
        place = workspace.policy.layout.place
    resources = _resources(workspace, display)
    targets = targets_from_file(display, data, version, resources, place)
    target = choose_target(targets, alias)
    return override(target, **options)
