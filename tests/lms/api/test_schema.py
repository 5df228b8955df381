from __future__ import annotations

import re

from django.core.management import call_command

from tests.lms.api.helpers import client_for


def test_it_serves_an_openapi_3_document(people):
    r = client_for(people.learner).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/courses/", "/api/v1/questions/{key}/", "/api/v1/responses/", "/api/v1/progress/",
                 "/api/v1/enrollments/", "/api/v1/skills/{slug}/", "/api/v1/modules/{module_id}/",
                 "/api/v1/auth/token/"):
        assert path in schema["paths"], path
    submit = schema["paths"]["/api/v1/responses/"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ResponseSubmitRequest")
    assert {"200", "201", "429"} <= set(submit["responses"])
    assert all("429" in operation["responses"] for operations in schema["paths"].values()
               for operation in operations.values()), "every operation documents the rate limit"


def test_it_serves_swagger_ui_from_local_static_files(people):
    r = client_for(people.learner).get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    sources = re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']([^"']+)["']""", html)
    assert sources
    assert all(src.startswith("/static/") or src == "/api/docs/?script=" for src in sources), sources
    assert "<script>" not in html, "the start-up script is a file of its own (Content-Security-Policy)"
    assert "https://" not in "".join(sources)
    # No third-party host anywhere in the page (the CSRF token is random text, so look for hosts, not letters).
    hosts = re.findall(r"""https?://([^/"'\s]+)""", html)
    assert all(host in ("testserver", "localhost") for host in hosts), hosts


def test_it_serves_the_redoc_script_locally(people):
    r = client_for(people.learner).get("/api/redoc/")
    assert r.status_code == 200
    scripts = re.findall(r"""<script[^>]*src=["']([^"']+)["']""", r.content.decode())
    assert scripts
    assert all(src.startswith("/static/") for src in scripts), scripts


def test_it_serves_redoc_without_third_party_fonts(people):
    r = client_for(people.learner).get("/api/redoc/")
    assert "fonts.googleapis.com" not in r.content.decode()



def test_it_generates_the_schema_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


def test_it_documents_the_experiment_and_integration_endpoints(people):
    paths = client_for(people.admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    expected = {
        ("/api/v1/users/", "post"): {"201", "400", "403"},
        ("/api/v1/users/", "get"): {"200", "403"},
        ("/api/v1/users/{user_id}/", "get"): {"200", "403", "404"},
        ("/api/v1/teams/", "post"): {"201", "400", "403"},
        ("/api/v1/teams/", "get"): {"200", "403"},
        ("/api/v1/teams/{slug}/members/", "post"): {"200", "400", "403", "404"},
        ("/api/v1/enrollments/", "post"): {"200", "201", "400", "403"},
        ("/api/v1/courses/{slug}/", "patch"): {"200", "400", "403", "404"},
        ("/api/v1/learners/{user_id}/mastery/", "get"): {"200", "400", "404"},
        ("/api/v1/courses/{slug}/recommendation/", "get"): {"200", "400", "404"},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes | {"429"}, (path, method)
