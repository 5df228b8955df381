from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from lms.accounts.models import Team
from lms.accounts.roles import is_admin, is_manager

User = get_user_model()


def teams_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    if is_admin(user):
        return Team.objects.all()
    if is_manager(user):
        return Team.objects.filter(managers=user)
    return Team.objects.none()


def learners_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
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


def users_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """Accounts ``user`` may look up (the users API): everyone for admins, the members of the teams
    they manage for managers, nobody for learners."""
    if is_admin(user):
        return User.objects.all()
    if is_manager(user):
        members = Team.members.through.objects.filter(team__managers=user).values("user_id")
        return User.objects.filter(pk__in=members)
    return User.objects.none()


def can_view_learner(viewer: AbstractBaseUser | AnonymousUser, learner_id: int) -> bool:
    return learners_visible_to(viewer).filter(pk=learner_id).exists()
