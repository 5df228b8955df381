from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lms.notifications.models import CalendarFeed, EmailSettings
from tests.lms.conftest import client_for


def test_it_shows_the_email_settings_and_calendar_offer(people) -> None:
    response = client_for(people.learner).get(reverse("account"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<h1>Your account</h1>' in body
    assert '<label for="id_assignments">' in body and 'id="id_assignments" checked' in body
    assert "id_team_digest" not in body  # learners manage no team
    assert "Get a calendar address" in body


def test_a_manager_also_chooses_the_digest(people) -> None:
    body = client_for(people.manager).get(reverse("account")).content.decode()
    assert '<label for="id_team_digest">' in body


def test_it_saves_the_email_settings(people) -> None:
    client = client_for(people.manager)
    response = client.post(reverse("email_settings"), {"team_digest": "on"})
    assert response.status_code == 302 and response.url == reverse("account") + "#email"
    row = EmailSettings.objects.get(user=people.manager)
    assert (row.assignments, row.team_digest) == (False, True)
    client.post(reverse("email_settings"), {"team_digest": "on"})  # again: the same
    assert EmailSettings.objects.filter(user=people.manager).count() == 1
    assert 'id="id_assignments" checked' not in client.get(reverse("account")).content.decode()


def test_a_learner_cannot_turn_the_digest_on_or_off(people) -> None:
    client_for(people.learner).post(reverse("email_settings"), {"assignments": "on", "team_digest": "garbage"})
    row = EmailSettings.objects.get(user=people.learner)
    assert (row.assignments, row.team_digest) == (True, True)


def test_it_shows_the_calendar_address_to_copy(people) -> None:
    client = client_for(people.learner)
    client.post(reverse("calendar_feed_new"))
    token = CalendarFeed.objects.get(user=people.learner).token
    body = client.get(reverse("account")).content.decode()
    assert f'value="http://testserver/calendar/{token}.ics" readonly' in body
    assert '<label for="calendar-url">' in body and "Copy address" in body and "Make a new address" in body


def test_the_account_page_is_for_signed_in_users_and_reads_only(people) -> None:
    assert Client().get(reverse("account")).status_code == 302
    assert client_for(people.learner).post(reverse("account")).status_code == 405
    assert Client().post(reverse("email_settings")).status_code == 302
    assert client_for(people.learner).get(reverse("email_settings")).status_code == 405
