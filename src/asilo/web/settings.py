"""Django settings for asilo, read from the environment (django-environ).

Embedded defaults need no configuration: SQLite under ``var/`` and a demo secret key.
Production (``ASILO_SECRET_KEY`` set) refuses to start without its secrets and turns on
the secure-session settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from asilo.web.core.secrets import key_problem, salt_problem

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parents[2]
VAR_DIR = Path(environ.Env().str("ASILO_VAR_DIR", default=str(PROJECT_ROOT / "var")))

env = environ.Env(
    ASILO_DEBUG=(bool, False),
    ASILO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
)

_DEMO_SECRET = "asilo-demo-only-not-secret-" + "x" * 24
SECRET_KEY = env.str("ASILO_SECRET_KEY", default="")
# Production: ASILO_SECRET_KEY is set, or ASILO_PRODUCTION=1 asks for it (and then refuses to
# start without the key). The demo runs on an embedded, public key.
PRODUCTION = bool(SECRET_KEY) or env.bool("ASILO_PRODUCTION", default=False)
if PRODUCTION and (_key_problem := key_problem(SECRET_KEY)):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(_key_problem)
if not PRODUCTION:
    SECRET_KEY = _DEMO_SECRET

DEBUG = env("ASILO_DEBUG") and not PRODUCTION
ALLOWED_HOSTS = env("ASILO_ALLOWED_HOSTS")

# Field encryption (django-fernet-encrypted-fields): keys derive from SECRET_KEY and SALT_KEY.
# Rotating: put the old secret in ASILO_SECRET_KEY_FALLBACKS.
SALT_KEY = env.list(
    "ASILO_FIELD_ENCRYPTION_SALT", default=[] if PRODUCTION else ["asilo-demo-salt"]
)
SECRET_KEY_FALLBACKS = env.list("ASILO_SECRET_KEY_FALLBACKS", default=[])
if PRODUCTION and (_salt_problem := salt_problem(SALT_KEY)):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(_salt_problem)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "asilo.web.core",
    "asilo.web.accounts",
    "asilo.web.audit",
    "asilo.web.reference",
    "asilo.web.people",
    "asilo.web.encounters",
    "asilo.web.registrations",
    "asilo.web.appointments",
    "asilo.web.identity",
    "asilo.web.processing",
    "asilo.web.dashboards",
    "asilo.web.forecasts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Session, authentication, messages and htmx: Django's and the library's own classes,
    # which a token-authenticated API request (bearer token, no session cookie) passes
    # straight through (asilo.web.core.token_path). CSRF and axes stay as they are (the
    # deployment checks name them; on an API request they only read a cookie).
    "asilo.web.core.token_path.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "asilo.web.core.middleware.CoreMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "asilo.web.core.token_path.AuthenticationMiddleware",
    "asilo.web.core.token_path.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "asilo.web.core.token_path.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "asilo.web.urls"
WSGI_APPLICATION = "asilo.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "asilo.web.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    # The demo (no key) has its own file, so a production server never starts on demo data.
    "default": env.db_url(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / ('asilo.sqlite3' if PRODUCTION else 'demo.sqlite3')}",
    ),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
# Persistent connections on both databases: opening one (and, on SQLite, setting WAL mode) on
# every request cost more than a token-authenticated request's own work.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("ASILO_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout (django-axes): 5 failures lock the username+address pair for an hour.
AXES_FAILURE_LIMIT = env.int("ASILO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("ht", "Kreyòl ayisyen")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # the embedded database lives in VAR_DIR too
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": env.str("ASILO_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Notifications: SMTP for e-mail (ASILO_SMTP_HOST...), the HTTP SMS gateway (ASILO_SMS_GATEWAY_URL
# and _TOKEN); console backends in the demo. Production refuses backends that only print
# unless ASILO_ALLOW_CONSOLE_NOTIFICATIONS=1 (see asilo.web.appointments.backends).
from asilo.web.appointments.backends import (  # noqa: E402
    NotificationConfigError,
    notification_settings,
)

try:
    globals().update(notification_settings(os.environ, production=PRODUCTION))
except NotificationConfigError as _notification_problem:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(str(_notification_problem)) from None

# Sessions and cookies: secure in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("ASILO_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("ASILO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("ASILO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("ASILO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("ASILO_HSTS_PRELOAD", default=True)
    # Plain HTTP is redirected to HTTPS (off only with ASILO_SECURE_COOKIES=0, for loopback).
    SECURE_SSL_REDIRECT = env.bool("ASILO_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("ASILO_CSRF_TRUSTED_ORIGINS", default=[])

# Application logs carry ids, never names or other personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("ASILO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # At DEBUG these two write what they handle: a missing template variable dumps the
        # page's whole context (names, dates of birth), the database layer its queries'
        # parameters. Never below INFO, whatever ASILO_LOG_LEVEL says.
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# Request bodies: at most this many bytes (file uploads keep Django's own limits).
ASILO_MAX_REQUEST_BYTES = env.int("ASILO_MAX_REQUEST_BYTES", default=256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(ASILO_MAX_REQUEST_BYTES, 2_621_440)

# Identity resolution: the model's prior is scaled as if asilo's records were drawn from at
# least this many people (a prior scaled to a small database's few records would link two
# different people on a common name and a year of birth).
ASILO_IDENTITY_POPULATION = env.int("ASILO_IDENTITY_POPULATION", default=100_000)

ASILO_STATS_DB = Path(env.str("ASILO_STATS_DB", default=str(VAR_DIR / "stats.duckdb")))

# A password reset link works once, for a day.
PASSWORD_RESET_TIMEOUT = env.int("ASILO_PASSWORD_RESET_SECONDS", default=24 * 3600)

# The cache: rate-limit counters (django-ratelimit). The database by default (one table,
# created by `asilo serve`); memcached or redis (ASILO_CACHE_URL) when several servers share it.
CACHES = {"default": env.cache_url("ASILO_CACHE_URL", default="dbcache://asilo_cache")}
ASILO_CLIENT_IP_HEADER = env.str("ASILO_CLIENT_IP_HEADER", default="")
# Wrong PINs per client address, whatever the numbers (registrations.lockout); per number:
# ASILO_PIN_FAILURE_LIMIT within ASILO_PIN_LOCK_MINUTES.
ASILO_PIN_RATE_CLIENT = env.str("ASILO_PIN_RATE_CLIENT", default="10/h")
ASILO_PIN_FAILURE_LIMIT = env.int("ASILO_PIN_FAILURE_LIMIT", default=5)
ASILO_PIN_LOCK_MINUTES = env.int("ASILO_PIN_LOCK_MINUTES", default=30)
# The published rule that gives a self-service family to an organisation (by port, then by
# program): "port:San Ysidro=Casa del Migrante;program:mpp-wind-down-2021=...".
ASILO_ASSIGNMENT_RULES = env.str("ASILO_ASSIGNMENT_RULES", default="")
ASILO_SELF_SERVICE_RATE_CLIENT = env.str("ASILO_SELF_SERVICE_RATE_CLIENT", default="20/h")
ASILO_SELF_SERVICE_RATE_NETWORK = env.str("ASILO_SELF_SERVICE_RATE_NETWORK", default="60/h")
ASILO_SELF_SERVICE_RATE_CONTACT = env.str("ASILO_SELF_SERVICE_RATE_CONTACT", default="5/d")
# A burst on the self-service channel: this many from one client within the burst window
# holds them out of allocation until a person reviews them.
ASILO_SELF_SERVICE_BURST_THRESHOLD = env.int("ASILO_SELF_SERVICE_BURST_THRESHOLD", default=5)
# Review tasks that hold their registrations out of allocation until a person closes them:
# all seven by default (a burst, a shared phone or address, the same person twice,
# duplicate_family: a member identity resolution matches to a member of another open
# registration, and many self-service registrations from one device or one network).
ASILO_HOLDING_KINDS = env.list(
    "ASILO_HOLDING_KINDS",
    default=[
        "burst",
        "shared_phone",
        "shared_place",
        "duplicate_person",
        "duplicate_family",
        "shared_device",
        "shared_network",
    ],
)

# Content-Security-Policy (django-csp): scripts and styles only from this site (inline <style>
# blocks carry the request's nonce; no inline script at all). Inline style attributes are
# allowed (they cannot run code). Nothing from another origin; no framing.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
#: Features a page may use: the camera (check-in scans a QR code) and nothing else.
ASILO_PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)

# API tokens stop working this many days after they are issued (`asilo token create`).
ASILO_TOKEN_DAYS = env.int("ASILO_TOKEN_DAYS", default=90)
