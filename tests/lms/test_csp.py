"""Every page carries the Content-Security-Policy; the admin and the API documentation get inline
styles, never inline scripts."""

from __future__ import annotations

from django.test import Client

from tests.lms.conftest import client_for


def directives(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_it_sends_the_policy_on_every_page(people) -> None:
    for response in (Client().get("/accounts/login/"), client_for(people.learner).get("/"),
                     client_for(people.manager).get("/analytics/"), Client().get("/no-such-page/"),
                     client_for(people.learner).get("/api/v1/me/")):
        policy = directives(response)
        assert policy["default-src"] == "default-src 'self'"
        assert policy["script-src"] == "script-src 'self'"
        assert policy["style-src"] == "style-src 'self'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_it_relaxes_styles_only_for_the_admin_and_the_api_documentation(people) -> None:
    for url in ("/admin/", "/api/docs/", "/api/redoc/"):
        policy = directives(client_for(people.admin).get(url))
        assert "'unsafe-inline'" in policy["style-src"], url
        assert policy["script-src"] == "script-src 'self'", url


def test_its_pages_have_no_inline_scripts(people) -> None:
    for response in (Client().get("/accounts/login/"), client_for(people.learner).get("/"),
                     client_for(people.admin).get("/accounts/two-factor/"), client_for(people.learner).get("/api/redoc/")):
        html = response.content.decode()
        assert "<script>" not in html and "hx-on" not in html
