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
        # Runs after django.contrib.auth has created each app's permissions (auth is listed first).
        post_migrate.connect(_grant_role_permissions, dispatch_uid="werterhalt-roles")
