"""Adaptive vs fixed on the product as shipped: a fresh ``bin/demo`` install, driven over HTTP only.

``benchmarks/adaptive_vs_fixed.py`` runs the policy in-process; this runs the product. For each seed
it starts ``bin/demo`` itself in a fresh temporary ``PATHWISE_VAR_DIR`` (its own SQLite database,
broker folder and model folder; the learner model is the one the fresh install trained and serves,
nothing more), waits until the site answers and times that first start, then drives it through the
REST API the way the pages lead a learner:

* as the demo admin: read the course once (skills and prerequisites, modules, each question's
  skills, difficulty and answer key), create the learners (``POST /api/v1/users/``) and enrol each
  on a path (``POST /api/v1/enrollments/`` with ``path``);
* as each learner, with their own token: ask the recommendation
  (``GET /api/v1/courses/{slug}/recommendation/?user=``), start the recommended module's quiz
  (``POST /api/v1/quiz-attempts/``), answer its current question (``POST /api/v1/responses/``),
  fetch the attempt again for the next one until the quiz is over, and ask the recommendation again.

Learners. For each seed, N learners are sampled with ``SimulatedLearner.sample`` over the course's
skills and prerequisites (read through the API), exactly as the in-process benchmark samples them
(same seed, same learners), and each is cloned into a twin with identical hidden knowledge and the
same answer seed: one is enrolled on the ``adaptive`` path, the twin on ``fixed`` (the control path:
modules in course order, questions in module order). A learner reads a module when it is first
recommended (``SimulatedLearner.read`` on its skills; a module read before is skimmed) and answers
with ``SimulatedLearner.answer(skills, difficulty, now, rng)``; the answer sent is built like
``lms.learning.simulation.simulated_answer``. The learners run concurrently (``--workers``).

Time. Each learner has a simulated clock: a question takes 0.75 minutes, reading a module its
estimated minutes (2 to skim one read before), and between two modules 12 to 48 hours pass
(``--break-hours``), as in the in-process benchmark's default sittings. The product's own
timestamps are real time: it sees every learner's whole history within minutes, so it never sees
the forgetting the simulated learners go through during their breaks.

Pace. After each answer the learner waits (up to ``--worker-wait``, 30 s) until the worker has
stored its decisions for it, as the time a person takes to read the feedback would allow, so the
next question is the worker's decision from an up-to-date state. Without the wait (``0``) simulated
learners answer many times faster than people do, the demo's one worker falls behind, and the
web's fallback decides from a state that is behind; the table shows the share of question decisions
the worker made either way.

Judging, by the simulator's hidden state only (the product's estimates are never used to judge):

* true mastery, as in ``benchmarks/adaptive_vs_fixed.py``: a learner has reached it when, for every
  skill of the course (those of its modules and questions), their real chance of answering a typical
  (difficulty 3) question now, forgetting included, is at or above the course's mastery threshold.
  It is checked after every answer; a learner stops there, or at the budget (``--budget``).
* questions to mastery: the answer at which a learner first reached it; a learner who never did
  counts with the whole budget (a lower bound on their cost). Mean with a 95% interval.
* stuck: a learner who did not reach true mastery and either
  (a) got no new question from the product: the recommendation named no module (``no_module``), or
  ``NO_QUESTION_ROUNDS`` (3) recommendations in a row led to quizzes that showed no question
  (``no_question``: a finished or blocked module recommended over and over); the learner stops
  there, since the product gives them nothing more to do. On the fixed path the product says the
  course is done after one pass through it; by default (``--after-done retake``) a learner told
  "done" goes round the course again on their own (quizzes retaken in course order, as the
  in-process benchmark's fixed order does), and ``--after-done stop`` counts them stuck there; or
  (b) used the whole budget and their mean true mastery over the course's skills (the chance above,
  averaged) rose by less than ``STUCK_MIN_GAIN`` (0.02) over their last ``STUCK_WINDOW`` (100)
  questions (``plateau``). With ``--follow-stuck N`` an adaptive learner on a plateau then goes on
  for up to N more questions, to tell a slow learner (true mastery a little past the budget) from
  one the product holds back; every result at the budget stays as it was (they still count as
  stuck and as not reaching mastery), and ``stuck_followed`` in the JSON says where each got to.
* estimate error: at each learner's end (and every ``--estimate-every`` questions on the way), the
  product's public estimate per skill (``GET /api/v1/learners/{id}/mastery/?course=``, read as the
  admin) against the true chance on a typical question. ``estimate_mae`` is the mean absolute
  difference over the skills for which the product shows a number, estimated or not (what a manager
  would see); ``estimate_mae_estimated`` only over skills it marks ``estimated``; skills shown
  without a number are counted (``skills_without_estimate``), never guessed. It is read after the
  worker's decisions for the last answer are stored (with ``--worker-wait 0``, possibly before).
* questions on skills already known: answers to questions all of whose skills the learner already
  truly had at the threshold when the question was shown.

The product's learner state is read only through the mastery endpoint; the benchmark never opens
the database. An HTTP error stops the run and names the method, the URL, the status and the body;
every wait is bounded.

    python benchmarks/product_adaptive_vs_fixed.py --seeds 7 --learners 30 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adaptive.core.learner_simulator import SimulatedLearner  # noqa: E402

ADMIN = ("admin", "admin-with-pathwise")  # the demo admin bin/demo creates
LEARNER_PASSWORD = "bench-learner-password-7"
TYPICAL_DIFFICULTY = 3  # as in benchmarks/adaptive_vs_fixed.py
QUESTION_MINUTES = 0.75
REVIEW_MINUTES = 2
STUCK_WINDOW = 100
DECISION_DEADLINE_S = 0.6  # as the quiz page waits for the worker before asking the web (PATHWISE_DECISION_DEADLINE_S)
STUCK_MIN_GAIN = 0.02
NO_QUESTION_ROUNDS = 3
HTTP_TIMEOUT_S = 60
BROKEN_SITE_S = 60  # a site that answers its first page with server errors this long will not recover
HTTP_RETRIES = 3  # connection errors and 502/503/504 only; every request here may be repeated safely
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


# ----- the course, as the admin reads it ------------------------------------------------------------
@dataclass(frozen=True)
class QuestionInfo:
    key: str
    type: str
    skills: tuple[str, ...]
    difficulty: int
    choices: tuple[tuple[int, bool], ...] = ()  # (choice id, is correct), in order
    true_false_answer: bool | None = None
    numeric_answer: float | None = None
    numeric_tolerance: float = 0.0
    accepted_answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    slug: str
    title: str
    order: int
    minutes: int
    skills: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass
class CourseMap:
    slug: str
    threshold: float
    modules: dict[int, ModuleInfo]
    questions: dict[str, QuestionInfo]
    skills: list[str]
    prerequisites: dict[str, tuple[str, ...]]


def course_map_from_api(course: dict[str, Any], modules: list[dict[str, Any]], questions: list[dict[str, Any]],
                        skills: list[dict[str, Any]]) -> CourseMap:
    """The course from the admin's view of ``courses/{slug}/``, ``modules/``, ``questions/``, ``skills/``."""
    infos = {
        q["key"]: QuestionInfo(
            key=q["key"], type=q["type"], skills=tuple(q["skills"]), difficulty=int(q["difficulty"]),
            choices=tuple((int(c["id"]), bool(c["is_correct"])) for c in q.get("choices") or ()),
            true_false_answer=q.get("true_false_answer"), numeric_answer=q.get("numeric_answer"),
            numeric_tolerance=float(q.get("numeric_tolerance") or 0.0),
            accepted_answers=tuple(q.get("accepted_answers") or ()),
        )
        for q in questions
    }
    units = {
        int(m["id"]): ModuleInfo(int(m["id"]), m["slug"], m["title"], int(m["order"]), int(m["estimated_minutes"]),
                                 tuple(m["skills"]), tuple(m["questions"]))
        for m in modules
    }
    missing = sorted({k for m in units.values() for k in m.questions} - set(infos))
    if missing:
        raise RuntimeError(f"course {course['slug']}: the admin could not read the questions {missing}")
    used = {s for m in units.values() for s in m.skills} | {s for m in units.values() for k in m.questions
                                                           for s in infos[k].skills}
    prereqs = {s["slug"]: tuple(p for p in s.get("prerequisites") or () if p in used) for s in skills
               if s["slug"] in used}
    return CourseMap(course["slug"], float(course["mastery_threshold"]), units, infos, sorted(used), prereqs)


def answer_for(question: QuestionInfo, correct: bool, rng: random.Random) -> object:
    """An answer of the right shape, right or wrong as decided (``simulation.simulated_answer``)."""
    if question.type in ("single_choice", "multiple_choice"):
        right = [cid for cid, ok in question.choices if ok]
        wrong = [cid for cid, ok in question.choices if not ok] or right
        if question.type == "single_choice":
            return right[0] if correct else rng.choice(wrong)
        return sorted(right) if correct else sorted({*right[:-1], rng.choice(wrong)})
    if question.type == "true_false":
        return bool(question.true_false_answer) if correct else not question.true_false_answer
    if question.type == "numeric":
        value = question.numeric_answer or 0.0
        return value if correct else value + max(1.0, 10 * question.numeric_tolerance)
    return question.accepted_answers[0] if correct and question.accepted_answers else "not sure"


# ----- learners and the judge ---------------------------------------------------------------------
def population(course: CourseMap, n: int, seed: int) -> list[tuple[SimulatedLearner, int]]:
    """Learners with their own answer seeds, drawn as ``adaptive_vs_fixed.population`` draws them."""
    rng = random.Random(seed)
    return [(SimulatedLearner.sample(f"sim-{i}", course.skills, course.prerequisites, rng), rng.randrange(2**31))
            for i in range(n)]


def clone(learner: SimulatedLearner) -> SimulatedLearner:
    return SimulatedLearner(learner.name, dict(learner.knowledge), learner.learn_rate, learner.params,
                            dict(learner.prerequisites), {})


def twins(course: CourseMap, n: int, seed: int) -> list[tuple[SimulatedLearner, SimulatedLearner, int]]:
    """(adaptive learner, fixed twin, answer seed): identical hidden knowledge, separate objects."""
    return [(clone(learner), clone(learner), answer_seed) for learner, answer_seed in population(course, n, seed)]


def stuck_reason(*, reached: bool, stop: str, mean_true: list[float], window: int = STUCK_WINDOW,
                 min_gain: float = STUCK_MIN_GAIN) -> str | None:
    """Why a learner counts as stuck (see the module docstring), or None.

    ``mean_true[k]`` is the mean true mastery after the k-th answer (``[0]``: before any).
    """
    if reached:
        return None
    if stop in ("no_module", "no_question"):
        return stop
    if stop == "budget" and len(mean_true) > window and mean_true[-1] - mean_true[-1 - window] < min_gain:
        return "plateau"
    return None


@dataclass
class Track:
    """One simulated learner on one path: the hidden truth, the simulated clock and what happened."""

    course: CourseMap
    learner: SimulatedLearner
    path: str
    budget: int
    rng: random.Random
    clock: datetime = START
    questions: int = 0
    questions_to_mastery: int | None = None
    on_known: int = 0
    mean_true: list[float] = field(default_factory=list)
    stop: str = ""  # mastery, budget, no_module or no_question
    read: set[int] = field(default_factory=set)
    estimates: list[dict[str, Any]] = field(default_factory=list)  # estimate_error() at checkpoints
    final_estimate: dict[str, Any] | None = None
    model_versions: set[int] = field(default_factory=set)
    decided_by: dict[str, int] = field(default_factory=dict)  # next questions after answers: worker or web
    worker_waits: list[float] = field(default_factory=list)
    worker_late: int = 0  # answers whose decisions the worker had not stored within --worker-wait
    retakes: int = 0  # modules taken again on the learner's own initiative after the product said "done"
    last_recommendation: dict[str, Any] | None = None
    wall_seconds: float = 0.0
    followed: dict[str, Any] | None = None  # --follow-stuck: what happened past the budget

    def __post_init__(self) -> None:
        self.mean_true = [self.mean_true_mastery()]

    def true_success(self, skill: str) -> float:
        """The real chance of answering a typical (difficulty 3) question on ``skill`` now."""
        return self.learner.p_correct([skill], TYPICAL_DIFFICULTY, now=self.clock)

    def truths(self) -> dict[str, float]:
        return {s: self.true_success(s) for s in self.course.skills}

    def mastered(self) -> bool:
        return all(self.true_success(s) >= self.course.threshold for s in self.course.skills)

    def mean_true_mastery(self) -> float:
        return sum(self.truths().values()) / max(1, len(self.course.skills))

    def reached(self) -> bool:
        return self.questions_to_mastery is not None

    def done(self) -> bool:
        if self.reached():
            self.stop = "mastery"
        elif self.questions >= self.budget:
            self.stop = "budget"
        return bool(self.stop)

    def read_module(self, module: ModuleInfo) -> None:
        first = module.id not in self.read
        self.clock += timedelta(minutes=module.minutes if first else REVIEW_MINUTES)
        if first:
            self.learner.read(module.skills, self.clock)
        self.read.add(module.id)

    def answer(self, question: QuestionInfo) -> bool:
        """The learner answers ``question`` now (and learns from it); the judge takes note."""
        self.clock += timedelta(minutes=QUESTION_MINUTES)
        if all(self.true_success(s) >= self.course.threshold for s in question.skills):
            self.on_known += 1
        correct = self.learner.answer(question.skills, question.difficulty, self.clock, self.rng)
        self.questions += 1
        self.mean_true.append(self.mean_true_mastery())
        if self.questions_to_mastery is None and self.mastered():
            self.questions_to_mastery = self.questions
        return correct

    def take_break(self, hours: tuple[float, float]) -> None:
        self.clock += timedelta(hours=self.rng.uniform(*hours))

    def stuck(self) -> str | None:
        return stuck_reason(reached=self.reached(), stop=self.stop, mean_true=self.mean_true)

    def follow_past_budget(self, more: int, go_on: Callable[[Track], Track]) -> None:
        """Let a learner on a plateau go on for up to ``more`` questions (``go_on`` studies as before),
        note where they reached true mastery if they did, and leave every result measured at the
        budget as it was: the learner still counts as stuck and as not reaching mastery there."""
        kept = {name: copy.copy(getattr(self, name)) for name in
                ("budget", "stop", "questions_to_mastery", "on_known", "final_estimate", "wall_seconds",
                 "model_versions", "decided_by", "worker_waits", "worker_late", "retakes", "last_recommendation")}
        kept_true, kept_estimates = list(self.mean_true), list(self.estimates)
        at_budget = self.questions
        self.budget, self.stop = self.budget + more, ""
        go_on(self)
        self.followed = {"more_allowed": more, "reached_at": self.questions_to_mastery,
                         "questions": self.questions, "mean_true_at_budget": kept_true[-1],
                         "mean_true_at_end": self.mean_true[-1],
                         "gain_last_window": self.mean_true[-1] - self.mean_true[max(0, len(self.mean_true) - 1
                                                                                      - STUCK_WINDOW)]}
        for name, value in kept.items():
            setattr(self, name, value)
        self.questions, self.mean_true, self.estimates = at_budget, kept_true, kept_estimates


def estimate_error(mastery: dict[str, Any], truths: dict[str, float]) -> dict[str, Any]:
    """The product's shown estimates (the mastery endpoint's body) against the true chances."""
    shown = {s["skill"]: s for s in mastery.get("skills") or ()}
    numbers = [abs(float(shown[k]["mastery"]) - t) for k, t in truths.items()
               if k in shown and shown[k].get("mastery") is not None]
    estimated = [abs(float(shown[k]["mastery"]) - t) for k, t in truths.items()
                 if k in shown and shown[k].get("mastery") is not None and shown[k].get("estimated")]
    return {
        "mae": sum(numbers) / len(numbers) if numbers else None,
        "mae_estimated": sum(estimated) / len(estimated) if estimated else None,
        "skills_without_estimate": sum(1 for k in truths if k not in shown or shown[k].get("mastery") is None),
        "skills_not_estimated": sum(1 for k in truths if k not in shown or not shown[k].get("estimated")),
    }


# ----- summaries ----------------------------------------------------------------------------------
def interval(values: Iterable[float]) -> dict[str, float] | None:
    """Mean with a 95% interval (normal approximation), as ``adaptive_vs_fixed.summary``."""
    arr = [float(v) for v in values]
    if not arr:
        return None
    mean = sum(arr) / len(arr)
    if len(arr) < 2:
        return {"mean": mean, "low": mean, "high": mean}
    sd = math.sqrt(sum((v - mean) ** 2 for v in arr) / (len(arr) - 1))
    half = 1.96 * sd / math.sqrt(len(arr))
    return {"mean": mean, "low": mean - half, "high": mean + half}


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def side_summary(tracks: list[Track], budget: int) -> dict[str, Any]:
    """One path's results; a learner who never reached mastery counts with the whole budget."""
    reasons = [t.stuck() for t in tracks]
    answered = sum(t.questions for t in tracks)
    return {
        "learners": len(tracks),
        "questions_to_mastery": interval(t.questions_to_mastery or budget for t in tracks),
        "reached_mastery": sum(t.reached() for t in tracks) / len(tracks) if tracks else None,
        "stuck": sum(r is not None for r in reasons),
        "stuck_reasons": {r: reasons.count(r) for r in ("no_module", "no_question", "plateau")},
        "estimate_mae": _mean(t.final_estimate["mae"] for t in tracks if t.final_estimate),
        "estimate_mae_estimated": _mean(t.final_estimate["mae_estimated"] for t in tracks if t.final_estimate),
        "estimate_mae_during": _mean(e["mae"] for t in tracks for e in t.estimates),
        "skills_without_estimate": _mean(t.final_estimate["skills_without_estimate"] for t in tracks
                                         if t.final_estimate),
        "questions_answered": sum(t.questions for t in tracks),
        "questions_on_known_skills": interval(t.on_known for t in tracks),
        "share_on_known_skills": sum(t.on_known for t in tracks) / answered if answered else None,
        "final_mean_true_mastery": interval(t.mean_true[-1] for t in tracks),
        "model_versions": sorted({v for t in tracks for v in t.model_versions}),
        "wall_seconds_per_learner": _mean(t.wall_seconds for t in tracks),
        "decided_by_worker": (sum(t.decided_by.get("worker", 0) for t in tracks)
                              / max(1, sum(sum(t.decided_by.values()) for t in tracks))),
        "worker_wait_seconds": _mean(w for t in tracks for w in t.worker_waits),
        "worker_late": sum(t.worker_late for t in tracks),
        "retook_after_done": sum(t.retakes > 0 for t in tracks),
        "stuck_followed": [t.followed for t in tracks if t.followed is not None],
    }


def compare(tracks: dict[str, list[Track]], budget: int) -> dict[str, Any]:
    a, f = side_summary(tracks["adaptive"], budget), side_summary(tracks["fixed"], budget)
    saved = None
    if a["questions_to_mastery"] and f["questions_to_mastery"] and f["questions_to_mastery"]["mean"]:
        saved = 1 - a["questions_to_mastery"]["mean"] / f["questions_to_mastery"]["mean"]
    return {"adaptive": a, "fixed": f, "questions_saved": saved}


def report(per_seed: list[dict[str, Any]], all_tracks: dict[str, list[Track]], args: argparse.Namespace,
           command: str) -> dict[str, Any]:
    """The JSON written by ``--json``: both paths over every seed, then each seed on its own."""
    seeds = [s["seed"] for s in per_seed]
    starts = [s["first_start_seconds"] for s in per_seed if s["first_start_seconds"] is not None]
    return {
        **compare(all_tracks, args.budget),
        "seed": seeds[0] if len(seeds) == 1 else seeds,
        "course": args.course,
        "budget": args.budget,
        "learners_per_path_per_seed": args.learners,
        "break_hours": list(args.break_hours),
        "after_done": args.after_done,
        "worker_wait": args.worker_wait,
        "first_start_seconds": starts[0] if starts else None,
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "seeds": per_seed,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def markdown(result: dict[str, Any], title: str, budget: int) -> str:
    a, f = result["adaptive"], result["fixed"]

    def iv(d: dict[str, float] | None, fmt: str) -> str:
        return "–" if d is None else f"{format(d['mean'], fmt)} [{format(d['low'], fmt)}, {format(d['high'], fmt)}]"

    def num(v: float | None, fmt: str) -> str:
        return "–" if v is None else format(v, fmt)

    def stuck(d: dict[str, Any]) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in d["stuck_reasons"].items() if v)
        return f"{d['stuck']}" + (f" ({reasons})" if reasons else "")

    rows = [
        ("learners", str(a["learners"]), str(f["learners"])),
        ("questions to true mastery (mean [95%])", iv(a["questions_to_mastery"], ".1f"),
         iv(f["questions_to_mastery"], ".1f")),
        (f"reached mastery within {budget}", num(a["reached_mastery"], ".0%"), num(f["reached_mastery"], ".0%")),
        ("stuck", stuck(a), stuck(f)),
        ("went round again after the product said done", str(a["retook_after_done"]),
         str(f["retook_after_done"])),
        ("estimate MAE at the end (shown numbers)", num(a["estimate_mae"], ".3f"), num(f["estimate_mae"], ".3f")),
        ("estimate MAE at the end (estimated skills)", num(a["estimate_mae_estimated"], ".3f"),
         num(f["estimate_mae_estimated"], ".3f")),
        ("estimate MAE on the way", num(a["estimate_mae_during"], ".3f"), num(f["estimate_mae_during"], ".3f")),
        ("questions on skills already truly known, per learner", iv(a["questions_on_known_skills"], ".1f"),
         iv(f["questions_on_known_skills"], ".1f")),
        ("share of answers on skills already known", num(a["share_on_known_skills"], ".0%"),
         num(f["share_on_known_skills"], ".0%")),
        ("mean true mastery at the end", iv(a["final_mean_true_mastery"], ".3f"),
         iv(f["final_mean_true_mastery"], ".3f")),
        ("wall time per learner (s)", num(a["wall_seconds_per_learner"], ".0f"),
         num(f["wall_seconds_per_learner"], ".0f")),
        ("next questions decided by the worker (not the web's fallback)", num(a["decided_by_worker"], ".0%"),
         num(f["decided_by_worker"], ".0%")),
        ("worker's decisions stored after an answer, mean s (late)",
         f"{num(a['worker_wait_seconds'], '.2f')} ({a['worker_late']})",
         f"{num(f['worker_wait_seconds'], '.2f')} ({f['worker_late']})"),
    ]
    lines = [f"\n{title}\n", "| measure | adaptive | fixed |", "|---|---|---|"]
    lines += [f"| {name} | {x} | {y} |" for name, x, y in rows]
    saved = result.get("questions_saved")
    lines.append("")
    lines.append(f"Questions saved by the adaptive path: {num(saved, '.1%')}. Model versions seen in the adaptive "
                 f"path's decisions: {a['model_versions'] or 'none (course order)'}.")
    return "\n".join(lines)


# ----- HTTP ---------------------------------------------------------------------------------------
class ApiError(RuntimeError):
    def __init__(self, method: str, url: str, status: int | None, body: str) -> None:
        super().__init__(f"{method} {url}: {f'HTTP {status}' if status else 'no answer'}: {body[:2000]}")
        self.status = status


class Api:
    """JSON over HTTP with a token; every request bounded by a timeout, errors with URL and body."""

    def __init__(self, base: str, token: str | None = None, timeout: float = HTTP_TIMEOUT_S) -> None:
        self.base, self.token, self.timeout = base.rstrip("/"), token, timeout

    def request(self, method: str, path: str, data: dict[str, Any] | None = None,
                params: dict[str, Any] | None = None) -> Any:
        url = self.base + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(HTTP_RETRIES + 1):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, body, headers, method=method),
                                            timeout=self.timeout) as reply:
                    text = reply.read().decode()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as exc:
                text = exc.read().decode(errors="replace")
                if exc.code not in (502, 503, 504) or attempt == HTTP_RETRIES:
                    raise ApiError(method, url, exc.code, text) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                if attempt == HTTP_RETRIES:
                    raise ApiError(method, url, None, repr(exc)) from None
            time.sleep(2**attempt)
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.request("POST", path, data=data)

    def get_all(self, path: str, **params: Any) -> list[Any]:
        """Every row of a paginated list."""
        rows: list[Any] = []
        while True:
            page = self.get(path, **params, limit=200, offset=len(rows))
            rows += page["results"]
            if not page.get("next") or not page["results"]:
                return rows

    def sign_in(self, username: str, password: str) -> Api:
        token = self.post("/api/v1/auth/token/", {"username": username, "password": password})["token"]
        return Api(self.base, token, self.timeout)


def read_course(admin: Api, slug: str) -> CourseMap:
    course = admin.get(f"/api/v1/courses/{slug}/")
    modules = admin.get_all("/api/v1/modules/", course=slug)
    questions: dict[str, dict[str, Any]] = {}
    for module in modules:
        for q in admin.get_all("/api/v1/questions/", module=module["id"]):
            questions[q["key"]] = q
    return course_map_from_api(course, modules, list(questions.values()), admin.get_all("/api/v1/skills/"))


# ----- the install --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Install:
    """``bin/demo`` in a fresh ``PATHWISE_VAR_DIR``, as a process group of its own."""

    def __init__(self, keep: bool = False) -> None:
        self.var_dir = Path(tempfile.mkdtemp(prefix="pathwise-product-bench-"))
        self.log = self.var_dir / "demo.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.keep = keep
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float) -> float:
        """Start ``bin/demo`` and wait until the site answers; returns the seconds that took."""
        env = {k: v for k, v in os.environ.items() if k not in {
            "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "PATHWISE_BROKER_DIR", "PATHWISE_MODEL_DIR",
            "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}}
        env.update(PATHWISE_VAR_DIR=str(self.var_dir), PORT=str(self.port), HOST="127.0.0.1")
        # Hundreds of simulated learners take their tokens from 127.0.0.1 and answer as fast as they can.
        env.update(PATHWISE_THROTTLE_SIGNIN="100000/min", PATHWISE_THROTTLE_USER="100000/min")
        started = time.monotonic()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([str(ROOT / "bin" / "demo")], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = started + timeout_s
        failing_since: float | None = None  # the site answers, but with a server error
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"bin/demo exited with {self.process.returncode} before the site answered; "
                                   f"log: {self.log}\n{tail(self.log)}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=10) as reply:
                    reply.read()
                return time.monotonic() - started
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return time.monotonic() - started
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > BROKEN_SITE_S:
                    raise RuntimeError(f"the site at {self.base} has answered / with HTTP {exc.code} for "
                                       f"{BROKEN_SITE_S}s; log: {self.log}\n{tail(self.log)}") from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the site at {self.base} did not answer within {timeout_s:.0f}s of starting "
                                   f"bin/demo; log: {self.log}\n{tail(self.log)}")
            time.sleep(2)

    def stop(self, failed: bool = False) -> None:
        """Stop the whole process group (web server, worker); remove the folder unless kept or failed."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if process is not None:
            with contextlib.suppress(ProcessLookupError):  # the worker may outlive bin/demo's shell by a moment
                os.killpg(process.pid, signal.SIGKILL)
        if failed or self.keep:
            print(f"kept {self.var_dir} (log: {self.log})", file=sys.stderr)
        else:
            shutil.rmtree(self.var_dir, ignore_errors=True)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ----- one learner --------------------------------------------------------------------------------
class Aborted(Exception):
    """Another learner failed; this one stops too."""


def enrol(admin: Api, course: CourseMap, username: str, path: str, first_name: str) -> tuple[Api, int]:
    """Create the learner, enrol them on ``path`` and sign them in."""
    user = admin.post("/api/v1/users/", {
        "username": username, "password": LEARNER_PASSWORD, "first_name": first_name, "last_name": path,
        "email": f"{username}@example.org", "role": "learner", "teams": [],
    })
    enrolment = admin.post("/api/v1/enrollments/", {"course": course.slug, "user": user["id"], "path": path})
    if enrolment.get("path") != path:
        raise RuntimeError(f"enrolled {username} on path {path!r} but the product answered {enrolment!r}")
    return admin.sign_in(username, LEARNER_PASSWORD), int(user["id"])


def wait_for_worker(learner_api: Api, response_id: int, timeout_s: float) -> float | None:
    """Wait until the worker has stored its decisions after this answer (the module decision comes
    last); the seconds that took, or None past ``timeout_s``. Reading decisions decides nothing."""
    started = time.monotonic()
    delay = 0.05
    while True:
        if learner_api.get("/api/v1/decisions/", response=response_id, kind="module")["results"]:
            return time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            return None
        time.sleep(delay)
        delay = min(0.5, delay * 1.5)


def next_question(learner_api: Api, attempt_id: int) -> dict[str, Any]:
    """The attempt after an answer, as the quiz page gets it: read it while its next question is being
    decided (``deciding``), and past the deadline ask the product to decide it now (a POST)."""
    started = time.monotonic()
    while True:
        attempt = learner_api.get(f"/api/v1/quiz-attempts/{attempt_id}/")
        if not attempt.get("deciding"):
            return attempt
        if time.monotonic() - started >= DECISION_DEADLINE_S:
            return learner_api.post(f"/api/v1/quiz-attempts/{attempt_id}/", {})
        time.sleep(0.1)


def study(admin: Api, learner_api: Api, user_id: int, track: Track, *, estimate_every: int,
          break_hours: tuple[float, float], worker_wait: float, abort: threading.Event,
          retake: bool = False) -> Track:
    """The learner follows the product's recommendations until true mastery, the budget, or nothing new.

    With ``retake``, a learner the product tells the course is done (no module) while they are not
    at true mastery goes round the course again by themselves, retaking the quizzes in course order.
    """
    course = track.course
    in_order = sorted(course.modules.values(), key=lambda m: (m.order, m.id))
    started = time.monotonic()
    idle_rounds = 0
    while not track.done():
        if abort.is_set():
            raise Aborted
        recommendation = learner_api.get(f"/api/v1/courses/{course.slug}/recommendation/", user=user_id)
        track.last_recommendation = recommendation
        if recommendation.get("module") is None:
            if not retake:
                track.stop = "no_module"
                break
            module: ModuleInfo | None = in_order[track.retakes % len(in_order)]
            track.retakes += 1
        else:
            module = course.modules.get(int(recommendation["module"]["id"]))
        if module is None:
            raise RuntimeError(f"the product recommended a module outside {course.slug}: {recommendation!r}")
        track.read_module(module)
        attempt = learner_api.post("/api/v1/quiz-attempts/", {"module": module.id})
        before = track.questions
        while not track.done():
            if abort.is_set():
                raise Aborted
            decision = attempt.get("decision") or {}
            if decision.get("model_version") is not None:
                track.model_versions.add(int(decision["model_version"]))
            if decision.get("source") and decision.get("response") is not None:
                # After an answer (a quiz's first question is always the web's, decided at the start).
                track.decided_by[decision["source"]] = track.decided_by.get(decision["source"], 0) + 1
            shown = attempt.get("current_question")
            if shown is None:
                break
            question = course.questions[shown["key"]]
            correct = track.answer(question)
            response = learner_api.post("/api/v1/responses/", {
                "submission_id": str(uuid.uuid4()), "question": question.key, "module": module.id,
                "answer": answer_for(question, correct, track.rng), "quiz_attempt": attempt["id"],
                "time_taken_ms": int(QUESTION_MINUTES * 60_000),
            })
            if worker_wait:
                waited = wait_for_worker(learner_api, int(response["id"]), worker_wait)
                if waited is None:
                    track.worker_late += 1
                else:
                    track.worker_waits.append(waited)
            if estimate_every and track.questions % estimate_every == 0:
                mastery = admin.get(f"/api/v1/learners/{user_id}/mastery/", course=course.slug)
                track.estimates.append({"questions": track.questions, **estimate_error(mastery, track.truths())})
            if track.done():
                break
            attempt = next_question(learner_api, attempt["id"])
        if track.done():
            break
        idle_rounds = idle_rounds + 1 if track.questions == before else 0
        if idle_rounds >= NO_QUESTION_ROUNDS:
            track.stop = "no_question"
            break
        track.take_break(break_hours)
    mastery = admin.get(f"/api/v1/learners/{user_id}/mastery/", course=course.slug)
    track.final_estimate = estimate_error(mastery, track.truths())
    track.wall_seconds = time.monotonic() - started
    return track


# ----- one seed -----------------------------------------------------------------------------------
def run_seed(base: str, seed: int, args: argparse.Namespace) -> dict[str, list[Track]]:
    admin = Api(base).sign_in(*ADMIN)
    course = read_course(admin, args.course)
    tag = uuid.uuid4().hex[:6]  # usernames unique on a reused install; no effect on the learners
    jobs = []
    for index, (adaptive, fixed, answer_seed) in enumerate(twins(course, args.learners, seed)):
        for path, learner in (("adaptive", adaptive), ("fixed", fixed)):
            track = Track(course, learner, path, args.budget, random.Random(answer_seed))
            jobs.append((f"pb{seed}-{tag}-{index:03d}-{path[0]}", track))
    tracks: dict[str, list[Track]] = {"adaptive": [], "fixed": []}
    abort = threading.Event()
    lock = threading.Lock()
    finished = [0]

    def one(username: str, track: Track) -> Track:
        learner_api, user_id = enrol(admin, course, username, track.path, f"Seed {seed}")

        def go_on(t: Track) -> Track:
            return study(admin, learner_api, user_id, t, estimate_every=args.estimate_every,
                         break_hours=tuple(args.break_hours), worker_wait=args.worker_wait, abort=abort,
                         retake=args.after_done == "retake")

        go_on(track)
        if args.follow_stuck and track.path == "adaptive" and track.stuck() == "plateau":
            track.follow_past_budget(args.follow_stuck, go_on)
            reached = track.followed["reached_at"] if track.followed else None
            print(f"[seed {seed}] {username} ({track.path}) on a plateau at {args.budget}, followed for up to "
                  f"{args.follow_stuck} more: {'no mastery' if reached is None else f'true mastery at question {reached}'}",
                  file=sys.stderr, flush=True)
        with lock:
            finished[0] += 1
            mae = track.final_estimate["mae"] if track.final_estimate else None
            print(f"[seed {seed}] {finished[0]}/{len(jobs)} {username} ({track.path}): {track.stop} after "
                  f"{track.questions} questions"
                  f"{f', stuck ({track.stuck()})' if track.stuck() else ''}"
                  f", estimate MAE {'–' if mae is None else f'{mae:.3f}'}, {track.wall_seconds:.0f}s",
                  file=sys.stderr, flush=True)
        return track

    pool = ThreadPoolExecutor(max_workers=args.workers)
    futures = [pool.submit(one, username, track) for username, track in jobs]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        errors = [f.exception() for f in done if f.exception() is not None]
        if errors:
            raise errors[0]  # type: ignore[misc]
    except BaseException:
        # One learner failed, or Ctrl-C: the others stop at their next request instead of finishing.
        abort.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for _, track in jobs:
        tracks[track.path].append(track)
    return tracks


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--learners", type=int, default=30, help="Learners per path per seed (each has a twin).")
    parser.add_argument("--budget", type=int, default=400, help="Most questions a learner answers.")
    parser.add_argument("--course", default="data-literacy", help="Slug of a demo course.")
    parser.add_argument("--workers", type=int, default=6, help="Learners studying at the same time.")
    parser.add_argument("--estimate-every", type=int, default=25,
                        help="Read the product's estimate every N questions as well (0: only at the end).")
    parser.add_argument("--break-hours", type=float, nargs=2, default=[12.0, 48.0], metavar=("LOW", "HIGH"),
                        help="Simulated hours between two modules (0 0: none).")
    parser.add_argument("--worker-wait", type=float, default=30.0,
                        help="After each answer, wait up to this many seconds for the worker's decisions, as a "
                             "learner reading the feedback would (0: answer at once; the web then decides from "
                             "a state the busy worker has not brought up to date).")
    parser.add_argument("--after-done", choices=["stop", "retake"], default="retake",
                        help="When the product recommends no module (course done) before true mastery: retake "
                             "the quizzes in course order on the learner's own initiative (default; the fixed "
                             "order going round the course again, as in the in-process benchmark), or stop "
                             "(counted as stuck).")
    parser.add_argument("--reuse-install", action="store_true",
                        help="Run every seed on the first seed's fresh install instead of one install per seed.")
    parser.add_argument("--url", help="Drive a site already running here instead of installing one "
                                      "(its admin must be the demo admin; first start not measured).")
    parser.add_argument("--start-timeout", type=float, default=900, help="Seconds to wait for the first start.")
    parser.add_argument("--keep-install", action="store_true", help="Keep the install's folder (and log).")
    parser.add_argument("--follow-stuck", type=int, default=0, metavar="N",
                        help="Let an adaptive learner on a plateau at the budget go on for up to N more questions "
                             "and report where they reached true mastery (slow, or held back?); every result at "
                             "the budget is unchanged and they still count as stuck.")
    parser.add_argument("--json", type=Path, help="Write the results here.")
    args = parser.parse_args(argv)
    command = " ".join(["python", "benchmarks/product_adaptive_vs_fixed.py", *(argv if argv is not None
                                                                                else sys.argv[1:])])

    def stop_on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_on_term)
    # Ctrl-C (or kill -INT) stops everything even when started in the background, where SIGINT
    # would otherwise be ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    per_seed: list[dict[str, Any]] = []
    all_tracks: dict[str, list[Track]] = {"adaptive": [], "fixed": []}
    install: Install | None = None
    failed = True
    try:
        for seed in args.seeds:
            first_start = None
            if args.url:
                base = args.url.rstrip("/")
            else:
                if install is None or not args.reuse_install:
                    if install is not None:
                        install.stop()
                    install = Install(keep=args.keep_install)
                    print(f"[seed {seed}] installing with bin/demo in {install.var_dir} (log: {install.log}) …",
                          file=sys.stderr, flush=True)
                    first_start = install.start(args.start_timeout)
                    print(f"[seed {seed}] the site answered {first_start:.0f}s after bin/demo started",
                          file=sys.stderr, flush=True)
                base = install.base
            started = time.monotonic()
            tracks = run_seed(base, seed, args)
            result = {"seed": seed, **compare(tracks, args.budget), "first_start_seconds": first_start,
                      "wall_seconds": time.monotonic() - started}
            per_seed.append(result)
            for path in all_tracks:
                all_tracks[path] += tracks[path]
            print(markdown(result, f"Seed {seed}: {args.learners} learners per path on {args.course}, budget "
                                   f"{args.budget}; wall time {result['wall_seconds']:.0f}s; first start "
                                   f"{'not measured' if first_start is None else f'{first_start:.0f}s'}",
                           args.budget), flush=True)
        out = report(per_seed, all_tracks, args, command)
        if len(per_seed) > 1:
            print(markdown(out, f"All seeds {out['seed']}: {len(all_tracks['adaptive'])} learners per path",
                           args.budget))
        if args.json:
            args.json.write_text(json.dumps(out, indent=2))
        failed = False
        return out
    finally:
        if install is not None:
            install.stop(failed=failed)


if __name__ == "__main__":
    main()
