from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectorsConfig(AppConfig):
    name = "collectors"
    verbose_name = _("Collectors")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks as django_checks

        from collectors import checks, models, signals
        from inventory.changelog import track

        # who changed a schedule, and how; its bookkeeping (next run, RQ job) is not a change
        track(
            models.DiscoverySchedule,
            exclude=(
                "next_run",
                "job_id",
                "last_run",
                "last_fired",
                "last_message",
                "run_requested",
                "run_requested_by",
                "created",
                "updated",
            ),
        )
        track(models.HostKey)  # who accepted a changed key, and when
        from inventory import scopes

        scopes.register(models.DiscoverySchedule, "shared")
        scopes.register(models.HostKey, "shared")
        signals.connect()
        django_checks.register(checks.discovery_allow_valid, django_checks.Tags.security)
        django_checks.register(checks.discovery_allow, django_checks.Tags.security, deploy=True)
