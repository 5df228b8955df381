"""Reads of the dashboards. Every function takes a :class:`Scope`, which holds whose data the viewer
may see (from ``lms.accounts.selectors``) and the filters; none reads outside it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Min, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncWeek
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from adaptive import registry
from adaptive.models import Assignment
from adaptive.selectors import item_id, primary_skills
from lms.accounts.models import Team
from lms.accounts.roles import is_admin
from lms.accounts.selectors import today_in, zones_of
from lms.analytics import stats
from lms.analytics.models import EnrollmentStats, LearnerDay, ModelHealthCheck, QuestionStats, RollupCursor, SkillCurve
from lms.analytics.services import FALLING_DROP, HEALTH_MIN_RESPONSES, INACTIVE_MIN, LOW_MASTERY, ROLLUP
from lms.content.models import Course, Module, Skill
from lms.learning.models import Enrollment, ModuleCompletion, Response

DEFAULT_DAYS = 90


@dataclass
class Scope:
    """Whose data, which course and which dates a dashboard shows."""

    viewer: User
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
                  .values_list("enrolled_at", "mastered_at") if m is not None]
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

    loaded = registry.champion()
    if loaded is None or loaded.version is None or not skills:  # the champion is always a registered version
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
    points: list[dict[str, Any]] = [
        {"n": 0, "at": None, **{s: round(float(model.predict_skill(state, s)), 4) for s in skills}}]
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
        reasons.append(ngettext("Low predicted mastery: %(mastery)s after %(count)d answer (below %(low)s).",
                                "Low predicted mastery: %(mastery)s after %(count)d answers (below %(low)s).",
                                row.responses) % {"mastery": _percent(row.mastery_avg), "count": row.responses,
                                                  "low": _percent(LOW_MASTERY)})
    if row.risk_falling and row.falling_from is not None and row.falling_to is not None:
        reasons.append(_("Falling: %(skill)s dropped from %(before)s to %(now)s (by %(drop)s or more).") % {
            "skill": row.falling_skill, "before": _percent(row.falling_from), "now": _percent(row.falling_to),
            "drop": _percent(FALLING_DROP)})
    if row.risk_looping and row.looping_module:
        reasons.append(ngettext("Going round in circles on %(module)s: %(count)d attempt, still not mastered.",
                                "Going round in circles on %(module)s: %(count)d attempts, still not mastered.",
                                row.looping_attempts) % {"module": row.looping_module, "count": row.looping_attempts})
    if row.inactive_after < now:
        if row.last_activity is None:
            days = (now - row.enrolled_at).days
            reasons.append(ngettext("Inactive: no answers since enrolling %(count)d day ago.",
                                    "Inactive: no answers since enrolling %(count)d days ago.", days) % {"count": days})
        else:
            days = (now - row.last_activity).days
            if row.usual_gap_days:
                reasons.append(ngettext("Inactive: no answers for %(count)d day, usually every %(usual)s days.",
                                        "Inactive: no answers for %(count)d days, usually every %(usual)s days.",
                                        days) % {"count": days, "usual": _decimal(row.usual_gap_days, 1)})
            else:
                reasons.append(ngettext("Inactive: no answers for %(count)d day.", "Inactive: no answers for %(count)d days.",
                                        days) % {"count": days})
    return reasons


def _decimal(value: float, digits: int) -> str:
    """0.71, or 0,71 in French (``number_format`` cuts the digits off, so round first)."""
    return number_format(round(value, digits), digits)


def _percent(share: float) -> str:
    """72%, or 72 % in French: a share as a whole percentage, the way the reader's language writes it."""
    return _("%(percent)s%%") % {"percent": round(share * 100)}


# ----- 5. content --------------------------------------------------------------------------------
FLAG_MIN_FIRST_ATTEMPTS = 5
EASY = 0.95
HARD = 0.20


def question_flags(s: QuestionStats) -> list[str]:
    if s.first_attempts < FLAG_MIN_FIRST_ATTEMPTS:
        return []
    flags = []
    if s.discrimination is not None and s.discrimination < 0:
        flags.append(_("negative discrimination"))
    if s.facility is not None and s.facility > EASY:
        flags.append(_("almost everyone right"))
    if s.facility is not None and s.facility < HARD:
        flags.append(_("almost everyone wrong"))
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
            (_("Questions to mastery"), "questions", stats.welch(a["questions"], f["questions"]), "number"),
            (_("Days to mastery"), "days", stats.welch(a["days"], f["days"]), "number"),
            (_("Completion"), "completion", stats.two_proportions(int(sum(a["completed"])), len(a["completed"]),
                                                               int(sum(f["completed"])), len(f["completed"])), "share"),
            (_("Final predicted mastery"), "mastery", stats.welch(a["mastery"], f["mastery"]), "share"),
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
    if champion is None:
        return Verdict("none", _("The built-in model serves"),
                       _("No trained model is in use, so the built-in model estimates mastery: it follows each "
                         "answer, every skill the question practises and the difficulty its author set."))
    if (champion.load_error or "").startswith("Refused"):
        return Verdict("refused", _("The champion was refused; an earlier model or the built-in one serves"),
                       champion.load_error.removeprefix("Refused: ").capitalize())
    heldout = (champion.metrics or {}).get("auc")
    checked = [(c, c.live_auc) for c in checks if c.responses >= HEALTH_MIN_RESPONSES and c.live_auc is not None]
    if not checked:
        return Verdict("unchecked", _("Healthy as far as we know: not checked on live answers yet"),
                       _("Held-out AUC %(auc)s when it was trained.") % {"auc": _decimal(heldout, 2)}
                       if heldout is not None else
                       _("It was promoted by the registry's rule; too few recent answers to check it live."))
    latest, live_auc = checked[0]
    if not latest.degraded:
        return Verdict("healthy", _("Healthy"),
                       _("It predicts recent answers about as well as when it was tested (live AUC %(live)s, "
                         "held-out %(heldout)s, %(answers)d answers from %(learners)d learners).") % {
                           "live": _decimal(live_auc, 2), "heldout": _decimal(heldout or 0, 2),
                           "answers": latest.responses, "learners": latest.learners})
    since = latest.computed_at
    for check, _live in checked:
        if not check.degraded:
            break
        since = check.computed_at
    return Verdict("degraded", _("Degraded since %(since)s") % {
                       "since": date_format(timezone.localtime(since), "d M Y H:i")},
                   _("It predicts recent answers worse than when it was tested (live AUC %(live)s against "
                     "%(heldout)s held out). Retraining is due.") % {
                       "live": _decimal(live_auc, 2), "heldout": _decimal(heldout or 0, 2)})


# ----- who needs help this week ------------------------------------------------------------------
# Points per signal (docs/analytics.md, "This week"). A learner with one mild signal (a week's
# silence) stays off the short list; two signals, or one strong one, put them on it.
SHORT_LIST = 10
SHORT_LIST_MIN_SCORE = 2.0
WRONG_IN_A_ROW = 3  # trailing wrong answers on one skill in the last RECENT_DAYS
RECENT_DAYS = 7
DUE_SOON_DAYS = 7


@dataclass
class Concern:
    """One enrolment that may need a manager's help: how much (``score``), with which skill, why in
    plain words, and the action that fits best (assign, message or note)."""

    stats: EnrollmentStats
    score: float = 0.0
    skill: Skill | None = None
    reasons: list[str] = field(default_factory=list)
    action: str = "note"
    module: Any = None  # the module to assign: the one that teaches ``skill``, or the one due

    @property
    def user(self) -> Any:
        return self.stats.user

    @property
    def course(self) -> Course:
        return self.stats.course


def _weekday(day: date, today: date) -> str:
    if day == today:
        return _("today")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    return date_format(day, "l") if 0 < (day - today).days < 7 else _("on %(day)s") % {"day": date_format(day, "j M")}


def _wrong_streaks(user_ids: Any, since: datetime) -> dict[tuple[int, int], tuple[int, str | None]]:
    """(user, course) → (wrong answers in a row at the end of the recent answers, their main skill
    when they share one)."""
    rows = list(Response.objects.filter(user_id__in=user_ids, created__gte=since)
                .order_by("user_id", "course_id", "-id").values_list("user_id", "course_id", "question_id", "is_correct"))
    skill_of = primary_skills({r[2] for r in rows})
    streaks: dict[tuple[int, int], tuple[int, str | None]] = {}
    closed: set[tuple[int, int]] = set()
    for user_id, course_id, question_id, correct in rows:
        key = (user_id, course_id)
        if key in closed:
            continue
        n, skill = streaks.get(key, (0, None))
        this = skill_of.get(question_id)
        if correct or (n and skill is not None and this != skill):
            closed.add(key)  # the run of wrong answers on one skill ends here
            continue
        streaks[key] = (n + 1, this)
    return streaks


def _open_dues(user_ids: list[int], today: date) -> dict[tuple[int, int], Any]:
    """(user, course) → the earliest open assignment of that course due by the end of the coming week
    (overdue ones included), for these learners, directly or through their teams."""
    through = Team.members.through.objects.filter(user_id__in=user_ids)
    teams_of: dict[int, list[int]] = {}
    for team_id, user_id in through.values_list("team_id", "user_id"):
        teams_of.setdefault(team_id, []).append(user_id)
    rows = (Assignment.objects.filter(Q(learner_id__in=user_ids) | Q(team_id__in=list(teams_of)),
                                      due__isnull=False, due__lte=today + timedelta(days=DUE_SOON_DAYS))
            .select_related("module").order_by("due", "created"))
    pairs: dict[tuple[int, int], Any] = {}
    for a in rows:
        for user_id in ([a.learner_id] if a.learner_id else teams_of.get(a.team_id or 0, [])):
            pairs.setdefault((user_id, a.module_id), a)
    done = set(ModuleCompletion.objects.filter(user_id__in=user_ids, module_id__in={m for _user, m in pairs})
               .values_list("user_id", "module_id"))
    dues: dict[tuple[int, int], Any] = {}
    for (user_id, module_id), a in pairs.items():
        key = (user_id, a.module.course_id)
        if (user_id, module_id) not in done and (key not in dues or a.due < dues[key].due):
            dues[key] = a
    return dues


def _teaching_modules(course_ids: set[int]) -> dict[tuple[int, str], Any]:
    """(course, skill slug) → the first module of the course that teaches the skill."""
    first: dict[tuple[int, str], Any] = {}
    for module in Module.objects.filter(course_id__in=course_ids).prefetch_related("skills").order_by("order", "id"):
        for skill in module.skills.all():
            first.setdefault((module.course_id, skill.slug), module)
    return first


def concerns(scope: Scope, now: datetime | None = None, *, dated: bool = True) -> list[Concern]:
    """Every enrolment in scope not completed yet that shows at least one sign of needing help,
    highest score first, each with its reasons in plain words. The signs: wrong answers in a row on
    one skill, an assignment overdue or due soon, silence against the learner's own rhythm, low or
    falling predicted mastery, and going round the same module."""
    now = now or timezone.now()
    rows = list(scope.enrolments(dated=dated).filter(completed_at__isnull=True).select_related("user", "course"))
    if not rows:
        return []
    user_ids = sorted({r.user_id for r in rows})
    streaks = _wrong_streaks(user_ids, now - timedelta(days=RECENT_DAYS))
    # A due date ends at midnight in the learner's own zone: each is judged on their own day, which
    # is never later than UTC's next one.
    dues = _open_dues(user_ids, now.astimezone(UTC).date() + timedelta(days=1))
    zones = zones_of(user_ids)
    teaching = _teaching_modules({r.course_id for r in rows})
    skills = {s.slug: s for s in Skill.objects.all()}
    result = []
    for row in rows:
        c = Concern(stats=row)
        key = (row.user_id, row.course_id)
        threshold = row.course.mastery_threshold
        streak, streak_skill = streaks.get(key, (0, None))
        if streak >= WRONG_IN_A_ROW:
            c.score += 2 + min(2, 0.5 * (streak - WRONG_IN_A_ROW))
            c.skill = c.skill or skills.get(streak_skill or "")
            if streak_skill in skills:
                c.reasons.append(ngettext("%(count)d wrong answer in a row on %(skill)s",
                                          "%(count)d wrong answers in a row on %(skill)s", streak) % {
                    "count": streak, "skill": skills[streak_skill].name})
            else:
                c.reasons.append(ngettext("%(count)d wrong answer in a row", "%(count)d wrong answers in a row",
                                          streak) % {"count": streak})
        silent_days = (now - (row.last_activity or row.enrolled_at)).days
        inactive = row.inactive_after < now
        due = dues.get(key)
        learner_today = today_in(zones[row.user_id], now)
        if due is not None and due.due <= learner_today + timedelta(days=DUE_SOON_DAYS):
            c.module = due.module
            if due.due < learner_today:
                c.score += 3
                c.reasons.append(_("“%(module)s” was due %(when)s and is not done") % {
                    "module": due.module.title, "when": _weekday(due.due, learner_today)})
            elif inactive or silent_days >= 3:
                c.score += 2.5
                c.reasons.append(ngettext("no activity for %(count)d day with “%(module)s” due %(when)s",
                                          "no activity for %(count)d days with “%(module)s” due %(when)s",
                                          silent_days) % {"count": silent_days, "module": due.module.title,
                                                          "when": _weekday(due.due, learner_today)})
                inactive = False  # said already
        if inactive:
            if row.last_activity is None:
                c.score += 1
                c.reasons.append(ngettext("has not started since enrolling %(count)d day ago",
                                          "has not started since enrolling %(count)d days ago",
                                          silent_days) % {"count": silent_days})
            else:
                c.score += 1 + min(1.0, (silent_days - INACTIVE_MIN.days) / 14)  # silence alone: on the list after 3 weeks
                c.reasons.append(ngettext("no activity for %(count)d day", "no activity for %(count)d days",
                                          silent_days) % {"count": silent_days})
        if row.risk_looping and row.looping_module:
            c.score += 1.5 + min(1.5, 0.25 * row.looping_attempts)
            c.reasons.append(ngettext("going round the same module: “%(module)s” taken %(count)d time without "
                                      "mastering it",
                                      "going round the same module: “%(module)s” taken %(count)d times without "
                                      "mastering it", row.looping_attempts) % {
                                 "module": row.looping_module, "count": row.looping_attempts})
        if row.risk_falling and row.falling_skill and row.falling_from is not None and row.falling_to is not None:
            c.score += 1 + 4 * (row.falling_from - row.falling_to)
            c.skill = c.skill or skills.get(row.falling_skill)
            name = skills[row.falling_skill].name if row.falling_skill in skills else row.falling_skill
            c.reasons.append(_("slipping on %(skill)s: down from %(before)s to %(now)s") % {
                "skill": name, "before": _percent(row.falling_from), "now": _percent(row.falling_to)})
        if row.risk_low and row.mastery_avg is not None:
            c.score += 1 + 4 * max(0.0, LOW_MASTERY - row.mastery_avg)
            c.reasons.append(ngettext("finding the course hard: about %(mastery)s after %(count)d answer",
                                      "finding the course hard: about %(mastery)s after %(count)d answers",
                                      row.responses) % {"mastery": _percent(row.mastery_avg), "count": row.responses})
        if not c.reasons:
            continue
        if c.skill is None and row.mastery:
            slug, value = min(row.mastery.items(), key=lambda kv: kv[1])
            if value < threshold and slug in skills:
                c.skill = skills[slug]
        if c.skill is not None and (row.course_id, c.skill.slug) in teaching and c.module is None:
            c.module = teaching[(row.course_id, c.skill.slug)]
        if due is not None or inactive:
            c.action = "message"
        elif c.module is not None:
            c.action = "assign"
        c.reasons[0] = c.reasons[0][:1].upper() + c.reasons[0][1:]
        c.score = round(c.score, 2)
        result.append(c)
    result.sort(key=lambda c: (-c.score, c.stats.last_activity or c.stats.enrolled_at, c.stats.pk))
    return result


def short_list(ranked: list[Concern], size: int = SHORT_LIST) -> list[Concern]:
    """The first ``size`` of the ranked concerns that score at least ``SHORT_LIST_MIN_SCORE``."""
    return [c for c in ranked if c.score >= SHORT_LIST_MIN_SCORE][:size]


def this_week(scope: Scope, now: datetime | None = None) -> list[Concern]:
    """Who needs help this week: the highest-scoring concern per learner, highest first (dates in
    the filters do not apply: this is about now)."""
    seen: set[int] = set()
    rows = []
    for c in concerns(scope, now, dated=False):
        if c.stats.user_id not in seen and c.score >= SHORT_LIST_MIN_SCORE:
            seen.add(c.stats.user_id)
            rows.append(c)
    return rows
