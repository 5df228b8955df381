"""Admins follow the learners' privacy rule in the Django admin too. The admin role has no
permission on diary entries at all; a superuser sees counts and dates, and the text of an entry
only when its author shares it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.lms.conftest import client_for
from tests.lms.diary.helpers import write_entry
from tests.lms.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db: None) -> object:
    return UserFactory(username="root", role="admin", is_superuser=True)


def test_the_admin_role_has_no_access_to_diary_entries(people) -> None:
    entry = write_entry(people.learner, studied="Alice wrote a secret")
    client = client_for(people.admin)
    assert client.get(reverse("admin:diary_diaryentry_changelist")).status_code == 403
    assert client.get(reverse("admin:diary_diaryentry_change", args=[entry.pk])).status_code == 403


def test_a_superuser_lists_entries_without_their_text(people, superuser) -> None:
    write_entry(people.learner, studied="Alice wrote a secret")
    response = client_for(superuser).get(reverse("admin:diary_diaryentry_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "alice" in html and "Alice wrote a secret" not in html


def test_a_superuser_sees_the_text_of_a_shared_entry_only(people, superuser) -> None:
    private = write_entry(people.learner, studied="Alice wrote a secret")
    shared = write_entry(people.learner, studied="Alice wrote a shared note", shared=True)
    client = client_for(superuser)
    private_page = client.get(reverse("admin:diary_diaryentry_change", args=[private.pk])).content.decode()
    assert "Alice wrote a secret" not in private_page and "private: not shared by its author" in private_page
    shared_page = client.get(reverse("admin:diary_diaryentry_change", args=[shared.pk])).content.decode()
    assert "Alice wrote a shared note" in shared_page


def test_nobody_edits_or_adds_entries_in_the_admin(people, superuser) -> None:
    entry = write_entry(people.learner, studied="Alice wrote a note")
    client = client_for(superuser)
    assert client.get(reverse("admin:diary_diaryentry_add")).status_code == 403
    response = client.post(reverse("admin:diary_diaryentry_change", args=[entry.pk]), {"studied": "changed"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.studied == "Alice wrote a note"
    assert client_for(people.manager).get(reverse("admin:diary_diaryentry_changelist")).status_code == 302
