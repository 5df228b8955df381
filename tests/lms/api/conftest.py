"""Fixtures of the API tests: plain HTTP and a small catalogue of content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lms.content.models import Course, Module, Question, Skill
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    """The test client speaks plain HTTP, and there is no collectstatic manifest in tests."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class Catalogue:
    course: Course
    module: Module
    single: Question
    multiple: Question
    true_false: Question
    numeric: Question
    short_text: Question
    skill: Skill
    hidden_course: Course
    hidden_module: Module
    hidden_question: Question


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    skill = SkillFactory(slug="fractions", name="Fractions")
    course = CourseFactory(slug="maths", title="Maths")
    module = ModuleFactory(course=course, slug="adding", title="Adding")
    single = QuestionFactory(key="add-single")
    multiple = QuestionFactory(key="add-multiple", type=Question.MULTIPLE)
    true_false = QuestionFactory(key="add-tf", type=Question.TRUE_FALSE, true_false_answer=True)
    numeric = QuestionFactory(key="add-num", type=Question.NUMERIC, numeric_answer=4.0, numeric_tolerance=0.1)
    short_text = QuestionFactory(key="add-text", type=Question.SHORT_TEXT, accepted_answers=["four"])
    for question in (single, multiple, true_false, numeric, short_text):
        question.skills.add(skill)
    add_to_quiz(module, single, multiple, true_false, numeric, short_text)
    hidden_course = CourseFactory(slug="draft", title="Draft", published=False)
    hidden_module = ModuleFactory(course=hidden_course, slug="secret", title="Secret")
    hidden_question = QuestionFactory(key="secret-q")
    hidden_question.skills.add(skill)
    add_to_quiz(hidden_module, hidden_question)
    return Catalogue(course, module, single, multiple, true_false, numeric, short_text, skill,
                     hidden_course, hidden_module, hidden_question)
