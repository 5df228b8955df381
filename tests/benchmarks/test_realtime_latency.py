"""The latency benchmark's learner follows the quiz's next-step fragment as htmx does: the requests
it makes are read from the fragment the product renders."""

from __future__ import annotations

import importlib
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("realtime_latency")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


class Attempt:
    pk = uuid.UUID("6218515a-4394-4eaf-bf99-f9ad30996629")
    module = None


def fragment(**context: object) -> str:
    return render_to_string("learning/_next_step.html", {"attempt": Attempt(), "poll_ms": 100, **context})


def test_while_the_worker_decides_it_asks_again_after_the_delay(bench: ModuleType) -> None:
    html = fragment(pending=True, late=False, response_id=42)
    assert bench.next_step_request(html) == ("GET", f"/quiz/{Attempt.pk}/next/42/", 0.1, {})


def test_past_the_deadline_it_asks_the_web_to_decide(bench: ModuleType) -> None:
    html = fragment(pending=True, late=True, response_id=42)
    assert bench.next_step_request(html) == ("POST", f"/quiz/{Attempt.pk}/decide/", 0.0, {"response": "42"})


def test_once_decided_it_goes_on_to_the_next_question(bench: ModuleType) -> None:
    assert bench.next_step_request(fragment(pending=False, finished=False, decision=None)) is None
    assert bench.next_step_request(fragment(pending=False, finished=True, decision=None)) is None
