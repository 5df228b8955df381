from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from lms.accounts.services import api_token_create
from tests.lms.api.helpers import client_for, post_json, results

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"


def test_it_issues_a_token_for_a_username_and_password(people):
    r = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"token", "expiry"}
    stored = AuthToken.objects.get(user=people.learner)
    assert stored.digest != body["token"] and body["token"] not in stored.digest  # stored hashed
    assert stored.expiry > timezone.now() + timedelta(days=29)
    again = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert again.json()["token"] != body["token"]
    assert AuthToken.objects.filter(user=people.learner).count() == 2


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
    assert not AuthToken.objects.exists()


def test_it_authenticates_requests_with_the_token(people, catalogue):
    r = post_json(Client(), TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    key = r.json()["token"]
    r = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 200
    assert r.json()["username"] == "alice"
    r = Client().post("/api/v1/enrollments/", '{"course": "maths"}', content_type="application/json",
                      HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 201


def test_it_refuses_a_bad_token(db):
    r = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert r.status_code == 401
    assert r.json()["detail"] == "Invalid token."


def test_it_refuses_an_expired_token(people):
    instance, key = api_token_create(user=people.learner)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    r = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 401
    assert not AuthToken.objects.exists()


def test_it_refuses_the_wrong_method(db):
    assert Client().get(TOKEN_URL).status_code == 405


def test_it_lists_the_callers_tokens_without_their_keys(people):
    _, first_key = api_token_create(user=people.learner)
    _, second_key = api_token_create(user=people.learner)
    api_token_create(user=people.teammate)
    rows = results(Client().get(TOKENS_URL, HTTP_AUTHORIZATION=f"Token {second_key}"))
    assert len(rows) == 2
    assert {row["id"] for row in rows} == {first_key[:15], second_key[:15]}
    assert [row["current"] for row in rows] == [True, False]
    assert set(rows[0]) == {"id", "created", "expiry", "current"}
    assert first_key not in str(rows) and second_key not in str(rows)
    assert results(client_for(people.learner).get(TOKENS_URL))[1]["current"] is False  # by session


def test_it_revokes_a_token(people):
    _, key = api_token_create(user=people.learner)
    _, other_key = api_token_create(user=people.learner)
    auth = {"HTTP_AUTHORIZATION": f"Token {other_key}"}
    assert Client().delete(f"{TOKENS_URL}{key[:15]}/", **auth).status_code == 204
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert Client().delete(f"{TOKENS_URL}{key[:15]}/", **auth).status_code == 404  # a repeat changes nothing
    assert Client().get("/api/v1/me/", **auth).status_code == 200
    assert Client().delete(f"{TOKENS_URL}{other_key[:15]}/", **auth).status_code == 204  # the one in use
    assert Client().get("/api/v1/me/", **auth).status_code == 401


def test_it_does_not_revoke_someone_elses_token(people):
    _, key = api_token_create(user=people.teammate)
    assert client_for(people.learner).delete(f"{TOKENS_URL}{key[:15]}/").status_code == 404
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert Client().get(TOKENS_URL).status_code == 401


def test_it_describes_the_caller(people):
    body = client_for(people.manager).get("/api/v1/me/").json()
    assert (body["username"], body["role"], body["managed_teams"], body["teams"]) == ("maria", "manager",
                                                                                       ["analysts"], [])
    assert client_for(people.admin).get("/api/v1/me/").json()["role"] == "admin"
    assert client_for(people.learner).get("/api/v1/me/").json()["teams"] == ["analysts"]
    assert Client().get("/api/v1/me/").status_code in (401, 403)
