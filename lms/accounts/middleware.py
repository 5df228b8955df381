"""Two-factor sign-in required of admins, when the site asks for it (PATHWISE_REQUIRE_2FA_FOR_ADMINS); the
user's own language and time zone."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from lms.accounts.models import Preferences
from lms.accounts.roles import is_admin
from lms.accounts.selectors import totp_device_of

# Where an admin whose session is not verified may still go: to verify it, to set up an app, to leave.
OPEN_TO_UNVERIFIED = {"login", "login_code", "logout", "two_factor", "two_factor_start", "two_factor_confirm"}


class TwoFactorRequiredMiddleware:
    """An admin signed in without a code (before they set up an app, or before the setting was
    turned on) is sent to enter one, or to set up an app first; the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        if not settings.PATHWISE_REQUIRE_2FA_FOR_ADMINS:
            return None
        user = request.user
        # django-otp's OTPMiddleware (before this one) gives the user is_verified(); the User type has no such method.
        if not user.is_authenticated or not is_admin(user) or user.is_verified():  # type: ignore[attr-defined]
            return None
        if request.resolver_match and request.resolver_match.url_name in OPEN_TO_UNVERIFIED:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": "Admins must sign in with two-factor sign-in first."}, status=403)
        if totp_device_of(user) is not None:
            return redirect_to_login(request.get_full_path(), login_url=reverse("login_code"))
        return redirect("two_factor")


def _chosen(user: Any) -> tuple[str, str]:
    """The language and time zone ``user`` chose ("" where not chosen). The session's user comes with
    their preferences already read (``AccountBackend.get_user``); any other user costs a query."""
    try:
        preferences = user.preferences
    except Preferences.DoesNotExist:
        return "", ""
    return preferences.language, preferences.time_zone


class PreferencesMiddleware:
    """Shows the site in the signed-in user's language and time zone, when they chose them on their
    account page. Runs after LocaleMiddleware (which took the language from the browser) and after
    AuthenticationMiddleware; dates in templates are then shown in the user's zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language, zone = _chosen(user)
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
            if zone:
                # A zone removed from the system's database since it was chosen: the site's zone.
                with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                    timezone.activate(ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
