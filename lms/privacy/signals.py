"""Audit events from Django's signals: sign-ins (from any backend, refused ones too), and role and
team changes made by any path (the admin, the CSV import, SCIM, the services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed
from django.http import HttpRequest

from lms.accounts.models import ROLES, Team
from lms.privacy.models import AuditEvent
from lms.privacy.services import audit_record

User = get_user_model()


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(event=AuditEvent.SIGN_IN, subject=user, actor=user, request=request)


def _sign_in_refused(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                     **kwargs: Any) -> None:
    name = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    subject = User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": name}).first() if name else None
    audit_record(event=AuditEvent.SIGN_IN_FAILED, subject=subject, subject_name=name, request=request,
                 detail={"known_account": subject is not None})


def _membership_events(*, side: str, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                       added: str, removed: str) -> None:
    """Many-to-many changes between users and groups or teams, seen from either side.

    Django sends ``post_remove`` with every id it was given, held or not, so what was really held
    is read in ``pre_remove`` (and ``pre_clear``) and remembered on the instance until ``post_*``.
    """
    stash = f"_audit_{side}_removing"
    if action in ("pre_remove", "pre_clear"):
        setattr(instance, stash, _held_pairs(side=side, instance=instance, reverse=reverse,
                                             pk_set=pk_set if action == "pre_remove" else None))
        return
    if action == "post_add":
        pairs = _pairs(side=side, instance=instance, reverse=reverse, pk_set=pk_set or set())
        event = added
    elif action in ("post_remove", "post_clear"):
        pairs = getattr(instance, stash, [])
        if hasattr(instance, stash):
            delattr(instance, stash)
        event = removed
    else:
        return
    for user, other in pairs:
        if side == "groups" and other.name not in ROLES:
            continue
        detail = {"role": other.name} if side == "groups" else {"team": other.name, "team_id": other.pk}
        audit_record(event=event, subject=user, detail=detail)


def _through(side: str) -> Any:
    return {"groups": User.groups.through, "members": Team.members.through,
            "managers": Team.managers.through}[side]


def _pairs(*, side: str, instance: Any, reverse: bool, pk_set: set[int]) -> list[tuple[Any, Any]]:
    """(user, group or team) for each changed link. Forward for groups is user → groups; forward
    for teams is team → users."""
    other_model = Group if side == "groups" else Team
    user_is_instance = (side == "groups") != reverse
    if user_is_instance:
        return [(instance, other) for other in other_model.objects.filter(pk__in=pk_set)]
    return [(user, instance) for user in User.objects.filter(pk__in=pk_set)]


def _held_pairs(*, side: str, instance: Any, reverse: bool, pk_set: set[int] | None) -> list[tuple[Any, Any]]:
    through = _through(side).objects
    user_field, other_field = ("user_id", "group_id") if side == "groups" else ("user_id", "team_id")
    user_is_instance = (side == "groups") != reverse
    mine, theirs = (user_field, other_field) if user_is_instance else (other_field, user_field)
    rows = through.filter(**{mine: instance.pk})
    if pk_set is not None:
        rows = rows.filter(**{f"{theirs}__in": pk_set})
    held = set(rows.values_list(theirs, flat=True))
    return _pairs(side=side, instance=instance, reverse=reverse, pk_set=held)


def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                    **kwargs: Any) -> None:
    _membership_events(side="groups", instance=instance, action=action, reverse=reverse, pk_set=pk_set,
                       added=AuditEvent.ROLE_ADDED, removed=AuditEvent.ROLE_REMOVED)


def _members_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                     **kwargs: Any) -> None:
    _membership_events(side="members", instance=instance, action=action, reverse=reverse, pk_set=pk_set,
                       added=AuditEvent.TEAM_JOINED, removed=AuditEvent.TEAM_LEFT)


def _managers_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                      **kwargs: Any) -> None:
    _membership_events(side="managers", instance=instance, action=action, reverse=reverse, pk_set=pk_set,
                       added=AuditEvent.TEAM_MANAGER_ADDED, removed=AuditEvent.TEAM_MANAGER_REMOVED)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="pathwise_audit_sign_in")
    user_login_failed.connect(_sign_in_refused, dispatch_uid="pathwise_audit_sign_in_refused")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="pathwise_audit_groups")
    m2m_changed.connect(_members_changed, sender=Team.members.through, dispatch_uid="pathwise_audit_members")
    m2m_changed.connect(_managers_changed, sender=Team.managers.through, dispatch_uid="pathwise_audit_managers")
