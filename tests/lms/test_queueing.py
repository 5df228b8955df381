"""Queueing by task name: the task's module is imported on first use, safely from many threads at
once, and a name that cannot be queued is logged, never raised at the learner."""

from __future__ import annotations

import importlib
import logging
import sys
import threading

import pytest

from lms.celery import app
from lms.queueing import publish, task_named

NAME = "lms.learning.tasks.process_response"


@pytest.fixture
def unregistered():
    """The answer's task as a fresh web process has it: its module not imported, the task unknown."""
    importlib.import_module("lms.learning.tasks")
    module, task = sys.modules.pop("lms.learning.tasks"), app.tasks.pop(NAME)
    yield
    sys.modules["lms.learning.tasks"] = module  # the originals back, whatever the test imported
    app.tasks[NAME] = task


def test_the_first_call_imports_the_tasks_own_module(unregistered) -> None:
    assert NAME not in app.tasks
    assert task_named(NAME).name == NAME


def test_many_threads_asking_at_once_all_get_the_task(unregistered) -> None:
    # Two answers at once in a fresh web process: Celery's autodiscovery, which this replaced,
    # returned at once with nothing imported to a thread that came while another was discovering.
    threads, barrier, found, errors = 16, threading.Barrier(16), [], []

    def ask() -> None:
        barrier.wait(timeout=30)
        try:
            found.append(task_named(NAME).name)
        except Exception as error:  # noqa: BLE001 - the test reports whatever a thread met
            errors.append(error)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors and found == [NAME] * threads


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        task_named("lms.nowhere.tasks.nothing")


def test_a_task_that_cannot_be_queued_is_logged_not_raised(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="lms.queueing"):
        assert publish("lms.nowhere.tasks.nothing", 1) is False
    assert "could not queue" in caplog.text and "reconciled later" in caplog.text
