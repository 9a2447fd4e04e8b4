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
from dataclasses import dataclass

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


# --- CSV dialects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is laid out. ``rfc4180`` is for machines (comma, UTF-8 without BOM, the
    default everywhere); ``excel-ch`` is for a double-click in Swiss-German Excel, which reads a
    CSV in the Windows code page with ``;`` between cells unless the file starts with the UTF-8
    BOM. Values stay machine-plain in both: numbers as digits with a ``.`` decimal and no
    thousands separator (what de-CH Excel reads as a number), dates as YYYY-MM-DD."""

    delimiter: str
    lineterminator: str
    bom: bool

    @property
    def start(self) -> str:
        """What the file starts with: the BOM (``\\ufeff``, EF BB BF in UTF-8) or nothing."""
        return "\ufeff" if self.bom else ""


CSV_DIALECTS = {
    "rfc4180": CsvDialect(delimiter=",", lineterminator="\n", bom=False),
    "excel-ch": CsvDialect(delimiter=";", lineterminator="\r\n", bom=True),
}
DEFAULT_CSV_DIALECT = "rfc4180"
