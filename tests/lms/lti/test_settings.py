"""PATHWISE_LTI_EMBED: session and CSRF cookies a platform's frame keeps, on HTTPS only."""

from __future__ import annotations

from tests.lms.test_settings import _manage


def test_it_makes_the_cookies_cross_site_for_frames_on_https_only() -> None:
    shown = _manage("shell", "-c", "from django.conf import settings; "
                    "print('samesite', settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE)",
                    DEBUG="1", PATHWISE_LTI_EMBED="1", SESSION_COOKIE_SECURE="1", CSRF_COOKIE_SECURE="1")
    refused = _manage("check", DEBUG="1", PATHWISE_LTI_EMBED="1")
    assert shown.returncode == 0 and "samesite None None" in shown.stdout, shown.stderr
    assert refused.returncode != 0 and "PATHWISE_LTI_EMBED=1 needs SESSION_COOKIE_SECURE=1" in refused.stderr
