"""``setup_demo --simulated-learners``: the demo shows adaptive against fixed from the first view."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from adaptive import registry
from lms.analytics.management.commands.setup_demo import DEMO_CONTROL_SHARE
from lms.content.models import Course
from lms.learning.models import Enrollment
from tests.lms.conftest import client_for


@pytest.fixture
def demo(db, tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    call_command("setup_demo", simulated_learners=20, verbosity=0)
    yield
    registry.forget()


def test_it_gives_the_demo_a_control_group_on_both_paths(demo) -> None:
    course = Course.objects.get(slug="data-literacy")
    assert course.control_share == DEMO_CONTROL_SHARE
    sims = Enrollment.objects.filter(course=course, user__username__startswith="sim-")
    assert sims.filter(path=Enrollment.FIXED).exists() and sims.filter(path=Enrollment.ADAPTIVE).exists()
    own = Enrollment.objects.filter(course=course, user__username__in=["learner", "learner2"])
    assert sorted(own.values_list("path", flat=True)) == [Enrollment.ADAPTIVE] * 2, "the demo's own learners adapt"


def test_it_fills_the_compare_page_from_the_first_view(demo) -> None:
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    response = client_for(manager).get(reverse("analytics_compare"), {"course": "data-literacy"})
    sizes = response.context["result"]["sizes"]
    fixed = Enrollment.objects.filter(course__slug="data-literacy", path=Enrollment.FIXED).count()
    assert sizes["fixed"] == fixed > 0 and sizes["adaptive"] > 0
    completion = response.context["result"]["rows"][2][2]
    assert completion.n_a == sizes["adaptive"] and completion.value_a > 0, "progress caught up at set-up"


def test_it_changes_nothing_when_run_again(demo) -> None:
    before = (Enrollment.objects.count(), Course.objects.get(slug="data-literacy").control_share)
    call_command("setup_demo", simulated_learners=20, verbosity=0)
    assert (Enrollment.objects.count(), Course.objects.get(slug="data-literacy").control_share) == before
