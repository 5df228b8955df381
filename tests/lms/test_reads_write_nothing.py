"""Reads never write: every GET route of the project (pages, the API, SCIM, the admin), requested by
each person allowed to use it, runs no INSERT, UPDATE or DELETE.

The routes, the people and their things come from the authorization matrix
(``tests/lms/test_authorization_matrix.py``), so a new route is covered as soon as it has a rule
there. The one table a read may write is the session's: a message for the next page (a failed
single sign-on says why on the sign-in page) is the visitor's own state, not the product's rows.
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.lms import test_authorization_matrix as matrix

world = matrix.world  # the fixture: the people and the learner's own things

WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
SESSION_TABLE = "django_session"


def _writes(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"][:160] for q in queries
            if (match := WRITE.match(q["sql"])) and match.group(2) != SESSION_TABLE]


def test_no_get_writes_a_row(world: matrix.World, settings) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    offenders, checked = [], 0
    for route in matrix.all_routes():
        rule = matrix.rule_for(route)
        if rule is None or rule.method != "get":
            continue
        url, rule = matrix.url_for(route, rule, world)
        for role in matrix.ROLES:
            if role not in rule.allowed:
                continue
            client = Client()
            if role != "anonymous":
                client.force_login(world.users[role])
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    response = matrix.request(client, rule, url)
                transaction.set_rollback(True)
            checked += 1
            assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
            if writes := _writes(captured.captured_queries):
                offenders.append(f"GET {url} ({route.key}) as {role}: {writes}")
    assert checked >= 300, f"only {checked} reads checked: the route table no longer reaches the pages"
    assert not offenders, "Reads that write:\n" + "\n".join(offenders)
