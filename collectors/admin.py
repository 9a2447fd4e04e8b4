"""Discovery runs in the admin: read-only records of what each run did, host by host."""

from django.contrib import admin
from django.utils.translation import gettext as _

from collectors import hostkeys
from collectors.models import DiscoveryHost, DiscoveryRun, HostKey
from werterhalt.admin import ChangeLoggedAdmin


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
