from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = "Lifecycle"
    default_auto_field = "django.db.models.BigAutoField"
