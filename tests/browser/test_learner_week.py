"""A learner's week on their dashboard: the days practised toward their goal, a skill mastered this
week, what the last day of practice improved, and the goal changed from the page; scanned with
axe-core (no serious or critical violations) at phone and desktop widths. Screenshots and axe
reports go to test-results/screenshots/learner-week/."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from adaptive.models import Decision
from lms.learning.models import Response, WeeklyGoal
from tests.browser.axe import serious_violations
from tests.browser.csp import watch_csp
from tests.browser.session import sign_in
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, UserFactory, enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner():  # type: ignore[no-untyped-def]
    learner = UserFactory(username="lena", first_name="Lena", role="learner")
    course = CourseFactory(title="Statistics", mastery_threshold=0.8)
    course.skills.add(SkillFactory(slug="averages", name="Averages"), SkillFactory(slug="spread", name="Spread"))
    module = ModuleFactory(course=course, title="Means and medians")
    enrol(learner, course)
    now = timezone.now()
    # Answers a week ago, then today: the mastery each module decision stored after them.
    for when, mastery in ((now - timedelta(days=8), {"averages": 0.55, "spread": 0.4}),
                          (now - timedelta(minutes=5), {"averages": 0.86, "spread": 0.52})):
        response = Response.objects.create(
            submission_id=uuid.uuid4(), user=learner, question=QuestionFactory(), module=module, course=course,
            answer=[1], is_correct=True, score=1.0, attempt_number=1, created=when)
        Decision.objects.create(user=learner, kind=Decision.MODULE, course=course, response=response, module=module,
                                reason="test", mastery=mastery)
    return learner


@pytest.mark.parametrize("width", [390, 1280])
def test_the_learner_sees_their_week_and_sets_a_goal(learner, live_server, browser, screenshot_dir,
                                                      width: int) -> None:
    shots = screenshot_dir / "learner-week"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = watch_csp(page)

    sign_in(page, live_server.url, "lena", "correct-horse-battery")
    week = page.locator("section.momentum")
    week.get_by_role("heading", level=2, name="This week").wait_for()
    assert "1 of 3 days of practice this week" in week.inner_text()
    bar = page.get_by_label("1 of 3 days of practice this week")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("1", "3")
    celebration = week.locator(".celebrate")
    assert "Skill mastered this week" in celebration.inner_text() and "Averages" in celebration.inner_text()
    assert "Spread" not in celebration.inner_text()
    page.screenshot(path=str(shots / f"{width}-01-week.png"), full_page=True, caret="initial")
    assert serious_violations(page, shots / f"axe-{width}-week.json") == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")

    week.get_by_text("Change your weekly goal").click()
    week.get_by_label("Days of practice a week").select_option(label="1 day a week")
    week.get_by_role("button", name="Save goal").click()
    page.get_by_text("Your goal is now 1 day of practice a week.").wait_for()
    assert "Weekly goal reached. Well done!" in page.locator("section.momentum").inner_text()
    assert WeeklyGoal.objects.get(user=learner).days_per_week == 1
    page.screenshot(path=str(shots / f"{width}-02-goal-reached.png"), full_page=True, caret="initial")
    assert serious_violations(page, shots / f"axe-{width}-goal-reached.json") == []
    assert csp_violations == [], "\n".join(csp_violations)
    context.close()
