"""Lifecycle rules: pure functions of plain values and an explicit ``at`` date. No Django.

Milestones are ``date | bool | None``:
- a date: the day the milestone falls on (reached from that day on);
- ``True``: reached, date unknown (endoflife.date's ``true``);
- ``False``: not announced (the vendor still supports it, no end date given);
- ``None``: nothing known.
``lifecycle.frame`` computes the same answers for a whole inventory at once (pandas); both are
tested on one table of cases.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lifecycle import periods

Milestone = dt.date | bool | None

# Status values (equal to lifecycle.choices.SupportStatus / Coverage / Risk)
SUPPORTED = "supported"
SUPPORTED_NO_END = "supported_no_end"
END_OF_SALE = "end_of_sale"
MAINTENANCE_ENDING = "maintenance_ending"
SECURITY_ONLY = "security_only"
UNSUPPORTED = "unsupported"
UNKNOWN = "unknown"

COVERED, EXPIRING, EXPIRED, NONE = "covered", "expiring", "expired", "none"
LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"

# Which status is worse (for roll-ups and risk)
SEVERITY = {
    SUPPORTED: 0,
    SUPPORTED_NO_END: 0,
    END_OF_SALE: 1,
    UNKNOWN: 2,
    MAINTENANCE_ENDING: 3,
    SECURITY_ONLY: 4,
    UNSUPPORTED: 5,
}


# Basis of a replace-by date: the end of support came first, or the service life did; ``none``:
# no date is known. Words for people live in ``lifecycle.labels``; nothing here is prose.
BASIS_SUPPORT, BASIS_SERVICE_LIFE, BASIS_NONE = "support", "service_life", "none"
# Where the service life counts from (``service_start``)
START_IN_SERVICE, START_PURCHASE, START_FIRST_SEEN = "in_service_date", "purchase_date", "first_seen"


# Where a replacement cost comes from, in the order they are tried (``replacement_cost``)
COST_LIST_PRICE, COST_POLICY, COST_PURCHASE, COST_UNKNOWN = "list_price", "policy", "purchase", "unknown"

# Which assets count. An asset's status puts it in one usage group; lifecycle figures and the
# replacement plan count the assets *in use* (active or in maintenance). Spares and planned assets
# are shown as their own groups (count, book value, replacement value) but are in no budget year:
# a spare is itself stock for replacements, and a planned asset is not running yet. Decommissioned
# assets count nowhere. ``lifecycle.figures`` applies this rule to querysets and frames.
IN_USE, SPARES, PLANNED, DECOMMISSIONED = "in_use", "spare", "planned", "decommissioned"
USAGE = {
    "active": IN_USE,
    "maintenance": IN_USE,
    "spare": SPARES,
    "planned": PLANNED,
    "decommissioned": DECOMMISSIONED,
}
BACKLOG = "backlog"


@dataclass(frozen=True)
class Policy:
    service_life_years: int = 8
    depreciation_years: int = 5
    out_of_support: str = "last_date_of_support"  # a HardwareDates field name
    warn_months: int = 12


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class HardwareDates:
    end_of_sale_announced: Milestone = None
    end_of_sale: Milestone = None
    end_of_sw_maintenance: Milestone = None
    end_of_security_support: Milestone = None
    last_date_of_support: Milestone = None


@dataclass(frozen=True)
class SoftwareDates:
    end_of_maintenance: Milestone = None
    end_of_security_support: Milestone = None
    end_of_life: Milestone = None


# --- dates ---------------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` + whole years; 29 February becomes 28 February in a common year."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` + months, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_years(start: dt.date | None, at: dt.date) -> float | None:
    """Years from ``start`` to ``at`` in 365.25-day years, rounded to hundredths (exact integer
    arithmetic: 1/100 year = 1461/400 days, and the half never occurs); None without a start."""
    if start is None:
        return None
    return ((at - start).days * 400 + 730) // 1461 / 100


def service_start(
    in_service: dt.date | None, purchase: dt.date | None, first_seen: dt.date | None
) -> tuple[dt.date | None, str]:
    """The date an asset's life counts from, and which date it was."""
    for value, name in (
        (in_service, START_IN_SERVICE),
        (purchase, START_PURCHASE),
        (first_seen, START_FIRST_SEEN),
    ):
        if value is not None:
            return value, name
    return None, ""


def reached(milestone: Milestone, at: dt.date) -> bool:
    return milestone is True or (isinstance(milestone, dt.date) and milestone <= at)


def _date(milestone: Milestone) -> dt.date | None:
    return milestone if isinstance(milestone, dt.date) else None


# --- support status ------------------------------------------------------------------------------


def hardware_status(notice: HardwareDates | None, at: dt.date, policy: Policy = DEFAULT_POLICY) -> str:
    """Support status of a hardware model on ``at`` (see module docstring for milestones)."""
    if notice is None:
        return UNKNOWN
    out = getattr(notice, policy.out_of_support)
    if reached(out, at):
        return UNSUPPORTED
    if policy.out_of_support != "end_of_sw_maintenance" and reached(notice.end_of_sw_maintenance, at):
        return SECURITY_ONLY
    out_date = _date(out)
    if out_date is not None and out_date <= add_months(at, policy.warn_months):
        return MAINTENANCE_ENDING
    if reached(notice.end_of_sale, at):
        return END_OF_SALE
    if out_date is not None:
        return SUPPORTED
    return SUPPORTED_NO_END


def software_status(release: SoftwareDates | None, at: dt.date, warn_months: int = 12) -> str:
    """Support status of a software release cycle on ``at``; None (no matching cycle) is unknown."""
    if release is None:
        return UNKNOWN
    # without an announced end of security support, the end of life is the end
    sec = release.end_of_security_support
    end = sec if sec is True or isinstance(sec, dt.date) else release.end_of_life
    if reached(end, at) or reached(release.end_of_life, at):
        return UNSUPPORTED
    if reached(release.end_of_maintenance, at):
        return SECURITY_ONLY
    end_date = _date(end)
    if end_date is not None and end_date <= add_months(at, warn_months):
        return MAINTENANCE_ENDING
    if end_date is not None:
        return SUPPORTED
    return SUPPORTED_NO_END


def worst(statuses: Iterable[str]) -> str:
    """The worst of several statuses (a chassis and its modules); no statuses: unknown."""
    statuses = list(statuses)
    return max(statuses, key=SEVERITY.__getitem__) if statuses else UNKNOWN


ROLL_UP = (UNSUPPORTED, SECURITY_ONLY, MAINTENANCE_ENDING)


def module_findings(modules: Iterable[tuple[str, str]]) -> list[str]:
    """(module name, status) pairs -> findings for the chassis: modules out of or losing support."""
    return [f"module {name}: {status.replace('_', ' ')}" for name, status in modules if status in ROLL_UP]


# --- contracts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractDates:
    start: dt.date
    end: dt.date
    notice_days: int = 90


RUNNING, FUTURE = "running", "future"  # contract states besides EXPIRING / EXPIRED


def contract_state(contract: ContractDates, at: dt.date) -> str:
    """``running``, ``expiring`` (running, and its end is within its notice days), ``expired`` or
    ``future`` (not started yet). A contract is in force on its first and on its last day."""
    if contract.start <= at <= contract.end:
        return EXPIRING if (contract.end - at).days <= contract.notice_days else RUNNING
    return EXPIRED if contract.end < at else FUTURE


def coverage(contracts: Iterable[ContractDates], at: dt.date) -> str:
    """Covered by a running contract (the best one counts), expiring within its notice days,
    expired, or none (``contract_state`` of each)."""
    best = NONE
    for c in contracts:
        state = {RUNNING: COVERED, EXPIRING: EXPIRING, EXPIRED: EXPIRED, FUTURE: NONE}[contract_state(c, at)]
        best = max(best, state, key=_COVERAGE_RANK.__getitem__)
    return best


_COVERAGE_RANK = {NONE: 0, EXPIRED: 1, EXPIRING: 2, COVERED: 3}


def contract_end(contracts: Iterable[ContractDates], at: dt.date) -> dt.date | None:
    """The end of the contract that counts for ``coverage``: the latest end of those in force on
    ``at``, else of those expired; None without a contract that has started."""
    running = [c.end for c in contracts if contract_state(c, at) in (RUNNING, EXPIRING)]
    if running:
        return max(running)
    ended = [c.end for c in contracts if contract_state(c, at) == EXPIRED]
    return max(ended) if ended else None


# --- replacement and value ------------------------------------------------------------------------


def replacement_due(
    start: dt.date | None, out_of_support: Milestone, life_years: int
) -> tuple[dt.date | None, str]:
    """The replace-by date and its basis: the earlier of the out-of-support milestone (when dated)
    and ``start`` + ``life_years``; on a tie, support. (None, ``none``) when neither is known."""
    end_of_life = add_years(start, life_years) if start else None
    oos = _date(out_of_support)
    if oos is not None and (end_of_life is None or oos <= end_of_life):
        return oos, BASIS_SUPPORT
    if end_of_life is not None:
        return end_of_life, BASIS_SERVICE_LIFE
    return None, BASIS_NONE


def replacement_cost(
    list_price: Decimal | None, policy_cost: Decimal | None, purchase_cost: Decimal | None
) -> tuple[Decimal | None, str]:
    """What replacing the asset costs, and where the figure comes from, in this order: the hardware
    model's list price (today's price of the model), the lifecycle policy's default replacement
    cost (the planners' estimate for the category), what the asset cost when it was bought (a
    historical price: the last resort), else unknown (None)."""
    for value, source in (
        (list_price, COST_LIST_PRICE),
        (policy_cost, COST_POLICY),
        (purchase_cost, COST_PURCHASE),
    ):
        if value is not None:
            return Decimal(value), source
    return None, COST_UNKNOWN


def usage(asset_status: str) -> str:
    """The usage group of an asset status (see ``USAGE``); an unknown status counts as in use."""
    return USAGE.get(asset_status, IN_USE)


def bucket(due: dt.date | None, at: dt.date, group: str = IN_USE, freq: str = "year") -> str | None:
    """The planning bucket of an asset on ``at``: ``backlog`` when its replace-by date is before
    ``at`` (overdue), else the fiscal year (``2027``, ``2026/27``) or quarter (``2027Q1``) of that
    date (``lifecycle.periods``). Only assets in use have one (see ``USAGE``); so has nothing
    without a replace-by date (None)."""
    if due is None or group != IN_USE:
        return None
    if due < at:
        return BACKLOG
    return periods.label(due, freq)


def book_value(
    cost: Decimal | None, start: dt.date | None, at: dt.date, policy: Policy = DEFAULT_POLICY
) -> Decimal | None:
    """Straight-line depreciation over ``depreciation_years`` (by days), never below 0."""
    if cost is None or start is None:
        return None
    if at <= start:
        return Decimal(cost).quantize(Decimal("0.01"))
    span = (add_years(start, policy.depreciation_years) - start).days
    used = min((at - start).days, span)
    value = Decimal(cost) * Decimal(span - used) / Decimal(span)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def risk(
    hardware: str, software: str, contract: str, age: float | None, policy: Policy = DEFAULT_POLICY
) -> str:
    """low / medium / high / critical, from the worst signal:
    critical — hardware or software unsupported and no running contract;
    high — anything unsupported, or security-only without a contract, or past its service life;
    medium — support ending or security-only, contract expiring or expired, unknown hardware, or
    in the last year of its service life; low — otherwise."""
    unsupported = UNSUPPORTED in (hardware, software)
    no_contract = contract in (NONE, EXPIRED)
    if unsupported and no_contract:
        return CRITICAL
    over_life = age is not None and age >= policy.service_life_years
    if unsupported or over_life or (SECURITY_ONLY in (hardware, software) and no_contract):
        return HIGH
    near_life = age is not None and age >= policy.service_life_years - 1
    if (
        {hardware, software} & {MAINTENANCE_ENDING, SECURITY_ONLY}
        or contract in (EXPIRING, EXPIRED)
        or hardware == UNKNOWN
        or near_life
    ):
        return MEDIUM
    return LOW


# --- software versions -----------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+")


@functools.lru_cache(maxsize=4096)
def _normal(version: str) -> str:
    """Leading zeros off every number: ``17.09.04a`` -> ``17.9.4a``, ``7.0(3)I7(2)`` unchanged."""
    return _NUMBER.sub(lambda m: str(int(m.group())), version.strip())


def _key(version: str) -> str:
    return _normal(version).casefold()


def _starts(v: str, c: str) -> bool:
    """``v`` starts with ``c`` and the match ends at a boundary: a number does not run on into
    another number (4.3 is not 4.30), nor a word into another word. Both normalised (``_key``)."""
    if not c or not v.startswith(c):
        return False
    rest = v[len(c) :]
    if rest and c[-1].isdigit() and rest[0].isdigit():
        return False
    return not (rest and c[-1].isalpha() and rest[0].isalpha())


def build_prefix(latest: str) -> str | None:
    """A latest version's *build prefix*: every dot-separated component but the last
    (``6.21.1`` -> ``6.21``, ``10.0.20348`` -> ``10.0``), normalised; None below three components
    (``7.8`` -> None: a bare major number says nothing about the cycle)."""
    parts = _key(latest).split(".") if latest else []
    return ".".join(parts[:-1]) if len(parts) >= 3 else None


def match_cycle(
    version: str | None, cycles: Sequence[str], latest: Mapping[str, str] | None = None
) -> str | None:
    """The release cycle a reported version belongs to, or None when none fits. The first of these
    rules that finds a cycle decides:

    1. **Name** — the longest cycle the version starts with, ending at a boundary (``17.09.04a`` ->
       17.9, ``4.30.2F`` -> 4.30 not 4.3, ``11.1.4-h7`` -> 11.1, ``7.0(3)I7(2)`` -> 7.0(3)I7).
    2. **Latest** (``latest``: cycle -> its latest version, e.g. endoflife.date's ``latest``) — the
       cycle whose latest the version equals or extends at a boundary; the longest such latest
       wins. This is the per-platform version map of vendors that report builds, derived from the
       data, not typed in: Windows Server ``10.0.20348`` and ``10.0.20348.2340`` -> 2022 (its latest
       is build 10.0.20348), ``10.0.17763.1`` -> 2019. A build no cycle's latest names — a Windows
       10/11 desktop build such as ``10.0.19045`` — matches nothing: a desktop build lands on a
       server cycle only where the data gives a server cycle that very build (the 2004 SAC and
       Windows 10 2004 are both 10.0.19041).
    3. **Build prefix** (``build_prefix``: the latest without its last component, from three
       components up) — a version equal to it or extending it at a boundary, provided (a) no other
       cycle of the platform has that build prefix and (b) the cycle's name is a version of the
       same scheme (its first component is the latest's). RouterOS' odd cycle: 6.20's latest is
       6.21.1 and there is no 6.21, so ``6.21`` and ``6.21.0`` -> 6.20. Windows Server cycles are
       named by year (``2022`` vs ``10.0.20348``), so (b) keeps the major.minor ``10.0`` of every
       modern Windows from claiming unknown builds even when only one cycle is loaded.

    Several cycles can claim one version through their latest (endoflife.date gives Windows Server
    2019 and 1809 SAC both build 10.0.17763, and 2003, 2003 SP1 and SP2 all 5.2.3790): the first
    of them in ``cycles`` wins, so callers list the cycles in preference order — ``by_support``,
    the longest-supported first (the build is serviced as long as its longest cycle: 2019, 2003
    SP2). Without ``latest`` only rule 1 applies, as before."""
    if not version:
        return None
    v = _key(version)
    best = None
    for cycle in cycles:
        c = _key(cycle)
        if _starts(v, c) and (best is None or len(c) > len(_key(best))):
            best = cycle
    if best is not None or not latest:
        return best
    claims = [(cycle, _key(latest[cycle])) for cycle in cycles if latest.get(cycle)]
    length = -1
    for cycle, lv in claims:
        if _starts(v, lv) and len(lv) > length:
            best, length = cycle, len(lv)
    if best is not None:
        return best
    prefixes: dict[str, list[str]] = {}
    for cycle, lv in claims:
        p = build_prefix(lv)
        if p is not None:
            prefixes.setdefault(p, []).append(cycle)
    for p, owners in prefixes.items():
        if len(owners) != 1 or not _starts(v, p) or len(p) <= length:
            continue
        cycle = owners[0]
        if _key(cycle).split(".")[0] == p.split(".")[0]:
            best, length = cycle, len(p)
    return best


def _support_end(release: SoftwareDates) -> dt.date:
    """The last day a cycle is supported, for ordering: its end of life, else its end of security
    support; reached without a date -> the earliest day, not announced -> the last."""
    for milestone in (release.end_of_life, release.end_of_security_support):
        if isinstance(milestone, dt.date):
            return milestone
        if milestone is True:
            return dt.date.min
    return dt.date.max


def by_support(releases: Mapping[str, SoftwareDates]) -> list[str]:
    """The cycles in ``match_cycle``'s preference order: the longest-supported first (ties keep
    the given order)."""
    return sorted(releases, key=lambda cycle: _support_end(releases[cycle]), reverse=True)


# --- one asset, everything -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetFacts:
    in_service: dt.date | None = None
    purchase: dt.date | None = None
    first_seen: dt.date | None = None
    cost: Decimal | None = None  # what the asset cost (purchase cost)
    notice: HardwareDates | None = None
    release: SoftwareDates | None = None
    contracts: tuple[ContractDates, ...] = ()
    module_statuses: tuple[tuple[str, str], ...] = ()  # (module name, hardware status)
    list_price: Decimal | None = None  # its hardware model's list price
    policy_cost: Decimal | None = None  # its policy's default replacement cost
    status: str = "active"  # the asset's status (``USAGE``)


@dataclass(frozen=True)
class Evaluation:
    age: float | None
    hardware: str
    software: str
    coverage: str
    replacement_due: dt.date | None
    basis: str  # BASIS_*
    book_value: Decimal | None
    risk: str
    findings: tuple[str, ...] = ()
    service_start: dt.date | None = None
    start_source: str = ""  # START_* or ""
    support_ends: dt.date | None = None  # the policy's out-of-support milestone, when dated
    replacement_cost: Decimal | None = None
    cost_source: str = COST_UNKNOWN
    usage: str = IN_USE
    life_years: int = DEFAULT_POLICY.service_life_years
    out_of_support: str = DEFAULT_POLICY.out_of_support  # the milestone the policy counts

    def bucket(self, at: dt.date, freq: str = "year") -> str | None:
        return bucket(self.replacement_due, at, self.usage, freq)


def evaluate(asset: AssetFacts, at: dt.date, policy: Policy = DEFAULT_POLICY) -> Evaluation:
    """Every lifecycle answer for one asset on ``at``. Modules past support roll up as findings
    and make the chassis's hardware status no better than theirs."""
    start, start_source = service_start(asset.in_service, asset.purchase, asset.first_seen)
    age = age_years(start, at)
    hardware = hardware_status(asset.notice, at, policy)
    findings = module_findings(asset.module_statuses)
    if findings:  # a module losing support drags its chassis down with it
        hardware = worst([hardware, *(s for _n, s in asset.module_statuses if s in ROLL_UP)])
    software = software_status(asset.release, at, policy.warn_months)
    cover = coverage(asset.contracts, at)
    oos = getattr(asset.notice, policy.out_of_support) if asset.notice else None
    due, basis = replacement_due(start, oos, policy.service_life_years)
    value = book_value(asset.cost, asset.purchase or start, at, policy)
    cost, cost_source = replacement_cost(asset.list_price, asset.policy_cost, asset.cost)
    return Evaluation(
        age=age,
        hardware=hardware,
        software=software,
        coverage=cover,
        replacement_due=due,
        basis=basis,
        book_value=value,
        risk=risk(hardware, software, cover, age, policy),
        findings=tuple(findings),
        service_start=start,
        start_source=start_source,
        support_ends=_date(oos),
        replacement_cost=cost,
        cost_source=cost_source,
        usage=usage(asset.status),
        life_years=policy.service_life_years,
        out_of_support=policy.out_of_support,
    )
