from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_role_permissions(sender, app_config, using="default", apps=None, **kwargs):
    from django.contrib.auth.models import Group, Permission

    from inventory.roles import sync_role_permissions

    sync_role_permissions(Group, Permission, app_label=app_config.label)


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory import models
        from inventory.changelog import track

        for model in (models.OrgUnit, models.Site, models.Manufacturer, models.HardwareModel,
                      models.Platform, models.Tag, models.Module):
            track(model)
        # last_seen moves on every discovery run; it is not a change worth a change-log row.
        track(models.Asset, m2m=("tags",), exclude=("last_seen",))
        # what a user limited to some org units may change (inventory.scopes)
        from inventory import scopes

        for model in (models.OrgUnit, models.Site, models.Module):
            scopes.register(model)
        scopes.register(models.Asset, m2m=("tags",))
        for model in (models.Manufacturer, models.HardwareModel, models.Platform):
            scopes.register(model, "shared")
        scopes.register(models.Tag, "shared-create")  # the import makes the tags its rows name
        # Runs after django.contrib.auth has created each app's permissions (auth is listed first).
        post_migrate.connect(_grant_role_permissions, dispatch_uid="werterhalt-roles")
