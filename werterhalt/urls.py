from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from inventory import views as inventory_views

admin.site.site_header = "Werterhalt"
admin.site.site_title = "Werterhalt"
admin.site.index_title = "Inventory administration"

urlpatterns = [
    path("", inventory_views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
