"""Lifecycle rules, table-driven with explicit dates; the vectorised path on the same table."""

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest

from lifecycle import frame as lframe
from lifecycle import rules
from lifecycle.rules import AssetFacts, ContractDates, HardwareDates, Policy, SoftwareDates

D = dt.date
AT = D(2026, 6, 15)
P = rules.DEFAULT_POLICY  # 8 years life, 5 years depreciation, last date of support, 12 months warning


# --- hardware status -----------------------------------------------------------------------------
HW_CASES = [
    ("no notice", None, AT, P, rules.UNKNOWN),
    ("notice without any date", HardwareDates(), AT, P, rules.SUPPORTED_NO_END),
    (
        "all not announced (false)",
        HardwareDates(False, False, False, False, False),
        AT,
        P,
        rules.SUPPORTED_NO_END,
    ),
    ("support ends far ahead", HardwareDates(last_date_of_support=D(2030, 1, 1)), AT, P, rules.SUPPORTED),
    (
        "end of sale passed",
        HardwareDates(end_of_sale=D(2025, 1, 1), last_date_of_support=D(2030, 1, 1)),
        AT,
        P,
        rules.END_OF_SALE,
    ),
    (
        "end of sale today",
        HardwareDates(end_of_sale=AT, last_date_of_support=D(2030, 1, 1)),
        AT,
        P,
        rules.END_OF_SALE,
    ),
    (
        "end of sale tomorrow",
        HardwareDates(end_of_sale=D(2026, 6, 16), last_date_of_support=D(2030, 1, 1)),
        AT,
        P,
        rules.SUPPORTED,
    ),
    (
        "support ends within 12 months",
        HardwareDates(last_date_of_support=D(2027, 6, 15)),
        AT,
        P,
        rules.MAINTENANCE_ENDING,
    ),
    (
        "support ends 12 months + 1 day",
        HardwareDates(last_date_of_support=D(2027, 6, 16)),
        AT,
        P,
        rules.SUPPORTED,
    ),
    (
        "sw maintenance over",
        HardwareDates(end_of_sw_maintenance=D(2026, 1, 1), last_date_of_support=D(2029, 1, 1)),
        AT,
        P,
        rules.SECURITY_ONLY,
    ),
    ("last day of support is today", HardwareDates(last_date_of_support=AT), AT, P, rules.UNSUPPORTED),
    ("support over, date unknown (true)", HardwareDates(last_date_of_support=True), AT, P, rules.UNSUPPORTED),
    (
        "security support as milestone",
        HardwareDates(end_of_security_support=D(2026, 1, 1), last_date_of_support=D(2028, 1, 1)),
        AT,
        Policy(out_of_support="end_of_security_support"),
        rules.UNSUPPORTED,
    ),
    (
        "leap day milestone, day before",
        HardwareDates(last_date_of_support=D(2028, 2, 29)),
        D(2028, 2, 28),
        P,
        rules.MAINTENANCE_ENDING,
    ),
    (
        "leap day milestone reached",
        HardwareDates(last_date_of_support=D(2028, 2, 29)),
        D(2028, 2, 29),
        P,
        rules.UNSUPPORTED,
    ),
    (
        "warning of 3 months",
        HardwareDates(last_date_of_support=D(2026, 12, 1)),
        AT,
        Policy(warn_months=3),
        rules.SUPPORTED,
    ),
]


@pytest.mark.parametrize(
    ("name", "notice", "at", "policy", "expected"), HW_CASES, ids=[c[0] for c in HW_CASES]
)
def test_hardware_status(name, notice, at, policy, expected):
    assert rules.hardware_status(notice, at, policy) == expected


SW_CASES = [
    ("no matching cycle", None, rules.UNKNOWN),
    ("nothing announced", SoftwareDates(), rules.SUPPORTED_NO_END),
    ("supported", SoftwareDates(D(2027, 12, 1), D(2028, 12, 1), D(2028, 12, 1)), rules.SUPPORTED),
    ("maintenance over", SoftwareDates(D(2026, 1, 1), D(2028, 12, 1), D(2028, 12, 1)), rules.SECURITY_ONLY),
    (
        "security ends soon",
        SoftwareDates(D(2027, 12, 1), D(2027, 1, 1), D(2027, 1, 1)),
        rules.MAINTENANCE_ENDING,
    ),
    ("end of life true", SoftwareDates(True, True, True), rules.UNSUPPORTED),
    (
        "eol date passed, security not announced",
        SoftwareDates(False, False, D(2026, 1, 1)),
        rules.UNSUPPORTED,
    ),
    ("only eol ahead", SoftwareDates(None, None, D(2030, 1, 1)), rules.SUPPORTED),
    ("maintenance true, eol ahead", SoftwareDates(True, None, D(2030, 1, 1)), rules.SECURITY_ONLY),
]


@pytest.mark.parametrize(("name", "release", "expected"), SW_CASES, ids=[c[0] for c in SW_CASES])
def test_software_status(name, release, expected):
    assert rules.software_status(release, AT) == expected


@pytest.mark.parametrize(
    ("contracts", "expected"),
    [
        ((), rules.NONE),
        ((ContractDates(D(2025, 1, 1), D(2027, 12, 31)),), rules.COVERED),
        ((ContractDates(D(2025, 1, 1), AT, 90),), rules.EXPIRING),  # ends today: still in force, expiring
        ((ContractDates(D(2025, 1, 1), D(2026, 9, 13), 90),), rules.EXPIRING),  # 90 days left
        ((ContractDates(D(2025, 1, 1), D(2026, 9, 14), 90),), rules.COVERED),  # 91 days left
        ((ContractDates(D(2020, 1, 1), D(2026, 6, 14)),), rules.EXPIRED),
        ((ContractDates(D(2027, 1, 1), D(2028, 1, 1)),), rules.NONE),  # not started
        (
            (ContractDates(D(2020, 1, 1), D(2021, 1, 1)), ContractDates(D(2025, 1, 1), D(2028, 1, 1))),
            rules.COVERED,
        ),
    ],
)
def test_contract_coverage(contracts, expected):
    assert rules.coverage(contracts, AT) == expected


@pytest.mark.parametrize(
    ("start", "reason", "oos", "policy", "due", "why"),
    [
        (
            D(2020, 3, 1),
            "in_service_date",
            None,
            P,
            D(2028, 3, 1),
            "service life of 8 years from in service date",
        ),
        (
            D(2020, 3, 1),
            "purchase_date",
            D(2025, 1, 1),
            P,
            D(2025, 1, 1),
            "out of support (last date of support)",
        ),
        (
            D(2020, 3, 1),
            "first_seen",
            D(2031, 1, 1),
            P,
            D(2028, 3, 1),
            "service life of 8 years from first seen",
        ),
        (None, "", D(2031, 1, 1), P, D(2031, 1, 1), "out of support (last date of support)"),
        (None, "", None, P, None, "no dates"),
        (None, "", True, P, None, "no dates"),  # out of support, but nobody knows since when
        (
            D(2020, 2, 29),
            "purchase_date",
            None,
            Policy(service_life_years=5),
            D(2025, 2, 28),
            "service life of 5 years from purchase date",
        ),
        (
            D(2020, 2, 29),
            "purchase_date",
            None,
            Policy(service_life_years=4),
            D(2024, 2, 29),
            "service life of 4 years from purchase date",
        ),
    ],
)
def test_replacement_due(start, reason, oos, policy, due, why):
    basis = {"service": rules.BASIS_SERVICE_LIFE, "out": rules.BASIS_SUPPORT, "no": rules.BASIS_NONE}
    assert rules.replacement_due(start, oos, policy.service_life_years) == (due, basis[why.split()[0]])


@pytest.mark.parametrize(
    ("cost", "start", "at", "value"),
    [
        (Decimal("1000.00"), D(2020, 1, 1), D(2020, 1, 1), Decimal("1000.00")),
        (Decimal("1000.00"), D(2020, 1, 1), D(2019, 1, 1), Decimal("1000.00")),  # bought later than asked
        (Decimal("1000.00"), D(2020, 1, 1), D(2025, 1, 1), Decimal("0.00")),
        (Decimal("1000.00"), D(2020, 1, 1), D(2030, 1, 1), Decimal("0.00")),
        (Decimal("1826.00"), D(2021, 1, 1), D(2023, 7, 3), Decimal("913.00")),  # 1826-day span, 913 used
        (Decimal("999.99"), D(2024, 2, 29), D(2025, 2, 28), Decimal("800.10")),  # 999.99 x 1461 / 1826
        (None, D(2020, 1, 1), AT, None),
        (Decimal("1000"), None, AT, None),
    ],
)
def test_book_value(cost, start, at, value):
    assert rules.book_value(cost, start, at) == value


@pytest.mark.parametrize(
    ("hw", "sw", "cov", "age", "expected"),
    [
        (rules.SUPPORTED, rules.SUPPORTED, rules.COVERED, 2.0, rules.LOW),
        (rules.UNSUPPORTED, rules.SUPPORTED, rules.NONE, 2.0, rules.CRITICAL),
        (rules.SUPPORTED, rules.UNSUPPORTED, rules.EXPIRED, 2.0, rules.CRITICAL),
        (rules.UNSUPPORTED, rules.SUPPORTED, rules.COVERED, 2.0, rules.HIGH),
        (rules.SUPPORTED, rules.SUPPORTED, rules.COVERED, 8.0, rules.HIGH),
        (rules.SECURITY_ONLY, rules.SUPPORTED, rules.NONE, 2.0, rules.HIGH),
        (rules.SECURITY_ONLY, rules.SUPPORTED, rules.COVERED, 2.0, rules.MEDIUM),
        (rules.SUPPORTED, rules.SUPPORTED, rules.EXPIRING, 2.0, rules.MEDIUM),
        (rules.UNKNOWN, rules.UNKNOWN, rules.NONE, None, rules.MEDIUM),
        (rules.SUPPORTED, rules.SUPPORTED, rules.NONE, 7.0, rules.MEDIUM),
        (rules.SUPPORTED_NO_END, rules.SUPPORTED, rules.NONE, None, rules.LOW),
    ],
)
def test_risk(hw, sw, cov, age, expected):
    assert rules.risk(hw, sw, cov, age) == expected


@pytest.mark.parametrize(
    ("version", "cycles", "cycle"),
    [
        ("17.09.04a", ["17.9", "17.6", "17.12"], "17.9"),
        ("17.12.1", ["17.1", "17.12"], "17.12"),
        ("4.30.2F", ["4.3", "4.30", "4.31"], "4.30"),
        ("11.1.4-h7", ["11.0", "11.1", "10.2"], "11.1"),
        ("7.0(3)I7(2)", ["7.0(3)I7", "7.0(3)I4", "9.3"], "7.0(3)I7"),
        ("9.3(8)", ["9.3", "10.2"], "9.3"),
        ("6.2.1", ["7.0", "7.2"], None),
        ("", ["7.0"], None),
        (None, ["7.0"], None),
        ("2022.10.1", ["2022", "2022.10"], "2022.10"),
    ],
)
def test_match_cycle(version, cycles, cycle):
    assert rules.match_cycle(version, cycles) == cycle


# Windows Server as endoflife.date gives it (cycle -> latest), in ``rules.by_support`` order
WINDOWS = {
    "2025": "10.0.26100",
    "2022": "10.0.20348",
    "2019": "10.0.17763",
    "2016": "10.0.14393",
    "23h2-ac": "10.0.25398",
    "2003-sp2": "5.2.3790",
    "1809-sac": "10.0.17763",
    "2003-sp1": "5.2.3790",
    "2003": "5.2.3790",
}
ROUTEROS = {"6.22": "6.22", "6.20": "6.21.1", "6.2": "6.2", "6.19": "6.19", "7.23": "7.23.3"}


@pytest.mark.parametrize(
    ("version", "table", "cycle"),
    [
        ("10.0.20348", WINDOWS, "2022"),  # a cycle's latest
        ("10.0.20348.2340", WINDOWS, "2022"),  # a revision of that build
        ("10.0.17763.1", WINDOWS, "2019"),  # 2019 and 1809 SAC share it: the first in the order
        ("10.0.26100.1742", WINDOWS, "2025"),
        ("5.2.3790", WINDOWS, "2003-sp2"),
        ("10.0.19045", WINDOWS, None),  # Windows 10 22H2: no server cycle's build
        ("10.0.22631.3880", WINDOWS, None),  # Windows 11 23H2
        ("10.0.2034", WINDOWS, None),  # a number does not run on: 2034 is not 20348
        ("10.0", WINDOWS, None),  # the major.minor of every modern Windows names no cycle
        ("2022", WINDOWS, "2022"),  # the name rule first, as before
        ("6.21.1", ROUTEROS, "6.20"),  # RouterOS: 6.20's latest
        ("6.21", ROUTEROS, "6.20"),  # its build prefix, which no other cycle has
        ("6.21.0", ROUTEROS, "6.20"),
        ("6.2.1", ROUTEROS, "6.2"),  # names first
        ("6.23", ROUTEROS, None),
        ("7.23.1", ROUTEROS, "7.23"),
        ("11.1.4-h7", {"11.1": "11.1.13", "10.2": "10.2.16"}, "11.1"),  # unchanged with latest given
        ("6.2.1", {"7.0": "7.0.17", "7.2": "7.2.12"}, None),
    ],
)
def test_match_cycle_by_latest(version, table, cycle):
    assert rules.match_cycle(version, list(table), table) == cycle


@pytest.mark.parametrize(
    ("version", "table", "cycle"),
    [
        # one Windows cycle alone: its build prefix 10.0 would be unique, but a year names the
        # cycle, not a version, so a desktop build stays unmatched
        ("10.0.19045", {"2022": "10.0.20348"}, None),
        ("10.0.20348.1", {"2022": "10.0.20348"}, "2022"),
        # a version-named cycle alone: its build prefix counts
        ("8.4", {"8.3": "8.4.2"}, "8.3"),
        ("8.5", {"8.3": "8.4.2"}, None),
        # two cycles with one build prefix: neither owns it
        ("8.4", {"8.3": "8.4.2", "8.2": "8.4.1"}, None),
        ("8.4.1", {"8.3": "8.4.2", "8.2": "8.4.1"}, "8.2"),
        # below three components there is no build prefix: 8 would claim every 8.x
        ("8.9", {"8.0": "8.1"}, None),
        ("", {"8.0": "8.1"}, None),
        ("8.1", {"8.0": ""}, None),  # no latest known
    ],
)
def test_match_cycle_build_prefix(version, table, cycle):
    assert rules.match_cycle(version, list(table), table) == cycle


def test_match_cycle_ties_go_to_the_first_listed():
    assert rules.match_cycle("10.0.17763", ["1809-sac", "2019"], WINDOWS) == "1809-sac"
    assert rules.match_cycle("10.0.17763", ["2019", "1809-sac"], WINDOWS) == "2019"


def test_by_support_longest_supported_first():
    releases = {
        "1809-sac": SoftwareDates(D(2020, 11, 10), D(2020, 11, 10), D(2020, 11, 10)),
        "2019": SoftwareDates(D(2024, 1, 9), D(2029, 1, 9), D(2029, 1, 9)),
        "old": SoftwareDates(True, True, True),  # over, date unknown
        "open": SoftwareDates(False, False, False),  # no end announced
        "sec": SoftwareDates(None, D(2027, 1, 1), None),  # only the end of security support
        "also-2019": SoftwareDates(None, None, D(2029, 1, 9)),
    }
    assert rules.by_support(releases) == ["open", "2019", "also-2019", "sec", "1809-sac", "old"]


def test_build_prefix():
    assert rules.build_prefix("6.21.1") == "6.21"
    assert rules.build_prefix("10.0.20348") == "10.0"
    assert rules.build_prefix("17.09.04") == "17.9"
    assert rules.build_prefix("7.8") is None
    assert rules.build_prefix("") is None


def test_module_past_support_rolls_up_to_its_chassis():
    asset = AssetFacts(
        in_service=D(2022, 1, 1),
        notice=HardwareDates(last_date_of_support=D(2032, 1, 1)),
        module_statuses=(("PSU 1", rules.UNSUPPORTED), ("Fan 1", rules.SUPPORTED)),
    )
    result = rules.evaluate(asset, AT)
    assert result.hardware == rules.UNSUPPORTED
    assert result.findings == ("module PSU 1: unsupported",)
    clean = rules.evaluate(
        AssetFacts(in_service=D(2022, 1, 1), notice=HardwareDates(last_date_of_support=D(2032, 1, 1))), AT
    )
    assert clean.hardware == rules.SUPPORTED and clean.findings == ()


def test_asset_without_any_date():
    result = rules.evaluate(AssetFacts(), AT)
    assert (result.age, result.hardware, result.software, result.coverage) == (
        None,
        "unknown",
        "unknown",
        "none",
    )
    assert (result.replacement_due, result.basis, result.book_value) == (None, rules.BASIS_NONE, None)
    assert (result.replacement_cost, result.cost_source) == (None, rules.COST_UNKNOWN)
    assert result.bucket(AT) is None
    assert result.risk == rules.MEDIUM  # unknown hardware is a risk of its own


# --- the vectorised path ----------------------------------------------------------------------------


def _assets_from_cases() -> list[tuple[AssetFacts, Policy]]:
    """Every case above turned into an asset, with contracts and dates around it."""
    out = []
    for i, (_name, notice, _at, policy, _exp) in enumerate(HW_CASES):
        _n, release, _e = SW_CASES[i % len(SW_CASES)]
        out.append(
            (
                AssetFacts(
                    in_service=D(2019, 2, 28) if i % 3 else None,
                    purchase=D(2016, 2, 28 + i % 2),
                    first_seen=D(2021, 5, 5),
                    cost=Decimal(1000 + i * 37) / 100 * 100,
                    notice=notice,
                    release=release,
                    contracts=(ContractDates(D(2025, 1, 1), AT + dt.timedelta(days=i * 11), 60),),
                ),
                policy,
            )
        )
    out.append((AssetFacts(), P))
    return out


def _random_asset(rng: random.Random) -> tuple[AssetFacts, Policy]:
    def day(lo=2012, hi=2034):
        if rng.random() < 0.1:
            return None
        return (
            D(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() > 0.02
            else D(2024, 2, 29)
        )

    def milestone():
        return rng.choice([None, False, True, day(), day(), day()])

    notice = None if rng.random() < 0.2 else HardwareDates(*(milestone() for _ in range(5)))
    release = None if rng.random() < 0.2 else SoftwareDates(*(milestone() for _ in range(3)))
    contracts = tuple(
        ContractDates(s, s + dt.timedelta(days=rng.randint(0, 2000)), rng.choice([0, 30, 90, 365]))
        for s in (D(rng.randint(2015, 2030), rng.randint(1, 12), 1) for _ in range(rng.randint(0, 3)))
    )
    modules = tuple(
        (
            f"m{i}",
            rng.choice(
                [
                    rules.SUPPORTED,
                    rules.UNSUPPORTED,
                    rules.MAINTENANCE_ENDING,
                    rules.SECURITY_ONLY,
                    rules.UNKNOWN,
                    rules.END_OF_SALE,
                ]
            ),
        )
        for i in range(rng.choice([0, 0, 1, 3]))
    )
    cost = None if rng.random() < 0.1 else Decimal(rng.randint(0, 5_000_000)) / 100
    list_price = None if rng.random() < 0.5 else Decimal(rng.randint(0, 5_000_000)) / 100
    policy_cost = None if rng.random() < 0.5 else Decimal(rng.randint(0, 5_000_000)) / 100
    status = rng.choice(["active", "active", "maintenance", "spare", "planned", "decommissioned"])
    policy = Policy(
        rng.randint(3, 12),
        rng.randint(3, 8),
        rng.choice(["last_date_of_support", "end_of_security_support", "end_of_sw_maintenance"]),
        rng.choice([6, 12, 24]),
    )
    return AssetFacts(
        day(), day(), day(), cost, notice, release, contracts, modules, list_price, policy_cost, status
    ), policy


def _day(value):
    return None if value is None or str(value) == "NaT" else dt.date.fromisoformat(str(value)[:10])


def _compare(pairs, at):
    assets = [a for a, _ in pairs]
    policies = [p for _, p in pairs]
    frame, contracts = lframe.to_frames(assets, policies)
    result = lframe.evaluate_frame(frame, contracts, at)
    mismatches = []
    for i, (asset, policy) in enumerate(pairs):
        e = rules.evaluate(asset, at, policy)
        row = result.iloc[i]
        due = row["replacement_due"]
        got = (
            None if row["age"] != row["age"] else float(row["age"]),
            row["hardware"],
            row["software"],
            row["coverage"],
            None if due != due or due is None or str(due) == "NaT" else dt.date.fromisoformat(str(due)[:10]),
            row["basis"],
            None if row["book_value_cents"] < 0 else Decimal(int(row["book_value_cents"])) / 100,
            row["risk"],
            _day(row["service_start"]),
            row["start_source"],
            _day(row["support_ends"]),
            None if row["replacement_cost_cents"] < 0 else Decimal(int(row["replacement_cost_cents"])) / 100,
            row["cost_source"],
            row["usage"],
            row["bucket"],
        )
        want = (
            e.age,
            e.hardware,
            e.software,
            e.coverage,
            e.replacement_due,
            e.basis,
            e.book_value,
            e.risk,
            e.service_start,
            e.start_source,
            e.support_ends,
            e.replacement_cost,
            e.cost_source,
            e.usage,
            e.bucket(at),
        )
        if got != want:
            mismatches.append((i, asset, policy, got, want))
    return mismatches


def test_vectorised_path_equals_the_rules_on_the_case_table():
    assert _compare(_assets_from_cases(), AT) == []


@pytest.mark.parametrize("at", [AT, D(2028, 2, 29), D(2031, 1, 1)])
def test_vectorised_path_equals_the_rules_on_10000_generated_assets(at):
    rng = random.Random(20261124)
    pairs = [_random_asset(rng) for _ in range(10_000)]
    mismatches = _compare(pairs, at)
    assert not mismatches, mismatches[:3]


def test_vectorised_calendar_equals_the_rules_over_three_centuries():
    """add_years (29 February included) and the year / quarter buckets, before 1970 too."""
    rng = random.Random(1)
    days = [D(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(3000)]
    days += [D(2024, 2, 29), D(1968, 2, 29), D(2000, 2, 29), D(1900, 3, 1)]
    years = [rng.randint(0, 30) for _ in days]
    moved = lframe._add_years(np.array(days, dtype="datetime64[D]"), np.array(years))
    assert [rules.add_years(d, y) for d, y in zip(days, years, strict=True)] == moved.astype(object).tolist()
    for freq in ("year", "quarter"):
        buckets = lframe.bucket(np.array(days, dtype="datetime64[D]"), AT, freq=freq)
        assert [rules.bucket(d, AT, freq=freq) for d in days] == buckets.tolist(), freq
