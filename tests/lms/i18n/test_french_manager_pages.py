"""The managers' pages, the emails and the pages single sign-on and LTI end on, for a French reader:
no sentence of the catalogue is left in English, and the words made in Python (reasons a learner is
flagged, chart titles, messages, email subjects) read in French too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation

from lms.accounts.models import Preferences
from lms.analytics.services import analytics_refresh
from lms.learning.models import Enrollment
from lms.notifications.emails import unsubscribe_token
from lms.notifications.tasks import send_team_digests
from tests.lms.analytics.conftest import NOW, answer, state
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz
from tests.lms.i18n.test_french_pages import _english_left, _visible_text
from tests.lms.smtp import smtp_inbox  # noqa: F401  (the fixture `inbox`: a real SMTP server)

pytestmark = pytest.mark.django_db


def _french(*users: object) -> None:
    for user in users:
        Preferences.objects.update_or_create(user=user, defaults={"language": "fr", "time_zone": "Europe/Paris"})


@pytest.fixture
def course(people):
    """A course with two skills; alice answers wrong again and again (flagged: wrong answers in a
    row, low mastery), bob has not answered since enrolling three weeks ago (flagged: inactive)."""
    course = CourseFactory(slug="numbers", title="Numbers", published=True, mastery_threshold=0.8)
    questions = []
    for index, (slug, name) in enumerate([("fractions", "Fractions"), ("decimals", "Decimals")]):
        skill = SkillFactory(slug=slug, name=name)
        module = ModuleFactory(course=course, slug=f"m{index}", title=f"Module {index}", order=index)
        module.skills.add(skill)
        for n in range(2):
            question = QuestionFactory(key=f"{slug}-{n}")
            question.skills.add(skill)
            add_to_quiz(module, question)
            questions.append(question)
    Enrollment.objects.create(user=people.learner, course=course, created=NOW - timedelta(days=10))
    Enrollment.objects.create(user=people.teammate, course=course, created=NOW - timedelta(days=21))
    for minutes in range(6):
        answer(people.learner, questions[minutes % 2], False, NOW - timedelta(hours=2) + timedelta(minutes=minutes))
    state(people.learner, {"fractions": 0.2, "decimals": 0.3}, peak={"fractions": 0.6, "decimals": 0.3})
    analytics_refresh()
    return course


def test_the_managers_pages_have_no_english_left(people, course) -> None:
    _french(people.manager)
    client = client_for(people.manager)
    learner_page = reverse("analytics_learner", args=[people.learner.pk])
    pages = {
        "this week": reverse("analytics_week"), "overview": reverse("analytics_overview"),
        "heatmap": reverse("analytics_heatmap"), "at risk": reverse("analytics_at_risk"),
        "at risk, all": reverse("analytics_at_risk") + "?view=all", "content": reverse("analytics_content"),
        "compare": reverse("analytics_compare"), "model": reverse("analytics_model"), "learner": learner_page,
        "teams": reverse("team_list"), "team": reverse("team_detail", args=["analysts"]),
        "two-factor": reverse("two_factor"), "account": reverse("account"),
        "filters refused": reverse("analytics_overview") + "?start=2026-03-02&end=2026-03-01",
    }
    for name, url in pages.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, name
        assert '<html lang="fr">' in body, name
        assert _english_left(body) == [], f"{name} ({url}) still has English"
    week = _visible_text(client.get(reverse("analytics_week")).content.decode())
    assert "Qui a besoin d’aide cette semaine" in week
    assert "6 réponses fausses d’affilée en Fractions" in week  # a reason made in Python, in French
    assert "Attribuer un module" in week
    assert "recule en Fractions : de 60 % à 20 %" in week  # (visible text turns no-break spaces into spaces)
    flagged = _visible_text(client.get(pages["at risk, all"]).content.decode())
    assert "Inactif : aucune réponse depuis l’inscription, il y a 21 jours." in flagged
    assert "25 %" in flagged and "25%" not in flagged  # shares written the French way
    assert "Apprenants actifs par jour" in client.get(reverse("analytics_overview")).content.decode()  # chart title
    refused = _visible_text(client.get(pages["filters refused"]).content.decode())
    assert "La date de début est postérieure à la date de fin." in refused


def test_a_manager_acts_in_french(people, course) -> None:
    _french(people.manager)
    client = client_for(people.manager)
    due = timezone.localdate() + timedelta(days=3)
    module = course.modules.get(slug="m1")
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(reverse("team_detail", args=["analysts"]),
                           {"module": module.pk, "due": due.isoformat(), "whole_team": "on"}, follow=True)
    with translation.override("fr"):
        day = f"{due.day} {translation.gettext(due.strftime('%b'))}"
    assert "Module 1 est attribué à toute l’équipe Analysts, à terminer pour le" in done.content.decode(), day
    refused = client.post(reverse("team_detail", args=["analysts"]), {"module": module.pk, "due": ""})
    assert refused.status_code == 400
    assert "Cochez au moins un apprenant dans le tableau" in refused.content.decode()
    empty = client.post(reverse("analytics_learner_note", args=[people.learner.pk]), {"text": "  "})
    assert empty.status_code == 400 and "Ce champ est obligatoire." in empty.content.decode()
    assert _english_left(empty.content.decode()) == []


def test_an_email_is_in_the_recipients_language(people, inbox) -> None:
    """The French learner's email is in French whoever sends it; the English manager's stays English."""
    _french(people.learner)
    module = ModuleFactory(course=CourseFactory(title="Statistics", published=True), title="Averages")
    due = timezone.localdate() + timedelta(days=10)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(people.manager).post(reverse("team_detail", args=["analysts"]), {
            "module": module.pk, "due": due.isoformat(), "whole_team": "on"})
    by_recipient = {m["X-Envelope-To"]: m for m in inbox.messages}
    french = by_recipient["alice@example.org"]
    with translation.override("fr"):
        long_due = f"{translation.gettext(due.strftime('%A')).lower()} {due.day}"
    assert french["Subject"].strip().startswith("Nouveau module attribué\u00a0: Statistics: Averages (à terminer pour le ")
    body = inbox.body(french)
    assert "maria vous a attribué un module sur Pathwise" in body
    assert f"Échéance\u00a0: {long_due}" in body
    assert "Se désabonner de ces e-mails" in body
    assert _english_left(body) == [], body
    english = by_recipient["bob@example.org"]
    assert english["Subject"].strip().startswith("New module assigned: Statistics: Averages (due ")
    assert "maria assigned you a module" in inbox.body(english)


def test_a_message_and_a_digest_in_french(people, inbox, settings) -> None:
    settings.PATHWISE_TEAM_DIGEST, settings.PATHWISE_EMAIL_HOUR = "daily", 0  # whatever the day and hour now
    _french(people.learner, people.manager)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(people.manager).post(reverse("analytics_learner_message", args=[people.learner.pk]),
                                        {"text": "Bon travail cette semaine."})
    [message] = inbox.messages
    assert message["Subject"].strip() == "Un message de maria sur Pathwise"
    body = inbox.body(message)
    assert "maria vous a envoyé un message sur Pathwise" in body and "Répondez à cet e-mail" in body
    assert _english_left(body) == []
    module = ModuleFactory(course=CourseFactory(title="Statistics", published=True), title="Averages")
    from adaptive.models import Assignment

    Assignment.objects.create(module=module, learner=people.learner, assigned_by=people.manager,
                              due=timezone.localdate() - timedelta(days=2))
    send_team_digests.delay()
    subject = inbox.messages[-1]["Subject"].strip()
    assert subject == "En retard dans vos équipes\u00a0: 1 module attribué"
    digest_body = inbox.body(inbox.messages[-1])
    assert "alice : Statistics: Averages" in digest_body.replace("\u00a0", " ")
    assert "(2 jours de retard)" in digest_body
    assert _english_left(digest_body) == []


@pytest.mark.parametrize("url", ["/sso/login/cancelled/", "/sso/login/error/", "/sso/inactive/", "/lti/login/"])
def test_the_pages_sign_in_and_links_end_on_follow_the_browser(db: None, url: str) -> None:
    response = Client(headers={"accept-language": "fr-FR,fr;q=0.9"}).get(url)
    body = response.content.decode()
    assert response.status_code in {200, 400, 401, 403}, url
    assert '<html lang="fr">' in body, url
    assert _english_left(body) == [], url
    assert "Pathwise" in body


def test_the_unsubscribe_page_is_in_the_readers_language(people) -> None:
    _french(people.learner)
    url = reverse("unsubscribe", args=[unsubscribe_token(people.learner.pk, "assignments")])
    page = Client(headers={"accept-language": "fr-FR,fr;q=0.9"}).get(url).content.decode()
    assert "Ne plus recevoir les e-mails sur les modules qui vous sont attribués" in page
    assert _english_left(page) == []
    done = Client(headers={"accept-language": "fr-FR,fr;q=0.9"}).post(url).content.decode()
    assert "Vous êtes désabonné" in done and _english_left(done) == []


def test_the_people_import_speaks_french_to_a_french_admin(people) -> None:
    """The admin's own pages follow the admin's language too: the CSV import's preview, row errors and
    result (Django's French covers the rest of the admin)."""
    _french(people.admin)
    client = client_for(people.admin)
    data = b"username,email,role,teams\nnina,nina@example.org,learner,Support\nomar,bad-address,,\n"
    refused = client.post("/admin/people/import/", {"file": SimpleUploadedFile("people.csv", data)})
    body = refused.content.decode()
    assert "Lignes refusées" in body and "&#x27;bad-address&#x27; n’est pas une adresse e-mail" in body
    assert "à créer\u00a0: 1, à modifier\u00a0: 0, inchangés\u00a0: 0, refusés\u00a0: 1" in body
    assert _english_left(body) == []
    preview = client.post("/admin/people/import/", {"file": SimpleUploadedFile("people.csv", data[:-22])})
    assert 'value="Importer"' in preview.content.decode() and _english_left(preview.content.decode()) == []
    done = client.post("/admin/people/import/", {"token": preview.context["token"], "confirm": "1"}, follow=True)
    assert "importé\u00a0: créés\u00a0: 1, modifiés\u00a0: 0, inchangés\u00a0: 0, refusés\u00a0: 0\u00a0; 1 nouvelle équipe" in (
        done.content.decode())
