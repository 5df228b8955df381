"""Single sign-on with OpenID Connect, end to end against a real provider (django-oidc-provider in
its own process, tests/lms/sso/oidc_idp): discovery, the authorization-code flow with PKCE, the ID
token signed with the provider's RSA key and checked against its published keys, userinfo."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import jwt
import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from lms.accounts.models import Team
from lms.accounts.roles import role_of
from lms.privacy.models import AuditEvent
from lms.sso.oidc import VerifyingOIDCAdapter
from tests.lms.sso.idp import OidcProvider, oidc_provider

User = get_user_model()
CALLBACK = "http://testserver/sso/oidc/test-idp/login/callback/"
START = "/sso/oidc/test-idp/login/"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    with oidc_provider(Path(tmp_path_factory.mktemp("oidc-idp")), [CALLBACK]) as provider:
        yield provider


@pytest.fixture
def sso(settings: object, idp: OidcProvider) -> OidcProvider:
    settings.SOCIALACCOUNT_PROVIDERS = idp.app_settings()  # type: ignore[attr-defined]
    settings.PATHWISE_SSO_ADMIN_VALUES = ["LMS Admins"]  # type: ignore[attr-defined]
    settings.PATHWISE_SSO_MANAGER_VALUES = ["LMS Managers"]  # type: ignore[attr-defined]
    return idp


def sign_in(client: Client, idp: OidcProvider, username: str, next_url: str = "") -> object:
    """Press the button on Pathwise's sign-in page, sign in at the provider as a browser would
    (with requests: the provider is a real server), and bring the provider's answer back to
    Pathwise's callback. Returns Pathwise's response to the callback."""
    start = client.post(START, {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{idp.issuer}/authorize"), start["Location"]
    assert "code_challenge=" in start["Location"], "PKCE is on"
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=30)
    assert login_page.url.startswith(idp.issuer.replace("/openid", "/login/")), login_page.url
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
    nxt = re.search(r'name="next" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
    answer = browser.post(login_page.url, data={"csrfmiddlewaretoken": csrf, "username": username, "next": nxt.replace("&amp;", "&"),
                                                 "password": idp.password_of(username)}, allow_redirects=False, timeout=30)
    for _ in range(5):
        assert answer.status_code == 302, answer.text[:500]
        location = urljoin(answer.url, answer.headers["Location"])
        if location.startswith("http://testserver/"):
            return client.get(location)
        answer = browser.get(location, allow_redirects=False, timeout=30)
    raise AssertionError(f"the provider never sent the browser back to Pathwise: {answer.headers}")


def test_it_creates_the_account_on_first_sign_in(db: None, sso: OidcProvider) -> None:
    client = Client()
    done = sign_in(client, sso, "dana")
    assert done.status_code == 302 and done["Location"] == reverse("dashboard")
    dana = User.objects.get(username="dana")
    assert (dana.email, dana.first_name, dana.last_name) == ("dana@example.org", "Dana", "Fischer")
    assert not dana.has_usable_password()
    assert role_of(dana) == "manager", "the groups claim holds 'LMS Managers'"
    assert list(dana.managed_teams.values_list("name", flat=True)) == ["Field sales"]
    assert SocialAccount.objects.get(user=dana).provider == "test-idp"
    home = client.get(reverse("dashboard"))
    assert home.status_code == 200 and home.wsgi_request.user == dana
    assert AuditEvent.objects.filter(event=AuditEvent.SIGN_IN, subject=dana).count() == 1


def test_it_signs_the_same_person_in_again_and_follows_the_mapping(db: None, sso: OidcProvider, settings: object) -> None:
    sign_in(Client(), sso, "erik")
    erik = User.objects.get(username="erik")
    assert role_of(erik) == "learner"
    assert list(erik.teams.values_list("name", flat=True)) == ["Field sales"]
    settings.PATHWISE_SSO_MANAGER_VALUES = ["Everyone"]  # type: ignore[attr-defined]
    client = Client()
    done = sign_in(client, sso, "erik")
    assert done.status_code == 302
    assert User.objects.filter(username__startswith="erik").count() == 1
    assert SocialAccount.objects.filter(user=erik).count() == 1
    assert Team.objects.filter(name="Field sales").count() == 1
    erik = User.objects.get(pk=erik.pk)
    assert role_of(erik) == "manager"
    assert client.get(reverse("dashboard")).wsgi_request.user == erik


def test_it_signs_in_the_account_made_before_by_its_username(people: object, sso: OidcProvider) -> None:
    alice = people.learner  # type: ignore[attr-defined]
    client = Client()
    assert sign_in(client, sso, "alice", next_url="/accounts/me/")["Location"] == "/accounts/me/"
    assert client.get(reverse("dashboard")).wsgi_request.user == alice
    assert User.objects.filter(username__iexact="alice").count() == 1
    alice.refresh_from_db()
    assert role_of(alice) == "admin" and alice.is_staff, "the groups claim holds 'LMS Admins'"
    assert alice.has_usable_password(), "her password stays as it was"
    assert list(alice.teams.values_list("slug", flat=True)) == ["analysts"], "no team claim: teams as they were"


def test_it_never_takes_over_a_superuser_of_the_same_name(db: None, sso: OidcProvider) -> None:
    root = User.objects.create_superuser(username="alice", password="root-pass-123", email="root@example.org")
    sign_in(Client(), sso, "alice")
    created = User.objects.exclude(pk=root.pk).get(email="alice@example.org")
    assert created.username == "alice-2"
    assert not SocialAccount.objects.filter(user=root).exists()


def test_it_refuses_a_switched_off_account(people: object, sso: OidcProvider) -> None:
    people.learner.is_active = False  # type: ignore[attr-defined]
    people.learner.save()  # type: ignore[attr-defined]
    client = Client()
    done = sign_in(client, sso, "alice")
    assert done.status_code == 302 and done["Location"] == reverse("account_inactive")
    inactive = client.get(done["Location"])
    assert inactive.status_code == 403 and "Your account is switched off" in inactive.content.decode()
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_it_refuses_a_callback_it_did_not_start(db: None, sso: OidcProvider) -> None:
    client = Client()
    answer = client.get(f"{CALLBACK}?code=made-up&state=made-up")
    assert answer.status_code == 401
    assert "Sign-in did not work" in answer.content.decode()
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_it_refuses_an_id_token_not_signed_by_the_provider(db: None, sso: OidcProvider) -> None:
    adapter = VerifyingOIDCAdapter(RequestFactory().get("/"), "test-idp")
    app = adapter.get_provider().app
    keys = requests.get(adapter.openid_config["jwks_uri"], timeout=30).json()["keys"]
    claims = {"iss": sso.issuer, "aud": sso.client_id, "sub": "1", "iat": int(time.time()), "exp": int(time.time()) + 300}
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": keys[0]["kid"]})
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(app, forged)


def test_it_shows_the_provider_on_the_sign_in_page(db: None, sso: OidcProvider) -> None:
    answer = Client().get(reverse("login"))
    page = answer.content.decode()
    assert f'action="{START}"' in page and "Sign in with Test IdP" in page
    form_action = next(d for d in answer["Content-Security-Policy"].split(";") if "form-action" in d)
    assert form_action.split() == ["form-action", "'self'", sso.issuer.removesuffix("/openid")], \
        "the button's redirect to the provider is allowed, and nothing else"
    assert '<label for="id_password">Password</label>' in page, "passwords are on unless switched off"
