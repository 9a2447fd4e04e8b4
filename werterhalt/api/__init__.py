"""The REST API's shared parts: token authentication, permissions, pagination, the base
serializer and viewset. Each app's endpoints live in ``<app>/api/``; ``werterhalt.api.urls``
mounts them under ``/api/``."""
