"""Writes of the analytics app: the background rollups the dashboards read, and coach's notes.

Every rollup recomputes its rows from the source tables (responses, enrolments, learner states)
for what changed since its cursor, so running it again, or twice at once, changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from adaptive import registry
from adaptive.core.evaluate import calibration_bins
from adaptive.models import Decision, LearnerState
from adaptive.selectors import item_id, primary_skills
from lms.analytics.models import (
    CoachNote,
    EnrollmentStats,
    LearnerDay,
    ModelHealthCheck,
    QuestionStats,
    RollupCursor,
    SkillCurve,
)
from lms.analytics.stats import learning_curve_fit, point_biserial
from lms.content.models import Course, Module, Question, Skill
from lms.learning.models import Enrollment, QuizAttempt, Response

logger = logging.getLogger(__name__)

ROLLUP = "dashboards"
BATCH = 1000
CLAIM_EXPIRES = timedelta(minutes=30)  # a run that died holding the claim is taken over after this
CLOCK_OVERLAP = timedelta(minutes=2)  # re-read rows stamped just before the last run (idempotent)

# At-risk rules (docs/analytics.md, "At-risk learners").
LOW_MASTERY = 0.5
LOW_MASTERY_MIN_RESPONSES = 10
FALLING_DROP = 0.15
LOOP_ATTEMPTS = 3  # finished quizzes of one module, its skills still not mastered
LOOP_RECENT = timedelta(days=30)  # how long the module policy's "move on" keeps a learner flagged
INACTIVE_MIN = timedelta(days=7)
INACTIVE_GAP_FACTOR = 3

# Learning curves: opportunities 1..MAX, points with fewer attempts than MIN are left out of the fit.
MAX_OPPORTUNITY = 10
MIN_CURVE_ATTEMPTS = 5


@dataclass
class RefreshReport:
    responses: int = 0
    learner_days: int = 0
    enrollments: int = 0
    courses: list[int] = field(default_factory=list)
    skipped: bool = False


# ----- claiming ----------------------------------------------------------------------------------
def _claim(name: str, now: datetime) -> RollupCursor | None:
    RollupCursor.objects.get_or_create(name=name)
    claimed = (
        RollupCursor.objects.filter(name=name)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - CLAIM_EXPIRES))
        .update(running_since=now)
    )
    return RollupCursor.objects.get(name=name) if claimed else None


def analytics_refresh(*, progress: bool = False) -> RefreshReport:
    """Bring every rollup up to date with what changed since the last run.

    Returns at once (``skipped``) when another run holds the claim.
    """
    started = timezone.now()
    cursor = _claim(ROLLUP, started)
    if cursor is None:
        return RefreshReport(skipped=True)
    try:
        report = _refresh(cursor, started, progress=progress)
    finally:
        RollupCursor.objects.filter(pk=cursor.pk).update(running_since=None)
    return report


def _refresh(cursor: RollupCursor, started: datetime, *, progress: bool) -> RefreshReport:
    report = RefreshReport()
    max_response_id = Response.objects.aggregate(m=Max("id"))["m"] or 0
    new = Response.objects.filter(id__gt=cursor.last_response_id, id__lte=max_response_id)
    report.responses = new.count()

    touched_days = list(
        new.annotate(day=TruncDate("created")).values_list("user_id", "course_id", "day").distinct()
    )
    report.learner_days = learner_days_refresh(keys=touched_days, progress=progress)

    pairs = {(u, c) for u, c, _ in touched_days}
    since = (cursor.last_state_update - CLOCK_OVERLAP) if cursor.last_state_update else None
    enrollments = Enrollment.objects.filter(id__gt=cursor.last_enrollment_id)
    if since is not None:
        state_users = LearnerState.objects.filter(updated__gte=since).values("user_id")
        enrollments = Enrollment.objects.filter(
            Q(id__gt=cursor.last_enrollment_id) | Q(user_id__in=state_users) | Q(progress_refreshed_at__gte=since)
        )
    else:
        enrollments = Enrollment.objects.all()
    enrollment_ids = set(enrollments.values_list("id", flat=True))
    if pairs:
        users = sorted({u for u, _ in pairs})
        for start in range(0, len(users), BATCH):
            for pk, user_id, course_id in Enrollment.objects.filter(user_id__in=users[start:start + BATCH]).values_list(
                "id", "user_id", "course_id"
            ):
                if (user_id, course_id) in pairs:
                    enrollment_ids.add(pk)
    report.enrollments = enrollment_stats_refresh(enrollment_ids=sorted(enrollment_ids), now=started,
                                                  progress=progress)

    report.courses = sorted({c for _, c in pairs})
    for course_id in report.courses:
        course_content_refresh(course_id=course_id, now=started)

    last_enrollment = Enrollment.objects.aggregate(m=Max("id"))["m"] or 0
    RollupCursor.objects.filter(pk=cursor.pk).update(
        last_response_id=max_response_id, last_state_update=started,
        last_enrollment_id=max(last_enrollment, cursor.last_enrollment_id), finished_at=timezone.now(),
    )
    return report


T = TypeVar("T")


def _bar(iterable: Iterable[T], total: int, desc: str, show: bool) -> Iterable[T]:
    if not show:
        return iterable

    return tqdm(iterable, total=total, desc=desc, unit="batch")


# ----- learner days ----------------------------------------------------------------------------
def learner_days_refresh(*, keys: list[tuple[int, int, date]], progress: bool = False) -> int:
    """Recompute the LearnerDay rows of ``keys`` (user id, course id, day) from the responses."""
    wanted: dict[int, set[tuple[int, date]]] = defaultdict(set)
    for user_id, course_id, day in keys:
        wanted[user_id].add((course_id, day))
    users = sorted(wanted)
    batches = range(0, len(users), BATCH)
    written = 0
    for start in _bar(batches, len(batches), "learner days", progress):
        batch = users[start:start + BATCH]
        first_day = min(day for u in batch for _, day in wanted[u])
        rows = (
            Response.objects.filter(user_id__in=batch, created__date__gte=first_day)
            .annotate(day=TruncDate("created"))
            .values("user_id", "course_id", "day")
            .annotate(n=Count("id"), right=Count("id", filter=Q(is_correct=True)))
            .order_by()
        )
        objs = [
            LearnerDay(user_id=r["user_id"], course_id=r["course_id"], day=r["day"], responses=r["n"],
                       correct=r["right"])
            for r in rows
            if (r["course_id"], r["day"]) in wanted[r["user_id"]]
        ]
        with transaction.atomic():
            LearnerDay.objects.bulk_create(objs, batch_size=2000, update_conflicts=True,
                                           unique_fields=["user", "course", "day"],
                                           update_fields=["responses", "correct"])
        written += len(objs)
    return written


# ----- enrolments --------------------------------------------------------------------------------
def course_skill_slugs() -> dict[int, list[str]]:
    """Course id → slugs of its skills: those it owns, its modules' and its questions'."""
    skills: dict[int, set[str]] = defaultdict(set)
    for course_id, slug in Course.skills.through.objects.values_list("course_id", "skill__slug"):
        skills[course_id].add(slug)
    for course_id, slug in Skill.objects.filter(modules__isnull=False).values_list("modules__course_id", "slug"):
        skills[course_id].add(slug)
    for course_id, slug in Question.skills.through.objects.filter(
        question__module_links__isnull=False
    ).values_list("question__module_links__module__course_id", "skill__slug"):
        skills[course_id].add(slug)
    return {c: sorted(s) for c, s in skills.items()}


def enrollment_stats_refresh(*, enrollment_ids: list[int], now: datetime | None = None,
                             progress: bool = False) -> int:
    """Recompute the EnrollmentStats of these enrolments from the response log, the learner days
    and the learner states, and write the rows that changed (returns how many). ``mastered_at`` is
    kept once set: it records the first time."""
    now = now or timezone.now()
    if not enrollment_ids:
        return 0
    skills = course_skill_slugs()
    thresholds = dict(Course.objects.values_list("id", "mastery_threshold"))
    batches = range(0, len(enrollment_ids), BATCH)
    written = 0
    for start in _bar(batches, len(batches), "enrolments", progress):
        ids = enrollment_ids[start:start + BATCH]
        enrollments = list(Enrollment.objects.filter(id__in=ids))
        users = {e.user_id for e in enrollments}
        courses = {e.course_id for e in enrollments}
        activity = {
            (r["user_id"], r["course_id"]): r
            for r in Response.objects.filter(user_id__in=users, course_id__in=courses)
            .values("user_id", "course_id")
            .annotate(n=Count("id"), right=Count("id", filter=Q(is_correct=True)), first=Min("created"),
                      last=Max("created"))
            .order_by()
        }
        days = {
            (r["user_id"], r["course_id"]): r["n"]
            for r in LearnerDay.objects.filter(user_id__in=users, course_id__in=courses)
            .values("user_id", "course_id").annotate(n=Count("id")).order_by()
        }
        states = {
            s.user_id: s for s in LearnerState.objects.filter(user_id__in=users).only(
                "user_id", "mastery", "peak_mastery", "last_response_id", "updated")
        }
        previous = {s.pk: s for s in EnrollmentStats.objects.filter(pk__in=ids)}
        circles = _going_round(users, courses, now)
        rows = []
        for e in enrollments:
            key = (e.user_id, e.course_id)
            act = activity.get(key, {})
            course_skills = skills.get(e.course_id, [])
            state = states.get(e.user_id)
            mastery = {s: float(state.mastery[s]) for s in course_skills if state and s in state.mastery}
            mastery_avg = sum(mastery.values()) / len(mastery) if mastery else None
            row = EnrollmentStats(
                enrollment_id=e.pk, user_id=e.user_id, course_id=e.course_id, path=e.path, enrolled_at=e.created,
                completed_at=e.completed_at, responses=act.get("n", 0), correct=act.get("right", 0),
                first_activity=act.get("first"), last_activity=act.get("last"), active_days=days.get(key, 0),
                mastery=mastery, mastery_avg=mastery_avg, refreshed_at=now,
            )
            before = previous.get(e.pk)
            if before is not None and before.mastered_at is not None:
                row.mastered_at, row.responses_to_mastery = before.mastered_at, before.responses_to_mastery
            elif (state is not None and course_skills and len(mastery) == len(course_skills)
                  and min(mastery.values()) >= thresholds[e.course_id]):
                upto = Response.objects.filter(user_id=e.user_id, course_id=e.course_id,
                                               id__lte=state.last_response_id).aggregate(n=Count("id"), at=Max("created"))
                row.responses_to_mastery = upto["n"]
                row.mastered_at = upto["at"] or state.updated
            _flag(row, state, course_skills)
            _flag_looping(row, circles.get(key, {}), state, thresholds[e.course_id])
            if before is None or _values(before) != _values(row):
                rows.append(row)
        written += len(rows)
        with transaction.atomic():
            EnrollmentStats.objects.bulk_create(
                rows, batch_size=1000, update_conflicts=True, unique_fields=["enrollment"],
                update_fields=[f.name for f in EnrollmentStats._meta.concrete_fields if not f.primary_key],
            )
    return written


_COMPARED = [f.attname for f in EnrollmentStats._meta.concrete_fields if f.name != "refreshed_at"]


def _values(row: EnrollmentStats) -> list[object]:
    return [getattr(row, name) for name in _COMPARED]


def _flag(row: EnrollmentStats, state: object, course_skills: list[str]) -> None:
    """Set the at-risk flags: low predicted mastery, a falling skill, and when inactivity starts."""
    row.risk_low = (row.mastery_avg is not None and row.responses >= LOW_MASTERY_MIN_RESPONSES
                    and row.mastery_avg < LOW_MASTERY)
    row.risk_falling = False
    row.falling_skill, row.falling_from, row.falling_to = "", None, None
    if state is not None:
        peaks = getattr(state, "peak_mastery", {}) or {}
        drops = [(float(peaks[s]) - row.mastery[s], s) for s in course_skills if s in peaks and s in row.mastery]
        if drops:
            drop, skill = max(drops)
            if drop >= FALLING_DROP:
                row.risk_falling = True
                row.falling_skill, row.falling_from, row.falling_to = skill, float(peaks[skill]), row.mastery[skill]
    last = row.last_activity or row.enrolled_at
    row.usual_gap_days = None
    allowed = INACTIVE_MIN
    if row.active_days >= 2 and row.first_activity and row.last_activity:
        gap = (row.last_activity - row.first_activity) / (row.active_days - 1)
        row.usual_gap_days = round(gap.total_seconds() / 86400, 2)
        allowed = max(INACTIVE_MIN, INACTIVE_GAP_FACTOR * gap)
    row.inactive_after = last + allowed


@dataclass(frozen=True)
class _Circling:
    """A module a learner keeps coming back to: its title and skills, how often its quiz was
    finished, and whether the module policy moved the learner on from it recently."""

    title: str
    order: int
    skills: tuple[str, ...]
    finished: int
    moved_on: bool


def _going_round(users: set[int], courses: set[int], now: datetime) -> dict[tuple[int, int], dict[int, _Circling]]:
    """(user, course) → module → :class:`_Circling`, for every module whose quiz the learner
    finished at least twice: the finished quizzes, the recent "move on" decisions and the modules'
    skills, read once for the whole batch."""

    finished = (QuizAttempt.objects.filter(user_id__in=users, course_id__in=courses, kind=QuizAttempt.MODULE,
                                           finished_at__isnull=False, module__isnull=False)
                .values("user_id", "course_id", "module_id").annotate(n=Count("id")).filter(n__gte=2).order_by())
    counts = {(r["user_id"], r["course_id"], r["module_id"]): r["n"] for r in finished}
    if not counts:
        return {}
    moved: set[tuple[int, int, object]] = set()
    for user_id, course_id, candidates in Decision.objects.filter(
        user_id__in=users, course_id__in=courses, kind=Decision.MODULE, decision_kind="move_on",
        created__gte=now - LOOP_RECENT,
    ).values_list("user_id", "course_id", "candidates"):
        moved.update((user_id, course_id, c.get("id")) for c in candidates or [] if c.get("looped") == "yes")
    modules = {m.pk: m for m in Module.objects.filter(pk__in={m for _, _, m in counts}).prefetch_related("skills")}
    result: dict[tuple[int, int], dict[int, _Circling]] = defaultdict(dict)
    for (user_id, course_id, module_id), n in counts.items():
        m = modules[module_id]
        result[(user_id, course_id)][module_id] = _Circling(
            m.title, m.order, tuple(s.slug for s in m.skills.all()), n, (user_id, course_id, module_id) in moved)
    return result


def _flag_looping(row: EnrollmentStats, modules: dict[int, _Circling], state: object, threshold: float) -> None:
    """Flag a learner going round in circles: a module whose skills are still not all mastered,
    finished ``LOOP_ATTEMPTS`` times or more, or that the module policy moved them on from in the
    last ``LOOP_RECENT``. The one taken most often is named."""
    mastery = getattr(state, "mastery", None) or {}

    def mastered(c: _Circling) -> bool:
        return bool(c.skills) and all(float(mastery.get(s, 0.0)) >= threshold for s in c.skills)

    circling = [c for c in modules.values() if (c.finished >= LOOP_ATTEMPTS or c.moved_on) and not mastered(c)]
    worst = min(circling, key=lambda c: (-c.finished, c.order), default=None)
    row.risk_looping = worst is not None
    row.looping_module = worst.title if worst else ""
    row.looping_attempts = worst.finished if worst else 0


# ----- content -----------------------------------------------------------------------------------
def course_content_refresh(*, course_id: int, now: datetime | None = None) -> None:
    """Recompute the course's question statistics and learning curves from its responses."""
    now = now or timezone.now()
    rows = list(
        Response.objects.filter(course_id=course_id).order_by("user_id", "id")
        .values_list("user_id", "question_id", "is_correct", "attempt_number")
    )
    if not rows:
        return
    data = np.array([(u, q, int(c), a) for u, q, c, a in rows], dtype=np.int64)
    user, question, correct, attempt = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
    first = attempt == 1
    # Each learner's total score: their share of correct first attempts in this course.
    learners, learner_index = np.unique(user[first], return_inverse=True)
    totals = np.bincount(learner_index, weights=correct[first]) / np.bincount(learner_index)
    total_of = dict(zip(learners.tolist(), totals.tolist()))
    difficulty = _model_difficulty(np.unique(question).tolist())
    stats = []
    for q in np.unique(question).tolist():
        mine = question == q
        mine_first = mine & first
        n_first = int(mine_first.sum())
        right = int(correct[mine_first].sum())
        discrimination = point_biserial(correct[mine_first], [total_of[u] for u in user[mine_first].tolist()])
        stats.append(QuestionStats(
            course_id=course_id, question_id=q, attempts=int(mine.sum()), first_attempts=n_first,
            first_correct=right, facility=(right / n_first) if n_first else None,
            discrimination=discrimination, model_difficulty=difficulty.get(q), refreshed_at=now,
        ))
    skill_of = primary_skills(np.unique(question).tolist())
    counts: dict[str, np.ndarray] = {}
    seen: dict[tuple[int, str], int] = defaultdict(int)
    for u, q, c in zip(user.tolist(), question.tolist(), correct.tolist()):
        skill = skill_of.get(q)
        if skill is None:
            continue
        seen[(u, skill)] += 1
        n = seen[(u, skill)]
        if n > MAX_OPPORTUNITY:
            continue
        table = counts.setdefault(skill, np.zeros((MAX_OPPORTUNITY, 2), dtype=np.int64))
        table[n - 1, 0] += 1
        table[n - 1, 1] += 1 - c
    curves = []
    for skill, table in sorted(counts.items()):
        points = [{"opportunity": i + 1, "attempts": int(a), "errors": int(e)} for i, (a, e) in enumerate(table) if a]
        usable = [p for p in points if p["attempts"] >= MIN_CURVE_ATTEMPTS]
        fit = learning_curve_fit([p["opportunity"] for p in usable], [p["errors"] / p["attempts"] for p in usable])
        curves.append(SkillCurve(course_id=course_id, skill=skill, points=points, slope=fit.slope,
                                 p_value=fit.p_value, flat=fit.flat, refreshed_at=now))
    with transaction.atomic():
        QuestionStats.objects.bulk_create(
            stats, update_conflicts=True, unique_fields=["course", "question"],
            update_fields=["attempts", "first_attempts", "first_correct", "facility", "discrimination",
                           "model_difficulty", "refreshed_at"],
        )
        SkillCurve.objects.bulk_create(
            curves, update_conflicts=True, unique_fields=["course", "skill"],
            update_fields=["points", "slope", "p_value", "flat", "refreshed_at"],
        )


def _model_difficulty(question_ids: list[int]) -> dict[int, float]:
    """1 − the champion's predicted success of a new learner on each question ({} without a model;
    a question the model gives no finite prediction for is left out)."""

    loaded = registry.champion()
    if loaded is None:
        return {}
    keys = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "key"))
    ordered = [q for q in question_ids if q in keys]
    predicted = np.asarray(loaded.model.predict(loaded.model.init_state(), [item_id(keys[q]) for q in ordered]),
                           dtype=np.float64)
    registry.outputs_finite(predicted, what="the difficulty of questions", version=loaded.version)
    return {q: round(1 - float(p), 4) for q, p in zip(ordered, predicted) if np.isfinite(p)}


# ----- model health ------------------------------------------------------------------------------
HEALTH_WINDOW_DAYS = 7
HEALTH_MAX_LEARNERS = 300
HEALTH_MIN_RESPONSES = 200
HEALTH_AUC_TOLERANCE = 0.05


def model_health_check(*, window_days: int = HEALTH_WINDOW_DAYS, max_learners: int = HEALTH_MAX_LEARNERS,
                       now: datetime | None = None) -> ModelHealthCheck | None:
    """Replay recent learners' answers through the champion, predicting each answer from the state
    before it, and compare the live AUC with the champion's held-out AUC. None without a model."""

    now = now or timezone.now()
    loaded = registry.champion()
    if loaded is None or loaded.version is None:  # the champion is always a registered version
        return None
    model, version = loaded.model, loaded.version
    window_start = now - timedelta(days=window_days)
    learners = list(
        Response.objects.filter(created__gte=window_start).values("user_id").annotate(last=Max("id"))
        .order_by("-last").values_list("user_id", flat=True)[:max_learners]
    )
    predicted: list[float] = []
    observed: list[int] = []
    rows = list(Response.objects.filter(user_id__in=learners).order_by("user_id", "id")
                .values_list("user_id", "question_id", "question__key", "is_correct", "created"))
    skills = primary_skills({r[1] for r in rows})
    state, current = model.init_state(), None
    for user_id, question_id, key, is_correct, created in rows:
        if user_id != current:
            state, current = model.init_state(), user_id
        skill = skills.get(question_id)
        if created >= window_start:
            predicted.append(float(model.predict(state, [item_id(key)], [skill], at=created)[0]))
            observed.append(int(is_correct))
        state = model.update(state, item_id(key), int(is_correct), skill=skill, at=created)
    y = np.asarray(observed, dtype=np.float64)
    raw = np.asarray(predicted, dtype=np.float64)
    # A prediction that is not a number counts as a coin toss, which the live AUC shows; it is logged.
    registry.outputs_finite(raw, what="the model health check", version=version)
    p = np.clip(np.nan_to_num(raw, nan=0.5), 1e-7, 1 - 1e-7)
    live_auc = float(roc_auc_score(y, p)) if len(y) and len(np.unique(y)) == 2 else None
    _, bins = calibration_bins(y, p) if len(y) else (0.0, [])
    heldout = (version.metrics or {}).get("auc")
    degraded = bool(live_auc is not None and heldout is not None and len(y) >= HEALTH_MIN_RESPONSES
                    and live_auc < heldout - HEALTH_AUC_TOLERANCE)
    return ModelHealthCheck.objects.create(
        model_version=version, computed_at=now, window_days=window_days, responses=len(y),
        learners=len(learners), live_auc=live_auc, heldout_auc=heldout, calibration=bins, degraded=degraded,
    )


# ----- notes -------------------------------------------------------------------------------------
def coach_note_create(*, learner: User, author: User, text: str) -> CoachNote:
    return CoachNote.objects.create(learner=learner, author=author, text=text.strip())
