"""Settings come from the environment and production settings pass Django's deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
