"""One table of lifecycle cases, checked against every face that answers for an asset (see
tests/lifecycle/test_cases.py): the per-asset rules, the vectorised frame, the stored state after
a refresh, the aggregates (lifecycle.figures, both twins), the plan and the API.

Each case is an asset in the database — its model (list price, category, hardware notice), its
status and dates, its policy's default replacement cost — and what every face must say of it on
``AT``: the replacement cost and where it comes from, the replace-by date and its basis, the
service start and its source, the hardware status, the usage group and the planning bucket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lifecycle import rules

AT = dt.date(2026, 6, 15)
D = dt.date

# the category a policy with a default replacement cost covers (other categories have none)
POLICY_CATEGORY = "firewall"
POLICY_COST = Decimal("15000.00")


@dataclass(frozen=True)
class Case:
    name: str
    # the asset
    status: str = "active"
    purchase: dt.date | None = None
    in_service: dt.date | None = None
    first_seen: dt.date | None = None
    purchase_cost: Decimal | None = None
    # its hardware model
    category: str = "switch"
    list_price: Decimal | None = None
    last_date_of_support: dt.date | None = None  # a notice on the model, when given
    with_model: bool = True
    # what every face must answer on AT
    cost: Decimal | None = None
    cost_source: str = rules.COST_UNKNOWN
    due: dt.date | None = None
    basis: str = rules.BASIS_NONE
    start: dt.date | None = None
    start_source: str = ""
    hardware: str = rules.UNKNOWN
    usage: str = rules.IN_USE
    bucket: str | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "list-price-first",
        purchase=D(2020, 1, 1),
        purchase_cost=Decimal("4000.00"),
        list_price=Decimal("5000.00"),
        last_date_of_support=D(2030, 1, 31),
        cost=Decimal("5000.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2028, 1, 1),  # 8 years of service life come before the end of support
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2020, 1, 1),
        start_source=rules.START_PURCHASE,
        hardware=rules.SUPPORTED,
        bucket="2028",
    ),
    Case(
        # the NAS of the issue: bought for 8,500 under a policy whose default is 15,000
        "policy-before-purchase",
        category=POLICY_CATEGORY,
        purchase=D(2021, 3, 1),
        purchase_cost=Decimal("8500.00"),
        cost=POLICY_COST,
        cost_source=rules.COST_POLICY,
        due=D(2029, 3, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2021, 3, 1),
        start_source=rules.START_PURCHASE,
        bucket="2029",
    ),
    Case(
        "purchase-as-last-resort",
        purchase=D(2022, 5, 10),
        purchase_cost=Decimal("8500.00"),
        cost=Decimal("8500.00"),
        cost_source=rules.COST_PURCHASE,
        due=D(2030, 5, 10),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2022, 5, 10),
        start_source=rules.START_PURCHASE,
        bucket="2030",
    ),
    Case(
        "no-cost-at-all",
        in_service=D(2019, 7, 1),
        purchase=D(2019, 6, 1),
        due=D(2027, 7, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2019, 7, 1),
        start_source=rules.START_IN_SERVICE,
        bucket="2027",
    ),
    Case(
        "overdue-by-support",
        purchase=D(2021, 1, 1),
        list_price=Decimal("2000.00"),
        last_date_of_support=D(2025, 3, 31),
        cost=Decimal("2000.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2025, 3, 31),
        basis=rules.BASIS_SUPPORT,
        start=D(2021, 1, 1),
        start_source=rules.START_PURCHASE,
        hardware=rules.UNSUPPORTED,
        bucket=rules.BACKLOG,
    ),
    Case(
        "due-later-this-year",
        purchase=D(2018, 11, 30),
        list_price=Decimal("1234.50"),
        cost=Decimal("1234.50"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2026, 11, 30),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2018, 11, 30),
        start_source=rules.START_PURCHASE,
        bucket="2026",
    ),
    Case(
        "overdue-by-service-life",
        status="maintenance",  # in use too
        purchase=D(2016, 2, 29),
        list_price=Decimal("3000.00"),
        cost=Decimal("3000.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2024, 2, 29),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2016, 2, 29),
        start_source=rules.START_PURCHASE,
        bucket=rules.BACKLOG,
    ),
    Case(
        "first-seen-only",
        first_seen=D(2023, 9, 9),
        list_price=Decimal("700.00"),
        cost=Decimal("700.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2031, 9, 9),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2023, 9, 9),
        start_source=rules.START_FIRST_SEEN,
        bucket="2031",
    ),
    Case("no-dates", list_price=Decimal("900.00"), cost=Decimal("900.00"), cost_source=rules.COST_LIST_PRICE),
    Case(
        "no-model",
        with_model=False,
        purchase=D(2020, 8, 1),
        purchase_cost=Decimal("450.00"),
        cost=Decimal("450.00"),
        cost_source=rules.COST_PURCHASE,
        due=D(2028, 8, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2020, 8, 1),
        start_source=rules.START_PURCHASE,
        bucket="2028",
    ),
    Case(
        "spare-overdue",
        status="spare",
        purchase=D(2015, 1, 1),
        list_price=Decimal("2500.00"),
        last_date_of_support=D(2024, 1, 31),
        cost=Decimal("2500.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2023, 1, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2015, 1, 1),
        start_source=rules.START_PURCHASE,
        hardware=rules.UNSUPPORTED,
        usage=rules.SPARES,  # in no budget year
    ),
    Case(
        "planned",
        status="planned",
        purchase=D(2026, 5, 1),
        list_price=Decimal("6000.00"),
        cost=Decimal("6000.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2034, 5, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2026, 5, 1),
        start_source=rules.START_PURCHASE,
        usage=rules.PLANNED,
    ),
    Case(
        "decommissioned",
        status="decommissioned",
        purchase=D(2012, 4, 1),
        list_price=Decimal("4000.00"),
        cost=Decimal("4000.00"),
        cost_source=rules.COST_LIST_PRICE,
        due=D(2020, 4, 1),
        basis=rules.BASIS_SERVICE_LIFE,
        start=D(2012, 4, 1),
        start_source=rules.START_PURCHASE,
        usage=rules.DECOMMISSIONED,
    ),
]
