"""django-allauth's hooks: who an identity provider's user is here, and how they are signed in."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest

from lms.sso.mapping import ClaimMapping
from lms.sso.services import sso_user_create, sso_user_sync

# Sessions made by single sign-on are read back by the backend that reads every session.
SESSION_BACKEND = "lms.accounts.backends.AccountBackend"


def claims_of(sociallogin: SocialLogin) -> dict[str, Any]:
    """What the identity provider said about the user: OpenID Connect's ID token claims overlaid
    with its userinfo, or SAML's attributes."""
    data = sociallogin.account.extra_data or {}
    if isinstance(data.get("id_token"), dict) or isinstance(data.get("userinfo"), dict):
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dict(data)


def _mapping(sociallogin: SocialLogin) -> ClaimMapping:
    return ClaimMapping.for_app(sociallogin.provider.app.settings)


def _profile(user: User | None) -> dict[str, str]:
    return {"email": (user.email if user else "") or "", "first_name": (user.first_name if user else "") or "",
            "last_name": (user.last_name if user else "") or ""}


def matching_account(*, username: str, email: str) -> User | None:
    """The account an identity provider's user already has here (made by the CSV import, SCIM or
    an admin): the one with their username, else the only one with their email address. Django
    superusers and the break-glass accounts are never matched: they stay local."""
    candidates = User.objects.exclude(is_superuser=True).exclude(
        username__in=settings.PATHWISE_PASSWORD_LOGIN_ACCOUNTS)
    if username:
        found = candidates.filter(username__iexact=username).first()
        if found is not None:
            return found
    if email:
        by_email = list(candidates.filter(Q(email__iexact=email))[:2])
        if len(by_email) == 1:
            return by_email[0]
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        told = sociallogin.user
        profile = _profile(told)
        if not sociallogin.is_existing:
            found = matching_account(username=(told.username if told else "") or "", email=profile["email"])
            if found is not None:
                sociallogin.connect(request, found)
        if sociallogin.is_existing and sociallogin.user.is_active:
            sso_user_sync(user=sociallogin.user, claims=claims_of(sociallogin), mapping=_mapping(sociallogin),
                          **profile)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        told = sociallogin.user
        sociallogin.user = sso_user_create(username=(told.username if told else "") or "",
                                           claims=claims_of(sociallogin), mapping=_mapping(sociallogin),
                                           **_profile(told))
        sociallogin.save(request)
        return sociallogin.user


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No sign-up page: accounts come from an identity provider, the import, SCIM or an admin."""
        return False

    def login(self, request: HttpRequest, user: User) -> None:
        user.backend = SESSION_BACKEND  # type: ignore[attr-defined]
        super().login(request, user)
