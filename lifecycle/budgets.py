"""Budgets per org unit for the capped plan: read from lines ``org unit; year; CHF`` (the
Planning page's field, the plan API's ``org_budget`` values, ``export_plan --budget-file``), and
which budget pays for which asset (docs/planning.md, "Budgets per org unit").

Floor 2: reads org units, writes nothing.

- An org unit is named by its slug or its name (a name that several units share must be given as
  the slug). The year is a fiscal year (``2027``, ``2026/27``, ``lifecycle.periods``) or empty: the
  budget of every year that has none of its own.
- A unit's budget pays for its own assets and those of every unit below it that has no budget of
  its own: a Direktion's budget covers its offices.
- A year without an entry takes the latest earlier year's; before the first, the entry without a
  year, else nothing (CHF 0). Assets under no unit with a budget are planned in no year.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from inventory.models import OrgUnit
from lifecycle import periods

LARGEST = Decimal("999999999999.99")  # the yearly budget field's bound (max_digits 14)
NONE = "—"  # the group of assets no budget covers


class BudgetError(ValueError):
    """A line that cannot be read; the message names the line."""


@dataclass
class OrgBudgets:
    """Per org unit (id): per fiscal year (None: every other year) the budget in CHF."""

    amounts: dict[int, dict[int | None, float]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.amounts)

    def for_year(self, unit: int, year: int) -> float:
        entries = self.amounts.get(unit, {})
        earlier = [y for y in entries if y is not None and y <= year]
        if earlier:
            return entries[max(earlier)]
        return entries.get(None, 0.0)

    def by_name(self, year: int) -> dict[str, float]:
        """The budget of each unit's group (its name) in ``year``."""
        return {self.names[unit]: self.for_year(unit, year) for unit in self.amounts}

    def jsonable(self) -> list[dict]:
        return [
            {"org_unit": self.names[unit], "year": year, "budget": round(amount, 2)}
            for unit, entries in self.amounts.items()
            for year, amount in entries.items()
        ]

    def groups(self, org_unit_ids: pd.Series) -> pd.Series:
        """Per asset (its org unit id, NaN for none): the name of the unit whose budget pays for
        it — itself or the nearest unit above it with a budget — or ``NONE``."""
        parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
        payer: dict[int, str] = {}
        for unit in parents:
            node, seen = unit, set()
            while node is not None and node not in self.amounts and node not in seen:
                seen.add(node)
                node = parents.get(node)
            payer[unit] = self.names[node] if node in self.amounts else NONE
        keys = org_unit_ids.to_numpy(dtype=float)
        out = np.full(len(keys), NONE, dtype=object)
        known = ~np.isnan(keys)
        out[known] = [payer.get(int(k), NONE) for k in keys[known]]
        return pd.Series(out, index=org_unit_ids.index, dtype=object)


def _amount(text: str) -> float:
    cleaned = text.strip().replace("'", "").replace("’", "").replace(" ", "").replace("CHF", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BudgetError(_("“%(text)s” is not an amount in CHF") % {"text": text.strip()}) from None
    if not value.is_finite() or value < 0 or value > LARGEST:
        raise BudgetError(_("the amount must be between 0 and %(max)s CHF") % {"max": f"{LARGEST:,.2f}"})
    return float(value)


def parse(lines: Iterable[str] | str) -> OrgBudgets:
    """Budgets from lines ``org unit; year; CHF`` or ``org unit; CHF`` (``;`` or ``,`` between the
    fields, an optional header line, ``#`` comments). Raises ``BudgetError`` naming the line."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        delimiter = ";" if ";" in text else ","
        try:
            cells = [c.strip() for c in next(csv.reader(io.StringIO(text), delimiter=delimiter))]
        except csv.Error as e:  # e.g. a NUL character
            raise BudgetError(_("line %(line)s: %(error)s") % {"line": number, "error": e}) from None
        if number == 1 and cells and cells[-1].lower() in {"chf", "budget", "amount", "betrag"}:
            continue  # a header
        rows.append((number, cells))
    units = list(OrgUnit.objects.values_list("pk", "slug", "name"))
    by_slug = {slug: pk for pk, slug, _name in units}
    by_name: dict[str, list[int]] = {}
    for pk, _slug, name in units:
        by_name.setdefault(name.casefold(), []).append(pk)
    names = {pk: name for pk, _slug, name in units}
    result = OrgBudgets()
    for number, cells in rows:
        try:
            if len(cells) not in (2, 3):
                raise BudgetError(_("expected “org unit; year; CHF”"))
            unit_text, amount_text = cells[0], cells[-1]
            year_text = cells[1] if len(cells) == 3 else ""
            if unit_text in by_slug:
                unit = by_slug[unit_text]
            else:
                matches = by_name.get(unit_text.casefold(), [])
                if not matches:
                    raise BudgetError(_("no org unit “%(name)s”") % {"name": unit_text})
                if len(matches) > 1:
                    raise BudgetError(
                        _("several org units are called “%(name)s”: give the slug") % {"name": unit_text}
                    )
                unit = matches[0]
            try:
                year = periods.year_of(year_text) if year_text else None
            except ValueError:
                raise BudgetError(_("“%(text)s” is not a year") % {"text": year_text}) from None
            if year is not None and not 1900 <= year <= 9000:
                raise BudgetError(_("the year must be between 1900 and 9000"))
            amount = _amount(amount_text)
            entries = result.amounts.setdefault(unit, {})
            if year in entries:
                raise BudgetError(_("a second budget for the same org unit and year"))
            entries[year] = amount
            result.names[unit] = names[unit]
        except BudgetError as e:
            raise BudgetError(_("line %(line)s: %(error)s") % {"line": number, "error": e}) from None
    shown = [result.names[u] for u in result.names]
    slugs = {pk: slug for pk, slug, _name in units}
    for unit, name in list(result.names.items()):
        if shown.count(name) > 1:  # two budgets of units with the same name: the groups need two names
            result.names[unit] = f"{name} ({slugs[unit]})"
    return result
