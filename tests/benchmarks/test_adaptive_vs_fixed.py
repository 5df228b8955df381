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


def test_a_learner_short_of_mastery_whose_last_hundred_answers_gained_little_is_stuck(bench: ModuleType,
                                                                                      course: Any) -> None:
    runs = fixed_runs(bench, course, stop_at_mastery=False)
    assert all(len(r.mean_true) == 301 and r.mean_true[-1] == pytest.approx(r.final_mastery()) for r in runs)
    run = runs[0]
    run.questions_to_mastery = None
    run.mean_true = [0.5] * 201 + [0.51] * 100
    assert run.stuck()
    run.mean_true = [0.5] * 201 + [0.53] * 100
    assert not run.stuck()
    run.questions_to_mastery, run.mean_true = 150, [0.5] * 301
    assert not run.stuck()  # reached mastery: never stuck


def test_it_counts_forgetting_in_final_mastery(bench: ModuleType, course: Any) -> None:
    run = fixed_runs(bench, course, stop_at_mastery=False)[0]
    before = run.final_mastery()
    run.clock += bench.timedelta(days=30)
    assert run.final_mastery() < before


def test_sittings_of_a_set_length_break_on_study_time_not_at_module_ends(bench: ModuleType, course: Any) -> None:
    learner, seed = bench.population(course, 1, 5)[0]
    run = bench.Run(course, bench.clone(learner), random.Random(seed), 400, sitting_minutes=20)
    run.between_sittings()  # a module ended: with sittings by time, the learner carries on
    assert run.clock == run.start
    unit = course.units[0]
    run.read_unit(unit)
    answered = 0
    while run.clock - run.start < bench.timedelta(hours=1):
        run.answer(unit.quiz[answered % len(unit.quiz)])
        answered += 1
    studied = unit.minutes + answered * bench.QUESTION_MINUTES
    assert 20 <= studied < 20 + bench.QUESTION_MINUTES + 1e-9, "the break comes once 20 minutes are studied"


def test_a_module_read_again_is_skimmed_on_the_clock_too(bench: ModuleType, course: Any) -> None:
    learner, seed = bench.population(course, 1, 5)[0]
    run = bench.Run(course, bench.clone(learner), random.Random(seed), 400)
    unit = course.units[0]
    run.read_unit(unit)
    before = run.clock
    run.read_unit(unit)
    assert run.clock - before == bench.timedelta(minutes=bench.REVIEW_MINUTES)


def test_retraining_adds_the_adaptive_learners_answers_with_their_times(bench: ModuleType, course: Any) -> None:
    from argparse import Namespace

    fixed = bench.logged(course, 6, 1, 40)
    model = bench.train_on(fixed, Namespace(model="pfa", max_epochs=1, seed=0))
    adaptive = bench.logged(course, 3, 1, 40, model, first_learner=6)
    assert {r[0] for r in fixed} == set(range(6)) and {r[0] for r in adaptive} == {6, 7, 8}
    first_fixed = [r[1] for r in fixed if r[0] == 0]
    first_adaptive = [r[1] for r in adaptive if r[0] == 6]
    assert first_adaptive != first_fixed, "the same learner, but the adaptive policy chose the questions"
    times = [r[4] for r in adaptive if r[0] == 6]
    assert times == sorted(times) and times[-1] > times[0], "each answer at its simulated time"
