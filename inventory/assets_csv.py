"""CSV import and export of assets.

The export writes one row per asset with the columns of ``COLUMNS``; the import reads the same
columns by header name (any order, any subset as long as ``name`` is there, comma or semicolon
separated, UTF-8 with or without BOM) and is all or nothing: ``parse`` validates every row and
collects every error with its line number and column; ``apply`` writes only a file that has none,
in one transaction, with the change log. Rows are matched to existing assets on manufacturer +
serial, or on name where the row has no serial; a row that changes nothing writes nothing.

A text the export writes that a spreadsheet would read as a formula (``=…``, ``+…``, ``-…``, ``@…``)
is written with a ``'`` in front (``werterhalt.cells``); the import takes that ``'`` off again.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import gc
import io
import ipaddress
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.conf import settings
from django.db import DataError, IntegrityError, router, transaction
from django.db.models.base import ModelState
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory import bulk, changelog, scopes
from inventory.choices import ActorKind, AssetSource, AssetStatus, ChangeAction
from inventory.models import Asset, HardwareModel, Manufacturer, OrgUnit, Platform, Site, Tag
from inventory.naming import model_key, name_key, vendor_key
from inventory.signals import assets_changed
from werterhalt.cells import QUOTE, safe_row, unquote
from werterhalt.templatetags.werterhalt import day

# Columns in export order. Every one of them can be imported, except READ_ONLY ones, which the
# export adds for people to read and the import accepts and ignores.
COLUMNS = [
    "name", "serial", "asset_tag", "manufacturer", "model", "platform", "software_version",
    "role", "site", "org_unit", "status", "management_address", "purchase_date",
    "in_service_date", "purchase_cost", "warranty_end", "tags", "comments",
]
READ_ONLY = ["source", "first_seen", "last_seen"]
EXPORT_COLUMNS = COLUMNS + READ_ONLY

# CSV column -> Asset attribute, for the plain (non-reference) fields.
_PLAIN = {
    "name": "name", "serial": "serial", "asset_tag": "asset_tag",
    "software_version": "software_version", "role": "role", "status": "status",
    "management_address": "management_address", "purchase_date": "purchase_date",
    "in_service_date": "in_service_date", "purchase_cost": "purchase_cost",
    "warranty_end": "warranty_end", "comments": "comments",
}
_REFS = {"manufacturer": "manufacturer_id", "model": "hardware_model_id",
         "platform": "platform_id", "site": "site_id", "org_unit": "org_unit_id"}
_MAX_LEN = {f.name: f.max_length for f in Asset._meta.concrete_fields if f.max_length}
# An asset as the import holds it: the values of these attributes, in this order.
ATTNAMES = [f.attname for f in Asset._meta.concrete_fields]
_AT = {attname: i for i, attname in enumerate(ATTNAMES)}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(filter(None, [_("line %(n)s") % {"n": self.line} if self.line else "",
                                        _("column %(c)s") % {"c": self.column} if self.column else ""]))
        return f"{where}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file has errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(_("%(n)d error(s); nothing was imported") % {"n": len(errors)})


@dataclass
class ImportPlan:
    """What ``apply`` writes. Assets are plain rows: tuples of values in the order of ``ATTNAMES``
    (model instances cost more than the rest of the import together)."""

    columns: list[str]
    # (line, new row (its id None), tags)
    creates: list[tuple[int, tuple, list[str]]] = field(default_factory=list)
    # (line, row as parsed from the database, new row, tags (None: left alone), tags it had)
    updates: list[tuple[int, tuple, tuple, list[str] | None, list[str]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def summary(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates),
                "unchanged": self.unchanged}


# --- export ------------------------------------------------------------------------------------

def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_rows(queryset=None) -> Iterable[list[str]]:
    """Header and one row per asset, in a stable order; the values as they are (``export_csv``
    makes them safe for spreadsheets)."""
    qs = (queryset if queryset is not None else Asset.objects.all()).select_related(
        "manufacturer", "hardware_model", "platform", "site", "org_unit"
    ).prefetch_related("tags").order_by("pk")
    yield EXPORT_COLUMNS
    for a in qs.iterator(chunk_size=2000):
        yield [
            a.name, a.serial, a.asset_tag,
            a.manufacturer.name if a.manufacturer else "",
            a.hardware_model.model if a.hardware_model else "",
            a.platform.slug if a.platform else "",
            a.software_version, a.role,
            a.site.slug if a.site else "",
            a.org_unit.slug if a.org_unit else "",
            a.status, _fmt(a.management_address), _fmt(a.purchase_date),
            _fmt(a.in_service_date), _fmt(a.purchase_cost), _fmt(a.warranty_end),
            ", ".join(sorted(t.name for t in a.tags.all())), a.comments,
            a.source, _fmt(a.first_seen), _fmt(a.last_seen),
        ]


def export_csv(out: IO[str], queryset=None) -> int:
    """Write the assets as CSV to ``out``; returns the number of assets written. A text that a
    spreadsheet would read as a formula gets a ``'`` in front (the import takes it off)."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in export_rows(queryset):
        writer.writerow(safe_row(row))
        count += 1
    return count


# --- parsing -----------------------------------------------------------------------------------

class _CellError(ValueError):
    pass


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        if len(text) == 10 and text[4] == "-":
            return dt.date.fromisoformat(text)
        day, month, year = text.split(".")
        if len(year) == 4:
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise _CellError(_("“%(text)s” is not a valid date (expected YYYY-MM-DD or DD.MM.YYYY)") % {"text": text})


def _money(text: str) -> Decimal | None:
    if not text:
        return None
    cleaned = text.replace("'", "").replace("’", "").replace(" ", "")
    if cleaned.upper().startswith("CHF"):
        cleaned = cleaned[3:]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _CellError(_("“%(text)s” is not an amount (expected e.g. 1250.00)") % {"text": text}) from None
    if not value.is_finite() or value < 0:
        raise _CellError(_("“%(text)s” must be a positive amount") % {"text": text})
    if value >= Decimal("1e10") or value.as_tuple().exponent < -2 and value != value.quantize(
        Decimal("0.01")
    ):
        raise _CellError(
            _("“%(text)s” must have at most 10 digits before and 2 after the decimal point") % {"text": text}
        )
    return value.quantize(Decimal("0.01"))


# An IPv4 address written as ipaddress writes it (no leading zeros): kept as it is.
_PLAIN_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                         r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")


def _address(text: str) -> str | None:
    if not text:
        return None
    if _PLAIN_IPV4.fullmatch(text):
        return text  # str(ipaddress.ip_address(text)) == text, ten times faster
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise _CellError(_("“%(text)s” is not an IPv4 or IPv6 address") % {"text": text}) from None
    if getattr(address, "scope_id", None):
        raise _CellError(_("“%(text)s”: a zone (%(zone)s) cannot be stored; leave it out")
                         % {"text": text, "zone": f"%{address.scope_id}"})
    # As the database stores it (GenericIPAddressField with unpack_ipv4): ::ffff:a.b.c.d -> a.b.c.d
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


@functools.cache
def _status_spellings() -> dict[str, str]:
    """A status as the file may write it: its code, or its label in any of the UI's languages
    ("active", "Active", "Aktiv"). Built on first use, when translations can be loaded."""
    spellings = {name_key(s.value): s.value for s in AssetStatus}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            spellings |= {name_key(str(s.label)): s.value for s in AssetStatus}
    return spellings


def _status(text: str) -> str | None:
    if not text:
        return None
    try:
        return _status_spellings()[name_key(text)]
    except KeyError:
        choices = ", ".join(s.value for s in AssetStatus)
        raise _CellError(_("“%(text)s” is not a status (one of: %(choices)s)")
                         % {"text": text, "choices": choices}) from None


_TAG_MAX = Tag._meta.get_field("name").max_length


def _tags(text: str) -> list[str]:
    tags = sorted({t.strip() for t in text.split(",") if t.strip()})
    for tag in tags:
        if len(tag) > _TAG_MAX:
            raise _CellError(_("the tag “%(tag)s…” is longer than %(n)s characters")
                             % {"tag": tag[:20], "n": _TAG_MAX})
    return tags


class _Lookups:
    """Everything the rows refer to, loaded once."""

    def __init__(self):
        self.manufacturers = {m.pk: m for m in Manufacturer.objects.all()}
        self.manufacturer_index = Manufacturer.objects.index()
        self.model_index = HardwareModel.objects.index()
        self.model_manufacturer = dict(HardwareModel.objects.values_list("pk", "manufacturer_id"))
        self.sites = _RefIndex(Site.objects.all(), "site")
        self.org_units = _RefIndex(OrgUnit.objects.all(), "org_unit", also=("code",))
        self.platforms = _RefIndex(Platform.objects.all(), "platform")


# What a reference column's text may fail with: (no such object, several objects), per column.
_REF_ERRORS = {
    "site": (gettext_lazy("no site named “%(text)s”"),
             gettext_lazy("“%(text)s” names %(n)d sites; use the slug")),
    "org_unit": (gettext_lazy("no organisational unit named “%(text)s”"),
                 gettext_lazy("“%(text)s” names %(n)d organisational units; use the slug")),
    "platform": (gettext_lazy("no platform named “%(text)s”"),
                 gettext_lazy("“%(text)s” names %(n)d platforms; use the slug")),
}


class _RefIndex:
    """Objects referred to by slug (exact, unique), else by name (or another field)."""

    def __init__(self, qs, what: str, also: tuple[str, ...] = ()):
        self.what = what  # the column: a key of _REF_ERRORS
        self.by_slug: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        for obj in qs:
            self.by_slug[obj.slug] = obj.pk
            for spelling in {name_key(obj.name), *(name_key(getattr(obj, a)) for a in also)} - {""}:
                self.by_name.setdefault(spelling, set()).add(obj.pk)

    def get(self, text: str) -> int:
        if text in self.by_slug:
            return self.by_slug[text]
        pks = self.by_name.get(name_key(text)) or {self.by_slug[t] for t in self.by_slug
                                                   if t.casefold() == text.casefold()}
        missing, ambiguous = _REF_ERRORS[self.what]
        if not pks:
            raise _CellError(str(missing) % {"text": text})
        if len(pks) > 1:
            raise _CellError(str(ambiguous) % {"text": text, "n": len(pks)})
        return next(iter(pks))


class _BadLine(Exception):
    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line


def _lines(source: IO[str] | IO[bytes] | bytes | str) -> Iterator[str]:
    """The CSV's lines as text, read as they are needed: from a string, a text file or a binary
    file (an upload) decoded as UTF-8 line by line (a byte-order mark dropped). A line that is
    not UTF-8 or holds a NUL byte (csv would take it as text: a binary or UTF-16 file) stops the
    reading with its line number."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, str):
        lines = io.StringIO(source, newline="")
    elif isinstance(source, io.TextIOBase):
        lines = source
    else:
        lines = None
    offset = 0
    for number, line in enumerate(lines if lines is not None else getattr(source, "file", source), 1):
        if lines is None:  # bytes: a line ends at b"\n", which UTF-8 never uses inside a character
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _BadLine(number, _("is not UTF-8 text (byte %(n)s of the file)")
                               % {"n": offset + exc.start}) from None
            offset += len(line)
        else:
            text = line
        if number == 1:
            text = text.removeprefix("\ufeff")
        if "\x00" in text:
            raise _BadLine(number, _("holds a NUL byte (is it a binary or UTF-16 file?)"))
        yield text


def _read(source: IO[str] | IO[bytes] | bytes | str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and ``(line number, cells)`` of every non-empty record, read as a stream: at most
    IMPORT_MAX_ROWS records are held, and never the whole text besides."""
    lines = _lines(source)
    try:
        first = next(lines, "")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
        records: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        start = 1
        limit = settings.IMPORT_MAX_ROWS
        for cells in reader:
            if header is None:
                header = [c.strip().lower() for c in cells]
            elif "".join(cells).strip():  # any cell not blank
                if len(records) >= limit:  # stop reading: nothing more is held in memory
                    raise ImportFailed([RowError(start, "", _(
                        "the file has more than %(n)s rows (IMPORT_MAX_ROWS); split it into several files"
                    ) % {"n": number_format(limit, force_grouping=True)})])
                records.append((start, cells))
            start = reader.line_num + 1
    except _BadLine as exc:
        raise ImportFailed([RowError(exc.line, "", _("not a readable CSV file: the line %(problem)s")
                                     % {"problem": exc})]) from None
    return header or [], records


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. An import allocates millions of objects (cells,
    rows, snapshots) that live until it ends, and almost no cycles: the collector would walk
    them thousands of times for nothing — a fifth of the time of 100,000 rows. Reference
    counting still frees everything else; collections resume at the end."""
    if not gc.isenabled():  # paused already (an enclosing import), or by the program
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse(source: IO[str] | str, progress: Progress | None = None) -> ImportPlan:
    """Validate a CSV file of assets and work out what importing it would change.

    Raises ``ImportFailed`` with every error found. Writes nothing.
    """
    with _collector_paused():
        return _parse(source, progress)


def _parse(source: IO[str] | str, progress: Progress | None) -> ImportPlan:
    try:
        header, records = _read(source)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFailed([RowError(1, "", _("not a readable CSV file: %(error)s")
                                     % {"error": exc})]) from None
    errors: list[RowError] = []
    known = set(COLUMNS) | set(READ_ONLY)
    for i, col in enumerate(header):
        if col not in known:
            errors.append(RowError(1, col or f"#{i + 1}", _("unknown column (known: %(columns)s)")
                                   % {"columns": ", ".join(EXPORT_COLUMNS)}))
        elif header.index(col) != i:
            errors.append(RowError(1, col, _("column appears twice")))
    if "name" not in header:
        errors.append(RowError(1, "name", _("the column “%(column)s” is required") % {"column": "name"}))
    if not records and not errors:
        errors.append(RowError(1, "", _("the file has no rows")))
    if "name" not in header:
        raise ImportFailed(errors)  # rows cannot be matched: their errors would only be noise

    # Rows are still checked when the header has errors, with the known columns (the first of
    # duplicated ones), so that one run reports everything.
    first_index = {col: header.index(col) for col in header}
    columns = [c for c in first_index if c in COLUMNS]
    lookups = _Lookups()
    parse_row = _RowParser(first_index, columns, lookups)
    parsed: list[tuple[int, dict]] = []
    total = len(records)
    width = len(header)
    for n, (line, cells) in enumerate(records, 1):
        if len(cells) != width:
            errors.append(RowError(line, "", _("has %(n)s cells, the header has %(width)s")
                                   % {"n": len(cells), "width": width}))
            continue
        values, row_errors = parse_row(line, cells)
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append((line, values))
        if progress and (n % 5000 == 0 or n == total):
            progress("validated", n, total)

    plan = ImportPlan(columns=columns)
    _match(parsed, plan, lookups, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.line, e.column)))
    return plan


_PARSERS = {
    "purchase_date": _date, "in_service_date": _date, "warranty_end": _date,
    "purchase_cost": _money, "management_address": _address, "status": _status, "tags": _tags,
}
_REF_COLUMNS = frozenset(_REFS)


def _remembered(parser):
    """``parser`` that parses each text once per file (cells repeat: dates, amounts, statuses,
    tags). Values are shared between rows, so never changed in place. Errors are not kept."""
    if parser is _address:
        return parser  # nearly every address is different
    known: dict = {}

    def parse(text: str):
        try:
            return known[text]
        except KeyError:
            value = known[text] = parser(text)
            return value

    return parse


def _unquoted(text: str) -> str:
    """A cell that starts with ``'``: without it if the export put it there (``'=x`` -> ``=x``),
    stripped as any cell. Called only for cells starting with ``'``: others cost one check."""
    return unquote(text).strip()


class _RowParser:
    """Validates one row's cells: ``(values by column, errors)``. Set up once per file. A cell
    the export quoted for spreadsheets (``'=x``) is read without its quote (``_unquoted``)."""

    def __init__(self, first_index: dict[str, int], columns: list[str], lookups: _Lookups):
        self.lookups = lookups
        # (column, cell index, parser or None, maximum length or None) of the plain columns
        self.plain = [(col, first_index[col], _remembered(_PARSERS[col]) if col in _PARSERS else None,
                       _MAX_LEN.get(_PLAIN.get(col, ""))) for col in columns if col not in _REF_COLUMNS]
        self.manufacturer_at = first_index["manufacturer"] if "manufacturer" in columns else None
        self.model_at = first_index["model"] if "model" in columns else None
        self.others = [(col, first_index[col], _remembered(index.get)) for col, index in (
            ("platform", lookups.platforms), ("site", lookups.sites), ("org_unit", lookups.org_units)
        ) if col in columns]
        self.manufacturers: dict[str, int | None] = {}
        self.models: dict[tuple[int, str], int | None] = {}

    def __call__(self, line: int, cells: list[str]) -> tuple[dict, list[RowError]]:
        values: dict = {}
        errors: list[RowError] = []
        for col, at, parser, limit in self.plain:
            text = cells[at].strip()
            if text[:1] == QUOTE:
                text = _unquoted(text)
            if limit and len(text) > limit:
                errors.append(RowError(line, col, _("longer than %(n)s characters") % {"n": limit}))
            elif parser is None:
                values[col] = text
            else:
                try:
                    values[col] = parser(text)
                except _CellError as exc:
                    errors.append(RowError(line, col, str(exc)))
        if "name" in values and not values["name"]:
            errors.append(RowError(line, "name", _("is required")))

        manufacturer_id = None
        maker = cells[self.manufacturer_at].strip() if self.manufacturer_at is not None else ""
        if maker[:1] == QUOTE:
            maker = _unquoted(maker)
        if maker:
            try:
                manufacturer_id = self.manufacturers[maker]
            except KeyError:
                manufacturer_id = self.manufacturers[maker] = self.lookups.manufacturer_index.get(
                    vendor_key(maker))
            if manufacturer_id is None:
                errors.append(RowError(line, "manufacturer",
                                       _("no manufacturer named “%(text)s”") % {"text": maker}))
            values["manufacturer"] = manufacturer_id
        elif self.manufacturer_at is not None:
            values["manufacturer"] = None
        model = cells[self.model_at].strip() if self.model_at is not None else ""
        if model[:1] == QUOTE:
            model = _unquoted(model)
        if model:
            if manufacturer_id is None:
                if not maker:
                    errors.append(RowError(line, "model", _("a model needs its manufacturer")))
            else:
                key = (manufacturer_id, model)
                try:
                    model_id = self.models[key]
                except KeyError:
                    model_id = self.models[key] = self.lookups.model_index.get(
                        (manufacturer_id, model_key(model)))
                if model_id is None:
                    name = self.lookups.manufacturers[manufacturer_id].name
                    errors.append(RowError(line, "model", _("%(manufacturer)s has no model “%(model)s”")
                                           % {"manufacturer": name, "model": model}))
                values["model"] = model_id
        elif self.model_at is not None:
            values["model"] = None
        for col, at, get in self.others:
            text = cells[at].strip()
            if text[:1] == QUOTE:
                text = _unquoted(text)
            try:
                values[col] = get(text) if text else None
            except _CellError as exc:
                errors.append(RowError(line, col, str(exc)))

        if values.get("serial") and not manufacturer_id and not errors:
            errors.append(RowError(line, "manufacturer", _("a serial number needs its manufacturer")))
        purchase, in_service = values.get("purchase_date"), values.get("in_service_date")
        if purchase and in_service and in_service < purchase:
            errors.append(RowError(line, "in_service_date",
                                   _("%(date)s is before the purchase date %(purchase)s")
                                   % {"date": day(in_service), "purchase": day(purchase)}))
        return values, errors


# (CSV column, index in a row) of the plain and the reference columns
_PLAIN_AT = [(col, _AT[attr]) for col, attr in _PLAIN.items()]
_REFS_AT = [(col, _AT[attr]) for col, attr in _REFS.items()]
_STATUS_AT = _AT["status"]


def _apply_values(row: list, values: dict) -> None:
    """Set the row's attributes from the parsed ``values`` of a CSV row."""
    for col, at in _PLAIN_AT:
        if col in values:
            value = values[col]
            if value is None and at == _STATUS_AT:
                continue  # an empty status keeps the current one (new assets: active)
            row[at] = value
    for col, at in _REFS_AT:
        if col in values:
            row[at] = values[col]
    if values.get("model"):
        # The manufacturer follows the model (as Asset.save() does).
        row[_AT["manufacturer_id"]] = values["manufacturer"]


def _new_row() -> Callable[[], list]:
    """A function giving the row of a new imported asset: every attribute at its default."""
    template = Asset(source=AssetSource.IMPORT)
    row = [getattr(template, a) for a in ATTNAMES]
    # Defaults computed per asset (none today, e.g. timezone.now) are computed per row.
    dynamic = [(_AT[f.attname], f) for f in Asset._meta.concrete_fields
               if not f.primary_key and f.has_default() and callable(f.default)]
    if not dynamic:
        return row.copy

    def make() -> list:
        new = row.copy()
        for at, f in dynamic:
            new[at] = f.get_default()
        return new

    return make


def _match(parsed, plan: ImportPlan, lookups: _Lookups, errors: list[RowError]) -> None:
    # One pass over the existing assets (plain tuples, no model instances): the matching keys and
    # the values to compare with. Rows, not instances, all the way to the database.
    rows: dict[int, tuple] = {}
    by_serial: dict[tuple[int, str], int] = {}
    by_name: dict[str, list[int]] = {}  # every asset by name
    serialless_by_name: dict[str, list[int]] = {}  # assets without a serial, by name
    i_pk, i_mfr, i_model, i_serial, i_name = (_AT[a] for a in ("id", "manufacturer_id",
                                                                 "hardware_model_id", "serial", "name"))
    i_purchase, i_in_service = _AT["purchase_date"], _AT["in_service_date"]
    for row in Asset.objects.order_by().values_list(*ATTNAMES).iterator(chunk_size=5000):
        pk = row[i_pk]
        rows[pk] = row
        if row[i_serial]:
            by_serial[(row[i_mfr], row[i_serial])] = pk
        else:
            serialless_by_name.setdefault(row[i_name], []).append(pk)
        by_name.setdefault(row[i_name], []).append(pk)

    seen_serial: dict[tuple[int, str], int] = {}
    seen_name: dict[str, int] = {}
    targets: list[tuple[int, dict, int | None]] = []
    # A row with an empty serial cell means an asset without a serial; a file without the serial
    # column matches any asset of that name.
    name_candidates = serialless_by_name if "serial" in plan.columns else by_name
    for line, values in parsed:
        serial = values.get("serial", "")
        if serial:
            key = (values["manufacturer"], serial)
            if key in seen_serial:
                errors.append(RowError(line, "serial", _("“%(serial)s” is also on line %(line)s")
                                       % {"serial": serial, "line": seen_serial[key]}))
                continue
            seen_serial[key] = line
            targets.append((line, values, by_serial.get(key)))
        else:
            name = values["name"]
            if name in seen_name:
                errors.append(RowError(line, "name", _("“%(name)s” without a serial is also on line %(line)s")
                                       % {"name": name, "line": seen_name[name]}))
                continue
            seen_name[name] = line
            pks = name_candidates.get(name, [])
            if len(pks) > 1:
                errors.append(RowError(line, "name", _("%(n)s assets are named “%(name)s”; add the serial to "
                                                     "say which one") % {"n": len(pks), "name": name}))
                continue
            targets.append((line, values, pks[0] if pks else None))
    if errors:
        return

    tags_of: dict[int, list[str]] = {}
    if any(pk for _, _, pk in targets):
        for asset_id, tag in Asset.tags.through.objects.order_by("tag__name").values_list(
            "asset_id", "tag__name"
        ).iterator(chunk_size=10000):
            tags_of.setdefault(asset_id, []).append(tag)
    new_row = _new_row()
    model_manufacturer = lookups.model_manufacturer
    for line, values, pk in targets:
        if pk is None:
            row = new_row()
            _apply_values(row, values)
            plan.creates.append((line, tuple(row), values.get("tags", [])))
            continue
        old = rows[pk]
        row = list(old)
        _apply_values(row, values)
        new = tuple(row)
        model_id, manufacturer_id, serial = new[i_model], new[i_mfr], new[i_serial]
        if model_id and model_manufacturer[model_id] != manufacturer_id:
            errors.append(RowError(line, "manufacturer",
                                   _("does not match the asset's model; give the model too")))
            continue
        holder = by_serial.get((manufacturer_id, serial)) if serial else None
        if holder is not None and holder != pk:
            errors.append(RowError(line, "serial", _("“%(serial)s” already belongs to another asset of this "
                                                     "manufacturer") % {"serial": serial}))
            continue
        if serial and not manufacturer_id:
            errors.append(RowError(line, "manufacturer", _("a serial number needs its manufacturer")))
            continue
        purchase, in_service = new[i_purchase], new[i_in_service]
        if purchase and in_service and in_service < purchase:
            column = "in_service_date" if "in_service_date" in values else "purchase_date"
            errors.append(RowError(line, column, _("the asset would be in service (%(date)s) before its "
                                                   "purchase (%(purchase)s)")
                                   % {"date": day(in_service), "purchase": day(purchase)}))
            continue
        old_tags = sorted(tags_of.get(pk, []))  # Python's order, as the file's tags
        tags = values.get("tags")
        if new != old or (tags is not None and tags != old_tags):
            plan.updates.append((line, old, new, tags, old_tags))
        else:
            plan.unchanged += 1


# --- writing -----------------------------------------------------------------------------------

def apply(plan: ImportPlan, actor_name: str, user=None, progress: Progress | None = None) -> dict:
    """Write a validated plan in one transaction, with the change log. Returns the summary.

    If the database refuses it (another writer created a conflicting asset since ``parse``),
    nothing is written and ``ImportFailed`` says so."""
    try:
        with _collector_paused():
            return _apply(plan, actor_name, user, progress)
    except (IntegrityError, DataError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed([RowError(0, "", _("the database refused the import, probably because another "
                                              "change happened meanwhile; nothing was written. Try again. "
                                              "(%(detail)s)") % {"detail": detail})]) from exc


def _instances(rows: list[tuple]) -> list[Asset]:
    """Saved assets holding ``rows``, for the change log (``str()``, the snapshot), built without
    ``Model.__init__``, as Django builds them when unpickling: ~20x cheaper."""
    alias = router.db_for_write(Asset)
    made = []
    for row in rows:
        obj = Asset.__new__(Asset)
        obj.__dict__.update(zip(ATTNAMES, row, strict=True))
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        made.append(obj)
    return made


def _apply(plan: ImportPlan, actor_name: str, user, progress: Progress | None) -> dict:
    i_pk = _AT["id"]
    with changelog.change_actor(ActorKind.IMPORT, actor_name, user=user) as actor, \
            transaction.atomic():
        tag_ids = _ensure_tags({t for _, _, tags in plan.creates for t in tags}
                               | {t for _, _, _, tags, _ in plan.updates if tags for t in tags})
        # On PostgreSQL the new assets' keys are taken first, so that the whole change log is
        # made in a thread (pure Python) while the database stores the rows it describes;
        # elsewhere the new assets are numbered as they are written, and it is made after.
        written = [a for a in ATTNAMES if a != "id"]
        new_ids = bulk.reserve_ids(Asset, len(plan.creates))
        log = changelog.ChangeRows(actor)
        with ThreadPoolExecutor(1, thread_name_prefix="import-changelog") as pool:
            if new_ids is not None:
                created = _with_ids(plan, new_ids)
                making = pool.submit(log.make, _changes(plan, created))
            # Updates first, each only while its asset is still as ``parse`` read it (and then
            # locked): otherwise the import would silently undo someone else's change.
            olds = [old for _, old, _, _, _ in plan.updates]
            news = [new for _, _, new, _, _ in plan.updates]
            # the columns that change in some row (compared a column at a time)
            changed_at = [i for i, (before, after) in enumerate(zip(zip(*olds, strict=True),
                                                                     zip(*news, strict=True), strict=True))
                          if i != i_pk and before != after]
            stale = bulk.update_rows(Asset, [ATTNAMES[i] for i in changed_at],
                                     list(map(_picker([i_pk, *changed_at]), news)),
                                     unless_changed=(ATTNAMES, olds))
            if stale:
                _refuse_stale(plan, stale)

            if new_ids is None:
                pick = _picker([_AT[a] for a in written])
                new_ids = bulk.insert_rows(Asset, written, [pick(row) for _, row, _ in plan.creates])
                created = _with_ids(plan, new_ids)
                making = pool.submit(log.make, _changes(plan, created))
            else:
                bulk.insert_rows(Asset, ATTNAMES, created, returning=False)
            if progress and created:
                progress("created", len(created), len(created))

            through = Asset.tags.through
            # the links of assets whose tags changed (rewriting the others would only churn)
            tag_updates = [(new[i_pk], tags) for _, _, new, tags, old_tags in plan.updates
                           if tags is not None and tags != old_tags]
            through.objects.filter(asset_id__in=[pk for pk, _ in tag_updates]).delete()
            bulk.insert_rows(through, ["asset_id", "tag_id"], [
                (pk, tag_ids[t]) for pk, (_, _, tags) in zip(new_ids, plan.creates, strict=True)
                for t in tags
            ] + [(pk, tag_ids[t]) for pk, tags in tag_updates for t in tags], returning=False)
            # what depends on the assets (their lifecycle answers) is brought up to date in
            # this transaction, while the change log may still be in the making
            assets_changed.send(sender=Asset, within=True,
                                asset_ids=new_ids + [new[i_pk] for _, _, new, _, _ in plan.updates])
        making.result()  # its error, if any
        log.write()
        logged = len(created) + len(plan.updates)
        if progress and logged:
            progress("logged", logged, logged)
    return plan.summary


def _with_ids(plan: ImportPlan, ids: list[int]) -> list[tuple]:
    """The rows of the plan's new assets with their primary keys."""
    i_pk = _AT["id"]
    return [row[:i_pk] + (pk,) + row[i_pk + 1:] for (_, row, _), pk in zip(plan.creates, ids, strict=True)]


def _changes(plan: ImportPlan, created: list[tuple], chunk: int = bulk.COPY_CHUNK):
    """The change log of the plan, ``chunk`` assets at a time (made while the database stores
    the chunk before, without a query)."""
    for start in range(0, len(created), chunk):
        rows = created[start:start + chunk]
        afters = changelog.row_snapshots(Asset, ATTNAMES, rows, [
            {"tags": tags} for _, _, tags in plan.creates[start:start + chunk]])
        for asset, after in zip(_instances(rows), afters, strict=True):
            yield ChangeAction.CREATE, asset, None, after
    for start in range(0, len(plan.updates), chunk):
        updates = plan.updates[start:start + chunk]
        befores = changelog.row_snapshots(Asset, ATTNAMES, [old for _, old, _, _, _ in updates],
                                          [{"tags": old_tags} for *_, old_tags in updates])
        rows = [new for _, _, new, _, _ in updates]
        afters = changelog.row_snapshots(Asset, ATTNAMES, rows, [
            {"tags": tags if tags is not None else old_tags} for *_, tags, old_tags in updates])
        for asset, before, after in zip(_instances(rows), befores, afters, strict=True):
            yield ChangeAction.UPDATE, asset, before, after


def _picker(indices: list[int]) -> Callable[[tuple], tuple]:
    """A function giving the values at ``indices`` of a row, as a tuple (also just one)."""
    get = operator.itemgetter(*indices)
    return get if len(indices) > 1 else lambda row: (get(row),)


def _refuse_stale(plan: ImportPlan, stale: list[int]) -> None:
    """Nothing is written: these assets of the plan changed or were deleted since ``parse``."""
    i_pk, i_name = _AT["id"], _AT["name"]
    olds = {old[i_pk]: (line, old) for line, old, _, _, _ in plan.updates}
    still_there = set(Asset._base_manager.filter(pk__in=stale).values_list("pk", flat=True))
    errors = [
        RowError(olds[pk][0], "", _("“%(name)s” was changed by someone else since the file was checked")
                 % {"name": olds[pk][1][i_name]}) if pk in still_there else
        RowError(olds[pk][0], "", _("“%(name)s” was deleted since the file was checked")
                 % {"name": olds[pk][1][i_name]})
        for pk in stale
    ]
    raise ImportFailed(sorted(errors, key=lambda e: e.line)
                       + [RowError(0, "", _("nothing was written; import the file again"))])


def _ensure_tags(names: set[str]) -> dict[str, int]:
    existing = {t.name: t.pk for t in Tag.objects.filter(name__in=names)}
    for name in sorted(names - set(existing)):
        limit = Tag._meta.get_field("slug").max_length
        base = (slugify(name) or "tag")[:limit]
        slug, n = base, 1
        while Tag.objects.filter(slug=slug).exists():
            n += 1
            suffix = f"-{n}"
            slug = base[:limit - len(suffix)] + suffix
        existing[name] = Tag.objects.create(name=name, slug=slug).pk
    return existing


def check_scope(plan: ImportPlan, scope: scopes.Scope) -> None:
    """Refuse (``ImportFailed``, every line named) a plan that would create an asset outside
    ``scope``, move one out of it or change one that lies outside it. The import writes rows in
    bulk, without the signals that check single saves."""
    if scope.everything:
        return
    at = _AT["org_unit_id"]
    errors = [RowError(line, "org_unit", str(scopes.OutOfScope(scope, _("the asset would be outside it."))))
              for line, row, _tags in plan.creates if not scope.allows(row[at])]
    for line, old, new, _tags, _old_tags in plan.updates:
        if not scope.allows(old[at]):
            errors.append(RowError(line, "name", str(scopes.OutOfScope(
                scope, _("this asset is outside it.")))))
        elif not scope.allows(new[at]):
            errors.append(RowError(line, "org_unit", str(scopes.OutOfScope(
                scope, _("the asset would be outside it.")))))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line)
                           + [RowError(0, "", _("nothing was written; import the file again"))])


def import_csv(source: IO[str] | str, actor_name: str, user=None, dry_run: bool = False,
               progress: Progress | None = None, scope: scopes.Scope = scopes.EVERYTHING) -> dict:
    """Validate and (unless ``dry_run``) import a CSV file of assets. Raises ``ImportFailed``.
    ``scope``: the importing user's (``inventory.scopes``); rows outside it are refused."""
    with _collector_paused():
        plan = parse(source, progress=progress)
        check_scope(plan, scope)
        if dry_run:
            return plan.summary
        return apply(plan, actor_name, user=user, progress=progress)
