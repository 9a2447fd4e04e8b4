"""Scoring SNMP identification against LibreNMS's results (helper for the tests; no tests here).

LibreNMS words things its own way ("CAT9K_IOSXE 16.6.7", "AOS v7.0.8 / App v7.0.8", "Juniper
EX3400-48T"), so fields are compared after normalising, and a field is right when

- serial: equal, ignoring case and surrounding blanks (serials are literal values; no containment);
- model: the normalised token sequences are equal, or one is a contiguous part of the other, where
  tokens are the runs of letters and digits (case, punctuation and blanks do not count) and
  manufacturer words (Cisco, HP, Juniper, ...) are dropped; the contained side must carry at least
  3 characters and a digit, so "Switch" or a bare vendor name never matches;
  the expected hardware may match our ``model`` (a part number) or our ``model_name``;
- version: the same, but over words (split at blanks, commas, slashes, parentheses and brackets;
  dots and dashes stay inside a word, so 7.0 does not match 7.0.8), a leading "v" before a digit
  dropped, and the contained side must hold a digit;
- manufacturer: equal after dropping case, punctuation and company suffixes (Inc, Networks, ...).

Expected null (LibreNMS found nothing) is right when we found nothing either; a value where
LibreNMS has none is a miss (even when it may be right: see docs/fidelity.md).
"""

from __future__ import annotations

import re

FIELDS = ("manufacturer", "model", "serial", "version")

VENDOR_WORDS = {
    "allied",
    "telesis",
    "apc",
    "aruba",
    "check",
    "point",
    "checkpoint",
    "cisco",
    "dell",
    "eaton",
    "extreme",
    "fortinet",
    "hp",
    "hpe",
    "hewlett",
    "packard",
    "huawei",
    "juniper",
    "mikrotik",
    "palo",
    "alto",
    "qnap",
    "ricoh",
    "sophos",
    "synology",
    "ubiquiti",
    "ubnt",
    "vmware",
    "microsoft",
}
_COMPANY = {
    "inc",
    "incorporated",
    "ltd",
    "co",
    "corp",
    "corporation",
    "gmbh",
    "networks",
    "systems",
    "technologies",
    "company",
    "enterprise",
}


def _tokens(value: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", value.casefold())


def _words(value: str) -> list[str]:
    words = [w.strip(".-_;:") for w in re.split(r"[\s,/()\[\]]+", value.casefold())]
    return [re.sub(r"^v(?=\d)", "", w) for w in words if w]


def normalise(field: str, value) -> tuple[str, ...]:
    """The comparable form of a value: a tuple of tokens (empty: no value)."""
    if value is None:
        return ()
    value = str(value).strip()
    if field == "serial":
        return (value.casefold(),) if value else ()
    if field == "model":
        return tuple(t for t in _tokens(value) if t not in VENDOR_WORDS)
    if field == "version":
        return tuple(_words(value))
    if field == "manufacturer":
        return tuple(t for t in _tokens(value) if t not in _COMPANY)
    raise ValueError(f"unknown field {field!r}")


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def _informative(field: str, part: tuple[str, ...]) -> bool:
    joined = "".join(part)
    if field == "model":
        return len(joined) >= 3 and any(c.isdigit() for c in joined)
    return any(c.isdigit() for c in joined)


def same(field: str, found, expected) -> bool:
    """Whether ``found`` (ours) and ``expected`` (LibreNMS's) say the same thing."""
    a, b = normalise(field, found), normalise(field, expected)
    if not b:
        return not a  # LibreNMS found none: right only when we found none
    if not a:
        return False
    if a == b:
        return True
    if field in ("serial", "manufacturer"):
        return False
    inner, outer = (a, b) if len(a) <= len(b) else (b, a)
    return _informative(field, inner) and _contains(outer, inner)


def score(name: str, facts, expected: dict, manufacturer: str | None = None) -> dict[str, bool]:
    """Field -> right?, for one device. ``expected`` is expected.json's ``os``; ``manufacturer`` the
    manufacturer the device is known to be by (LibreNMS records none); not scored when None."""
    result = {
        "model": same("model", facts.model, expected.get("hardware"))
        or same("model", facts.model_name, expected.get("hardware")),
        "serial": same("serial", facts.serial, expected.get("serial")),
        "version": same("version", facts.os_version, expected.get("version")),
    }
    if manufacturer is not None:
        result["manufacturer"] = same("manufacturer", facts.vendor, manufacturer)
    return result
