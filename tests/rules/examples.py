"""The examples of a rule's documentation, read from its docstring.

A rule's docstring is what `gitops-guard rules ID` prints and what docs/rules.md shows, so
the examples are written for people first. Each is a paragraph ending in ``::`` and an
indented block (see docs/design.md, "Rule examples"):

``Policy::``
    the ``.gitops-guard.yaml`` every example of the rule runs under (none: the defaults).
``History::``
    commits already on ``main`` (history rules), a YAML list like the examples below.
``Failing ...::`` / ``Passing ...::``
    one example; the text between the word and ``::`` is free, except that a backticked
    ```check --flag``` names options of the check that runs it (``--option=VALUE`` with a
    value).

An example is either files or commits:

* files: each starts with a header line ``# <path>`` (the header is not part of the file);
  the header ``# registry.example.com`` instead says what that registry serves: a YAML
  mapping of ``repository:tag`` to a build name, a list of builds pushed in that order, or
  ``{image: ..., signed: true, provenance: {source:, ref:, builder:}, created: ...}``
  (``created``: the image config's build time, null for none); or the word
  ``unreachable``.
* commits: a YAML list of ``{author, date, message, signed, files}``; ``files`` maps paths
  to their new text. ``date`` defaults to one day after the previous commit.

A finding is marked on its line by a comment ``# ← GG101`` (several ids: ``# ← GG101,
GG102``, then free text after ``:``), or by a comment line ``# ↑ GG002`` below a line that
cannot end in a comment. A Failing example marks its rule; a Passing example marks nothing.
"""

from __future__ import annotations

import datetime
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

REGISTRY_HOST = "registry.example.com"
KINDS = ("Policy", "History", "Failing", "Passing")
_LABEL = re.compile(r"(?P<kind>\w+)\b(?P<rest>.*)::\Z", re.DOTALL)
_HEADER = re.compile(r"# (?P<name>\S+)\Z")
_IDS = r"GG\d{3}(?:\s*,\s*GG\d{3})*"
_MARK = re.compile(rf"#\s*←\s*(?P<ids>{_IDS})")
_MARK_ABOVE = re.compile(rf"\s*#\s*↑\s*(?P<ids>{_IDS})")
_CHECK = re.compile(r"`check(?P<args>(?: --[a-z][a-z-]*(?:=[^\s`]+)?)*)`")
_COMMIT_KEYS = {"author", "date", "message", "signed", "files"}
FIRST_DATE = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)  # of the policy commit

Located = tuple[str, str, int]  # rule, path, line


def author(text: str) -> tuple[str, str]:
    """``Name <email>``, or a name whose email is made up at example.com."""
    match = re.fullmatch(r"(?P<name>.+?)\s*<(?P<email>[^>]+)>", text)
    if match:
        return match["name"], match["email"]
    return text, re.sub(r"\W+", ".", text.lower()).strip(".") + "@example.com"


DEFAULT_AUTHOR = author("Alice Martin")


class ExampleError(ValueError):
    """A documented example that does not follow the convention."""


@dataclass(frozen=True)
class Commit:
    """One commit of an example: who, when, what message, signed or not, which files."""

    author: tuple[str, str]
    date: datetime.datetime | None
    message: str
    signed: bool
    files: Mapping[str, str]


@dataclass(frozen=True)
class Example:
    """A Failing or Passing example and the findings it marks."""

    kind: str
    label: str
    files: Mapping[str, str]
    commits: tuple[Commit, ...]
    registry: Mapping[str, Any] | str | None  # what registry.example.com serves
    expected: frozenset[Located]
    check_args: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.kind}{self.label}"


@dataclass(frozen=True)
class Documented:
    """Every example of one rule's docstring."""

    policy: str | None
    history: tuple[Commit, ...]
    examples: tuple[Example, ...]


def literal_blocks(doc: str) -> Iterator[tuple[str, str]]:
    """(label, dedented text) of every ``label::`` paragraph followed by an indented block."""
    lines = doc.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.endswith("::") or index + 1 >= len(lines) or lines[index + 1].strip():
            index += 1
            continue
        start = index
        while start > 0 and lines[start - 1].strip():
            start -= 1
        label = " ".join(part.strip() for part in lines[start : index + 1])
        body: list[str] = []
        index += 2
        while index < len(lines) and (lines[index].startswith("    ") or not lines[index].strip()):
            body.append(lines[index])
            index += 1
        yield label, textwrap.dedent("\n".join(body)).strip("\n") + "\n"


def parse(rule_id: str, doc: str) -> Documented:
    """The examples of a rule's docstring; ExampleError when one breaks the convention."""
    policy: str | None = None
    history: tuple[Commit, ...] = ()
    examples: list[Example] = []
    for label, text in literal_blocks(doc):
        match = _LABEL.match(label)
        if match is None or match["kind"] not in KINDS:
            continue
        kind, rest = match["kind"], match["rest"]
        if kind == "Policy":
            policy = text
        elif kind == "History":
            history = _commits(text)
        else:
            examples.append(_example(rule_id, kind, rest, text))
    return Documented(policy, history, tuple(examples))


def _example(rule_id: str, kind: str, label: str, text: str) -> Example:
    args = tuple(a for m in _CHECK.finditer(label) for a in m["args"].split())
    if text.lstrip().startswith("- "):
        commits = _commits(text)
        files: Mapping[str, str] = {}
        registry = None
        expected = frozenset(found for commit in commits for found in _marks_in_files(commit.files))
    else:
        commits = ()
        files, registry = _files(text)
        expected = frozenset(_marks_in_files(files))
    marked = {rule for rule, _path, _line in expected}
    if kind == "Failing" and rule_id not in marked:
        raise ExampleError(f"{rule_id}: {kind}{label} marks no {rule_id} finding (# ← {rule_id})")
    if kind == "Passing" and marked:
        raise ExampleError(f"{rule_id}: {kind}{label} marks findings: {sorted(marked)}")
    return Example(kind, label, files, commits, registry, expected, args)


def _files(text: str) -> tuple[dict[str, str], Mapping[str, Any] | str | None]:
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header and _is_name(header["name"]):
            current = parts.setdefault(header["name"], [])
        elif current is None:
            raise ExampleError(f"a files example starts with a `# <path>` line, not {line!r}")
        else:
            current.append(line)
    files = {name: "\n".join(lines).strip("\n") + "\n" for name, lines in parts.items()}
    registry = files.pop(REGISTRY_HOST, None)
    return files, (yaml.safe_load(registry) if registry is not None else None)


def _is_name(name: str) -> bool:
    return name == REGISTRY_HOST or "/" in name or name.endswith((".yaml", ".yml", ".json"))


def _marks_in_files(files: Mapping[str, str]) -> Iterator[Located]:
    for path, text in files.items():
        yield from marks(path, text)


def marks(path: str, text: str) -> Iterator[Located]:
    """The findings a file's comments mark: ``# ← ID`` on the line, ``# ↑ ID`` below it."""
    target = 0
    for number, line in enumerate(text.splitlines(), start=1):
        above = _MARK_ABOVE.match(line)
        if above is not None:
            if target == 0:
                raise ExampleError(f"{path}: `# ↑` on the first line points at nothing")
            yield from ((rule, path, target) for rule in _ids(above["ids"]))
            continue
        target = number
        mark = _MARK.search(line)
        if mark is not None:
            yield from ((rule, path, number) for rule in _ids(mark["ids"]))


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]


def _commits(text: str) -> tuple[Commit, ...]:
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, list) or not all(isinstance(c, dict) for c in loaded):
        raise ExampleError("commits are a YAML list of mappings")
    commits = []
    for entry in loaded:
        unknown = set(entry) - _COMMIT_KEYS
        if unknown or "message" not in entry or not isinstance(entry.get("files", {}), dict):
            raise ExampleError(f"a commit has {sorted(_COMMIT_KEYS)}, message required: {entry}")
        commits.append(
            Commit(
                author(str(entry["author"])) if "author" in entry else DEFAULT_AUTHOR,
                _date(entry.get("date")),
                str(entry["message"]),
                bool(entry.get("signed", False)),
                {str(path): str(content) for path, content in entry.get("files", {}).items()},
            )
        )
    return tuple(commits)


def _date(value: object) -> datetime.datetime | None:
    if value is None:
        return None
    moment = (
        value
        if isinstance(value, datetime.datetime)
        else datetime.datetime.fromisoformat(str(value))
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
