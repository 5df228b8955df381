"""Lockout after repeated failures (django-axes) and the sign-in rate per address, on the sign-in
page, the admin's sign-in and the token endpoint; both are checked before the password is hashed."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.lms.conftest import client_for

RIGHT = {"username": "alice", "password": "correct-horse-battery"}
WRONG = {"username": "alice", "password": "wrong"}


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The usernames whose password the model backend checked (and so hashed)."""
    checked: list[str] = []
    original = ModelBackend.authenticate

    def spy(self, request, username=None, password=None, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)
    return checked


def fail(client: Client, times: int, url: str | None = None) -> list[int]:
    return [client.post(url or reverse("login"), WRONG).status_code for _ in range(times)]


def test_it_locks_a_username_out_after_five_failures(people, password_checks) -> None:
    client = Client()
    assert fail(client, 4) == [200] * 4
    locked = client.post(reverse("login"), WRONG)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert '<label for="id_username">Username</label>' in locked.content.decode()  # still the sign-in page
    checked_before = len(password_checks)
    right = client.post(reverse("login"), RIGHT)
    assert right.status_code == 429 and "Too many failed sign-ins" in right.content.decode()
    assert len(password_checks) == checked_before, "a locked-out sign-in never reaches the password hasher"
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_locks_only_that_username_from_that_address(people) -> None:
    fail(Client(), 5)
    assert Client().post(reverse("login"), {"username": "bob", "password": "correct-horse-battery"}).status_code == 302
    assert Client(REMOTE_ADDR="10.1.2.3").post(reverse("login"), RIGHT).status_code == 302


def test_it_unlocks_with_the_management_command(people) -> None:
    fail(Client(), 5)
    assert Client().post(reverse("login"), RIGHT).status_code == 429
    call_command("axes_reset_username", "alice", verbosity=0)
    assert Client().post(reverse("login"), RIGHT).status_code == 302


def test_it_unlocks_from_the_admin(people) -> None:
    fail(Client(), 5)
    admin = client_for(people.admin)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "alice" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="alice")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Client().post(reverse("login"), RIGHT).status_code == 302


def test_it_counts_token_endpoint_failures_too(people, password_checks) -> None:
    client = Client()
    fail(client, 3)
    for _ in range(2):
        client.post("/api/v1/auth/token/", WRONG)
    checked_before = len(password_checks)
    response = client.post("/api/v1/auth/token/", RIGHT)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["detail"]
    assert len(password_checks) == checked_before
    assert client.post(reverse("login"), RIGHT).status_code == 429


def test_it_sends_the_admin_sign_in_to_the_sign_in_page(people) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == f"{reverse('login')}?next=/admin/"
    assert Client().post("/admin/login/", {**RIGHT, "username": "ada"}).status_code == 302  # no password checked
    assert Client().get("/admin/").url.startswith("/admin/login/")
    assert client_for(people.learner).get("/admin/login/").status_code == 403
    assert client_for(people.admin).get("/admin/login/?next=/admin/").url == "/admin/"


def test_it_limits_sign_ins_per_address(people, password_checks, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "signin", "3/min")
    client = Client()
    names = ["x1", "x2", "x3"]  # different usernames, so no lockout: only the rate stops them
    assert [client.post(reverse("login"), {"username": n, "password": "p"}).status_code for n in names] == [200] * 3
    checked_before = len(password_checks)
    response = client.post(reverse("login"), RIGHT)
    assert response.status_code == 429
    assert "Too many sign-in attempts from your address" in response.content.decode()
    assert len(password_checks) == checked_before, "a throttled sign-in never reaches the password hasher"
    api = client.post("/api/v1/auth/token/", RIGHT)
    assert api.status_code == 429 and "throttled" in api.json()["detail"]
    assert int(api["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="10.9.9.9").post(reverse("login"), RIGHT).status_code == 302
