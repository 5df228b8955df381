"""Suggested skills for untagged questions: in the import reports, the suggest_skills command, the
admin's question form and review page. Suggestions wait for an admin; approving applies them."""

from __future__ import annotations

import socket
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from adaptive.tagging import (
    fitted_tagger,
    skill_suggestions_approve,
    skill_suggestions_record,
    skill_suggestions_reject,
    untagged_questions,
)
from lms.content.gift import question_bank_import_gift
from lms.content.importing import ImportInvalid
from lms.content.models import Question, Skill, SkillSuggestion
from lms.content.packages.writing import course_package_import
from lms.content.services import skill_suggestions_work_out
from tests.lms.conftest import client_for
from tests.lms.content.package_builder import questions_data, write_package
from tests.lms.factories import QuestionFactory, SkillFactory

pytestmark = pytest.mark.django_db

VOCABULARY = {
    "averages": ["mean", "median", "average", "typical value", "mode", "middle value", "sum divided by the count"],
    "spread": ["range", "spread", "variance", "standard deviation", "interquartile", "how far apart", "outliers"],
}


def tagged_bank() -> dict[str, Skill]:
    """Four tagged questions per skill, each in that skill's words."""
    skills = {slug: SkillFactory(slug=slug, name=slug.title()) for slug in VOCABULARY}
    for slug, words in VOCABULARY.items():
        for i in range(4):
            question = QuestionFactory(
                key=f"{slug}-{i}", stem=f"Which {words[i]} do these numbers have? Think of the {words[i + 1]}.",
                explanation=f"The {words[i + 2]} and the {words[(i + 3) % len(words)]} describe the data.",
            )
            question.skills.add(skills[slug])
    return skills


def untagged_question(key: str = "new-q", about: str = "averages") -> Question:
    words = VOCABULARY[about]
    return QuestionFactory(key=key, stem=f"What is the {words[1]} of 3, 5, 9? Not the {words[0]}.",
                           explanation=f"The {words[1]} is the {words[5]}.")


def test_it_records_pending_suggestions_without_applying_them() -> None:
    tagged_bank()
    question = untagged_question()
    found = skill_suggestions_record(questions=[question], source="test")
    assert found["new-q"][0].skill == "averages"
    assert 0.5 < found["new-q"][0].confidence <= 1.0
    assert [s.confidence for s in found["new-q"]] == sorted((s.confidence for s in found["new-q"]), reverse=True)
    pending = SkillSuggestion.objects.get(question=question, skill__slug="averages")
    assert (pending.status, pending.rank, pending.source) == (SkillSuggestion.PENDING, 1, "test")
    assert not question.skills.exists()
    # A repeat updates the same rows.
    skill_suggestions_record(questions=[question], source="test")
    assert SkillSuggestion.objects.filter(question=question).count() == len(found["new-q"])


def test_approval_applies_the_tag_and_a_repeat_changes_nothing(people) -> None:
    tagged_bank()
    question = untagged_question()
    skill_suggestions_record(questions=[question], source="test")
    first = SkillSuggestion.objects.filter(question=question, rank=1)
    assert skill_suggestions_approve(suggestions=first, user=people.admin) == 1
    assert list(question.skills.values_list("slug", flat=True)) == ["averages"]
    approved = first.get()
    assert (approved.status, approved.decided_by) == (SkillSuggestion.APPROVED, "ada")
    assert skill_suggestions_approve(suggestions=first, user=people.admin) == 0
    assert question.skills.count() == 1


def test_a_rejected_suggestion_is_not_suggested_again() -> None:
    tagged_bank()
    question = untagged_question()
    skill_suggestions_record(questions=[question], source="test")
    skill_suggestions_reject(suggestions=SkillSuggestion.objects.filter(question=question, skill__slug="averages"))
    found = skill_suggestions_record(questions=[question], source="test")
    assert "averages" not in [s.skill for s in found["new-q"]]
    assert not question.skills.exists()


def test_a_bank_with_one_skill_gives_no_tagger() -> None:
    skill = SkillFactory()
    QuestionFactory().skills.add(skill)
    assert fitted_tagger() is None
    assert skill_suggestions_record(questions=[untagged_question()], source="test") == {"new-q": []}


def test_the_tagger_is_refitted_when_the_bank_changes() -> None:
    skills = tagged_bank()
    first = fitted_tagger()
    assert fitted_tagger() is first
    QuestionFactory(key="charts-0", stem="A bar chart").skills.add(skills["spread"])
    assert fitted_tagger() is not first


def test_suggesting_makes_no_network_access(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tagging tried to open a network connection")

    tagged_bank()
    question = untagged_question()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert skill_suggestions_record(questions=[question], source="test", meta="auto")["new-q"]


class TestCoursePackage:
    def test_untagged_questions_get_suggestions_and_a_warning(self, tmp_path: Path, django_capture_on_commit_callbacks
                                                              ) -> None:
        tagged_bank()
        questions = questions_data()
        questions.append({"key": "cnt-avg", "type": "true_false", "stem": "The median is the middle value.",
                          "difficulty": 2, "skills": [], "answer": True,
                          "explanation": "The median is the middle value, not the mean."})
        questions.append({"key": "cnt-range", "type": "true_false", "stem": "The range shows how far apart values are.",
                          "difficulty": 2, "answer": True, "explanation": "Range and spread: the outliers matter."})
        with django_capture_on_commit_callbacks(execute=True) as queued:  # the task runs eagerly here
            report = course_package_import(path=write_package(tmp_path / "pkg", questions=questions))
            assert not SkillSuggestion.objects.exists(), "worked out after the import commits, not during it"
        assert len(queued) == 1
        assert not Question.objects.get(key="cnt-avg").skills.exists()  # never applied silently
        assert any("'cnt-avg' has no skill" in w for w in report.warnings)
        assert any("'cnt-range' has no skill" in w for w in report.warnings)
        assert report.suggestions == ["cnt-avg", "cnt-range"]
        assert "wait for approval" in report.summary()
        best = {s.question.key: s.skill.slug for s in SkillSuggestion.objects.filter(rank=1, source="import_course")}
        assert best == {"cnt-avg": "averages", "cnt-range": "spread"}
        assert SkillSuggestion.objects.filter(question__key="cnt-avg", status="pending").exists()

    def test_a_dry_run_queues_nothing(self, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
        tagged_bank()
        questions = questions_data()
        questions.append({"key": "cnt-avg", "type": "true_false", "stem": "The median is the middle value.",
                          "difficulty": 2, "skills": [], "answer": True, "explanation": "The mean differs."})
        with django_capture_on_commit_callbacks(execute=True) as queued:
            report = course_package_import(path=write_package(tmp_path / "pkg", questions=questions), dry_run=True)
        assert queued == [] and report.suggestions == [] and not SkillSuggestion.objects.exists()

    def test_a_reimport_keeps_an_approved_tag(self, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
        tagged_bank()
        questions = questions_data()
        questions.append({"key": "cnt-avg", "type": "true_false", "stem": "The median is the middle value.",
                          "difficulty": 2, "skills": [], "answer": True, "explanation": "The mean differs."})
        package = write_package(tmp_path / "pkg", questions=questions)
        with django_capture_on_commit_callbacks(execute=True):
            course_package_import(path=package)
        skill_suggestions_approve(suggestions=SkillSuggestion.objects.filter(question__key="cnt-avg", rank=1))
        report = course_package_import(path=package)
        assert list(Question.objects.get(key="cnt-avg").skills.values_list("slug", flat=True)) == ["averages"]
        assert report.suggestions == []

    def test_a_fully_tagged_package_has_no_suggestions(self, tmp_path: Path) -> None:
        report = course_package_import(path=write_package(tmp_path / "pkg"))
        assert report.suggestions == [] and "Suggested skills" not in report.summary()
        assert not SkillSuggestion.objects.exists()


class TestGift:
    def test_questions_without_a_category_get_suggestions(self, tmp_path: Path, django_capture_on_commit_callbacks
                                                          ) -> None:
        tagged_bank()
        path = tmp_path / "quiz.gift"
        path.write_text("::Middle::The median is the middle value of sorted data.{T}\n\n"
                        "$CATEGORY: Spread\n\n::Range::The range is the largest minus the smallest value.{T}\n")
        with django_capture_on_commit_callbacks(execute=True):
            report = question_bank_import_gift(path=path, skill_slug=None, key_prefix="g", suggest_skills=True)
        assert not Question.objects.get(key="g-middle").skills.exists()
        assert list(Question.objects.get(key="g-range").skills.values_list("slug", flat=True)) == ["spread"]
        assert report.suggestions == ["g-middle"]
        assert "wait for approval" in report.summary()
        first = SkillSuggestion.objects.get(question__key="g-middle", rank=1)
        assert (first.skill.slug, first.source, first.status) == ("averages", "import_gift", "pending")
        assert not SkillSuggestion.objects.filter(question__key="g-range").exists(), "tagged: nothing asked for"

    def test_without_the_option_a_category_is_still_required(self, tmp_path: Path) -> None:
        path = tmp_path / "quiz.gift"
        path.write_text("::Middle::The median is the middle value.{T}\n")
        with pytest.raises(ImportInvalid, match="has no skill"):
            question_bank_import_gift(path=path, skill_slug=None, key_prefix="g")

    def test_the_command_takes_the_option(self, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
        tagged_bank()
        path = tmp_path / "quiz.gift"
        path.write_text("::Middle::The median is the middle value.{T}\n")
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_gift", str(path), "--prefix", "g", "--suggest-skills", stdout=out)
        assert "being suggested in the background" in out.getvalue() and "  - g-middle" in out.getvalue()
        assert SkillSuggestion.objects.filter(question__key="g-middle", skill__slug="averages").exists()


class TestSuggestSkillsCommand:
    def test_it_tags_the_untagged_questions_of_the_bank_for_review(self) -> None:
        tagged_bank()
        untagged_question("q-avg", "averages")
        untagged_question("q-spread", "spread")
        out = StringIO()
        call_command("suggest_skills", stdout=out)
        text = out.getvalue()
        assert "Tagger: 2 skills from 8 tagged questions" in text
        assert "q-avg: averages (" in text and "q-spread: spread (" in text
        assert set(SkillSuggestion.objects.values_list("question__key", flat=True)) == {"q-avg", "q-spread"}
        assert "Suggestions recorded for 2 of 2 questions" in text
        assert untagged_questions().count() == 2  # nothing applied
        recorded = SkillSuggestion.objects.count()
        call_command("suggest_skills", stdout=StringIO())
        assert SkillSuggestion.objects.count() == recorded  # a repeat adds nothing

    def test_it_takes_keys_and_refuses_unknown_ones(self) -> None:
        tagged_bank()
        untagged_question("q-avg")
        out = StringIO()
        call_command("suggest_skills", "q-avg", "--top", "1", stdout=out)
        assert SkillSuggestion.objects.get().skill.slug == "averages"
        with pytest.raises(CommandError, match="no such question: nope"):
            call_command("suggest_skills", "nope")

    def test_it_needs_tagged_questions(self) -> None:
        untagged_question()
        with pytest.raises(CommandError, match="at least two skills"):
            call_command("suggest_skills", stdout=StringIO())


class TestAdmin:
    def test_the_question_form_shows_stored_suggestions_with_confidences(self, people) -> None:
        tagged_bank()
        question = untagged_question()
        skill_suggestions_work_out(question_ids=[question.pk], source="test")
        response = client_for(people.admin).get(reverse("admin:content_question_change", args=[question.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Suggested skills" in html and "<li>averages <span>(" in html
        assert not question.skills.exists()

    def test_the_add_form_explains_itself(self, people) -> None:
        response = client_for(people.admin).get(reverse("admin:content_question_add"))
        assert "Save the question to see the skills suggested" in response.content.decode()

    def test_the_review_page_approves_selected_suggestions(self, people) -> None:
        tagged_bank()
        question = untagged_question()
        skill_suggestions_record(questions=[question], source="test")
        chosen = SkillSuggestion.objects.get(question=question, skill__slug="averages")
        client = client_for(people.admin)
        url = reverse("admin:content_skillsuggestion_changelist")
        assert client.get(url).status_code == 200
        response = client.post(url, {"action": "approve", "_selected_action": [chosen.pk]})
        assert response.status_code == 302
        assert list(question.skills.values_list("slug", flat=True)) == ["averages"]
        change = client.get(reverse("admin:content_question_change", args=[question.pk])).content.decode()
        assert "Review" not in change or "pending" not in change.split("Suggested skills")[1][:400]

    def test_learners_and_managers_cannot_review(self, people) -> None:
        url = reverse("admin:content_skillsuggestion_changelist")
        for user in (people.learner, people.manager):
            assert client_for(user).get(url).status_code == 302


class KeywordEncoder:
    """A configured encoder: one dimension per keyword."""

    KEYWORDS = ("median", "mean", "range", "spread")

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, texts: list[str]) -> KeywordEncoder:
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        x = np.array([[self.scale * text.lower().count(k) for k in self.KEYWORDS] for text in texts], dtype=float)
        return (x + 1e-6) / np.linalg.norm(x + 1e-6, axis=1, keepdims=True)


def test_the_encoder_is_configured_by_a_setting(settings) -> None:
    settings.PATHWISE_TAGGING_ENCODER = "tests.lms.content.test_skill_suggestions.KeywordEncoder"
    settings.PATHWISE_TAGGING_ENCODER_OPTIONS = {"scale": 2.0}
    tagged_bank()
    tagger = fitted_tagger()
    assert isinstance(tagger.encoder, KeywordEncoder) and tagger.encoder.scale == 2.0
    assert skill_suggestions_record(questions=[untagged_question()], source="test")["new-q"][0].skill == "averages"
