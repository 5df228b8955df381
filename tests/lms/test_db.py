"""The direct statements of ``lms.db``: the same rows and conversions as the ORM, on both databases."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction

from adaptive.models import LearnerState
from lms.db import columns, from_row, insert_unless_duplicate, save_fields
from lms.learning.models import QuizAttempt, Response
from tests.lms.factories import ModuleFactory, QuestionFactory, UserFactory, enrol


def _response(user, module, question, submission: uuid.UUID, **extra) -> Response:  # type: ignore[no-untyped-def]
    return Response(submission_id=submission, user=user, question=question, module=module, course=module.course,
                    answer=extra.pop("answer", [1, 2]), is_correct=True, score=1.0, attempt_number=1, **extra)


@pytest.mark.django_db(transaction=True)
def test_it_inserts_and_reads_back_what_the_orm_would() -> None:
    user, module, question = UserFactory(), ModuleFactory(), QuestionFactory()
    attempt = QuizAttempt.objects.create(user=user, course=module.course, module=module, number=1,
                                         question_ids=[question.pk])
    submission = uuid.uuid4()
    response = _response(user, module, question, submission, answer={"text": "ünïcode"}, quiz_attempt=attempt)

    assert insert_unless_duplicate(response) is True
    assert response.pk is not None and not response._state.adding
    stored = Response.objects.get(pk=response.pk)
    assert stored.submission_id == submission and stored.quiz_attempt_id == attempt.pk
    assert stored.answer == {"text": "ünïcode"} and stored.is_correct is True
    assert stored.created == response.created


@pytest.mark.django_db(transaction=True)
def test_it_returns_false_for_a_duplicate_and_leaves_the_transaction_usable() -> None:
    user, module, question = UserFactory(), ModuleFactory(), QuestionFactory()
    submission = uuid.uuid4()
    assert insert_unless_duplicate(_response(user, module, question, submission))
    with transaction.atomic():
        again = _response(user, module, question, submission)
        assert insert_unless_duplicate(again) is False
        assert again.pk is None
        enrol(user, module.course)  # the transaction goes on after the clash
    assert Response.objects.filter(user=user).count() == 1
    assert module.course.enrollments.filter(user=user).exists()


@pytest.mark.django_db
def test_it_saves_the_named_fields_and_the_update_time() -> None:
    row = LearnerState.objects.create(user=UserFactory(), mastery={"a": 0.1}, state=b"old")
    before = row.updated
    row.mastery, row.state, row.responses_seen = {"a": 0.5, "b": 0.25}, b"\x00new", 3
    row.last_response_id = 99  # not named: not written
    save_fields(row, ["mastery", "state", "responses_seen"])

    stored = LearnerState.objects.get(pk=row.pk)
    assert stored.mastery == {"a": 0.5, "b": 0.25} and bytes(stored.state) == b"\x00new"
    assert stored.responses_seen == 3 and stored.last_response_id == 0
    assert stored.updated > before


@pytest.mark.django_db
def test_it_builds_instances_from_a_cursor_row_as_the_orm_reads_them() -> None:
    user, module, question = UserFactory(), ModuleFactory(), QuestionFactory()
    attempt = QuizAttempt.objects.create(user=user, course=module.course, module=module, number=1,
                                         question_ids=[question.pk, 7], finished_at=None)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {columns(QuizAttempt, "a")} FROM "{QuizAttempt._meta.db_table}" a')
        built = from_row(QuizAttempt, cursor.fetchone())
    read = QuizAttempt.objects.get()
    for field in QuizAttempt._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(read, field.attname), field.name
    assert built.pk == attempt.pk and built.question_ids == [question.pk, 7] and not built._state.adding
