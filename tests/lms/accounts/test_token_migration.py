"""Upgrading from DRF's plain tokens: each one keeps working, now stored as its digest and
expiring; the table of plain keys is gone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from knox.models import AuthToken

migration = importlib.import_module("lms.accounts.migrations.0002_api_tokens_hashed")
KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


@pytest.mark.django_db(transaction=True)
def test_it_carries_plain_tokens_over_hashed(people) -> None:
    with connection.schema_editor() as editor:
        editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        editor.execute("INSERT INTO authtoken_token VALUES (%s, CURRENT_TIMESTAMP, %s)", [KEY, people.learner.pk])
        migration.hash_existing_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    stored = AuthToken.objects.get(user=people.learner)
    assert KEY not in stored.digest and stored.expiry is not None
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {KEY}")
    assert response.status_code == 200 and response.json()["username"] == "alice"
