from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from adaptive.models import ModelVersion
from lms.analytics.models import ModelHealthCheck
from lms.analytics.services import model_health_check
from tests.lms.conftest import client_for

URL = reverse("analytics_model")


def test_it_says_no_model_trained_yet(people) -> None:
    response = client_for(people.manager).get(URL)
    assert response.status_code == 200
    assert "The built-in model serves" in response.content.decode()
    assert model_health_check() is None


def test_it_shows_the_champion_in_plain_words_to_managers(trained, people) -> None:
    html = client_for(people.manager).get(URL).content.decode()
    champion = ModelVersion.objects.get(status=ModelVersion.CHAMPION)
    assert "not checked on live answers yet" in html
    assert f"<strong>{champion.name}</strong>" in html and "AUC" in html
    assert "Calibration" in html and 'class="chart"' in html
    assert "Detail (admins)" not in html


def test_it_shows_the_detail_and_history_to_admins(trained, people) -> None:
    html = client_for(people.admin).get(URL).content.decode()
    assert "Detail (admins)" in html and "History" in html and "logloss" in html


def test_it_checks_the_champion_on_live_answers(trained, people) -> None:
    check = model_health_check(window_days=30)
    assert check is not None and check.responses > 0 and 0.0 <= check.live_auc <= 1.0
    assert check.heldout_auc == ModelVersion.objects.get(status=ModelVersion.CHAMPION).metrics["auc"]
    response = client_for(people.admin).get(URL)
    assert response.context["live"] == check


def test_it_says_since_when_the_model_is_degraded(trained, people) -> None:
    champion = ModelVersion.objects.get(status=ModelVersion.CHAMPION)
    now = timezone.now()
    for days, degraded in [(3, False), (2, True), (1, True)]:
        ModelHealthCheck.objects.create(model_version=champion, computed_at=now - timedelta(days=days), window_days=7,
                                        responses=500, learners=50, live_auc=0.6 if degraded else 0.75,
                                        heldout_auc=0.75, degraded=degraded)
    html = client_for(people.manager).get(URL).content.decode()
    since = timezone.localtime(now - timedelta(days=2))
    assert f"Degraded since {since:%d %b %Y %H:%M}" in html


def test_it_exports_the_calibration_as_csv(trained, people) -> None:
    response = client_for(people.manager).get(URL, {"format": "csv", "table": "calibration"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "source,low,high,count,predicted,observed" and lines[1].startswith("held-out,")


def test_it_exports_the_model_registry_to_admins_only(trained, people) -> None:
    query = {"format": "csv", "table": "versions"}
    assert client_for(people.manager).get(URL, query).status_code == 404, "the page shows it to admins only"
    response = client_for(people.admin).get(URL, query)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines()[0].startswith("id,name,status,")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods(people, method) -> None:
    assert getattr(client_for(people.manager), method)(URL).status_code == 405


def test_it_404s_for_learners(people) -> None:
    assert client_for(people.learner).get(URL).status_code == 404


def test_it_answers_htmx_with_the_report_only(people) -> None:
    html = client_for(people.manager).get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="report"')


def test_it_says_why_a_refused_champion_does_not_serve(trained, people) -> None:
    champion = ModelVersion.objects.get(status=ModelVersion.CHAMPION)
    ModelVersion.objects.filter(pk=champion.pk).update(
        load_error="Refused: it fails the invariants: data-literacy: averages stays below mastery")
    html = client_for(people.manager).get(URL).content.decode()
    assert "The champion was refused" in html and "stays below mastery" in html
