"""Reads of the dashboards. Every function takes a :class:`Scope`, which holds whose data the viewer
may see (from ``lms.accounts.selectors``) and the filters; none reads outside it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Min, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncWeek
from django.utils import timezone

from lms.accounts.models import Team
from lms.accounts.roles import is_admin
from lms.analytics import stats
from lms.analytics.models import (
    EnrollmentStats,
    LearnerDay,
    ModelHealthCheck,
    QuestionStats,
    RollupCursor,
    SkillCurve,
)
from lms.analytics.services import FALLING_DROP, LOW_MASTERY, ROLLUP
from lms.content.models import Course, Skill
from lms.learning.models import Response

User = get_user_model()
DEFAULT_DAYS = 90


@dataclass
class Scope:
    """Whose data, which course and which dates a dashboard shows."""

    viewer: AbstractBaseUser
    teams: QuerySet[Team]
    team: Team | None = None
    course: Course | None = None
    start: date | None = None
    end: date | None = None
    learner_id: int | None = None
    today: date = field(default_factory=lambda: timezone.localdate())

    @property
    def is_admin(self) -> bool:
        return is_admin(self.viewer)

    @property
    def first_day(self) -> date:
        return self.start or (self.last_day - timedelta(days=DEFAULT_DAYS - 1))

    @property
    def last_day(self) -> date:
        return self.end or self.today

    def user_ids(self) -> QuerySet | None:
        """A subquery of the learners in scope, or None when every learner is (an admin, no team)."""
        through = Team.members.through.objects
        if self.learner_id is not None:
            return User.objects.filter(pk=self.learner_id).values("pk")
        if self.team is not None:
            return through.filter(team=self.team).values("user_id")
        if self.is_admin:
            return None
        return through.filter(team__managers=self.viewer).values("user_id")

    def restrict(self, qs: QuerySet, field_name: str = "user_id") -> QuerySet:
        users = self.user_ids()
        return qs if users is None else qs.filter(**{f"{field_name}__in": users})

    def enrolments(self, course: Course | None = None, dated: bool = True) -> QuerySet[EnrollmentStats]:
        qs = self.restrict(EnrollmentStats.objects.all())
        course = course or self.course
        if course is not None:
            qs = qs.filter(course=course)
        if dated and (self.start or self.end):
            qs = qs.filter(enrolled_at__date__gte=self.first_day, enrolled_at__date__lte=self.last_day)
        return qs


def as_of() -> datetime | None:
    return RollupCursor.objects.filter(name=ROLLUP).values_list("finished_at", flat=True).first()


def default_course(scope: Scope) -> Course | None:
    return scope.course or Course.objects.order_by("title").first()


def course_skills(course: Course) -> list[Skill]:
    """The course's skills: owned by it, or taught or tested by its modules, in name order."""
    return list(
        Skill.objects.filter(Q(courses=course) | Q(modules__course=course) | Q(questions__module_links__module__course=course))
        .distinct().order_by("name")
    )


def _days(td: timedelta) -> float:
    return td.total_seconds() / 86400


# ----- 1. overview -------------------------------------------------------------------------------
def overview(scope: Scope) -> dict[str, Any]:
    days = scope.restrict(LearnerDay.objects.all())
    if scope.course is not None:
        days = days.filter(course=scope.course)
    active_7 = days.filter(day__gte=scope.today - timedelta(days=6)).values("user_id").distinct().count()
    active_30 = days.filter(day__gte=scope.today - timedelta(days=29)).values("user_id").distinct().count()
    enrolments = scope.enrolments()
    totals = enrolments.aggregate(
        n=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)),
        mastery=Avg("mastery_avg"), estimated=Count("pk", filter=Q(mastery_avg__isnull=False)),
    )
    to_mastery = [_days(m - e) for e, m in enrolments.filter(mastered_at__isnull=False)
                  .values_list("enrolled_at", "mastered_at")]
    return {
        "active_7": active_7,
        "active_30": active_30,
        "enrolments": totals["n"],
        "completed": totals["completed"],
        "completion_rate": totals["completed"] / totals["n"] if totals["n"] else None,
        "mastery_avg": totals["mastery"],
        "mastery_estimated": totals["estimated"],
        "mastered": len(to_mastery),
        "median_days_to_mastery": stats.median(to_mastery),
    }


WEEKLY_AFTER_DAYS = 120


def daily_progress(scope: Scope) -> list[dict[str, Any]]:
    """Per day (per week for ranges over 120 days) in the date range, from the first day with
    activity: learners active, answers, share correct, courses completed so far."""
    days = scope.restrict(LearnerDay.objects.filter(day__gte=scope.first_day, day__lte=scope.last_day))
    if scope.course is not None:
        days = days.filter(course=scope.course)
    first_active = days.aggregate(first=Min("day"))["first"]
    if first_active is None:
        first = max(scope.first_day, scope.last_day - timedelta(days=DEFAULT_DAYS - 1))
    else:
        first = max(scope.first_day, first_active)
    weekly = (scope.last_day - first).days > WEEKLY_AFTER_DAYS
    if weekly:
        first -= timedelta(days=first.weekday())
    bucket = TruncWeek("day") if weekly else F("day")
    by_bucket = {
        r["bucket"]: r for r in days.filter(day__gte=first).annotate(bucket=bucket).values("bucket").annotate(
            active=Count("user_id", distinct=True), answers=Sum("responses"), right=Sum("correct")).order_by()
    }
    completions = scope.enrolments(dated=False).filter(completed_at__isnull=False)
    before = completions.filter(completed_at__date__lt=first).count()
    completed_on = (TruncWeek("completed_at") if weekly else TruncDate("completed_at"))
    per_bucket = {
        (d.date() if isinstance(d, datetime) else d): n
        for d, n in completions.filter(completed_at__date__gte=first, completed_at__date__lte=scope.last_day)
        .annotate(bucket=completed_on).values("bucket").annotate(n=Count("pk")).values_list("bucket", "n").order_by()
    }
    rows, running = [], before
    day, step = first, timedelta(days=7 if weekly else 1)
    while day <= scope.last_day:
        r = by_bucket.get(day, {})
        running += per_bucket.get(day, 0)
        answers = r.get("answers") or 0
        rows.append({"day": day, "weekly": weekly, "active": r.get("active", 0), "answers": answers,
                     "correct_share": (r.get("right") or 0) / answers if answers else None,
                     "completions": running})
        day += step
    return rows


def team_rows(scope: Scope) -> list[dict[str, Any]]:
    """The overview's figures per team (up to 50 teams), in one grouped query."""
    teams = scope.teams.filter(pk=scope.team.pk) if scope.team is not None else scope.teams
    stats = Q()
    if scope.course is not None:
        stats &= Q(members__enrollment_stats__course=scope.course)
    if scope.start or scope.end:
        stats &= Q(members__enrollment_stats__enrolled_at__date__gte=scope.first_day,
                   members__enrollment_stats__enrolled_at__date__lte=scope.last_day)
    recent = Q(members__enrollment_stats__last_activity__date__gte=scope.today - timedelta(days=6))
    rows = []
    for team in teams.order_by("name").annotate(
        n=Count("members__enrollment_stats", filter=stats),
        completed=Count("members__enrollment_stats",
                        filter=stats & Q(members__enrollment_stats__completed_at__isnull=False)),
        mastery=Avg("members__enrollment_stats__mastery_avg", filter=stats),
        active=Count("members", distinct=True, filter=stats & recent),
    )[:50]:
        rows.append({"team": team, "enrolments": team.n, "completed": team.completed,
                     "completion_rate": team.completed / team.n if team.n else None,
                     "mastery_avg": team.mastery, "active_7": team.active})
    return rows


# ----- 2. heatmap --------------------------------------------------------------------------------
HEATMAP_SORTS = ("name", "mastery")


def heatmap_rows(scope: Scope, course: Course, sort: str, descending: bool) -> QuerySet[EnrollmentStats]:
    """Enrolments in ``course`` in scope, sorted by learner name, average mastery or one skill."""
    qs = scope.enrolments(course).select_related("user")
    if sort == "name":
        order = F("user__username").desc() if descending else F("user__username").asc()
    elif sort == "mastery":
        order = F("mastery_avg").desc(nulls_last=True) if descending else F("mastery_avg").asc(nulls_last=True)
    else:
        qs = qs.annotate(sort_value=Cast(KeyTextTransform(sort, "mastery"), FloatField()))
        order = F("sort_value").desc(nulls_last=True) if descending else F("sort_value").asc(nulls_last=True)
    return qs.order_by(order, "user__username", "pk")


# ----- 3. learner --------------------------------------------------------------------------------
TRAJECTORY_MAX_RESPONSES = 2000


def mastery_trajectory(user_id: int, skills: list[str]) -> dict[str, Any] | None:
    """Each skill's predicted mastery after each of the learner's answers, replayed through the
    champion (cached per learner, model and last answer). None when no model is trained yet."""
    from adaptive import registry
    from adaptive.selectors import item_id, primary_skills

    loaded = registry.champion()
    if loaded is None or not skills:
        return None
    last = Response.objects.filter(user_id=user_id).order_by("-id").values_list("id", flat=True).first() or 0
    key = f"analytics:trajectory:{user_id}:{loaded.version.pk}:{last}:{','.join(skills)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(Response.objects.filter(user_id=user_id).order_by("id")
                .values_list("question_id", "question__key", "is_correct", "created")[:TRAJECTORY_MAX_RESPONSES])
    skill_of = primary_skills({r[0] for r in rows})
    model = loaded.model
    state = model.init_state()
    points = [{"n": 0, "at": None, **{s: round(float(model.predict_skill(state, s)), 4) for s in skills}}]
    for n, (question_id, key_, correct, created) in enumerate(rows, start=1):
        state = model.update(state, item_id(key_), int(correct), skill=skill_of.get(question_id))
        points.append({"n": n, "at": created, **{s: round(float(model.predict_skill(state, s)), 4) for s in skills}})
    result = {"version": str(loaded.version), "points": points}
    cache.set(key, result, timeout=24 * 3600)
    return result


def learner_teams(user_id: int) -> list[Team]:
    return list(Team.objects.filter(members=user_id))


# ----- 4. at risk --------------------------------------------------------------------------------
def at_risk(scope: Scope, now: datetime | None = None) -> QuerySet[EnrollmentStats]:
    now = now or timezone.now()
    qs = scope.enrolments().filter(completed_at__isnull=True).filter(
        Q(risk_low=True) | Q(risk_falling=True) | Q(risk_looping=True) | Q(inactive_after__lt=now))
    return qs.select_related("user", "course").order_by(F("mastery_avg").asc(nulls_last=True), "inactive_after", "pk")


def risk_reasons(row: EnrollmentStats, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    reasons = []
    if row.risk_low and row.mastery_avg is not None:
        reasons.append(f"Low predicted mastery: {row.mastery_avg:.0%} after {row.responses} answers "
                       f"(below {LOW_MASTERY:.0%}).")
    if row.risk_falling and row.falling_from is not None and row.falling_to is not None:
        reasons.append(f"Falling: {row.falling_skill} dropped from {row.falling_from:.0%} to {row.falling_to:.0%} "
                       f"(by {FALLING_DROP:.0%} or more).")
    if row.risk_looping and row.looping_module:
        reasons.append(f"Going round in circles on {row.looping_module}: {row.looping_attempts} attempts, "
                       "still not mastered.")
    if row.inactive_after < now:
        if row.last_activity is None:
            reasons.append(f"Inactive: no answers since enrolling {(now - row.enrolled_at).days} days ago.")
        else:
            usual = f", usually every {row.usual_gap_days:.1f} days" if row.usual_gap_days else ""
            reasons.append(f"Inactive: no answers for {(now - row.last_activity).days} days{usual}.")
    return reasons


# ----- 5. content --------------------------------------------------------------------------------
FLAG_MIN_FIRST_ATTEMPTS = 5
EASY = 0.95
HARD = 0.20


def question_flags(s: QuestionStats) -> list[str]:
    if s.first_attempts < FLAG_MIN_FIRST_ATTEMPTS:
        return []
    flags = []
    if s.discrimination is not None and s.discrimination < 0:
        flags.append("negative discrimination")
    if s.facility is not None and s.facility > EASY:
        flags.append("almost everyone right")
    if s.facility is not None and s.facility < HARD:
        flags.append("almost everyone wrong")
    return flags


def question_rows(course: Course, sort: str) -> list[dict[str, Any]]:
    rows = [{"stats": s, "question": s.question, "flags": question_flags(s)}
            for s in QuestionStats.objects.filter(course=course).select_related("question")]
    keys = {
        "flags": lambda r: (-len(r["flags"]), r["question"].key),
        "facility": lambda r: (r["stats"].facility is None, r["stats"].facility or 0),
        "discrimination": lambda r: (r["stats"].discrimination is None, r["stats"].discrimination or 0),
        "attempts": lambda r: -r["stats"].attempts,
        "key": lambda r: r["question"].key,
    }
    return sorted(rows, key=keys.get(sort, keys["flags"]))


def skill_curves(course: Course) -> list[SkillCurve]:
    return list(SkillCurve.objects.filter(course=course).order_by("skill"))


# ----- 6. adaptive vs fixed ----------------------------------------------------------------------
def compare_paths(scope: Scope, course: Course) -> dict[str, Any]:
    """Adaptive minus fixed on four outcomes (docs/analytics.md, "Adaptive vs fixed")."""
    from lms.learning.models import Enrollment

    groups: dict[str, dict[str, list[float]]] = {
        p: {"questions": [], "days": [], "completed": [], "mastery": []} for p in (Enrollment.ADAPTIVE, Enrollment.FIXED)
    }
    for path, completed_at, mastered_at, enrolled_at, to_mastery, mastery_avg, responses in scope.enrolments(
        course
    ).values_list("path", "completed_at", "mastered_at", "enrolled_at", "responses_to_mastery", "mastery_avg",
                  "responses"):
        g = groups.get(path)
        if g is None:
            continue
        g["completed"].append(1.0 if completed_at else 0.0)
        if mastered_at is not None and to_mastery is not None:
            g["questions"].append(float(to_mastery))
            g["days"].append(_days(mastered_at - enrolled_at))
        if mastery_avg is not None and responses:
            g["mastery"].append(mastery_avg)
    a, f = groups[Enrollment.ADAPTIVE], groups[Enrollment.FIXED]
    return {
        "sizes": {"adaptive": len(a["completed"]), "fixed": len(f["completed"])},
        "rows": [
            ("Questions to mastery", "questions", stats.welch(a["questions"], f["questions"]), "number"),
            ("Days to mastery", "days", stats.welch(a["days"], f["days"]), "number"),
            ("Completion", "completion", stats.two_proportions(int(sum(a["completed"])), len(a["completed"]),
                                                               int(sum(f["completed"])), len(f["completed"])), "share"),
            ("Final predicted mastery", "mastery", stats.welch(a["mastery"], f["mastery"]), "share"),
        ],
    }


# ----- 7. model health ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    status: str  # healthy, degraded, unchecked, none
    headline: str
    detail: str


def model_verdict(champion: Any, checks: Iterable[ModelHealthCheck]) -> Verdict:
    """"The built-in model serves", "refused", "healthy", "not checked yet" or "degraded since …" from the latest
    live checks of the champion (docs/analytics.md, "Model health")."""
    from lms.analytics.services import HEALTH_MIN_RESPONSES

    if champion is None:
        return Verdict("none", "The built-in model serves",
                       "No trained model is in use, so the built-in model estimates mastery: it follows each "
                       "answer, every skill the question practises and the difficulty its author set.")
    if (champion.load_error or "").startswith("Refused"):
        return Verdict("refused", "The champion was refused; an earlier model or the built-in one serves",
                       champion.load_error.removeprefix("Refused: ").capitalize())
    heldout = (champion.metrics or {}).get("auc")
    checks = [c for c in checks if c.responses >= HEALTH_MIN_RESPONSES and c.live_auc is not None]
    if not checks:
        return Verdict("unchecked", "Healthy as far as we know: not checked on live answers yet",
                       f"Held-out AUC {heldout:.2f} when it was trained." if heldout is not None else
                       "It was promoted by the registry's rule; too few recent answers to check it live.")
    latest = checks[0]
    if not latest.degraded:
        return Verdict("healthy", "Healthy",
                       f"It predicts recent answers about as well as when it was tested "
                       f"(live AUC {latest.live_auc:.2f}, held-out {heldout or 0:.2f}, "
                       f"{latest.responses} answers from {latest.learners} learners).")
    since = latest.computed_at
    for check in checks:
        if not check.degraded:
            break
        since = check.computed_at
    return Verdict("degraded", f"Degraded since {since:%d %b %Y %H:%M}",
                   f"It predicts recent answers worse than when it was tested (live AUC {latest.live_auc:.2f} "
                   f"against {heldout or 0:.2f} held out). Retraining is due.")
