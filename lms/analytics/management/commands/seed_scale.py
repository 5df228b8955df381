"""Fill a database with simulated activity at scale, for the dashboards' latency benchmark.

    manage.py seed_scale --learners 10000 --responses 1000000

Creates synthetic courses (skills, modules, true/false questions), teams of learners with one
manager each and an admin, enrolments in both paths (adaptive and the fixed control group),
responses from simulated learners (knowledge per skill that grows with practice and fades when
idle, read through slips and guesses), learner states with predicted mastery, module completions
and some decisions; then runs the dashboards' rollups. Rows go in with COPY on PostgreSQL and
with batched bulk_create elsewhere. Reproducible for a given --seed.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models.functions import Mod
from django.utils import timezone
from tqdm import tqdm

from adaptive.models import Decision, LearnerState
from adaptive.services import model_version_train
from lms.accounts.models import ADMIN, LEARNER, MANAGER, Team
from lms.accounts.services import user_create
from lms.analytics.services import analytics_refresh, model_health_check
from lms.content.models import Course, Module, ModuleQuestion, Question, Skill
from lms.learning.models import Enrollment, ModuleCompletion, Response

User = get_user_model()
PREFIX = "scale"
SLIP, GUESS, DECAY_PER_DAY = 0.1, 0.2, 0.02
PASS_SCORE = 0.6


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], total: int, desc: str) -> None:
    """Insert rows (field name → value; other fields take their defaults) with COPY on PostgreSQL,
    batched bulk_create elsewhere."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    bar = tqdm(total=total, desc=desc, unit="row", mininterval=1.0)
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row([_db_value(f, row) for f in fields])
                    bar.update()
    else:
        batch: list[models.Model] = []
        for row in rows:
            batch.append(model(**{f.attname: _python_value(f, row) for f in fields}))
            if len(batch) >= 5000:
                model._default_manager.bulk_create(batch)
                bar.update(len(batch))
                batch = []
        model._default_manager.bulk_create(batch)
        bar.update(len(batch))
    bar.close()


def _python_value(f: models.Field, row: dict[str, Any]) -> Any:
    if f.attname in row:
        return row[f.attname]
    if f.name in row:
        return row[f.name]
    return f.get_default()


def _db_value(f: models.Field, row: dict[str, Any]) -> Any:
    value = _python_value(f, row)
    if isinstance(f, models.JSONField):
        return json.dumps(value)
    if isinstance(f, models.BinaryField) and value is not None:
        return bytes(value)
    return value


class Command(BaseCommand):
    help = "Fill the database with simulated learners and activity at scale, then run the dashboards' rollups."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--learners", type=int, default=10_000)
        parser.add_argument("--responses", type=int, default=1_000_000)
        parser.add_argument("--courses", type=int, default=4)
        parser.add_argument("--modules", type=int, default=8, help="Modules per course (one skill each).")
        parser.add_argument("--questions", type=int, default=10, help="Questions per module.")
        parser.add_argument("--team-size", type=int, default=500)
        parser.add_argument("--days", type=int, default=60, help="Enrolments spread over the last DAYS days.")
        parser.add_argument("--control-share", type=float, default=0.2)
        parser.add_argument("--decision-every", type=int, default=20, help="One decision per N answers.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--train", metavar="MODEL", help="Train and promote this learner model (e.g. pfa) "
                                                            "on the seeded answers before the rollups.")
        parser.add_argument("--no-refresh", action="store_true", help="Skip the rollups at the end.")

    def handle(self, *args: Any, **o: Any) -> None:
        if User.objects.filter(username=f"{PREFIX}-admin").exists():
            raise CommandError("this database is already seeded (user scale-admin exists); use a fresh database")
        started = time.perf_counter()
        rng = np.random.default_rng(o["seed"])
        now = timezone.now()
        with transaction.atomic():
            courses = self._content(o)
            learners, teams = self._people(o)
        self.stdout.write(f"content and {len(learners)} learners in {time.perf_counter() - started:.1f}s")
        enrollments = self._enrol(learners, courses, o, rng, now)
        self._activity(enrollments, courses, o, rng, now)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh planner statistics after bulk loading
        seeded = time.perf_counter() - started
        self.stdout.write(f"seeded in {seeded:.1f}s")
        if o["train"]:
            t = time.perf_counter()
            result = model_version_train(model_name=o["train"])
            self.stdout.write(f"trained {result.version} in {time.perf_counter() - t:.1f}s: {result.note}")
        if not o["no_refresh"]:
            t = time.perf_counter()
            report = analytics_refresh(progress=True)
            check = model_health_check()
            self.stdout.write(f"rollups: {report.responses} answers, {report.learner_days} learner-days, "
                              f"{report.enrollments} enrolments"
                              f"{'' if check is None else f', live model check on {check.responses} answers'} "
                              f"in {time.perf_counter() - t:.1f}s")
        self.stdout.write(self.style.SUCCESS(
            f"done in {time.perf_counter() - started:.1f}s: {Response.objects.count()} answers, "
            f"{len(learners)} learners, {len(teams)} teams; managers {PREFIX}-manager-01.., admin {PREFIX}-admin"))

    # ----- content and people ------------------------------------------------------------------
    def _content(self, o: dict[str, Any]) -> list[dict[str, Any]]:
        courses = []
        for c in range(o["courses"]):
            course = Course.objects.create(slug=f"{PREFIX}-course-{c + 1}", title=f"Scale course {c + 1}",
                                           summary="Synthetic course for load tests.",
                                           control_share=o["control_share"])
            skills = Skill.objects.bulk_create([
                Skill(slug=f"{PREFIX}-c{c + 1}-s{m + 1}", name=f"Course {c + 1} skill {m + 1}")
                for m in range(o["modules"])])
            for earlier, later in pairwise(skills):
                later.prerequisites.add(earlier)
            course.skills.add(*skills)
            modules = Module.objects.bulk_create([
                Module(course=course, slug=f"m{m + 1}", title=f"Module {m + 1}", body="Synthetic.", order=m)
                for m in range(o["modules"])])
            questions = Question.objects.bulk_create([
                Question(key=f"{PREFIX}-c{c + 1}-m{m + 1}-q{q + 1}", type=Question.TRUE_FALSE, stem="True?",
                         explanation="Synthetic.", difficulty=1 + (q % 5), true_false_answer=True)
                for m in range(o["modules"]) for q in range(o["questions"])])
            Question.skills.through.objects.bulk_create([
                Question.skills.through(question_id=q.pk, skill_id=skills[i // o["questions"]].pk)
                for i, q in enumerate(questions)])
            Module.skills.through.objects.bulk_create([
                Module.skills.through(module_id=m.pk, skill_id=s.pk) for m, s in zip(modules, skills)])
            ModuleQuestion.objects.bulk_create([
                ModuleQuestion(module=modules[i // o["questions"]], question=q, order=i % o["questions"])
                for i, q in enumerate(questions)])
            courses.append({
                "course": course, "skills": [s.slug for s in skills], "modules": [m.pk for m in modules],
                "questions": [[(q.pk, q.difficulty) for q in questions[m * o["questions"]:(m + 1) * o["questions"]]]
                              for m in range(o["modules"])],
            })
        return courses

    def _people(self, o: dict[str, Any]) -> tuple[list[int], list[Team]]:
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in (LEARNER, MANAGER, ADMIN)}
        users = User.objects.bulk_create([
            User(username=f"{PREFIX}-{i + 1:05d}", first_name="Scale", last_name=f"learner {i + 1}", password="!")
            for i in range(o["learners"])], batch_size=2000)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=groups[LEARNER].pk) for u in users], batch_size=5000)
        user_create(username=f"{PREFIX}-admin", password="admin-at-scale", role=ADMIN)
        teams = []
        size = o["team_size"]
        for t in range(math.ceil(len(users) / size)):
            team = Team.objects.create(name=f"Scale team {t + 1:02d}", slug=f"{PREFIX}-team-{t + 1:02d}")
            Team.members.through.objects.bulk_create(
                [Team.members.through(team_id=team.pk, user_id=u.pk) for u in users[t * size:(t + 1) * size]])
            manager = user_create(username=f"{PREFIX}-manager-{t + 1:02d}", password="manage-at-scale", role=MANAGER)
            team.managers.add(manager)
            teams.append(team)
        return [u.pk for u in users], teams

    def _enrol(self, learners: list[int], courses: list[dict[str, Any]], o: dict[str, Any],
               rng: np.random.Generator, now: datetime) -> list[dict[str, Any]]:
        rows = []
        for user_id in learners:
            count = 1 if rng.random() < 0.5 else min(2, len(courses))
            for c in rng.choice(len(courses), size=count, replace=False):
                rows.append({"user_id": user_id, "course": int(c),
                             "path": Enrollment.FIXED if rng.random() < o["control_share"] else Enrollment.ADAPTIVE,
                             "created": now - timedelta(days=float(rng.uniform(0.5, o["days"])))})
        # Each enrolment's share of the answers: heavy-tailed, like real engagement.
        weights = rng.lognormal(0.0, 0.8, size=len(rows))
        budgets = rng.multinomial(o["responses"], weights / weights.sum())
        for row, budget in zip(rows, budgets):
            row["budget"] = int(budget)
        return rows

    # ----- activity ----------------------------------------------------------------------------
    def _activity(self, enrollments: list[dict[str, Any]], courses: list[dict[str, Any]], o: dict[str, Any],
                  rng: np.random.Generator, now: datetime) -> None:
        responses: list[dict[str, Any]] = []
        completions: list[dict[str, Any]] = []
        enrollment_rows: list[dict[str, Any]] = []
        mastery: dict[int, dict[str, float]] = {}
        peaks: dict[int, dict[str, float]] = {}
        seen: dict[tuple[int, int], int] = {}
        for e in tqdm(enrollments, desc="simulating", unit="enrolment", mininterval=1.0):
            course = courses[e["course"]]
            sim = _simulate(e, course, rng, now)
            for question_id, correct, at, module_id in sim["answers"]:
                key = (e["user_id"], question_id)
                seen[key] = seen.get(key, 0) + 1
                responses.append({
                    "submission_id": uuid.UUID(bytes=rng.bytes(16), version=4), "user_id": e["user_id"],
                    "question_id": question_id, "module_id": module_id, "course_id": course["course"].pk,
                    "answer": bool(correct), "is_correct": bool(correct), "score": float(correct),
                    "time_taken_ms": int(rng.integers(8_000, 90_000)), "attempt_number": seen[key],
                    "shown_at": at, "created": at, "processed_at": at,
                })
            for module_id, at, score in sim["completed"]:
                completions.append({"user_id": e["user_id"], "module_id": module_id, "completed_at": at,
                                    "best_score": score})
            mastery.setdefault(e["user_id"], {}).update(sim["mastery"])
            peaks.setdefault(e["user_id"], {}).update(sim["peak"])
            answers = sim["answers"]
            enrollment_rows.append({
                "user_id": e["user_id"], "course_id": course["course"].pk, "path": e["path"], "created": e["created"],
                "completed_at": sim["completed_at"], "modules_completed": len(sim["completed"]),
                "modules_total": len(course["modules"]), "questions_answered": len(answers),
                "correct_answers": sum(1 for a in answers if a[1]),
                "last_activity": answers[-1][2] if answers else None, "progress_refreshed_at": now,
            })
        responses.sort(key=lambda r: r["created"])  # ids in time order, as in production
        with transaction.atomic():
            copy_rows(Enrollment, enrollment_rows, len(enrollment_rows), "enrolments")
            copy_rows(Response, responses, len(responses), "answers")
            copy_rows(ModuleCompletion, completions, len(completions), "completions")
        del responses
        last_ids = dict(Response.objects.values("user_id").annotate(m=models.Max("id")).values_list("user_id", "m")
                        .order_by())
        counts = dict(Response.objects.values("user_id").annotate(n=models.Count("id")).values_list("user_id", "n")
                      .order_by())
        with transaction.atomic():
            copy_rows(LearnerState, (
                {"user_id": u, "mastery": {s: round(v, 4) for s, v in m.items()},
                 "peak_mastery": {s: round(max(v, peaks[u].get(s, 0.0)), 4) for s, v in m.items()},
                 "last_response_id": last_ids.get(u, 0), "responses_seen": counts.get(u, 0), "updated": now,
                 "state": b""}
                for u, m in mastery.items()), len(mastery), "learner states")
            picked = list(Response.objects.annotate(every=Mod("id", int(o["decision_every"]))).filter(every=0)
                          .values_list("id", "user_id", "course_id", "question_id", "module_id", "created"))
            copy_rows(Decision, (
                {"user_id": u, "kind": Decision.QUESTION, "course_id": c, "response_id": r, "question_id": q,
                 "decision_kind": "learn" if r % 3 else "review",
                 "reason": ("Closest to the 70% target success among the module's questions."
                            if r % 3 else "Spaced review: mastery fell below its peak."),
                 "candidates": [], "source": Decision.WORKER, "created": at}
                for r, u, c, q, _m, at in picked), len(picked), "decisions")


def _p_correct(knowledge: float, difficulty: int) -> float:
    applied = knowledge * (1 - 0.6 * (difficulty - 1) / 4 * (1 - knowledge))
    return GUESS * (1 - applied) + (1 - SLIP) * applied


def _simulate(e: dict[str, Any], course: dict[str, Any], rng: np.random.Generator, now: datetime) -> dict[str, Any]:
    """One enrolment's answers: module quizzes in course order (a retake below 60%), then spaced
    review of random questions once the course is done, until its share of answers is used up."""
    skills: Sequence[str] = course["skills"]
    ability = rng.normal()
    knowledge = {s: float(np.clip(0.25 + 0.15 * (0.6 * ability + 0.8 * rng.normal()), 0.01, 0.95)) for s in skills}
    rate = float(np.clip(0.22 + 0.08 * (0.6 * ability + 0.8 * rng.normal()), 0.03, 0.6))
    peak = {s: _p_correct(k, 3) for s, k in knowledge.items()}
    mean_gap_days = float(rng.lognormal(0.0, 0.7))
    budget = e["budget"]
    answers: list[tuple[int, bool, float, int]] = []
    completed: list[tuple[int, float, float]] = []
    offset = 0.0  # seconds since enrolment
    module, retakes, completed_at_offset = 0, 0, None
    n_modules = len(course["modules"])
    while len(answers) < budget:
        gap = float(rng.exponential(mean_gap_days)) * 86400
        offset += gap
        for s in skills:
            knowledge[s] *= (1 - DECAY_PER_DAY) ** (gap / 86400)
        if module < n_modules:
            idx, questions = module, course["questions"][module]
        else:
            idx = int(rng.integers(n_modules))
            questions = [course["questions"][idx][int(rng.integers(len(course["questions"][idx])))] for _ in range(3)]
        skill = skills[idx]
        right = 0
        for question_id, difficulty in questions:
            if len(answers) >= budget:
                break
            offset += float(rng.uniform(15, 90))
            correct = bool(rng.random() < _p_correct(knowledge[skill], difficulty))
            right += correct
            knowledge[skill] += rate * (1 - knowledge[skill])
            peak[skill] = max(peak[skill], _p_correct(knowledge[skill], 3))
            answers.append((question_id, correct, offset, course["modules"][idx]))
        if module < n_modules and len(answers) <= budget:
            score = right / len(questions)
            if score >= PASS_SCORE or retakes >= 1:
                completed.append((course["modules"][module], offset, score))
                module, retakes = module + 1, 0
                if module == n_modules:
                    completed_at_offset = offset
            else:
                retakes += 1
    # Activity that would run past now is squeezed into the time since enrolment.
    available = (now - e["created"]).total_seconds() * 0.995
    scale = min(1.0, available / offset) if offset > 0 else 1.0
    start = e["created"]
    last = offset * scale
    for s in skills:  # forgetting since the last answer
        knowledge[s] *= (1 - DECAY_PER_DAY) ** (max(0.0, available - last) / 86400)
    return {
        "answers": [(q, c, start + timedelta(seconds=t * scale), m) for q, c, t, m in answers],
        "completed": [(m, start + timedelta(seconds=t * scale), sc) for m, t, sc in completed],
        "completed_at": None if completed_at_offset is None else start + timedelta(seconds=completed_at_offset * scale),
        "mastery": {s: _p_correct(k, 3) for s, k in knowledge.items()},
        "peak": peak,
    }
