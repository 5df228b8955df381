"""Lists page with ``limit`` and ``offset``; a malformed value is a 400, never silently the first page."""

from __future__ import annotations

import pytest

from tests.lms.api.helpers import client_for


@pytest.mark.parametrize(("query", "field"), [
    ({"offset": "null"}, "offset"), ({"offset": "-1"}, "offset"), ({"offset": "1.5"}, "offset"),
    ({"limit": "0"}, "limit"), ({"limit": "ten"}, "limit"), ({"limit": "٣"}, "limit"),
])
def test_it_refuses_a_malformed_limit_or_offset(people, catalogue, query, field):
    r = client_for(people.learner).get("/api/v1/courses/", query)
    assert r.status_code == 400, r.content
    assert set(r.json()) == {field}


def test_it_pages_with_good_values_and_caps_the_limit(people, catalogue):
    client = client_for(people.admin)
    everything = client.get("/api/v1/questions/", {"limit": "1000"}).json()
    assert everything["count"] == len(everything["results"]) == 6
    second = client.get("/api/v1/questions/", {"limit": "2", "offset": "2"}).json()
    assert [q["key"] for q in second["results"]] == [q["key"] for q in everything["results"][2:4]]
