from __future__ import annotations

import re
from urllib.parse import urlparse

import jsonschema
from django.core.management import call_command
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

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
        ("/api/v1/users/", "get"): {"200", "400", "403"},
        ("/api/v1/users/{user_id}/", "get"): {"200", "403", "404"},
        ("/api/v1/teams/", "post"): {"201", "400", "403"},
        ("/api/v1/teams/", "get"): {"200", "400", "403"},
        ("/api/v1/teams/{slug}/members/", "post"): {"200", "400", "403", "404"},
        ("/api/v1/enrollments/", "post"): {"200", "201", "400", "403"},
        ("/api/v1/courses/{slug}/", "patch"): {"200", "400", "403", "404"},
        ("/api/v1/learners/{user_id}/mastery/", "get"): {"200", "400", "404"},
        ("/api/v1/courses/{slug}/recommendation/", "get"): {"200", "400", "404"},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes | {"429"}, (path, method)


def _schema(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _nullable_as_json_schema(value):
    """OpenAPI 3.0's ``nullable: true`` in JSON Schema's words (``type: [..., "null"]``)."""
    if isinstance(value, list):
        return [_nullable_as_json_schema(v) for v in value]
    if not isinstance(value, dict):
        return value
    converted = {k: _nullable_as_json_schema(v) for k, v in value.items() if k != "nullable"}
    if value.get("nullable") and "type" in value:
        converted["type"] = [value["type"], "null"]
    return converted


def _validator(schema: dict, component: str) -> jsonschema.Draft7Validator:
    """A validator of one component, its references resolved within the document and ``format: uri``
    checked (jsonschema checks it only with an optional package)."""
    formats = jsonschema.FormatChecker()
    formats.checks("uri")(lambda value: not isinstance(value, str) or bool(urlparse(value).scheme))
    registry = Registry().with_resource("schema", Resource.from_contents(_nullable_as_json_schema(schema),
                                                                         default_specification=DRAFT7))
    return jsonschema.Draft7Validator({"$ref": f"schema#/components/schemas/{component}"}, registry=registry,
                                      format_checker=formats)


def test_it_documents_the_errors_each_operation_can_give(people):
    for path, operations in _schema(client_for(people.admin))["paths"].items():
        for method, operation in operations.items():
            codes, places = set(operation["responses"]), {p["in"] for p in operation.get("parameters", [])}
            if "requestBody" in operation or "query" in places:
                assert "400" in codes, (path, method)
            if "path" in places:
                assert "404" in codes, (path, method)
            if path.split("/")[3] in {"courses", "modules", "questions", "skills"} and method != "get" and (
                    not path.endswith("/recommendation/")):
                assert "403" in codes, (path, method)


def test_it_describes_a_module_without_a_video_as_valid(people, catalogue):
    client = client_for(people.admin)
    module = client.get(f"/api/v1/modules/{catalogue.module.pk}/").json()
    assert module["video_url"] == ""
    module_schema = _validator(_schema(client), "Module")
    module_schema.validate(module)
    module_schema.validate({**module, "video_url": "https://video.example.org/adding"})
    assert not module_schema.is_valid({**module, "video_url": "not an address"})


def test_it_tells_a_full_question_from_a_learners(people, catalogue):
    schema = _schema(client_for(people.admin))
    full, learner = _validator(schema, "Question"), _validator(schema, "LearnerQuestion")
    url = f"/api/v1/questions/{catalogue.single.key}/"
    as_admin, as_learner = client_for(people.admin).get(url).json(), client_for(people.learner).get(url).json()
    assert (full.is_valid(as_admin), learner.is_valid(as_admin)) == (True, False)
    assert (full.is_valid(as_learner), learner.is_valid(as_learner)) == (False, True)
    _validator(schema, "QuestionForRole").validate(as_admin)  # oneOf: exactly one matches


def test_it_describes_a_user_without_an_email_address_as_valid(people):
    client = client_for(people.admin)
    people.learner.email = ""
    people.learner.save(update_fields=["email"])
    user = client.get(f"/api/v1/users/{people.learner.pk}/").json()
    assert user["email"] == ""
    user_schema = _validator(_schema(client), "User")
    user_schema.validate(user)
    user_schema.validate({**user, "email": "alice@example.org"})


def test_it_documents_the_bounds_of_limit_and_offset(people):
    parameters = _schema(client_for(people.admin))["paths"]["/api/v1/courses/"]["get"]["parameters"]
    bounds = {p["name"]: p["schema"].get("minimum") for p in parameters if p["name"] in ("limit", "offset")}
    assert bounds == {"limit": 1, "offset": 0}


def test_it_documents_request_bodies_as_json(people):
    for path, operations in _schema(client_for(people.admin))["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert set(operation["requestBody"]["content"]) == {"application/json"}, (path, method)
