"""Settings for the test suite: production settings with a throwaway key, plain HTTP and plain
static files. The database and broker still come from the environment, so the same suite runs on
SQLite with the file broker and on PostgreSQL with Redis."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Each test run gets its own file-broker folder, inherited by the worker processes it starts, so
# two runs on one machine never take each other's messages.
# The one-machine file broker unless the environment names another (production refuses a default).
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
os.environ.setdefault("PATHWISE_BROKER_DIR", os.path.join("var", f"test-broker-{os.getpid()}"))
os.environ.setdefault("PATHWISE_CACHE_PREFIX", f"test-{os.getpid()}")
# Tests make many requests as one user and from one address; the tests of the limits set them low.
os.environ.setdefault("PATHWISE_THROTTLE_ANON", "100000/min")
os.environ.setdefault("PATHWISE_THROTTLE_USER", "100000/min")
os.environ.setdefault("PATHWISE_THROTTLE_SIGNIN", "100000/min")

from lms.settings import *  # noqa: F403
from lms.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
