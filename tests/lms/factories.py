"""Factories for test data. Build what a test needs in the test, not in fixture files."""

from __future__ import annotations

import uuid

import factory
from django.contrib.auth import get_user_model

from lms.accounts.models import Team
from lms.accounts.services import user_set_role
from lms.content.models import Choice, Course, Module, ModuleQuestion, Question, Skill
from lms.learning.models import Enrollment

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.save()
        user_set_role(user=self, role=extracted or "learner")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course used in tests."


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    body = "# Heading\n\nSome **text**."
    order = factory.Sequence(lambda n: n)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"q-{n}")
    type = Question.SINGLE
    stem = "What is 2 + 2?"
    explanation = "Two and two make four."
    difficulty = 2

    @factory.post_generation
    def with_choices(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if self.type in Question.CHOICE_TYPES and extracted is not False:
            Choice.objects.create(question=self, text="3", is_correct=False, order=0, feedback="Count again.")
            Choice.objects.create(question=self, text="4", is_correct=True, order=1)
            Choice.objects.create(question=self, text="5", is_correct=self.type == Question.MULTIPLE, order=2)


def add_to_quiz(module: Module, *questions: Question) -> None:
    start = module.module_questions.count()
    for i, q in enumerate(questions):
        ModuleQuestion.objects.create(module=module, question=q, order=start + i)


def enrol(user: User, course: Course) -> Enrollment:  # type: ignore[valid-type]
    return Enrollment.objects.get_or_create(user=user, course=course)[0]


def new_submission_id() -> str:
    return str(uuid.uuid4())
