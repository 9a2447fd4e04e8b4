"""endoflife.date release cycles -> SoftwareRelease (or, with ``hardware=True``, HardwareNotice).

Both shapes of its API are read:
- API v1 (``/api/v1/products/<product>``): ``{"result": {"releases": [{"name", "releaseDate",
  "isLts", "eoasFrom"/"isEoas", "eolFrom"/"isEol", "eoesFrom"/"isEoes", "latest": {"name"}}]}}``;
- the older ``/api/<product>.json``: ``[{"cycle", "releaseDate", "support", "eol",
  "extendedSupport", "lts", "latest", "link"}]`` where a date may be ``true`` (reached, no date)
  or ``false`` (not announced), and ``lts`` may be a date.

Mapping (endoflife.date's meaning -> ours):
- ``support`` / ``eoasFrom`` (end of active support) -> ``end_of_maintenance``
- ``eol`` / ``eolFrom`` (end of security support) -> ``end_of_security_support``
- ``extendedSupport`` / ``eoesFrom`` (end of extended support) -> ``end_of_life``; without
  extended support the end of life is the ``eol`` date.
- ``true`` without a date -> the ``*_reached`` flag; in v1 an ``is*`` flag that is true with no
  date does the same. ``false`` / null -> not announced.
Hardware products (e.g. ``sns-hardware``, Stormshield appliances): each cycle is a hardware model
of the given manufacturer; ``support`` -> ``end_of_sw_maintenance``, ``eol`` ->
``last_date_of_support``; a hardware milestone needs a date (``true`` is an error).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import transaction

from inventory.changelog import change_actor
from inventory.choices import ActorKind, HardwareCategory
from inventory.models import HardwareModel, Manufacturer, Platform
from inventory.naming import model_key
from lifecycle.importers import ImportFailed, Problem, Summary, update_changed
from lifecycle.models import HardwareNotice, SoftwareRelease

Milestone = dt.date | bool | None


@dataclass
class Cycle:
    where: str
    name: str
    release_date: dt.date | None
    maintenance: Milestone
    security: Milestone
    life: Milestone
    lts: bool
    latest: str
    link: str


def _milestone(value, where: str, field: str, problems: list[Problem]) -> Milestone:
    if value is None or value is False:
        return None
    if value is True:
        return True
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            problems.append(Problem(where, f"{field}: {value!r} is not a date (YYYY-MM-DD), true or false"))
            return None
    problems.append(Problem(where, f"{field}: expected a date, true or false, got {type(value).__name__}"))
    return None


def _flagged(date_value, flag, where, field, problems) -> Milestone:
    """v1: a date, or the is* flag when there is no date."""
    m = _milestone(date_value, where, field, problems)
    if m is None and flag is True:
        return True
    if flag is not None and not isinstance(flag, bool):
        problems.append(Problem(where, f"is-flag of {field}: expected true, false or null"))
    return m


def parse(text: str, source: str = "") -> list[Cycle]:
    """Every cycle of the file, or ImportFailed listing every problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportFailed([Problem(f"line {e.lineno} column {e.colno}", f"not JSON: {e.msg}")]) from None
    problems: list[Problem] = []
    if isinstance(data, dict):
        result = data.get("result")
        releases = result.get("releases") if isinstance(result, dict) else None
        if not isinstance(releases, list):
            raise ImportFailed([Problem("", "an API v1 file needs result.releases (a list)")])
        v1 = True
    elif isinstance(data, list):
        releases, v1 = data, False
    else:
        raise ImportFailed([Problem("", "expected a list of cycles or an API v1 object")])
    cycles: list[Cycle] = []
    seen: dict[str, str] = {}
    for i, r in enumerate(releases, start=1):
        where = f"release {i}"
        if not isinstance(r, dict):
            problems.append(Problem(where, f"expected an object, got {type(r).__name__}"))
            continue
        name = r.get("name" if v1 else "cycle")
        if isinstance(name, int | float) and not isinstance(name, bool):
            name = str(name)
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(where, f"{'name' if v1 else 'cycle'} is missing"))
            continue
        name = name.strip()
        where = f"release {i} ({name})"
        if name.casefold() in seen:
            problems.append(Problem(where, f"cycle {name} appears twice (also {seen[name.casefold()]})"))
            continue
        seen[name.casefold()] = where
        released = _milestone(r.get("releaseDate"), where, "releaseDate", problems)
        if v1:
            maintenance = _flagged(r.get("eoasFrom"), r.get("isEoas"), where, "eoasFrom", problems)
            security = _flagged(r.get("eolFrom"), r.get("isEol"), where, "eolFrom", problems)
            extended = _flagged(r.get("eoesFrom"), r.get("isEoes"), where, "eoesFrom", problems)
            lts = r.get("isLts") is True
            latest = r.get("latest")
            latest = latest.get("name") if isinstance(latest, dict) else latest
            link = ""
        else:
            maintenance = _milestone(r.get("support"), where, "support", problems)
            security = _milestone(r.get("eol"), where, "eol", problems)
            extended = _milestone(r.get("extendedSupport"), where, "extendedSupport", problems)
            lts = bool(r.get("lts"))
            latest = r.get("latest")
            link = r.get("link") or ""
        cycles.append(
            Cycle(
                where=where,
                name=name[:50],
                release_date=released if isinstance(released, dt.date) else None,
                maintenance=maintenance,
                security=security,
                life=extended if extended is not None else security,
                lts=lts,
                latest=str(latest)[:50] if isinstance(latest, str | int | float) else "",
                link=(link if isinstance(link, str) else "")[:500] or source[:500],
            )
        )
    if problems:
        raise ImportFailed(problems)
    if not cycles:
        raise ImportFailed([Problem("", "the file lists no release cycles")])
    return cycles


def _split(m: Milestone) -> tuple[dt.date | None, bool]:
    return (m, False) if isinstance(m, dt.date) else (None, m is True)


def import_software(
    text: str, platform_slug: str, source: str = "", dry_run: bool = False, sample: bool = False
) -> Summary:
    try:
        platform = Platform.objects.get(slug=platform_slug)
    except Platform.DoesNotExist:
        raise ImportFailed([Problem("", f"no platform with the slug {platform_slug!r}")]) from None
    cycles = parse(text, source)
    summary = Summary()
    existing = {r.cycle.casefold(): r for r in SoftwareRelease.objects.filter(platform=platform)}
    with transaction.atomic(), change_actor(ActorKind.IMPORT, f"import_lifecycle endoflife {source}"[:100]):
        for c in cycles:
            (eom, eom_flag), (eos, eos_flag), (eol, eol_flag) = map(
                _split, (c.maintenance, c.security, c.life)
            )
            values = {
                "release_date": c.release_date,
                "end_of_maintenance": eom,
                "maintenance_ended": eom_flag,
                "end_of_security_support": eos,
                "security_ended": eos_flag,
                "end_of_life": eol,
                "life_ended": eol_flag,
                "lts": c.lts,
                "latest_version": c.latest,
                "source": c.link,
                "sample": sample,
            }
            release = existing.get(c.name.casefold())
            if release is None:
                summary.created += 1
                if not dry_run:
                    SoftwareRelease.objects.create(platform=platform, cycle=c.name, **values)
                continue
            if update_changed(release, values):  # a dry run's writes are rolled back below
                summary.updated += 1
            else:
                summary.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return summary


def import_hardware(
    text: str,
    manufacturer_slug: str,
    source: str = "",
    dry_run: bool = False,
    category: str = HardwareCategory.FIREWALL,
) -> Summary:
    try:
        manufacturer = Manufacturer.objects.get(slug=manufacturer_slug)
    except Manufacturer.DoesNotExist:
        raise ImportFailed([Problem("", f"no manufacturer with the slug {manufacturer_slug!r}")]) from None
    cycles = parse(text, source)
    problems = [
        Problem(c.where, f"{field} is true without a date: a hardware notice needs the date")
        for c in cycles
        for field, m in (("support", c.maintenance), ("eol", c.security))
        if m is True
    ]
    if problems:
        raise ImportFailed(problems)
    summary = Summary()
    models = {model_key(m.model): m for m in HardwareModel.objects.filter(manufacturer=manufacturer)}
    with transaction.atomic(), change_actor(ActorKind.IMPORT, f"import_lifecycle endoflife {source}"[:100]):
        for c in cycles:
            hm = models.get(model_key(c.name))
            if hm is None:
                hm = HardwareModel.objects.create(
                    manufacturer=manufacturer, model=c.name[:100], name=c.name[:100], category=category
                )
            values = {
                "end_of_sw_maintenance": c.maintenance or None,
                "last_date_of_support": c.security or None,
                "source": c.link,
            }
            notice = HardwareNotice.objects.filter(hardware_models=hm, bulletin="").first()
            if notice is None:
                summary.created += 1
                notice = HardwareNotice.objects.create(**values)
                notice.hardware_models.add(hm)
                continue
            if update_changed(notice, values):
                summary.updated += 1
            else:
                summary.unchanged += 1
        if dry_run:
            transaction.set_rollback(True)
    return summary
