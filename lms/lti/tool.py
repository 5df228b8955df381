"""The glue between pylti1p3 and Pathwise's tables: registrations, deployments and the tool's key.

pylti1p3 does the protocol (OIDC login, id_token checks, deep-linking and service JWTs, token
requests); this module tells it what is registered. It is the only module that builds pylti1p3
objects, so the views and services deal in Pathwise's own terms.
"""

from __future__ import annotations

from typing import Any, cast

import requests
from django.http import HttpRequest
from jwcrypto.jwk import JWK
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lms.lti.models import Platform, ToolKey

# Platforms' keysets and token endpoints must answer in this many seconds (connect, read).
HTTP_TIMEOUT = (5, 20)


def tool_key_create() -> ToolKey:
    """A fresh 2048-bit RSA key pair; its id is the public key's RFC 7638 thumbprint."""
    jwk = JWK.generate(kty="RSA", size=2048)
    public_pem = jwk.export_to_pem().decode()
    return ToolKey.objects.create(kid=Registration.get_jwk(public_pem)["kid"], public_pem=public_pem,
                                  private_pem=jwk.export_to_pem(private_key=True, password=None).decode())


def tool_key_current() -> ToolKey:
    """The newest active key, made when the first platform is registered (``receivers``) or here
    when an admin has since deactivated every key. Two first uses at once make two keys: both are
    published, and either signs, so nothing breaks."""
    key = ToolKey.objects.filter(is_active=True).first()
    return key if key is not None else tool_key_create()


def tool_jwks() -> dict[str, list[dict[str, Any]]]:
    """The public halves of the active keys, as platforms fetch them (a read: none before the first
    platform is registered)."""
    keys = ToolKey.objects.filter(is_active=True)
    return {"keys": [dict(Registration.get_jwk(key.public_pem)) for key in keys]}


def registration_for(platform: Platform) -> Registration:
    key = tool_key_current()
    registration = (Registration().set_issuer(platform.issuer).set_client_id(platform.client_id)
                    .set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
                    .set_key_set_url(platform.keyset_url)
                    .set_tool_private_key(key.private_pem).set_tool_public_key(key.public_pem))
    if platform.audience:
        registration.set_auth_audience(platform.audience)
    return registration


def platform_matching(issuer: str, client_id: str | None) -> Platform | None:
    """The active platform with this issuer (and client ID, when given); None when there is none or
    the issuer alone does not say which."""
    platforms = Platform.objects.filter(issuer=issuer, is_active=True)
    if client_id:
        platforms = platforms.filter(client_id=client_id)
    found = list(platforms[:2])
    return found[0] if len(found) == 1 else None


class PathwiseToolConf(ToolConfAbstract):
    """Registrations from the ``Platform`` table; an issuer may register Pathwise more than once."""

    def __init__(self) -> None:
        super().__init__()
        self.platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    # pylti1p3 refuses a launch whose registration is not found ("Registration not found."), though its
    # abstract class types the registration as always found.
    def find_registration_by_issuer(  # type: ignore[override]
            self, iss: str, *args: Any, **kwargs: Any) -> Registration | None:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(  # type: ignore[override]
            self, iss: str, client_id: str | None, *args: Any, **kwargs: Any) -> Registration | None:
        self.platform = platform_matching(iss, client_id)
        return registration_for(self.platform) if self.platform is not None else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None, *args: Any,
                                  **kwargs: Any) -> Deployment | None:
        platform = platform_matching(iss, client_id)
        if platform is None or deployment_id not in platform.deployment_id_list():
            return None
        return Deployment().set_deployment_id(deployment_id)


def _http() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "Pathwise-LTI"
    session.request = _with_timeout(session.request)  # type: ignore[method-assign]
    return session


def _with_timeout(send: Any) -> Any:
    def request(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return send(method, url, **kwargs)
    return request


def oidc_login(request: HttpRequest) -> tuple[DjangoOIDCLogin, PathwiseToolConf]:
    conf = PathwiseToolConf()
    return DjangoOIDCLogin(request, conf, launch_data_storage=DjangoCacheDataStorage()), conf


def message_launch(request: HttpRequest) -> tuple[DjangoMessageLaunch, PathwiseToolConf]:
    """A launch from the request's id_token, not validated yet (``.validate()`` does that)."""
    conf = PathwiseToolConf()
    launch = DjangoMessageLaunch(request, conf, launch_data_storage=DjangoCacheDataStorage(),
                                 requests_session=_http())
    return launch, conf


def message_launch_restored(request: HttpRequest, launch_id: str) -> DjangoMessageLaunch:
    """A launch validated earlier in this session, from the cache (pylti1p3 keeps it a day)."""
    launch = DjangoMessageLaunch.from_cache(launch_id, request, PathwiseToolConf(),
                                            launch_data_storage=DjangoCacheDataStorage(), requests_session=_http())
    # from_cache builds an instance of the class it is called on; pylti1p3 annotates it as the base class.
    return cast(DjangoMessageLaunch, launch)


def service_connector(platform: Platform) -> ServiceConnector:
    """Signs token requests with the tool's key, for AGS and NRPS calls made outside a launch."""
    return ServiceConnector(registration_for(platform), requests_session=_http())
