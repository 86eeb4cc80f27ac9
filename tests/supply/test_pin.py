"""`pin`: tags become digests in place; every other byte of the file stays as it was."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_guard.cli.supply import pin
from gitops_guard.errors import GuardError
from gitops_guard.extract.inventory import extract
from gitops_guard.imageref import ImageRef, parse_reference
from gitops_guard.model import ImageUse, Location, Source
from gitops_guard.policy.model import default_policy
from gitops_guard.repo.files import DiskSource
from gitops_guard.supply.pin import Change, pin_files, set_references
from tests.supply.helpers import LocalRegistry, Pusher

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "supply" / "pin"


def fake_digest(ref: ImageRef) -> str | None:
    if ref.tag == "missing":
        return None
    return "sha256:" + hashlib.sha256((ref.tag or "").encode()).hexdigest()


def pin_tree(root: Path) -> tuple[dict[str, str], list[object]]:
    source = DiskSource(root)
    inventory = extract(source, default_policy())
    return pin_files(inventory.uses, source.read, fake_digest)  # type: ignore[return-value]


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_golden(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    root = tmp_path / "repo"
    shutil.copytree(GOLDEN / "before", root)
    texts, pins = pin_tree(root)
    for path, text in texts.items():
        (root / path).write_bytes(text.encode())
    if request.config.getoption("--update-goldens"):
        shutil.rmtree(GOLDEN / "after", ignore_errors=True)
        shutil.copytree(root, GOLDEN / "after")
    assert files_of(root) == files_of(GOLDEN / "after")
    assert [p.problem for p in pins] == [None] * 5  # type: ignore[attr-defined]
    # Only insertions: removing what was written gives the original bytes back.
    before = files_of(GOLDEN / "before")
    for path, data in files_of(root).items():
        text = data.decode()
        for item in pins:
            written = item.written  # type: ignore[attr-defined]
            if item.location.path == path and written:  # type: ignore[attr-defined]
                if written.startswith("digest:"):
                    lines = text.splitlines(keepends=True)
                    text = "".join(line for line in lines if line.strip() != written)
                else:
                    text = text.replace(written, "", 1)
        assert text.encode() == before[path], path


def test_crlf_and_no_final_newline_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "charts" / "web").mkdir(parents=True)
    values = root / "charts" / "web" / "values.yaml"
    values.write_bytes(b"image:\r\n  repository: registry.example.com/team/web\r\n  tag: 3.1.0")
    texts, _pins = pin_tree(root)
    digest = fake_digest(ImageRef("", "", "", "3.1.0", None))
    assert texts["charts/web/values.yaml"] == (
        f"image:\r\n  repository: registry.example.com/team/web\r\n  tag: 3.1.0\r\n  digest: {digest}"
    )


def test_forms_pin_cannot_edit_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "apps" / "web").mkdir(parents=True)
    (root / "apps" / "web" / "app.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: web
            spec:
              source:
                path: apps/web
                helm:
                  parameters:
                    - name: image.repository
                      value: registry.example.com/team/web
                    - name: image.tag
                      value: "3.1.0"
            """
        )
    )
    (root / "deploy.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: a, image: registry.example.com/team/a:missing}\n"
        "    - {name: b, image: registry.example.com/team/b:1.0}\n"
    )
    texts, pins = pin_tree(root)
    problems = {(p.location.path, p.problem) for p in pins if p.problem}  # type: ignore[attr-defined]
    assert ("deploy.yaml", "not pinned: the tag does not exist") in problems
    assert any(
        path == "apps/web/app.yaml" and "by hand" in (problem or "") for path, problem in problems
    )
    assert texts["deploy.yaml"].endswith(
        f"image: registry.example.com/team/b:1.0@{fake_digest(ImageRef('', '', '', '1.0', None))}}}\n"
    )
    assert "apps/web/app.yaml" not in texts


# --- the command, against the real registry ------------------------------------------------------


@pytest.fixture
def gitops_repo(tmp_path: Path, registry: LocalRegistry, pusher: Pusher) -> tuple[Path, str]:
    api = pusher.image("pin/api", "1.4.2", "pin-api")
    pusher.image("pin/web", "3.1.0", "pin-web")
    root = tmp_path / "gitops"
    (root / "apps" / "api").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitops-guard.yaml").write_text(
        'version: 1\nsupply_chain:\n  registry: {insecure: ["127.0.0.1:*"]}\n'
    )
    (root / "apps" / "api" / "deployment.yaml").write_text(
        textwrap.dedent(
            f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: api}}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: {registry.host}/pin/api:1.4.2   # release
                    - name: web
                      image: "{registry.host}/pin/web:3.1.0"
            """
        )
    )
    return root, api.digest


def test_pin_command(gitops_repo: tuple[Path, str]) -> None:
    root, api_digest = gitops_repo
    manifest = root / "apps" / "api" / "deployment.yaml"
    original = manifest.read_bytes()
    runner = CliRunner()  # not standalone: a command's return value is its exit code

    checked = runner.invoke(pin, ["--check", "--repo", str(root)], standalone_mode=False)
    assert checked.return_value == 1, checked.output
    assert "would pin" in checked.output
    assert "2 images would be pinned in 1 file" in checked.output
    assert manifest.read_bytes() == original

    offline = runner.invoke(
        pin, ["--check", "--offline", "--repo", str(root)], standalone_mode=False
    )
    assert offline.return_value == 1
    assert "2 images not pinned" in offline.output
    refused = runner.invoke(pin, ["--offline", "--repo", str(root)], standalone_mode=False)
    assert isinstance(refused.exception, GuardError)
    assert manifest.read_bytes() == original

    done = runner.invoke(pin, ["--repo", str(root)], standalone_mode=False)
    assert done.return_value == 0, done.output
    assert "pinned 2 images in 1 file" in done.output
    text = manifest.read_text()
    assert f"/pin/api:1.4.2@{api_digest}   # release\n" in text
    assert text.replace(f"@{api_digest}", "").count("@sha256:") == 1

    again = runner.invoke(pin, ["--check", "--repo", str(root)], standalone_mode=False)
    assert again.return_value == 0
    assert "0 images would be pinned" in again.output


def test_pin_with_registry_down_writes_nothing(tmp_path: Path, own_registry: LocalRegistry) -> None:
    root = tmp_path / "gitops"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitops-guard.yaml").write_text(
        'version: 1\nsupply_chain:\n  registry: {insecure: ["127.0.0.1:*"]}\n'
    )
    manifest = root / "pod.yaml"
    manifest.write_text(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n"
        f"    - {{name: a, image: {own_registry.host}/down/a:1.0}}\n"
    )
    own_registry.stop()
    result = CliRunner().invoke(pin, ["--repo", str(root)], standalone_mode=False)
    assert isinstance(result.exception, GuardError)
    assert "nothing was written" in result.exception.message
    assert "@sha256" not in manifest.read_text()


def test_argo_cd_kustomize_image_strings(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "apps" / "web").mkdir(parents=True)
    app = root / "apps" / "web" / "app.yaml"
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\n"
        "spec:\n  source:\n    path: apps/web\n    kustomize:\n      images:\n"
        "        - registry.example.com/team/web:3.1.0  # plain\n"
        '        - "web=registry.example.com/team/web2:3.2.0"\n'
    )
    texts, _pins = pin_tree(root)
    web, web2 = (fake_digest(ImageRef("", "", "", t, None)) for t in ("3.1.0", "3.2.0"))
    assert texts["apps/web/app.yaml"].endswith(
        f"        - registry.example.com/team/web:3.1.0@{web}  # plain\n"
        f'        - "web=registry.example.com/team/web2:3.2.0@{web2}"\n'
    )


# --- the general edit promote makes (set_references) -----------------------------------------


def use_at(line: int, column: int, raw: str, source: Source = Source.KUSTOMIZE) -> ImageUse:
    return ImageUse(Location("f.yaml", line, column), source, raw, parse_reference(raw))


IMAGES = """\
images:
  - {name: registry.example.com/team/a, newTag: '2.0.0'}   # flow
  - name: registry.example.com/team/b
    newTag: 1.0.0
    digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
"""
A = "registry.example.com/team/a:2.0.0"
B = "registry.example.com/team/b:1.0.0@sha256:" + "a" * 64
DIGEST = "sha256:" + "d" * 64


def test_a_flow_entry_gets_its_tag_and_digest_in_line() -> None:
    text, (edit,) = set_references(IMAGES, [Change(use_at(2, 49, A), "2.1.0", DIGEST)])
    assert edit.problem is None
    assert text.splitlines()[1] == (
        f"  - {{name: registry.example.com/team/a, newTag: '2.1.0', digest: {DIGEST}}}   # flow"
    )
    assert text.splitlines()[2:] == IMAGES.splitlines()[2:]


def test_a_plain_tag_that_yaml_reads_as_another_type_is_quoted() -> None:
    text, (edit,) = set_references(IMAGES, [Change(use_at(4, 13, B), "on", None)])
    assert edit.problem is None
    assert '    newTag: "on"\n' in text
    assert "digest:" not in text  # the digest's line went with it


def test_what_the_patcher_cannot_do_is_named_and_nothing_is_written() -> None:
    cases = [
        (Change(use_at(9, 1, A), "2.1.0", None), "the location is outside the file"),
        (Change(use_at(3, 11, B), "2.1.0", None), "neither a tag nor a digest"),
    ]
    flow_digest = IMAGES.replace("newTag: '2.0.0'}", f"newTag: '2.0.0', digest: {DIGEST}}}")
    text, (edit,) = set_references(
        flow_digest, [Change(use_at(2, 49, A + "@" + DIGEST), "2.0.0", None)]
    )
    assert (text, edit.problem) == (
        flow_digest,
        "the digest cannot be taken out here; change it by hand",
    )
    for change, problem in cases:
        text, (edit,) = set_references(IMAGES, [change])
        assert text == IMAGES
        assert problem in (edit.problem or "")
    text, (edit,) = set_references("a: [\n", [Change(use_at(1, 1, A), "2.1.0", None)])
    assert (edit.problem or "").startswith("cannot be edited: not valid YAML")
    both = [Change(use_at(4, 13, B), "1.1.0", None), Change(use_at(4, 13, B), "1.2.0", None)]
    text, edits = set_references(IMAGES, both)
    assert text == IMAGES
    assert [e.problem for e in edits] == ["two changes of one value"] * 2


def test_a_parameter_takes_its_tag_but_not_a_digest() -> None:
    parameters = "helm:\n  parameters:\n  - name: image.tag\n    value: '3.0.0'\n"
    use = use_at(4, 12, "registry.example.com/team/web:3.0.0", Source.WRITE_BACK)
    text, (edit,) = set_references(parameters, [Change(use, "3.1.0", None)])
    assert (text, edit.problem) == (parameters.replace("'3.0.0'", "'3.1.0'"), None)
    text, (edit,) = set_references(parameters, [Change(use, "3.1.0", DIGEST)])
    assert text == parameters
    assert edit.problem == "the digest of a parameter is another parameter; change it by hand"


def test_a_container_image_string_keeps_its_name_as_written() -> None:
    manifest = "containers:\n  - name: a\n    image: 'docker.io/library/nginx:1.25'  # web\n"
    use = use_at(3, 12, "docker.io/library/nginx:1.25", Source.CONTAINER)
    text, (edit,) = set_references(manifest, [Change(use, "1.27", DIGEST)])
    assert edit.problem is None
    assert text == manifest.replace("nginx:1.25", f"nginx:1.27@{DIGEST}")
    assert (edit.before, edit.after) == (
        "docker.io/library/nginx:1.25",
        f"docker.io/library/nginx:1.27@{DIGEST}",
    )
    unchanged, (same,) = set_references(manifest, [Change(use, "1.25", None)])
    assert (unchanged, same.problem, same.after) == (manifest, None, "")
