"""The demo manager opens every dashboard in Chromium, applies a filter (htmx swaps the report and
pushes the address), sorts the heatmap, opens a learner and writes a coach's note. Screenshots go
to test-results/screenshots/dashboards/."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command

from adaptive import registry
from adaptive.services import learner_state_advance, model_version_train
from lms.accounts.models import Team
from lms.analytics.services import analytics_refresh, model_health_check
from lms.content.models import Course
from lms.learning.models import Enrollment
from lms.learning.services import enrollment_refresh_progress
from lms.learning.simulation import simulate_course_activity
from tests.browser.csp import watch_csp
from tests.browser.session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_activity(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    call_command("setup_demo", verbosity=0)
    team = Team.objects.get(slug="demo-team")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=24, seed=3, days=14, team=team, completion_share=0.5)
    sims = Enrollment.objects.filter(course=course, user__username__startswith="sim-").order_by("user__username")
    Enrollment.objects.filter(pk__in=[e.pk for e in sims][::3]).update(path=Enrollment.FIXED)
    model_version_train(model_name="pfa", min_learners=20)
    for enrollment in sims:
        enrollment_refresh_progress(enrollment_id=enrollment.pk)  # what the worker does after each answer
        learner_state_advance(user_id=enrollment.user_id)
    analytics_refresh()
    model_health_check(window_days=30)
    yield course
    registry.forget()


def test_it_shows_every_dashboard_to_the_demo_manager(demo_activity, live_server, browser, screenshot_dir) -> None:
    shots = screenshot_dir / "dashboards"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = watch_csp(page)

    sign_in(page, live_server.url, "manager", "manage-with-pathwise")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("heading", level=1, name="Who needs help this week").wait_for()  # the landing page
    page.get_by_role("navigation", name="Dashboards").get_by_role("link", name="Overview").click()
    page.get_by_role("heading", level=1, name="Team overview").wait_for()
    page.screenshot(path=str(shots / "01-overview.png"), full_page=True)

    # A filter through htmx: the report is swapped in place and the address records the filter.
    page.get_by_role("combobox", name="Course").select_option(label="Data literacy")
    marker = page.evaluate("() => (window.__notReloaded = true)")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"course=data-literacy"))
    page.locator("#report .kpis").wait_for()
    assert page.evaluate("() => window.__notReloaded === true") == marker, "the filter did not reload the page"
    page.screenshot(path=str(shots / "02-overview-filtered.png"), full_page=True)

    page.get_by_role("link", name="Mastery heatmap").click()
    page.get_by_role("heading", level=1, name="Mastery heatmap").wait_for()
    assert "course=data-literacy" in page.url, "the other dashboards keep the filter applied with htmx"
    first_skill = page.locator("th.skill-col a").first
    first_skill.click()
    page.wait_for_url(re.compile(r"sort="))
    page.screenshot(path=str(shots / "03-heatmap-sorted.png"), full_page=True)

    page.locator("table.heatmap tbody th a").last.click()  # sorted by mastery: the last one has answered
    page.get_by_role("heading", name="Mastery trajectory").wait_for()
    page.get_by_label("Coach's note").fill("Good progress; suggest the review module next.")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Good progress; suggest the review module next.", exact=True).wait_for()
    page.screenshot(path=str(shots / "04-learner.png"), full_page=True)

    for link, heading, name in [("At risk", "At-risk learners", "05-at-risk"),
                                ("Content quality", "Content quality", "06-content"),
                                ("Adaptive vs fixed", "Adaptive vs fixed course order", "07-compare"),
                                ("Model health", "Learner model health", "08-model")]:
        page.get_by_role("navigation", name="Dashboards").get_by_role("link", name=link).click()
        page.get_by_role("heading", level=1, name=heading).wait_for()
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/analytics/?course=data-literacy")
    page.screenshot(path=str(shots / "09-overview-print.png"), full_page=True)
    page.emulate_media(media="screen")

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    phone_page = phone.new_page()
    phone_page.context.add_cookies(context.cookies())
    phone_page.goto(f"{live_server.url}/analytics/heatmap/?course=data-literacy")
    phone_page.get_by_role("heading", level=1, name="Mastery heatmap").wait_for()
    phone_page.screenshot(path=str(shots / "10-heatmap-phone.png"), full_page=True)
    phone.close()
    context.close()
    assert csp_violations == [], "the dashboards and htmx work under the Content-Security-Policy"
