"""Providers from the environment (lms/sso/config.py) and the claim mapping (lms/sso/mapping.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lms.sso.config import sso_providers_from_env
from lms.sso.mapping import ClaimMapping, role_from_claims, teams_from_claims

MAPPING = ClaimMapping(role_claim="groups", admin_values=frozenset({"LMS Admins"}),
                       manager_values=frozenset({"Line managers"}), team_claim="team")


def test_it_names_no_provider_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PATHWISE_OIDC_SERVER_URL", "PATHWISE_SAML_IDP_ENTITY_ID"):
        monkeypatch.delenv(name, raising=False)
    assert sso_providers_from_env() == {"openid_connect": {"APPS": []}, "saml": {"APPS": []}}


def test_it_reads_an_openid_connect_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWISE_OIDC_SERVER_URL", "https://login.example.org/realms/staff")
    monkeypatch.setenv("PATHWISE_OIDC_CLIENT_ID", "pathwise")
    monkeypatch.setenv("PATHWISE_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("PATHWISE_OIDC_NAME", "Contoso")
    monkeypatch.setenv("PATHWISE_OIDC_SCOPES", "openid,profile,email,groups")
    [app] = sso_providers_from_env()["openid_connect"]["APPS"]
    assert (app["provider_id"], app["name"], app["client_id"], app["secret"]) == ("oidc", "Contoso", "pathwise", "s3cret")
    assert app["settings"]["scope"] == ["openid", "profile", "email", "groups"]
    assert app["settings"]["oauth_pkce_enabled"] is True


def test_it_refuses_an_openid_connect_provider_without_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWISE_OIDC_SERVER_URL", "https://login.example.org")
    monkeypatch.setenv("PATHWISE_OIDC_CLIENT_ID", "pathwise")
    monkeypatch.delenv("PATHWISE_OIDC_CLIENT_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="PATHWISE_OIDC_CLIENT_SECRET must be set"):
        sso_providers_from_env()


def test_it_reads_a_saml_provider_with_its_certificate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PATHWISE_OIDC_SERVER_URL", raising=False)
    cert = tmp_path / "idp.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("PATHWISE_SAML_IDP_ENTITY_ID", "https://sts.windows.net/tenant/")
    monkeypatch.setenv("PATHWISE_SAML_IDP_SSO_URL", "https://login.microsoftonline.com/tenant/saml2")
    monkeypatch.setenv("PATHWISE_SAML_IDP_CERT_FILE", str(cert))
    monkeypatch.setenv("PATHWISE_SAML_ATTRIBUTE_EMAIL", "mail")
    [app] = sso_providers_from_env()["saml"]["APPS"]
    assert app["client_id"] == "saml"
    assert app["settings"]["idp"]["x509cert"].startswith("-----BEGIN CERTIFICATE-----")
    assert app["settings"]["attribute_mapping"]["email"][0] == "mail"
    assert app["settings"]["advanced"]["want_assertion_signed"] is True
    monkeypatch.setenv("PATHWISE_SAML_IDP_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        sso_providers_from_env()


def test_it_maps_the_highest_role_named() -> None:
    assert role_from_claims({"groups": ["Staff", "Line managers", "LMS Admins"]}, MAPPING) == "admin"
    assert role_from_claims({"groups": "Line managers"}, MAPPING) == "manager"
    assert role_from_claims({"groups": ["Staff"]}, MAPPING) == "learner"
    assert role_from_claims({"email": "x@example.org"}, MAPPING) is None, "no claim: the role stays"
    unmapped = ClaimMapping(role_claim="groups", admin_values=frozenset(), manager_values=frozenset(), team_claim="")
    assert role_from_claims({"groups": ["LMS Admins"]}, unmapped) is None


def test_it_reads_teams_once_each() -> None:
    assert teams_from_claims({"team": ["Sales", " Sales ", "Support", ""]}, MAPPING) == ["Sales", "Support"]
    assert teams_from_claims({"team": "Sales"}, MAPPING) == ["Sales"]
    assert teams_from_claims({}, MAPPING) == []


def test_it_takes_a_provider_s_own_mapping_from_the_admin() -> None:
    mapping = ClaimMapping.for_app({"pathwise": {"role_claim": "roles", "admin_values": ["Admin"], "team_claim": "dept"}})
    assert (mapping.role_claim, mapping.admin_values, mapping.team_claim) == ("roles", frozenset({"Admin"}), "dept")
