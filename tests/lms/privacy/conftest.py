"""A course, and learners with a real history: answers given through the quiz (the learner model
updating their state and making its decisions), a diary entry, an assignment, an email and a
calendar address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from adaptive.services import assignment_create
from lms.content.models import Course, Module, Question
from lms.diary.services import diary_entry_create
from lms.learning.models import Response
from lms.learning.services import quiz_attempt_start, response_process, response_submit
from lms.notifications.models import Email
from lms.notifications.services import calendar_feed_renew
from tests.lms.conftest import People
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz, enrol


@dataclass
class Catalogue:
    course: Course
    module: Module
    questions: list[Question]


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    skill = SkillFactory(slug="averages", name="Averages")
    course = CourseFactory(slug="stats", title="Statistics")
    module = ModuleFactory(course=course, slug="means", title="Means")
    module.skills.add(skill)
    questions = []
    for n in range(6):
        q = QuestionFactory(key=f"mean-{n}", stem=f"Question {n} about means")
        q.skills.add(skill)
        questions.append(q)
    add_to_quiz(module, *questions)
    return Catalogue(course, module, questions)


def answer_quiz(user: object, catalogue: Catalogue, right: list[bool]) -> list[Response]:
    """Answer the module's quiz through the product's services, the worker's step included."""
    enrol(user, catalogue.course)
    attempt = quiz_attempt_start(user=user, module=catalogue.module)
    responses = []
    for correct in right:
        attempt.refresh_from_db()
        if attempt.current_question is None:
            break  # the quiz ended
        question = attempt.current_question  # the question the quiz asks now
        choice = question.choices.get(is_correct=correct) if correct else question.choices.filter(
            is_correct=False).first()
        result = response_submit(user=user, question=question, module=catalogue.module, answer=choice.pk,
                                 submission_id=uuid.uuid4(), time_taken_ms=4000, quiz_attempt=attempt)
        response_process(response_id=result.response.pk)
        responses.append(result.response)
    assert len(responses) == len(right), f"the quiz ended after {len(responses)} answers of {len(right)}"
    return responses


def give_history(user: object, catalogue: Catalogue, manager: object, diary_text: str) -> None:
    answer_quiz(user, catalogue, [True, False, True, True])
    diary_entry_create(user=user, submission_id=uuid.uuid4(), studied=diary_text, methods=["notes"],
                       module=catalogue.module)
    assignment = assignment_create(module=catalogue.module, assigned_by=manager, learner=user, team=None, due=None)
    Email.objects.create(recipient=user, kind=Email.ASSIGNED, assignment=assignment, status=Email.SENT)
    calendar_feed_renew(user=user)


@pytest.fixture
def histories(people: People, catalogue: Catalogue) -> Catalogue:
    give_history(people.learner, catalogue, people.manager, "Alice's notes on the mean")
    give_history(people.teammate, catalogue, people.manager, "Bob's notes on the median")
    return catalogue
