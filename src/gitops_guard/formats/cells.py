"""Markdown table cells that no text can break: the PR comment's and the report's tables.

Markdown punctuation (``$`` too, which starts math on GitHub) gets a backslash, ``<``,
``>`` and ``&`` become entities, line breaks ``<br>``.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([\\`*_\[\]|~$])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def escape_cell(text: str) -> str:
    """Text for one table cell: literal, on one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    return _LINE_BREAK.sub("<br>", text)
