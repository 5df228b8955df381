"""At risk without alarm fatigue: on demo-like data most enrolments carry some warning sign, and the
page opens on a short list ranked by how much help each needs, the full table one link away."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from lms.analytics import selectors
from lms.analytics.services import analytics_refresh
from lms.content.models import Course
from lms.content.packages.writing import course_package_import
from lms.learning.simulation import simulate_course_activity
from tests.lms.conftest import client_for

URL = reverse("analytics_at_risk")


@pytest.fixture
def demo_like(people) -> Course:
    course_package_import(path=settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=60, seed=2, days=45, team=people.team)
    analytics_refresh()
    return course


def test_it_opens_on_a_short_ranked_list(demo_like, people) -> None:
    response = client_for(people.manager).get(URL)
    assert response.status_code == 200
    flagged, short = response.context["flagged"], response.context["short"]
    assert flagged >= 20, "the demo-like data should flag many enrolments, or this test shows nothing"
    assert 0 < len(short) <= selectors.SHORT_LIST < flagged
    scores = [c.score for c in short]
    assert scores == sorted(scores, reverse=True)
    assert all(c.reasons and c.score >= selectors.SHORT_LIST_MIN_SCORE for c in short)
    html = response.content.decode()
    assert f"See all {flagged} flagged enrolments in one table" in html


def test_it_shows_every_flagged_enrolment_behind_the_link(demo_like, people) -> None:
    response = client_for(people.manager).get(URL, {"view": "all"})
    assert response.context["page"].paginator.count == response.context["flagged"]
    assert "Back to the short list" in response.content.decode()
