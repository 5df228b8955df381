from __future__ import annotations

import pytest

from lms.diary.models import DiaryEntry
from lms.diary.selectors import diary_markdown
from tests.lms.conftest import client_for
from tests.lms.diary.helpers import set_mastery, write_entry
from tests.lms.factories import SkillFactory

pytestmark = pytest.mark.django_db


def test_it_exports_the_diary_as_markdown(people) -> None:
    fractions = SkillFactory(slug="fractions", name="Fractions")
    set_mastery(people.learner, {"fractions": 0.55})
    write_entry(people.learner, studied="Adding fractions.\n# not a heading", ratings={fractions: 5},
                methods=["practice-questions"], other_method="Drawing pies")
    text = diary_markdown(people.learner)
    assert text.startswith("# Learning diary of alice\n")
    assert "Adding fractions.\n\\# not a heading" in text
    assert "**What helped:** Practice questions, Drawing pies" in text
    assert "| Fractions | 5/5 (90%) | 55% | overconfident |" in text


def test_it_downloads_only_ones_own_diary(people) -> None:
    write_entry(people.learner, studied="Alice's secret")
    write_entry(people.teammate, studied="Bob's notes")
    response = client_for(people.learner).get("/diary/export.md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"].startswith('attachment; filename="diary-')
    body = response.content.decode()
    assert "Alice's secret" in body and "Bob's notes" not in body
    assert "Alice's secret" not in client_for(people.manager).get("/diary/export.md").content.decode()


def test_it_refuses_a_post_to_the_export(people) -> None:
    assert client_for(people.learner).post("/diary/export.md").status_code == 405
    assert DiaryEntry.objects.count() == 0


def test_it_exports_an_empty_diary(people) -> None:
    assert "No entries yet." in client_for(people.learner).get("/diary/export.md").content.decode()
