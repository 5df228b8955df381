"""QTI items and packages uploaded in the admin: the preview, the import on confirm, refusals."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.content.models import Question
from lms.content.uploads import stashed_path
from tests.lms.conftest import client_for
from tests.lms.factories import SkillFactory

pytestmark = pytest.mark.django_db

URL = "admin:content_question_upload_qti"
FIXTURES = Path(__file__).parent / "fixtures" / "qti"


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Uploads are kept aside in the temporary folder: this test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return


def package_zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted((FIXTURES / "package").rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(FIXTURES / "package").as_posix())
    return SimpleUploadedFile("statistics.zip", buffer.getvalue(), content_type="application/zip")


def item_file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(Path(name).name, (FIXTURES / name).read_bytes(), content_type="application/xml")


def token_of(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, "the preview offers to import"
    return match.group(1)


def test_it_shows_the_upload_form_with_a_link_from_the_questions(people) -> None:
    client = client_for(people.admin)

    assert 'href="/admin/content/question/upload-qti/"' in client.get(
        reverse("admin:content_question_changelist")).content.decode()
    body = client.get(reverse(URL)).content.decode()
    assert "Import QTI items" in body
    assert 'enctype="multipart/form-data"' in body and '<label for="id_file">' in body


def test_it_previews_a_package_without_writing_anything(people) -> None:
    SkillFactory(slug="statistics", name="Statistics")

    response = client_for(people.admin).post(reverse(URL), {"file": package_zip(), "skill": "statistics"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "2 new, 0 changed and 0 unchanged questions; 1 refused." in body
    assert "items/median.xml line 4 (median-choice): statistics-median-choice (single_choice)" in body
    assert "items/essay.xml line 3 (river-essay): extendedTextInteraction is not supported" in body
    assert "1 assessment test is not imported" in body
    assert re.search(r"<tr><td>statistics-median-choice</td><td>statistics</td>", body)  # suggested skills table
    assert stashed_path(token_of(body)) is not None
    assert not Question.objects.exists()


def test_it_imports_the_previewed_items_on_confirm_and_a_repeat_changes_nothing(people) -> None:
    SkillFactory(slug="statistics", name="Statistics")
    client = client_for(people.admin)
    token = token_of(client.post(reverse(URL), {"file": item_file("qti30/text_entry.xml"), "skill": "statistics",
                                                "key_prefix": "chem"}).content.decode())

    response = client.post(reverse(URL), {"token": token, "confirm": "Import"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:content_question_changelist")
    assert ("Imported text_entry.xml. QTI imported: 1 new, 0 changed and 0 unchanged questions; 0 refused."
            in response.content.decode())
    question = Question.objects.get(key="chem-symbol-text")
    assert question.accepted_answers == ["Fe"] and question.case_sensitive
    again = client.post(reverse(URL), {"token": token, "confirm": "Import"}, follow=True)
    assert "imported already, cancelled or has expired" in again.content.decode()
    assert Question.objects.count() == 1


def test_it_imports_untagged_questions_with_suggestions_when_asked(people) -> None:
    client = client_for(people.admin)
    token = token_of(client.post(reverse(URL), {"file": item_file("qti22/numeric.xml"),
                                                "suggest_skills": "on"}).content.decode())

    client.post(reverse(URL), {"token": token, "confirm": "Import"})

    assert not Question.objects.get(key="numeric-pi-numeric").skills.exists()


def test_it_asks_for_a_skill_or_suggestions_before_anything_is_kept(people, tmp_path: Path) -> None:
    response = client_for(people.admin).post(reverse(URL), {"file": item_file("qti22/choice.xml")})

    body = response.content.decode()
    assert "Choose a skill for the questions, or tick" in body
    assert not any((tmp_path / "tmp").rglob("*.xml"))


@pytest.mark.parametrize(("name", "message"), [
    ("malformed.xml", "line 5: not well-formed XML: mismatched tag (column 5)"),
    ("bomb.xml", "line 3: declares an entity or refers to an external resource, which is refused"),
])
def test_it_refuses_a_bad_file_with_a_clear_error_and_writes_nothing(people, name: str, message: str) -> None:
    SkillFactory(slug="statistics", name="Statistics")

    response = client_for(people.admin).post(reverse(URL), {"file": item_file(name), "skill": "statistics"})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"{name}: 1 problem; nothing was imported." in body and message in body
    assert not Question.objects.exists()


def test_it_keeps_learners_and_managers_out(people) -> None:
    for user in (people.learner, people.manager):
        client = client_for(user)
        assert client.get(reverse(URL)).status_code == 302
        response = client.post(reverse(URL), {"file": package_zip(), "suggest_skills": "on"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Question.objects.exists()


def test_it_refuses_other_methods(people) -> None:
    assert client_for(people.admin).put(reverse(URL)).status_code == 405
