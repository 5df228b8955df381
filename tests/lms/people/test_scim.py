"""SCIM 2.0 provisioning over the real django-scim2 views, with requests shaped as identity
providers send them (Okta, Entra ID / Azure AD)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from knox.models import AuthToken

from adaptive.models import LearnerState, ModelVersion
from lms.accounts.models import Team
from lms.accounts.roles import role_of
from lms.learning.models import Response
from lms.people.models import ScimToken
from lms.people.services import scim_token_create
from tests.lms.conftest import client_for
from tests.lms.factories import ModuleFactory, QuestionFactory, new_submission_id

User = get_user_model()
pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class IdP:
    """An identity provider's SCIM client: bearer token, SCIM JSON."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}", "Accept": SCIM}

    def send(self, method: str, path: str, body: Any = None, **params: str):
        call = getattr(self.client, method)
        if body is None:
            return call(f"/scim/v2/{path}", params or None, headers=self.headers) if method == "get" else \
                call(f"/scim/v2/{path}", headers=self.headers)
        return call(f"/scim/v2/{path}", data=json.dumps(body), content_type=SCIM, headers=self.headers)


@pytest.fixture
def idp(db) -> IdP:
    _, key = scim_token_create(name="Okta")
    return IdP(key)


def okta_user(username: str = "pat@example.org", **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": username,
            "name": {"givenName": "Pat", "familyName": "Park"},
            "emails": [{"primary": True, "value": username, "type": "work"}],
            "displayName": "Pat Park", "locale": "en-US", "externalId": "00u1", "groups": [],
            "password": "Ignored-1234", "active": True, **extra}


def test_it_creates_a_learner_without_a_password(idp):
    response = idp.send("post", "Users", okta_user())
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    user = User.objects.get(username="pat@example.org")
    assert body["id"] == str(user.pk) and body["active"] is True
    assert response["Location"].endswith(f"/scim/v2/Users/{user.pk}")
    assert (user.first_name, user.last_name, user.email) == ("Pat", "Park", "pat@example.org")
    assert role_of(user) == "learner" and not user.has_usable_password()


def test_it_finds_a_user_by_username_filter(idp, people):
    found = idp.send("get", "Users", filter='userName eq "alice"', startIndex="1", count="100").json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["userName"] == "alice"
    assert found["Resources"][0]["groups"][0]["display"] == "Analysts"
    none = idp.send("get", "Users", filter='userName eq "nobody@example.org"').json()
    assert none["totalResults"] == 0 and none["Resources"] == []


def test_it_refuses_a_second_user_with_the_same_name(idp, people):
    response = idp.send("post", "Users", okta_user("Alice", emails=[{"value": "alice2@example.org"}]))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


def test_it_replaces_a_user_with_put(idp, people):
    body = okta_user("alice", name={"givenName": "Alice", "familyName": "Archer"},
                     emails=[{"value": "alice@corp.example", "primary": True}])
    response = idp.send("put", f"Users/{people.learner.pk}", body)
    assert response.status_code == 200, response.content
    people.learner.refresh_from_db()
    assert (people.learner.first_name, people.learner.last_name, people.learner.email) == (
        "Alice", "Archer", "alice@corp.example")


def test_it_deactivates_with_okta_patch_and_keeps_the_history(idp, people):
    module = ModuleFactory()
    question = QuestionFactory()
    Response.objects.create(submission_id=new_submission_id(), user=people.learner, question=question,
                            module=module, course=module.course, answer=[1], is_correct=True, score=1.0,
                            attempt_number=1)
    version = ModelVersion.objects.create(name="pfa", artifact="pfa-1.pt", sha256="0" * 64)
    LearnerState.objects.create(user=people.learner, model_version=version, responses_seen=1, mastery={"a": 0.7})
    AuthToken.objects.create(user=people.learner)

    response = idp.send("patch", f"Users/{people.learner.pk}", {
        "schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    people.learner.refresh_from_db()
    assert not people.learner.is_active
    assert Response.objects.filter(user=people.learner).count() == 1
    assert LearnerState.objects.filter(user=people.learner).exists()
    assert not AuthToken.objects.filter(user=people.learner).exists()
    assert client_for(people.learner).get("/accounts/me/").status_code == 302  # signed out

    back = idp.send("patch", f"Users/{people.learner.pk}", {
        "schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": True}]})
    assert back.json()["active"] is True


def test_it_takes_entra_id_patches(idp, people):
    response = idp.send("patch", f"Users/{people.learner.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "Replace", "path": "name.givenName", "value": "Ally"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ally@corp.example"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
         "value": "Finance"},
        {"op": "Replace", "path": "active", "value": "False"},
    ]})
    assert response.status_code == 200, response.content
    people.learner.refresh_from_db()
    assert (people.learner.first_name, people.learner.email, people.learner.is_active) == (
        "Ally", "ally@corp.example", False)


def test_delete_deactivates_and_keeps_the_account(idp, people):
    response = idp.send("delete", f"Users/{people.learner.pk}")
    assert response.status_code == 204
    people.learner.refresh_from_db()
    assert not people.learner.is_active


@pytest.mark.parametrize(("body", "fragment"), [
    ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]},
     "true or false"),
    ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "explode", "path": "active", "value": True}]}, "unknown PATCH op"),
    ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": "x"}]}, "needs an object"),
    ({"schemas": [PATCH_SCHEMA], "Operations": "nope"}, "must be a list"),
    ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "emails", "value": "x"}]},
     "not an email address"),
    ({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove"}]}, '"path" must be given'),
])
def test_bad_patches_are_400s(idp, people, body, fragment):
    response = idp.send("patch", f"Users/{people.learner.pk}", body)
    assert response.status_code == 400, response.content
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("body", [[1, 2], {"userName": 7}, {"userName": ""}, {"userName": "x", "name": "y"},
                                  {"userName": "a\u0000b"}])
def test_bad_users_are_400s(idp, body):
    response = idp.send("post", "Users", body)
    assert response.status_code == 400, response.content


def test_bad_bodies_and_ids_are_not_500s(idp, people):
    assert idp.client.post("/scim/v2/Users", data=b"{not json", content_type=SCIM,
                           headers=idp.headers).status_code == 400
    assert idp.client.post("/scim/v2/Users", data=b'{"userName": "\xff"}', content_type=SCIM,
                           headers=idp.headers).status_code == 400
    assert idp.send("get", "Users/abc").status_code == 404
    assert idp.send("get", "Users/999999").status_code == 404
    assert idp.send("get", "Users", filter='userName eq').status_code == 400
    assert idp.send("get", "Users", startIndex="0").status_code == 400


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer pwscim_wrong"}, {"Authorization": "Basic eDp5"}])
def test_it_refuses_requests_without_a_valid_token(db, headers):
    response = Client().get("/scim/v2/Users", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_admin_is_not_an_identity_provider(people):
    assert client_for(people.admin).get("/scim/v2/Users").status_code == 401


def test_a_deleted_token_stops_working(idp):
    assert idp.send("get", "Users").status_code == 200
    assert ScimToken.objects.get().last_used is not None
    ScimToken.objects.all().delete()
    assert idp.send("get", "Users").status_code == 401


def test_discovery_endpoints_answer(idp):
    config = idp.send("get", "ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["filter"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = idp.send("get", "ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = idp.send("get", "Schemas").json()
    assert USER_SCHEMA in {s["id"] for s in schemas["Resources"]}
    assert idp.send("get", f"Schemas/{GROUP_SCHEMA}").json()["id"] == GROUP_SCHEMA


def test_groups_are_teams_with_okta_member_changes(idp, people):
    created = idp.send("post", "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Field Sales", "members": []})
    assert created.status_code == 201, created.content
    team = Team.objects.get(name="Field Sales")
    assert created.json()["id"] == str(team.pk) and team.slug == "field-sales"

    found = idp.send("get", "Groups", filter='displayName eq "Field Sales"').json()
    assert [g["id"] for g in found["Resources"]] == [str(team.pk)]

    added = idp.send("patch", f"Groups/{team.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": str(people.learner.pk), "display": "alice"},
                                                   {"value": str(people.teammate.pk), "display": "bob"}]}]})
    assert added.status_code == 200, added.content
    assert set(team.members.all()) == {people.learner, people.teammate}

    removed = idp.send("patch", f"Groups/{team.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "remove", "path": f'members[value eq "{people.learner.pk}"]'}]})
    assert removed.status_code == 200, removed.content
    assert set(team.members.all()) == {people.teammate}

    renamed = idp.send("patch", f"Groups/{team.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "value": {"id": str(team.pk), "displayName": "Inside Sales"}}]})
    assert renamed.json()["displayName"] == "Inside Sales"


def test_group_changes_as_entra_id_sends_them(idp, people):
    team = people.team
    response = idp.send("patch", f"Groups/{team.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": str(people.teammate.pk)}]},
        {"op": "Add", "path": "members", "value": [{"value": str(people.outsider.pk)}]}]})
    assert response.status_code == 200, response.content
    assert set(team.members.all()) == {people.learner, people.outsider}
    assert set(team.managers.all()) == {people.manager}  # managers are Pathwise's own


def test_put_replaces_a_groups_members(idp, people):
    response = idp.send("put", f"Groups/{people.team.pk}", {
        "schemas": [GROUP_SCHEMA], "displayName": "Analysts", "members": [{"value": str(people.outsider.pk)}]})
    assert response.status_code == 200, response.content
    assert list(people.team.members.all()) == [people.outsider]


def test_unknown_members_and_duplicate_groups_are_refused(idp, people):
    bad = idp.send("patch", f"Groups/{people.team.pk}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": "999999"}, {"value": "abc"}]}]})
    assert bad.status_code == 400
    assert people.team.members.count() == 2
    duplicate = idp.send("post", "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Analysts"})
    assert duplicate.status_code == 409


def test_deleting_a_group_deletes_the_team_not_its_learners(idp, people):
    response = idp.send("delete", f"Groups/{people.team.pk}")
    assert response.status_code == 204
    assert not Team.objects.filter(pk=people.team.pk).exists()
    assert User.objects.filter(pk=people.learner.pk, is_active=True).exists()
