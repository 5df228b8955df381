"""The learner's pages rendered for a French reader: no sentence of the catalogue is left in English,
and a decision's reason reads in French."""

from __future__ import annotations

import re

import polib
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from adaptive.models import Decision
from adaptive.reasons import learner_text
from lms.accounts.models import Preferences
from lms.content.models import Question
from lms.learning.models import QuizAttempt
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz, enrol
from tests.lms.i18n.test_catalogue import PO
from tests.lms.i18n.test_unmarked_text import _TextCollector

pytestmark = pytest.mark.django_db


def _english_sentences() -> set[str]:
    """The catalogue's English sentences of two words or more that French words differently, without
    placeholders (those are checked through their French rendering)."""
    return {e.msgid for e in polib.pofile(str(PO))
            if not e.msgid_plural and "%" not in e.msgid and "<" not in e.msgid and len(e.msgid.split()) >= 2
            and e.msgstr != e.msgid}


def _visible_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    return " ".join(" ".join(collector.texts).split())


def _english_left(html: str) -> list[str]:
    text = _visible_text(html)
    return sorted(s for s in _english_sentences() if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text))


@pytest.fixture
def french_learner(people):
    Preferences.objects.create(user=people.learner, language="fr", time_zone="Europe/Paris")
    return people.learner


@pytest.fixture
def course(db: None):
    course = CourseFactory(slug="stats", title="Statistics", published=True)
    module = ModuleFactory(course=course, slug="averages", title="Averages", body="# Averages")
    skill = SkillFactory(slug="averages", name="Averages")
    module.skills.add(skill)
    question = QuestionFactory(key="q-numeric", type=Question.NUMERIC, numeric_answer=2.5, numeric_tolerance=0.1)
    question.skills.add(skill)
    add_to_quiz(module, question)
    ModuleFactory(course=course, slug="spread", title="Spread")
    return course


def test_the_learners_pages_have_no_english_left(french_learner, course) -> None:
    client = client_for(french_learner)
    module = course.modules.get(slug="averages")
    enrol(french_learner, course)
    start = client.post(reverse("quiz_start", args=["stats", "averages"]))
    attempt = QuizAttempt.objects.get(pk=start.url.split("/")[2])
    pages = {
        "dashboard": reverse("dashboard"), "course": course.get_absolute_url(), "module": module.get_absolute_url(),
        "quiz": reverse("quiz", args=[attempt.pk]), "diary": reverse("diary"), "new entry": reverse("diary_entry_new"),
        "account": reverse("account"), "delete": reverse("account_delete"), "password": reverse("password_change"),
    }
    for name, url in pages.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, name
        assert '<html lang="fr">' in body, name
        assert _english_left(body) == [], f"{name} ({url}) still has English"
    answer = client.post(reverse("quiz_answer", args=[attempt.pk, attempt.current_question_id]),
                         {"answer": "", "submission_id": "6f1c1a1e-8d4b-4b5e-9a59-3f1f5b7d2c10"})
    assert "Saisissez un nombre." in answer.content.decode()  # the form's own error, in French
    assert "Mon apprentissage" in client.get(reverse("dashboard")).content.decode()


def test_signed_out_pages_follow_the_browser(db: None) -> None:
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    for url in (reverse("login"), reverse("password_reset"), "/no-such-page/"):
        body = client.get(url).content.decode()
        assert '<html lang="fr">' in body, url
        assert _english_left(body) == [], url
    assert "Mot de passe oublié" in client.get(reverse("login")).content.decode()


def test_the_check_sees_english_when_it_is_there(people) -> None:
    body = client_for(people.learner).get(reverse("account")).content.decode()  # no choice, no header: English
    assert "Save language and time zone" in _english_left(body)


def test_a_reason_reads_in_french() -> None:
    with translation.override("fr"):
        assert learner_text("assigned", {"module": "Spread", "due": "2026-12-11"}) == (
            "On vous a attribué Spread, à terminer pour le 11 décembre.")
        assert learner_text("quiz_mastered", {"skills": ["Mean", "Median", "Mode"]}) == (
            "Vous maîtrisez Mean, Median et Mode. Quiz terminé, bravo\u00a0!")
        decision = Decision(reason="Predicted 72% chance of success.", reason_code="question_target",
                            reason_params={"skills": ["Spread"], "predicted": 0.72})
        assert decision.learner_reason == (
            "De l’entraînement sur Spread à votre niveau\u00a0: exigeant, mais à votre portée.")
