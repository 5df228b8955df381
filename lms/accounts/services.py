from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction

from lms.accounts.models import ADMIN, LEARNER, MANAGER, ROLES, Team

User = get_user_model()


@transaction.atomic
def user_create(*, username: str, password: str, role: str = LEARNER, email: str = "", first_name: str = "",
                last_name: str = "") -> AbstractUser:
    """Create a user in one of the three roles. Admins also get ``is_staff`` for the Django admin."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    user = User.objects.create_user(username=username, password=password, email=email,
                                    first_name=first_name, last_name=last_name)
    user_set_role(user=user, role=role)
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
def team_create(*, name: str, slug: str, members: list[AbstractUser] = (),  # type: ignore[assignment]
                managers: list[AbstractUser] = ()) -> Team:  # type: ignore[assignment]
    team = Team.objects.create(name=name, slug=slug)
    team.members.add(*members)
    team.managers.add(*managers)
    return team


__all__ = ["user_create", "user_set_role", "team_create", "LEARNER", "MANAGER", "ADMIN"]
