from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.lms.conftest import client_for


def test_it_signs_in_and_out(people) -> None:
    client = Client()
    page = client.get(reverse("login"))
    assert '<label for="id_username">Username</label>' in page.content.decode()
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_refuses_a_wrong_password(people) -> None:
    response = Client().post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_it_changes_the_password(people) -> None:
    client = client_for(people.learner)
    response = client.post(reverse("password_change"), {
        "old_password": "correct-horse-battery",
        "new_password1": "a-much-longer-passphrase-42",
        "new_password2": "a-much-longer-passphrase-42",
    })
    assert response.status_code == 302
    people.learner.refresh_from_db()
    assert people.learner.check_password("a-much-longer-passphrase-42")


def test_it_does_not_sign_out_on_get(people) -> None:
    assert client_for(people.learner).get(reverse("logout")).status_code == 405
