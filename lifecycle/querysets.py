"""Query sets of the lifecycle models whose filters follow a rule of ``lifecycle.rules``."""

from __future__ import annotations

import datetime as dt

from inventory.scopes import ScopedQuerySet
from lifecycle import rules


class ContractQuerySet(ScopedQuerySet):
    def in_state(self, state: str | set[str], at: dt.date) -> ContractQuerySet:
        """Contracts in ``state`` (or any of a set of states) on ``at`` — ``running``,
        ``expiring``, ``expired``, ``future`` — as ``rules.contract_state`` decides it for each: a
        city has hundreds of contracts, not millions, so the rule runs in Python over their dates
        (one query) and the answer is a filter on their ids."""
        states = {state} if isinstance(state, str) else set(state)
        unknown = states - {rules.RUNNING, rules.EXPIRING, rules.EXPIRED, rules.FUTURE}
        if unknown:
            raise ValueError(f"unknown contract state {sorted(unknown)}")
        dates = self.order_by().values_list("pk", "start", "end", "notice_days")
        ids = [
            pk
            for pk, start, end, notice in dates
            if rules.contract_state(rules.ContractDates(start, end, notice), at) in states
        ]
        return self.filter(pk__in=ids)

    def running(self, at: dt.date) -> ContractQuerySet:
        """In force on ``at`` (expiring ones included)."""
        return self.filter(start__lte=at, end__gte=at)
