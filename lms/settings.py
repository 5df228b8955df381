"""Pathwise settings: one module, read from the environment.

Defaults give a self-contained demo (SQLite file, a file-system message broker shared by the web
and worker processes). Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, SECRET_KEY and
DEBUG=0; see "Configuration" in the README.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu.transport import TRANSPORT_ALIASES

from lms.env import env_bool, env_float, env_int, env_list, env_str
from lms.sso.config import sso_providers_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PATHWISE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "insecure-dev-only-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_prometheus",
    # Single sign-on (docs/sso.md): OpenID Connect and SAML 2.0; allauth's own sign-in and sign-up
    # pages are not routed, only the providers' (lms/sso/urls.py).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "lms.accounts",
    "lms.content",
    "lms.learning",
    "lms.diary",
    "lms.analytics",
    "lms.ops",
    "lms.notifications",
    "lms.people",
    "lms.privacy",
    "lms.lti",
    "lms.xapi",
    "lms.sso",
    "adaptive",
]

MIDDLEWARE = [
    # First and (nearly) last, so request metrics time everything in between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.ops.middleware.RequestIdMiddleware",
    # /healthz, /readyz and /metrics, answered before CommonMiddleware checks the Host header.
    "lms.ops.middleware.ProbeMiddleware",
    # A NUL character in an address is a 400 here, not a database error in a view.
    "lms.text.UnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the browser (Accept-Language); after sessions, before common (Django's order).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's own language and time zone, over the browser's (docs/languages.md).
    "lms.accounts.middleware.PreferencesMiddleware",
    # The audit log reads who is signed in, and from where, from the request being answered.
    "lms.privacy.middleware.AuditRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lms.csp.ContentSecurityPolicyMiddleware",
    # After the policy, so its answer runs first: pages of an LTI launch may be framed by that platform.
    "lms.lti.middleware.PlatformFrameMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.accounts.context_processors.roles",
            ],
        },
    }
]

DATABASE_POOL = env_bool("DATABASE_POOL", False)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pathwise.sqlite3'}"),
        # A pooled connection goes back to the pool after each request, so it has no age to keep.
        conn_max_age=0 if DATABASE_POOL else env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASE_POOL:
    # PostgreSQL only (psycopg's pool): each process keeps up to DATABASE_POOL_MAX_SIZE connections,
    # so max_connections must cover processes x that (docs/deployment.md, "Kubernetes").
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL=1 needs a PostgreSQL DATABASE_URL")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 8),
        "timeout": env_float("DATABASE_POOL_TIMEOUT", 10.0),
    }
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker are separate processes writing one file: wait for the lock
    # instead of failing, and let tests use a file so a worker process can see their data.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # One file per test run (not :memory:) so that a worker process started by a test can open it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The lockout check runs first, so a locked-out sign-in never reaches the password hasher. Passwords
# are checked by Django's backend, which refuses them when PATHWISE_PASSWORD_LOGIN is off (except
# for the accounts in PATHWISE_PASSWORD_LOGIN_ACCOUNTS); single sign-on logs in without a backend
# check of its own (lms/sso/adapters.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lms.accounts.backends.AccountBackend",
]
PATHWISE_PASSWORD_LOGIN = env_bool("PATHWISE_PASSWORD_LOGIN", True)
PATHWISE_PASSWORD_LOGIN_ACCOUNTS = env_list("PATHWISE_PASSWORD_LOGIN_ACCOUNTS", [])

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# The languages a user may choose (docs/languages.md); catalogues live in locale/<code>/LC_MESSAGES.
LANGUAGES = [("en-gb", "English"), ("fr", "French")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files written by one process and read by others: uploads ("default") and learner-model
# checkpoints ("models"). Local folders on one machine; an S3-compatible bucket (PATHWISE_STORAGE=s3)
# when web and workers run on several, with credentials from boto3's usual sources (AWS_ACCESS_KEY_ID
# and AWS_SECRET_ACCESS_KEY, or the node's or pod's role).
PATHWISE_STORAGE = env_str("PATHWISE_STORAGE", "local")
if PATHWISE_STORAGE == "local":
    _file_storages: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "models": {"BACKEND": "adaptive.storage.ModelFolderStorage"},
    }
elif PATHWISE_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME", ""):
        raise ImproperlyConfigured("PATHWISE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _s3 = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,  # MinIO, Ceph, R2...; empty for AWS
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        "file_overwrite": False,
    }
    _file_storages = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "media"}},
        "models": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "models"}},
    }
else:
    raise ImproperlyConfigured(f"PATHWISE_STORAGE must be local or s3, not {PATHWISE_STORAGE!r}")
# The "default" storage's folder with PATHWISE_STORAGE=local: module images (lms.content.storage).
# Never served as static files: the image view checks who asks.
MEDIA_ROOT = Path(env_str("PATHWISE_MEDIA_ROOT", str(VAR_DIR / "media")))
# With PATHWISE_STORAGE=s3 the image view redirects to a signed address valid this long (raster
# images; SVG is streamed, so that the view's sandbox header applies to it).
PATHWISE_IMAGE_URL_EXPIRY_S = env_int("PATHWISE_IMAGE_URL_EXPIRY_S", 2 * 3600)
STORAGES = {
    **_file_storages,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Cache: Redis in production, a local cache otherwise ---------------------------------------
# The file cache is shared by the web server and the worker (separate processes) like Redis is.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # A Redis that is away answers like an empty cache (lms/cache.py): nothing lives only in the cache.
    CACHES = {"default": {"BACKEND": "lms.cache.OutageTolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CACHES["default"]["KEY_PREFIX"] = env_str("PATHWISE_CACHE_PREFIX", "pathwise")
# Sessions live in the database alone (one primary-key read per request), so a Redis outage signs
# nobody out; a cached copy could also outlive a sign-out made while Redis was away.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Email ---------------------------------------------------------------------------------------
# SMTP from the environment in production; bin/demo prints emails to the worker's log instead.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pathwise <pathwise@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Emails are written by workers, with no request to take the address from: links in them start here.
PATHWISE_SITE_URL = env_str("PATHWISE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Managers' digest of overdue work in their teams: weekly (Mondays), daily, or off.
PATHWISE_TEAM_DIGEST = env_str("PATHWISE_TEAM_DIGEST", "weekly")
if PATHWISE_TEAM_DIGEST not in {"weekly", "daily", "off"}:
    raise ImproperlyConfigured(f"PATHWISE_TEAM_DIGEST must be weekly, daily or off, not {PATHWISE_TEAM_DIGEST!r}")
# Reminders and digests go out at this hour of each recipient's own day (their time zone, else
# TIME_ZONE): beat runs both every hour, and each run writes those whose hour has come.
PATHWISE_EMAIL_HOUR = env_int("PATHWISE_EMAIL_HOUR", 7)
if not 0 <= PATHWISE_EMAIL_HOUR <= 23:
    raise ImproperlyConfigured(f"PATHWISE_EMAIL_HOUR must be an hour from 0 to 23, not {PATHWISE_EMAIL_HOUR}")

# --- Celery -------------------------------------------------------------------------------------
# The default broker keeps messages in files under var/broker, so the demo needs no server and the
# web process and the worker (separate processes) still share one queue.
BROKER_DIR = Path(env_str("PATHWISE_BROKER_DIR", str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://" if DEBUG else "")
# The file broker serves one machine only: in production it is chosen by name or not at all.
if not CELERY_BROKER_URL:
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set when DEBUG is off, e.g. redis://redis-broker:6379/0 "
        "(CELERY_BROKER_URL=filesystem:// chooses the demo's one-machine file broker)"
    )
# ``filesystem://`` is kombu's file-system transport, with each message renamed into the queue folder
# once written whole (lms/filebroker.py), so a polling worker never reads a half-written one.
TRANSPORT_ALIASES["filesystem"] = "lms.filebroker:Transport"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "staging_folder": str(BROKER_DIR / "staging"),
        "store_processed": False,
        # The worker polls the folder; a short interval keeps decisions well inside the deadline.
        "polling_interval": env_float("PATHWISE_BROKER_POLL_SECONDS", 0.05),
    }
    for _folder in ("queue", "processed", "control", "staging"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Short socket timeouts: a web request that publishes a task must fail fast, not hang,
    # when Redis is unreachable.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 1.0),
        "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 1.0),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 100)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Publishing must never hang a web request when the broker is unreachable.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}

CELERY_TASK_ROUTES = {
    "lms.learning.tasks.process_response": {"queue": "realtime"},
    "adaptive.tasks.noop": {"queue": "realtime"},
    "adaptive.tasks.retrain_learner_model": {"queue": "training"},
    # Fitting the skill tagger takes seconds at most: it shares the default queue's worker.
    "lms.content.tasks.suggest_skills": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE = {
    "reconcile-unprocessed-responses": {
        "task": "lms.learning.tasks.reconcile_unprocessed_responses",
        "schedule": env_float("PATHWISE_RECONCILE_SECONDS", 300.0),
    },
    "reconcile-learner-states": {
        "task": "lms.learning.tasks.reconcile_learner_states",
        "schedule": env_float("PATHWISE_RECONCILE_SECONDS", 300.0),
    },
    "retrain-learner-model": {
        "task": "adaptive.tasks.retrain_learner_model",
        "schedule": env_float("PATHWISE_RETRAIN_SECONDS", 24 * 3600.0),
    },
    "refresh-dashboards": {
        "task": "lms.analytics.tasks.refresh_dashboards",
        "schedule": env_float("PATHWISE_DASHBOARD_REFRESH_SECONDS", 300.0),
    },
    "check-model-health": {
        "task": "lms.analytics.tasks.check_model_health",
        "schedule": env_float("PATHWISE_MODEL_HEALTH_SECONDS", 3600.0),
    },
    "send-due-date-reminders": {
        "task": "lms.notifications.tasks.send_due_date_reminders",
        "schedule": crontab(minute=0),  # hourly: someone's morning is always starting somewhere
    },
}
# The audit log (sign-ins, role and team changes, exports, deletions) keeps events this many days.
PATHWISE_AUDIT_RETENTION_DAYS = env_int("PATHWISE_AUDIT_RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE["purge-audit-events"] = {
    "task": "lms.privacy.tasks.purge_audit_events",
    "schedule": crontab(minute=30, hour=3),
}
if PATHWISE_TEAM_DIGEST != "off":
    CELERY_BEAT_SCHEDULE["send-team-digests"] = {
        "task": "lms.notifications.tasks.send_team_digests",
        # Hourly: the task picks the managers whose (Monday, if weekly) morning it is in their zone.
        "schedule": crontab(minute=15),
    }
# --- xAPI ---------------------------------------------------------------------------------------
# Answers, quiz and module completions and mastery become xAPI statements sent to a learning-record
# store (docs/xapi.md). Off unless PATHWISE_XAPI_ENDPOINT names the LRS (its xAPI root, e.g.
# https://lrs.example.com/xAPI/); statements are recorded only while it is on.
PATHWISE_XAPI_ENDPOINT = env_str("PATHWISE_XAPI_ENDPOINT", "").strip()
if PATHWISE_XAPI_ENDPOINT and not PATHWISE_XAPI_ENDPOINT.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"PATHWISE_XAPI_ENDPOINT must be an http(s) address, not {PATHWISE_XAPI_ENDPOINT!r}")
PATHWISE_XAPI_USERNAME = env_str("PATHWISE_XAPI_USERNAME", "")
PATHWISE_XAPI_PASSWORD = env_str("PATHWISE_XAPI_PASSWORD", "")
# Activity IRIs and the learners' account home page start with this address; keep it fixed once
# statements have been sent, or the same course appears under two identities in the LRS.
PATHWISE_XAPI_BASE_URL = env_str("PATHWISE_XAPI_BASE_URL", PATHWISE_SITE_URL).rstrip("/")
PATHWISE_XAPI_BATCH_SIZE = env_int("PATHWISE_XAPI_BATCH_SIZE", 100)
PATHWISE_XAPI_TIMEOUT_S = env_float("PATHWISE_XAPI_TIMEOUT_S", 10.0)
# After a failed send, a statement waits this long, doubled after each further failure, up to an hour.
PATHWISE_XAPI_RETRY_BASE_S = env_float("PATHWISE_XAPI_RETRY_BASE_S", 30.0)
if PATHWISE_XAPI_BATCH_SIZE < 1 or PATHWISE_XAPI_TIMEOUT_S <= 0 or PATHWISE_XAPI_RETRY_BASE_S < 0:
    raise ImproperlyConfigured("PATHWISE_XAPI_BATCH_SIZE and PATHWISE_XAPI_TIMEOUT_S must be positive, "
                               "PATHWISE_XAPI_RETRY_BASE_S not negative")
if PATHWISE_XAPI_ENDPOINT:
    CELERY_BEAT_SCHEDULE["send-xapi-statements"] = {
        "task": "lms.xapi.tasks.send_xapi_statements",
        "schedule": env_float("PATHWISE_XAPI_RETRY_SECONDS", 60.0),
    }
# Beat's daily crontab entries (the audit purge) follow the site's clock; the emails run hourly.
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None

# --- Sign-in protection ------------------------------------------------------------------------
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the Nth address from
# the right; with 0 (no proxy) it is REMOTE_ADDR. Lockouts and rate limits are per client address.
PATHWISE_PROXY_COUNT = env_int("PATHWISE_PROXY_COUNT", 0)
# django-axes: this many failed sign-ins for one username from one address lock that pair out for
# the cool-off (the sign-in page, the admin's and the token endpoint alike). Admins unlock in the
# admin (Axes › Access attempts) or with `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = env_int("PATHWISE_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("PATHWISE_SIGNIN_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lms.accounts.throttles.lockout_response"
if PATHWISE_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PATHWISE_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# TOTP two-factor sign-in (django-otp), available to managers and admins. When required, an admin
# without a confirmed device is sent to set one up before anything else.
PATHWISE_REQUIRE_2FA_FOR_ADMINS = env_bool("PATHWISE_REQUIRE_2FA_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env_str("PATHWISE_TOTP_ISSUER", "Pathwise")

# --- REST API ----------------------------------------------------------------------------------
# API tokens (django-rest-knox): stored as SHA-512 digests, each expiring after the TTL; sent as
# "Authorization: Token <key>".
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_float("PATHWISE_API_TOKEN_TTL_HOURS", 24 * 30.0)),
    "AUTH_HEADER_PREFIX": "Token",
}
REST_FRAMEWORK = {
    # Token first, so an anonymous or bad-token request gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per client address when signed out, per user when signed in; the token endpoint and the
    # sign-in page also share the stricter "signin" rate per address.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("PATHWISE_THROTTLE_ANON", "60/min"),
        "user": env_str("PATHWISE_THROTTLE_USER", "1000/min"),
        "signin": env_str("PATHWISE_THROTTLE_SIGNIN", "30/min"),
    },
    "NUM_PROXIES": PATHWISE_PROXY_COUNT or None,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's parsers, refusing text the database cannot store (NUL, lone surrogates) with a 400.
    "DEFAULT_PARSER_CLASSES": ["lms.parsers.JSONParser", "lms.parsers.FormParser", "lms.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lms.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pathwise API",
    "DESCRIPTION": "Courses, modules, questions, enrolments, answers and progress.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies are documented as JSON only: a form cannot say null, an empty list or a nested answer,
    # so a schema offering forms promised shapes the form parsers cannot carry. Forms still work.
    "PARSER_WHITELIST": ["lms.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api.document_errors",
        "lms.accounts.throttles.document_throttling",
    ],
}

# --- Security (production defaults; all on when DEBUG is off) --------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and scrapes speak plain HTTP to the container, behind the TLS proxy (lms/ops/middleware.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading puts the domain on the list built into browsers, which takes months to leave, and binds
# every subdomain to HTTPS: a deployer's decision (docs/deployment.md), so off unless asked for.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Django's deploy check warns when preload is off (security.W021); off is the default chosen here.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Scripts and styles from our own static files only (lms/csp.py relaxes styles for the admin and the
# API documentation). PATHWISE_CSP_REPORT_URI, when set, receives violation reports.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env_str("PATHWISE_CSP_REPORT_URI", ""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("PATHWISE_CSP_REPORT_URI", "")]

# --- Pathwise ----------------------------------------------------------------------------------
# Where checkpoints are kept with PATHWISE_STORAGE=local (the "models" storage above).
PATHWISE_MODEL_DIR = Path(env_str("PATHWISE_MODEL_DIR", str(VAR_DIR / "models")))
# The learner model trained for the product; benchmark results (docs/benchmarks.md) pick it.
PATHWISE_LEARNER_MODEL = env_str("PATHWISE_LEARNER_MODEL", "skill_elo")
# The meta-learned prior shipped with Pathwise: served by a fresh install, adapted by retraining.
PATHWISE_SHIPPED_MODEL = Path(env_str("PATHWISE_SHIPPED_MODEL", str(BASE_DIR / "adaptive" / "artifacts" / "skill_elo_meta.pt")))
# A retrained model replaces the serving one only when the lower end of its AUC gain's 95% interval
# on held-out learners is above this (adaptive.core.evaluate.compare_paired).
PATHWISE_PROMOTION_MARGIN = env_float("PATHWISE_PROMOTION_MARGIN", 0.002)
# How long the web process waits for the worker's decision before deciding itself (at most 1 s).
PATHWISE_DECISION_DEADLINE_S = min(1.0, env_float("PATHWISE_DECISION_DEADLINE_S", 0.6))
# An enrolment's progress summary is refreshed this long after an answer, once for all the answers
# given meanwhile, so that it stays out of the way of the real-time decisions.
PATHWISE_PROGRESS_REFRESH_DELAY_S = env_float("PATHWISE_PROGRESS_REFRESH_DELAY_S", 2.0)
PATHWISE_TRAINING_DEVICE = env_str("PATHWISE_TRAINING_DEVICE", "auto")
# Whether this process may import torch to serve the learner model. 0 in the web server: it serves a
# champion that runs without torch (skill_elo) read with NumPy alone, and the interpretable fallback
# while the champion is built on torch (adaptive.registry); workers keep 1.
PATHWISE_SERVE_WITH_TORCH = env_bool("PATHWISE_SERVE_WITH_TORCH", True)
MAX_IMAGE_BYTES = env_int("PATHWISE_MAX_IMAGE_BYTES", 2 * 1024 * 1024)
DEMO_COURSES_DIR = BASE_DIR / "demo" / "courses"

# --- People in bulk: CSV import and SCIM provisioning (docs/people-import.md) ----------------------
PATHWISE_PEOPLE_IMPORT_MAX_BYTES = env_int("PATHWISE_PEOPLE_IMPORT_MAX_BYTES", 2 * 1024 * 1024)
# django-scim2 at /scim/v2/: Users are accounts, Groups are teams; identity providers authenticate
# with a SCIM token made in the admin (People in bulk › SCIM tokens).
SCIM_SERVICE_PROVIDER = {
    "NETLOC": PATHWISE_SITE_URL.split("://", 1)[-1],
    "BASE_LOCATION_GETTER": "lms.people.scim.base_location",
    "USER_ADAPTER": "lms.people.scim.ScimUser",
    "GROUP_MODEL": "lms.accounts.models.Team",
    "GROUP_ADAPTER": "lms.people.scim.ScimGroup",
    "USER_FILTER_PARSER": "lms.people.scim_filters.PathwiseUserFilter",
    "GROUP_FILTER_PARSER": "lms.people.scim_filters.PathwiseGroupFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "lms.people.scim.ServiceProviderConfig",
    "GET_EXTRA_MODEL_FILTER_KWARGS_GETTER": "lms.people.scim.extra_filter_kwargs_getter",
    "AUTH_CHECK_MIDDLEWARE": "lms.people.scim.ScimBearerTokenCheck",
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="Pathwise SCIM"',
    "AUTHENTICATION_SCHEMES": [{
        "type": "oauthbearertoken",
        "name": "Bearer token",
        "description": "A SCIM token made by an admin, sent as Authorization: Bearer <token>.",
        "primary": True,
    }],
}

# --- Single sign-on: OpenID Connect and SAML 2.0 on django-allauth (docs/sso.md) --------------------
# Providers come from PATHWISE_OIDC_* and PATHWISE_SAML_* (lms/sso/config.py) and from the admin
# (Social accounts › Social applications). Roles and teams come from the claims named here.
SOCIALACCOUNT_PROVIDERS = sso_providers_from_env()
SOCIALACCOUNT_ADAPTER = "lms.sso.adapters.SocialAccountAdapter"
ACCOUNT_ADAPTER = "lms.sso.adapters.AccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in page's buttons post, so a link cannot start a sign-in
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # lms/sso/adapters.py matches existing accounts itself
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False  # Pathwise never required one account per address
PATHWISE_SSO_ROLE_CLAIM = env_str("PATHWISE_SSO_ROLE_CLAIM", "groups")
PATHWISE_SSO_ADMIN_VALUES = env_list("PATHWISE_SSO_ADMIN_VALUES", [])
PATHWISE_SSO_MANAGER_VALUES = env_list("PATHWISE_SSO_MANAGER_VALUES", [])
PATHWISE_SSO_TEAM_CLAIM = env_str("PATHWISE_SSO_TEAM_CLAIM", "team")

# --- LTI 1.3: Pathwise as a tool in Moodle, Canvas... (docs/lti.md) ------------------------------------
# Inside a platform's frame the session cookie is a third-party cookie: it must be SameSite=None (and
# Secure) to be kept there. Off, the platform should open Pathwise in a new window.
PATHWISE_LTI_EMBED = env_bool("PATHWISE_LTI_EMBED", False)
if PATHWISE_LTI_EMBED:
    if not (SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
        raise ImproperlyConfigured("PATHWISE_LTI_EMBED=1 needs SESSION_COOKIE_SECURE=1 and CSRF_COOKIE_SECURE=1 (HTTPS)")
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"

# --- Operations: metrics, logs, error reports (docs/deployment.md) ------------------------------
# /metrics answers a request with "Authorization: Bearer <token>" when this is set; without it, only
# direct requests from private or loopback addresses.
PATHWISE_METRICS_TOKEN = env_str("PATHWISE_METRICS_TOKEN", "")
# A Celery worker serves its own metrics on this port when set (0: not at all).
PATHWISE_WORKER_METRICS_PORT = env_int("PATHWISE_WORKER_METRICS_PORT", 0)
# gunicorn and prefork workers run several processes: each writes its counts here for the scrape.
if env_str("PROMETHEUS_MULTIPROC_DIR", ""):
    Path(env_str("PROMETHEUS_MULTIPROC_DIR", "")).mkdir(parents=True, exist_ok=True)

# One JSON object per line with PATHWISE_LOG_JSON=1, each with the request id (lms/ops/logs.py).
PATHWISE_LOG_JSON = env_bool("PATHWISE_LOG_JSON", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lms.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if PATHWISE_LOG_JSON else "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Errors are reported to Sentry only when SENTRY_DSN is set; no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE", "") or None,
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
