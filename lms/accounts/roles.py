"""Roles are Django groups; these helpers are the one place that decides who is what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from lms.accounts.models import ADMIN, LEARNER, MANAGER

AnyUser = User | AnonymousUser


def _groups(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_pathwise_groups", None)
    if cached is None:
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")  # set when listing users
        cached = ({group.name for group in prefetched} if prefetched is not None
                  else set(user.groups.values_list("name", flat=True)))
        user._pathwise_groups = cached  # type: ignore[attr-defined]  # a per-instance cache, as Django's own _perm_cache
    return cached


def is_admin(user: AnyUser) -> bool:
    """Admins manage content and see every team. Django superusers count as admins."""
    return bool(user.is_authenticated and (getattr(user, "is_superuser", False) or ADMIN in _groups(user)))


def is_manager(user: AnyUser) -> bool:
    return MANAGER in _groups(user)


def is_staff_role(user: AnyUser) -> bool:
    """Managers and admins: people who look at other learners' data, within their scope."""
    return is_admin(user) or is_manager(user)


def role_of(user: AnyUser) -> str:
    """The one role a user has, as the API reports it: admin, manager or learner."""
    return ADMIN if is_admin(user) else MANAGER if is_manager(user) else LEARNER
