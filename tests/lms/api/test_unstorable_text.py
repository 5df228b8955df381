"""Text the database cannot store (NUL characters, lone surrogates) and absurd nesting are a 400
naming the field, never a 500 (PostgreSQL refuses NUL in text and JSON; no driver encodes a lone
surrogate). Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from lms.diary.models import DiaryEntry
from lms.learning.models import Enrollment, Response
from tests.lms.api.helpers import client_for
from tests.lms.factories import new_submission_id

pytestmark = pytest.mark.django_db

NUL = "me\u0000an"
SURROGATE = "\ud800x"


def _post(client, url: str, data: object):
    # json.dumps writes both as \u escapes, as a client's JSON library would.
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(("value", "message"), [
    (NUL, "must not contain NUL characters (\\u0000)"),
    (SURROGATE, "must not contain unpaired surrogates (\\ud800-\\udfff)"),
])
def test_it_refuses_a_short_text_answer_the_database_cannot_store(people, catalogue, value, message):
    r = _post(client_for(people.learner), "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": catalogue.short_text.key, "module": catalogue.module.pk,
        "answer": value,
    })
    assert r.status_code == 400, r.content
    assert r.json() == {"answer": [message]}
    assert not Response.objects.exists()


def test_it_refuses_a_diary_rating_for_a_skill_named_with_nul(people):
    r = _post(client_for(people.learner), "/api/v1/diary/entries/", {"ratings": {"a\u0000b": 3}})
    assert r.status_code == 400, r.content
    assert r.json() == {"ratings": ["keys must not contain NUL characters (\\u0000)"]}
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize("course", ["a\u0000b", "a\udfffb"])
def test_it_refuses_an_enrolment_in_a_course_slug_the_database_cannot_store(people, catalogue, course):
    r = _post(client_for(people.learner), "/api/v1/enrollments/", {"course": course})
    assert r.status_code == 400, r.content
    assert set(r.json()) == {"course"}
    assert not Enrollment.objects.exists()


def test_it_names_where_in_a_nested_value_the_problem_is(people, catalogue):
    r = _post(client_for(people.learner), "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": catalogue.multiple.key, "module": catalogue.module.pk,
        "answer": [1, {"text": NUL}],
    })
    assert r.status_code == 400
    assert r.json() == {"answer": ["[1].text: must not contain NUL characters (\\u0000)"]}


def test_it_refuses_a_body_nested_beyond_any_request_of_the_api(people, catalogue):
    client = client_for(people.learner)
    for depth in (40, 100_000):  # the second one is deeper than json.loads can recurse
        r = client.post("/api/v1/responses/", "[" * depth + "]" * depth, content_type="application/json")
        assert r.status_code == 400, (depth, r.content[:200])
        assert "nested more than 32 levels deep" in r.content.decode()


def test_it_refuses_nul_in_a_form_encoded_body(people, catalogue):
    r = client_for(people.learner).post("/api/v1/enrollments/", {"course": "a\u0000b"})
    assert r.status_code == 400, r.content
    assert r.json() == {"course": ["must not contain NUL characters (\\u0000)"]}


def test_it_refuses_nul_in_an_address(people, catalogue):
    client = client_for(people.learner)
    r = client.get("/api/v1/questions/a%00b/")
    assert r.status_code == 400, r.content
    assert r.json() == {"detail": "The address must not contain NUL characters (%00)."}
    r = client.get("/api/v1/questions/", {"search": "a\u0000b"})
    assert r.status_code == 400
    assert r.json() == {"search": ["must not contain NUL characters (\\u0000)"]}


def test_it_refuses_nul_in_the_address_of_a_page(people, catalogue):
    r = client_for(people.learner).get("/courses/a%00b/")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/plain")


def test_it_still_takes_ordinary_unicode(people, catalogue):
    r = _post(client_for(people.learner), "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": catalogue.short_text.key, "module": catalogue.module.pk,
        "answer": "quatre 🍀 ünïcode",
    })
    assert r.status_code == 201, r.content
    assert Response.objects.get().answer == "quatre 🍀 ünïcode"
