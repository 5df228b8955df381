from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.adapter import get_adapter
from django.http import HttpRequest


@dataclass(frozen=True)
class SignInOption:
    name: str
    url: str


def sign_in_options(request: HttpRequest) -> list[SignInOption]:
    """The identity providers a person may sign in with, from the environment and the admin, in the
    order they are configured."""
    return [SignInOption(name=provider.name, url=provider.get_login_url(request))
            for provider in get_adapter(request).list_providers(request)]


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def provider_origins(request: HttpRequest) -> list[str]:
    """Where the sign-in buttons send the browser: each OpenID Connect issuer's origin and each SAML
    identity provider's (its sign-on address, else its metadata's). The sign-in pages' Content-
    Security-Policy lets forms go there, as browsers check a form's redirects against form-action."""
    origins: list[str] = []
    for provider in get_adapter(request).list_providers(request):
        app_settings = provider.app.settings or {}
        idp = app_settings.get("idp") or {}
        url = app_settings.get("server_url") or idp.get("sso_url") or idp.get("metadata_url") or ""
        origin = _origin(str(url))
        if origin and origin not in origins:
            origins.append(origin)
    return origins
