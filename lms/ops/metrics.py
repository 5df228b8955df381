"""The product's own Prometheus metrics, beside django-prometheus's request and database metrics.

Counted where they happen, in whichever process that is (the web process or a worker):

- ``pathwise_answers_stored_total``: answers stored (a repeated submission is not counted again);
- ``pathwise_answer_to_decision_seconds{source}``: from an answer being stored to the decision on
  the next question being stored, by ``worker`` or ``web`` (the web decided because the worker was late);
- ``pathwise_web_fallback_decisions_total{kind}``: decisions after an answer made by the web process.

Read when scraped, so every web process reports the same values, and a broker or database that is down
leaves them out instead of failing the scrape:

- ``pathwise_queue_depth{queue}`` and ``pathwise_broker_up``;
- ``pathwise_training_runs_total{outcome}`` (finished runs) and ``pathwise_training_runs_active{status}``;
- ``pathwise_champion_version``: the champion's registry id, 0 while the interpretable fallback serves;
- ``pathwise_answers_unprocessed`` and ``pathwise_oldest_unprocessed_answer_seconds``: answers whose
  after-answer work (the progress summary) has not run yet, and the age of the oldest: the lag that
  reconciliation catches up when a broker or worker was down.

Under gunicorn or a prefork Celery worker, set ``PROMETHEUS_MULTIPROC_DIR`` so that every process
writes its counts where the scrape reads them (docs/deployment.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from celery.signals import worker_init, worker_process_shutdown
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Min
from django.dispatch import receiver
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adaptive.models import Decision, ModelVersion, TrainingRun
from adaptive.signals import decision_stored
from lms.learning.models import Response
from lms.learning.signals import response_recorded
from lms.ops import broker

logger = logging.getLogger(__name__)

ANSWERS_STORED = Counter("pathwise_answers_stored", "Answers stored (a repeated submission is not counted again).")
ANSWER_TO_DECISION = Histogram(
    "pathwise_answer_to_decision_seconds",
    "From an answer being stored to the decision on the next question being stored, by who decided.",
    ["source"],
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0),
)
WEB_FALLBACK_DECISIONS = Counter(
    "pathwise_web_fallback_decisions",
    "Decisions after an answer made by the web process because the worker's was not there by the deadline.",
    ["kind"],
)


@receiver(response_recorded, dispatch_uid="pathwise-metrics-answer")
def answer_stored(**kwargs: Any) -> None:
    """Count a new answer once its transaction commits."""
    transaction.on_commit(ANSWERS_STORED.inc)


@receiver(decision_stored, dispatch_uid="pathwise-metrics-decision")
def decision_counted(*, decision: Decision, **kwargs: Any) -> None:
    """Count a decision made after an answer (not one at the start of a quiz) once it commits."""
    if decision.response_id is None:
        return
    decided = decision.created  # set by the insert, which the signal follows
    source, kind, response_id = decision.source, decision.kind, decision.response_id

    def count() -> None:
        if source == Decision.WEB:
            WEB_FALLBACK_DECISIONS.labels(kind).inc()
        if kind == Decision.QUESTION:
            answered = Response.objects.filter(pk=response_id).values_list("created", flat=True).first()
            if answered is not None:
                ANSWER_TO_DECISION.labels(source).observe(max(0.0, (decided - answered).total_seconds()))

    transaction.on_commit(count)


# ----- read when scraped -------------------------------------------------------------------------
def queues() -> list[str]:
    """Every queue a task is routed to, and the default one."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *routed})


def _queue_metrics() -> Iterator[Metric]:
    up = GaugeMetricFamily("pathwise_broker_up", "1 when the broker answered this scrape; 0 leaves the queue depths out.")
    depth = GaugeMetricFamily("pathwise_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
    try:
        with broker.connect() as conn:
            channel = conn.default_channel
            for queue in queues():
                try:
                    # kombu types default_channel as its abstract StdChannel; the channel of every
                    # transport (py-amqp's, the virtual ones of Redis and the file system) declares queues.
                    waiting = channel.queue_declare(queue=queue, passive=True).message_count  # type: ignore[attr-defined]
                except conn.channel_errors:  # not declared yet: nobody has sent to it or served it
                    waiting = 0
                depth.add_metric([queue], waiting)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the scrape
        logger.warning("could not read the queue depths from the broker", exc_info=True)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield depth


def _registry_metrics() -> Iterator[Metric]:
    try:
        champion = ModelVersion.objects.filter(status=ModelVersion.CHAMPION).values_list("pk", flat=True).first()
        runs = dict(TrainingRun.objects.order_by().values_list("status").annotate(n=Count("id")))
    except DatabaseError:
        logger.warning("could not read the model registry for metrics", exc_info=True)
        return
    yield GaugeMetricFamily("pathwise_champion_version",
                            "Registry id of the champion learner model; 0 while the interpretable fallback serves.",
                            value=champion or 0)
    finished = CounterMetricFamily("pathwise_training_runs", "Finished training runs, by outcome.", labels=["outcome"])
    active = GaugeMetricFamily("pathwise_training_runs_active", "Training runs queued or running.", labels=["status"])
    for status in (TrainingRun.SUCCEEDED, TrainingRun.FAILED):
        finished.add_metric([status], runs.get(status, 0))
    for status in (TrainingRun.QUEUED, TrainingRun.RUNNING):
        active.add_metric([status], runs.get(status, 0))
    yield finished
    yield active


def _lag_metrics() -> Iterator[Metric]:
    try:
        # processed_at is indexed, and null only on answers still waiting for a worker.
        waiting = Response.objects.filter(processed_at__isnull=True).aggregate(n=Count("id"), oldest=Min("created"))
    except DatabaseError:
        logger.warning("could not read the unprocessed answers for metrics", exc_info=True)
        return
    yield GaugeMetricFamily("pathwise_answers_unprocessed",
                            "Answers whose after-answer work (progress summary) has not run yet.", value=waiting["n"])
    age = (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] is not None else 0.0
    yield GaugeMetricFamily("pathwise_oldest_unprocessed_answer_seconds",
                            "Age of the oldest answer still waiting for a worker; 0 when none waits.",
                            value=max(0.0, age))


class ScrapeTimeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _queue_metrics()
        yield from _registry_metrics()
        yield from _lag_metrics()


SCRAPE_TIME = CollectorRegistry(auto_describe=False)
SCRAPE_TIME.register(ScrapeTimeCollector())


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def process_registry() -> CollectorRegistry:
    """This process's metrics, or with ``PROMETHEUS_MULTIPROC_DIR`` those of every process writing there."""
    if not _multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> tuple[bytes, str]:
    """The text a scrape of the web process gets: the processes' metrics, then those read now."""
    return generate_latest(process_registry()) + generate_latest(SCRAPE_TIME), CONTENT_TYPE_LATEST


# ----- Celery workers ----------------------------------------------------------------------------
@worker_init.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    """A worker's own counts (its decisions and their latency) on ``PATHWISE_WORKER_METRICS_PORT``,
    served by the worker's main process for all its pool processes."""
    port = settings.PATHWISE_WORKER_METRICS_PORT
    if port:
        start_http_server(port, registry=process_registry())
        logger.info("serving this worker's metrics on port %s", port)


@worker_process_shutdown.connect
def _forget_worker_process(pid: int | None = None, **kwargs: Any) -> None:
    if _multiprocess():
        multiprocess.mark_process_dead(pid or os.getpid())
