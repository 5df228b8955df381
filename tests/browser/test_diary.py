"""The demo learner finishes a module, writes a diary entry from the summary page and finds it on the
diary page, with their confidence next to what their answers suggest; on a phone-sized screen."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from adaptive.models import LearnerState
from lms.content.models import Module
from lms.learning.models import Response
from lms.learning.services import quiz_attempt_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_writes_a_diary_entry_after_a_module(live_server, page, screenshot_dir) -> None:
    shots = screenshot_dir / "diary"
    shots.mkdir(parents=True, exist_ok=True)
    call_command("setup_demo", verbosity=0)
    learner = get_user_model().objects.get(username="learner")
    module = Module.objects.filter(course__slug="data-literacy").order_by("order").first()
    skills = list(module.skills.order_by("name"))
    assert skills, "the first demo module teaches at least one skill"
    # A finished attempt, as if the learner had just answered the module's quiz (two in three right).
    attempt = quiz_attempt_start(user=learner, module=module)
    for i, question_id in enumerate(attempt.question_ids):
        Response.objects.create(
            submission_id=uuid.uuid4(), user=learner, question_id=question_id, module=module, course=module.course,
            quiz_attempt=attempt, answer="recorded by the test", is_correct=i % 3 != 2, score=float(i % 3 != 2),
            time_taken_ms=25_000, attempt_number=1,
        )
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["finished_at"])
    LearnerState.objects.update_or_create(user=learner, defaults={"mastery": {skills[0].slug: 0.55}})

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill("learn-with-pathwise")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="A minute for your diary?").wait_for()
    page.screenshot(path=str(shots / "dashboard-invitation.png"), full_page=True)
    # "Not today" hides the invitation in place, and it stays hidden for the day.
    dashboard = page.url
    page.get_by_role("button", name="Not today").click()
    page.get_by_role("heading", name="A minute for your diary?").wait_for(state="detached")
    assert page.url == dashboard
    page.reload()
    page.get_by_role("heading", level=1).wait_for()
    assert page.get_by_role("heading", name="A minute for your diary?").count() == 0

    page.goto(f"{live_server.url}/quiz/{attempt.pk}/summary/")
    page.get_by_role("heading", name="Your learning diary").wait_for()
    page.screenshot(path=str(shots / "summary-invitation.png"), full_page=True)
    page.get_by_role("link", name="Write in my diary").click()

    page.get_by_role("heading", level=1, name=f"Reflect on {module.title}").wait_for()
    page.get_by_label("What did you study?").fill("Kinds of data: categories, counts and measurements.")
    page.get_by_label("Practice questions").check()
    page.get_by_label("Something else that helped").fill("Sorting my shopping list by type")
    group = page.get_by_role("group", name=f"How confident do you feel about {skills[0].name}?")
    group.get_by_label("5 · very").check()
    page.screenshot(path=str(shots / "entry-form.png"), full_page=True)
    page.get_by_role("button", name="Save in my diary").click()

    page.get_by_role("heading", level=1, name="My learning diary").wait_for()
    page.get_by_text("Saved in your diary.").wait_for()
    page.get_by_text("Kinds of data: categories, counts and measurements.").first.wait_for()
    page.get_by_text(f"You rated {skills[0].name} 5/5; your answers suggest 55%: overconfident.").first.wait_for()
    assert page.get_by_role("link", name="Download as Markdown").is_visible()
    page.screenshot(path=str(shots / "diary.png"), full_page=True)

    # Sharing is one click, without leaving the page.
    url = page.url
    page.get_by_role("button", name="Share with my managers").first.click()
    page.get_by_text("Shared with your managers").first.wait_for()
    assert page.url == url
    page.screenshot(path=str(shots / "diary-shared.png"), full_page=True)

    # Back on the summary, the invitation now links to the entry.
    page.goto(f"{live_server.url}/quiz/{attempt.pk}/summary/")
    page.get_by_role("link", name="Read your entry").wait_for()

    # The learner's manager sees that a diary is kept, and reads only the entry that was shared.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("manage-with-pathwise")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1).wait_for()
    page.goto(f"{live_server.url}/diary/team/")
    row = page.get_by_role("row", name=re.compile(r"^learner\b"))
    assert row.get_by_role("cell").nth(0).inner_text() == "1"  # entries
    assert row.get_by_role("cell").nth(1).inner_text() == "1"  # shared
    page.screenshot(path=str(shots / "manager-team-diaries.png"), full_page=True)
    page.get_by_role("link", name=re.compile(r"^learner, ")).click()
    page.get_by_text("Kinds of data: categories, counts and measurements.").wait_for()
    assert page.get_by_text("55%").count() == 0  # the ratings, never the model's estimates
    page.screenshot(path=str(shots / "manager-shared-entry.png"), full_page=True)
