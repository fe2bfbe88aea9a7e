"""Student-controlled text made harmless where people read it: a terminal, a spreadsheet, a Markdown page.

Messages carry what student code raised or returned (exception names and
texts, reprs), and batch reports carry names from Gradescope's export; each
is neutralised at the point where it is shown, not where it is made.
"""
from __future__ import annotations

import html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+!|~>])")
# where a renderer would see an address or an e-mail to link: a zero-width space keeps it plain text
_LINKABLE = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?=@)")
_ZERO_WIDTH_SPACE = "\u200b"


def for_terminal(text: str) -> str:
    """Escape control characters (escape sequences, bidirectional overrides); keep newlines and tabs."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def for_csv(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula is prefixed with ``'``."""
    return "'" + cell if cell.startswith(CSV_TRIGGERS) else cell


def for_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown's punctuation backslashed, one line, and no
    bare address or e-mail that a renderer would turn into a live link."""
    flat = " ".join(for_terminal(text).split())
    return _LINKABLE.sub(_ZERO_WIDTH_SPACE, _MARKDOWN.sub(r"\\\1", html.escape(flat, quote=False)))


def markdown_for_terminal(text: str) -> str:
    """A Markdown page made by ``for_markdown`` as a terminal should show it: without its escapes."""
    return for_terminal(html.unescape(_ESCAPED.sub(r"\1", text.replace(_ZERO_WIDTH_SPACE, ""))))


def identifier(name: object, limit: int = 60) -> str:
    """A name from student code (an exception's type) as printable word characters, capped."""
    text = unicodedata.normalize("NFKC", str(name))
    cleaned = re.sub(r"[^\w.]", "?", text)[:limit]
    return cleaned + ("..." if len(text) > limit else "")
