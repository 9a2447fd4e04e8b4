"""Pages that combine the apps: the dashboard, the asset page (inventory + lifecycle + discovery),
the global search and the user's API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from collectors import failures
from collectors.models import DiscoveryHost, DiscoveryRun, HostKey
from inventory import scopes
from inventory.choices import AssetStatus
from inventory.models import Asset, HardwareModel, ObjectChange, OrgUnit, Site, Token
from inventory.models.users import parse_networks
from lifecycle import assess, figures, labels, state
from lifecycle.choices import CostSource, Coverage, Risk, SupportStatus
from lifecycle.models import Contract, SoftwareRelease
from werterhalt import charts, generic, health, search
from werterhalt.filtersets import MAX_ID

STALE_DAYS = 30


class DashboardView(View):
    def get(self, request):
        today = timezone.localdate()
        stale_since = timezone.now() - dt.timedelta(days=STALE_DAYS)
        scope = scopes.scope_of(request)  # a Direktion's lead sees the Direktion's figures
        assets = Asset.objects.restrict(scope)
        runs = list(DiscoveryRun.objects.restrict(scope).order_by("-started")[:5])
        failed = (
            list(
                DiscoveryHost.objects.restrict(scope).filter(run=runs[0], outcome="failed")
                .select_related("asset")  # a host synced before: its asset, not a query each
                .order_by("name")[:20]
            )
            if runs
            else []
        )
        owners = failures.owners(failed)  # the asset each failed host belongs to, one query
        for host in failed:
            host.owner = host.asset if host.asset_id else owners.get(host.pk)
        context = {
            **self.figures(today, scope),
            "today": today,
            "as_of": state.as_of(),
            "scope": scope,
            "model_count": HardwareModel.objects.count(),
            "site_count": Site.objects.restrict(scope).count(),
            "org_unit_count": OrgUnit.objects.restrict(scope).count(),
            "runs": runs,
            "failures": failed,
            "stale_count": assets.filter(last_seen__lt=stale_since).count(),
            "stale": assets.for_lists().filter(last_seen__lt=stale_since).order_by("last_seen")[:10],
            "stale_days": STALE_DAYS,
            "review_count": assets.filter(needs_review=True).count(),
            "recent_changes": ObjectChange.objects.restrict(scope).select_related("content_type")[:10],
        }
        return render(request, "werterhalt/dashboard.html", context)

    @staticmethod
    def figures(today, scope=scopes.EVERYTHING) -> dict:
        """The lifecycle figures of the scope's inventory (``lifecycle.figures.summarize``),
        cached until the stored answers or the set of assets change (``lifecycle.state.version``)."""
        version = ":".join(map(str, state.version()))
        # a long scope's key is hashed: cache keys have a length limit
        scope_key = scope.key()
        if len(scope_key) > 100:
            scope_key = hashlib.sha256(scope_key.encode()).hexdigest()
        key = f"dashboard:{translation.get_language()}:{today}:{version}:{scope_key}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        assets = Asset.objects.restrict(scope)
        by_status = dict(assets.values_list("status").annotate(n=Count("pk")).order_by())
        report = figures.summarize(today, assets if not scope.everything else None)
        rows = [
            (
                _("Backlog") if r["year"] is None else r["bucket"],
                r["cost"],
                "bar-backlog" if r["year"] is None else "bar",
            )
            for r in report["buckets"]
        ]
        result = {
            "asset_count": sum(by_status.values()),
            "by_status": [
                (s.label, AssetStatus.color(s.value), by_status.get(s.value, 0)) for s in AssetStatus
            ],
            "figures": report,
            "support": figures.shares(report["hardware"], SupportStatus, report["count"]),
            "software": figures.shares(report["software"], SupportStatus, report["count"]),
            "leaving": report["leaving_support"],
            "costs": report["buckets"],
            "chart": charts.bar_chart(rows),
        }
        cache.set(key, result, timeout=3600)
        return result


class AssetView(generic.ObjectView):
    """Everything about one asset: fields, modules, lifecycle today (computed live), contracts,
    discovery history and change log."""

    queryset = Asset.objects.for_lists().select_related("replaces")
    template_name = "inventory/asset.html"

    def get_extra_context(self, request, obj):
        today = timezone.localdate()
        evaluation, item = assess.assess(obj, today)
        notice = assess.notice_of(obj)
        release = (
            SoftwareRelease.objects.filter(platform=obj.platform_id, cycle=item.cycle).first()
            if item.cycle
            else None
        )
        policy = item.policy
        milestones = assess.milestones(notice, policy, today)
        return {
            "today": today,
            "ev": evaluation,
            "reason": labels.reason_of(evaluation),
            "cost_source": CostSource(evaluation.cost_source).label,
            "hardware": (SupportStatus(evaluation.hardware).label, SupportStatus.color(evaluation.hardware)),
            "software": (SupportStatus(evaluation.software).label, SupportStatus.color(evaluation.software)),
            "coverage": (Coverage(evaluation.coverage).label, Coverage.color(evaluation.coverage)),
            "risk": (Risk(evaluation.risk).label, Risk.color(evaluation.risk)),
            "policy": policy,
            "cycle": item.cycle,
            "notice": notice,
            "milestones": milestones,
            "release": release,
            "contracts": Contract.objects.filter(assets=obj).order_by("-end"),
            "modules": obj.modules.select_related("hardware_model").order_by("-present", "name"),
            "discoveries": DiscoveryHost.objects.filter(asset=obj)
            .select_related("run")
            .order_by("-run__started")[:20],
            # failed hosts recorded without an asset belong to it by address or name
            "discovery_failures": failures.failures_of(obj),
            "replaced_by": obj.replaced_by.restrict(scopes.scope_of(request)),
            "tags": obj.tags.all(),
            # a different SSH key at its address: discovery sends it no credentials until accepted
            "host_keys": (
                HostKey.objects.filter(address=obj.management_address).exclude(offered_fingerprint="")
                if obj.management_address else []
            ),
        }


class SearchView(View):
    """The search box over assets, hardware models, sites, org units, contracts and hardware
    notices (``werterhalt.search``): exactly one object found → its page; otherwise the results,
    one card per model."""

    def get(self, request):
        raw = request.GET.get("q", "")
        term = search.clean_term(raw)
        if search.is_too_long(raw):
            messages.warning(
                request,
                _("Only the first %(n)d characters of the search term were used.") % {"n": search.MAX_TERM},
            )
        groups = search.search(term, request.user, within=scopes.scope_of(request))
        if sum(group.count for group in groups) == 1:
            return redirect(groups[0].hits[0].url)
        return render(request, "werterhalt/search.html", {"term": term, "groups": groups})


@method_decorator(never_cache, name="dispatch")  # the answer may show a new key: never cached
class TokenView(View):
    """The signed-in user's API tokens: list, create (the key is shown once), delete."""

    def get(self, request):
        return self.page(request)

    def post(self, request):
        if "delete" in request.POST:
            pk = request.POST["delete"].strip()
            if not pk.isdigit() or not 0 < int(pk) <= MAX_ID:
                messages.error(request, _("Delete: not a token of yours."))
                return self.page(request, status=400)
            token = get_object_or_404(Token, pk=int(pk), user=request.user)
            token.delete()
            messages.success(request, _("Token %(prefix)s… deleted.") % {"prefix": token.prefix})
            return redirect("tokens")
        expires = None
        days = request.POST.get("expires_days", "").strip()
        if days:
            if not days.isdigit() or not 0 < int(days) <= 3650:
                messages.error(request, _("Expiry: give a number of days between 1 and 3650."))
                return self.page(request, status=400)
            expires = timezone.now() + dt.timedelta(days=int(days))
        write = request.POST.get("write_enabled") == "on"
        chosen = request.POST.getlist("org_units")[:1000]
        allowed = self.units_to_choose(request)
        if not all(u.isdigit() and int(u) in allowed for u in chosen):
            messages.error(request, _("Limited to: choose units from the list."))
            return self.page(request, status=400)
        networks = request.POST.get("allowed_networks", "")[:1000]
        try:
            parse_networks(networks)
        except ValueError as exc:
            messages.error(request, _("Networks: %(error)s") % {"error": exc})
            return self.page(request, status=400)
        token, key = Token.issue(
            request.user,
            description=request.POST.get("description", "")[:200],
            write_enabled=write,
            expires=expires,
            allowed_networks=networks,
        )
        token.org_units.set([int(u) for u in chosen])
        return self.page(request, new_key=key, new_token=token)

    @staticmethod
    def units_to_choose(request) -> dict[int, str]:
        """The units a new token may be limited to: those of the user's scope."""
        units = OrgUnit.objects.restrict(scopes.scope_of(request)).order_by("name", "pk")
        return dict(units.values_list("pk", "name"))

    def page(self, request, new_key=None, new_token=None, status=200):
        tokens = Token.objects.filter(user=request.user).prefetch_related("org_units")
        return render(
            request,
            "werterhalt/tokens.html",
            {"tokens": tokens, "new_key": new_key, "new_token": new_token,
             "scope": scopes.scope_of(request), "units": self.units_to_choose(request).items()},
            status=status,
        )


@login_not_required
@never_cache
def healthz(request):
    """200 when this process can serve (database, migrations, Redis when configured), else 503;
    no login, for load balancers and service managers. Says only "ok" or a short reason."""
    healthy, found = health.checks()
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": found},
                        status=200 if healthy else 503)
