"""LTI 1.3 end to end against a platform emulator with its own keys (tests/lms/lti/platform.py):
login initiation, launch, account linking, deep linking, grades (AGS), rosters (NRPS), refusals."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from jwcrypto.jwk import JWK

from lms.accounts.models import Team
from lms.accounts.roles import role_of
from lms.learning.models import Enrollment, ModuleCompletion
from lms.learning.services import enrollment_refresh_progress
from lms.lti.models import GradeLink, Platform, PlatformAccount, ToolKey
from tests.lms.factories import CourseFactory, ModuleFactory
from tests.lms.lti.platform import INSTRUCTOR, LEARNER, PlatformEmulator

User = get_user_model()


@pytest.fixture
def emulator(db: None) -> Iterator[PlatformEmulator]:
    assert Client().get("/lti/jwks/").json() == {"keys": []}  # no key before the first platform
    tool_jwks: dict[str, Any] = {}
    with PlatformEmulator(tool_jwks=lambda: tool_jwks) as platform:
        Platform.objects.create(
            name="Emulated Moodle", issuer=platform.issuer, client_id=platform.client_id,
            deployment_ids=f"other-deployment\n{platform.deployment_id}\n", auth_login_url=f"{platform.url}/auth",
            auth_token_url=f"{platform.url}/token", keyset_url=f"{platform.url}/jwks")
        tool_jwks.update(Client().get("/lti/jwks/").json())  # registering the platform made the tool's key
        assert len(tool_jwks["keys"]) == 1
        yield platform


@pytest.fixture
def course() -> Any:
    course = CourseFactory(slug="data-literacy", title="Data literacy")
    ModuleFactory(course=course, slug="charts", title="Charts", order=1)
    ModuleFactory(course=course, slug="averages", title="Averages", order=2)
    return course


def launch(client: Client, platform: PlatformEmulator, claims: dict[str, Any], *, client_id: str | None = None,
           **prepare: Any) -> tuple[Any, dict[str, str]]:
    """The browser's part: the platform starts the login, Pathwise redirects to the platform's
    authentication endpoint, whose page posts the id_token back to Pathwise."""
    hint = platform.prepare(claims, **prepare)
    start = client.post("/lti/login/", {
        "iss": platform.issuer, "login_hint": claims["sub"], "target_link_uri": "http://testserver/lti/launch/",
        "lti_message_hint": hint, "client_id": client_id or platform.client_id,
        "lti_deployment_id": platform.deployment_id})
    assert start.status_code == 302, start.content.decode()
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200, page.text
    action = html.unescape(re.search(r'action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', page.text)}
    return client.post(urlsplit(action).path, fields), fields


def test_it_starts_the_login_with_the_spec_parameters(emulator: PlatformEmulator) -> None:
    response = Client().get("/lti/login/", {"iss": emulator.issuer, "login_hint": "u1", "client_id": emulator.client_id,
                                            "target_link_uri": "http://testserver/lti/launch/"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{emulator.url}/auth"
    assert query["response_type"] == "id_token" and query["response_mode"] == "form_post"
    assert query["scope"] == "openid" and query["prompt"] == "none" and query["nonce"] and query["state"]
    assert query["redirect_uri"].endswith("/lti/launch/")


def test_it_signs_a_learner_in_and_opens_the_module_named_in_the_launch(emulator: PlatformEmulator, course: Any) -> None:
    client = Client()
    claims = emulator.resource_link(sub="learner-7", roles=[LEARNER], custom={"course": "data-literacy",
                                                                               "module": "averages"})
    response, _ = launch(client, emulator, claims)

    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/courses/data-literacy/averages/"
    account = PlatformAccount.objects.get(issuer=emulator.issuer, subject="learner-7")
    assert role_of(account.user) == "learner" and account.user.email == "learner-7@platform.example"
    assert (account.user.first_name, account.user.last_name) == ("Grace", "Hopper")
    assert Enrollment.objects.filter(user=account.user, course=course).exists()
    page = client.get("/courses/data-literacy/averages/")
    assert page.status_code == 200, (dict(response.cookies), dict(client.cookies))
    assert page.wsgi_request.user == account.user


def test_it_links_the_same_account_on_a_second_launch(emulator: PlatformEmulator, course: Any) -> None:
    first, _ = launch(Client(), emulator, emulator.resource_link(sub="learner-7", roles=[LEARNER]))
    users = User.objects.count()
    client = Client()
    # This time the resource link's address names the course, and the platform calls them an instructor.
    second, _ = launch(client, emulator, emulator.resource_link(
        sub="learner-7", roles=[INSTRUCTOR], target_link_uri="http://testserver/courses/data-literacy/"))

    assert first.status_code == second.status_code == 302 and second["Location"] == "/courses/data-literacy/"
    assert User.objects.count() == users
    user = PlatformAccount.objects.get(subject="learner-7").user
    assert client.get("/").wsgi_request.user == user
    assert role_of(user) == "learner"  # a role set in Pathwise is not changed by the platform


def test_it_makes_a_new_instructor_a_manager_and_fills_the_team_from_the_roster(emulator: PlatformEmulator,
                                                                                 course: Any) -> None:
    emulator.members = [
        {"user_id": "learner-1", "roles": [LEARNER], "status": "Active", "given_name": "Lin", "family_name": "Ng",
         "email": "lin@platform.example"},
        {"user_id": "learner-2", "roles": [LEARNER], "status": "Active", "name": "Sam"},
        {"user_id": "teacher-1", "roles": [INSTRUCTOR], "status": "Active", "given_name": "Ian",
         "family_name": "Structor"},
    ]
    response, _ = launch(Client(), emulator, emulator.resource_link(sub="teacher-1", roles=[INSTRUCTOR]))

    assert response.status_code == 302
    teacher = PlatformAccount.objects.get(subject="teacher-1").user
    assert role_of(teacher) == "manager"
    team = Team.objects.get(name="Data literacy 101 (Emulated Moodle)")
    linked = {a.subject: a.user for a in PlatformAccount.objects.all()}
    assert set(team.members.all()) == {linked["learner-1"], linked["learner-2"]}
    assert list(team.managers.all()) == [teacher]
    assert role_of(linked["learner-1"]) == "learner" and linked["learner-1"].email == "lin@platform.example"

    # Run again with one learner gone from the platform course: they leave the team, nothing else changes.
    emulator.members[1]["status"] = "Inactive"
    launch(Client(), emulator, emulator.resource_link(sub="teacher-1", roles=[INSTRUCTOR]))
    team.refresh_from_db()
    assert set(team.members.all()) == {linked["learner-1"]}
    assert Team.objects.count() == 1 and User.objects.count() == 3


def test_it_returns_a_signed_deep_linking_response(emulator: PlatformEmulator, course: Any) -> None:
    client = Client()
    response, _ = launch(client, emulator, emulator.deep_linking(sub="teacher-1", roles=[INSTRUCTOR]))
    assert response.status_code == 302 and response["Location"] == "/lti/deep-link/"
    page = client.get("/lti/deep-link/")
    assert page.status_code == 200 and "Module: Averages" in page.content.decode()
    averages = course.modules.get(slug="averages")

    chosen = client.post("/lti/deep-link/", {"choice": f"module:{averages.pk}"})

    assert chosen.status_code == 200
    body = chosen.content.decode()
    assert f'action="{emulator.url}/deep-link-return"' in body
    assert emulator.url in chosen["Content-Security-Policy"].split("form-action")[1].split(";")[0]
    token = re.search(r'name="JWT" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
    keys = {key["kid"]: key for key in Client().get("/lti/jwks/").json()["keys"]}
    public = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key
    message = jwt.decode(token, public, algorithms=["RS256"], audience=emulator.issuer)
    assert message["iss"] == emulator.client_id
    assert message["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert message["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == emulator.deployment_id
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    [item] = message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Data literacy: Averages"
    assert item["custom"] == {"course": "data-literacy", "module": "averages"}
    assert item["lineItem"]["scoreMaximum"] == 100
    # The request is used up: sending the form again adds nothing.
    assert client.post("/lti/deep-link/", {"choice": f"module:{averages.pk}"}).status_code == 400


def test_it_asks_again_when_nothing_is_chosen_to_link(emulator: PlatformEmulator, course: Any) -> None:
    client = Client()
    launch(client, emulator, emulator.deep_linking(sub="teacher-1", roles=[INSTRUCTOR]))
    response = client.post("/lti/deep-link/", {"choice": "module:999999"})
    assert response.status_code == 422 and "Choose a course or a module from the list." in response.content.decode()


def test_it_refuses_deep_linking_to_a_learner(emulator: PlatformEmulator, course: Any) -> None:
    response, _ = launch(Client(), emulator, emulator.deep_linking(sub="learner-1", roles=[LEARNER]))
    assert response.status_code == 403 and "Only teachers" in response.content.decode()
    assert not PlatformAccount.objects.exists()


def test_it_sends_the_score_when_progress_changes(emulator: PlatformEmulator, course: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    lineitem = f"{emulator.url}/lineitems/42"
    response, _ = launch(Client(), emulator, emulator.resource_link(
        sub="learner-7", roles=[LEARNER], custom={"course": "data-literacy"}, lineitem=lineitem))
    assert response.status_code == 302
    user = PlatformAccount.objects.get(subject="learner-7").user
    assert [(s["scoreGiven"], s["activityProgress"]) for s in emulator.scores] == [(0, "InProgress")]
    enrollment = Enrollment.objects.get(user=user, course=course)

    with django_capture_on_commit_callbacks(execute=True):
        ModuleCompletion.objects.create(user=user, module=course.modules.get(slug="charts"),
                                        completed_at=timezone.now(), best_score=0.8)
        enrollment_refresh_progress(enrollment_id=enrollment.pk)
    assert emulator.scores[-1]["scoreGiven"] == 50 and emulator.scores[-1]["userId"] == "learner-7"
    assert emulator.scores[-1]["lineitem"] == lineitem and emulator.scores[-1]["gradingProgress"] == "FullyGraded"
    sent = len(emulator.scores)

    with django_capture_on_commit_callbacks(execute=True):
        enrollment_refresh_progress(enrollment_id=enrollment.pk)
    assert len(emulator.scores) == sent  # the platform has this score already

    emulator.score_failures = 1  # the platform is down once: the task tries again
    with django_capture_on_commit_callbacks(execute=True):
        ModuleCompletion.objects.create(user=user, module=course.modules.get(slug="averages"),
                                        completed_at=timezone.now(), best_score=1.0)
        enrollment_refresh_progress(enrollment_id=enrollment.pk)
    assert (emulator.scores[-1]["scoreGiven"], emulator.scores[-1]["activityProgress"]) == (100, "Completed")
    link = GradeLink.objects.get(user=user)
    assert link.last_score == 100 and link.last_error == ""


def test_it_never_posts_a_score_without_a_verified_token(emulator: PlatformEmulator, course: Any) -> None:
    ToolKey.objects.all().delete()  # the key the platform knows is gone: a new one signs
    launch(Client(), emulator, emulator.resource_link(
        sub="learner-7", roles=[LEARNER], custom={"course": "data-literacy"}, lineitem=f"{emulator.url}/lineitems/1"))
    assert emulator.scores == []
    assert any("assertion not verified" in why for why in emulator.refusals)
    assert "401" in GradeLink.objects.get().last_error


def _other_key_pem() -> str:
    return JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()


@pytest.mark.parametrize(("change", "reason"), [
    ({"prepare": {"sign_with": "other"}}, "signature could not be verified"),
    ({"prepare": {"expires_in": -120}}, "has expired"),
    ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown-deployment"}},
     "deployment of Pathwise in the platform is not registered"),
    ({"prepare": {"audience": "someone-else"}}, "not registered in Pathwise"),
])
def test_it_refuses_a_launch_it_cannot_trust(emulator: PlatformEmulator, course: Any, change: dict[str, Any],
                                            reason: str) -> None:
    claims = {**emulator.resource_link(sub="learner-7", roles=[LEARNER]), **change.get("claims", {})}
    prepare = dict(change.get("prepare", {}))
    if prepare.get("sign_with") == "other":
        prepare["sign_with"] = _other_key_pem()
    response, _ = launch(Client(), emulator, claims, **prepare)
    assert response.status_code == 403 and reason in response.content.decode()
    assert not PlatformAccount.objects.exists()
    assert "frame-ancestors *" in response["Content-Security-Policy"]


def test_it_refuses_a_replayed_launch(emulator: PlatformEmulator, course: Any) -> None:
    client = Client()
    first, fields = launch(client, emulator, emulator.resource_link(sub="learner-7", roles=[LEARNER]))
    replay = client.post("/lti/launch/", fields)
    assert first.status_code == 302
    assert replay.status_code == 403 and "used already" in replay.content.decode()


def test_it_refuses_an_unknown_client_or_issuer_at_login(emulator: PlatformEmulator) -> None:
    unknown_client = Client().post("/lti/login/", {"iss": emulator.issuer, "login_hint": "u", "client_id": "nobody",
                                                   "target_link_uri": "http://testserver/lti/launch/"})
    unknown_issuer = Client().post("/lti/login/", {"iss": "https://elsewhere.example", "login_hint": "u",
                                                   "target_link_uri": "http://testserver/lti/launch/"})
    missing = Client().get("/lti/login/", {"iss": emulator.issuer})
    assert unknown_client.status_code == unknown_issuer.status_code == 403
    assert "not registered" in unknown_client.content.decode()
    assert missing.status_code == 400


def test_it_refuses_a_launch_without_a_token_or_by_get(db: None) -> None:
    assert Client().post("/lti/launch/", {"state": "x"}).status_code == 400
    assert Client().post("/lti/launch/", {"state": "state-x", "id_token": "a.b.c"}).status_code == 403
    assert Client().get("/lti/launch/").status_code == 405


def test_it_refuses_a_platform_switched_off(emulator: PlatformEmulator, course: Any) -> None:
    Platform.objects.update(is_active=False)
    response = Client().post("/lti/login/", {"iss": emulator.issuer, "login_hint": "u",
                                             "target_link_uri": "http://testserver/lti/launch/"})
    assert response.status_code == 403


def test_it_refuses_a_course_that_is_not_in_pathwise(emulator: PlatformEmulator, course: Any) -> None:
    response, _ = launch(Client(), emulator, emulator.resource_link(sub="learner-7", roles=[LEARNER],
                                                                    custom={"course": "no-such-course"}))
    assert response.status_code == 403 and "not available in Pathwise" in response.content.decode()
    assert not PlatformAccount.objects.exists()


def test_it_lets_only_the_launching_platform_frame_the_pages(emulator: PlatformEmulator, course: Any) -> None:
    client = Client()
    launch(client, emulator, emulator.resource_link(sub="learner-7", roles=[LEARNER]))
    framed = client.get("/courses/data-literacy/")
    assert f"frame-ancestors 'self' {emulator.url}" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    assert "frame-ancestors 'none'" in client.get("/admin/").get("Content-Security-Policy", "frame-ancestors 'none'")
    other = Client()
    other.force_login(PlatformAccount.objects.get().user)
    plain = other.get("/courses/data-literacy/")
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"] and plain["X-Frame-Options"] == "DENY"


def test_it_publishes_only_public_keys(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("lti_tool_key")
    call_command("lti_tool_key", "--retire-older")
    out = capsys.readouterr().out
    keys = Client().get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1 and keys[0]["kid"] in out and "PRIVATE" not in out
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]
    assert ToolKey.objects.filter(is_active=True).count() == 1
