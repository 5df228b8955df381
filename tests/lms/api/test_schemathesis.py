"""Generated requests against the API's own OpenAPI document (schemathesis), as an admin and as a
learner, with the demo course imported: no answer may be a 5xx or differ from what the schema says.

Every run makes the same requests (a fixed seed and a fixed number of cases per operation), so a
failure in CI reproduces locally with the same command. Counts and run time: docs/api.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from lms.accounts.services import api_token_create
from lms.content.models import Course, Module, Question, Skill
from lms.content.packages.writing import course_package_import
from lms.diary.services import diary_entry_create
from lms.learning.services import quiz_attempt_start
from tests.lms.conftest import People

SEED = 20_240_615
CASES_PER_OPERATION = 12


@dataclass
class DemoRows:
    """Real identifiers the generated requests sometimes use instead of random ones, so that the
    operations are exercised on existing rows and not only answer 404."""

    values: dict[str, list[Any]]


def _demo_rows(people: People) -> DemoRows:
    course_package_import(path=settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    module = Module.objects.filter(course=course).order_by("order").first()
    assert module is not None
    attempt = quiz_attempt_start(user=people.learner, module=module)
    entry, _ = diary_entry_create(user=people.learner, submission_id=uuid.uuid4(), studied="Reading charts")
    _, learner_token = api_token_create(user=people.learner)
    return DemoRows({
        "slug": [course.slug, people.team.slug, Skill.objects.order_by("slug").first().slug],
        "module_id": [module.pk],
        "key": [Question.objects.order_by("key").first().key],
        "user_id": [people.learner.pk, people.teammate.pk],
        "attempt_id": [str(attempt.pk)],
        "entry_id": [entry.pk],
        "token_id": [learner_token[:8]],
    })


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "generation": {"max-examples": CASES_PER_OPERATION, "database": "none"},
        "checks": {
            # Off: it wants every schema-valid request accepted, but a well-formed reference to a row
            # that does not exist (``course=00``, a question key nobody wrote) is rightly a 400 naming
            # the field, and the schema cannot say "must exist".
            "positive_data_acceptance": {"enabled": False},
            # Off: DRF's fields coerce on purpose (a number is accepted as text, 0 and 1 as
            # booleans), so requests that break the schema's types are rightly taken.
            "negative_data_rejection": {"enabled": False},
            # On: no 5xx; status codes, content types, headers and bodies as documented; auth
            # enforced; methods the schema does not list refused.
        },
    })


@pytest.fixture
def _in_process_server() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, called in the test's own transaction: like Django's test client, it
    keeps the connection open between requests instead of closing it after each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["admin", "learner"])
def role(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def auth_headers(role: str, people: People) -> dict[str, str]:
    _, key = api_token_create(user=getattr(people, role))
    return {"Authorization": f"Token {key}"}


@pytest.fixture
def api_schema(people: People, _plain_http: None, _in_process_server: WSGIHandler) -> Any:
    rows = _demo_rows(people)
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", _in_process_server, config=_config(),
                                            headers={"Accept": "application/json"})

    @loaded.hook
    def flatmap_path_parameters(ctx: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return st.just(path_parameters)
        real = {name: rows.values[name] for name in path_parameters if name in rows.values}
        if not real:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters),
            st.fixed_dictionaries({name: st.sampled_from(values) for name, values in real.items()}).map(
                lambda chosen: {**path_parameters, **chosen}),
        )

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.usefixtures("role")  # parametrized at collection: once as each role
@schema.parametrize()
def test_it_answers_every_generated_request_as_the_schema_says(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers)
