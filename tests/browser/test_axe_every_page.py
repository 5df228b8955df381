"""Every HTML page of the product opened in Chromium and scanned with axe-core: no serious or critical
violation, at phone width (390 px) and at desktop width (1280 px).

The pages come from the authorization matrix (``tests/lms/test_authorization_matrix.py``): each GET
route there is opened as the least privileged person allowed to open it (anonymous for public pages,
then the learner, their manager, an admin), with the learner's own things filling its address. A
new route is scanned as soon as it has a rule there; one that is not an HTML page must be named in
``NOT_PAGES``, ``REDIRECTS`` or ``FRAGMENTS`` below with why, or this test fails on it. Each page's full axe report (every impact)
goes to test-results/screenshots/axe-every-page/. docs/accessibility.md records the last run.
"""

from __future__ import annotations

import random
import re
import shutil
import uuid
from dataclasses import replace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lms.content.models import Module, Question
from lms.learning.models import QuizAttempt
from lms.learning.services import quiz_attempt_next_question, quiz_attempt_start, response_submit
from lms.learning.simulation import simulated_answer
from tests.browser.axe import serious_violations
from tests.lms import test_authorization_matrix as matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = matrix.world  # the fixture: the people and the learner's own things

WIDTHS = (390, 1280)
# Least privileged first: the page as most of its readers see it.
PREFERENCE = ("anonymous", "learner", "manager", "admin")

# Routes that answer something other than an HTML page of the product, by the start of their path.
NOT_PAGES = {
    # Django's own admin (and the views hung under it) is the stock admin for superusers, whose
    # markup the project does not write; content admins use /author/, which is scanned.
    "admin/": "Django's admin",
    "api/": "JSON, the OpenAPI schema and the third-party Swagger UI and ReDoc viewers",
    "scim/": "SCIM JSON for identity providers",
    "lti/jwks/": "the tool's public keys as JSON",
    "calendar/": "an iCalendar feed",
    "images/": "a module's image file",
    "diary/export.md": "a Markdown download",
}
# Routes that only redirect, by name: the page they send to is scanned under its own route.
REDIRECTS = {
    "account_login": "allauth's sign-in address, sends to the site's sign-in page",
    "socialaccount_signup": "no sign-up form: sends to the sign-in page",
    "saml_acs": "a stray GET to the assertion consumer is sent on",
    "login_code": "without a pending code, sends to the sign-in page",
}
# Fragments that htmx swaps into a page (scanned there), not pages of their own.
FRAGMENTS = {"quiz_next": "the step after an answer, polled by the quiz page"}
# Pages refused to everyone by design, each with the explanation it shows; scanned as anonymous.
REFUSAL_PAGES = {"account_inactive": 403, "socialaccount_login_error": 401}
# Pages that answer an error status with an explanation when opened without what starts them.
ERROR_STATUS = {"lti_login": 400, "lti_deep_link": 400}
# Routes that redirect to the page a person lands on (the reset link to the new-password form); the
# landing page is scanned.
REDIRECTS_TO_A_PAGE = {"password_reset_confirm"}
# The world's quiz attempt is open (its question and feedback pages are scanned); the summary is
# shown for a finished one only, so it gets an attempt finished on another module.
FINISHED_ATTEMPT_ROUTES = {"quiz_summary"}


def _pages(world: matrix.World) -> list[tuple[str, str, str, int]]:
    """(route, URL, role, expected status) for every HTML page, plus the site's 404 page."""
    pages = []
    finished = replace(world, values={**world.values, "attempt_id": _finished_attempt(world).pk})
    for route in matrix.all_routes():
        rule = matrix.rule_for(route)
        if (rule is None or rule.method != "get" or route.key in REDIRECTS or route.key in FRAGMENTS
                or route.pattern.startswith(tuple(NOT_PAGES))):
            continue
        if route.key in REFUSAL_PAGES:
            role, status = "anonymous", REFUSAL_PAGES[route.key]
        else:
            allowed = [role for role in PREFERENCE if role in rule.allowed]
            if not allowed:
                continue  # refused to everyone (single sign-on with no identity provider configured)
            role, status = allowed[0], ERROR_STATUS.get(route.key, 200)
        url, rule = matrix.url_for(route, rule, finished if route.key in FINISHED_ATTEMPT_ROUTES else world)
        pages.append((route.key, url + (f"?{matrix.urlencode(rule.query)}" if rule.query else ""), role, status))
    pages.append(("404", "/no-such-page/", "anonymous", 404))
    return pages


def _finished_attempt(world: matrix.World) -> QuizAttempt:
    """The learner's attempt at the course's last module, answered (mostly right) to its end."""
    learner = world.users["learner"]
    module = Module.objects.filter(course__slug=world.values["course_slug"]).order_by("-order")[0]
    attempt = quiz_attempt_start(user=learner, module=module)
    rng = random.Random(2)
    for turn in range(50):
        question_id = quiz_attempt_next_question(attempt=attempt)
        if question_id is None:
            return attempt
        question = Question.objects.get(pk=question_id)
        response_submit(user=learner, question=question, module=module, submission_id=uuid.uuid4(),
                        answer=simulated_answer(question, turn % 3 != 2, rng), quiz_attempt=attempt)
        attempt.refresh_from_db()
    raise AssertionError(f"the quiz at {module} did not end after 50 answers")


def _signed_in_context(browser: Any, base_url: str, user: Any | None) -> Any:
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 844})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])
    return context


def test_every_page_has_no_serious_or_critical_violation(world, live_server, browser, screenshot_dir) -> None:
    reports = screenshot_dir / "axe-every-page"
    shutil.rmtree(reports, ignore_errors=True)  # no report left from a page no longer scanned
    reports.mkdir(parents=True)
    pages = _pages(world)
    contexts: dict[str, Any] = {}
    failures: list[str] = []
    scanned = 0
    for key, url, role, status in pages:
        if role not in contexts:
            user = None if role == "anonymous" else world.users[role]
            contexts[role] = _signed_in_context(browser, live_server.url, user)
        page = contexts[role].new_page()
        page.set_default_timeout(15_000)
        response = page.goto(live_server.url + url, wait_until="load")
        landed = page.url.removeprefix(live_server.url)
        problem = None
        if response is None or response.status != status:
            problem = f"answered {response.status if response else 'nothing'}, expected {status}"
        elif landed != url and key not in REDIRECTS_TO_A_PAGE:
            problem = f"sent to {landed}: a redirect, add it to REDIRECTS or REDIRECTS_TO_A_PAGE"
        elif not response.headers.get("content-type", "").startswith("text/html"):
            problem = f"answered {response.headers.get('content-type')}: add it to NOT_PAGES with why"
        if problem is not None:
            failures.append(f"{key} {url} as {role}: {problem}")
            page.close()
            continue
        name = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 844 if width < 800 else 900})
            for violation in serious_violations(page, reports / f"{name}-{width}.json"):
                failures.append(f"{key} {url} as {role} at {width}px: {violation}")
            scanned += 1
        page.close()
    for context in contexts.values():
        context.close()
    # Counted on 2026-12-06: 44 pages at two widths. A floor well above half of that, so a route table
    # that stops reaching the pages fails here rather than passing by scanning nothing.
    assert scanned >= 2 * 35, f"only {scanned} scans of {len(pages)} pages"
    assert not failures, f"{len(failures)} problems on {len(pages)} pages:\n" + "\n".join(failures)
