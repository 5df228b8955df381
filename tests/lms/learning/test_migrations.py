"""Migrations that change data: an installation with rows the new constraint forbids still migrates."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lms.learning.models import QuizAttempt, Response
from tests.lms.factories import ModuleFactory, QuestionFactory, UserFactory, add_to_quiz

BEFORE = [("learning", "0004_response_user_created_index")]
AFTER = [("learning", "0005_one_answer_per_question_per_attempt")]


def _uuid(value: uuid.UUID) -> object:
    return Response._meta.get_field("submission_id").get_db_prep_value(value, connection)


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_first_answer_in_the_attempt_when_racing_tabs_stored_several() -> None:
    user, module, question = UserFactory(), ModuleFactory(), QuestionFactory()
    add_to_quiz(module, question)
    attempt = QuizAttempt.objects.create(user=user, course=module.course, module=module, number=1,
                                         question_ids=[question.pk])
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:  # rows as the old schema allowed them
            for _ in range(3):
                cursor.execute(
                    f'INSERT INTO "{Response._meta.db_table}" (submission_id, user_id, question_id, module_id, '
                    "course_id, quiz_attempt_id, answer, is_correct, score, attempt_number, created) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)",
                    [_uuid(uuid.uuid4()), user.pk, question.pk, module.pk, module.course_id, _uuid(attempt.pk),
                     "1", False, 0.0, 1])
    finally:
        _migrate(AFTER)

    first, *later = Response.objects.filter(user=user).order_by("id")
    assert first.quiz_attempt_id == attempt.pk
    assert len(later) == 2 and all(r.quiz_attempt_id is None for r in later), "kept in the log, out of the quiz"
