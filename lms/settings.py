"""Pathwise settings: one module, read from the environment.

Defaults give a self-contained demo (SQLite file, a file-system message broker shared by the web
and worker processes). Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, SECRET_KEY and
DEBUG=0; see "Configuration" in the README.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu.transport import TRANSPORT_ALIASES

from lms.env import env_bool, env_float, env_int, env_list, env_str

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
    "lms.accounts",
    "lms.content",
    "lms.learning",
    "lms.diary",
    "lms.analytics",
    "adaptive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL character in an address is a 400 here, not a database error in a view.
    "lms.text.UnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lms.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pathwise.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
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

# The lockout check runs first, so a locked-out sign-in never reaches the password hasher.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CACHES["default"]["KEY_PREFIX"] = env_str("PATHWISE_CACHE_PREFIX", "pathwise")
# Sessions are read on every request: with Redis they are read from the cache and written through
# to the database. The file cache is not safe for that across processes, so without Redis they
# stay in the database alone.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

# --- Celery -------------------------------------------------------------------------------------
# The default broker keeps messages in files under var/broker, so the demo needs no server and the
# web process and the worker (separate processes) still share one queue.
BROKER_DIR = Path(env_str("PATHWISE_BROKER_DIR", str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
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
    "adaptive.tasks.process_response": {"queue": "realtime"},
    "adaptive.tasks.noop": {"queue": "realtime"},
    "adaptive.tasks.retrain_learner_model": {"queue": "training"},
}
CELERY_BEAT_SCHEDULE = {
    "reconcile-unprocessed-responses": {
        "task": "lms.learning.tasks.reconcile_unprocessed_responses",
        "schedule": env_float("PATHWISE_RECONCILE_SECONDS", 300.0),
    },
    "reconcile-learner-states": {
        "task": "adaptive.tasks.reconcile_learner_states",
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
}
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
    "EXCEPTION_HANDLER": "lms.api.exception_handler",
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api.document_errors",
        "lms.accounts.throttles.document_throttling",
    ],
}

# --- Security (production defaults; all on when DEBUG is off) --------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
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
MAX_IMAGE_BYTES = env_int("PATHWISE_MAX_IMAGE_BYTES", 2 * 1024 * 1024)
DEMO_COURSES_DIR = BASE_DIR / "demo" / "courses"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
