from __future__ import annotations

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


def language_of(user: User) -> str:
    """The language to write to a user in when no browser is asking (emails, calendar feeds): the one
    chosen on their account page, else the site's."""
    chosen = Preferences.objects.filter(user=user).values_list("language", flat=True).first() or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
