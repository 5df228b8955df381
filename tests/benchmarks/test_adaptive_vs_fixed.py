from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("adaptive_vs_fixed", ROOT / "benchmarks" / "adaptive_vs_fixed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def course(bench: ModuleType) -> Any:
    return bench.load_course(ROOT / "demo" / "courses" / "data-literacy")


def fixed_runs(bench: ModuleType, course: Any, stop_at_mastery: bool) -> list[Any]:
    return [bench.run_fixed(bench.Run(course, bench.clone(learner), random.Random(seed), 300,
                                      stop_at_mastery=stop_at_mastery))
            for learner, seed in bench.population(course, 12, 3)]


def test_it_runs_every_learner_for_the_whole_budget(bench: ModuleType, course: Any) -> None:
    runs = fixed_runs(bench, course, stop_at_mastery=False)
    assert all(r.questions == 300 for r in runs)
    assert any(r.questions_to_mastery is not None for r in runs)


def test_it_measures_mastery_to_the_same_first_mastery_as_a_run_that_stops(bench: ModuleType, course: Any) -> None:
    going_on = fixed_runs(bench, course, stop_at_mastery=False)
    stopping = fixed_runs(bench, course, stop_at_mastery=True)
    for long, short in zip(going_on, stopping):
        assert long.questions_to_mastery == short.questions_to_mastery
        assert long.minutes_to_mastery == short.minutes_to_mastery
        assert long.mastery_at_stop() == pytest.approx(short.final_mastery())


def test_it_counts_forgetting_in_final_mastery(bench: ModuleType, course: Any) -> None:
    run = fixed_runs(bench, course, stop_at_mastery=False)[0]
    before = run.final_mastery()
    run.clock += bench.timedelta(days=30)
    assert run.final_mastery() < before
