"""Email settings come from the environment, and a bad value stops start-up with its name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READ = ("from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, sep='|'); "
        "print(sorted(k for k in s.CELERY_BEAT_SCHEDULE if k.startswith('send-')))")


def _shell(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "PATHWISE_", "DJANGO_"))}
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", READ], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**clean, "DEBUG": "1", **env})


def test_it_reads_smtp_from_the_environment() -> None:
    result = _shell(EMAIL_HOST="smtp.example.org", EMAIL_PORT="587", EMAIL_HOST_USER="lms", EMAIL_USE_TLS="1",
                    DEFAULT_FROM_EMAIL="Learning <learning@example.org>", PATHWISE_TEAM_DIGEST="daily")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == "smtp.example.org|587|lms|True|Learning <learning@example.org>"
    assert lines[-1] == "['send-due-date-reminders', 'send-team-digests']"


def test_the_digest_can_be_turned_off() -> None:
    result = _shell(PATHWISE_TEAM_DIGEST="off")
    assert result.stdout.strip().splitlines()[-1] == "['send-due-date-reminders']"


def test_it_names_a_bad_setting() -> None:
    for env, name in [({"PATHWISE_TEAM_DIGEST": "monthly"}, "PATHWISE_TEAM_DIGEST"),
                      ({"PATHWISE_EMAIL_HOUR": "25"}, "PATHWISE_EMAIL_HOUR"),
                      ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT"), ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS")]:
        result = _shell(**env)
        assert result.returncode != 0 and f"{name} must be" in result.stderr
