"""Settings come from the environment and production settings pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from lms.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                                              "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                                                              "CSRF_COOKIE_SECURE", "DJANGO_SETTINGS_MODULE",
                                                              "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_it_passes_the_deploy_checks_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DEBUG="0", SECRET_KEY="k" * 20 + "-production-like-secret-0123456789abcdefghij",
                     ALLOWED_HOSTS="learn.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production() -> None:
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_reports_a_malformed_boolean_by_name() -> None:
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def _security_setting(name: str, **env: str) -> str:
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 20 + "-production-like-secret-0123456789abcdefghij",
                  "ALLOWED_HOSTS": "learn.example.org"}
    result = _manage("shell", "-c", f"from django.conf import settings; print(settings.{name})",
                     **{**production, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_it_leaves_hsts_preload_to_the_deployer() -> None:
    assert _security_setting("SECURE_HSTS_PRELOAD") == "False"
    assert _security_setting("SECURE_HSTS_SECONDS") == "31536000", "HSTS itself stays on in production"
    assert _security_setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1") == "True"


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 20 + "-production-like-secret-0123456789abcdefghij",
              "ALLOWED_HOSTS": "learn.example.org"}


def _without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}


def test_it_refuses_to_start_in_production_without_a_broker() -> None:
    env = {**_without("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"), **PRODUCTION}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must be set when DEBUG is off" in result.stderr


def test_it_uses_the_broker_it_is_given_and_the_file_broker_only_by_name_or_in_debug() -> None:
    assert _security_setting("CELERY_BROKER_URL", CELERY_BROKER_URL="redis://redis-broker:6379/0") \
        == "redis://redis-broker:6379/0"
    assert _security_setting("CELERY_BROKER_URL", CELERY_BROKER_URL="filesystem://") == "filesystem://"
    env = {**_without("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"), "DEBUG": "1"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                             "from django.conf import settings; print(settings.CELERY_BROKER_URL)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "filesystem://"


def test_it_keeps_checkpoints_and_uploads_in_a_bucket_when_asked() -> None:
    assert "adaptive.storage.ModelFolderStorage" in _security_setting("STORAGES")
    storages = _security_setting("STORAGES", PATHWISE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="pathwise-files",
                                 AWS_S3_ENDPOINT_URL="http://minio:9000")
    assert "'models': {'BACKEND': 'storages.backends.s3.S3Storage'" in storages
    assert "'location': 'models'" in storages and "'location': 'media'" in storages
    assert "'bucket_name': 'pathwise-files'" in storages and "'endpoint_url': 'http://minio:9000'" in storages


def test_it_names_what_is_missing_or_wrong_in_the_storage_settings() -> None:
    missing = _manage("check", **PRODUCTION, PATHWISE_STORAGE="s3")
    assert missing.returncode != 0 and "PATHWISE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in missing.stderr
    wrong = _manage("check", **PRODUCTION, PATHWISE_STORAGE="nfs")
    assert wrong.returncode != 0 and "PATHWISE_STORAGE must be local or s3, not 'nfs'" in wrong.stderr


def test_it_pools_postgresql_connections_when_asked() -> None:
    database = {"DATABASE_URL": "postgres://pathwise:secret@pgbouncer:5432/pathwise", "DATABASE_CONN_MAX_AGE": "60"}
    pooled = _security_setting("DATABASES['default']", **database, DATABASE_POOL="1", DATABASE_POOL_MAX_SIZE="4")
    assert "'pool': {'min_size': 2, 'max_size': 4, 'timeout': 10.0}" in pooled
    assert "'CONN_MAX_AGE': 0" in pooled, "Django refuses persistent connections with a pool"
    assert "'DISABLE_SERVER_SIDE_CURSORS': False" in pooled
    plain = _security_setting("DATABASES['default']", **database, DATABASE_DISABLE_SERVER_SIDE_CURSORS="1")
    assert "'pool'" not in plain and "'CONN_MAX_AGE': 60" in plain and "'DISABLE_SERVER_SIDE_CURSORS': True" in plain
    sqlite = _manage("check", **PRODUCTION, DATABASE_URL="sqlite:///var/x.sqlite3", DATABASE_POOL="1")
    assert sqlite.returncode != 0 and "DATABASE_POOL=1 needs a PostgreSQL DATABASE_URL" in sqlite.stderr


def test_it_sends_and_routes_only_tasks_the_workers_know() -> None:
    """A task moved or renamed without its beat entry or its route would be dropped by every worker as
    unregistered, on each tick, without an error anyone sees."""
    app.loader.import_default_modules()
    sent = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} | set(settings.CELERY_TASK_ROUTES)
    assert "lms.learning.tasks.reconcile_learner_states" in sent
    assert sorted(sent - set(app.tasks)) == []
