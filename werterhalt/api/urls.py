"""``/api/``: the root, each app's endpoints, the OpenAPI schema and its Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers, views
from rest_framework.response import Response
from rest_framework.reverse import reverse

from inventory.api.views import TokenViewSet

ROOTS = {  # name in the root -> URL namespace of the app's endpoints
    "inventory": "inventory-api",
    "lifecycle": "lifecycle-api",
    "discovery": "discovery-api",
    "users": "users-api",
}


class APIRootView(views.APIView):
    """Werterhalt's API. Authenticate with `Authorization: Token <key>`; `/api/docs/` describes
    every endpoint."""

    _ignore_model_permissions = True  # no model here: any signed-in user (TokenModelPermissions)
    schema = None

    def get_view_name(self) -> str:
        return "API root"

    def get(self, request, format=None):
        links = {name: reverse(f"{namespace}:api-root", request=request, format=format)
                 for name, namespace in ROOTS.items()}
        links["schema"] = reverse("api-schema", request=request)
        links["docs"] = reverse("api-docs", request=request)
        return Response(links)


class StatusView(views.APIView):
    """This installation: versions, the health checks of ``/healthz``, the discovery workers and
    queue, and the last discovery run. Any signed-in user or token."""

    _ignore_model_permissions = True
    schema = None

    def get(self, request, format=None):
        from collectors import jobs
        from collectors.models import DiscoveryRun
        from werterhalt import health

        healthy, found = health.checks()
        queue = jobs.health()
        from inventory import scopes

        # the last run the caller's scope may see (one that touched its assets)
        last = DiscoveryRun.objects.restrict(scopes.scope_of(request)).order_by("-started").first()
        return Response({
            "status": "ok" if healthy else "fail",
            "checks": found,
            "versions": health.versions(),
            "workers": len(queue["workers"]),
            "scheduler": queue["scheduler"],
            "queue": queue["counts"],
            "last_discovery_run": None if last is None else {
                "id": last.pk, "started": last.started, "finished": last.finished, "status": last.status,
            },
        })


class UsersRootView(routers.APIRootView):
    """Your API tokens."""


users = routers.DefaultRouter()
users.APIRootView = UsersRootView
users.register("tokens", TokenViewSet)

urlpatterns = [
    path("", APIRootView.as_view(), name="api-root"),
    path("status/", StatusView.as_view(), name="api-status"),
    path("inventory/", include("inventory.api.urls")),
    path("lifecycle/", include("lifecycle.api.urls")),
    path("discovery/", include("collectors.api.urls")),
    path("users/", include((users.urls, "users-api"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves Swagger UI's start script as a file: no inline script (CSP)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
