"""People in bulk: the writes. The CSV import (all or nothing) and the SCIM tokens of identity providers.

Users and teams themselves are written by ``lms.accounts.services``; this module decides what to ask
of it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from lms.accounts.models import LEARNER, Team
from lms.accounts.services import (
    team_add_managers,
    team_add_members,
    team_create,
    user_create,
    user_set_role,
    user_update,
)
from lms.people.importing import CREATE, UPDATE, ImportPlan, PersonRow, RowPlan, people_import_plan
from lms.people.models import ScimToken


class PeopleImportRefused(Exception):
    """Some rows are refused, so nothing was imported; ``plan`` says which and why."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.refused)} rows refused; nothing was imported")
        self.plan = plan


Progress = Callable[[list[RowPlan]], Iterable[RowPlan]]


@transaction.atomic
def people_import(*, rows: list[PersonRow], progress: Progress | None = None) -> ImportPlan:
    """Create and update the people in ``rows`` with their roles, teams and managers, all or nothing.

    The plan is made again here, inside the transaction, so that what is written is checked against
    the database as it is now, not as it was at the preview. New users get an unusable password:
    they sign in by single sign-on, or once an admin has set them a password (docs/people-import.md).
    Teams and manager links are only ever added, never taken away.
    """
    plan = people_import_plan(rows=rows)
    if not plan.ok:
        raise PeopleImportRefused(plan)
    teams = {t.name: t for t in Team.objects.all()}
    for name in plan.new_teams:
        teams[name] = team_create(name=name, slug=_free_slug(name))

    users: dict[str, User] = {}
    to_write = [row for row in plan.rows if row.action in (CREATE, UPDATE)]
    for row in (progress or _same)(to_write):
        if row.action == CREATE:
            users[row.username.lower()] = user_create(username=row.username, role=row.role or LEARNER,
                                                      email=row.email, first_name=row.first_name,
                                                      last_name=row.last_name)
            continue
        user = _user(row.username)
        user_update(user=user, email=row.email or None, first_name=row.first_name or None,
                    last_name=row.last_name or None)
        if row.role:
            user_set_role(user=user, role=row.role)
        users[row.username.lower()] = user

    # Memberships and manager links once everyone exists, since a manager may be further down the file.
    for row in to_write:
        user = users[row.username.lower()]
        for name in row.teams:
            team_add_members(team=teams[name], members=[user])
        for name in row.manages:
            team_add_managers(team=teams[name], managers=[user])
        if row.manager:
            manager = users.get(row.manager.lower()) or _user(row.manager)
            for name in row.teams:
                team_add_managers(team=teams[name], managers=[manager])
    return plan


def _same(items: list[RowPlan]) -> Iterable[RowPlan]:
    return items


def _user(username: str) -> User:
    return User.objects.get(username__iexact=username)


def _free_slug(name: str) -> str:
    base = slugify(name)[:110]
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


SCIM_TOKEN_PREFIX = "pwscim_"
LAST_USED_EVERY = timedelta(minutes=5)


def scim_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def scim_token_create(*, name: str, created_by: User | None = None) -> tuple[ScimToken, str]:
    """A new bearer token for an identity provider's SCIM client. Only its SHA-256 digest is
    stored, so the key returned here is the only copy there will ever be."""
    key = SCIM_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(name=name, digest=scim_token_digest(key), prefix=key[:len(SCIM_TOKEN_PREFIX) + 6],
                                     created_by=created_by)
    return token, key


def scim_token_authenticate(key: str) -> ScimToken | None:
    """The token whose key this is, noting when it was last used (at most every few minutes, so an
    identity provider's burst of requests is not a burst of writes); None for an unknown key."""
    if not key.startswith(SCIM_TOKEN_PREFIX):
        return None
    token = ScimToken.objects.filter(digest=scim_token_digest(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_EVERY:
        ScimToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token
