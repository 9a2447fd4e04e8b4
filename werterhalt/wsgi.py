import os

from django.core.wsgi import get_wsgi_application

from werterhalt.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")

application = get_wsgi_application()
tune_gc()


def _warn_at_start() -> None:
    import logging

    from collectors.checks import startup_warnings

    for message in startup_warnings():
        logging.getLogger("werterhalt.startup").warning(message)


_warn_at_start()
