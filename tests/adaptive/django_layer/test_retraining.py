from __future__ import annotations

from django.urls import reverse

from adaptive.models import ModelVersion, TrainingRun
from adaptive.tasks import retrain_learner_model
from tests.lms.conftest import client_for


def test_a_queued_run_trains_and_promotes_once(course_with_activity, settings) -> None:
    settings.PATHWISE_LEARNER_MODEL = "pfa"
    run = TrainingRun.objects.create(model_name="skill_elo")
    version_id = retrain_learner_model(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.SUCCEEDED and run.progress == 1.0
    assert run.model_version_id == version_id and run.device == "cpu"
    assert "promoted" in run.message
    assert ModelVersion.objects.get(pk=version_id).status == ModelVersion.CHAMPION
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
