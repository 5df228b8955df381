"""The pure parts of benchmarks/product_adaptive_vs_fixed.py: no server is started here, except by
the one end-to-end test, which runs only with PATHWISE_PRODUCT_BENCH=1 (it installs bin/demo)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from adaptive.core.learner_simulator import SimulatorParams

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("product_adaptive_vs_fixed",
                                                  ROOT / "benchmarks" / "product_adaptive_vs_fixed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def api_question(key: str, type_: str, skills: list[str], difficulty: int = 3, **answer: Any) -> dict[str, Any]:
    return {"key": key, "type": type_, "skills": skills, "difficulty": difficulty, "choices": [],
            "true_false_answer": None, "numeric_answer": None, "numeric_tolerance": 0.0, "accepted_answers": [],
            **answer}


@pytest.fixture(scope="module")
def course(bench: ModuleType) -> Any:
    """A two-module course in the shapes the admin reads from the API."""
    questions = [
        api_question("q-single", "single_choice", ["counting"], 2,
                     choices=[{"id": 11, "is_correct": False}, {"id": 12, "is_correct": True},
                              {"id": 13, "is_correct": False}]),
        api_question("q-multi", "multiple_choice", ["counting"], 3,
                     choices=[{"id": 21, "is_correct": True}, {"id": 22, "is_correct": True},
                              {"id": 23, "is_correct": False}]),
        api_question("q-tf", "true_false", ["adding"], 3, true_false_answer=True),
        api_question("q-num", "numeric", ["adding", "counting"], 4, numeric_answer=4.0, numeric_tolerance=0.5),
        api_question("q-text", "short_text", ["adding"], 5, accepted_answers=["four"]),
    ]
    modules = [
        {"id": 1, "slug": "count", "title": "Counting", "order": 0, "estimated_minutes": 5, "skills": ["counting"],
         "questions": ["q-single", "q-multi"]},
        {"id": 2, "slug": "add", "title": "Adding", "order": 1, "estimated_minutes": 8, "skills": ["adding"],
         "questions": ["q-tf", "q-num", "q-text"]},
    ]
    skills = [{"slug": "counting", "prerequisites": []}, {"slug": "adding", "prerequisites": ["counting"]},
              {"slug": "unused", "prerequisites": ["counting"]}]
    return bench.course_map_from_api({"slug": "sums", "mastery_threshold": 0.85}, modules, questions, skills)


def test_it_reads_the_course_from_the_api_shapes(bench: ModuleType, course: Any) -> None:
    assert course.skills == ["adding", "counting"]  # skills no module or question uses are left out
    assert course.prerequisites == {"counting": (), "adding": ("counting",)}
    assert course.modules[2].questions == ("q-tf", "q-num", "q-text")
    assert course.questions["q-num"].skills == ("adding", "counting")
    assert course.threshold == 0.85


def test_it_refuses_a_course_whose_questions_the_admin_could_not_read(bench: ModuleType) -> None:
    module = {"id": 1, "slug": "m", "title": "M", "order": 0, "estimated_minutes": 5, "skills": [],
              "questions": ["missing"]}
    with pytest.raises(RuntimeError, match="missing"):
        bench.course_map_from_api({"slug": "c", "mastery_threshold": 0.85}, [module], [], [])


def test_it_builds_answers_of_the_right_shape(bench: ModuleType, course: Any) -> None:
    rng = random.Random(0)
    q = course.questions
    assert bench.answer_for(q["q-single"], True, rng) == 12
    assert bench.answer_for(q["q-single"], False, rng) in (11, 13)
    assert bench.answer_for(q["q-multi"], True, rng) == [21, 22]
    assert bench.answer_for(q["q-multi"], False, rng) != [21, 22]
    assert bench.answer_for(q["q-tf"], True, rng) is True
    assert bench.answer_for(q["q-tf"], False, rng) is False
    assert bench.answer_for(q["q-num"], True, rng) == 4.0
    assert abs(bench.answer_for(q["q-num"], False, rng) - 4.0) > 0.5
    assert bench.answer_for(q["q-text"], True, rng) == "four"
    assert bench.answer_for(q["q-text"], False, rng) != "four"


def test_it_pairs_each_learner_with_a_twin_of_identical_hidden_knowledge(bench: ModuleType, course: Any) -> None:
    pairs = bench.twins(course, 6, 7)
    assert len(pairs) == 6
    for adaptive, fixed, _ in pairs:
        assert adaptive is not fixed
        assert adaptive.knowledge == fixed.knowledge and adaptive.learn_rate == fixed.learn_rate
    adaptive, fixed, seed = pairs[0]
    before = dict(fixed.knowledge)
    adaptive.answer(["adding"], 3, bench.START, random.Random(seed))
    assert fixed.knowledge == before  # practising one twin teaches the other nothing
    again = bench.twins(course, 6, 7)
    assert [a.knowledge for a, _, _ in again] == [f.knowledge for _, f, _ in pairs]  # the seed decides
    assert [s for _, _, s in again] == [s for _, _, s in pairs]


def make_track(bench: ModuleType, course: Any, knowledge: dict[str, float], budget: int = 50) -> Any:
    learner = bench.SimulatedLearner("t", dict(knowledge), 0.3, SimulatorParams(), dict(course.prerequisites))
    return bench.Track(course, learner, "adaptive", budget, random.Random(1))


def test_it_judges_true_mastery_on_every_skill_at_a_typical_difficulty(bench: ModuleType, course: Any) -> None:
    track = make_track(bench, course, {"adding": 0.99, "counting": 0.99})
    assert track.mastered()
    assert not make_track(bench, course, {"adding": 0.99, "counting": 0.5}).mastered()
    # Forgetting counts: after long enough away, the same learner is no longer there.
    track.learner.last_seen = {"adding": track.clock, "counting": track.clock}
    track.clock += timedelta(days=60)
    assert not track.mastered()


def test_it_stops_at_true_mastery_and_counts_answers_on_skills_already_known(bench: ModuleType,
                                                                             course: Any) -> None:
    track = make_track(bench, course, {"adding": 0.4, "counting": 0.99}, budget=200)
    while not track.done():
        track.answer(course.questions["q-single"] if track.questions % 2 else course.questions["q-tf"])
    assert track.stop == "mastery" and track.questions_to_mastery == track.questions
    assert track.on_known >= track.questions // 2  # every counting question was on a known skill
    assert len(track.mean_true) == track.questions + 1


def test_it_stops_at_the_budget(bench: ModuleType, course: Any) -> None:
    track = make_track(bench, course, {"adding": 0.01, "counting": 0.01}, budget=3)
    while not track.done():
        track.answer(course.questions["q-single"])
    assert track.stop == "budget" and track.questions == 3 and not track.reached()


@pytest.mark.parametrize(("reached", "stop", "mean_true", "expected"), [
    (False, "no_module", [0.3], "no_module"),
    (False, "no_question", [0.3, 0.4], "no_question"),
    (False, "budget", [0.3] * 50 + [0.50 + 0.015 * i / 100 for i in range(101)], "plateau"),
    (False, "budget", [0.3] * 50 + [0.50 + 0.03 * i / 100 for i in range(101)], None),
    (False, "budget", [0.3] * 60, None),  # fewer answers than the window: no plateau to speak of
    (True, "mastery", [0.3] * 300, None),
    (True, "no_module", [0.3], None),
])
def test_the_stuck_rule(bench: ModuleType, reached: bool, stop: str, mean_true: list[float],
                        expected: str | None) -> None:
    assert bench.stuck_reason(reached=reached, stop=stop, mean_true=mean_true) == expected


def test_it_compares_estimates_with_the_truth(bench: ModuleType) -> None:
    shown = {"skills": [
        {"skill": "a", "mastery": 0.5, "estimated": True},
        {"skill": "b", "mastery": 0.9, "estimated": False},
        {"skill": "c", "mastery": None, "estimated": False},
    ]}
    error = bench.estimate_error(shown, {"a": 0.7, "b": 0.8, "c": 0.4, "d": 0.5})
    assert error["mae"] == pytest.approx((0.2 + 0.1) / 2)
    assert error["mae_estimated"] == pytest.approx(0.2)
    assert error["skills_without_estimate"] == 2  # c shows none, d is missing
    assert error["skills_not_estimated"] == 3
    assert bench.estimate_error({"skills": []}, {"a": 0.5})["mae"] is None


def test_it_writes_the_promised_json(bench: ModuleType, course: Any) -> None:
    tracks: dict[str, list[Any]] = {"adaptive": [], "fixed": []}
    for path, questions_to_mastery in (("adaptive", [10, None]), ("fixed", [20, 30])):
        for reached in questions_to_mastery:
            track = make_track(bench, course, {"adding": 0.3, "counting": 0.3}, budget=40)
            track.path, track.questions = path, reached or 40
            track.questions_to_mastery, track.stop = reached, "mastery" if reached else "no_module"
            track.final_estimate = {"mae": 0.1, "mae_estimated": 0.1, "skills_without_estimate": 0,
                                    "skills_not_estimated": 0}
            tracks[path].append(track)
    args = argparse.Namespace(course="sums", budget=40, learners=2, break_hours=[12.0, 48.0], after_done="stop",
                              worker_wait=30.0)
    seed = {"seed": 7, **bench.compare(tracks, 40), "first_start_seconds": 61.5, "wall_seconds": 3.0}
    out = json.loads(json.dumps(bench.report([seed], tracks, args, "python benchmarks/x.py")))
    for path in ("adaptive", "fixed"):
        assert set(out[path]) >= {"questions_to_mastery", "reached_mastery", "stuck", "estimate_mae", "learners"}
        assert set(out[path]["questions_to_mastery"]) == {"mean", "low", "high"}
    assert out["adaptive"]["questions_to_mastery"]["mean"] == 25  # the one who never got there counts 40
    assert out["adaptive"]["reached_mastery"] == 0.5 and out["adaptive"]["stuck"] == 1
    assert out["fixed"]["stuck"] == 0 and out["fixed"]["learners"] == 2
    assert out["questions_saved"] == pytest.approx(1 - 25 / 25)
    assert out["seed"] == 7 and out["course"] == "sums" and out["first_start_seconds"] == 61.5
    assert {"machine", "date", "command", "seeds"} <= set(out)
    assert "| stuck | 1 (no_module 1) | 0 |" in bench.markdown(out, "t", 40)


class FakeProduct:
    """Stands in for the API: recommends ``module`` (None: the course is done); its quizzes show
    ``questions`` (in order) and then end; the worker has always decided already."""

    def __init__(self, module: int | None, questions: list[str], deciding_reads: int = 0) -> None:
        self.module, self.questions = module, questions
        self.answers: list[dict[str, Any]] = []
        self.shown = 0
        self.deciding_reads = deciding_reads  # reads after each answer that find the question still being decided
        self.undecided = 0
        self.decided_by_post = 0

    def attempt(self) -> dict[str, Any]:
        if self.undecided:
            self.undecided -= 1
            return {"id": "a1", "current_question": None, "deciding": True, "decision": {}}
        key = self.questions[self.shown] if self.shown < len(self.questions) else None
        return {"id": "a1", "current_question": {"key": key} if key else None, "deciding": False,
                "decision": {"source": "web" if self.shown == 0 else "worker",
                             "response": len(self.answers) if self.shown else None, "model_version": 5}}

    def get(self, path: str, **params: Any) -> Any:
        if path.endswith("/recommendation/"):
            return {"module": None if self.module is None else {"id": self.module}, "kind": "learn"}
        if path.endswith("/mastery/"):
            return {"skills": [{"skill": "adding", "mastery": 0.5, "estimated": True}]}
        if path == "/api/v1/decisions/":
            return {"results": [{"kind": "module"}]}
        return self.attempt()

    def post(self, path: str, data: dict[str, Any]) -> Any:
        if path == "/api/v1/quiz-attempts/":
            self.shown = 0
            return self.attempt()
        if path == "/api/v1/quiz-attempts/a1/":  # past the deadline: the web decides now
            self.decided_by_post += 1
            self.undecided = 0
            return self.attempt()
        self.answers.append(data)
        self.undecided = self.deciding_reads
        self.shown += 1
        return {"id": len(self.answers)}


def study(bench: ModuleType, course: Any, product: FakeProduct, budget: int = 12, retake: bool = False) -> Any:
    import threading

    track = make_track(bench, course, {"adding": 0.05, "counting": 0.05}, budget=budget)
    return bench.study(product, product, 1, track, estimate_every=5, break_hours=(12, 48), worker_wait=1.0,
                       abort=threading.Event(), retake=retake)


def test_a_learner_answers_what_the_product_shows_until_the_budget(bench: ModuleType, course: Any) -> None:
    product = FakeProduct(2, ["q-tf", "q-num", "q-text"])
    track = study(bench, course, product)
    assert track.stop == "budget" and track.questions == 12 == len(product.answers)
    assert [a["question"] for a in product.answers[:3]] == ["q-tf", "q-num", "q-text"]
    assert all(a["module"] == 2 and a["quiz_attempt"] == "a1" for a in product.answers)
    assert len({a["submission_id"] for a in product.answers}) == 12
    assert track.model_versions == {5} and track.decided_by == {"worker": 11}  # after answers only
    assert [e["questions"] for e in track.estimates] == [5, 10] and track.final_estimate["mae"] is not None


def test_a_learner_waits_while_the_next_question_is_decided(bench: ModuleType, course: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "DECISION_DEADLINE_S", 3600.0)  # never reached, however slow the machine
    product = FakeProduct(2, ["q-tf", "q-num", "q-text"], deciding_reads=2)
    track = study(bench, course, product)
    assert track.questions == 12 and product.decided_by_post == 0  # read again until it was decided
    assert [a["question"] for a in product.answers[:3]] == ["q-tf", "q-num", "q-text"]


def test_past_the_deadline_a_learner_asks_the_product_to_decide(bench: ModuleType, course: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "DECISION_DEADLINE_S", 0.0)
    product = FakeProduct(2, ["q-tf", "q-num", "q-text"], deciding_reads=10**6)
    track = study(bench, course, product)
    assert track.questions == 12 and product.decided_by_post == 11  # every answer but the last


def test_a_learner_told_the_course_is_done_stops_stuck_or_goes_round_again(bench: ModuleType, course: Any) -> None:
    track = study(bench, course, FakeProduct(None, ["q-single", "q-multi"]))
    assert (track.stop, track.questions, track.stuck()) == ("no_module", 0, "no_module")
    product = FakeProduct(None, ["q-single", "q-multi"])
    track = study(bench, course, product, retake=True)
    assert track.stop == "budget" and track.retakes == 6
    assert [a["module"] for a in product.answers[:4]] == [1, 1, 2, 2]  # course order, round and round


def test_a_learner_shown_no_question_three_times_in_a_row_is_stuck(bench: ModuleType, course: Any) -> None:
    track = study(bench, course, FakeProduct(1, []))
    assert (track.stop, track.questions, track.stuck()) == ("no_question", 0, "no_question")


@pytest.mark.skipif(os.environ.get("PATHWISE_PRODUCT_BENCH") != "1",
                    reason="installs and starts bin/demo (minutes); set PATHWISE_PRODUCT_BENCH=1")
def test_it_runs_end_to_end_on_a_fresh_install(bench: ModuleType, tmp_path: Path) -> None:
    out = bench.main(["--seeds", "3", "--learners", "1", "--budget", "12", "--workers", "2",
                      "--json", str(tmp_path / "out.json")])
    assert out["adaptive"]["learners"] == out["fixed"]["learners"] == 1
    assert out["first_start_seconds"] > 0
    assert json.loads((tmp_path / "out.json").read_text())["course"] == "data-literacy"


def test_following_a_learner_past_the_budget_leaves_the_results_at_the_budget_as_they_were(
        bench: ModuleType, course: Any) -> None:
    track = make_track(bench, course, {"adding": 0.01, "counting": 0.01}, budget=3)
    while not track.done():
        track.answer(course.questions["q-single"])
    before = (track.stop, track.questions, track.questions_to_mastery, list(track.mean_true), track.on_known)

    def go_on(t: Any) -> Any:  # the learner goes on and gets there at their fifth answer
        t.answer(course.questions["q-single"])
        t.learner.knowledge.update(adding=0.99, counting=0.99)
        t.answer(course.questions["q-tf"])
        assert t.done() and t.stop == "mastery"
        return t

    track.follow_past_budget(10, go_on)
    assert track.followed is not None and track.followed["reached_at"] == 5 and track.followed["questions"] == 5
    assert track.followed["more_allowed"] == 10 and track.followed["mean_true_at_end"] > before[3][-1]
    assert (track.stop, track.questions, track.questions_to_mastery, track.mean_true, track.on_known) == before
    assert track.budget == 3 and not track.reached()
    summary = bench.side_summary([track], 3)
    assert summary["reached_mastery"] == 0 and summary["stuck_followed"][0]["reached_at"] == 5
