"""A person signs in with their organisation's account: the provider's button on Pathwise's sign-in
page, the real provider's own page (OpenID Connect: django-oidc-provider; SAML 2.0: pysaml2's IdP;
each started by the test in its own process), and back signed in on the home page; on a phone-sized
screen."""

from __future__ import annotations

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from lms.accounts.roles import role_of
from lms.sso.config import sso_providers_from_env
from tests.lms.sso.idp import oidc_provider
from tests.lms.sso.pysaml2_idp import XMLSEC1_MISSING, has_xmlsec1, saml_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_with_the_identity_provider(live_server, page, screenshot_dir, settings, tmp_path) -> None:
    shots = screenshot_dir / "sso"
    shots.mkdir(parents=True, exist_ok=True)
    with oidc_provider(tmp_path, [f"{live_server.url}/sso/oidc/test-idp/login/callback/"]) as idp:
        settings.SOCIALACCOUNT_PROVIDERS = idp.app_settings()
        settings.PATHWISE_SSO_MANAGER_VALUES = ["LMS Managers"]
        settings.PATHWISE_PASSWORD_LOGIN = False

        page.goto(f"{live_server.url}/accounts/login/")
        assert page.get_by_label("Password").count() == 0, "passwords are switched off"
        page.screenshot(path=str(shots / "sign-in-page.png"), full_page=True)
        page.get_by_role("button", name="Sign in with Test IdP").click()

        page.get_by_role("heading", name="Test identity provider").wait_for()
        assert page.url.startswith(idp.issuer.removesuffix("/openid")), page.url
        page.get_by_label("IdP username").fill("dana")
        page.get_by_label("IdP password").fill(idp.password_of("dana"))
        page.get_by_role("button", name="Sign in at the identity provider").click()

        page.get_by_role("heading", name="Hello, Dana").wait_for()
        assert page.url == f"{live_server.url}/"
        page.screenshot(path=str(shots / "signed-in.png"), full_page=True)

    dana = get_user_model().objects.get(username="dana")
    assert role_of(dana) == "manager"
    assert list(dana.managed_teams.values_list("name", flat=True)) == ["Field sales"]


@pytest.mark.skipif(not has_xmlsec1(), reason=XMLSEC1_MISSING)
def test_it_signs_in_with_the_saml_identity_provider(live_server, page, screenshot_dir, settings, tmp_path,
                                                     monkeypatch) -> None:
    shots = screenshot_dir / "sso"
    shots.mkdir(parents=True, exist_ok=True)
    with saml_provider(tmp_path) as idp:
        for name, value in idp.environment().items():
            monkeypatch.setenv(name, value)
        settings.SOCIALACCOUNT_PROVIDERS = sso_providers_from_env()
        settings.PATHWISE_SSO_MANAGER_VALUES = ["LMS Managers"]
        settings.PATHWISE_PASSWORD_LOGIN = False
        # Registering Pathwise at the IdP, as an administrator would, by its metadata.
        metadata = requests.get(f"{live_server.url}/sso/saml/test-saml/metadata/", timeout=30)
        assert metadata.status_code == 200, metadata.text[:500]
        idp.register("pathwise", metadata.content)

        page.goto(f"{live_server.url}/accounts/login/")
        assert page.get_by_label("Password").count() == 0, "passwords are switched off"
        page.get_by_role("button", name="Sign in with Test SAML IdP").click()

        page.get_by_role("heading", name="Test SAML identity provider").wait_for()
        assert page.url.startswith(f"{idp.base_url}/idp/sso/redirect?SAMLRequest="), page.url
        page.get_by_label("IdP username").fill("lee")
        page.get_by_label("IdP password").fill(idp.password_of("lee"))
        page.screenshot(path=str(shots / "saml-idp-login.png"), full_page=True)
        page.get_by_role("button", name="Sign in at the identity provider").click()

        page.get_by_role("heading", name="Hello, Lee").wait_for()
        assert page.url == f"{live_server.url}/"
        page.screenshot(path=str(shots / "saml-signed-in.png"), full_page=True)

    lee = get_user_model().objects.get(username="lee")
    assert role_of(lee) == "learner"
    assert list(lee.teams.values_list("name", flat=True)) == ["Field sales"]
    assert SocialAccount.objects.get(user=lee).uid == "lee-0003@example.org"
