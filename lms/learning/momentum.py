"""A learner's momentum: the week's goal and the days practised toward it, the weeks in a row with
practice, the skills mastered this week and what the last day of practice improved.

Everything is read from the answers given (the response log) and the mastery each module decision
stored after an answer, in the learner's own time zone: days and weeks are theirs (weeks start on
Monday). Nothing here is stored except the goal the learner chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.contrib.auth.models import User
from django.db.models.functions import TruncDate
from django.utils import timezone

from adaptive.models import Decision
from lms.accounts.selectors import zone_of
from lms.content.models import Course, Skill
from lms.learning.models import Enrollment, Response, WeeklyGoal

# A skill counts as improved when its predicted success rose by at least this much.
IMPROVEMENT_MIN = 0.05
# How far back the weeks in a row are counted.
STREAK_WEEKS_MAX = 52


@dataclass(frozen=True)
class SkillChange:
    """A skill's predicted success before and after a stretch of practice (None: not estimated yet)."""

    name: str
    course: str
    before: float | None
    after: float

    @property
    def before_percent(self) -> int | None:
        return None if self.before is None else round(100 * self.before)

    @property
    def after_percent(self) -> int:
        return round(100 * self.after)


@dataclass(frozen=True)
class Momentum:
    goal_days: int  # 0: the learner chose no goal
    days_this_week: int
    answers_this_week: int
    week_start: date
    today: date
    weeks_in_a_row: int  # weeks with practice, ending this week (or last week, while this one has none yet)
    mastered_this_week: list[SkillChange]
    last_practice_day: date | None
    improved_last_time: list[SkillChange]

    @property
    def goal_met(self) -> bool:
        return self.goal_days > 0 and self.days_this_week >= self.goal_days

    @property
    def goal_percent(self) -> int:
        if not self.goal_days:
            return 0
        return min(100, round(100 * self.days_this_week / self.goal_days))

    @property
    def practised_today(self) -> bool:
        return self.last_practice_day == self.today


def learner_zone(user: User) -> tzinfo:
    """The time zone the learner chose on their account page, else the site's."""
    return zone_of(user)


def goal_days_of(user: User) -> int:
    row = WeeklyGoal.objects.filter(user=user).values_list("days_per_week", flat=True).first()
    return WeeklyGoal.DEFAULT_DAYS if row is None else int(row)


def weekly_goal_set(*, user: User, days_per_week: int) -> WeeklyGoal:
    """Set how many days a week the learner means to practise (0: no goal). Setting the same goal
    again changes nothing."""
    if not 0 <= days_per_week <= WeeklyGoal.MAX_DAYS:
        raise ValueError(f"a weekly goal is 0 to {WeeklyGoal.MAX_DAYS} days")
    goal, _created = WeeklyGoal.objects.update_or_create(user=user, defaults={"days_per_week": days_per_week})
    return goal


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _practice_days(user: User, zone: tzinfo, since: date) -> set[date]:
    """The learner's days (in their zone) with at least one answer, from ``since`` on."""
    days = (Response.objects.filter(user=user, created__gte=_start_of(since, zone))
            .annotate(day=TruncDate("created", tzinfo=zone)).values_list("day", flat=True).distinct().order_by())
    return set(days)


def _weeks_in_a_row(days: set[date], week_start: date) -> int:
    """Weeks with at least one day of practice, counted back from this week; a week not practised
    yet does not break the run, since it is not over."""
    weeks = {d - timedelta(days=d.weekday()) for d in days}
    start = week_start if week_start in weeks else week_start - timedelta(weeks=1)
    count = 0
    while start in weeks:
        count += 1
        start -= timedelta(weeks=1)
    return count


def _mastery_before(user: User, course: Course, moment: datetime | None) -> dict[str, float] | None:
    """The course's mastery stored by the module decision after the learner's latest answer before
    ``moment`` (any moment when None); None when there is none (no answer yet, or no model then)."""
    decisions = Decision.objects.filter(user=user, course=course, kind=Decision.MODULE, response__isnull=False)
    if moment is not None:
        decisions = decisions.filter(response__created__lt=moment)
    for mastery in decisions.order_by("-response__created", "-id").values_list("mastery", flat=True)[:5]:
        if mastery:  # a decision on the fixed order, or made without a model, stores none
            return {slug: float(value) for slug, value in mastery.items()}
    return None


def _changes(user: User, courses: list[Course], since: datetime,
             names: dict[str, str], *, crossed_threshold: bool) -> list[SkillChange]:
    """Per course, each skill's mastery before ``since`` and now: those that reached the course's
    threshold (``crossed_threshold``) or rose by IMPROVEMENT_MIN or more, biggest rise first."""
    changes: list[tuple[float, SkillChange]] = []
    for course in courses:
        after = _mastery_before(user, course, None)
        if after is None:
            continue
        before = _mastery_before(user, course, since) or {}
        for slug, now in after.items():
            then = before.get(slug)
            if crossed_threshold:
                keep = now >= course.mastery_threshold and (then is None or then < course.mastery_threshold)
            else:
                keep = then is not None and now - then >= IMPROVEMENT_MIN
            if keep:
                change = SkillChange(name=names.get(slug, slug), course=course.title, before=then, after=now)
                changes.append((now - (then or 0.0), change))
    changes.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [change for _gain, change in changes]


def momentum_for(user: User, *, zone: tzinfo | None = None, now: datetime | None = None,
                 limit: int = 3) -> Momentum:
    """The learner's momentum as of ``now``, with days and weeks in ``zone`` (their own by default)."""
    zone = zone or learner_zone(user)
    today = timezone.localtime(now or timezone.now(), zone).date()
    week_start = today - timedelta(days=today.weekday())
    days = _practice_days(user, zone, week_start - timedelta(weeks=STREAK_WEEKS_MAX))
    this_week = {d for d in days if d >= week_start}
    answers_this_week = Response.objects.filter(user=user, created__gte=_start_of(week_start, zone)).count()
    last_day = max(days, default=None)

    courses = [e.course for e in Enrollment.objects.filter(user=user, course__published=True).select_related("course")]
    mastered: list[SkillChange] = []
    improved: list[SkillChange] = []
    if courses and last_day is not None:
        names = dict(Skill.objects.filter(courses__in=courses).values_list("slug", "name"))
        if this_week:
            mastered = _changes(user, courses, _start_of(week_start, zone), names, crossed_threshold=True)
        improved = _changes(user, courses, _start_of(last_day, zone), names, crossed_threshold=False)
    return Momentum(
        goal_days=goal_days_of(user), days_this_week=len(this_week), answers_this_week=answers_this_week,
        week_start=week_start, today=today, weeks_in_a_row=_weeks_in_a_row(days, week_start),
        mastered_this_week=mastered[:limit], last_practice_day=last_day, improved_last_time=improved[:limit],
    )
