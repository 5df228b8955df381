"""The model registry in the admin reads as a person would: times in minutes and seconds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from adaptive.admin import duration_text
from adaptive.models import ModelVersion
from tests.lms.conftest import client_for


@pytest.mark.parametrize(("seconds", "text"), [(None, "–"), (0.4, "0.4 s"), (42.4, "42 s"),
                                               (258.15693054199994, "4 min 18 s"), (7384, "2 h 3 min")])
def test_it_writes_training_time_in_minutes_and_seconds(seconds, text) -> None:
    assert duration_text(seconds) == text


@pytest.mark.django_db
def test_it_lists_versions_with_a_readable_training_time(people) -> None:
    ModelVersion.objects.create(name="skill_elo", artifact="skill_elo-1.pt", sha256="0" * 64, train_seconds=258.15693054199994)
    html = client_for(people.admin).get(reverse("admin:adaptive_modelversion_changelist")).content.decode()
    assert "4 min 18 s" in html and "258.1569" not in html


@pytest.mark.django_db
def test_it_lists_a_version_saved_under_a_former_name_by_its_new_name(people) -> None:
    ModelVersion.objects.create(name="hybrid", artifact="hybrid-1.pt", sha256="0" * 64)
    html = client_for(people.admin).get(reverse("admin:adaptive_modelversion_changelist")).content.decode()
    assert 'class="field-learner_model">gru_pfa</td>' in html
