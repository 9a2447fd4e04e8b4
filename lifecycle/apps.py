from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Lifecycle")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory.changelog import track
        from lifecycle import models, signals

        signals.connect()
        # "updated" moves on every save, changed or not: not a change worth a row
        track(models.HardwareNotice, m2m=("hardware_models",), exclude=("updated",))
        track(models.SoftwareRelease, exclude=("updated",))
        track(models.Contract, m2m=("assets",))
        track(models.LifecyclePolicy)
        from inventory import scopes

        scopes.register(models.Contract, m2m=("assets",))
        scopes.register(models.LifecyclePolicy)
        scopes.register(models.KpiTarget)
        scopes.register(models.HardwareNotice, "shared", m2m=("hardware_models",))
        scopes.register(models.SoftwareRelease, "shared")
