"""Adaptive policy vs fixed course order, on simulated learners.

Simulated learners (``adaptive.core.learner_simulator``: hidden per-skill knowledge that grows with
practice and decays with time, slips and guesses; written independently of the learner model, with
its own parameters) go through a demo course twice over, once under each policy, with the same
starting knowledge:

* adaptive: the learner model (trained first on other simulated learners' answers under the fixed
  order, as the product would log them) and the policy of ``adaptive.core.policy`` choose each
  module and each question, and end a quiz when the model believes the module's skills are mastered;
* fixed: modules in course order, every quiz question in order, the course repeated.

Mastery is defined as the product defines it, but on the truth instead of the model: a learner has
mastered a skill when their real chance of answering a typical (difficulty 3) question on it, now
(forgetting since they last practised it included), is at or above the course's mastery threshold,
and has reached mastery when that holds for every skill of the course.

Both policies run every learner for the whole question budget (``--budget``, 400 by default) and do
not stop at mastery: the fixed order goes round the course again, the adaptive policy goes on the way
the product would (spaced review of skills the model sees slipping, then the module with most to
gain, else a review of the module studied longest ago). Reported, with 95% intervals:

* questions and minutes to mastery: when a learner first reached mastery; one who never did counts
  with the whole budget (a lower bound on their cost); and the share that got there within the budget;
* final mastery: the mean of that real chance over the course's skills, right after the learner's
  last answer of the budget. Every learner of both policies is measured after the same number of
  questions, so a policy gains nothing from stopping early or from practising longer. The
  per-learner difference (adaptive minus fixed, on the same learners) is reported too. The simulated
  days those questions take are not equal (adaptive sittings are shorter), and are reported;
  ``--sitting-minutes N`` gives both policies sittings of the same length instead (the learner
  breaks off after N minutes of study, wherever they are), so the calendar no longer depends on
  the policy; ``--product-clock`` gives the model and the policy the clock the product sees in
  ``benchmarks/product_adaptive_vs_fixed.py`` (a few seconds an answer, the breaks unseen) while the
  learners still forget over the simulated days;
* final mastery at stop, the earlier measure, for comparison only: the same mean taken when a learner
  first reached mastery (as if they stopped there), or after the budget for those who never did. It
  favours the policy whose learners reach mastery less often, since they practise longer.

    python benchmarks/adaptive_vs_fixed.py --course demo/courses/data-literacy --learners 200 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adaptive.core.data import ResponseLog  # noqa: E402
from adaptive.core.learner_simulator import SimulatedLearner  # noqa: E402
from adaptive.core.learners import ItemInfo, LearnerModel, load  # noqa: E402
from adaptive.core.policy import (  # noqa: E402
    LOOP_WINDOW,
    ModuleCandidate,
    QuestionCandidate,
    Sitting,
    choose_next_module,
    choose_next_question,
)
from adaptive.core.train import train_model  # noqa: E402


@dataclass(frozen=True)
class Item:
    key: str
    skills: tuple[str, ...]
    difficulty: int


@dataclass(frozen=True)
class Unit:
    slug: str
    title: str
    order: int
    minutes: int
    skills: tuple[str, ...]
    prerequisites: tuple[str, ...]
    quiz: tuple[str, ...]


@dataclass
class Course:
    units: list[Unit]
    items: dict[str, Item]
    skills: list[str]
    prerequisites: dict[str, tuple[str, ...]]
    target: float
    threshold: float


def load_course(folder: Path) -> Course:
    """Read a course package (docs/course-format.md) without a database."""
    course = yaml.safe_load((folder / "course.yaml").read_text())
    questions = yaml.safe_load((folder / "questions.yaml").read_text())
    prereqs = {s["slug"]: tuple(s.get("prerequisites") or ()) for s in course["skills"]}
    items = {q["key"]: Item(q["key"], tuple(q["skills"]), int(q["difficulty"])) for q in questions}
    units = []
    for order, m in enumerate(course["modules"]):
        taught = tuple(m.get("skills") or ())
        needs = tuple(sorted({p for s in taught for p in prereqs.get(s, ())} - set(taught)))
        units.append(Unit(m["slug"], m["title"], order, int(m.get("estimated_minutes", 5)), taught, needs,
                          tuple(m["quiz"])))
    skills = sorted({s for u in units for s in u.skills} | {s for i in items.values() for s in i.skills})
    return Course(units, items, skills, prereqs, float(course.get("target_success", 0.7)),
                  float(course.get("mastery_threshold", 0.85)))


TYPICAL_DIFFICULTY = 3
QUESTION_MINUTES = 0.75  # reading, answering and the feedback
REVIEW_MINUTES = 2  # skimming a module read before
PRODUCT_SECONDS = 2  # with --product-clock, what each answer, reading or break adds to the model's clock
STUCK_WINDOW, STUCK_MIN_GAIN = 100, 0.02  # a plateau, as benchmarks/product_adaptive_vs_fixed.py counts it


class Run:
    """One simulated learner going through the course under one policy."""

    def __init__(self, course: Course, learner: SimulatedLearner, rng: random.Random, budget: int,
                 stop_at_mastery: bool = False, sitting_minutes: float | None = None,
                 product_clock: bool = False) -> None:
        self.course, self.learner, self.rng, self.budget = course, learner, rng, budget
        self.product_clock = product_clock
        self.stop_at_mastery = stop_at_mastery
        self.sitting_minutes = sitting_minutes  # None: a sitting is a module, whatever its length
        self.minutes_this_sitting = 0.0
        self.start = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self.clock = self.start
        self.seen = self.start  # the time the model and the policy are given (see ``product_clock``)
        self.questions = 0
        self.minutes = 0.0
        self.questions_to_mastery: int | None = None
        self.minutes_to_mastery: float | None = None
        self.mastery_when_reached: float | None = None
        self.read: set[str] = set()
        self.log: list[tuple[str, str, bool, datetime]] = []
        self.mean_true = [self.final_mastery()]  # the mean true mastery after each answer ([0]: before any)

    def true_success(self, skill: str) -> float:
        """The learner's real chance of answering a typical (difficulty 3) question on ``skill`` now."""
        return self.learner.p_correct([skill], TYPICAL_DIFFICULTY, now=self.clock)

    def mastered(self) -> bool:
        return all(self.true_success(s) >= self.course.threshold for s in self.course.skills)

    def read_unit(self, unit: Unit) -> None:
        minutes = REVIEW_MINUTES if unit.slug in self.read else unit.minutes
        self.minutes += minutes
        self.clock += timedelta(minutes=minutes)  # a module read before is skimmed, on the clock too
        self.seen += timedelta(seconds=PRODUCT_SECONDS) if self.product_clock else timedelta(minutes=minutes)
        if unit.slug not in self.read:
            self.learner.read(unit.skills, self.clock)
        self.read.add(unit.slug)
        self._study(minutes)

    def answer(self, key: str) -> bool:
        item = self.course.items[key]
        self.clock += timedelta(minutes=QUESTION_MINUTES)
        self.seen += timedelta(seconds=PRODUCT_SECONDS) if self.product_clock else timedelta(minutes=QUESTION_MINUTES)
        correct = self.learner.answer(item.skills, item.difficulty, self.clock, self.rng)
        self.questions += 1
        self.minutes += QUESTION_MINUTES
        self.log.append((key, item.skills[0], correct, self.clock))
        self.mean_true.append(self.final_mastery())
        if self.questions_to_mastery is None and self.mastered():
            self.questions_to_mastery, self.minutes_to_mastery = self.questions, self.minutes
            self.mastery_when_reached = self.final_mastery()
        self._study(QUESTION_MINUTES)
        return correct

    def _study(self, minutes: float) -> None:
        """With sittings of a set length, the learner breaks off when the time is up."""
        self.minutes_this_sitting += minutes
        if self.sitting_minutes is not None and self.minutes_this_sitting >= self.sitting_minutes:
            self._break()

    def _break(self) -> None:
        hours = timedelta(hours=self.rng.uniform(12, 48))
        self.clock += hours
        self.seen += timedelta(seconds=PRODUCT_SECONDS) if self.product_clock else hours
        self.minutes_this_sitting = 0.0

    def between_sittings(self) -> None:
        """A module is done. With sittings by module (the default), time passes until the next
        sitting; with sittings of a set length, the learner goes on until that time is up."""
        if self.sitting_minutes is None:
            self._break()

    def done(self) -> bool:
        return self.questions >= self.budget or (self.stop_at_mastery and self.questions_to_mastery is not None)

    def final_mastery(self) -> float:
        """The mean real chance of success over the course's skills, now."""
        return float(np.mean([self.true_success(s) for s in self.course.skills]))

    def stuck(self) -> bool:
        """Not at true mastery after the budget, and the last ``STUCK_WINDOW`` questions raised the mean
        true mastery by less than ``STUCK_MIN_GAIN``: the plateau of
        ``benchmarks/product_adaptive_vs_fixed.py``."""
        m = self.mean_true
        return (self.questions_to_mastery is None and len(m) > STUCK_WINDOW
                and m[-1] - m[-1 - STUCK_WINDOW] < STUCK_MIN_GAIN)

    def mastery_at_stop(self) -> float:
        """The earlier measure: final mastery as if the learner had stopped on first reaching mastery."""
        return self.mastery_when_reached if self.mastery_when_reached is not None else self.final_mastery()


def run_fixed(run: Run) -> Run:
    while not run.done():
        for unit in run.course.units:
            run.read_unit(unit)
            for key in unit.quiz:
                run.answer(key)
                if run.done():
                    return run
            run.between_sittings()
    return run


def run_adaptive(run: Run, model: LearnerModel) -> Run:
    """The product's decisions (``adaptive.decisions``) on one simulated learner.

    As in ``adaptive.services.learner_state_advance``, every answer updates the learner's state, the
    mastery of every skill of the course and the highest mastery each skill has reached (the peak,
    from which a skill counts as mastered before); the next question and the next module are chosen
    from them.
    """
    course = run.course
    state = model.init_state()
    mastery = dict(zip(course.skills, map(float, model.predict_skills(state, course.skills, at=run.seen))))
    completed: set[str] = set()
    studied: dict[str, datetime] = {}  # when each module's quiz last ended, as adaptive.decisions reads it
    peak: dict[str, float] = {}  # none before the first answer, as in the product
    history: list[Sitting] = []  # the finished quizzes, for the loop detection and the just-finished rule
    practice: dict[str, int] = {}  # answers per skill, as lms.learning.selectors.module_standing counts them
    units = {u.slug: u for u in course.units}
    while not run.done():
        candidates = [ModuleCandidate(u.slug, u.title, u.order, u.skills, u.prerequisites, u.slug in completed,
                                      studied.get(u.slug)) for u in course.units]
        decision = choose_next_module(candidates, mastery=mastery, mastery_threshold=course.threshold,
                                      previously_mastered={s for s, m in peak.items() if m >= course.threshold},
                                      history=history[-LOOP_WINDOW:], practice=practice)
        slug = decision.module
        if slug is None:  # cannot happen once a module is done: the oldest is reviewed
            break
        unit = units[slug]
        run.read_unit(unit)
        asked: list[str] = []
        while not run.done():
            keys = list(unit.quiz)
            predicted = model.predict(state, keys, at=run.seen, infos=[info_of(course.items[k]) for k in keys])
            pool = [QuestionCandidate(k, float(p), course.items[k].skills) for k, p in zip(keys, predicted)]
            if not asked:  # the quiz's first question is decided when it starts, after the break
                mastery = dict(zip(course.skills, map(float, model.predict_skills(state, course.skills, at=run.seen))))
            module_mastery = {s: mastery[s] for s in unit.skills}
            choice = choose_next_question(pool, asked=asked, module_mastery=module_mastery,
                                          target_success=course.target, mastery_threshold=course.threshold)
            if choice.question is None:
                break
            key = str(choice.question)
            correct = run.answer(key)
            state = model.update(state, key, int(correct), at=run.seen, info=info_of(course.items[key]))
            mastery = dict(zip(course.skills, map(float, model.predict_skills(state, course.skills, at=run.seen))))
            for s, m in mastery.items():
                peak[s] = max(peak.get(s, 0.0), m)
            asked.append(key)
            for s in course.items[key].skills:
                practice[s] = practice.get(s, 0) + 1
        completed.add(slug)
        studied[slug] = run.seen
        # As the product reads it: the finished quiz, with the mastery the model saw right after it.
        history.append(Sitting(slug, run.seen, dict(mastery)))
        run.between_sittings()
    return run


def info_of(item: Item) -> ItemInfo:
    """The question as its author described it, as the product passes it to the model: every skill
    (each gets the evidence) and the difficulty."""
    return ItemInfo(item.skills, float(item.difficulty))


def population(course: Course, n: int, seed: int) -> list[tuple[SimulatedLearner, int]]:
    """Learners with their own answer seeds; each policy gets identical copies."""
    rng = random.Random(seed)
    return [(SimulatedLearner.sample(f"sim-{i}", course.skills, course.prerequisites, rng), rng.randrange(2**31))
            for i in range(n)]


def clone(learner: SimulatedLearner) -> SimulatedLearner:
    return SimulatedLearner(learner.name, dict(learner.knowledge), learner.learn_rate, learner.params,
                            learner.prerequisites, {})


Record = tuple[int, str, str, int, datetime]


def logged(course: Course, n: int, seed: int, budget: int, model: LearnerModel | None = None,
           first_learner: int = 0) -> list[Record]:
    """What the product would have logged from ``n`` learners: on the fixed order, leaving once they
    reach mastery; or, with ``model``, under the adaptive policy for the whole budget, as the
    learners measured here do (their logs cut at first mastery trained a model that let final
    mastery slip; docs/benchmarks.md)."""
    records = []
    for index, (learner, answer_seed) in enumerate(population(course, n, seed), start=first_learner):
        run = Run(course, learner, random.Random(answer_seed), budget, stop_at_mastery=model is None)
        run = run_adaptive(run, model) if model is not None else run_fixed(run)
        records += [(index, key, skill, int(correct), at) for key, skill, correct, at in run.log]
    return records


def train_on(records: list[Record], args: argparse.Namespace) -> LearnerModel:
    """Train the model on ``records``, a sixth of the learners held out for early stopping."""
    log = ResponseLog.from_records(records)
    learners = np.unique(log.learner)
    valid_ids = learners[: max(1, len(learners) // 6)]
    valid = log.subset_learners(valid_ids)
    train = log.subset_learners(np.setdiff1d(learners, valid_ids))
    overrides = {"max_epochs": args.max_epochs} if args.model in {"gru", "gru_pfa", "bayes_mirt"} else {}
    return train_model(args.model, train, valid, device="cpu", seed=args.seed, progress=False, **overrides)


def summary(values: list[float]) -> dict[str, float]:
    """Mean with a 95% t-interval (normal approximation for the sizes used here)."""
    arr = np.asarray(values, dtype=float)
    mean = float(arr.mean())
    half = 1.96 * float(arr.std(ddof=1)) / math.sqrt(len(arr)) if len(arr) > 1 else 0.0
    return {"mean": mean, "low": mean - half, "high": mean + half}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=ROOT / "demo" / "courses" / "data-literacy")
    parser.add_argument("--learners", type=int, default=200, help="Simulated learners per policy.")
    parser.add_argument("--train-learners", type=int, default=300, help="Learners whose answers train the model.")
    parser.add_argument("--model", default="gru_pfa", help="Learner model of adaptive.core (default: gru_pfa).")
    parser.add_argument("--budget", type=int, default=400, help="Most questions a learner answers.")
    parser.add_argument("--max-epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sitting-minutes", type=float, default=None,
                        help="Sittings of this many minutes of study for both policies (default: one module "
                             "per sitting, however long it takes).")
    parser.add_argument("--retrain", action="store_true",
                        help="Train the model, let as many other learners use the adaptive policy with it, then "
                             "train it again on all those answers (one round of the product's retraining).")
    parser.add_argument("--model-file", type=Path,
                        help="Use this checkpoint (e.g. the shipped adaptive/artifacts/skill_elo_meta.pt) as a fresh "
                             "install serves it, reading the course's descriptions; nothing is trained.")
    parser.add_argument("--stop-at-mastery", action="store_true",
                        help="Learners stop once they reach mastery (as in the product benchmark), not at the budget.")
    parser.add_argument("--product-clock", action="store_true",
                        help="Give the model and the policy the clock the product sees in "
                             "benchmarks/product_adaptive_vs_fixed.py (a few seconds an answer, no breaks) "
                             "while the learners still forget over the simulated days.")
    parser.add_argument("--json", type=Path, help="Write the results here.")
    args = parser.parse_args(argv)

    course = load_course(args.course)
    started = time.perf_counter()
    if args.model_file is not None:
        model = load(args.model_file)
        if hasattr(model, "set_catalogue"):
            model.set_catalogue({k: info_of(i) for k, i in course.items.items()}, course.prerequisites)
        args.model, args.train_learners = f"{model.name} ({args.model_file.name})", 0
    else:
        records = logged(course, args.train_learners, args.seed + 1000, args.budget)
        model = train_on(records, args)
    if args.retrain and args.model_file is None:
        # As the product's periodic retraining would: once learners have used the adaptive policy,
        # the model is trained again on the whole log, their answers included.
        records += logged(course, args.train_learners, args.seed + 2000, args.budget, model,
                          first_learner=args.train_learners)
        model = train_on(records, args)
    train_seconds = time.perf_counter() - started

    results: dict[str, list[Run]] = {"adaptive": [], "fixed": []}
    for learner, answer_seed in population(course, args.learners, args.seed):
        results["fixed"].append(run_fixed(Run(course, clone(learner), random.Random(answer_seed), args.budget,
                                              stop_at_mastery=args.stop_at_mastery,
                                              sitting_minutes=args.sitting_minutes)))
        results["adaptive"].append(run_adaptive(Run(course, clone(learner), random.Random(answer_seed), args.budget,
                                                    stop_at_mastery=args.stop_at_mastery,
                                                    sitting_minutes=args.sitting_minutes,
                                                    product_clock=args.product_clock), model))

    report: dict = {"course": str(args.course.name), "model": args.model, "budget": args.budget,
                    "sitting_minutes": args.sitting_minutes, "product_clock": args.product_clock, "retrain": args.retrain,
                    "train_learners": args.train_learners, "train_seconds": round(train_seconds, 1)}
    for policy, runs in results.items():
        report[policy] = {
            "learners": len(runs),
            # A learner who never got there counts with the whole budget (a lower bound on their cost).
            "questions_to_mastery": summary([r.questions_to_mastery or args.budget for r in runs]),
            "minutes_to_mastery": summary([r.minutes_to_mastery if r.minutes_to_mastery is not None else r.minutes
                                           for r in runs]),
            "reached_mastery": sum(r.questions_to_mastery is not None for r in runs) / len(runs),
            "stuck": sum(r.stuck() for r in runs),
            "final_mastery": summary([r.final_mastery() for r in runs]),
            "final_mastery_at_stop": summary([r.mastery_at_stop() for r in runs]),
            "days_to_budget": summary([(r.clock - r.start).total_seconds() / 86400 for r in runs]),
        }
    a, f = report["adaptive"], report["fixed"]
    report["questions_saved"] = 1 - a["questions_to_mastery"]["mean"] / f["questions_to_mastery"]["mean"]
    # Both policies see the same learners, so the per-learner difference is the sharper comparison.
    report["final_mastery_difference"] = summary([ra.final_mastery() - rf.final_mastery()
                                                  for ra, rf in zip(results["adaptive"], results["fixed"])])

    def row(name: str, key: str, fmt: str) -> str:
        def cell(d: dict) -> str:
            s = d[key]
            return f"{format(s['mean'], fmt)} [{format(s['low'], fmt)}, {format(s['high'], fmt)}]"
        return f"| {name} | {cell(a)} | {cell(f)} |"

    print(f"\nAdaptive vs fixed on {course.units[0].slug}… ({len(course.units)} modules, {len(course.items)} questions, "
          f"{len(course.skills)} skills); {args.learners} simulated learners per policy; model {args.model} "
          f"trained on {args.train_learners} learners"
          f"{f' then retrained with {args.train_learners} adaptive learners as well' if args.retrain else ''} "
          f"in {train_seconds:.0f}s\n")
    print("| measure (mean [95% interval]) | adaptive | fixed |")
    print("|---|---|---|")
    print(row("questions to mastery", "questions_to_mastery", ".1f"))
    print(row("minutes to mastery", "minutes_to_mastery", ".1f"))
    print(row(f"final mastery after {args.budget} questions", "final_mastery", ".3f"))
    print(row("final mastery at stop (earlier measure)", "final_mastery_at_stop", ".3f"))
    print(row(f"simulated days for {args.budget} questions", "days_to_budget", ".1f"))
    print(f"| reached mastery within {args.budget} questions | {a['reached_mastery']:.0%} | {f['reached_mastery']:.0%} |")
    print(f"| stuck (no mastery, last {STUCK_WINDOW} questions +{STUCK_MIN_GAIN} or less) | {a['stuck']} | {f['stuck']} |")
    d = report["final_mastery_difference"]
    print(f"\nAdaptive needs {report['questions_saved']:.0%} fewer questions to mastery; final mastery after "
          f"{args.budget} questions, adaptive minus fixed on the same learners: {d['mean']:+.3f} "
          f"[{d['low']:+.3f}, {d['high']:+.3f}].")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
