"""The reads of the learner's records after an answer (answer_context, responses_since, module_standing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from adaptive.core.policy import LOOP_WINDOW
from adaptive.models import Assignment, Decision
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.learning.selectors import answer_context, module_standing, responses_since
from lms.learning.services import quiz_attempt_next_question, quiz_attempt_start, response_submit
from tests.lms.factories import (
    ModuleFactory,
    QuestionFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
    add_to_quiz,
    enrol,
    new_submission_id,
)


def _answer(user, module, question, attempt=None):  # type: ignore[no-untyped-def]
    right = question.choices.get(is_correct=True)
    if attempt is not None:
        assert quiz_attempt_next_question(attempt=attempt) == question.pk, "questions in the module's order"
    return response_submit(user=user, question=question, module=module, answer=right.pk,
                           submission_id=new_submission_id(), quiz_attempt=attempt).response


@pytest.fixture
def quiz(db: None):  # type: ignore[no-untyped-def]
    module = ModuleFactory(course__published=True)
    questions = [QuestionFactory() for _ in range(3)]
    add_to_quiz(module, *questions)
    return module, questions


def test_it_reads_an_answers_learner_course_and_attempt(quiz) -> None:  # type: ignore[no-untyped-def]
    module, questions = quiz
    user = UserFactory()
    enrol(user, module.course)
    attempt = quiz_attempt_start(user=user, module=module)
    response = _answer(user, module, questions[0], attempt)

    context = answer_context(response.pk)
    assert context is not None
    assert (context.response_id, context.user_id, context.course.pk) == (response.pk, user.pk, module.course_id)
    assert context.course.target_success == module.course.target_success
    assert isinstance(context.attempt, QuizAttempt) and context.attempt.pk == attempt.pk
    assert context.attempt.question_ids == attempt.question_ids and context.attempt.course is context.course
    assert context.fixed is False


def test_it_reads_an_answer_outside_a_quiz_and_the_fixed_order(quiz) -> None:  # type: ignore[no-untyped-def]
    module, questions = quiz
    user = UserFactory()
    Enrollment.objects.create(user=user, course=module.course, path=Enrollment.FIXED)
    response = _answer(user, module, questions[0])

    context = answer_context(response.pk)
    assert context is not None and context.attempt is None and context.fixed is True
    assert answer_context(response.pk + 1000) is None


def test_it_splits_new_responses_from_the_attempts_answers(quiz) -> None:  # type: ignore[no-untyped-def]
    module, questions = quiz
    user, other = UserFactory(), UserFactory()
    enrol(user, module.course)
    enrol(other, module.course)
    outside = _answer(user, module, questions[2])  # before the quiz, outside it
    attempt = quiz_attempt_start(user=user, module=module)
    first = _answer(user, module, questions[0], attempt)
    _answer(other, module, questions[0])  # someone else's answer is never read
    second = _answer(user, module, questions[1], attempt)

    new, answered = responses_since(user.pk, outside.pk, second.pk, attempt.pk)
    assert [r.id for r in new] == [first.pk, second.pk]
    assert new[0].question_key == questions[0].key and new[0].is_correct is True
    first.refresh_from_db()
    assert new[0].created == first.created and new[0].created.tzinfo is not None, "when it was answered, as stored"
    first.refresh_from_db()
    second.refresh_from_db()
    assert answered == [(first.pk, questions[0].pk, first.score), (second.pk, questions[1].pk, second.score)], \
        "each answer of the attempt with its score, read with the new responses"

    new, answered = responses_since(user.pk, 0, first.pk, attempt.pk)
    assert [r.id for r in new] == [outside.pk, first.pk], "up to the given answer, outside the quiz too"
    assert [a.response_id for a in answered] == [first.pk, second.pk], "the attempt's answers whatever the bound"

    new, answered = responses_since(user.pk, second.pk)
    assert new == [] and answered == []


def test_it_reads_where_a_learner_stands_with_a_courses_modules(db: None) -> None:
    first = ModuleFactory(course__published=True)
    second, third = ModuleFactory(course=first.course), ModuleFactory(course=first.course)
    elsewhere = ModuleFactory(course__published=True)
    user, other = UserFactory(), UserFactory()
    team, other_team = TeamFactory(), TeamFactory()
    team.members.add(user)
    other_team.members.add(other)
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for number, finished in enumerate([day, day + timedelta(days=3), None], start=1):
        QuizAttempt.objects.create(user=user, course=first.course, module=first, number=number, question_ids=[],
                                   finished_at=finished)
    QuizAttempt.objects.create(user=other, course=first.course, module=second, number=1, question_ids=[],
                               finished_at=day + timedelta(days=9))
    ModuleCompletion.objects.create(user=user, module=first, completed_at=day)
    ModuleCompletion.objects.create(user=user, module=third, completed_at=day)  # no attempt: date unknown
    ModuleCompletion.objects.create(user=other, module=second, completed_at=day)
    ModuleCompletion.objects.create(user=user, module=elsewhere, completed_at=day)
    Assignment.objects.create(module=second, learner=user, due=date(2026, 12, 1))
    Assignment.objects.create(module=third, team=team)
    Assignment.objects.create(module=first, team=other_team, due=date(2026, 12, 5))  # not the learner's team
    Assignment.objects.create(module=elsewhere, learner=user)  # another course

    standing = module_standing(user.pk, first.course_id)
    assert standing.completed == {first.pk, third.pk}
    assert standing.last_studied == {first.pk: day + timedelta(days=3)}, "the latest finished attempt"
    assert sorted(standing.assigned) == sorted([(second.pk, date(2026, 12, 1)), (third.pk, None)])


def test_it_reads_the_latest_finished_quizzes_with_the_mastery_decided_after_them(quiz) -> None:  # type: ignore[no-untyped-def]
    module, questions = quiz
    other = ModuleFactory(course=module.course)
    user = UserFactory()
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    attempts = []
    for number in range(1, LOOP_WINDOW + 3):
        on = module if number % 2 else other
        attempts.append(QuizAttempt.objects.create(user=user, course=module.course, module=on, number=number,
                                                   question_ids=[], finished_at=day + timedelta(days=number)))
    QuizAttempt.objects.create(user=user, course=module.course, module=module, number=99, question_ids=[])
    last = attempts[-1]
    first, second = (Response.objects.create(submission_id=new_submission_id(), user=user, question=q,
                                             module=last.module, course=module.course, quiz_attempt=last,
                                             answer={}, is_correct=True, score=1.0, attempt_number=1)
                     for q in questions[:2])
    for response, level in ((first, 0.4), (second, 0.5)):
        Decision.objects.create(user=user, kind=Decision.MODULE, course=module.course, response=response,
                                module=module, reason="-", mastery={"skill": level})

    history = module_standing(user.pk, module.course_id).history
    assert [s.finished for s in history] == [a.finished_at for a in attempts[-LOOP_WINDOW:]], "latest, oldest first"
    assert [s.module for s in history] == [a.module_id for a in attempts[-LOOP_WINDOW:]]
    assert history[-1].mastery == {"skill": 0.5}, "the decision after the quiz's last answer with one"
    assert all(s.mastery == {} for s in history[:-1])


def test_it_counts_a_learners_answers_in_the_course_per_skill_every_tagged_skill_included(quiz) -> None:  # type: ignore[no-untyped-def]
    module, questions = quiz
    tables, charts = SkillFactory(slug="tables"), SkillFactory(slug="charts")
    questions[0].skills.add(tables)
    questions[1].skills.add(tables, charts)  # both skills practised by one answer
    elsewhere = ModuleFactory(course__published=True)
    add_to_quiz(elsewhere, questions[0])
    user, other = UserFactory(), UserFactory()
    for _ in range(2):
        _answer(user, module, questions[0])
    _answer(user, module, questions[1])
    _answer(user, module, questions[2])  # no skill: not counted
    _answer(user, elsewhere, questions[0])  # another course
    _answer(other, module, questions[1])  # another learner

    assert module_standing(user.pk, module.course_id).practice == {"tables": 3, "charts": 1}
    assert module_standing(user.pk, elsewhere.course_id).practice == {"tables": 1}
    assert module_standing(UserFactory().pk, module.course_id).practice == {}
