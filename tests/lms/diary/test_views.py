"""The diary pages: the happy path, the wrong method, the outsider and a repeat for each."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from lms.diary.models import ConfidenceRating, DiaryEntry, DiaryPromptDismissal
from lms.learning.models import QuizAttempt
from lms.learning.services import quiz_attempt_start
from tests.lms.conftest import client_for
from tests.lms.diary.helpers import set_mastery, write_entry
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(people) -> QuizAttempt:
    module = ModuleFactory(title="Fractions basics")
    module.skills.add(SkillFactory(slug="fractions", name="Fractions"), SkillFactory(slug="decimals", name="Decimals"))
    add_to_quiz(module, QuestionFactory())
    attempt = quiz_attempt_start(user=people.learner, module=module)
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["finished_at"])
    return attempt


def entry_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {"submission_id": str(uuid.uuid4()), "studied": "Adding fractions",
                               "methods": ["practice-questions", "notes"], "other_method": ""}
    data.update(extra)
    return data


class TestDiaryPage:
    def test_it_lists_entries_with_confidence_next_to_mastery(self, people) -> None:
        fractions = SkillFactory(slug="fractions", name="Fractions")
        set_mastery(people.learner, {"fractions": 0.55})
        write_entry(people.learner, studied="Adding fractions", ratings={fractions: 5})
        response = client_for(people.learner).get("/diary/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Adding fractions" in html
        assert "you rated Fractions 5/5; your answers suggest 55%" in html
        assert "overconfident" in html
        assert "1 → 10%" in html and "5 → 90%" in html  # the mapping is documented on the page

    def test_it_says_not_estimated_yet(self, people) -> None:
        write_entry(people.learner, ratings={SkillFactory(name="Fractions"): 3})
        assert "not estimated yet" in client_for(people.learner).get("/diary/").content.decode()

    def test_it_gives_no_verdict_on_a_skill_never_practised(self, people) -> None:
        # The model's state holds a prior for every skill of the course; without an answer on the
        # skill it says nothing about this learner, so the diary does not call them overconfident.
        fractions = SkillFactory(slug="fractions", name="Fractions")
        set_mastery(people.learner, {"fractions": 0.48}, practised=False)
        write_entry(people.learner, ratings={fractions: 5})
        html = client_for(people.learner).get("/diary/").content.decode()
        assert "your answers have not been estimated yet" in html
        assert "suggest 48%" not in html and "verdict-overconfident" not in html

    def test_it_refuses_post(self, people) -> None:
        assert client_for(people.learner).post("/diary/").status_code == 405

    def test_it_shows_nobody_elses_entries(self, people) -> None:
        write_entry(people.learner, studied="Alice wrote a secret", shared=True)
        for other in (people.outsider, people.manager, people.admin):
            assert "Alice wrote a secret" not in client_for(other).get("/diary/").content.decode()

    def test_it_needs_a_sign_in(self, client) -> None:
        assert client.get("/diary/").status_code == 302


class TestNewEntry:
    def test_it_writes_an_entry_after_a_module(self, people, finished) -> None:
        client = client_for(people.learner)
        form = client.get(f"/diary/new/?attempt={finished.pk}")
        assert form.status_code == 200
        html = form.content.decode()
        assert "How confident do you feel about Fractions?" in html
        assert "How confident do you feel about Decimals?" in html
        response = client.post(f"/diary/new/?attempt={finished.pk}",
                                entry_form(**{"confidence-fractions": "4", "shared": "on"}))
        assert response.status_code == 302 and response["Location"] == "/diary/"
        entry = DiaryEntry.objects.get()
        assert (entry.user, entry.module, entry.quiz_attempt, entry.shared_with_managers) == (
            people.learner, finished.module, finished, True)
        assert entry.methods == ["practice-questions", "notes"]
        assert [(r.skill.slug, r.rating) for r in entry.ratings.all()] == [("fractions", 4)]

    def test_it_writes_an_entry_without_a_module_and_without_ratings(self, people) -> None:
        response = client_for(people.learner).post("/diary/new/", entry_form(methods=[]))
        assert response.status_code == 302
        assert DiaryEntry.objects.get().module is None
        assert not ConfidenceRating.objects.exists()

    def test_it_shows_errors(self, people, finished) -> None:
        response = client_for(people.learner).post(
            f"/diary/new/?attempt={finished.pk}", entry_form(studied="", **{"confidence-fractions": "9"}))
        assert response.status_code == 200
        assert "Write a few words about what you studied." in response.content.decode()
        assert not DiaryEntry.objects.exists()

    def test_it_refuses_other_methods(self, people) -> None:
        assert client_for(people.learner).put("/diary/new/").status_code == 405

    def test_it_hides_someone_elses_attempt(self, people, finished) -> None:
        client = client_for(people.outsider)
        assert client.get(f"/diary/new/?attempt={finished.pk}").status_code == 404
        assert client.post(f"/diary/new/?attempt={finished.pk}", entry_form()).status_code == 404
        assert client.get("/diary/new/?attempt=not-a-uuid").status_code == 404
        assert not DiaryEntry.objects.exists()

    def test_a_repeated_post_writes_one_entry(self, people, finished) -> None:
        client = client_for(people.learner)
        data = entry_form(**{"confidence-fractions": "2"})
        client.post("/diary/new/", data)
        client.post("/diary/new/", data)
        assert DiaryEntry.objects.count() == 1 and ConfidenceRating.objects.count() == 0  # no module: no skills

    def test_a_second_visit_after_the_module_opens_the_entry(self, people, finished) -> None:
        client = client_for(people.learner)
        client.post(f"/diary/new/?attempt={finished.pk}", entry_form())
        entry = DiaryEntry.objects.get()
        response = client.get(f"/diary/new/?attempt={finished.pk}")
        assert response.status_code == 302 and response["Location"] == f"/diary/entries/{entry.pk}/"
        assert client.post(f"/diary/new/?attempt={finished.pk}", entry_form()).status_code == 302
        assert DiaryEntry.objects.count() == 1


class TestEntryDetail:
    def test_the_author_reads_it(self, people) -> None:
        entry = write_entry(people.learner, studied="Alice wrote a secret")
        response = client_for(people.learner).get(f"/diary/entries/{entry.pk}/")
        assert response.status_code == 200 and "Alice wrote a secret" in response.content.decode()

    def test_a_manager_cannot_read_a_private_entry(self, people) -> None:
        entry = write_entry(people.learner, studied="Alice wrote a secret")
        for other in (people.manager, people.admin, people.teammate, people.outsider):
            response = client_for(other).get(f"/diary/entries/{entry.pk}/")
            assert response.status_code == 404
            assert "Alice wrote a secret" not in response.content.decode()

    def test_a_manager_reads_a_shared_entry_but_not_the_model_estimates(self, people) -> None:
        fractions = SkillFactory(slug="fractions", name="Fractions")
        set_mastery(people.learner, {"fractions": 0.55})
        entry = write_entry(people.learner, studied="Alice wrote a shared note", shared=True, ratings={fractions: 5})
        response = client_for(people.manager).get(f"/diary/entries/{entry.pk}/")
        html = response.content.decode()
        assert response.status_code == 200 and "Alice wrote a shared note" in html
        assert "5/5" in html and "55%" not in html
        assert client_for(people.outsider).get(f"/diary/entries/{entry.pk}/").status_code == 404

    def test_it_refuses_post(self, people) -> None:
        entry = write_entry(people.learner)
        assert client_for(people.learner).post(f"/diary/entries/{entry.pk}/").status_code == 405

    def test_a_missing_entry_is_a_404(self, people) -> None:
        assert client_for(people.learner).get("/diary/entries/999/").status_code == 404


class TestShare:
    def test_it_shares_and_unshares(self, people) -> None:
        entry = write_entry(people.learner)
        client = client_for(people.learner)
        assert client.post(f"/diary/entries/{entry.pk}/share/", {"shared": "on"}).status_code == 302
        entry.refresh_from_db()
        assert entry.shared_with_managers
        client.post(f"/diary/entries/{entry.pk}/share/", {})
        entry.refresh_from_db()
        assert not entry.shared_with_managers

    def test_it_answers_htmx_with_the_toggle(self, people) -> None:
        entry = write_entry(people.learner)
        response = client_for(people.learner).post(f"/diary/entries/{entry.pk}/share/", {"shared": "on"},
                                                   headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and "Shared with your managers" in html and "<html" not in html

    def test_a_repeat_changes_nothing(self, people) -> None:
        entry = write_entry(people.learner)
        client = client_for(people.learner)
        client.post(f"/diary/entries/{entry.pk}/share/", {"shared": "on"})
        client.post(f"/diary/entries/{entry.pk}/share/", {"shared": "on"})
        entry.refresh_from_db()
        assert entry.shared_with_managers

    def test_only_the_author_shares(self, people) -> None:
        entry = write_entry(people.learner)
        for other in (people.manager, people.admin, people.outsider):
            assert client_for(other).post(f"/diary/entries/{entry.pk}/share/", {"shared": "on"}).status_code == 404
        entry.refresh_from_db()
        assert not entry.shared_with_managers

    def test_it_refuses_get(self, people) -> None:
        entry = write_entry(people.learner)
        assert client_for(people.learner).get(f"/diary/entries/{entry.pk}/share/").status_code == 405


class TestDailyInvitation:
    def test_the_dashboard_invites_and_not_today_dismisses_it(self, people) -> None:
        enrol(people.learner, ModuleFactory().course)
        client = client_for(people.learner)
        assert "A minute for your diary?" in client.get("/").content.decode()
        response = client.post("/diary/invitation/dismiss/")
        assert response.status_code == 302
        assert "A minute for your diary?" not in client.get("/").content.decode()

    def test_a_repeat_changes_nothing(self, people) -> None:
        client = client_for(people.learner)
        client.post("/diary/invitation/dismiss/")
        assert client.post("/diary/invitation/dismiss/", headers={"HX-Request": "true"}).status_code == 200
        assert DiaryPromptDismissal.objects.count() == 1

    def test_it_refuses_get(self, people) -> None:
        assert client_for(people.learner).get("/diary/invitation/dismiss/").status_code == 405

    def test_it_dismisses_only_for_oneself(self, people) -> None:
        enrol(people.learner, ModuleFactory().course)
        client_for(people.outsider).post("/diary/invitation/dismiss/")
        assert "A minute for your diary?" in client_for(people.learner).get("/").content.decode()


class TestQuizSummaryInvitation:
    def test_it_invites_after_a_module_then_links_the_entry(self, people, finished) -> None:
        client = client_for(people.learner)
        html = client.get(f"/quiz/{finished.pk}/summary/").content.decode()
        assert f"/diary/new/?attempt={finished.pk}" in html
        entry = write_entry(people.learner, quiz_attempt=finished)
        html = client.get(f"/quiz/{finished.pk}/summary/").content.decode()
        assert f"/diary/entries/{entry.pk}/" in html


class TestTeamDiaries:
    def test_a_manager_sees_counts_not_text(self, people) -> None:
        write_entry(people.learner, studied="Alice wrote a secret")
        shared = write_entry(people.learner, studied="Alice wrote a shared note", shared=True)
        write_entry(people.outsider, studied="Charlie wrote a note")
        response = client_for(people.manager).get("/diary/team/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "alice" in html and "bob" in html and "charlie" not in html
        assert "Alice wrote a secret" not in html and "Alice wrote a shared note" not in html
        assert f"/diary/entries/{shared.pk}/" in html
        assert response.context["counts"][0].entries == 2
        assert "1 of 2 learners keeps a diary." in html
        assert "1 learner without entries yet" in html

    def test_a_learner_gets_a_404(self, people) -> None:
        assert client_for(people.learner).get("/diary/team/").status_code == 404

    def test_it_refuses_post(self, people) -> None:
        assert client_for(people.manager).post("/diary/team/").status_code == 405
