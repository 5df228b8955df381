"""The diary API: own entries, sharing, and privacy (404 for anyone who may not read the text)."""

from __future__ import annotations

import uuid

import pytest

from lms.diary.models import DiaryEntry
from tests.lms.api.helpers import client_for, patch_json, post_json, results
from tests.lms.diary.helpers import write_entry
from tests.lms.factories import SkillFactory

pytestmark = pytest.mark.django_db


def new_entry(**extra: object) -> dict[str, object]:
    return {"submission_id": str(uuid.uuid4()), "studied": "Averages", **extra}


def test_it_writes_and_lists_own_entries(people) -> None:
    SkillFactory(slug="averages")
    client = client_for(people.learner)
    data = new_entry(methods=["spaced-review"], ratings={"averages": 4})
    created = post_json(client, "/api/v1/diary/entries/", data)
    assert created.status_code == 201, created.content
    assert created.json()["ratings"] == [{"skill": "averages", "rating": 4}]
    again = post_json(client, "/api/v1/diary/entries/", data)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    write_entry(people.teammate, studied="Bob's")
    assert [e["studied"] for e in results(client.get("/api/v1/diary/entries/"))] == ["Averages"]


def test_it_validates_input(people) -> None:
    client = client_for(people.learner)
    response = post_json(client, "/api/v1/diary/entries/",
                         new_entry(methods=["telepathy"], ratings={"ghost": 3, "x": 9}))
    assert response.status_code == 400
    assert set(response.json()) == {"methods", "ratings"}
    assert not DiaryEntry.objects.exists()


def test_a_manager_cannot_read_a_private_entry(people) -> None:
    entry = write_entry(people.learner, studied="Alice's secret")
    for other in (people.manager, people.admin, people.teammate, people.outsider):
        response = client_for(other).get(f"/api/v1/diary/entries/{entry.pk}/")
        assert response.status_code == 404
        assert "secret" not in response.content.decode()
    assert client_for(people.learner).get(f"/api/v1/diary/entries/{entry.pk}/").json()["studied"] == "Alice's secret"


def test_a_manager_reads_an_entry_once_shared(people) -> None:
    entry = write_entry(people.learner, studied="Alice's note")
    author = client_for(people.learner)
    shared = patch_json(author, f"/api/v1/diary/entries/{entry.pk}/", {"shared_with_managers": True})
    assert shared.status_code == 200 and shared.json()["shared_with_managers"] is True
    assert client_for(people.manager).get(f"/api/v1/diary/entries/{entry.pk}/").json()["studied"] == "Alice's note"
    assert client_for(people.admin).get(f"/api/v1/diary/entries/{entry.pk}/").status_code == 200
    assert client_for(people.outsider).get(f"/api/v1/diary/entries/{entry.pk}/").status_code == 404
    # Only the author shares or unshares.
    assert patch_json(client_for(people.manager), f"/api/v1/diary/entries/{entry.pk}/",
                      {"shared_with_managers": False}).status_code == 404
    patch_json(author, f"/api/v1/diary/entries/{entry.pk}/", {"shared_with_managers": False})
    assert client_for(people.manager).get(f"/api/v1/diary/entries/{entry.pk}/").status_code == 404


def test_managers_see_counts_and_learners_do_not(people) -> None:
    write_entry(people.learner)
    write_entry(people.learner, shared=True)
    response = client_for(people.manager).get("/api/v1/diary/counts/")
    assert response.status_code == 200
    rows = {row["username"]: row for row in response.json()}
    assert set(rows) == {"alice", "bob"}
    assert (rows["alice"]["entries"], rows["alice"]["shared"]) == (2, 1)
    assert "studied" not in rows["alice"]
    assert client_for(people.learner).get("/api/v1/diary/counts/").status_code == 403


def test_it_needs_authentication(client) -> None:
    assert client.get("/api/v1/diary/entries/").status_code == 401


def test_it_refuses_wrong_methods(people) -> None:
    client = client_for(people.learner)
    assert client.delete("/api/v1/diary/entries/").status_code == 405
    assert post_json(client, "/api/v1/diary/counts/", {}).status_code == 405
