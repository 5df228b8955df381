"""What every learner model must do before it reaches learners, checked on the courses it will serve.

A model that passes held-out metrics can still trap a learner: rate a skill that is answered right
again and again below the mastery threshold for ever, lower a skill after a right answer, put out NaN,
or give a skill nobody has answered yet the history of another. :func:`check_invariants` tries each
of these on the real courses (their questions, skills and the author's difficulties) and says which
failed, in words an admin can act on. The product runs it whenever a model would be promoted and
again when a process loads one; a model failing it is refused and never serves.

The invariants, with their stated bounds:

* **finite**: every predicted chance and every skill's mastery is a finite number in [0, 1], from
  the cold start and from learners with some history;
* **monotone in the evidence**: a right answer never lowers the mastery of a skill the question
  practises by more than ``MONOTONE_TOLERANCE``, and a wrong one never raises it by more;
* **mastery reachable**: for every skill, a learner starting cold who answers its questions right
  (in the author's order, round again if need be) reaches the course's mastery threshold within
  ``REACH_WITHIN`` answers;
* **own prior for the unseen**: a skill the model never saw keeps its cold-start mastery while
  another unseen skill is answered (it starts from its own prior, never from another skill's
  history), and an unseen question rated hard by its author is predicted harder than one rated easy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from adaptive.core.learners.base import ItemInfo, LearnerModel, State

MONOTONE_TOLERANCE = 1e-6
REACH_WITHIN = 10
HISTORIES = 3  # random learner histories from which monotonicity is checked, besides the cold start
HISTORY_LENGTH = 12
_UNSEEN = "__pathwise_unseen__"


@dataclass(frozen=True)
class CourseSpec:
    """A course as the invariants see it: its questions, each with the author's description."""

    name: str
    items: dict[str, ItemInfo]
    mastery_threshold: float = 0.85

    @property
    def skills(self) -> list[str]:
        return sorted({str(s) for info in self.items.values() for s in info.skills})


@dataclass(frozen=True)
class InvariantReport:
    failures: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self, limit: int = 3) -> str:
        if self.passed:
            return (f"passes the invariants ({self.counts.get('checks', 0)} checks on "
                    f"{self.counts.get('skills', 0)} skills and {self.counts.get('questions', 0)} questions)")
        shown = "; ".join(self.failures[:limit])
        more = f" (and {len(self.failures) - limit} more)" if len(self.failures) > limit else ""
        return f"fails the invariants: {shown}{more}"


class _Failures:
    def __init__(self, per_kind: int = 5) -> None:
        self.items: list[str] = []
        self.kinds: dict[str, int] = {}
        self.per_kind = per_kind
        self.checks = 0

    def check(self, ok: bool, kind: str, message: str) -> bool:
        self.checks += 1
        if not ok:
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if self.kinds[kind] <= self.per_kind:
                self.items.append(message)
        return ok


def _finite_unit(values: np.ndarray) -> bool:
    values = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.isfinite(values)) and np.all(values >= -1e-9) and np.all(values <= 1 + 1e-9))


def _histories(course: CourseSpec, model: LearnerModel, rng: random.Random) -> list[State]:
    keys = list(course.items)
    states = [model.init_state()]
    for _ in range(HISTORIES if keys else 0):
        state = model.init_state()
        for _ in range(HISTORY_LENGTH):
            key = rng.choice(keys)
            state = model.update(state, key, rng.random() < 0.6, info=course.items[key])
        states.append(state)
    return states


def check_invariants(model: LearnerModel, courses: Sequence[CourseSpec], *, seed: int = 0,
                     reach_within: int = REACH_WITHIN, tolerance: float = MONOTONE_TOLERANCE) -> InvariantReport:
    """Check ``model`` on ``courses``; the report lists each failure in words (a few per kind)."""
    fail = _Failures()
    rng = random.Random(seed)
    n_skills = n_questions = 0
    for course in courses:
        skills = course.skills
        keys = list(course.items)
        n_skills += len(skills)
        n_questions += len(keys)
        try:
            states = _histories(course, model, rng)
        except Exception as exc:  # noqa: BLE001 - a model that cannot take an answer fails, with why
            fail.check(False, "error", f"{course.name}: the model fails on an answer ({type(exc).__name__}: {exc})")
            continue
        for n, state in enumerate(states):
            where = "from the cold start" if n == 0 else "after some answers"
            if keys:
                p = model.predict(state, keys, infos=[course.items[k] for k in keys])
                fail.check(_finite_unit(p), "finite", f"{course.name}: predicted chances are not finite numbers in "
                                                      f"[0, 1] {where}")
            if skills:
                m = model.predict_skills(state, skills)
                fail.check(_finite_unit(m), "finite", f"{course.name}: mastery is not a finite number in [0, 1] "
                                                      f"{where}")
            for key in keys:
                info = course.items[key]
                own = [str(s) for s in info.skills]
                if not own:
                    continue
                before = model.predict_skills(state, own)
                after_right = model.predict_skills(model.update(state, key, True, info=info), own)
                after_wrong = model.predict_skills(model.update(state, key, False, info=info), own)
                for skill, b, r, w in zip(own, before, after_right, after_wrong):
                    fail.check(bool(r >= b - tolerance), "monotone",
                               f"{course.name}: a right answer to {key} lowers {skill} ({b:.3f} -> {r:.3f}) {where}")
                    fail.check(bool(w <= b + tolerance), "monotone",
                               f"{course.name}: a wrong answer to {key} raises {skill} ({b:.3f} -> {w:.3f}) {where}")
        for skill in skills:
            own_keys = [k for k in keys if skill in {str(s) for s in course.items[k].skills}]
            state = model.init_state()
            reached = None
            for answer in range(reach_within):
                key = own_keys[answer % len(own_keys)]
                state = model.update(state, key, True, info=course.items[key])
                level = float(model.predict_skills(state, [skill])[0])
                if level >= course.mastery_threshold:
                    reached = answer + 1
                    break
            fail.check(reached is not None, "reachable",
                       f"{course.name}: {skill} stays below mastery ({course.mastery_threshold:.0%}) after "
                       f"{reach_within} right answers in a row (reaches {level:.0%})")
    _check_unseen(model, fail, tolerance)
    return InvariantReport(tuple(fail.items), {"checks": fail.checks, "skills": n_skills, "questions": n_questions,
                                               **{f"failed_{k}": v for k, v in fail.kinds.items()}})


def _check_unseen(model: LearnerModel, fail: _Failures, tolerance: float) -> None:
    """Two skills and a few questions nobody ever answered: answering one skill leaves the other at its
    own cold-start mastery, and the author's difficulty orders the predictions of unseen questions."""
    a, b = f"{_UNSEEN}a", f"{_UNSEEN}b"
    state = model.init_state()
    cold = float(model.predict_skills(state, [b])[0])
    for n in range(6):
        state = model.update(state, f"{_UNSEEN}q{n}", True, info=ItemInfo((a,), 3.0))
    after = float(model.predict_skills(state, [b])[0])
    fail.check(math.isfinite(after) and abs(after - cold) <= max(tolerance, 1e-4), "unseen",
               f"a skill never seen takes another's history: after six answers on one new skill, another new "
               f"skill moves from {cold:.3f} to {after:.3f}")
    fresh = model.init_state()
    easy, hard = model.predict(fresh, [f"{_UNSEEN}easy", f"{_UNSEEN}hard"],
                               infos=[ItemInfo((b,), 1.0), ItemInfo((b,), 5.0)])
    fail.check(bool(easy > hard), "unseen",
               f"the author's difficulty is ignored for new questions (easy {easy:.3f}, hard {hard:.3f})")
