import os

from django.core.wsgi import get_wsgi_application

from werterhalt.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")

application = get_wsgi_application()
tune_gc()
