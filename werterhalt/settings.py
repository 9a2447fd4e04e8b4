"""Werterhalt settings, read from the environment.

| variable        | default                                  |
|-----------------|------------------------------------------|
| DEBUG           | off                                      |
| SECRET_KEY      | required when DEBUG is off               |
| DATABASE_URL    | sqlite:///<project>/werterhalt.sqlite3   |
| REDIS_URL       | unset (no Redis: local-memory cache, schedules from cron) |
| ALLOWED_HOSTS   | 127.0.0.1,localhost (comma separated)    |
| TIME_ZONE       | Europe/Zurich                            |
| HTTPS           | off; on: secure cookies, HSTS, redirect to HTTPS |
| BEHIND_PROXY    | off; on: trust X-Forwarded-Proto from the reverse proxy |
| HSTS_SECONDS    | 31536000 with HTTPS (0 turns HSTS off)   |
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'))."
        )
    SECRET_KEY = "insecure-debug-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_rq",  # manage.py rqworker: the workers of scheduled and distributed discovery
    "axes",  # login lockout after repeated failures (see LOGIN_FAILURE_LIMIT)
    "werterhalt",  # the project's own templates, static files, template tags and translations
    "inventory",
    "lifecycle",
    "collectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # refuses a body larger than UPLOAD_MAX_BYTES from its Content-Length, before reading it
    "werterhalt.middleware.RequestSizeLimitMiddleware",
    "werterhalt.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # every page needs a login; the API (/api/) answers 401/403 itself
    "werterhalt.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "inventory.middleware.ChangeActorMiddleware",
    # a person limited to some org units changes nothing outside them (inventory.scopes)
    "inventory.middleware.ScopeMiddleware",
    "werterhalt.middleware.RequestLogMiddleware",  # one structured record per request
    # answers a locked-out login (django-axes); last, as its documentation asks
    "axes.middleware.AxesMiddleware",
]

# Logins: after LOGIN_FAILURE_LIMIT wrong passwords for one user name from one address, that
# user name is locked for that address for LOGIN_LOCKOUT_MINUTES (django-axes; the attempts are
# stored in the database, so every web process sees them). An admin lifts a lockout with
# `manage.py axes_reset_username NAME`. Set AXES_IPWARE_META_PRECEDENCE_ORDER /
# BEHIND_PROXY so the client address is read from the proxy's header.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

ROOT_URLCONF = "werterhalt.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "werterhalt" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "werterhalt.context_processors.figures_updating",
                "werterhalt.context_processors.scope",
            ],
        },
    },
]

WSGI_APPLICATION = "werterhalt.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'werterhalt.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many readers and one writer at a time without "database is locked" on short bursts.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "werterhalt",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# one catalogue for the whole project (makemessages writes it, the app finds it)
LOCALE_PATHS = [BASE_DIR / "werterhalt" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Zurich")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves static files from the apps themselves: no collectstatic step, no CDN, no
# separate web server. (Run `manage.py collectstatic` and set WHITENOISE_USE_FINDERS=0 to serve
# from STATIC_ROOT instead.)
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and env_bool("HTTPS"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Served over HTTPS (HTTPS=1): browsers are told to use HTTPS only (HSTS, a year, subdomains
# too; HSTS_SECONDS=0 turns it off) and plain HTTP is redirected. Behind a reverse proxy that
# ends TLS, set BEHIND_PROXY=1: the proxy's X-Forwarded-Proto header then tells Django that the
# request came over HTTPS — only do so when the proxy sets that header itself and clients cannot
# reach Django directly. /healthz stays reachable over plain HTTP for local probes.
HTTPS = env_bool("HTTPS")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS and not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000" if HTTPS and not DEBUG else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# The browsers' preload list is a decision for the city's registered domain, not for one
# application under it: Django's reminder about it (security.W021) is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # the client's address for login lockouts: the proxy's X-Forwarded-For
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Scripts only from the app's own static files: no inline script, no eval, no other host (the
# templates have none; Swagger UI loads its start script from a URL of its own). Inline style
# attributes are allowed (htmx and a few templates set them); images may be data: URLs.
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
]))

# Uploads (the CSV import): a request body larger than UPLOAD_MAX_BYTES is refused from its
# Content-Length before it is read (413); an import stops reading at IMPORT_MAX_ROWS rows.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "werterhalt.logformat.JsonFormatter"},
    },
    # LOG_FORMAT=json: one JSON object per line (with the request's fields on werterhalt.request)
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # SSH libraries log every session; the lab's FakeNOS logs each closed socket as an error.
        # discovery classifies and records every failed host itself (collectors.tasks.classify);
        # paramiko's tracebacks and NAPALM's template errors would only repeat it, louder.
        "paramiko": {"level": "CRITICAL"},
        "napalm": {"level": "CRITICAL"},
        "ncclient": {"level": "WARNING"},
        "netmiko": {"level": "WARNING"},
        "nornir": {"level": "WARNING"},
        "fakenos": {"level": "CRITICAL"},
    },
}

# --- discovery (collectors) ---------------------------------------------------------------------
# Device credentials: environment (DEVICE_USERNAME, DEVICE_PASSWORD, DEVICE_ENABLE_SECRET) or a
# YAML secrets file (see collectors/hosts.py). Never in the database.
DEVICE_SECRETS_FILE = os.environ.get("DEVICE_SECRETS_FILE", "")
DISCOVERY_WORKERS = int(os.environ.get("DISCOVERY_WORKERS", "20"))
DISCOVERY_TIMEOUT = int(os.environ.get("DISCOVERY_TIMEOUT", "15"))  # seconds: connect, banner, auth
DISCOVERY_COMMAND_TIMEOUT = int(os.environ.get("DISCOVERY_COMMAND_TIMEOUT", "60"))  # seconds per command
# prefixes discovery may connect to: every target (inventory folders, assets from the database,
# schedules, LLDP crawls); outside: reason "not allowed", nothing sent. Empty: any address (a
# warning in `check --deploy`) and crawls need `discover --allow`.
DISCOVERY_ALLOW = env_list("DISCOVERY_ALLOW", "")
# schedules may read inventory folders only below this folder (the demo's lab lives in var/lab)
DISCOVERY_INVENTORY_ROOT = Path(os.environ.get("DISCOVERY_INVENTORY_ROOT", BASE_DIR / "var"))
DISCOVERY_CRAWL_DEPTH = int(os.environ.get("DISCOVERY_CRAWL_DEPTH", "4"))
# SSH port of hosts that come from the database or from a crawl
DISCOVERY_SSH_PORT = int(os.environ.get("DISCOVERY_SSH_PORT", "22"))
# servers from the database are read through their BMC (Redfish over HTTPS) on this port; TLS is
# verified against this CA file, or the system's CA bundle when empty
DISCOVERY_BMC_PORT = int(os.environ.get("DISCOVERY_BMC_PORT", "443"))
# SNMP (UPSes, printers, firewalls and switches without a NAPALM driver; platform ``snmp``): the
# agent's port, how long one request may take and how often it is repeated (UDP loses packets)
DISCOVERY_SNMP_PORT = int(os.environ.get("DISCOVERY_SNMP_PORT", "161"))
DISCOVERY_SNMP_TIMEOUT = float(os.environ.get("DISCOVERY_SNMP_TIMEOUT", "2"))
DISCOVERY_SNMP_RETRIES = int(os.environ.get("DISCOVERY_SNMP_RETRIES", "1"))
DISCOVERY_BMC_CA_FILE = os.environ.get("DISCOVERY_BMC_CA_FILE", "")
# NetBox (manage.py netbox pull|push|status, discover --from-netbox): its URL and API token are in
# the secrets file's ``netbox`` block (or NETBOX_URL / NETBOX_TOKEN), like device passwords. One
# request may take NETBOX_TIMEOUT seconds; lists are read NETBOX_PAGE_SIZE objects a page,
# NETBOX_WORKERS pages at once (NetBox's MAX_PAGE_SIZE, 1000 by default, caps the page).
NETBOX_TIMEOUT = float(os.environ.get("NETBOX_TIMEOUT", "60"))
NETBOX_PAGE_SIZE = int(os.environ.get("NETBOX_PAGE_SIZE", "1000"))
NETBOX_WORKERS = int(os.environ.get("NETBOX_WORKERS", "4"))
# a BMC is read over HTTPS only: plain HTTP would send its credentials in clear (labs: set 1)
DISCOVERY_BMC_ALLOW_HTTP = env_bool("DISCOVERY_BMC_ALLOW_HTTP")
# distributed discovery (RQ workers, see README): a run is cut into shards of hosts; a shard's job
# beats every DISCOVERY_HEARTBEAT seconds, and one that has not beaten for DISCOVERY_STALE_AFTER
# seconds is taken as lost (its worker died); its run is then marked incomplete.
DISCOVERY_QUEUE = os.environ.get("DISCOVERY_QUEUE", "discovery")
DISCOVERY_SHARD_SIZE = int(os.environ.get("DISCOVERY_SHARD_SIZE", "50"))
DISCOVERY_HEARTBEAT = float(os.environ.get("DISCOVERY_HEARTBEAT", "15"))
DISCOVERY_STALE_AFTER = float(os.environ.get("DISCOVERY_STALE_AFTER", "180"))
# a queued shard no worker took within this many seconds is given up (no worker running?)
DISCOVERY_QUEUED_TIMEOUT = float(os.environ.get("DISCOVERY_QUEUED_TIMEOUT", str(6 * 3600)))
DISCOVERY_SHARD_JOB_TIMEOUT = int(os.environ.get("DISCOVERY_SHARD_JOB_TIMEOUT", "3600"))
# RQ (django-rq) on REDIS_URL: `manage.py rqworker discovery --with-scheduler` on every worker machine.
# Without REDIS_URL, schedules run from cron (`manage.py schedules run-due`) and nothing uses RQ.
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": DISCOVERY_SHARD_JOB_TIMEOUT}
    for name in dict.fromkeys(["default", DISCOVERY_QUEUE])
}
# Lifecycle answers after a change to a policy, notice, release or contract (lifecycle.state):
# "rq" = an RQ job on LIFECYCLE_QUEUE (the default with REDIS_URL), "thread" = in the web process
# after the response (the default without), "inline" = before the response (tests, scripts).
LIFECYCLE_REFRESH = os.environ.get("LIFECYCLE_REFRESH", "")
if LIFECYCLE_REFRESH not in {"", "rq", "thread", "inline"}:
    raise ImproperlyConfigured(f"LIFECYCLE_REFRESH must be rq, thread or inline, not {LIFECYCLE_REFRESH!r}")
LIFECYCLE_QUEUE = os.environ.get("LIFECYCLE_QUEUE", DISCOVERY_QUEUE)  # the workers discovery has
RQ_QUEUES.setdefault(LIFECYCLE_QUEUE, dict(RQ_QUEUES[DISCOVERY_QUEUE]))

# Budget periods (lifecycle.periods): the month the fiscal year starts in, 1 = the calendar year;
# e.g. 7 plans July to June, the years named 2026/27.
_fiscal = os.environ.get("FISCAL_YEAR_START_MONTH", "1")
if not _fiscal.isdigit() or not 1 <= int(_fiscal) <= 12:
    raise ImproperlyConfigured(f"FISCAL_YEAR_START_MONTH must be a month from 1 to 12, not {_fiscal!r}")
FISCAL_YEAR_START_MONTH = int(_fiscal)

LAB_DIR = Path(os.environ.get("LAB_DIR", BASE_DIR / "var" / "lab"))

# --- steering: monitoring, metrics, open data (docs/monitoring.md, docs/metrics.md, docs/opendata.md)
# /metrics (Prometheus text) answers a valid API token, or any client from these networks
# (comma-separated prefixes); empty: a token only.
METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "")
for _prefix in filter(None, (p.strip() for p in METRICS_ALLOWED_NETWORKS.split(","))):
    try:
        ipaddress.ip_network(_prefix, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_prefix!r} is not an address or prefix (e.g. 10.20.0.0/16)"
        ) from None
# open data (manage.py export_opendata): groups of fewer than OPENDATA_MIN_GROUP assets are
# suppressed; the licence (an SPDX-style name) and publisher written into datapackage.json
_k = os.environ.get("OPENDATA_MIN_GROUP", "5")
if not _k.isdigit() or not 1 <= int(_k) <= 1000:
    raise ImproperlyConfigured(f"OPENDATA_MIN_GROUP must be a whole number from 1 to 1000, not {_k!r}")
OPENDATA_MIN_GROUP = int(_k)
OPENDATA_LICENSE = os.environ.get("OPENDATA_LICENSE", "CC-BY-4.0")
OPENDATA_PUBLISHER = os.environ.get("OPENDATA_PUBLISHER", "Stadt Werterhalt, Informatikdienste")
OPENDATA_PUBLISHER_URL = os.environ.get("OPENDATA_PUBLISHER_URL", "")

# --- UI and API ---------------------------------------------------------------------------------
PAGINATE_BY = 50  # rows per page in lists (UI); the user may choose 25 to 500
MAX_PAGE_SIZE = 1000  # API ?limit= upper bound

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "werterhalt.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["werterhalt.api.permissions.TokenModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "werterhalt.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": PAGINATE_BY,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # requests per client and minute (werterhalt.api.throttling): API_RATE_ANON without a login,
    # API_RATE_USER per user or token; over it: 429 with Retry-After
    "DEFAULT_THROTTLE_CLASSES": [
        "werterhalt.api.throttling.AnonymousRate",
        "werterhalt.api.throttling.UserRate",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
API_THROTTLE_RATES = {
    "anon": os.environ.get("API_RATE_ANON", "60/min"),
    "user": os.environ.get("API_RATE_USER", "1200/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Werterhalt API",
    "DESCRIPTION": "Infrastructure assets, their lifecycle and discovery. Token authentication: "
    "`Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # answers may be brief (?brief=1, nested references): only id, url, display are required
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "werterhalt.api.schema.answers_may_be_brief",
    ],
    # Swagger UI and ReDoc from the app's own static files (drf-spectacular-sidecar), no CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one name per set of choices shared by several fields
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "inventory.choices.AssetStatus",
        "RunStatusEnum": "collectors.choices.RunStatus",
        "SupportStatusEnum": "lifecycle.choices.SupportStatus",
    },
}
DJANGO_TABLES2_TEMPLATE = "werterhalt/table.html"
