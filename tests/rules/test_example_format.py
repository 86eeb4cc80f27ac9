"""How a rule's docstring examples are read (the convention test_examples.py runs)."""

from __future__ import annotations

import datetime
import textwrap

import pytest

from tests.rules.examples import ExampleError, parse


def doc(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def test_files_are_named_by_a_header_and_findings_marked_on_their_line() -> None:
    documented = parse(
        "GG002",
        doc(
            """
            Summary.

            Policy::

                version: 1

            Failing (two files)::

                # apps/web/prod/values.yaml
                image: nginx:latest  # gitops-guard: ignore[GG102]
                # ↑ GG002, GG102: no reason

                # apps/api/prod/values.yaml
                image: nginx        # ← GG101

            Passing::

                # apps/web/prod/values.yaml
                image: nginx:1.27
            """
        ),
    )
    assert documented.policy == "version: 1\n"
    failing, passing = documented.examples
    assert (failing.kind, failing.label, passing.kind) == ("Failing", " (two files)", "Passing")
    assert failing.files == {
        "apps/web/prod/values.yaml": (
            "image: nginx:latest  # gitops-guard: ignore[GG102]\n# ↑ GG002, GG102: no reason\n"
        ),
        "apps/api/prod/values.yaml": "image: nginx        # ← GG101\n",
    }
    assert failing.expected == {
        ("GG002", "apps/web/prod/values.yaml", 1),
        ("GG102", "apps/web/prod/values.yaml", 1),
        ("GG101", "apps/api/prod/values.yaml", 1),
    }
    assert passing.expected == frozenset()
    assert failing.registry is None


def test_a_registry_section_says_what_registry_example_com_serves() -> None:
    documented = parse(
        "GG501",
        doc(
            """
            Failing::

                # registry.example.com
                team/api:1.4.2: [build-1, build-2]

                # apps/api/prod/values.yaml
                image: registry.example.com/team/api:1.4.3  # ← GG501

            Passing::

                # registry.example.com
                unreachable

                # apps/api/prod/values.yaml
                image: registry.example.com/team/api:1.4.2
            """
        ),
    )
    failing, passing = documented.examples
    assert failing.registry == {"team/api:1.4.2": ["build-1", "build-2"]}
    assert list(failing.files) == ["apps/api/prod/values.yaml"]
    assert passing.registry == "unreachable"


def test_history_examples_are_commits_and_the_label_may_name_check_options() -> None:
    documented = parse(
        "GG305",
        doc(
            """
            History::

                - message: First
                  files: {apps/api/prod/values.yaml: "image: api:1.0.0"}

            Failing (pushed: `check --direct`)::

                - author: argocd-image-updater <noreply@argoproj.io>
                  date: 2026-03-10T15:00Z
                  message: Bump
                  signed: true
                  files:
                    apps/api/prod/values.yaml: |
                      image: api:1.1.0   # ← GG305
            """
        ),
    )
    (history,) = documented.history
    assert history.author == ("Alice Martin", "alice.martin@example.com")
    assert history.date is None
    (failing,) = documented.examples
    (commit,) = failing.commits
    assert commit.author == ("argocd-image-updater", "noreply@argoproj.io")
    assert commit.date == datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
    assert commit.signed
    assert failing.check_args == ("--direct",)
    assert failing.expected == {("GG305", "apps/api/prod/values.yaml", 1)}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Failing::\n\n    # a/values.yaml\n    image: nginx\n", "marks no GG101 finding"),
        ("Passing::\n\n    # a/values.yaml\n    image: nginx  # ← GG101\n", "marks findings"),
        ("Failing::\n\n    image: nginx  # ← GG101\n", "starts with a `# <path>` line"),
        ("Failing::\n\n    - files: {}\n", "message required"),
    ],
)
def test_examples_that_break_the_convention_are_refused(text: str, error: str) -> None:
    with pytest.raises(ExampleError, match=error):
        parse("GG101", text)
