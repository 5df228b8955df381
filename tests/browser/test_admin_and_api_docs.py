"""The admin, Swagger UI and ReDoc work under their Content-Security-Policy in Chromium."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.csp import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_admin_and_the_api_documentation(live_server, page) -> None:
    call_command("setup_demo", verbosity=0)
    csp_violations = watch_csp(page)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin-with-pathwise")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto(f"{live_server.url}/admin/content/question/")
    page.get_by_role("heading", name="Select question to change").wait_for()

    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .opblock-tag").first.wait_for()
    page.goto(f"{live_server.url}/api/redoc/")
    page.get_by_role("heading", name="Pathwise API").first.wait_for()
    # ReDoc shows its maker's logo from their CDN: the policy is meant to refuse it, and ReDoc then leaves it out.
    unexpected = [v for v in csp_violations if "cdn.redoc.ly" not in v]
    assert unexpected == [], "the admin and the API documentation work under the Content-Security-Policy"
