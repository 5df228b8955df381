"""Django's own backend, with passwords switched off per deployment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


def password_login_allowed(username: str | None) -> bool:
    """Whether a password may sign this username in: always, unless PATHWISE_PASSWORD_LOGIN is off,
    and then only for the break-glass accounts in PATHWISE_PASSWORD_LOGIN_ACCOUNTS (compared
    without case, as usernames are unique without case)."""
    if settings.PATHWISE_PASSWORD_LOGIN:
        return True
    allowed = {name.casefold() for name in settings.PATHWISE_PASSWORD_LOGIN_ACCOUNTS}
    return bool(username) and str(username).casefold() in allowed


class AccountBackend(ModelBackend):
    """Users by id for their sessions, whichever way they signed in, and passwords where
    ``password_login_allowed`` lets them. A refused password is a failed sign-in like a wrong one,
    so django-axes counts it and the audit log records it."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not password_login_allowed(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """The session's user, with their preferences read in the same query: PreferencesMiddleware
        needs them on every request, and this saves it a query of its own."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("preferences").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
