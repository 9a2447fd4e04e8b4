"""Settings for the test suite: the product's settings with a throwaway key.

DATABASE_URL and REDIS_URL are honoured, so CI runs the same tests on PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-not-a-secret")

from werterhalt.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# background lifecycle refreshes run before the response in tests (tests/lifecycle/test_background.py
# covers the thread and RQ modes)
LIFECYCLE_REFRESH = "inline"
AXES_ENABLED = False  # login lockout: tests/ui/test_login_lockout.py switches it on
API_THROTTLE_RATES = {"anon": None, "user": None}  # no limits; tests/api/test_throttling.py sets them
DISCOVERY_INVENTORY_ROOT = "/"  # tests keep folders in tmp; tests/collectors/test_schedules.py narrows it
