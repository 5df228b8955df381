"""Reads for notification emails and calendar feeds: who is due what, and who wants to hear."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Q

from adaptive.models import Assignment
from lms.accounts.models import Team
from lms.accounts.selectors import today_in, zones_of
from lms.learning.models import ModuleCompletion
from lms.learning.selectors import assignments_of
from lms.notifications.models import CalendarFeed, Email, EmailSettings

# An overdue assignment is reminded of (once) up to this many days late, so a scheduler that was
# down on the day still sends it, and a fresh install does not write about long-gone dates.
OVERDUE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Due:
    """One learner's assigned module with a due date (the earliest, when assigned more than once)."""

    learner: User
    assignment: Assignment
    today: date | None = None  # overdue work: the day it is in the learner's zone, which it was judged on

    @property
    def due(self) -> date:
        assert self.assignment.due is not None
        return self.assignment.due


def email_settings_of(user: User) -> EmailSettings:
    """The user's settings; defaults (everything on) for a user who never changed them."""
    return EmailSettings.objects.filter(user=user).first() or EmailSettings(user=user)


def wants_email(user: User, topic: str) -> bool:
    """Whether ``user`` can be sent email about ``topic`` (an EmailSettings field): an active
    account with an address, that has not turned the topic off."""
    if not user.is_active or not getattr(user, "email", ""):
        return False
    return bool(getattr(email_settings_of(user), topic))


def _open_dues(assignments: Iterable[Assignment], members_of_team: dict[int, list[User]]) -> list[Due]:
    """Expand assignments to their learners, drop modules each learner has completed, and keep the
    earliest due date per learner and module."""
    assignments = list(assignments)
    pairs: dict[tuple[int, int], Due] = {}
    for a in assignments:
        learners = [a.learner] if a.learner_id else members_of_team.get(a.team_id or 0, [])
        for learner in learners:
            if learner is None or not learner.is_active:
                continue
            key = (learner.pk, a.module_id)
            if key not in pairs or (a.due or date.max) < (pairs[key].assignment.due or date.max):
                pairs[key] = Due(learner, a)
    if not pairs:
        return []
    done = set(ModuleCompletion.objects.filter(
        user_id__in={k[0] for k in pairs}, module_id__in={k[1] for k in pairs}).values_list("user_id", "module_id"))
    return [d for k, d in sorted(pairs.items(), key=lambda kv: (kv[1].due, kv[0])) if k not in done]


def _team_members(team_ids: Iterable[int]) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    through = Team.members.through.objects.filter(team_id__in=set(team_ids)).select_related("user")
    for row in through:
        members.setdefault(row.team_id, []).append(row.user)
    return members


def dues_between(first: date, last: date, *, created_before: datetime) -> list[Due]:
    """Open assignments due from ``first`` to ``last``, per learner, among those made before
    ``created_before`` (the email about a new assignment already gives its date)."""
    rows = list(Assignment.objects.filter(due__gte=first, due__lte=last, created__lt=created_before)
                .select_related("module__course", "learner"))
    return _open_dues(rows, _team_members(a.team_id for a in rows if a.team_id))


def learners_of(assignment: Assignment) -> list[User]:
    """Who an assignment is for: its learner, or every member of its team."""
    if assignment.learner is not None:
        return [assignment.learner]
    return list(User.objects.filter(teams=assignment.team_id).order_by("pk"))


def has_completed(user: User, module_id: int) -> bool:
    return ModuleCompletion.objects.filter(user=user, module_id=module_id).exists()


def overdue_in_team(team: Team, now: datetime) -> list[Due]:
    """The team's open assignments past their due date at ``now``, per learner, most overdue first.
    A due date ends at midnight in the learner's own zone, so each learner is judged on their own
    day (``Due.today``)."""
    members = list(team.members.all())
    # Every zone's day is at most UTC's next one: a first cut in SQL, then each learner's own day.
    latest_day = now.astimezone(UTC).date() + timedelta(days=1)
    rows = Assignment.objects.filter(Q(team=team) | Q(learner__in=members), due__lt=latest_day).select_related(
        "module__course", "learner")
    dues = _open_dues(rows, {team.pk: members})
    zones = zones_of(d.learner.pk for d in dues)
    overdue = []
    for d in dues:
        today = today_in(zones[d.learner.pk], now)
        if d.due < today:
            overdue.append(Due(d.learner, d.assignment, today))
    return overdue


def digest_recipients() -> list[User]:
    """Managers of at least one team who can be sent the team digest."""
    managers = User.objects.filter(managed_teams__isnull=False).distinct().order_by("pk")
    return [m for m in managers if wants_email(m, "team_digest")]


def emails_to_send(*, created_before: datetime) -> list[int]:
    """Emails still waiting to be sent that were written before ``created_before``: their task was
    lost (a broker outage) or is waiting to retry; sending claims the row, so a second task for
    one of them sends nothing."""
    return list(Email.objects.filter(status=Email.PENDING, created__lt=created_before).values_list("pk", flat=True))


def calendar_feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(token=token, user__is_active=True).select_related("user").first()


def due_dates_of(user: User) -> list[Assignment]:
    """The learner's open assigned modules that have a due date, one per module (the earliest date),
    earliest first."""
    by_module: dict[int, Assignment] = {}
    for a in assignments_of(user):
        if a.due is not None and (a.module_id not in by_module or a.due < by_module[a.module_id].due):  # type: ignore[operator]
            by_module[a.module_id] = a
    return sorted(by_module.values(), key=lambda a: (a.due, a.module_id))


def stage_of(due: date, today: date) -> str | None:
    """Which reminder a due date calls for today: 2 or 3 days ahead, the day before or the day
    itself, or overdue (up to OVERDUE_WINDOW_DAYS); the windows let a day the scheduler missed be
    caught up the next day, and each stage is sent once."""
    days_left = (due - today).days
    if 2 <= days_left <= 3:
        return Email.DUE_SOON
    if 0 <= days_left <= 1:
        return Email.DUE_TOMORROW
    if -OVERDUE_WINDOW_DAYS <= days_left <= -1:
        return Email.OVERDUE
    return None


REMINDER_HORIZON = timedelta(days=3)
