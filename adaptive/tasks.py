"""Background work of the adaptive layer. Tasks take ids, are idempotent and safe to retry."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import connections
from django.utils import timezone

from adaptive import registry
from adaptive.models import TrainingRun
from adaptive.services import NotEnoughData, model_version_train

logger = logging.getLogger(__name__)


@worker_process_init.connect
def _prepare_worker_process(**kwargs: object) -> None:
    """One torch thread per process (each scores one learner at a time; more threads only fight
    over the cores), and the champion loaded before the first answer arrives."""
    import torch  # lazily: only worker processes load torch, not every process that imports the tasks

    torch.set_num_threads(1)
    try:
        registry.serving()
    except Exception:  # noqa: BLE001 - a cold start is slower, not broken; the first task retries
        logger.warning("could not load the learner model ahead of the first answer", exc_info=True)
    finally:
        connections.close_all()


@shared_task(bind=True, acks_late=True, time_limit=3600, soft_time_limit=3500)
def retrain_learner_model(self: object, run_id: int | None = None) -> int | None:
    """Train a candidate on the product's responses and promote it by the registry's rule.

    Started by beat (no run: one is created) or by an admin (a queued run). A run that is already
    running or finished is left alone, so a redelivered message trains nothing twice.
    """
    if run_id is None:
        # A periodic run: skip it while another run is queued or running (a redelivered beat message).
        if TrainingRun.objects.filter(status__in=[TrainingRun.QUEUED, TrainingRun.RUNNING],
                                      created__gte=timezone.now() - timedelta(hours=2)).exists():
            return None
        run = TrainingRun.objects.create(model_name=settings.PATHWISE_LEARNER_MODEL)
        run_id = run.pk
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.QUEUED).update(
        status=TrainingRun.RUNNING, started_at=timezone.now(), message="starting")
    if not claimed:
        return None
    run = TrainingRun.objects.get(pk=run_id)

    def report(fraction: float, message: str) -> None:
        TrainingRun.objects.filter(pk=run_id).update(progress=fraction, message=message[:500])

    try:
        result = model_version_train(model_name=run.model_name, progress=report)
    except NotEnoughData as exc:
        TrainingRun.objects.filter(pk=run_id).update(status=TrainingRun.FAILED, finished_at=timezone.now(),
                                                     message=f"not enough data: {exc}"[:500])
        return None
    except Exception:  # the run must end marked failed, with the reason, whatever broke (and is raised again)
        logger.exception("training run %s failed", run_id)
        TrainingRun.objects.filter(pk=run_id).update(status=TrainingRun.FAILED, finished_at=timezone.now(),
                                                     message=traceback.format_exc()[-500:])
        raise
    outcome = "promoted" if result.promoted else "not promoted"
    TrainingRun.objects.filter(pk=run_id).update(
        status=TrainingRun.SUCCEEDED, finished_at=timezone.now(), progress=1.0, model_version=result.version,
        device=result.version.device, message=f"version {result.version.pk} {outcome}: {result.note}"[:500])
    return result.version.pk


@shared_task(ignore_result=False, time_limit=10)
def noop() -> str:
    """Does nothing: the latency benchmark times its round trip as the floor of any task."""
    return "ok"
