from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lms.accounts.models import Team
from tests.lms.api.helpers import client_for, post_json, results
from tests.lms.factories import UserFactory

URL = "/api/v1/users/"
User = get_user_model()


@pytest.fixture
def other_manager(people):
    """A manager of the other team (the outsider's)."""
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    return manager


def new_user(**fields):
    return {"username": "dora", "password": "a-long-enough-passphrase", "first_name": "Dora", "last_name": "Diaz",
            "email": "dora@example.org", "role": "learner", "teams": ["analysts"], **fields}


def test_it_lets_admins_create_a_user_in_a_role_and_teams(people):
    r = post_json(client_for(people.admin), URL, new_user())
    assert r.status_code == 201, r.content
    body = r.json()
    dora = User.objects.get(username="dora")
    assert body == {"id": dora.pk, "username": "dora", "first_name": "Dora", "last_name": "Diaz",
                    "email": "dora@example.org", "role": "learner", "teams": ["analysts"], "managed_teams": []}
    assert dora.check_password("a-long-enough-passphrase")
    assert list(dora.groups.values_list("name", flat=True)) == ["learner"]
    token = post_json(Client(), "/api/v1/auth/token/", {"username": "dora", "password": "a-long-enough-passphrase"})
    assert token.status_code == 200


def test_it_creates_managers_and_admins(people):
    client = client_for(people.admin)
    manager = post_json(client, URL, new_user(username="mo", role="manager", teams=[], managed_teams=["sales"]))
    assert manager.status_code == 201, manager.content
    assert manager.json()["role"] == "manager"
    assert manager.json()["managed_teams"] == ["sales"]
    admin = post_json(client, URL, {"username": "root2", "role": "admin"})
    assert admin.status_code == 201, admin.content
    assert admin.json()["role"] == "admin"
    assert User.objects.get(username="root2").is_staff


def test_it_gives_a_user_without_a_password_an_unusable_one(people):
    r = post_json(client_for(people.admin), URL, {"username": "sso-user"})
    assert r.status_code == 201, r.content
    assert r.json()["role"] == "learner"
    assert not User.objects.get(username="sso-user").has_usable_password()


def test_it_refuses_a_username_taken_already_in_any_case(people):
    client = client_for(people.admin)
    for name in ("alice", "ALICE"):
        r = post_json(client, URL, new_user(username=name))
        assert r.status_code == 400, name
        assert "exists already" in r.json()["username"][0]
    assert User.objects.filter(username__iexact="alice").count() == 1


@pytest.mark.parametrize(("fields", "field"), [
    ({"role": "owner"}, "role"),
    ({"teams": ["nope"]}, "teams"),
    ({"teams": ["analysts", "nope", "none"]}, "teams"),
    ({"teams": "analysts"}, "teams"),
    ({"managed_teams": ["sales"]}, "managed_teams"),  # a learner manages nothing
    ({"username": ""}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": "nul\x00byte"}, "username"),
    ({"username": "x" * 151}, "username"),
    ({"first_name": "nul\x00"}, "first_name"),
    ({"teams": ["analysts\x00"]}, "teams"),
    ({"email": "not-an-email"}, "email"),
    ({"password": "1234"}, "password"),
    ({"password": "dora"}, "password"),
])
def test_it_refuses_bad_input_and_writes_nothing(people, fields, field):
    users, memberships = User.objects.count(), Team.members.through.objects.count()
    r = post_json(client_for(people.admin), URL, new_user(**fields))
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert (User.objects.count(), Team.members.through.objects.count()) == (users, memberships)


def test_it_names_every_unknown_team(people):
    r = post_json(client_for(people.admin), URL, new_user(teams=["nope", "analysts", "none"]))
    assert r.json()["teams"] == ["no team with the slug 'nope', 'none'"]


def test_it_refuses_a_body_that_is_not_an_object(people):
    assert post_json(client_for(people.admin), URL, ["dora"]).status_code == 400
    assert client_for(people.admin).post(URL, "{", content_type="application/json").status_code == 400


@pytest.mark.parametrize("who", ["learner", "teammate", "manager"])
def test_it_lets_only_admins_create_users(people, who):
    r = post_json(client_for(getattr(people, who)), URL, new_user())
    assert r.status_code == 403
    assert not User.objects.filter(username="dora").exists()


def test_it_refuses_managers_of_other_teams_too(people, other_manager):
    assert post_json(client_for(other_manager), URL, new_user()).status_code == 403


def test_it_requires_authentication(people):
    assert Client().get(URL).status_code == 401
    assert post_json(Client(), URL, new_user()).status_code == 401
    assert Client().get(f"{URL}{people.learner.pk}/").status_code == 401


def test_it_lists_everyone_to_admins(people):
    rows = results(client_for(people.admin).get(URL))
    assert [row["username"] for row in rows] == ["ada", "alice", "bob", "charlie", "maria"]
    assert {row["username"]: row["role"] for row in rows}["maria"] == "manager"
    assert {row["username"]: row["managed_teams"] for row in rows}["maria"] == ["analysts"]


def test_it_paginates_like_the_other_lists(people):
    r = client_for(people.admin).get(URL, {"limit": 2, "offset": 1})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5
    assert [row["username"] for row in body["results"]] == ["alice", "bob"]
    assert body["next"] and body["previous"] is not None


def test_it_lists_a_managers_team_members_only(people, other_manager):
    assert [row["username"] for row in results(client_for(people.manager).get(URL))] == ["alice", "bob"]
    assert [row["username"] for row in results(client_for(other_manager).get(URL))] == ["charlie"]


@pytest.mark.parametrize("who", ["learner", "teammate", "outsider"])
def test_it_refuses_learners_the_list(people, who):
    assert client_for(getattr(people, who)).get(URL).status_code == 403


def test_it_shows_one_user_in_scope(people, other_manager):
    assert client_for(people.admin).get(f"{URL}{people.outsider.pk}/").json()["username"] == "charlie"
    assert client_for(people.manager).get(f"{URL}{people.teammate.pk}/").json()["teams"] == ["analysts"]
    assert client_for(other_manager).get(f"{URL}{people.outsider.pk}/").json()["username"] == "charlie"


def test_it_hides_users_out_of_scope_as_404(people, other_manager):
    assert client_for(people.manager).get(f"{URL}{people.outsider.pk}/").status_code == 404
    assert client_for(other_manager).get(f"{URL}{people.learner.pk}/").status_code == 404
    assert client_for(people.manager).get(f"{URL}{people.admin.pk}/").status_code == 404
    for url in (f"{URL}999999/", f"{URL}{'9' * 30}/"):
        assert client_for(people.admin).get(url).status_code == 404


@pytest.mark.parametrize("who", ["learner", "teammate"])
def test_it_refuses_learners_a_user(people, who):
    assert client_for(getattr(people, who)).get(f"{URL}{people.learner.pk}/").status_code == 403


def test_it_refuses_the_wrong_method(people):
    assert client_for(people.admin).delete(URL).status_code == 405
    assert post_json(client_for(people.admin), f"{URL}{people.learner.pk}/", {}).status_code == 405
