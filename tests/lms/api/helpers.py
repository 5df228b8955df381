"""JSON helpers for the API tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tests.lms.conftest import client_for


def post_json(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def put_json(client: Client, url: str, data: Any) -> Any:
    return client.put(url, json.dumps(data), content_type="application/json")


def patch_json(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


__all__ = ["client_for", "patch_json", "post_json", "put_json", "results"]
