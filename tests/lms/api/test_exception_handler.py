from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from rest_framework.exceptions import NotFound

from lms.api_errors import exception_handler
from lms.content.grading import InvalidAnswer
from lms.learning.services import NotAllowed
from tests.lms.api.helpers import client_for, post_json
from tests.lms.factories import new_submission_id


def handle(exc):
    return exception_handler(exc, {})


def test_it_turns_a_django_validation_error_into_field_errors():
    response = handle(ValidationError({"prerequisites": "prerequisite cycle: a -> b -> a"}))
    assert response.status_code == 400
    assert response.data == {"prerequisites": ["prerequisite cycle: a -> b -> a"]}


def test_it_puts_a_message_without_a_field_under_non_field_errors():
    response = handle(ValidationError("no good"))
    assert (response.status_code, response.data) == (400, {"non_field_errors": ["no good"]})
    response = handle(ValidationError({"__all__": ["clash"], "slug": ["taken"]}))
    assert response.data == {"non_field_errors": ["clash"], "slug": ["taken"]}


def test_it_turns_an_invalid_answer_into_an_answer_error():
    response = handle(InvalidAnswer("enter a number"))
    assert (response.status_code, response.data) == (400, {"answer": ["enter a number"]})


def test_it_turns_not_allowed_into_a_403():
    response = handle(NotAllowed("this course is not open"))
    assert (response.status_code, response.data) == (403, {"detail": "this course is not open"})


def test_it_turns_a_protected_delete_into_a_409():
    assert handle(ProtectedError("in use", set())).status_code == 409


def test_it_leaves_drf_exceptions_and_others_to_drf():
    assert handle(NotFound()).status_code == 404
    assert handle(KeyError("boom")) is None


def test_it_answers_403_when_the_service_refuses(people, catalogue):
    # Admins can see a draft course's module, but nobody may answer in an unpublished course.
    r = post_json(client_for(people.admin), "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": catalogue.hidden_question.key,
        "module": catalogue.hidden_module.pk, "answer": catalogue.hidden_question.choices.first().pk,
    })
    assert r.status_code == 403
    assert r.json() == {"detail": "this course is not open"}
