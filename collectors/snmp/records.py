"""snmpsim recordings (``.snmprec``: one ``OID|type|value`` a line) as SNMP values.

``parse_snmprec`` turns a recording into the values contract of ``collectors.snmp`` (bytes for
strings, int for numbers, dotted str for OIDs and IP addresses); ``answer`` returns what a client
would read from such a device for a set of GETs and subtree walks. Pure: the lab and the offline
tests use both.
"""

from __future__ import annotations

import binascii
import ipaddress
import re
from collections.abc import Iterable, Mapping

_OID = re.compile(r"^\.?(\d+(?:\.\d+)+)$")
# snmpsim tags: a number, "x" when the value is written in hex, optionally ":<variation>"
_TAG = re.compile(r"^(\d+)(x?)(?::.*)?$")
_INTEGERS = {"2", "65", "66", "67", "70", "71"}  # Integer32, Counter32, Gauge32, TimeTicks, Counter64, U32
_STRINGS = {"4", "68"}  # OCTET STRING, Opaque
_NULLS = {"5", "128", "129", "130"}  # NULL, noSuchObject, noSuchInstance, endOfMibView


class Recording(dict):
    """The values of a recording; ``skipped`` counts the lines that could not be read
    (``skipped_lines`` holds their 1-based numbers). Empty lines, comments and NULL values are
    not counted: they are not errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped = 0
        self.skipped_lines: list[int] = []


def _value(tag: str, hexed: bool, raw: bytes):
    data = binascii.unhexlify(raw.strip()) if hexed else raw
    if tag in _STRINGS:
        return data
    if tag in _INTEGERS:
        return int(data.decode("ascii").strip())
    if tag == "6":
        oid = _OID.match(data.decode("ascii").strip())
        if not oid:
            raise ValueError("not an OID")
        return oid.group(1)
    if tag == "64":
        if hexed and len(data) == 4:
            return str(ipaddress.IPv4Address(data))
        return str(ipaddress.IPv4Address(data.decode("ascii").strip()))
    raise ValueError(f"unknown type {tag}")


def parse_snmprec(content: str | bytes) -> Recording:
    """A ``.snmprec`` file's values by OID. Malformed lines (bad OID, unknown type, a value that
    does not fit its type) are skipped and counted in ``.skipped``."""
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogateescape")
    values = Recording()
    for number, line in enumerate(content.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        parts = line.split(b"|", 2)
        try:
            if len(parts) != 3:
                raise ValueError("not OID|type|value")
            oid = _OID.match(parts[0].decode("ascii").strip())
            tag = _TAG.match(parts[1].decode("ascii").strip())
            if not oid or not tag:
                raise ValueError("bad OID or type")
            if tag.group(1) in _NULLS:
                continue
            values[oid.group(1)] = _value(tag.group(1), bool(tag.group(2)), parts[2])
        except (ValueError, UnicodeDecodeError, binascii.Error):
            values.skipped += 1
            values.skipped_lines.append(number)
    return values


def oid_key(oid: str) -> tuple[int, ...]:
    """Sort key: OIDs in the order an agent walks them."""
    return tuple(int(p) for p in oid.split("."))


def answer(values: Mapping[str, object], get: Iterable[str] = (), walk: Iterable[str] = ()) -> dict:
    """What a device holding ``values`` answers: each GET that exists, and every OID strictly under
    each walked subtree, in walk order."""
    result: dict[str, object] = {}
    for oid in get:
        if oid in values:
            result[oid] = values[oid]
    roots = tuple(f"{root}." for root in walk)
    if roots:
        for oid in sorted((o for o in values if o.startswith(roots)), key=oid_key):
            result[oid] = values[oid]
    return result
