"""The demo manager's week: the This week page (the Dashboards landing page) with a note and an
assignment made from it, and the team page searched, sorted and used to assign a module to two
ticked learners; each page scanned with axe-core (no serious or critical violations) at desktop and
phone widths. Screenshots and axe reports go to test-results/screenshots/manager-week/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from adaptive import registry
from adaptive.models import Assignment, LearnerState
from lms.accounts.models import Team
from lms.analytics.models import CoachNote
from lms.analytics.services import analytics_refresh
from lms.content.models import Course
from lms.learning.models import Enrollment
from lms.learning.simulation import simulate_course_activity
from tests.browser.axe import serious_violations
from tests.browser.csp import watch_csp
from tests.browser.session import sign_in
from tests.lms.analytics.conftest import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_week(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    call_command("setup_demo", verbosity=0)
    team = Team.objects.get(slug="demo-team")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=28, seed=4, days=40, team=team, completion_share=0.3)
    sims = list(Enrollment.objects.filter(course=course, user__username__startswith="sim-").select_related("user")
                .order_by("user__username"))
    struggling, idle = sims[0].user, sims[1].user
    question = course.modules.order_by("order").first().quiz_questions()[0]
    now = timezone.now()
    for minutes in (40, 30, 20, 10):  # four wrong answers in a row, just now
        answer(struggling, question, False, now - timedelta(minutes=minutes))
    LearnerState.objects.update_or_create(user=struggling, defaults={"mastery": {}})
    Assignment.objects.create(module=course.modules.order_by("order").last(), learner=idle,
                              due=timezone.localdate() + timedelta(days=2))
    analytics_refresh()
    yield struggling
    registry.forget()


def _page_fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_manager_sees_who_needs_help_and_acts(demo_week, live_server, browser, screenshot_dir) -> None:
    shots = screenshot_dir / "manager-week"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = watch_csp(page)

    sign_in(page, live_server.url, "manager", "manage-with-pathwise")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("heading", level=1, name="Who needs help this week").wait_for()
    def item():  # type: ignore[no-untyped-def]
        return page.locator(".week-item").filter(has=page.get_by_role("heading", level=2,
                                                                       name=demo_week.get_full_name(), exact=True))

    first = item()
    assert "4 wrong answers in a row" in first.inner_text()
    assert page.locator(".week-item").count() <= 10
    page.screenshot(path=str(shots / "01-this-week.png"), full_page=True)
    assert serious_violations(page, shots / "axe-this-week.json") == []

    first.get_by_text("Add a note").click()
    first.get_by_label(re.compile("^Note on")).fill("Spoke to them about the basics; pairing with a colleague.")
    first.get_by_role("button", name="Save note").click()
    page.get_by_text(re.compile("^Note saved on")).wait_for()
    assert CoachNote.objects.get().learner == demo_week

    first = item()
    assert first.locator("details.suggested summary").inner_text().startswith("Assign a module"), "suggested first"
    first.get_by_text("Assign a module").click()
    first.get_by_role("button", name="Assign").click()  # the suggested module is chosen already
    page.get_by_text(re.compile(f"is assigned to {demo_week.get_full_name()}")).wait_for()
    assert Assignment.objects.filter(learner=demo_week).exists()
    page.screenshot(path=str(shots / "02-this-week-after-actions.png"), full_page=True)

    page.get_by_role("navigation", name="Dashboards").get_by_role("link", name="At risk").click()
    page.get_by_role("heading", level=1, name="At-risk learners").wait_for()
    assert page.locator("#report table tbody tr").count() <= 10
    page.screenshot(path=str(shots / "02b-at-risk-short-list.png"), full_page=True)
    assert serious_violations(page, shots / "axe-at-risk.json") == []
    page.get_by_role("link", name=re.compile("^See all .* flagged enrolments")).click()
    page.get_by_text("Back to the short list").wait_for()
    assert serious_violations(page) == []

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    phone_page = phone.new_page()
    phone_page.context.add_cookies(context.cookies())
    phone_page.goto(f"{live_server.url}/analytics/week/")
    phone_page.get_by_role("heading", level=1, name="Who needs help this week").wait_for()
    phone_page.screenshot(path=str(shots / "03-this-week-phone.png"), full_page=True)
    assert _page_fits(phone_page), "the page scrolls sideways on a phone"
    assert serious_violations(phone_page) == []
    phone.close()
    context.close()
    assert csp_violations == []


def test_the_manager_finds_sorts_and_assigns_on_the_team_page(demo_week, live_server, browser,
                                                             screenshot_dir) -> None:
    shots = screenshot_dir / "manager-week"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = watch_csp(page)
    sign_in(page, live_server.url, "manager", "manage-with-pathwise")

    page.get_by_role("link", name="Teams").first.click()
    page.get_by_role("link", name="Demo team").click()
    page.get_by_role("heading", level=1, name="Demo team").wait_for()
    assert "Page 1 of 2" in page.locator("nav.pager").inner_text()  # 30 learners, 25 a page
    assert serious_violations(page, shots / "axe-team.json") == []
    page.screenshot(path=str(shots / "04-team.png"), full_page=True)

    page.get_by_label("Module", exact=True).select_option(index=1)
    page.get_by_role("button", name="Assign to the ticked learners").click()  # nothing ticked
    page.get_by_role("alert").filter(has_text="Tick at least one learner").wait_for()
    assert serious_violations(page) == [], "the page with its error"

    page.get_by_label("Search by name").fill("learner 1")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=learner"))
    page.get_by_role("link", name="Last active").click()
    page.wait_for_url(re.compile(r"sort=last_active"))
    assert page.locator("th[aria-sort]").inner_text().startswith("Last active")
    rows = page.locator("table.team-table tbody tr")
    names = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
    assert names and all("learner 1" in n.lower() for n in names)
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    page.get_by_label("Module", exact=True).select_option(index=1)
    page.get_by_label("Due date (optional)").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Assign to the ticked learners").click()
    page.get_by_text(re.compile("is assigned to 2 learners, due")).wait_for()
    assert "sort=last_active" in page.url, "the list stays as it was"
    assert Assignment.objects.filter(learner__isnull=False, due=timezone.localdate() + timedelta(days=7)).count() == 2
    page.screenshot(path=str(shots / "05-team-assigned.png"), full_page=True)

    rows.nth(0).locator("th a").click()
    page.wait_for_url(re.compile(r"/analytics/learners/\d+/"))

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    phone_page = phone.new_page()
    phone_page.context.add_cookies(context.cookies())
    phone_page.goto(f"{live_server.url}/accounts/teams/demo-team/")
    phone_page.get_by_role("heading", level=1, name="Demo team").wait_for()
    phone_page.screenshot(path=str(shots / "06-team-phone.png"), full_page=True)
    assert _page_fits(phone_page), "the page scrolls sideways on a phone (only the table may)"
    assert serious_violations(phone_page) == []
    phone.close()
    context.close()
    assert csp_violations == []
