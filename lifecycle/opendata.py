"""Open data (issue #16): the inventory in use as aggregated, anonymised tables — per Direktion ×
category × support status × age band, the number of assets and their replacement value — with a
Frictionless ``datapackage.json`` and the DCAT-AP CH metadata opendata.swiss harvests. No asset
name, serial, address, site or org unit below the Direktion leaves this module; a group of fewer
than ``k`` assets (``OPENDATA_MIN_GROUP``) is not published, and no totals are, so a left-out group
cannot be worked out by subtraction. docs/opendata.md says what and why.

Floor 3: the assets that count, their support statuses, ages and replacement costs are
``lifecycle.figures``' (``answers``, ``OUT_OF_SUPPORT``); this module only groups them.
``aggregate`` computes everything, ``render`` turns it into the files' text and ``write`` puts
them into a folder — nothing is written before everything is computed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from inventory.choices import HardwareCategory
from inventory.models import OrgUnit
from lifecycle import figures, rules
from lifecycle.choices import SupportStatus
from werterhalt.cells import safe_cell, safe_row

NAME = "ict-infrastruktur-lebenszyklus"  # the package's name and the dataset part of dct:identifier
VERSION = "1.0.0"  # of the tables' layout: a new column or code is a new version
DATA = "assets.csv"
CODES = "codes.csv"
PACKAGE = "datapackage.json"
DCAT = "dcat-ap-ch.xml"
FILES = (DATA, CODES, PACKAGE, DCAT)
ROUND_TO = 1000  # CHF: every published replacement value is rounded to the nearest thousand
LANGUAGES = ("de", "en")

# --- the published codes -----------------------------------------------------------------------------

NO_DIREKTION = "(ohne)"  # assets without an org unit; a slug never holds brackets
NO_DIREKTION_LABEL = _("(no Direktion)")

SUPPORTED, ENDING, OUT_OF_SUPPORT, UNKNOWN = "supported", "ending", "out_of_support", "unknown"
# one published status per asset: out of support as every figure counts it (figures.OUT_OF_SUPPORT,
# hardware or software); otherwise its hardware support status, in three groups
SUPPORT_GROUPS = {
    rules.SUPPORTED: SUPPORTED,
    rules.SUPPORTED_NO_END: SUPPORTED,
    rules.END_OF_SALE: SUPPORTED,
    rules.MAINTENANCE_ENDING: ENDING,
    rules.SECURITY_ONLY: ENDING,
    rules.UNSUPPORTED: OUT_OF_SUPPORT,
    rules.UNKNOWN: UNKNOWN,
}
SUPPORT_LABELS = {
    SUPPORTED: SupportStatus.SUPPORTED.label,
    ENDING: SupportStatus.MAINTENANCE_ENDING.label,
    OUT_OF_SUPPORT: _("Out of support"),
    UNKNOWN: SupportStatus.UNKNOWN.label,
}

# age bands in whole years since the service start (lifecycle.rules.service_start); (code, first
# year, last year or None), then unknown: no service start
AGE_BANDS = (("0-2", 0, 2), ("3-4", 3, 4), ("5-6", 5, 6), ("7-8", 7, 8), ("9+", 9, None))
AGE_UNKNOWN = "unknown"
AGE_LABELS = {
    "0-2": _("0 to 2 years"),
    "3-4": _("3 to 4 years"),
    "5-6": _("5 to 6 years"),
    "7-8": _("7 to 8 years"),
    "9+": _("9 years and more"),
    AGE_UNKNOWN: _("Unknown"),
}

# licences the settings may name (OPENDATA_LICENSE): their text, and opendata.swiss's terms of use
LICENSES = {
    "CC-BY-4.0": {
        "title": "Creative Commons Attribution 4.0 International",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "terms": "NonCommercialAllowed-CommercialAllowed-ReferenceRequired",
        "vocabulary": "http://dcat-ap.ch/vocabulary/licenses/terms_by",
    },
    "CC0-1.0": {
        "title": "Creative Commons Zero v1.0 Universal",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "terms": "NonCommercialAllowed-CommercialAllowed-ReferenceNotRequired",
        "vocabulary": "http://dcat-ap.ch/vocabulary/licenses/terms_open",
    },
}

COLUMNS = ["date", "direktion", "category", "support_status", "age_band", "assets", "replacement_value_chf"]
KEY = COLUMNS[:5]


class OpenDataError(ValueError):
    """A setting or an argument the export cannot go on with; the message names it."""


@dataclass
class Publication:
    """What ``aggregate`` found on ``at``: the published rows (``COLUMNS``, sorted by the key) and,
    for the person running the export only, what was left out."""

    at: dt.date
    k: int
    rows: pd.DataFrame
    direktionen: dict[str, str]  # code -> name, of the Direktionen in the rows
    in_use: int  # assets in use
    groups: int  # non-empty groups before suppression
    suppressed_groups: int = 0
    suppressed_assets: int = 0
    created: dt.datetime = field(default_factory=timezone.now)


# --- per asset --------------------------------------------------------------------------------------


def support_status(hardware: np.ndarray, software: np.ndarray) -> np.ndarray:
    """The published support status of each asset (``SUPPORTED`` … ``UNKNOWN``): out of support as
    ``figures.OUT_OF_SUPPORT`` counts it (hardware or software), else its hardware status' group."""
    hardware = np.asarray(hardware, dtype=object)
    out = np.isin(hardware, figures.OUT_OF_SUPPORT) | np.isin(np.asarray(software, dtype=object),
                                                              figures.OUT_OF_SUPPORT)
    grouped = np.array([SUPPORT_GROUPS.get(h, UNKNOWN) for h in hardware], dtype=object)
    return np.where(out, OUT_OF_SUPPORT, grouped)


def age_band(age: np.ndarray) -> np.ndarray:
    """The age band of each age in years (``figures.answers``' ``age``; NaN: no service start).
    Whole years count: 2.99 is in 0-2. A service start after the day (a negative age) is in 0-2."""
    age = np.asarray(age, dtype=float)
    years = np.floor(np.where(np.isnan(age), 0, age))
    bands = np.full(age.shape, AGE_UNKNOWN, dtype=object)
    for code, first, last in AGE_BANDS:
        inside = ~np.isnan(age) & (years >= (first if first else -np.inf))
        if last is not None:
            inside &= years <= last
        bands[inside] = code
    return bands


def direktionen() -> dict[int, tuple[str, str]]:
    """Every org unit's Direktion: the unit at the top of its chain of parents, as (slug, name)."""
    units = {pk: (slug, name, parent) for pk, slug, name, parent in
             OrgUnit.objects.values_list("pk", "slug", "name", "parent_id")}
    top: dict[int, tuple[str, str]] = {}
    for pk in units:
        node, seen = pk, {pk}
        while units[node][2] in units and units[node][2] not in seen:
            node = units[node][2]
            seen.add(node)
        top[pk] = units[node][:2]
    return top


# --- the table ---------------------------------------------------------------------------------------


def rounded(cents: int) -> int:
    """Whole cents to CHF rounded to the nearest ``ROUND_TO`` (a half up)."""
    step = ROUND_TO * 100
    return int((cents + step // 2) // step * ROUND_TO)


def aggregate(at: dt.date, queryset=None, k: int | None = None) -> Publication:
    """The published rows on ``at`` over the assets in use of ``queryset`` (default: all): one per
    group of at least ``k`` assets (default ``OPENDATA_MIN_GROUP``); smaller groups are left out."""
    k = settings.OPENDATA_MIN_GROUP if k is None else k
    if k < 1:
        raise OpenDataError(f"OPENDATA_MIN_GROUP: {k} is not a whole number from 1")
    frame = figures.answers(at, queryset)
    used = frame[frame["usage"] == rules.IN_USE]
    facts = pd.DataFrame(
        list(figures.in_use(queryset).order_by().values_list("pk", "hardware_model__category",
                                                               "org_unit_id")),
        columns=["asset_id", "category", "org_unit_id"],
    ).astype({"asset_id": np.int64})
    used = used.merge(facts, on="asset_id", how="left", validate="one_to_one")
    tops = direktionen()
    unit = used["org_unit_id"].fillna(-1).astype(np.int64).tolist()  # -1: no org unit
    codes = np.array([tops[u][0] if u in tops else NO_DIREKTION for u in unit], dtype=object)
    names = {NO_DIREKTION: str(NO_DIREKTION_LABEL), **{slug: name for slug, name in tops.values()}}
    table = pd.DataFrame({
        "direktion": codes,
        "category": used["category"].fillna(HardwareCategory.OTHER.value).to_numpy(dtype=object),
        "support_status": support_status(used["hardware_status"].to_numpy(),
                                         used["software_status"].to_numpy()),
        "age_band": age_band(used["age"].to_numpy()),
        "cents": np.where(used["cost_cents"] >= 0, used["cost_cents"], 0).astype(np.int64),
    })
    keys = KEY[1:]
    groups = table.groupby(keys, sort=True).agg(assets=("cents", "size"), cents=("cents", "sum"))
    groups = groups.reset_index()
    shown = groups[groups["assets"] >= k]
    rows = pd.DataFrame({
        "date": at.isoformat(),
        **{key: shown[key].to_numpy(dtype=object) for key in keys},
        "assets": shown["assets"].to_numpy(dtype=np.int64),
        "replacement_value_chf": [rounded(c) for c in shown["cents"].tolist()],
    }, columns=COLUMNS)
    rows = rows.sort_values(KEY, kind="stable").reset_index(drop=True)
    left = groups[groups["assets"] < k]
    return Publication(
        at=at,
        k=k,
        rows=rows,
        direktionen={code: names[code] for code in sorted(set(rows["direktion"]))},
        in_use=len(used),
        groups=len(groups),
        suppressed_groups=len(left),
        suppressed_assets=int(left["assets"].sum()),
    )


# --- the files ---------------------------------------------------------------------------------------


def _both(text) -> dict[str, str]:
    """A lazy text in German and in English."""
    words = {}
    for language in LANGUAGES:
        with translation.override(language):
            words[language] = str(text)
    return words


def _csv(header: list[str], rows) -> str:
    """RFC 4180 with "\n": every text cell made safe for spreadsheets (``werterhalt.cells``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue()


def code_rows(publication: Publication) -> list[tuple[str, str, str, str]]:
    """The lookup table of every code the data may hold: (field, code, German, English)."""
    rows = []
    for code, name in publication.direktionen.items():
        words = _both(NO_DIREKTION_LABEL) if code == NO_DIREKTION else {"de": name, "en": name}
        rows.append(("direktion", code, words["de"], words["en"]))
    for choice in HardwareCategory:
        words = _both(choice.label)
        rows.append(("category", choice.value, words["de"], words["en"]))
    for code, label in SUPPORT_LABELS.items():
        words = _both(label)
        rows.append(("support_status", code, words["de"], words["en"]))
    for code, label in AGE_LABELS.items():
        words = _both(label)
        rows.append(("age_band", code, words["de"], words["en"]))
    return rows


def _license() -> tuple[str, dict]:
    name = settings.OPENDATA_LICENSE
    if name not in LICENSES:
        raise OpenDataError(f"OPENDATA_LICENSE: {name!r} is not one of {', '.join(LICENSES)}")
    return name, LICENSES[name]


TITLE = _("ICT infrastructure of the city administration: assets by age and support status")
DESCRIPTION = _(
    "ICT devices in use in the city administration (network, servers, storage and others), counted "
    "per Direktion, category, support status and age band, with their replacement value rounded to "
    "CHF 1,000. "
    "Groups of fewer than %(k)d devices are not published, and neither are totals."
)
DATA_TITLE = _("Devices in use per Direktion, category, support status and age band")
CODES_TITLE = _("Codes and their labels")
# (name, type, title, description) of the data's fields
FIELDS = (
    ("date", "date", _("Reference date"), _("The day the figures describe (ISO 8601).")),
    ("direktion", "string", _("Direktion"),
     _("Code of the Direktion (top-level org unit) the devices belong to; (ohne): no org unit "
       "recorded. Names in codes.csv.")),
    ("category", "string", _("Category"), _("Device category (codes.csv).")),
    ("support_status", "string", _("Support status"),
     _("Out of support: the vendor no longer supports the hardware or its software; otherwise the "
       "hardware's support status: supported, ending (within the warning period, or security "
       "fixes only) or unknown (no vendor dates recorded).")),
    ("age_band", "string", _("Age band"),
     _("Whole years since the device went into service (else since purchase, else since first "
       "seen): 0-2, 3-4, 5-6, 7-8, 9+, or unknown.")),
    ("assets", "integer", _("Devices"), _("Number of devices in use in the group (at least %(k)d).")),
    ("replacement_value_chf", "integer", _("Replacement value (CHF)"),
     _("Cost of replacing the devices of the group today (list price, else the policy default, "
       "else the purchase cost; unknown counts as 0), in CHF rounded to the nearest 1,000.")),
)
CODE_FIELDS = (
    ("field", "string", _("Field"), _("The field of assets.csv the code belongs to.")),
    ("code", "string", _("Code"), _("The value in assets.csv.")),
    ("label_de", "string", _("German label"), _("What the code means, in German.")),
    ("label_en", "string", _("English label"), _("What the code means, in English.")),
)
KEYWORDS = (_("ICT"), _("infrastructure"), _("lifecycle"), _("administration"))


def _field(name, kind, title, description, k: int) -> dict:
    titles, descriptions = _both(title), _both(description)
    return {
        "name": name,
        "type": kind,
        "title": titles["de"],
        "description": descriptions["de"] % {"k": k} if "%(k)" in descriptions["de"] else descriptions["de"],
        "title_en": titles["en"],
        "description_en": (descriptions["en"] % {"k": k} if "%(k)" in descriptions["en"]
                           else descriptions["en"]),
    }


def package(publication: Publication, base_url: str = "") -> dict:
    """The Frictionless Data Package (v1, profile tabular-data-package) describing the files."""
    k = publication.k
    name, licence = _license()
    enums = {
        # as the CSV holds them (a slug starting with "-" gets a "'": werterhalt.cells); none
        # published: no enum (an empty one is invalid)
        "direktion": [safe_cell(code) for code in publication.direktionen],
        "category": [c.value for c in HardwareCategory],
        "support_status": list(SUPPORT_LABELS),
        "age_band": list(AGE_LABELS),
    }
    fields = []
    for spec in FIELDS:
        described = _field(*spec, k=k)
        constraints = {"required": True}
        if enums.get(spec[0]):
            constraints["enum"] = enums[spec[0]]
        if spec[0] == "assets":
            constraints["minimum"] = k
        if spec[0] == "replacement_value_chf":
            constraints["minimum"] = 0
        described["constraints"] = constraints
        fields.append(described)
    titles, descriptions = _both(TITLE), _both(DESCRIPTION)
    data_titles, code_titles = _both(DATA_TITLE), _both(CODES_TITLE)
    publisher = {"title": settings.OPENDATA_PUBLISHER, "role": "publisher"}
    if settings.OPENDATA_PUBLISHER_URL:
        publisher["path"] = settings.OPENDATA_PUBLISHER_URL
    descriptor = {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": titles["de"],
        "title_de": titles["de"],
        "title_en": titles["en"],
        "description": descriptions["de"] % {"k": k},
        "description_de": descriptions["de"] % {"k": k},
        "description_en": descriptions["en"] % {"k": k},
        "version": VERSION,
        "created": publication.created.isoformat(timespec="seconds"),
        "date": publication.at.isoformat(),
        "keywords": list(dict.fromkeys(_both(w)[lang] for lang in LANGUAGES for w in KEYWORDS)),
        "licenses": [{"name": name, "path": licence["path"], "title": licence["title"]}],
        "contributors": [publisher],
        "resources": [
            {
                "name": "assets",
                "path": DATA,
                "profile": "tabular-data-resource",
                "title": data_titles["de"],
                "title_en": data_titles["en"],
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": {"fields": fields, "primaryKey": KEY, "missingValues": [""]},
            },
            {
                "name": "codes",
                "path": CODES,
                "profile": "tabular-data-resource",
                "title": code_titles["de"],
                "title_en": code_titles["en"],
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": {
                    "fields": [
                        {**_field(*spec, k=k), "constraints": {"required": True}} for spec in CODE_FIELDS
                    ],
                    "primaryKey": ["field", "code"],
                    "missingValues": [],
                },
            },
        ],
    }
    if base_url:
        descriptor["homepage"] = base_url
    return descriptor


# --- DCAT-AP CH (RDF/XML, as opendata.swiss harvests it) -----------------------------------------------

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "schema": "http://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
THEME = "http://opendata.swiss/themes/government"  # opendata.swiss: government and public sector
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/IRREG"  # each export a release


def organisation() -> str:
    """The publisher's slug on opendata.swiss, from OPENDATA_PUBLISHER's first part: "Stadt
    Werterhalt, Informatikdienste" → stadt-werterhalt."""
    return slugify(settings.OPENDATA_PUBLISHER.split(",")[0]) or "werterhalt"


def identifier() -> str:
    """dct:identifier as opendata.swiss wants it: dataset@organisation."""
    return f"{NAME}@{organisation()}"


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _sub(parent, name: str, text: str | None = None, resource: str | None = None, lang: str | None = None,
         datatype: str | None = None):
    node = ET.SubElement(parent, _q(name))
    if text is not None:
        node.text = text
    if resource is not None:
        node.set(_q("rdf:resource"), resource)
    if lang is not None:
        node.set(XML_LANG, lang)
    if datatype is not None:
        node.set(_q("rdf:datatype"), NS["xsd"] + datatype)
    return node


def dcat(publication: Publication, base_url: str = "", contact: str = "") -> str:
    """The dataset and its distributions in DCAT-AP CH, RDF/XML. Without ``base_url`` the download
    addresses are the files' names, relative to where this file is published."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    k = publication.k
    name, licence = _license()
    base = base_url.rstrip("/") + "/" if base_url else ""
    issued = publication.created.isoformat(timespec="seconds")
    root = ET.Element(_q("rdf:RDF"))
    catalog = ET.SubElement(root, _q("dcat:Catalog"))
    dataset = ET.SubElement(_sub(catalog, "dcat:dataset"), _q("dcat:Dataset"))
    dataset.set(_q("rdf:about"), f"{base}{DCAT}#dataset")  # relative without base_url, as the files
    _sub(dataset, "dct:identifier", identifier())
    for language, text in _both(TITLE).items():
        _sub(dataset, "dct:title", text, lang=language)
    for language, text in _both(DESCRIPTION).items():
        _sub(dataset, "dct:description", text % {"k": k}, lang=language)
    publisher = ET.SubElement(_sub(dataset, "dct:publisher"), _q("foaf:Organization"))
    if settings.OPENDATA_PUBLISHER_URL:
        publisher.set(_q("rdf:about"), settings.OPENDATA_PUBLISHER_URL)
    _sub(publisher, "foaf:name", settings.OPENDATA_PUBLISHER)
    point = ET.SubElement(_sub(dataset, "dcat:contactPoint"), _q("vcard:Organization"))
    _sub(point, "vcard:fn", settings.OPENDATA_PUBLISHER)
    if contact:
        _sub(point, "vcard:hasEmail", resource=f"mailto:{contact}")
    _sub(dataset, "dct:issued", issued, datatype="dateTime")
    _sub(dataset, "dct:modified", issued, datatype="dateTime")
    _sub(dataset, "dcat:theme", resource=THEME)
    for word in KEYWORDS:
        for language, text in _both(word).items():
            _sub(dataset, "dcat:keyword", text, lang=language)
    _sub(dataset, "dct:accrualPeriodicity", resource=FREQUENCY)
    _sub(dataset, "dct:spatial", settings.OPENDATA_PUBLISHER.split(",")[0].strip())  # the city
    period = ET.SubElement(_sub(dataset, "dct:temporal"), _q("dct:PeriodOfTime"))
    _sub(period, "schema:startDate", publication.at.isoformat(), datatype="date")
    _sub(period, "schema:endDate", publication.at.isoformat(), datatype="date")
    if base_url:
        _sub(dataset, "dcat:landingPage", resource=base_url)
    for path, title in ((DATA, DATA_TITLE), (CODES, CODES_TITLE)):
        distribution = ET.SubElement(_sub(dataset, "dcat:distribution"), _q("dcat:Distribution"))
        distribution.set(_q("rdf:about"), f"{base}{path}")
        for language, text in _both(title).items():
            _sub(distribution, "dct:title", text, lang=language)
        _sub(distribution, "dct:issued", issued, datatype="dateTime")
        _sub(distribution, "dct:modified", issued, datatype="dateTime")
        _sub(distribution, "dcat:accessURL", resource=f"{base}{path}")
        _sub(distribution, "dcat:downloadURL", resource=f"{base}{path}")
        _sub(distribution, "dct:license", resource=licence["vocabulary"])
        _sub(distribution, "dct:rights", licence["terms"])
        _sub(distribution, "dcat:mediaType", "text/csv")
        _sub(distribution, "dct:format", "CSV")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- writing -----------------------------------------------------------------------------------------


def render(publication: Publication, base_url: str = "", contact: str = "") -> dict[str, str]:
    """Every file's text, by name."""
    rows = publication.rows
    return {
        DATA: _csv(COLUMNS, rows.itertuples(index=False, name=None)),
        CODES: _csv([f[0] for f in CODE_FIELDS], code_rows(publication)),
        PACKAGE: json.dumps(package(publication, base_url), ensure_ascii=False, indent=2) + "\n",
        DCAT: dcat(publication, base_url, contact),
    }


def write(texts: dict[str, str], folder: str | os.PathLike) -> list[Path]:
    """Put the files into ``folder`` (made if missing): each written beside it first and moved under
    its name only when all are written, so an error leaves no file half written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".opendata-", dir=folder))
    try:
        for name, text in texts.items():
            (scratch / name).write_text(text, encoding="utf-8", newline="")
        for name in texts:
            os.replace(scratch / name, folder / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [folder / name for name in texts]
