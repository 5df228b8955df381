from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from adaptive.models import ModelVersion, TrainingRun
from adaptive.tasks import retrain_learner_model
from lms.content.models import Course
from lms.content.packages.writing import course_package_import
from lms.learning.simulation import simulate_course_activity
from tests.lms.conftest import client_for


@pytest.fixture
def course_with_more_activity(db: None) -> Course:
    """Enough learners that the held-out fifth (chosen by a hash of each learner's id, so a different
    fifth whenever other tests have used ids before) shows a trained model credibly better than the
    fallback: with 60, some fifths of a dozen learners leave the gain's interval across zero, and the
    comparison rightly refuses to promote."""
    course_package_import(path=django_settings.DEMO_COURSES_DIR / "data-literacy")
    course = Course.objects.get(slug="data-literacy")
    simulate_course_activity(course=course, learners=150, seed=1, days=20)
    return course


def test_a_queued_run_trains_and_promotes_once(course_with_more_activity, settings) -> None:
    settings.PATHWISE_LEARNER_MODEL = "pfa"
    run = TrainingRun.objects.create(model_name="skill_elo")
    version_id = retrain_learner_model(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.SUCCEEDED and run.progress == 1.0
    assert run.model_version_id == version_id and run.device == "cpu"
    assert "promoted" in run.message
    assert ModelVersion.objects.get(pk=version_id).status == ModelVersion.CHAMPION, run.message
    assert retrain_learner_model(run.pk) is None, "a redelivered message trains nothing twice"
    assert ModelVersion.objects.count() == 1


def test_the_periodic_run_skips_while_another_is_running(course_with_activity, settings) -> None:
    settings.PATHWISE_LEARNER_MODEL = "pfa"
    TrainingRun.objects.create(model_name="skill_elo", status=TrainingRun.RUNNING)
    assert retrain_learner_model() is None
    assert TrainingRun.objects.count() == 1


def test_a_run_without_enough_data_fails_with_the_reason(db) -> None:
    run = TrainingRun.objects.create(model_name="skill_elo")
    retrain_learner_model(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.FAILED and "not enough data" in run.message


def test_an_admin_starts_retraining_and_sees_it(people, course_with_activity, settings,
                                                django_capture_on_commit_callbacks) -> None:
    settings.PATHWISE_LEARNER_MODEL = "pfa"
    client = client_for(people.admin)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly here
        response = client.post(reverse("admin:adaptive_trainingrun_start"))
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert run.requested_by == people.admin and run.status == TrainingRun.SUCCEEDED
    page = client.get(reverse("admin:adaptive_trainingrun_changelist")).content.decode()
    assert "Start retraining" in page and 'value="100"' in page
    assert client_for(people.manager).post(reverse("admin:adaptive_trainingrun_start")).status_code == 302
    assert TrainingRun.objects.count() == 1, "only admins start training"
