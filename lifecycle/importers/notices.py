"""Vendors' end-of-life bulletins -> HardwareNotice: a CSV in the shape of EoX bulletins, and the
JSON of Cisco's EoX API (v5: ``EOXRecord`` with ``EOLProductID``, ``EndOfSaleDate``… each date
``{"value", "dateFormat"}``). A live client for Cisco's API would feed ``parse_cisco_eox``; there
is none here (it needs an API account and the internet), so the JSON is read from a file.

Rows sharing a bulletin number make one notice that covers several models. A vendor must exist
(through its aliases); an unknown part number is an error unless ``create_models`` is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.db import transaction

from inventory.changelog import change_actor
from inventory.choices import ActorKind
from inventory.models import HardwareModel, Manufacturer
from inventory.naming import model_key, vendor_key
from lifecycle.importers import ImportFailed, Problem, Summary, update_changed
from lifecycle.models import HardwareNotice

DATE_FIELDS = [
    "end_of_sale_announced",
    "end_of_sale",
    "end_of_sw_maintenance",
    "end_of_security_support",
    "last_date_of_support",
]
CSV_REQUIRED = ["vendor", "part_number"]
CSV_COLUMNS = [*CSV_REQUIRED, *DATE_FIELDS, "replacement", "bulletin", "source"]


@dataclass
class NoticeRow:
    where: str
    vendor: str
    part_number: str
    dates: dict[str, dt.date | None] = field(default_factory=dict)
    replacement: str = ""
    bulletin: str = ""
    source: str = ""


def _date(text: str, where: str, column: str, problems: list[Problem]) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(where, f"{column}: {text!r} is not a date (YYYY-MM-DD)"))
        return None


def parse_csv(text: str) -> list[NoticeRow]:
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ImportFailed([Problem("line 1", f"missing column(s): {', '.join(missing)}")])
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ImportFailed(
            [
                Problem(
                    "line 1", f"unknown column(s): {', '.join(unknown)} (expected {', '.join(CSV_COLUMNS)})"
                )
            ]
        )
    rows = []
    for raw in reader:
        where = f"line {reader.line_num}"
        r = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if None in raw:
            problems.append(Problem(where, "more cells than columns"))
            continue
        for c in CSV_REQUIRED:
            if not r.get(c):
                problems.append(Problem(where, f"{c} is empty"))
        dates = {c: _date(r.get(c, ""), where, c, problems) for c in DATE_FIELDS}
        rows.append(
            NoticeRow(
                where,
                r.get("vendor", ""),
                r.get("part_number", ""),
                dates,
                r.get("replacement", ""),
                r.get("bulletin", ""),
                r.get("source", ""),
            )
        )
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([Problem("", "the file has no rows")])
    return rows


EOX_DATES = {
    "EOXExternalAnnouncementDate": "end_of_sale_announced",
    "EndOfSaleDate": "end_of_sale",
    "EndOfSWMaintenanceReleases": "end_of_sw_maintenance",
    "EndOfSecurityVulSupportDate": "end_of_security_support",
    "LastDateOfSupport": "last_date_of_support",
}


def parse_cisco_eox(text: str) -> tuple[list[NoticeRow], list[str]]:
    """Rows and warnings (records the API answered with an error for)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportFailed([Problem(f"line {e.lineno} column {e.colno}", f"not JSON: {e.msg}")]) from None
    records = data.get("EOXRecord") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise ImportFailed([Problem("", "expected an object with EOXRecord (a list)")])
    problems: list[Problem] = []
    rows, warnings = [], []
    for i, rec in enumerate(records, start=1):
        where = f"EOXRecord {i}"
        if not isinstance(rec, dict):
            problems.append(Problem(where, f"expected an object, got {type(rec).__name__}"))
            continue
        pid = rec.get("EOLProductID")
        error = rec.get("EOXError")
        if isinstance(error, dict) and error.get("ErrorID"):
            warnings.append(
                f"{where} ({pid or rec.get('EOXInputValue', '?')}): {error.get('ErrorDescription', '')}"
            )
            continue
        if not isinstance(pid, str) or not pid.strip():
            problems.append(Problem(where, "EOLProductID is missing"))
            continue
        where = f"EOXRecord {i} ({pid})"
        dates = {}
        for key, name in EOX_DATES.items():
            value = rec.get(key)
            if value is None:
                dates[name] = None
            elif isinstance(value, dict) and isinstance(value.get("value", ""), str):
                dates[name] = _date(value.get("value", ""), where, key, problems)
            else:
                problems.append(Problem(where, f'{key}: expected {{"value": "YYYY-MM-DD", ...}}'))
        migration = rec.get("EOXMigrationDetails") or {}
        replacement = migration.get("MigrationProductId", "") if isinstance(migration, dict) else ""
        rows.append(
            NoticeRow(
                where,
                "Cisco",
                pid.strip(),
                dates,
                (replacement or "").strip(),
                str(rec.get("ProductBulletinNumber") or "").strip(),
                str(rec.get("LinkToProductBulletinURL") or "").strip(),
            )
        )
    if problems:
        raise ImportFailed(problems)
    return rows, warnings


def write(
    rows: list[NoticeRow], *, actor: str, create_models: bool = False, dry_run: bool = False
) -> Summary:
    """Resolve vendors and models, group by bulletin, upsert notices. All or nothing."""
    problems: list[Problem] = []
    summary = Summary()
    vendors = Manufacturer.objects.index()
    models = HardwareModel.objects.index()
    resolved: list[
        tuple[NoticeRow, int, int | None, int | None]
    ] = []  # row, manufacturer, model, replacement
    for r in rows:
        mfr = vendors.get(vendor_key(r.vendor))
        if mfr is None:
            problems.append(Problem(r.where, f"vendor {r.vendor!r} is not a known manufacturer (or alias)"))
            continue
        hm = models.get((mfr, model_key(r.part_number)))
        if hm is None and not create_models:
            problems.append(
                Problem(
                    r.where,
                    f"part number {r.part_number!r} is not a hardware model of "
                    f"{r.vendor} (import with --create-models to add it)",
                )
            )
            continue
        repl = models.get((mfr, model_key(r.replacement))) if r.replacement else None
        if r.replacement and repl is None:
            summary.warnings.append(
                f"{r.where}: replacement {r.replacement!r} is not in the catalogue; left empty"
            )
        resolved.append((r, mfr, hm, repl))
    groups: dict[str, list] = {}
    for item in resolved:
        key = (
            f"bulletin:{item[0].bulletin}"
            if item[0].bulletin
            else f"model:{item[1]}:{model_key(item[0].part_number)}"
        )
        groups.setdefault(key, []).append(item)
    for key, items in groups.items():
        first = items[0][0]
        for r, *_ in items[1:]:
            if r.dates != first.dates:
                problems.append(Problem(r.where, f"bulletin {r.bulletin}: dates differ from {first.where}"))
            if key.startswith("model:"):
                problems.append(Problem(r.where, f"{r.part_number} appears twice (also {first.where})"))
    if problems:
        raise ImportFailed(problems)
    with transaction.atomic(), change_actor(ActorKind.IMPORT, actor[:100]):
        for items in groups.values():
            first = items[0][0]
            model_ids = []
            for r, mfr, hm, _ in items:
                if hm is None:
                    hm = HardwareModel.objects.create(
                        manufacturer_id=mfr, model=r.part_number[:100], name=r.part_number[:100]
                    ).pk
                model_ids.append(hm)
            values = {**first.dates, "replacement_model_id": items[0][3], "source": first.source[:500]}
            if first.bulletin:
                notice = HardwareNotice.objects.filter(bulletin=first.bulletin).first()
            else:
                notice = HardwareNotice.objects.filter(hardware_models=model_ids[0], bulletin="").first()
            if notice is None:
                notice = HardwareNotice.objects.create(bulletin=first.bulletin[:100], **values)
                notice.hardware_models.add(*model_ids)
                summary.created += 1
                continue
            changed = update_changed(notice, values)
            have = set(notice.hardware_models.values_list("pk", flat=True))
            if set(model_ids) - have:
                notice.hardware_models.add(*(set(model_ids) - have))
            if changed or set(model_ids) - have:
                summary.updated += 1
            else:
                summary.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return summary
