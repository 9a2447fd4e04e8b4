from rest_framework import routers

from collectors.api import views

app_name = "discovery-api"


class DiscoveryRootView(routers.APIRootView):
    """Discovery runs and the outcome of each host they tried."""


router = routers.DefaultRouter()
router.APIRootView = DiscoveryRootView
router.register("runs", views.DiscoveryRunViewSet)
router.register("hosts", views.DiscoveryHostViewSet)

urlpatterns = router.urls
