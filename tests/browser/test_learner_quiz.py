"""A learner signs in, opens a module, answers a question and gets feedback and the next question,
in a real browser on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from lms.content.models import Module
from lms.learning.models import QuizAttempt, Response
from tests.browser.csp import watch_csp
from tests.browser.session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_quiz_question_in_the_browser(live_server, page, screenshot_dir) -> None:
    call_command("setup_demo", verbosity=0)
    module = Module.objects.filter(course__slug="data-literacy").order_by("order").first()
    csp_violations = watch_csp(page)

    sign_in(page, live_server.url, "learner", "learn-with-pathwise")
    page.get_by_role("heading", name="Catalogue").wait_for()

    page.goto(f"{live_server.url}{module.get_absolute_url()}")
    page.get_by_role("heading", level=1, name=module.title).wait_for()
    page.screenshot(path=str(screenshot_dir / "module.png"), full_page=True)
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_text(re.compile(r"Question 1 · up to \d+")).wait_for()
    url_before = page.url
    first_question = QuizAttempt.objects.get(user__username="learner", module=module).current_question

    # Sending nothing shows the form's error in place (a 422 that htmx swaps in), announced as an alert.
    page.get_by_role("button", name="Check answer").click()
    page.get_by_role("alert").wait_for()
    assert page.url == url_before
    assert Response.objects.filter(user__username="learner").count() == 0

    # Answer whatever the first question is, correctly, using its own controls.
    if first_question.type in ("single_choice", "multiple_choice"):
        for choice in first_question.choices.filter(is_correct=True):
            page.get_by_label(choice.text, exact=True).check()
    elif first_question.type == "true_false":
        page.get_by_label("True" if first_question.true_false_answer else "False", exact=True).check()
    elif first_question.type == "numeric":
        page.get_by_label("Your answer").fill(f"{first_question.numeric_answer:g}")
    else:
        page.get_by_label("Your answer").fill(first_question.accepted_answers[0])
    page.screenshot(path=str(screenshot_dir / "question.png"), full_page=True)
    page.get_by_role("button", name="Check answer").click()

    page.get_by_role("heading", name="Correct").wait_for()
    assert page.url == url_before, "feedback arrives without a full page load"
    page.get_by_role("heading", name="Why").wait_for()
    page.screenshot(path=str(screenshot_dir / "feedback.png"), full_page=True)

    page.get_by_role("link", name="Next question").click()
    page.get_by_text(re.compile(r"Question 2 · up to \d+")).wait_for()
    assert page.url == url_before
    page.screenshot(path=str(screenshot_dir / "next-question.png"), full_page=True)
    assert csp_violations == [], "the pages and htmx work under the Content-Security-Policy"
