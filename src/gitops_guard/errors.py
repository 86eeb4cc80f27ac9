"""Errors that stop a run, and the exit codes the command line maps them to.

Findings are data, not exceptions: an exception here means "could not run".
``cli.main`` catches them once and prints ``gitops-guard: error: <message>`` plus an
optional ``  hint: <what to do>``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class GuardError(Exception):
    """A problem that stops the run: bad usage, configuration or input (exit code 2)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class PolicyError(GuardError):
    """The policy file is missing a key, has a wrong value or cannot be parsed."""


class InputError(GuardError):
    """A path or file handed to the tool cannot be used (outside the repository, unreadable)."""


class GitError(GuardError):
    """Git could not answer (not a repository, unknown revision, shallow clone...)."""
