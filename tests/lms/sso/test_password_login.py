"""PATHWISE_PASSWORD_LOGIN=0: the sign-in page offers single sign-on only, passwords are refused
(and counted by django-axes as failed sign-ins) except for the break-glass accounts, and there is no
password reset."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lms.privacy.models import AuditEvent

OIDC_APP = {"openid_connect": {"APPS": [{"provider_id": "corp", "name": "Contoso", "client_id": "pathwise",
                                          "secret": "x", "settings": {"server_url": "https://login.example.org"}}]},
            "saml": {"APPS": []}}


@pytest.fixture
def passwords_off(settings: object) -> None:
    settings.PATHWISE_PASSWORD_LOGIN = False  # type: ignore[attr-defined]
    settings.PATHWISE_PASSWORD_LOGIN_ACCOUNTS = ["Ada"]  # type: ignore[attr-defined]
    settings.SOCIALACCOUNT_PROVIDERS = OIDC_APP  # type: ignore[attr-defined]


def test_it_shows_only_the_providers(people: object, passwords_off: None) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert "Sign in with Contoso" in page and 'action="/sso/oidc/corp/login/"' in page
    assert 'name="password"' not in page
    assert "Forgot your password?" not in page


def test_it_refuses_a_right_password(people: object, passwords_off: None) -> None:
    client = Client()
    answer = client.post(f"{reverse('login')}?password=1", {"username": "alice", "password": "correct-horse-battery"})
    assert answer.status_code == 200 and "correct username and password" in answer.content.decode()
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(event=AuditEvent.SIGN_IN_FAILED, subject=people.learner).count() == 1  # type: ignore[attr-defined]


def test_it_refuses_passwords_on_the_admin_and_the_token_endpoint(people: object, passwords_off: None) -> None:
    right = {"username": "alice", "password": "correct-horse-battery"}
    assert Client().post("/api/v1/auth/token/", right, content_type="application/json").status_code in (400, 401)
    maria = {"username": "maria", "password": "correct-horse-battery"}
    client = Client()
    client.post(f"{reverse('login')}?next=/admin/", maria)
    assert not client.get("/admin/").wsgi_request.user.is_authenticated
    assert Client().post("/api/v1/auth/token/", {"username": "ada", "password": "correct-horse-battery"},
                         content_type="application/json").status_code in (200, 201), "break-glass"


def test_it_still_locks_out_after_five_failures(people: object, passwords_off: None) -> None:
    client = Client()
    codes = [client.post(reverse("login"), {"username": "ada", "password": "wrong"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    locked = client.post(reverse("login"), {"username": "ada", "password": "correct-horse-battery"})
    assert locked.status_code == 429 and 'name="password"' in locked.content.decode()
    assert "Forgot your password?" not in locked.content.decode()


def test_it_lets_a_break_glass_account_sign_in_with_its_password(people: object, passwords_off: None) -> None:
    client = Client()
    page = client.get(f"{reverse('login')}?password=1").content.decode()
    assert 'name="password"' in page and "Sign in with a password" in page
    answer = client.post(f"{reverse('login')}?password=1", {"username": "ada", "password": "correct-horse-battery"})
    assert answer.status_code == 302
    assert client.get(reverse("dashboard")).wsgi_request.user == people.admin  # type: ignore[attr-defined]


def test_it_refuses_password_resets(people: object, passwords_off: None) -> None:
    assert Client().get(reverse("password_reset")).status_code == 404
    assert Client().post(reverse("password_reset"), {"email": "alice@example.org"}).status_code == 404


def test_it_keeps_passwords_by_default(people: object, settings: object) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = OIDC_APP  # type: ignore[attr-defined]
    page = Client().get(reverse("login")).content.decode()
    assert "Sign in with Contoso" in page and 'name="password"' in page and "Forgot your password?" in page
    assert Client().post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"}).status_code == 302
