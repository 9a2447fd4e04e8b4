"""Lifecycle pages: notices, releases, contracts, policies."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from inventory import scopes
from inventory.models import Asset
from inventory.tables import asset_panel_table
from lifecycle import assess, exports, filtersets, forms, labels, periods, planning, scenarios, tables
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt import charts, generic
from werterhalt.cells import CSV_DIALECTS, DEFAULT_CSV_DIALECT


class HardwareNoticeListView(generic.ObjectListView):
    queryset = HardwareNotice.objects.select_related("replacement_model").prefetch_related("hardware_models")
    filterset = filtersets.HardwareNoticeFilterSet
    table = tables.HardwareNoticeTable


class HardwareNoticeView(generic.ObjectView):
    queryset = HardwareNotice.objects.select_related("replacement_model__manufacturer")

    def get_extra_context(self, request, obj):
        in_scope = scopes.scope_of(request).count_filter("assets__org_unit")
        models = obj.hardware_models.select_related("manufacturer").annotate(
            asset_count=Count("assets", filter=in_scope))
        return {
            "hardware_models": models,
            "asset_table": asset_panel_table(
                request, Asset.objects.for_lists().filter(hardware_model__notices=obj)
            ),
        }


class HardwareNoticeEditView(generic.ObjectEditView):
    queryset = HardwareNotice.objects.all()
    form = forms.HardwareNoticeForm


class HardwareNoticeDeleteView(generic.ObjectDeleteView):
    queryset = HardwareNotice.objects.all()


class SoftwareReleaseListView(generic.ObjectListView):
    queryset = SoftwareRelease.objects.select_related("platform")
    filterset = filtersets.SoftwareReleaseFilterSet
    table = tables.SoftwareReleaseTable


class SoftwareReleaseView(generic.ObjectView):
    queryset = SoftwareRelease.objects.select_related("platform")

    def get_extra_context(self, request, obj):
        versions = assess.versions_in_cycle(obj)
        assets = Asset.objects.for_lists().filter(platform=obj.platform, software_version__in=versions)
        return {"versions": versions, "asset_table": asset_panel_table(request, assets)}


class SoftwareReleaseEditView(generic.ObjectEditView):
    queryset = SoftwareRelease.objects.all()
    form = forms.SoftwareReleaseForm


class SoftwareReleaseDeleteView(generic.ObjectDeleteView):
    queryset = SoftwareRelease.objects.all()


class ContractListView(generic.ObjectListView):
    queryset = Contract.objects.all()
    filterset = filtersets.ContractFilterSet
    table = tables.ContractTable
    filter_hidden = ("id", "asset_id")

    def get_queryset(self, request):
        in_scope = scopes.scope_of(request).count_filter("assets__org_unit")
        return super().get_queryset(request).annotate(asset_count=Count("assets", filter=in_scope))


class ContractView(generic.ObjectView):
    queryset = Contract.objects.all()

    def get_extra_context(self, request, obj):
        return {
            "asset_table": asset_panel_table(request, Asset.objects.for_lists().filter(contracts=obj)),
            "asset_count": obj.assets.restrict(scopes.scope_of(request)).count(),
        }


class ContractEditView(generic.ObjectEditView):
    queryset = Contract.objects.all()
    form = forms.ContractForm


class ContractDeleteView(generic.ObjectDeleteView):
    queryset = Contract.objects.all()


class ContractBulkDeleteView(generic.BulkDeleteView):
    queryset = Contract.objects.all()


class LifecyclePolicyListView(generic.ObjectListView):
    queryset = LifecyclePolicy.objects.select_related("org_unit")
    filterset = filtersets.LifecyclePolicyFilterSet
    table = tables.LifecyclePolicyTable


class LifecyclePolicyView(generic.ObjectView):
    queryset = LifecyclePolicy.objects.select_related("org_unit")


class LifecyclePolicyEditView(generic.ObjectEditView):
    queryset = LifecyclePolicy.objects.all()
    form = forms.LifecyclePolicyForm


class LifecyclePolicyDeleteView(generic.ObjectDeleteView):
    queryset = LifecyclePolicy.objects.all()


# --- planning -------------------------------------------------------------------------------------


def _rows(frame):
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _what_if(arguments: dict, plan: planning.Plan) -> dict:
    """The plan without its what-if (today's service lives) and with it, side by side per year
    (``lifecycle.scenarios.table``, the workbook's Scenarios sheet): rows for the page."""
    baseline = planning.build(**{**arguments, "extend_years": 0})
    spec = scenarios.Spec(budgets=(), factors=(), years=(plan.extend_years,))
    table = scenarios.table(baseline, scenarios.run(baseline, spec))
    capped = plan.capped is not None
    rows = []
    for row in table.to_dict("records"):
        if capped:
            rows.append({"period": periods.year_label(int(row["year"])),
                         "values": [row[f"{f}_{i}"] for f in ("spent", "deferred_cost", "unsupported_left")
                                    for i in (0, 1)]})
        else:
            bucket = row["bucket"]
            rows.append({"period": _("Backlog (overdue)") if bucket == planning.BACKLOG else bucket,
                         "values": [row["cost_0"], row["cost_1"], row["cost_1"] - row["cost_0"]]})
    return {"capped": capped, "rows": rows, "years": plan.extend_years}


class PlanningView(PermissionRequiredMixin, View):
    """Schedule, budget per year, the budget-capped plan and the value view, with downloads."""

    permission_required = "lifecycle.view_lifecyclepolicy"
    raise_exception = True

    def get(self, request):
        scope = scopes.scope_of(request)  # a Direktion plans its own assets
        form = forms.PlanForm(request.GET or None, initial={"horizon": 10, "extend_years": 0}, scope=scope)
        if request.GET and not form.is_valid():
            return render(request, "lifecycle/planning.html", {"form": form}, status=400)
        if not request.GET:
            form = forms.PlanForm({"horizon": 10, "extend_years": 0}, scope=scope)
            form.is_valid()
        plan = planning.build(**form.arguments())
        if request.GET.get("download") in {"csv", "json", "xlsx"}:
            if not request.user.has_perm("lifecycle.export_plan"):
                raise PermissionDenied(_("Downloading plans needs the permission to export them."))
            kind = request.GET["download"]
            table = request.GET.get("table", "schedule")
            dialect = request.GET.get("dialect", DEFAULT_CSV_DIALECT)
            problem = None
            if table not in exports.CSV_TABLES:
                problem = _("table: one of %(choices)s") % {"choices": ", ".join(exports.CSV_TABLES)}
            elif dialect not in CSV_DIALECTS:
                problem = _("dialect: one of %(choices)s") % {"choices": ", ".join(sorted(CSV_DIALECTS))}
            elif kind != "csv" and ("table" in request.GET or "dialect" in request.GET):
                problem = _("table, dialect: only with download=csv")
            elif table == "capped" and plan.capped is None:
                problem = _("table: the capped plan needs a yearly budget")
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
            return exports.plan_download(plan, kind, table=table, dialect=dialect)
        totals = plan.forecast.sum(axis=1)
        budget_chart = charts.bar_chart(
            [
                (
                    _("Backlog") if b == planning.BACKLOG else b,
                    float(v),
                    "bar-backlog" if b == planning.BACKLOG else "bar",
                )
                for b, v in totals.items()
            ]
        )
        capped_chart = None
        if plan.capped is not None:
            yearly = isinstance(plan.budget, int | float)  # one budget, not one per org unit
            line = (_("Budget per year"), float(plan.budget)) if yearly else None
            capped_chart = charts.bar_chart(
                [(r.period, r.spent, "bar") for r in plan.capped.years.groupby("period", sort=False)["spent"]
                 .sum().reset_index().itertuples()],
                line=line,
            )
        running = planning.running_per_bucket(plan)
        replacement = totals.drop(planning.BACKLOG, errors="ignore")
        running_rows = [
            {"bucket": b, "running": r.running, "renewal": r.renewal, "total": r.total,
             "replacement": float(replacement.get(b, 0.0)), "both": r.total + float(replacement.get(b, 0.0))}
            for b, r in running.iterrows()
        ]
        what_if = _what_if(form.arguments(), plan) if plan.extend_years else None
        query = request.GET.copy()
        for download_param in ("download", "table", "dialect"):
            query.pop(download_param, None)
        return render(
            request,
            "lifecycle/planning.html",
            {
                "form": form,
                "plan": plan,
                "totals": plan.totals(),
                "budget_chart": budget_chart,
                "capped_chart": capped_chart,
                "forecast": plan.forecast,
                "query": query.urlencode(),
                "capped_years": (
                    [
                        {**y, "first_day": periods.bounds(y["year"])[0]}
                        for y in plan.capped.years.to_dict("records")
                    ]
                    if plan.capped is not None
                    else None
                ),
                "capped_groups": plan.capped is not None and plan.capped.years["group"].nunique() > 1,
                "running": running_rows if plan.running is not None and len(plan.running) else None,
                "what_if": what_if,
                "value": plan.value.to_dict("records"),
                # NaN (no suggestion, no cost) shows as empty, not as "nan"
                "schedule": _rows(plan.schedule.head(50).assign(replacement_reason=labels.reasons)),
            },
        )
