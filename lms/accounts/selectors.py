from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from lms.accounts.models import Preferences, Team
from lms.accounts.roles import is_admin, is_manager


def teams_visible_to(user: User | AnonymousUser) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    if is_admin(user):
        return Team.objects.all()
    if is_manager(user):
        return Team.objects.filter(managers=user)
    return Team.objects.none()


def learners_visible_to(user: User | AnonymousUser) -> QuerySet:
    """Users whose learning data ``user`` may see: everyone for admins, their teams' members for
    managers, and only themselves for learners."""
    if not user.is_authenticated:
        return User.objects.none()
    if is_admin(user):
        return User.objects.all()
    if is_manager(user):
        # A subquery rather than a join, so the result needs no distinct() and composes freely.
        members = Team.members.through.objects.filter(team__managers=user).values("user_id")
        return User.objects.filter(Q(pk__in=members) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def users_visible_to(user: User | AnonymousUser) -> QuerySet:
    """Accounts ``user`` may look up (the users API): everyone for admins, the members of the teams
    they manage for managers, nobody for learners."""
    if not user.is_authenticated:
        return User.objects.none()
    if is_admin(user):
        return User.objects.all()
    if is_manager(user):
        members = Team.members.through.objects.filter(team__managers=user).values("user_id")
        return User.objects.filter(pk__in=members)
    return User.objects.none()


def can_view_learner(viewer: User | AnonymousUser, learner_id: int) -> bool:
    return learners_visible_to(viewer).filter(pk=learner_id).exists()


def api_tokens_of(user: User) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user).filter(
        Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())).order_by("-created")


def totp_device_of(user: User | AnonymousUser, *, confirmed: bool = True) -> TOTPDevice | None:
    """The user's TOTP device: the confirmed one that sign-in asks for, or the one being set up."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def preferences_of(user: User) -> Preferences:
    """The user's language and time zone; an unsaved blank row (browser's language, site's zone)
    for a user who has not chosen."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


def _zone_named(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a zone removed from the system's database since it was chosen


def site_zone() -> tzinfo:
    return _zone_named(settings.TIME_ZONE) or ZoneInfo("UTC")


def zone_of(user: User) -> tzinfo:
    """The time zone dates are judged and shown in for ``user`` when no browser is asking (emails,
    reminders, calendar feeds, other people's pages about them): the one chosen on their account
    page, else the site's TIME_ZONE."""
    chosen = Preferences.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""
    return _zone_named(chosen) or site_zone()


def zones_of(user_ids: Iterable[int]) -> dict[int, tzinfo]:
    """``zone_of`` for many users in one query; every id is in the answer."""
    ids = set(user_ids)
    chosen = dict(Preferences.objects.filter(user_id__in=ids).values_list("user_id", "time_zone"))
    fallback = site_zone()
    return {pk: _zone_named(chosen.get(pk) or "") or fallback for pk in ids}


def zone_name(zone: tzinfo) -> str:
    """A zone as people read it: "America/Los Angeles"."""
    return str(getattr(zone, "key", zone)).replace("_", " ")


def today_in(zone: tzinfo, now: datetime | None = None) -> date:
    """The calendar day it is in ``zone`` at ``now`` (by default, now)."""
    return (now or timezone.now()).astimezone(zone).date()


def due_deadline(due: date, zone: tzinfo) -> datetime:
    """The instant a due date ends for someone in ``zone``: the first instant of the next local day.
    A due date is a day, not an instant, and means "by the end of that day" in the learner's own
    zone, so one team assignment falls due at a different instant for each member. On a day whose
    midnight a clock change skips or repeats, this is the first moment of the next day (zoneinfo
    reads a skipped 00:00 with the offset before the change, which is the instant clocks jump; the
    round trip through UTC names it by the wall time that exists, 01:00, so that it compares equal
    to the same instant in any zone)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC).astimezone(zone)


def language_of(user: User) -> str:
    """The language to write to a user in when no browser is asking (emails, calendar feeds): the one
    chosen on their account page, else the site's."""
    chosen = Preferences.objects.filter(user=user).values_list("language", flat=True).first() or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
