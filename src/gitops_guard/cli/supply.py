"""Command-line side of the supply-chain gates: ``pin``, and helpers other commands call.

``supply_findings`` is what ``validate --supply-chain`` and ``check`` call to add the
GG5xx findings to their report (through ``engine.run_rules(..., extra=...)``);
``registry_tags`` is what ``explain --registry`` calls. Only click is imported at module
level: the registry client, cryptography and sigstore load when a command needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitops_guard.cli.options import (
    repo_option,
)
from gitops_guard.words import count

if TYPE_CHECKING:
    from gitops_guard.policy.model import Policy
    from gitops_guard.supply.registry import ClientSettings


def registry_tags(
    image: str, policy: Policy, root: Path, *, created: bool = True
) -> list[dict[str, Any]]:
    """The tags of an image's repository as ``{"tag", "created", "digest"}`` records.

    ``created`` (ISO 8601 from the image config, of the policy's platform for a
    multi-arch image) costs two more requests per tag; pass False when only tags are
    needed. ``image`` may carry a tag, digest or Image Updater constraint, which are
    ignored. Raises GuardError when the image name is invalid or the registry cannot be
    asked.
    """
    from concurrent.futures import ThreadPoolExecutor

    from gitops_guard.errors import GuardError
    from gitops_guard.supply.registry import (
        RegistryClient,
        RegistryError,
    )

    ref = _repository_of(image)
    with RegistryClient(_client_settings(policy, root)) as client:
        try:
            tags = client.list_tags(ref.registry, ref.repository)

            def record(tag: str) -> dict[str, Any]:
                return _tag_record(client, ref.registry, ref.repository, tag, created)

            with ThreadPoolExecutor(max_workers=8) as pool:
                return list(pool.map(record, tags))
        except RegistryError as exc:
            raise GuardError(
                f"cannot read the tags of {ref.name}: {exc}",
                "check the registry name and your `docker login`, or give the tags with --tags",
            ) from None


def _repository_of(image: str) -> Any:
    from gitops_guard.errors import GuardError
    from gitops_guard.imageref import InvalidReference, parse_reference

    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    try:
        return parse_reference(name)
    except InvalidReference as exc:
        raise GuardError(str(exc)) from None


def _tag_record(
    client: Any, registry: str, repository: str, tag: str, created: bool
) -> dict[str, Any]:
    import json

    from gitops_guard.supply.registry import select_platform

    descriptor = client.head_manifest(registry, repository, tag)
    record: dict[str, Any] = {
        "tag": tag,
        "created": None,
        "digest": descriptor.digest if descriptor else None,
    }
    if not created or descriptor is None:
        return record
    manifest = client.get_manifest(registry, repository, descriptor.digest)
    if manifest is not None and manifest.descriptor.is_index:
        platform = select_platform(manifest.data, client.settings.platform)
        manifest = client.get_manifest(registry, repository, platform.digest) if platform else None
    config = manifest.data.get("config") if manifest is not None else None
    if isinstance(config, dict) and isinstance(config.get("digest"), str):
        try:
            data = json.loads(client.get_blob(registry, repository, config["digest"]))
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("created"), str):
            record["created"] = data["created"]
    return record


@click.command("pin")
@click.argument("paths", nargs=-1)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Only report what would be pinned; exit 1 when something is not pinned.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Send no request (with --check: list the unpinned tags without resolving them).",
)
@repo_option("Repository to work on (default: the Git work tree around the current directory).")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Policy file to use instead of .gitops-guard.yaml at the repository root.",
)
def pin(
    paths: tuple[str, ...],
    check_only: bool,
    offline: bool,
    repo: Path | None,
    policy_file: Path | None,
) -> int:
    """Pin image tags to the digests the registry serves now (tag@sha256:…), in place.

    Kustomize overrides get a `digest:` key, Helm values a `digest` key next to `tag`,
    plain manifests `image: name:tag@sha256:…`. Comments, key order and formatting are
    kept byte for byte. With PATHS, only images written in those files.
    """
    from gitops_guard.errors import EXIT_FINDINGS, EXIT_OK, GuardError
    from gitops_guard.extract.inventory import extract
    from gitops_guard.repo.workspace import (
        open_workspace,
        select_paths,
    )
    from gitops_guard.supply.pin import candidates

    workspace = open_workspace(repo, policy_file, anywhere=bool(paths))
    selected: list[str] | None = None
    if paths:
        selection = select_paths(workspace, paths)
        for message in selection.refused + selection.skipped:
            click.echo(f"gitops-guard: {message}", err=True)
        if selection.refused:
            raise GuardError("some paths cannot be pinned; nothing was written")
        selected = selection.files
    inventory = extract(workspace.source, workspace.policy, selected)
    chosen = [u for u in candidates(inventory.uses) if selected is None or u.path in selected]
    if offline:
        if not check_only:
            raise GuardError(
                "pin needs the registry to resolve tags to digests",
                "run without --offline, or use --check --offline to list unpinned tags",
            )
        for use in chosen:
            shown = use.reference.familiar() if use.reference else use.raw
            click.echo(f"{use.location}: {shown} is not pinned by digest")
        click.echo(f"{count(len(chosen), 'image')} not pinned (offline: digests not resolved)")
        return EXIT_FINDINGS if chosen else EXIT_OK

    texts, pins = _resolve_and_pin(workspace, chosen)
    for item in pins:
        if item.problem:
            click.echo(f"{item.location}: {item.image}: {item.problem}")
        else:
            verb = "would pin" if check_only else "pinned"
            click.echo(f"{item.location}: {verb} {item.image} to {item.digest}")
    done = sum(1 for p in pins if p.problem is None)
    failed = len(pins) - done
    if check_only:
        click.echo(
            f"{count(done, 'image')} would be pinned in {count(len(texts), 'file')}; "
            f"{failed} cannot be"
        )
        return EXIT_FINDINGS if pins else EXIT_OK
    from gitops_guard.repo.atomic import write_atomically

    for path, text in texts.items():
        write_atomically(workspace.root / path, text)
    click.echo(
        f"pinned {count(done, 'image')} in {count(len(texts), 'file')}"
        + (f"; {failed} not" if failed else "")
    )
    return EXIT_FINDINGS if failed else EXIT_OK


def _client_settings(policy: Policy, root: Path) -> ClientSettings:
    """The registry client settings of a policy's ``supply_chain.registry`` (as the gates')."""
    from gitops_guard.supply.registry import settings_from_policy

    return settings_from_policy(policy.supply_chain.registry, root)


def _resolve_and_pin(workspace: Any, uses: list[Any]) -> tuple[dict[str, str], list[Any]]:
    from gitops_guard.errors import GuardError
    from gitops_guard.supply.pin import pin_files
    from gitops_guard.supply.registry import (
        RegistryClient,
        RegistryError,
    )

    with RegistryClient(_client_settings(workspace.policy, workspace.root)) as client:

        def resolve(ref: Any) -> str | None:
            descriptor = client.head_manifest(ref.registry, ref.repository, ref.tag)
            return descriptor.digest if descriptor is not None else None

        try:
            return pin_files(uses, workspace.source.read, resolve)
        except RegistryError as exc:
            raise GuardError(
                f"cannot resolve tags: {exc}; nothing was written",
                "check the registry and your `docker login`; "
                "supply_chain.registry.insecure lists plain-HTTP registries",
            ) from None
