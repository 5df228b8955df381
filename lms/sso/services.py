"""Accounts made and kept up to date by single sign-on. Users, roles and teams are written by
``lms.accounts.services``; this module decides what to ask it for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from lms.accounts.models import LEARNER, MANAGER, Team
from lms.accounts.roles import role_of
from lms.accounts.services import (
    team_add_managers,
    team_add_members,
    team_create,
    user_create,
    user_set_role,
    user_update,
)
from lms.sso.mapping import ClaimMapping, role_from_claims, teams_from_claims

_NOT_IN_USERNAMES = re.compile(r"[^\w.@+-]")


def _free_username(wanted: str) -> str:
    """``wanted`` made a valid username (letters, digits and @.+-_, at most 150 characters), with
    -2, -3... added when someone has it already."""
    base = _NOT_IN_USERNAMES.sub("-", wanted.strip())[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _team_named(name: str) -> Team:
    team = Team.objects.filter(name__iexact=name).first() or Team.objects.filter(slug=slugify(name)).first()
    if team is not None:
        return team
    slug, n = slugify(name)[:110] or "team", 1
    while Team.objects.filter(slug=slug if n == 1 else f"{slug}-{n}").exists():
        n += 1
    return team_create(name=name, slug=slug if n == 1 else f"{slug}-{n}")


def _join_teams(*, user: User, role: str, names: list[str]) -> None:
    """A manager manages the teams named; anyone else joins them. Teams not named are left alone:
    taking people out of teams is the identity provider's SCIM job (docs/people-import.md)."""
    for name in names:
        team = _team_named(name)
        if role == MANAGER:
            team_add_managers(team=team, managers=[user])
        else:
            team_add_members(team=team, members=[user])


@transaction.atomic
def sso_user_create(*, username: str, email: str, first_name: str, last_name: str, claims: Mapping[str, Any],
                    mapping: ClaimMapping) -> User:
    """The account of someone signing in for the first time: no usable password, the role and
    teams their claims map to (a learner when none does)."""
    role = role_from_claims(claims, mapping) or LEARNER
    user = user_create(username=_free_username(username or email.split("@")[0]), email=email[:254],
                       first_name=first_name[:150], last_name=last_name[:150], role=role)
    _join_teams(user=user, role=role, names=teams_from_claims(claims, mapping))
    return user


@transaction.atomic
def sso_user_sync(*, user: User, email: str, first_name: str, last_name: str, claims: Mapping[str, Any],
                  mapping: ClaimMapping) -> User:
    """Bring an account in line with what the identity provider says at this sign-in: name and email
    when it sends them, the role when the role claim is mapped and sent, and the teams named. A
    Django superuser's role is never changed from here."""
    user_update(user=user, email=email[:254] or None, first_name=first_name[:150] or None,
                last_name=last_name[:150] or None)
    role = role_from_claims(claims, mapping)
    if role is not None and role != role_of(user) and not user.is_superuser:
        user_set_role(user=user, role=role)
    _join_teams(user=user, role=role or role_of(user), names=teams_from_claims(claims, mapping))
    return user
