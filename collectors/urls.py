from collectors import models
from collectors import views as v
from werterhalt.generic import crud_urls

app_name = "collectors"

urlpatterns = [
    *crud_urls("discovery/runs", models.DiscoveryRun, list=v.DiscoveryRunListView, detail=v.DiscoveryRunView),
    *crud_urls("discovery/hosts", models.DiscoveryHost, list=v.DiscoveryHostListView),
]
