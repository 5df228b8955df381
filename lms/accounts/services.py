from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms.accounts.models import ADMIN, LEARNER, MANAGER, ROLES, Team

User = get_user_model()


@transaction.atomic
def user_create(*, username: str, password: str | None = None, role: str = LEARNER, email: str = "", first_name: str = "",
                last_name: str = "", teams: Iterable[Team] = (), managed_teams: Iterable[Team] = ()) -> AbstractUser:
    """Create a user in one of the three roles, as a member of ``teams`` and manager of ``managed_teams``.

    Admins also get ``is_staff`` for the Django admin. Without a password the user cannot sign in
    with one (an unusable password) until someone sets it. A username taken already, in any case,
    is a ValidationError: two accounts told apart only by case are a support call waiting to happen.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"a user named {username!r} exists already"]})
    try:
        with transaction.atomic():  # a concurrent request may have taken the name since the check
            user = User.objects.create_user(username=username, password=password, email=email,
                                            first_name=first_name, last_name=last_name)
    except IntegrityError:
        raise ValidationError({"username": [f"a user named {username!r} exists already"]}) from None
    user_set_role(user=user, role=role)
    user.teams.add(*teams)
    user.managed_teams.add(*managed_teams)
    return user


@transaction.atomic
def user_set_role(*, user: AbstractUser, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    user.groups.add(groups[role])
    user.is_staff = role == ADMIN
    user.save(update_fields=["is_staff"])
    if hasattr(user, "_pathwise_groups"):
        del user._pathwise_groups


@transaction.atomic
def team_create(*, name: str, slug: str, members: Iterable[AbstractUser] = (),
                managers: Iterable[AbstractUser] = ()) -> Team:
    """Create a team; a name or slug taken already is a ValidationError."""
    if Team.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [f"a team with the slug {slug!r} exists already"]})
    if Team.objects.filter(name=name).exists():
        raise ValidationError({"name": [f"a team named {name!r} exists already"]})
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=slug)
    except IntegrityError:
        raise ValidationError("a team with this name or slug exists already") from None
    team.members.add(*members)
    team.managers.add(*managers)
    return team


@transaction.atomic
def team_add_members(*, team: Team, members: Iterable[AbstractUser]) -> Team:
    """Add learners to a team; those in it already stay as they are."""
    team.members.add(*members)
    return team


__all__ = ["user_create", "user_set_role", "team_create", "team_add_members", "LEARNER", "MANAGER", "ADMIN"]
