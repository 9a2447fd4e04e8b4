from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from inventory import urls as inventory_urls
from werterhalt import generic, metrics
from werterhalt import views as v

admin.site.site_header = "Werterhalt"
admin.site.site_title = "Werterhalt"
admin.site.index_title = "Inventory administration"

# the asset page combines inventory, lifecycle and discovery, so it is added here, where all
# three apps may be imported, under the inventory's name ("inventory:asset")
inventory_patterns = [
    path("assets/<int:pk>/", v.AssetView.as_view(), name="asset"),
    *inventory_urls.urlpatterns,
]

urlpatterns = [
    path("", v.DashboardView.as_view(), name="home"),
    path("healthz", v.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("search/", v.SearchView.as_view(), name="search"),
    path("tokens/", v.TokenView.as_view(), name="tokens"),
    path("preferences/table/", generic.TablePreferenceView.as_view(), name="table_preferences"),
    # the language can be chosen on the login page too
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include((inventory_patterns, "inventory"))),
    path("", include("lifecycle.urls")),
    path("", include("collectors.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("werterhalt.api.urls")),
]
