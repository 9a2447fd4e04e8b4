from django.conf import settings
from rest_framework import pagination
from rest_framework.settings import api_settings


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=&offset=``; the default is REST_FRAMEWORK["PAGE_SIZE"], at most MAX_PAGE_SIZE."""

    @property
    def max_limit(self) -> int:
        return settings.MAX_PAGE_SIZE

    @property
    def default_limit(self) -> int:
        return min(api_settings.PAGE_SIZE, self.max_limit)
