"""Course packages and GIFT files uploaded in the admin: preview, confirm, refusals, and the exports."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lms.content.models import Course, Module, Question, Skill
from lms.content.uploads import stashed_path
from tests.lms.conftest import client_for
from tests.lms.content.package_builder import write_package
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz

pytestmark = pytest.mark.django_db

GIFT_URL = "admin:content_question_upload"
PACKAGE_URL = "admin:content_course_upload"
GIFT_TEXT = """$CATEGORY: $course$/top/Rivers

::Nile::Which river flows through Cairo?{=Nile#Good! =%0%*#It is the Nile.}

::Essay::Describe a river.{}

::Seine::Which river flows through Paris?{~Loire =Seine ~Rhone}
"""


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Uploads are kept aside in the temporary folder: this test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return


def gift_file(text: str = GIFT_TEXT, name: str = "rivers.gift") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def package_zip(tmp_path: Path) -> SimpleUploadedFile:
    folder = write_package(tmp_path / "counting")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"counting/{file.relative_to(folder)}")
    return SimpleUploadedFile("counting.zip", buffer.getvalue(), content_type="application/zip")


def token_of(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, "the preview offers to import"
    return match.group(1)


# --- GIFT -----------------------------------------------------------------------------------------


def test_it_shows_the_upload_forms_with_a_link_from_the_lists(people) -> None:
    client = client_for(people.admin)

    assert 'href="/admin/content/question/upload/"' in client.get(
        reverse("admin:content_question_changelist")).content.decode()
    assert 'href="/admin/content/course/upload/"' in client.get(
        reverse("admin:content_course_changelist")).content.decode()
    for name in (GIFT_URL, PACKAGE_URL):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert 'enctype="multipart/form-data"' in response.content.decode()


def test_it_previews_a_gift_file_without_writing_anything(people) -> None:
    response = client_for(people.admin).post(reverse(GIFT_URL), {"file": gift_file()})

    body = response.content.decode()
    assert response.status_code == 200
    assert "2 new, 0 changed and 0 unchanged questions; 1 refused." in body
    assert "line 3 &#x27;Nile&#x27;: rivers-nile (short_text)" in body
    assert "line 5 &#x27;Essay&#x27;: essay questions ({}) are not supported" in body
    assert "Skills that would be created" in body and "<li>rivers</li>" in body
    assert re.search(r"<tr><td>rivers-nile</td><td>rivers</td>", body)  # the suggested-skills table
    assert stashed_path(token_of(body)) is not None
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_imports_the_previewed_gift_file_on_confirm_and_a_repeat_changes_nothing(people) -> None:
    client = client_for(people.admin)
    token = token_of(client.post(reverse(GIFT_URL), {"file": gift_file(), "difficulty": "4"}).content.decode())

    response = client.post(reverse(GIFT_URL), {"token": token, "confirm": "Import"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:content_question_changelist")
    assert "Imported rivers.gift. GIFT imported: 2 new, 0 changed and 0 unchanged questions; 1 refused." in (
        response.content.decode())
    assert sorted(Question.objects.values_list("key", "difficulty")) == [("rivers-nile", 4), ("rivers-seine", 4)]
    assert stashed_path(token) is None
    updated = Question.objects.get(key="rivers-nile").updated

    again = client.post(reverse(GIFT_URL), {"token": token, "confirm": "Import"}, follow=True)
    assert "imported already, cancelled or has expired" in again.content.decode()
    assert Question.objects.count() == 2 and Question.objects.get(key="rivers-nile").updated == updated


def test_it_imports_nothing_when_the_upload_is_cancelled(people) -> None:
    client = client_for(people.admin)
    token = token_of(client.post(reverse(GIFT_URL), {"file": gift_file()}).content.decode())

    response = client.post(reverse(GIFT_URL), {"token": token, "cancel": "Cancel"}, follow=True)

    assert "Cancelled rivers.gift: nothing was imported." in response.content.decode()
    assert not Question.objects.exists() and stashed_path(token) is None


def test_it_shows_the_skills_suggested_for_untagged_questions(people) -> None:
    rivers, cities = SkillFactory(slug="rivers", name="Rivers"), SkillFactory(slug="cities", name="Cities")
    for i, stem in enumerate(["Which river flows through Vienna?", "Which river flows through Budapest?"]):
        QuestionFactory(key=f"river-{i}", stem=stem).skills.set([rivers])
    for i, stem in enumerate(["Which city is the capital of Peru?", "Which city is the capital of Chile?"]):
        QuestionFactory(key=f"city-{i}", stem=stem).skills.set([cities])
    text = "::Rhine::Which river flows through Basel?{=Rhine ~Rhone}\n"

    body = client_for(people.admin).post(reverse(GIFT_URL), {"file": gift_file(text), "suggest_skills": "on"}
                                         ).content.decode()

    row = re.search(r"<tr><td>rivers-rhine</td><td>none</td>\s*<td>([^<]+)</td>", body)
    assert row and re.search(r"rivers \(\d+%\)", row.group(1))
    assert not Question.objects.filter(key="rivers-rhine").exists()


@pytest.mark.parametrize(("text", "message"), [
    ("$CATEGORY: A\n\n::Open::What? {=a ~b\n", "line 3 (Open): the answer block is not closed with &#x27;}&#x27;"),
    ("// nothing but a comment\n", "the file holds no questions"),
    (b"\xff\xfe not text", "is not UTF-8 text"),
])
def test_it_refuses_a_bad_gift_file_with_a_clear_error_and_writes_nothing(people, text, message) -> None:
    data = text if isinstance(text, bytes) else text.encode()
    upload = SimpleUploadedFile("bad.gift", data, content_type="text/plain")

    response = client_for(people.admin).post(reverse(GIFT_URL), {"file": upload})

    body = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in body and message in body
    assert 'name="token"' not in body
    assert not Question.objects.exists() and not Skill.objects.exists()


def test_it_refuses_on_confirm_when_the_file_no_longer_imports(people) -> None:
    skill = SkillFactory(slug="rivers")
    client = client_for(people.admin)
    text = "::Nile::Which river flows through Cairo?{=Nile}\n"
    token = token_of(client.post(reverse(GIFT_URL), {"file": gift_file(text), "skill": "rivers"}).content.decode())
    skill.delete()  # meanwhile, in another tab

    response = client.post(reverse(GIFT_URL), {"token": token, "confirm": "Import"})

    assert response.status_code == 200
    assert "unknown skill &#x27;rivers&#x27;" in response.content.decode()
    assert not Question.objects.exists()


# --- Course packages ------------------------------------------------------------------------------


def test_it_previews_a_course_package_without_writing_anything(people, tmp_path: Path) -> None:
    response = client_for(people.admin).post(reverse(PACKAGE_URL), {"file": package_zip(tmp_path)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Course &#x27;counting&#x27; would be created." in body
    assert "<li>course counting</li>" in body and "<li>module intro</li>" in body
    assert "<li>question cnt-single</li>" in body
    assert "<li>questions: 5 created, 0 changed, 0 unchanged, 0 removed</li>" in body
    rows = dict(re.findall(r"<tr><td>(cnt-[a-z]+)</td><td>[^<]*</td>\s*<td>([^<]*)</td>", body))
    assert sorted(rows) == ["cnt-multi", "cnt-num", "cnt-short", "cnt-single", "cnt-tf"]
    assert all(re.fullmatch(r"no suggestion|([a-z-]+ \(([5-9]|\d\d+)%\)(, )?)+", text) for text in rows.values())
    assert not Course.objects.exists() and not Question.objects.exists() and not Skill.objects.exists()


def test_it_imports_the_previewed_package_on_confirm(people, tmp_path: Path) -> None:
    client = client_for(people.admin)
    token = token_of(client.post(reverse(PACKAGE_URL), {"file": package_zip(tmp_path)}).content.decode())

    response = client.post(reverse(PACKAGE_URL), {"token": token, "confirm": "Import"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:content_course_changelist")
    assert "Imported counting.zip. Course &#x27;counting&#x27; created." in response.content.decode()
    assert Course.objects.get().slug == "counting"
    assert Module.objects.count() == 2 and Question.objects.count() == 5

    second = client.post(reverse(PACKAGE_URL), {"file": package_zip(tmp_path)})
    assert "is up to date: nothing would change." in second.content.decode()


@pytest.mark.parametrize(("data", "message"), [
    (b"this is not a zip", "not a readable zip file"),
    (b"", "The submitted file is empty."),
])
def test_it_refuses_a_bad_zip_with_a_clear_error_and_writes_nothing(people, data, message) -> None:
    upload = SimpleUploadedFile("broken.zip", data, content_type="application/zip")

    response = client_for(people.admin).post(reverse(PACKAGE_URL), {"file": upload})

    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and 'name="token"' not in body
    assert not Course.objects.exists()


def test_it_refuses_an_invalid_package_listing_every_problem(people, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course.yaml", "format: pathwise-course/1\nslug: Not A Slug\n")
    upload = SimpleUploadedFile("bad.zip", buffer.getvalue(), content_type="application/zip")

    body = client_for(people.admin).post(reverse(PACKAGE_URL), {"file": upload}).content.decode()

    assert "nothing was imported" in body and "course.yaml: slug:" in body
    assert not Course.objects.exists() and not Skill.objects.exists()


# --- Who may, and how -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [GIFT_URL, PACKAGE_URL])
def test_it_keeps_learners_and_managers_out(people, tmp_path: Path, name: str) -> None:
    for user in (people.learner, people.manager):
        client = client_for(user)
        assert client.get(reverse(name)).status_code == 302
        upload = gift_file() if name == GIFT_URL else package_zip(tmp_path)
        response = client.post(reverse(name), {"file": upload})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Question.objects.exists() and not Course.objects.exists()


def test_it_refuses_a_post_without_the_csrf_token(people) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin)

    response = client.post(reverse(GIFT_URL), {"file": gift_file()})

    assert response.status_code == 403
    assert not Question.objects.exists()


def test_it_refuses_other_methods(people) -> None:
    assert client_for(people.admin).put(reverse(GIFT_URL)).status_code == 405


def test_it_does_not_confirm_another_sessions_upload(people) -> None:
    token = token_of(client_for(people.admin).post(reverse(GIFT_URL), {"file": gift_file()}).content.decode())

    response = client_for(people.admin).post(reverse(GIFT_URL), {"token": token, "confirm": "Import"}, follow=True)

    assert "imported already, cancelled or has expired" in response.content.decode()
    assert not Question.objects.exists()


# --- Export ---------------------------------------------------------------------------------------


def test_it_exports_selected_questions_as_gift(people) -> None:
    SkillFactory(slug="rivers", name="Rivers")
    question = QuestionFactory(key="q-nile", stem="Which river?")
    question.skills.set(Skill.objects.all())
    other = QuestionFactory(key="q-other", case_sensitive=True, type=Question.SHORT_TEXT, accepted_answers=["X"])

    response = client_for(people.admin).post(reverse("admin:content_question_changelist"), {
        "action": "export_questions_gift", "_selected_action": [question.pk, other.pk]})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="questions.gift"'
    text = response.content.decode()
    assert "// warning: q-other: GIFT cannot say that an answer is case-sensitive" in text
    assert "$CATEGORY: $course$/top/Rivers\n\n::q-nile::[markdown]Which river?{" in text


def test_it_exports_a_course_package_that_imports_back(people, tmp_path: Path) -> None:
    client = client_for(people.admin)
    client.post(reverse(PACKAGE_URL), {"token": token_of(client.post(
        reverse(PACKAGE_URL), {"file": package_zip(tmp_path)}).content.decode()), "confirm": "Import"})
    course = Course.objects.get(slug="counting")

    response = client.post(reverse("admin:content_course_changelist"), {
        "action": "export_course_package", "_selected_action": [course.pk]})

    assert response["Content-Disposition"] == 'attachment; filename="counting.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "counting/course.yaml" in archive.namelist()
    again = client.post(reverse(PACKAGE_URL), {"file": SimpleUploadedFile("counting.zip", response.content)})
    assert "is up to date: nothing would change." in again.content.decode()


def test_it_exports_one_course_at_a_time_and_its_questions_as_gift(people) -> None:
    first, second = ModuleFactory(course__slug="one"), ModuleFactory(course__slug="two")
    add_to_quiz(first, QuestionFactory(key="q-first"))
    client = client_for(people.admin)

    both = client.post(reverse("admin:content_course_changelist"), {
        "action": "export_course_package", "_selected_action": [first.course.pk, second.course.pk]}, follow=True)
    assert "Choose exactly one course" in both.content.decode()

    gift = client.post(reverse("admin:content_course_changelist"), {
        "action": "export_course_gift", "_selected_action": [first.course.pk]})
    assert gift["Content-Disposition"] == 'attachment; filename="one.gift"'
    assert "::q-first::" in gift.content.decode()
