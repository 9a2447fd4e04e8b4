"""Discovery runs in the admin: read-only records of what each run did, host by host."""

from django.contrib import admin

from collectors.models import DiscoveryHost, DiscoveryRun


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
