from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = "Lifecycle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory.changelog import track
        from lifecycle import models

        track(models.HardwareNotice, m2m=("hardware_models",))
        track(models.SoftwareRelease)
        track(models.Contract, m2m=("assets",))
        track(models.LifecyclePolicy)
