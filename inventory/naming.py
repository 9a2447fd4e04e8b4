"""Name matching for manufacturers, hardware models and other references.

Pure functions: no Django, no I/O. Devices, vendors' bulletins and people spell the same
vendor in many ways ("Cisco", "Cisco Systems, Inc.", "cisco"); these functions reduce a
spelling to a comparable key and resolve it through an index of known names and aliases.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

# Legal-form words dropped from the end of vendor names ("Cisco Systems, Inc." -> "cisco systems").
_LEGAL_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
    "gmbh", "ag", "sa", "sarl", "bv", "nv", "plc", "srl", "spa", "kg", "oy", "ab", "as",
}
_PUNCTUATION = re.compile(r"[.,;:()\[\]{}'\"!?/\\&+_-]+")
_SPACES = re.compile(r"\s+")


def vendor_key(text: str | None) -> str:
    """Comparable key of a vendor name: case, punctuation and legal form do not count."""
    if not text:
        return ""
    words = _SPACES.split(_PUNCTUATION.sub(" ", text.casefold()).strip())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(w for w in words if w)


def model_key(text: str | None) -> str:
    """Comparable key of a model / part number: case and surrounding blanks do not count."""
    if not text:
        return ""
    return _SPACES.sub(" ", text.strip()).casefold()


def name_key(text: str | None) -> str:
    """Comparable key of a plain name or slug (sites, org units, platforms, tags)."""
    if not text:
        return ""
    return _SPACES.sub(" ", text.strip()).casefold()


def build_index(
    entries: Iterable[tuple[Hashable, Iterable[str | None]]], key=name_key
) -> tuple[dict[str, Hashable], dict[str, set[Hashable]]]:
    """Index every spelling of every entry.

    ``entries`` yields ``(target, spellings)``. Returns ``(index, clashes)``: ``index`` maps a key
    to its target; ``clashes`` lists keys claimed by more than one target (those keys are left
    out of ``index`` so that they never resolve silently to the wrong one).
    """
    owners: dict[str, set[Hashable]] = {}
    for target, spellings in entries:
        for spelling in spellings:
            k = key(spelling)
            if k:
                owners.setdefault(k, set()).add(target)
    index = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1}
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    return index, clashes
