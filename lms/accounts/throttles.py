"""Limits on signing in: a rate per client address (DRF's throttle, also used by the sign-in page)
and django-axes' lockout of a username from one address after repeated failures.

Both are checked before the password is hashed, so a flood of sign-ins costs a cache read each,
not a run of the password hasher.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.throttling import SimpleRateThrottle

LOCKED_OUT = ("Too many failed sign-ins for this username from your address. Try again in {minutes} minutes, "
              "or ask an admin to unlock the account.")
TOO_FAST = gettext_lazy("Too many sign-in attempts from your address. Wait a minute and try again.")


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 15
    return LOCKED_OUT.format(minutes=minutes)


class SignInRateThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address, whoever they name (rate ``signin``)."""

    scope = "signin"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def sign_in_allowed(request: HttpRequest) -> bool:
    """The sign-in rate, for the sign-in and password-reset pages (Django views, not API views)."""
    # DRF types the throttle for its own Request and APIView; it reads only the client's address from
    # request.META, which a Django request has as well, and this throttle ignores the view.
    return SignInRateThrottle().allow_request(request, None)  # type: ignore[arg-type]


class SignInLockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What django-axes answers to a sign-in during a lockout: a JSON 429 on the API, else the
    sign-in page with the message, also a 429."""
    message = lockout_message(request)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    return render(request, "registration/login.html", {"form": form, "signin_refused": message,
                                                       "next": request.POST.get("next", ""),
                                                       "passwords_off": not settings.PATHWISE_PASSWORD_LOGIN},
                  status=status.HTTP_429_TOO_MANY_REQUESTS)


THROTTLED = {
    "description": "Too many requests from this client (the API's rates: per address when signed out, per user "
                   "when signed in). The Retry-After header says how many seconds to wait.",
    "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}}},
}


def document_throttling(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every operation may answer 429, so the schema says so."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operation.setdefault("responses", {}).setdefault("429", THROTTLED)
    return result
