"""RE2 regular expressions for everything a user writes (tag patterns, allow-tags).

RE2 matches in linear time, so a hostile pattern cannot hang a hook, and it is the
syntax Argo CD Image Updater itself accepts (Go's ``regexp``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any


class InvalidRegex(ValueError):
    """A pattern RE2 does not accept; ``reason`` is RE2's own explanation."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"invalid RE2 regular expression {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


@lru_cache(maxsize=512)
def compile_re2(pattern: str) -> Any:
    """Compile ``pattern`` with RE2, raising :class:`InvalidRegex` with RE2's reason.

    RE2's default is to log every compile error to stderr through absl, which would
    leak into our output; the options below turn that off so the error only arrives
    as the exception.
    """
    import re2

    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = str(exc.args[0]) if exc.args else str(exc)
        if isinstance(exc.args[0] if exc.args else None, bytes):
            reason = exc.args[0].decode("utf-8", "replace")
        raise InvalidRegex(pattern, reason) from None


def search(pattern: str, text: str) -> bool:
    """True when ``pattern`` matches anywhere in ``text`` (Go ``MatchString`` semantics)."""
    return compile_re2(pattern).search(text) is not None


def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    return options


def searcher(pattern: str) -> Callable[[str], bool]:
    """A yes/no "matches anywhere" for many texts: RE2's ``Set`` with this one pattern.

    ``search`` builds a match object and maps byte offsets back to characters for every
    text; a set only answers which patterns match (about 3.5 times faster over 20,000
    tags), through the binding's public API. Raises :class:`InvalidRegex` like
    :func:`compile_re2`.
    """
    import re2

    compile_re2(pattern)  # the same error, with RE2's reason, for a bad pattern
    matcher = re2.Set.SearchSet(_options())
    matcher.Add(pattern)
    matcher.Compile()
    return lambda text: bool(matcher.Match(text))
