"""TOTP two-factor sign-in for managers and admins (django-otp): enrolment in the account area,
the second step at sign-in and on the token endpoint, and the setting that requires it of admins."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.accounts.services import totp_device_confirm, totp_device_start
from tests.lms.conftest import client_for

ADMIN = {"username": "ada", "password": "correct-horse-battery"}


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or that many 30-second steps later: a code is
    accepted once, and a step either side of now is accepted too)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def enrolled(user: object) -> TOTPDevice:
    device = totp_device_start(user=user)
    assert totp_device_confirm(device=device, code=code(device))
    return device


def test_it_enrols_an_authenticator_app(people, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code
    client = client_for(people.manager)
    page = client.get(reverse("two_factor")).content.decode()
    assert "Set up an authenticator app" in page
    assert client.post(reverse("two_factor_start")).status_code == 302
    device = TOTPDevice.objects.get(user=people.manager)
    assert not device.confirmed
    page = client.get(reverse("two_factor")).content.decode()
    assert "otpauth://totp/Pathwise%3Amaria?secret=" in page
    assert "<svg" in page and "style=" not in page.split("<main", 1)[1]
    wrong = "000000" if code(device) != "000000" else "111111"
    assert client.post(reverse("two_factor_confirm"), {"code": wrong}).status_code == 400
    response = client.post(reverse("two_factor_confirm"), {"code": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "On since" in client.get(reverse("two_factor")).content.decode()
    assert client.post(reverse("two_factor_start")).status_code == 302  # a repeat changes nothing
    assert list(TOTPDevice.objects.filter(user=people.manager)) == [device]


def test_it_is_for_managers_and_admins_only(people) -> None:
    learner = client_for(people.learner)
    assert learner.get(reverse("two_factor")).status_code == 404
    assert learner.post(reverse("two_factor_start")).status_code == 404
    assert not TOTPDevice.objects.exists()
    assert client_for(people.admin).get(reverse("two_factor")).status_code == 200
    assert Client().get(reverse("two_factor")).status_code == 302
    assert client_for(people.admin).get(reverse("two_factor_start")).status_code == 405


def test_it_asks_for_the_code_at_sign_in(people) -> None:
    device = enrolled(people.admin)
    client = Client()
    response = client.post(reverse("login"), {**ADMIN, "next": "/admin/"})
    assert response.status_code == 302 and response.url.startswith(reverse("login_code"))
    assert client.get(reverse("dashboard")).status_code == 302, "not signed in before the code"
    assert "Enter your code" in client.get(response.url).content.decode()
    wrong = client.post(reverse("login_code"), {"code": "12345x", "next": "/admin/"})
    assert wrong.status_code == 200 and "Enter the digits" in wrong.content.decode()
    response = client.post(reverse("login_code"), {"code": code(device, steps_ahead=1), "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    again = Client()
    again.post(reverse("login"), ADMIN)
    assert again.post(reverse("login_code"), {"code": code(device, steps_ahead=1)}).status_code == 200, \
        "a code is accepted once"


def test_it_forgets_a_password_left_waiting_for_the_code(people, monkeypatch) -> None:
    device = enrolled(people.admin)
    client = Client()
    client.post(reverse("login"), ADMIN)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(reverse("login_code"), {"code": code(device, steps_ahead=1)})
    assert response.status_code == 302 and response.url == reverse("login")


def test_it_does_not_ask_users_without_an_app(people) -> None:
    response = Client().post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_it_waits_after_a_wrong_code(people) -> None:
    device = enrolled(people.admin)
    client = Client()
    client.post(reverse("login"), ADMIN)
    wrong = "000000" if code(device, steps_ahead=1) != "000000" else "111111"
    client.post(reverse("login_code"), {"code": wrong})
    response = client.post(reverse("login_code"), {"code": code(device, steps_ahead=1)})
    assert response.status_code == 200 and "Too many wrong codes" in response.content.decode()


def test_it_asks_for_the_code_on_the_token_endpoint(people) -> None:
    device = enrolled(people.admin)
    response = Client().post("/api/v1/auth/token/", ADMIN)
    assert response.status_code == 400 and "code" in response.json()
    response = Client().post("/api/v1/auth/token/", {**ADMIN, "code": code(device, steps_ahead=1)})
    assert response.status_code == 200 and response.json()["token"]


def test_it_turns_two_factor_off_with_a_code(people, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(people.manager)
    client = client_for(people.manager)
    wrong = "000000" if code(device, steps_ahead=1) != "000000" else "111111"
    assert client.post(reverse("two_factor_remove"), {"code": wrong}).status_code == 400
    assert TOTPDevice.objects.filter(user=people.manager).exists()
    assert client.post(reverse("two_factor_remove"), {"code": code(device, steps_ahead=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=people.manager).exists()


@pytest.fixture
def required(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PATHWISE_REQUIRE_2FA_FOR_ADMINS = True


def test_it_sends_an_admin_without_an_app_to_set_one_up_when_required(people, required) -> None:
    client = Client()
    assert client.post(reverse("login"), ADMIN).status_code == 302
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url == reverse("two_factor")
    assert client.get("/api/v1/me/").status_code == 403
    assert Client().post("/api/v1/auth/token/", ADMIN).status_code == 403
    client.post(reverse("two_factor_start"))
    device = TOTPDevice.objects.get(user=people.admin)
    assert client.post(reverse("two_factor_confirm"), {"code": code(device)}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200, "confirming verifies the session"
    assert client_for(people.manager).get(reverse("dashboard")).status_code == 200, "required of admins only"


def test_it_asks_a_signed_in_admin_for_the_code_when_required(people, required) -> None:
    device = enrolled(people.admin)
    client = client_for(people.admin)  # a session from before the setting, never verified
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login_code"))
    response = client.post(reverse("login_code"), {"code": code(device, steps_ahead=1), "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
