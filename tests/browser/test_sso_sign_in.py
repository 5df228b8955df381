"""A person signs in with their organisation's account: the provider's button on Pathwise's sign-in
page, the real OpenID Connect provider's own page (django-oidc-provider, started by the test), and
back signed in on the home page; on a phone-sized screen."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lms.accounts.roles import role_of
from tests.lms.sso.idp import oidc_provider

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
