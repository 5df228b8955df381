"""The identity providers a deployment names in its environment, as django-allauth's
``SOCIALACCOUNT_PROVIDERS``. Read by the settings module, so this imports nothing of Django's
apps. Providers added in the admin (Social applications) are used as well."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from lms.env import env_bool, env_list, env_str

# SAML attribute names of the fields allauth fills, as Entra ID, Okta and ADFS send them; a
# deployment adds its own with PATHWISE_SAML_ATTRIBUTE_<FIELD> (comma-separated names).
SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id", "http://schemas.microsoft.com/identity/claims/objectidentifier",
            "uid"],
    "email": ["urn:oid:0.9.2342.19200300.100.1.3", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
              "email"],
    "first_name": ["urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "firstName",
                   "given_name"],
    "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "lastName",
                  "family_name"],
    "username": ["urn:oid:0.9.2342.19200300.100.1.1", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                 "username"],
}


def _required(name: str, why: str) -> str:
    value = env_str(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set {why}")
    return value


def _oidc_app() -> dict[str, Any] | None:
    server_url = env_str("PATHWISE_OIDC_SERVER_URL", "").strip()
    if not server_url:
        return None
    why = "when PATHWISE_OIDC_SERVER_URL is"
    return {
        "provider_id": env_str("PATHWISE_OIDC_ID", "oidc"),
        "name": env_str("PATHWISE_OIDC_NAME", "your organisation"),
        "client_id": _required("PATHWISE_OIDC_CLIENT_ID", why),
        "secret": _required("PATHWISE_OIDC_CLIENT_SECRET", why),
        "settings": {
            # The issuer; its /.well-known/openid-configuration names every endpoint.
            "server_url": server_url,
            "scope": env_list("PATHWISE_OIDC_SCOPES", ["openid", "profile", "email"]),
            "oauth_pkce_enabled": env_bool("PATHWISE_OIDC_PKCE", True),
        },
    }


def _saml_app() -> dict[str, Any] | None:
    entity_id = env_str("PATHWISE_SAML_IDP_ENTITY_ID", "").strip()
    if not entity_id:
        return None
    why = "when PATHWISE_SAML_IDP_ENTITY_ID is"
    idp: dict[str, Any] = {"entity_id": entity_id}
    metadata_url = env_str("PATHWISE_SAML_IDP_METADATA_URL", "").strip()
    if metadata_url:
        idp["metadata_url"] = metadata_url
    else:
        idp["sso_url"] = _required("PATHWISE_SAML_IDP_SSO_URL", f"{why}, unless PATHWISE_SAML_IDP_METADATA_URL is")
        cert_file = _required("PATHWISE_SAML_IDP_CERT_FILE", f"{why}, unless PATHWISE_SAML_IDP_METADATA_URL is")
        try:
            idp["x509cert"] = Path(cert_file).read_text()
        except OSError as error:
            raise ImproperlyConfigured(f"PATHWISE_SAML_IDP_CERT_FILE: cannot read {cert_file}: {error}") from None
    mapping = {field: env_list(f"PATHWISE_SAML_ATTRIBUTE_{field.upper()}", []) + names
               for field, names in SAML_ATTRIBUTES.items()}
    return {
        "client_id": env_str("PATHWISE_SAML_ID", "saml"),  # the organisation part of the SAML addresses
        "name": env_str("PATHWISE_SAML_NAME", "your organisation"),
        "settings": {
            "idp": idp,
            "attribute_mapping": mapping,
            # Pathwise refuses an assertion its identity provider did not sign.
            "advanced": {
                "want_assertion_signed": True,
                "want_message_signed": False,
                "allow_repeat_attribute_name": True,
                "reject_idp_initiated_sso": not env_bool("PATHWISE_SAML_ALLOW_IDP_INITIATED", False),
            },
        },
    }


def sso_providers_from_env() -> dict[str, dict[str, Any]]:
    providers: dict[str, dict[str, Any]] = {"openid_connect": {"APPS": []}, "saml": {"APPS": []}}
    oidc = _oidc_app()
    if oidc:
        providers["openid_connect"]["APPS"].append(oidc)
    saml = _saml_app()
    if saml:
        providers["saml"]["APPS"].append(saml)
    return providers
