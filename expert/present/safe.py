"""Text the user typed, made safe for each output: printed as typed, never obeyed.

A case id, a note, a path or an answer may hold anything: terminal escape
sequences (ESC, BEL, NUL and the other C0/C1 controls), a newline where one
line is expected, a lone UTF-16 surrogate that no encoder accepts, rich
markup such as ``[/b]``, HTML such as ``<script>``, or markdown that makes a
heading or a ``javascript:`` link. Every renderer passes user strings through
one of the functions here:

- ``visible``   any output: controls and surrogates shown as ``\\x1b``, ``\\ud800``;
- ``terminal``  for rich (a ``Text`` object: no markup is read) or plain echo;
- ``markdown``  inline markdown: HTML, link, heading, code and emphasis syntax escaped;
- ``html``      HTML text and attribute values;
- ``clean``     data that is kept (loaded cases, sessions): surrogates replaced, nothing else.
"""
from __future__ import annotations

import re
import unicodedata

# Format characters that are harmless and needed by some scripts and emoji sequences.
_JOINERS = {"\u200c", "\u200d"}
_SURROGATES = re.compile("[\ud800-\udfff]")


def _shown(char: str) -> str:
    """``\\x1b``, ``\\n``, ``\\u202e``, ``\\ud800``: the character as Python writes it in a string literal."""
    return repr(char)[1:-1]


def _hidden(char: str) -> bool:
    """Controls (C0, DEL, C1), bidi and other format characters, line/paragraph separators, surrogates."""
    category = unicodedata.category(char)
    return (category in ("Cc", "Cs", "Zl", "Zp")) or (category == "Cf" and char not in _JOINERS)


def visible(text: object, keep: str = "") -> str:
    """``text`` with every control or invisible formatting character shown as an escape.

    ``keep`` lists the characters allowed through as they are (``"\\n\\t"`` for notes).
    """
    text = str(text)
    if text.isprintable():
        return text  # the common case, fast (surrogates and controls are not printable)
    return "".join(_shown(c) if _hidden(c) and c not in keep else c for c in text)


def clean(text: str | None) -> str | None:
    """A lone surrogate (from a JSON ``"\\ud800"`` or an undecodable file name) becomes U+FFFD.

    Everything else is kept as typed, so a loaded case or session holds only
    text that every encoder can write.
    """
    if text is None or not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub("\ufffd", text)


def terminal(text: object, multiline: bool = False):
    """A rich ``Text`` (never parsed as markup) with controls shown as escapes."""
    from rich.text import Text

    return Text(visible(text, keep="\n\t" if multiline else ""))


def plain(text: object, multiline: bool = True) -> str:
    """For ``print``/``typer.echo``: controls shown as escapes (newlines and tabs kept if multiline)."""
    return visible(text, keep="\n\t" if multiline else "")


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# The punctuation CommonMark (and GFM tables, strikethrough and autolinks) reads as inline
# syntax wherever it stands; the rest (, ; / ? ' " @ $ % ^ :) is left as typed so the note
# stays readable as plain text. ``.`` stays escaped: unescaped, GFM makes a link of a
# domain or an e-mail address.
_MD_ESCAPED = set("\\`*_{}[]()#!|~.")
# Marks that make a list item or a heading underline only at the start of a line: escaped there.
_MD_BLOCK_START = set("-+=")


def markdown(text: object) -> str:
    """Inline markdown that shows ``text`` literally, on one line.

    HTML-special characters become entities (no tag, no autolink); the
    punctuation markdown reads as syntax is backslash-escaped, so no heading,
    list, emphasis, code span, link, table cell or ``javascript:`` link can
    start; a newline is shown as ``\\n``. A ``-``, ``+`` or ``=`` is escaped only
    where it opens the text (``p-021`` stays ``p-021``; ``- item`` cannot make a list).
    """
    out, opening = [], True
    for char in visible(text):
        if char in _MD_ENTITIES:
            out.append(_MD_ENTITIES[char])
        elif char in _MD_ESCAPED or (opening and char in _MD_BLOCK_START):
            out.append("\\" + char)
        else:
            out.append(char)
        opening = opening and char in " \t"
    return "".join(out)


def html(text: object, multiline: bool = False) -> str:
    """HTML text or attribute value: escaped, controls shown (newlines and tabs kept if multiline)."""
    import html as _html  # here: the text and JSON reports never load it (html.entities)
    return _html.escape(visible(text, keep="\n\t" if multiline else ""), quote=True)
