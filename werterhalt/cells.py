"""Spreadsheet cells that stay data (CSV formula injection).

Excel, LibreOffice and others read a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return before one of them) as a formula: an asset or org unit named
``=HYPERLINK(...)`` would become a live link or worse in the spreadsheet of whoever opens the
export. Every CSV writer passes its text cells through ``safe_cell``, which prefixes such a text
with ``'`` — spreadsheets show the text as it is. Numbers stay numbers (a negative amount is
not text). The asset import takes the ``'`` off again (``unquote``), so exports round-trip; a text
that itself starts with ``'`` and one of those characters (``'=x``) gets a ``'`` too (``''=x``), so
that it comes back as it was. Any other text is written as it is (``'abc`` stays ``'abc``).
"""

from __future__ import annotations

from collections.abc import Iterable

# The first characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def needs_quote(text: str) -> bool:
    """Whether ``safe_cell`` puts a ``'`` in front of ``text``: it starts with one of
    ``FORMULA_STARTS``, or with ``'``s and then one of them (so that ``unquote`` gives back
    exactly what ``safe_cell`` was given)."""
    first = text[:1]
    return first in FORMULA_STARTS or first == QUOTE and text.lstrip(QUOTE)[:1] in FORMULA_STARTS


def safe_cell(value):
    """``value``, with ``'`` in front if it is a text a spreadsheet would read as a formula (or
    one that looks quoted already: ``'=x``). Anything that is not a ``str`` (numbers, also
    negative ones; dates; None) is returned as it is."""
    if isinstance(value, str) and needs_quote(value):
        return QUOTE + value
    return value


def safe_row(values: Iterable) -> list:
    """Each cell of a row through ``safe_cell``."""
    return [safe_cell(v) for v in values]


def unquote(text: str) -> str:
    """The text ``safe_cell`` quoted, without its ``'`` (any other text as it is): ``'=x`` ->
    ``=x``, ``''=x`` -> ``'=x``, ``'abc`` stays ``'abc``."""
    if text[:1] == QUOTE and needs_quote(text[1:]):
        return text[1:]
    return text
