"""The tasks of the meta-learned prior, and the build of its shipped artifact.

``skill_elo``'s population parameters are meta-trained (``adaptive.core.meta``) across

* the public knowledge-tracing sets in ``../shared/data/kt`` (read by path, never copied): the
  assist2009 train split cut into pseudo-courses of 10-20 skills (each task's learners restricted
  to its skills) and the synthetic5 train split in two halves of its learners; the assist2009_dkt
  set is held out entirely, for the report;
* simulated courses of varied structure: 3-12 skills in modules, a random prerequisite DAG, 5-15
  questions per skill with a random author difficulty (1-5) and type, answered by learners of
  ``adaptive.core.learner_simulator`` with varied population parameters, in course order or mixed.

The product's demo courses (``demo/courses``) are never used: they are the held-out courses.

    python manage.py build_meta_prior --out adaptive/artifacts/skill_elo_meta.pt --seed 0

writes a standard ``skill_elo`` checkpoint (loaded by ``adaptive.core.learners.load``) and, beside it,
a JSON of what it was trained on.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from adaptive.core.data import ResponseLog, read_log
from adaptive.core.learner_simulator import SimulatedLearner, SimulatorParams
from adaptive.core.learners.base import ItemInfo
from adaptive.core.meta import KINDS, MetaConfig, Task, meta_train

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "kt"
DEFAULT_OUT = ROOT / "adaptive" / "artifacts" / "skill_elo_meta.pt"
#: The chance of guessing a question of each type right, before a course's own factor.
TYPE_GUESS = {"true_false": 0.5, "single_choice": 0.25, "multiple_choice": 0.1, "numeric": 0.02, "short_text": 0.05}
_START = datetime(2026, 1, 5, 9, tzinfo=UTC)


class MissingData(FileNotFoundError):
    """The public data sets are not where they were looked for."""


# ----- simulated courses --------------------------------------------------------------------------
@dataclasses.dataclass
class SimCourse:
    """A course's structure as the simulator sees it, in course order.

    Skill ids are strings, as the learner models' vocabularies compare them: a package's YAML reads a
    numeric slug as a number, so the ids of ``modules`` and ``prerequisites`` are turned into strings
    here, and the skills of ``questions`` where they are read (:func:`_skill_ids`).
    """

    name: str
    modules: list[list[str]]  # skills of each module
    prerequisites: dict[str, tuple[str, ...]]
    questions: dict[str, ItemInfo]  # the author's description of each question

    def __post_init__(self) -> None:
        self.modules = [[str(s) for s in module] for module in self.modules]
        self.prerequisites = {str(s): tuple(str(p) for p in needs) for s, needs in self.prerequisites.items()}


def _skill_ids(info: ItemInfo) -> tuple[str, ...]:
    return tuple(str(s) for s in info.skills)


def random_course(name: str, rng: random.Random) -> SimCourse:
    """3-12 skills in modules of 1-3, a random prerequisite DAG on earlier skills, 5-15 questions per
    skill (author difficulty 1-5, a random type, sometimes a second skill practised)."""
    n_skills = rng.randint(3, 12)
    skills = [f"{name}-s{k}" for k in range(n_skills)]
    density = rng.uniform(0.1, 0.5)
    prerequisites = {s: tuple(p for p in skills[:k] if rng.random() < density)[-2:] for k, s in enumerate(skills)}
    modules: list[list[str]] = []
    k = 0
    while k < n_skills:
        size = rng.randint(1, 3)
        modules.append(skills[k : k + size])
        k += size
    kinds = list(KINDS)
    kind_weights = [rng.random() for _ in kinds]
    questions: dict[str, ItemInfo] = {}
    for s in skills:
        for q in range(rng.randint(5, 15)):
            extra = prerequisites[s] if prerequisites[s] and rng.random() < 0.15 else ()
            questions[f"{s}-q{q}"] = ItemInfo((s, *extra[:1]), float(rng.randint(1, 5)),
                                              rng.choices(kinds, kind_weights)[0])
    return SimCourse(name, modules, prerequisites, questions)


def random_params(rng: random.Random) -> SimulatorParams:
    """A population of simulated learners unlike the product's default one."""
    return SimulatorParams(
        prior_mean=rng.uniform(0.1, 0.5), prior_spread=rng.uniform(0.05, 0.25),
        learn_rate_mean=rng.uniform(0.05, 0.35), learn_rate_spread=rng.uniform(0.02, 0.12),
        reading_boost=rng.uniform(0.0, 0.15), prerequisite_drag=rng.uniform(0.0, 0.8),
        decay_per_day=rng.uniform(0.0, 0.06), stability_gain=rng.uniform(0.1, 0.5),
        slip=rng.uniform(0.02, 0.2), guess=0.2, difficulty_weight=rng.uniform(0.2, 0.9),
    )


def simulate_answers(course: SimCourse, params: SimulatorParams, n_learners: int, rng: random.Random,
                     mixed_share: float = 0.5, answers: tuple[int, int] = (20, 120),
                     guess_factor: float = 1.0) -> ResponseLog:
    """Simulated learners answering ``course``: in course order (each module read, then its questions
    in a random order, the course repeated) or, for ``mixed_share`` of them, questions drawn from the
    whole course. Each answer's guessing chance is its type's (``TYPE_GUESS`` times ``guess_factor``)."""
    question_skills = {key: _skill_ids(info) for key, info in course.questions.items()}
    by_skill: dict[str, list[str]] = {}
    for key, skill_ids in question_skills.items():
        by_skill.setdefault(skill_ids[0], []).append(key)
    typed = {kind: dataclasses.replace(params, guess=min(0.6, g * guess_factor)) for kind, g in TYPE_GUESS.items()}
    skills = [s for module in course.modules for s in module]
    records: list[tuple[str, str, str, int, float]] = []
    for n in range(n_learners):
        learner = SimulatedLearner.sample(f"{course.name}-l{n}", skills, course.prerequisites, rng, params)
        budget = rng.randint(*answers)
        now = _START + timedelta(days=rng.uniform(0, 30))
        # (the skills of a module read first, none for a learner drawing from the whole course; its questions)
        order: list[tuple[list[str], list[str]]] = []
        if rng.random() < mixed_share:
            pool = list(course.questions)
            order = [([], [rng.choice(pool) for _ in range(budget)])]
        else:
            while sum(len(o[1]) for o in order) < budget:
                for module in course.modules:
                    keys = [k for s in module for k in by_skill.get(s, [])]
                    rng.shuffle(keys)
                    order.append((module, keys[: rng.randint(min(4, len(keys)), len(keys))]))
        given = 0
        for read_skills, keys in order:
            if read_skills:
                now += timedelta(hours=rng.choice((0.1, 0.5, 20, 50)))
                learner.read(read_skills, now)
            for key in keys:
                if given >= budget:
                    break
                info = course.questions[key]
                now += timedelta(minutes=rng.uniform(0.5, 2))
                learner.params = typed[info.kind]
                correct = learner.answer(question_skills[key], int(info.difficulty or 3), now, rng)
                records.append((learner.name, key, question_skills[key][0], int(correct), now.timestamp()))
                given += 1
    return ResponseLog.from_records(records)


def simulated_tasks(count: int, seed: int) -> list[Task]:
    """``count`` simulated courses of varied structure and learner populations."""
    rng = random.Random(seed)
    tasks = []
    for c in range(count):
        course = random_course(f"sim{c}", rng)
        log = simulate_answers(course, random_params(rng), rng.randint(120, 250), rng,
                               mixed_share=rng.choice((0.0, 0.5, 1.0)), guess_factor=rng.uniform(0.6, 1.2))
        tasks.append(Task(course.name, log, dict(course.questions), dict(course.prerequisites), "simulated"))
    return tasks


# ----- public data sets ---------------------------------------------------------------------------
def restrict_skills(log: ResponseLog, skills: set[str], min_answers: int = 5) -> ResponseLog:
    """The answers of ``log`` on ``skills``, of learners with at least ``min_answers`` of them."""
    keep = np.isin(log.skill, log.skill_vocab.encode(sorted(skills)))
    learners, counts = np.unique(log.learner[keep], return_counts=True)
    enough = set(learners[counts >= min_answers].tolist())
    items, skill_tokens, learner_tokens = log.item_vocab.tokens, log.skill_vocab.tokens, log.learner_vocab.tokens
    return ResponseLog.from_records(
        (learner_tokens[int(l_)], items[int(i)], skill_tokens[int(s)], int(c), None)
        for l_, i, s, c, k in zip(log.learner, log.item, log.skill, log.correct, keep) if k and int(l_) in enough)


def public_tasks(data: Path, seed: int, course_skills: tuple[int, int] = (10, 20)) -> list[Task]:
    """assist2009 (train split) as pseudo-courses of 10-20 skills, synthetic5 (train) in two halves."""
    if not (data / "assist2009" / "train.csv").exists() or not (data / "synthetic5" / "train.csv").exists():
        raise MissingData(f"the public knowledge-tracing sets are not in {data} (expected assist2009/ and "
                          "synthetic5/ there); pass --data, or --simulated-only to build from simulated courses")
    rng = random.Random(seed)
    tasks: list[Task] = []
    assist = read_log(data / "assist2009" / "train.csv")
    skills = list(assist.skill_vocab.tokens)
    rng.shuffle(skills)
    k = 0
    while k < len(skills):
        size = rng.randint(*course_skills)
        group = set(skills[k : k + size])
        k += size
        log = restrict_skills(assist, group)
        if log.n_learners >= 20:
            tasks.append(Task(f"assist2009-{len(tasks)}", log, family="assist2009"))
    synthetic = read_log(data / "synthetic5" / "train.csv")
    learners = np.unique(synthetic.learner)
    for half, chosen in enumerate((learners[: len(learners) // 2], learners[len(learners) // 2 :])):
        tasks.append(Task(f"synthetic5-{half}", synthetic.subset_learners(chosen), family="synthetic5"))
    return tasks


# ----- the build ----------------------------------------------------------------------------------
def build(out: Path = DEFAULT_OUT, *, seed: int = 0, data: Path = DEFAULT_DATA, simulated_only: bool = False,
          n_simulated: int = 24, meta: MetaConfig | None = None,
          progress: Callable[[int, float], None] | None = None) -> dict[str, Any]:
    """Meta-train ``skill_elo`` and write its checkpoint to ``out`` and a JSON of the run beside it.

    Raises :class:`MissingData` when the public sets are missing, unless ``simulated_only``.
    """
    started = time.perf_counter()
    tasks = [] if simulated_only else public_tasks(data, seed)
    tasks += simulated_tasks(n_simulated, seed)
    meta = meta or MetaConfig()
    model = meta_train(tasks, config=meta, seed=seed, progress=progress)
    seconds = time.perf_counter() - started
    summary = {
        "command": f"python manage.py build_meta_prior --out {out} --seed {seed}"
                   + (" --simulated-only" if simulated_only else ""),
        "seed": seed,
        "built": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
        "seconds": round(seconds, 1),
        "tasks": [{"name": t.name, "family": t.family, "learners": t.log.n_learners, "answers": len(t.log),
                   "skills": t.log.n_skills} for t in tasks],
        "held_out": ["assist2009_dkt", "demo/courses/data-literacy", "demo/courses/learning-to-learn"],
        "meta": dataclasses.asdict(meta),
        "config": dataclasses.asdict(model.config),
    }
    model.training_info.update({"meta_seconds": seconds, "built": summary["built"]})
    model.save(out)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
