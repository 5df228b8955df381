"""Simulated activity in the database, for the demo, load tests and tests: simulated learners
(``adaptive.core.learner_simulator``) work through a course and their answers are stored."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from adaptive.core.learner_simulator import SimulatedLearner
from lms.accounts.models import LEARNER, Team
from lms.accounts.services import user_set_role
from lms.content.models import Course, Question, Skill
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response

User = get_user_model()


def simulated_answer(question: Question, correct: bool, rng: random.Random) -> object:
    """An answer of the right shape for the question, right or wrong as the simulation decided."""
    if question.type in Question.CHOICE_TYPES:
        choices = list(question.choices.all())
        right = [c.pk for c in choices if c.is_correct]
        wrong = [c.pk for c in choices if not c.is_correct] or right
        if question.type == Question.SINGLE:
            return right[0] if correct else rng.choice(wrong)
        return sorted(right) if correct else sorted({*right[:-1], rng.choice(wrong)})
    if question.type == Question.TRUE_FALSE:
        return bool(question.true_false_answer) if correct else not question.true_false_answer
    if question.type == Question.NUMERIC:
        value = question.numeric_answer or 0.0
        return value if correct else value + max(1.0, 10 * question.numeric_tolerance)
    return question.accepted_answers[0] if correct and question.accepted_answers else "not sure"


def course_skill_graph(course: Course) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    skills: set[str] = set()
    for module in course.modules.prefetch_related("skills", "questions__skills"):
        skills |= {s.slug for s in module.skills.all()}
        for q in module.questions.all():
            skills |= {s.slug for s in q.skills.all()}

    prereqs = {
        s.slug: tuple(p.slug for p in s.prerequisites.all())
        for s in Skill.objects.filter(slug__in=skills).prefetch_related("prerequisites")
    }
    return sorted(skills), prereqs


@transaction.atomic
def simulate_course_activity(
    *,
    course: Course,
    learners: int,
    seed: int = 0,
    days: int = 30,
    username_prefix: str = "sim",
    team: Team | None = None,
    completion_share: float = 0.7,
    fixed_share: float = 0.0,
) -> int:
    """Create ``learners`` simulated learners who work through ``course`` in course order over the
    last ``days`` days, answering each module's quiz (fixed order). Writes users, enrolments, quiz
    attempts, responses and completions in bulk; returns the number of responses.

    The learners are real accounts in the database (usernames ``<prefix>-0001`` …) so that demo
    dashboards, load tests and training have activity to work with; they are marked by their names
    and, when given, by their team. A random ``fixed_share`` of them is enrolled on the fixed course
    order (the control group of "adaptive vs fixed"); they work the same way, since a simulated
    learner follows the course order either way.
    """
    rng = random.Random(seed)
    skills, prereqs = course_skill_graph(course)
    modules = list(course.modules.order_by("order", "id").prefetch_related("skills"))
    quiz = {m.pk: m.quiz_questions() for m in modules}
    bank = list(Question.objects.filter(modules__course=course).prefetch_related("skills", "choices"))
    question_skills = {q.pk: [s.slug for s in q.skills.all()] for q in bank}
    questions_by_id = {q.pk: q for q in bank}
    now = timezone.now()
    responses: list[Response] = []
    completions: list[ModuleCompletion] = []
    attempts: list[QuizAttempt] = []
    existing = set(User.objects.filter(username__startswith=f"{username_prefix}-").values_list("username", flat=True))
    for index in range(learners):
        username = f"{username_prefix}-{index + 1:04d}"
        if username in existing:
            continue
        user = User.objects.create_user(username=username, password=None, first_name="Simulated",
                                        last_name=f"learner {index + 1}")
        user_set_role(user=user, role=LEARNER)
        if team is not None:
            team.members.add(user)
        sim = SimulatedLearner.sample(username, skills, prereqs, rng)
        start = now - timedelta(days=rng.uniform(1, days))
        clock = start
        path = Enrollment.FIXED if fixed_share and rng.random() < fixed_share else Enrollment.ADAPTIVE
        Enrollment.objects.create(user=user, course=course, modules_total=len(modules), created=start, path=path)
        n_modules = len(modules) if rng.random() < completion_share else rng.randint(0, max(0, len(modules) - 1))
        seen: dict[int, int] = {}
        for module in modules[:n_modules]:
            clock += timedelta(hours=rng.uniform(2, 40))
            if clock > now:
                break
            sim.read([s.slug for s in module.skills.all()], clock)
            attempt = QuizAttempt(user=user, module=module, course=course, number=1,
                                  question_ids=[q.pk for q in quiz[module.pk]],
                                  started_at=clock)
            attempts.append(attempt)
            score = 0.0
            for question in quiz[module.pk]:
                clock += timedelta(seconds=rng.uniform(15, 90))
                correct = sim.answer(question_skills.get(question.pk, []), question.difficulty, clock, rng)
                seen[question.pk] = seen.get(question.pk, 0) + 1
                score += float(correct)
                responses.append(Response(
                    submission_id=uuid.uuid4(), user=user, question=question, module=module, course=course,
                    quiz_attempt=attempt, answer=simulated_answer(questions_by_id[question.pk], correct, rng),
                    is_correct=correct, score=float(correct),
                    time_taken_ms=int(rng.uniform(15, 90) * 1000), attempt_number=seen[question.pk],
                    shown_at=clock, created=clock,
                ))
            attempt.finished_at = clock
            completions.append(ModuleCompletion(user=user, module=module, completed_at=clock,
                                                best_score=score / max(1, len(quiz[module.pk]))))
    QuizAttempt.objects.bulk_create(attempts, batch_size=1000)
    for r in responses:
        r.quiz_attempt_id = r.quiz_attempt.pk  # type: ignore[union-attr]
    Response.objects.bulk_create(responses, batch_size=2000)
    ModuleCompletion.objects.bulk_create(completions, batch_size=1000)
    return len(responses)

