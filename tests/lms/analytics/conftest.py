"""A small course with hand-made activity for the dashboard tests: two skills, four questions,
answers at chosen times, and learner states written directly (as the real-time loop would)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from adaptive.models import LearnerState
from lms.content.models import Course, Question, Skill
from lms.learning.models import Enrollment, Response
from tests.lms.conftest import People
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz

NOW = timezone.now().replace(microsecond=0)


@dataclass
class World:
    people: People
    course: Course
    skills: list[Skill]
    questions: list[Question]


def answer(user: object, question: Question, correct: bool, when: datetime, course: Course | None = None) -> Response:
    """One response, numbered like the product numbers them (attempt 1 the first time)."""
    link = question.module_links.select_related("module__course").first()
    module = link.module
    attempt = Response.objects.filter(user=user, question=question).count() + 1
    return Response.objects.create(
        submission_id=uuid.uuid4(), user=user, question=question, module=module, course=course or module.course,
        answer={}, is_correct=correct, score=float(correct), attempt_number=attempt, created=when,
    )


def state(user: object, mastery: dict[str, float], peak: dict[str, float] | None = None) -> LearnerState:
    last = Response.objects.filter(user=user).order_by("-id").values_list("id", flat=True).first() or 0
    row, _ = LearnerState.objects.update_or_create(
        user=user, defaults={"mastery": mastery, "peak_mastery": peak or mastery, "last_response_id": last},
    )
    return row


def enrol(user: object, course: Course, path: str = Enrollment.ADAPTIVE, days_ago: float = 10,
          completed_days_ago: float | None = None) -> Enrollment:
    return Enrollment.objects.create(
        user=user, course=course, path=path, created=NOW - timedelta(days=days_ago),
        completed_at=None if completed_days_ago is None else NOW - timedelta(days=completed_days_ago),
    )


@pytest.fixture
def world(people: People) -> World:
    skills = [SkillFactory(slug="fractions", name="Fractions"), SkillFactory(slug="decimals", name="Decimals")]
    course = CourseFactory(slug="numbers", title="Numbers", mastery_threshold=0.8)
    questions = []
    for index, skill in enumerate(skills):
        module = ModuleFactory(course=course, slug=f"m{index}", title=f"Module {index}", order=index)
        module.skills.add(skill)
        for n in range(2):
            q = QuestionFactory(key=f"{skill.slug}-{n}")
            q.skills.add(skill)
            add_to_quiz(module, q)
            questions.append(q)
    return World(people, course, skills, questions)


@pytest.fixture
def isolated_models(tmp_path, settings):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    from adaptive import registry

    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    yield
    registry.forget()


@pytest.fixture
def trained(people: People, isolated_models: None) -> Course:
    """The demo course with simulated learners and a champion learner model (PFA, fast to train)."""
    from django.conf import settings

    from adaptive.services import model_version_promote, model_version_train
    from lms.content.packages.writing import course_package_import
    from lms.learning.simulation import simulate_course_activity

    course_package_import(path=settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=30, seed=1, days=6, team=people.team)
    # Promoted by hand: too few held-out learners here for the registry's comparison to be credible.
    model_version_promote(version=model_version_train(model_name="skill_elo", min_learners=20, promote=False).version)
    return course
