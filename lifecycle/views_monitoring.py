"""The Monitoring page (``/monitoring/``) and its steering report (``/monitoring/report.xlsx``):
figures from ``lifecycle.monitoring``, words and numbers for people here."""

from __future__ import annotations

import os
import tempfile

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from lifecycle import monitoring
from lifecycle.choices import TargetDirection
from lifecycle.monitoring import COUNT, MONEY, PERCENT, steering
from werterhalt.forms import MAX_ID
from werterhalt.templatetags.werterhalt import money, percent, whole
from werterhalt.trend import trend_chart


def _german() -> bool:
    return (get_language() or "").split("-")[0] == "de"


def _one_decimal(value) -> str:
    text = f"{float(value):.1f}"
    return text.replace(".", ",") if _german() else text


def show(kind: str, value) -> str:
    """A figure for people (STYLE §7): shares ``20,8 %``, money ``1’234.50`` (the label says CHF),
    counts ``1’234``, years ``4,3`` in German."""
    if value is None:
        return "—"
    if kind == PERCENT:
        return percent(value)
    if kind == MONEY:
        return money(value)
    if kind == COUNT:
        return whole(value)
    return _one_decimal(value)


def tick(kind: str, value) -> str:
    """An axis tick: money in whole francs."""
    return whole(value) if kind == MONEY else show(kind, value)


def change(kind: str, value) -> str:
    """A change over 12 months with its sign; shares in percentage points."""
    if value is None:
        return "—"
    shown = round(value, 2 if kind == MONEY else 0 if kind == COUNT else 1)  # what the text will say
    sign = "+" if shown > 0 else "−" if shown < 0 else "±"
    if kind == PERCENT:
        return _("%(value)s pp") % {"value": sign + _one_decimal(abs(value))}
    return sign + show(kind, abs(value))


def month_label(day) -> str:
    return day.strftime("%m.%Y" if _german() else "%Y-%m")


def target_text(state: monitoring.FigureState) -> str:
    target = state.target
    if target is None:
        return "—"
    sign = "≤" if target.direction == TargetDirection.AT_MOST else "≥"
    return f"{sign} {show(state.figure.kind, target.value)}"


class BadParameter(ValueError):
    pass


def parameters(request, seen: monitoring.Visible) -> tuple[int | None, int, list[monitoring.UnitChoice]]:
    """``unit`` (an org unit id; empty: the whole city) and ``months`` of the request, and the
    unit choices; BadParameter names the parameter that is wrong."""
    try:
        months = monitoring.parse_months(request.GET.get("months"))
    except ValueError:
        raise BadParameter(_("months: a whole number from 1 to %(max)s") % {"max": monitoring.MAX_MONTHS}) \
            from None
    choices = monitoring.unit_choices(seen)
    text = request.GET.get("unit", "").strip()
    if not text:
        city = seen.city or not choices
        return (None if city else choices[0].id), months, choices
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise BadParameter(_("unit: the id of an organisational unit, or empty for the whole city"))
    unit_id = int(text)
    if unit_id not in {c.id for c in choices} and not seen.units.filter(pk=unit_id).exists():
        raise BadParameter(_("unit: there is no organisational unit %(id)s") % {"id": unit_id})
    return unit_id, months, choices


def _bad(error: BadParameter) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def _card(state: monitoring.FigureState, labels: list[str]) -> dict:
    kind = state.figure.kind
    target = state.target
    return {
        "state": state,
        "key": state.figure.kpi,
        "value": show(kind, state.value),
        "target": target_text(state),
        "tolerance": show(kind, target.tolerance) if target is not None and target.tolerance else None,
        "change": change(kind, state.change),
        "chart": trend_chart(
            labels, state.values, kind=state.figure.chart,
            target=None if target is None else float(target.value),
            fmt=lambda v, k=kind: show(k, v), tick_fmt=lambda v, k=kind: tick(k, v),
            whole_steps=kind == COUNT,
        ),
    }


class MonitoringView(PermissionRequiredMixin, View):
    """Trend charts per figure with targets and traffic lights, and a month-by-month table, for
    one unit or the whole city (``?unit=``) over ``?months=`` months (default 24)."""

    permission_required = "lifecycle.view_kpisnapshot"
    raise_exception = True

    def get(self, request):
        seen = monitoring.visible(request)
        try:
            unit_id, months, choices = parameters(request, seen)
        except BadParameter as error:
            return _bad(error)
        view = monitoring.overview(seen.snapshots, unit_id, months) if choices else None
        context = {
            "choices": choices, "unit_id": unit_id, "months": months,
            "month_options": sorted({*monitoring.MONTHS, months}), "overview": view,
        }
        if view is not None:
            labels = [month_label(m) for m in view.months]
            figures = [monitoring.FIGURES[k] for k in monitoring.TABLE]
            context.update(
                unit_name=view.unit.name if view.unit else _("Whole city"),
                cards=[_card(s, labels) for s in view.figures],
                columns=figures,
                rows=[
                    {"month": month_label(r["month"]), "snapshot": r["snapshot"],
                     "cells": [show(f.kind, v) for f, v in zip(figures, r["values"], strict=True)]}
                    for r in view.table()
                ],
                report_url=reverse("lifecycle:monitoring_report") + "?" + urlencode(
                    {"unit": "" if unit_id is None else unit_id, "months": months}),
            )
        elif unit_id is not None:
            context["unit_name"] = next((c.label for c in choices if c.id == unit_id), None) or \
                seen.units.get(pk=unit_id).name
        return render(request, "lifecycle/monitoring.html", context)


class SteeringReportView(PermissionRequiredMixin, View):
    """The steering report of ``?unit=`` (empty: the whole city) as XLSX, in the page's language
    (``lifecycle.monitoring.steering``)."""

    permission_required = ("lifecycle.view_kpisnapshot", "lifecycle.view_lifecyclepolicy")
    raise_exception = True

    def get(self, request):
        seen = monitoring.visible(request)
        try:
            unit_id, months, _choices = parameters(request, seen)
        except BadParameter as error:
            return _bad(error)
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
        handle.close()
        steering.write_xlsx(handle.name, seen.snapshots, seen.units, unit_id, months, at=timezone.localdate(),
                            scope=seen.scope)
        name = steering.file_name(seen.units, unit_id, timezone.localdate())
        response = FileResponse(
            open(handle.name, "rb"),  # noqa: SIM115 - FileResponse closes it
            as_attachment=True, filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        os.unlink(handle.name)  # the open file stays readable until the response is done
        return response
