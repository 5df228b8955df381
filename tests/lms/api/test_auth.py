from __future__ import annotations

from django.test import Client
from rest_framework.authtoken.models import Token

from tests.lms.api.helpers import client_for, post_json

TOKEN_URL = "/api/v1/auth/token/"


def test_it_issues_a_token_for_a_username_and_password(people):
    r = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert r.status_code == 200, r.content
    assert r.json()["token"] == Token.objects.get(user=people.learner).key
    again = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert again.json()["token"] == r.json()["token"]


def test_it_accepts_form_data_too(people):
    r = Client().post(TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert r.status_code == 200


def test_it_refuses_wrong_credentials(people):
    r = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "wrong"})
    assert r.status_code == 400
    assert "non_field_errors" in r.json()
    r = post_json(Client(), TOKEN_URL, {})
    assert r.status_code == 400
    assert set(r.json()) == {"username", "password"}
    assert not Token.objects.exists()


def test_it_authenticates_requests_with_the_token(people, catalogue):
    token = Token.objects.create(user=people.learner)
    r = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 200
    assert r.json()["username"] == "alice"
    r = Client().post("/api/v1/enrollments/", '{"course": "maths"}', content_type="application/json",
                      HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 201


def test_it_refuses_a_bad_token(db):
    r = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    # 403 rather than 401 while SessionAuthentication comes first in the settings (no WWW-Authenticate).
    assert r.status_code in (401, 403)
    assert r.json()["detail"] == "Invalid token."


def test_it_refuses_the_wrong_method(db):
    assert Client().get(TOKEN_URL).status_code == 405


def test_it_describes_the_caller(people):
    body = client_for(people.manager).get("/api/v1/me/").json()
    assert (body["username"], body["role"], body["managed_teams"], body["teams"]) == ("maria", "manager",
                                                                                       ["analysts"], [])
    assert client_for(people.admin).get("/api/v1/me/").json()["role"] == "admin"
    assert client_for(people.learner).get("/api/v1/me/").json()["teams"] == ["analysts"]
    assert Client().get("/api/v1/me/").status_code in (401, 403)
