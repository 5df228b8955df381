"""Language and time zone: chosen per user on the account page, else the browser's language and the
site's zone; every date on a page in the user's zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lms.accounts.models import Preferences
from tests.lms.conftest import client_for
from tests.lms.diary.helpers import write_entry

pytestmark = pytest.mark.django_db


def test_it_saves_the_language_and_time_zone(people) -> None:
    client = client_for(people.learner)
    response = client.post(reverse("preferences_save"), {"language": "fr", "time_zone": "Europe/Paris"})
    assert response.status_code == 302 and response.url == reverse("account") + "#preferences"
    row = Preferences.objects.get(user=people.learner)
    assert (row.language, row.time_zone) == ("fr", "Europe/Paris")
    client.post(reverse("preferences_save"), {"language": "fr", "time_zone": "Europe/Paris"})  # again: the same
    assert Preferences.objects.filter(user=people.learner).count() == 1
    page = client.get(reverse("account"))
    body = page.content.decode()
    assert page["Content-Language"] == "fr"
    assert '<html lang="fr">' in body and "<h1>Votre compte</h1>" in body
    assert "Votre langue et votre fuseau horaire sont enregistrés." in body
    assert '<option value="Europe/Paris" selected>' in body


def test_it_refuses_a_language_or_zone_not_offered_and_changes_nothing(people) -> None:
    client = client_for(people.learner)
    for data in ({"language": "xx", "time_zone": ""}, {"language": "", "time_zone": "Mars/Olympus_Mons"}):
        response = client.post(reverse("preferences_save"), data, follow=True)
        assert response.status_code == 200
        assert "Choose a language and a time zone from the lists." in response.content.decode()
    assert not Preferences.objects.filter(user=people.learner).exists()


def test_it_only_takes_a_post_from_a_signed_in_user(people) -> None:
    assert client_for(people.learner).get(reverse("preferences_save")).status_code == 405
    response = Client().post(reverse("preferences_save"), {"language": "fr", "time_zone": ""})
    assert response.status_code == 302 and reverse("login") in response.url
    assert not Preferences.objects.exists()


def test_without_a_choice_the_language_is_the_browsers(people) -> None:
    client = client_for(people.learner)
    french = client.get(reverse("account"), headers={"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert "<h1>Votre compte</h1>" in french.content.decode()
    english = client.get(reverse("account"), headers={"accept-language": "en-US,en;q=0.8"})
    assert "<h1>Your account</h1>" in english.content.decode()
    unknown = client.get(reverse("account"), headers={"accept-language": "tlh"})
    assert "<h1>Your account</h1>" in unknown.content.decode()  # a language not offered: the site's


def test_the_users_choice_wins_over_the_browser(people) -> None:
    Preferences.objects.create(user=people.learner, language="en-gb")
    body = client_for(people.learner).get(reverse("account"), headers={"accept-language": "fr"}).content.decode()
    assert "<h1>Your account</h1>" in body


def test_dates_are_shown_in_the_users_time_zone(people) -> None:
    entry = write_entry(people.learner)
    entry.created = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    entry.save(update_fields=["created"])
    client = client_for(people.learner)
    assert "1 Mar 2026, 23:30" in client.get(reverse("diary")).content.decode()  # the site's zone, UTC
    Preferences.objects.create(user=people.learner, time_zone="Asia/Tokyo")
    assert "2 Mar 2026, 08:30" in client.get(reverse("diary")).content.decode()  # UTC+9: the next morning


def test_the_zone_does_not_leak_into_the_next_request(people) -> None:
    entry = write_entry(people.teammate)
    entry.created = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    entry.save(update_fields=["created"])
    Preferences.objects.create(user=people.learner, time_zone="Asia/Tokyo")
    client_for(people.learner).get(reverse("diary"))
    assert "1 Mar 2026, 23:30" in client_for(people.teammate).get(reverse("diary")).content.decode()


def test_the_sessions_user_comes_with_their_preferences_in_one_query(people, django_assert_num_queries) -> None:
    from lms.accounts.backends import AccountBackend
    from lms.accounts.middleware import _chosen

    Preferences.objects.create(user=people.learner, language="fr", time_zone="Asia/Tokyo")
    with django_assert_num_queries(1):
        user = AccountBackend().get_user(people.learner.pk)
        assert _chosen(user) == ("fr", "Asia/Tokyo")
    with django_assert_num_queries(1):
        teammate = AccountBackend().get_user(people.teammate.pk)
        assert _chosen(teammate) == ("", "")  # none chosen: no second query to find out
    people.learner.is_active = False
    people.learner.save(update_fields=["is_active"])
    assert AccountBackend().get_user(people.learner.pk) is None and AccountBackend().get_user(10**9) is None
