"""Fixtures for the Django layer of ``adaptive``: the demo course with simulated activity."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache

from adaptive import registry
from lms.content.models import Course
from lms.content.packages.writing import course_package_import
from lms.learning.simulation import simulate_course_activity
from tests.lms.conftest import _eager_celery, _fresh_course_structures, people  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _isolated_models(tmp_path, settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    yield
    registry.forget()


@pytest.fixture
def course_with_activity(db: None) -> Course:
    course_package_import(path=settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=60, seed=1, days=20)
    return course
