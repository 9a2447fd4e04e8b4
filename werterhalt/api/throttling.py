"""API rate limits (DRF throttles) whose rates are read from ``settings.API_THROTTLE_RATES`` when
a request comes, not when the module is imported (DRF's own classes keep the rates of import
time). Counts live in the cache: Redis when ``REDIS_URL`` is set (shared by every process), else
the process's memory."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class AnonymousRate(_SettingsRate, AnonRateThrottle):
    """Requests without a login, per client address."""


class UserRate(_SettingsRate, UserRateThrottle):
    """Requests of a signed-in user or a token's user."""
