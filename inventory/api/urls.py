from rest_framework import routers

from inventory.api import views

app_name = "inventory-api"


class InventoryRootView(routers.APIRootView):
    """Assets, their modules, where they are and what they are; the change log."""


router = routers.DefaultRouter()
router.APIRootView = InventoryRootView
router.register("assets", views.AssetViewSet)
router.register("modules", views.ModuleViewSet)
router.register("org-units", views.OrgUnitViewSet)
router.register("sites", views.SiteViewSet)
router.register("manufacturers", views.ManufacturerViewSet)
router.register("hardware-models", views.HardwareModelViewSet)
router.register("platforms", views.PlatformViewSet)
router.register("tags", views.TagViewSet)
router.register("object-changes", views.ObjectChangeViewSet)

urlpatterns = router.urls
