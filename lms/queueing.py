"""Queue background work without ever putting the learner at risk.

A task is published only after the surrounding transaction commits (so the worker sees the rows it
is given the ids of), and a broker that is down or slow is logged, not raised: the response is
already stored, and a periodic reconciliation picks up whatever was not processed.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from typing import Any

from celery import Task
from django.db import transaction

from lms.celery import app

logger = logging.getLogger(__name__)


def task_named(name: str) -> Task:
    """The registered task called ``name`` (its module path and function name).

    A service queues its app's tasks by name, since the tasks call the services: importing each
    other would be a cycle. The first time, the task's own module is imported, which registers it
    (Python's import lock makes concurrent first calls wait for one import). Not Celery's
    autodiscovery: a call made while another thread was discovering returned at once with nothing
    imported, so two answers at once in a fresh web process could find their task unregistered.
    An unknown name raises KeyError (celery's NotRegistered).
    """
    if name not in app.tasks:
        module, _, _ = name.rpartition(".")
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    if name not in app.tasks:  # a task named apart from its module: what a worker finds at start
        app.autodiscover_tasks(force=True)
    return app.tasks[name]


def publish(task: Task | str, *args: Any, countdown: float | None = None) -> bool:
    """Publish now (to run ``countdown`` seconds later, if given); return False (and log) if the
    broker could not take it. ``task`` is a task or its name (see :func:`task_named`)."""
    try:
        if isinstance(task, str):
            task = task_named(task)
        if countdown is None:
            task.apply_async(args=args)
        else:
            task.apply_async(args=args, countdown=countdown)
    except Exception:
        logger.exception("could not queue %s%r; it will be reconciled later", getattr(task, "__name__", task), args)
        return False
    return True


def publish_on_commit(task: Task | str, *args: Any, countdown: float | None = None) -> None:
    transaction.on_commit(lambda: publish(task, *args, countdown=countdown))
