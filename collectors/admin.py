"""Discovery runs in the admin: read-only records of what each run did, host by host; NetBox's
connection (read-only: it lives in the secrets file) and mapping, and the links a pull made."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collectors import hostkeys
from collectors.models import DiscoveryHost, DiscoveryRun, HostKey, NetBoxLink, NetBoxSettings
from werterhalt.admin import ChangeLoggedAdmin

NETBOX_CHECK_TIMEOUT = 10.0  # seconds the settings page waits for NetBox's answer


class DiscoveryHostInline(admin.TabularInline):
    model = DiscoveryHost
    fields = [
        "name",
        "address",
        "driver",
        "depth",
        "found_via",
        "outcome",
        "reason",
        "message",
        "asset",
        "changes",
        "seconds",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DiscoveryRun)
class DiscoveryRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "started",
        "finished",
        "status",
        "source",
        "hosts_tried",
        "hosts_succeeded",
        "hosts_failed",
        "assets_created",
        "assets_updated",
    ]
    list_filter = ["status", "crawl"]
    date_hierarchy = "started"
    inlines = [DiscoveryHostInline]
    readonly_fields = [
        "started",
        "finished",
        "status",
        "source",
        "workers",
        "crawl",
        "allowed_prefixes",
        "hosts_tried",
        "hosts_succeeded",
        "hosts_failed",
        "assets_created",
        "assets_updated",
        "user",
        "message",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DiscoveryHost)
class DiscoveryHostAdmin(admin.ModelAdmin):
    list_display = ["name", "run", "address", "driver", "outcome", "reason", "message", "asset", "seconds"]
    list_filter = ["outcome", "reason", "driver"]
    search_fields = ["name", "address", "message"]
    list_select_related = ["run", "asset"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HostKey)
class HostKeyAdmin(ChangeLoggedAdmin):
    """SSH host keys as first seen; a host that presented another key shows it as offered. An
    engineer who knows the device was replaced or re-keyed accepts it (change-logged)."""

    list_display = ["address", "port", "key_type", "fingerprint", "first_seen", "offered_fingerprint",
                    "offered_at"]
    list_filter = [("offered_at", admin.EmptyFieldListFilter)]
    search_fields = ["address", "fingerprint", "offered_fingerprint"]
    readonly_fields = ["address", "port", "key_type", "key", "fingerprint", "first_seen", "offered_key_type",
                       "offered_key", "offered_fingerprint", "offered_at"]
    actions = ["accept_offered_keys"]

    def has_add_permission(self, request):
        return False  # keys come from discovery or `manage.py hostkeys import`

    @admin.action(description=_("Accept the offered key"), permissions=["change"])
    def accept_offered_keys(self, request, queryset):
        accepted = 0
        for host_key in queryset.exclude(offered_key=""):
            hostkeys.accept(host_key)
            accepted += 1
        self.message_user(request, _("%(n)s key(s) accepted.") % {"n": accepted})


@admin.register(NetBoxSettings)
class NetBoxSettingsAdmin(admin.ModelAdmin):
    """One row: how NetBox's objects map onto the inventory (editable), with the connection from
    the secrets file shown read-only (the URL, whether a token is set, never the token) and checked
    live each time the page opens."""

    fields = [
        "netbox_url",
        "netbox_token",
        "netbox_connection",
        "org_units_from",
        "org_unit_parent",
        "decommission_deleted",
        "push_device_types",
    ]
    readonly_fields = ["netbox_url", "netbox_token", "netbox_connection"]

    def changelist_view(self, request, extra_context=None):
        """No list of one row: its page, or the page to make it."""
        opts = self.model._meta
        if self.model.objects.exists():
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.model.load().pk])
        else:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        return HttpResponseRedirect(url)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not self.model.objects.exists()

    def render_change_form(self, request, context, *args, **kwargs):
        context.update(show_save_and_add_another=False)  # there is only one
        return super().render_change_form(request, context, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def _credentials(self):
        from collectors import hosts as host_sources

        try:
            return host_sources.load_credentials(), ""
        except host_sources.InventoryError as e:
            return None, str(e)

    @admin.display(description=gettext_lazy("NetBox URL"))
    def netbox_url(self, obj=None):
        from collectors.netbox import connection

        creds, problem = self._credentials()
        if creds is None:
            return problem
        return connection.configured_url(creds) or _("not configured")

    @admin.display(description=gettext_lazy("API token"))
    def netbox_token(self, obj=None):
        creds, problem = self._credentials()
        if creds is None:
            return problem
        return _("set") if (creds.netbox or {}).get("token") else _("not set")

    @admin.display(description=gettext_lazy("Connection"))
    def netbox_connection(self, obj=None):
        """NetBox's version, or why it cannot be asked (computed when the page opens)."""
        from collectors.netbox import connection
        from collectors.netbox.client import NetBoxError

        creds, problem = self._credentials()
        if creds is None:
            return problem
        try:
            client = connection.client(creds)
            client.timeout = min(client.timeout, NETBOX_CHECK_TIMEOUT)
            version = client.status().get("netbox-version", "?")
        except (connection.NotConfigured, NetBoxError) as e:
            return str(e)
        return _("NetBox %(version)s answers") % {"version": version}


@admin.register(NetBoxLink)
class NetBoxLinkAdmin(admin.ModelAdmin):
    """Which NetBox object each inventory object came from (made by pulls; read-only)."""

    list_display = ["kind", "netbox_id", "object_id", "name", "seen", "gone"]
    list_filter = ["kind", ("gone", admin.EmptyFieldListFilter)]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
