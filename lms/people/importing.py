"""People from a CSV file: reading the file and planning what an import would do, without writing.

The plan says, row by row, who would be created, updated, left unchanged or refused (and why, with
the row's number as a spreadsheet shows it: the header is row 1). ``lms.people.services.people_import``
makes the plan again inside its transaction and writes it only when no row is refused.
The columns are documented in docs/people-import.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.accounts.models import ADMIN, LEARNER, MANAGER, ROLES, Team
from lms.accounts.roles import role_of
from lms.text import text_problem

COLUMNS = ("username", "email", "first_name", "last_name", "role", "teams", "manages", "manager")
REQUIRED_COLUMNS = ("username",)
TEAM_SEPARATOR = ";"
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection): refused, so
# that no such value is stored and later exported into someone's spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MANAGING_ROLES = (MANAGER, ADMIN)

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"


class PeopleFileInvalid(Exception):
    """The file as a whole cannot be read as a people CSV (encoding, size, header)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PersonRow:
    """One line of the file, its cells by column name (missing columns are empty)."""

    number: int
    cells: dict[str, str]


@dataclass
class RowPlan:
    number: int
    username: str
    action: str = UNCHANGED
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: str = ""  # empty: unchanged (or learner, for a new user)
    teams: list[str] = field(default_factory=list)  # team names as they will be stored
    manages: list[str] = field(default_factory=list)
    manager: str = ""


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    new_teams: list[str]

    @property
    def refused(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == REFUSED]

    @property
    def ok(self) -> bool:
        return not self.refused

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def summary(self, *, done: bool = False) -> str:
        """What the import would do (or, ``done``, did): "2 to create, 1 to update, 0 unchanged, 0 refused"."""
        counts = {"create": self.count(CREATE), "update": self.count(UPDATE), "unchanged": self.count(UNCHANGED),
                  "refused": self.count(REFUSED)}
        if done:
            text = _("%(create)d created, %(update)d updated, %(unchanged)d unchanged, %(refused)d refused") % counts
        else:
            text = _("%(create)d to create, %(update)d to update, %(unchanged)d unchanged, %(refused)d refused") % counts
        if self.new_teams:
            text += ngettext("; %(count)d new team", "; %(count)d new teams", len(self.new_teams)) % {
                "count": len(self.new_teams)}
        return text


def people_csv_read(data: bytes) -> list[PersonRow]:
    """The rows of a people CSV file (UTF-8, with or without a byte-order mark, comma-separated).
    Raises PeopleFileInvalid naming what is wrong with the file as a whole."""
    limit = settings.PATHWISE_PEOPLE_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise PeopleFileInvalid([_("the file is %(size)s bytes; the limit is %(limit)s bytes "
                                   "(PATHWISE_PEOPLE_IMPORT_MAX_BYTES): split it into several files") % {
                                     "size": f"{len(data):,}", "limit": f"{limit:,}"}])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PeopleFileInvalid([_("the file is not UTF-8 text (line %(line)d, byte %(byte)s): save it from the "
                                   "spreadsheet as “CSV UTF-8”") % {"line": line, "byte": f"{exc.start + 1:,}"}
                                 ]) from None
    problem = text_problem(text)
    if problem:
        raise PeopleFileInvalid([_("the file %(problem)s") % {"problem": problem}])
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(records, None)
        if header is None or not any(cell.strip() for cell in header):
            raise PeopleFileInvalid([_("the file is empty: the first row must name the columns, e.g. %(columns)s")
                                     % {"columns": ",".join(COLUMNS)}])
        columns = [cell.strip().lower().replace(" ", "_") for cell in header]
        _check_header(columns)
        rows = []
        for index, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns):]):
                rows.append(PersonRow(index, {"__too_long__": _("has %(cells)d cells but the header names %(columns)d "
                                                                "columns") % {"cells": len(record),
                                                                              "columns": len(columns)}}))
                continue
            rows.append(PersonRow(index, {name: cell.strip() for name, cell in zip(columns, record, strict=False)}))
    except csv.Error as exc:
        raise PeopleFileInvalid([_("row %(row)d: not valid CSV (%(why)s)") % {"row": records.line_num, "why": exc}]
                                ) from None
    return rows


def _check_header(columns: list[str]) -> None:
    errors = []
    if len(columns) == 1 and ";" in columns[0]:
        errors.append(_("the columns are separated by semicolons: separate them with commas"))
    else:
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            errors.append(ngettext("unknown column %(unknown)s; the columns are %(columns)s",
                                   "unknown columns %(unknown)s; the columns are %(columns)s", len(unknown)) % {
                "unknown": ", ".join(map(repr, unknown)), "columns": ", ".join(COLUMNS)})
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            errors.append(_("column %(columns)s appears more than once") % {"columns": ", ".join(map(repr, repeated))})
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            errors.append(_("the header has no %(columns)s column") % {"columns": ", ".join(missing)})
    if errors:
        raise PeopleFileInvalid(errors)


def _team_names(cell: str) -> list[str]:
    names: list[str] = []
    for part in cell.split(TEAM_SEPARATOR):
        name = " ".join(part.split())
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


class _Teams:
    """Team names in the file resolved to the teams that exist, and the new ones the import creates."""

    def __init__(self) -> None:
        self.by_key: dict[str, Team] = {}
        for team in Team.objects.all():
            self.by_key[team.name.lower()] = team
            self.by_key[team.slug] = team
        self.new: dict[str, str] = {}  # slug -> name, in the order first seen

    def resolve(self, name: str) -> tuple[str, str | None]:
        """The stored name of the team called ``name`` and a problem, if any."""
        if len(name) > 120:
            return name, _("team name %(name)s… is longer than 120 characters") % {"name": repr(name[:40])}
        existing = self.by_key.get(name.lower()) or self.by_key.get(slugify(name))
        if existing is not None:
            return existing.name, None
        slug = slugify(name)[:120]
        if not slug:
            return name, _("team name %(name)s has no letters or digits to make its address from") % {"name": repr(name)}
        if slug in self.new and self.new[slug].lower() != name.lower():
            return name, _("team %(name)s would have the same address (%(slug)s) as team %(other)s") % {
                "name": repr(name), "slug": slug, "other": repr(self.new[slug])}
        self.new.setdefault(slug, name)
        return self.new[slug], None


def people_import_plan(*, rows: Iterable[PersonRow]) -> ImportPlan:
    """What importing ``rows`` would do, row by row; nothing is written."""
    rows = list(rows)
    teams = _Teams()
    usernames = [row.cells.get("username", "") for row in rows]
    existing = _users_by_name(usernames, "groups", "teams", "managed_teams")
    first_row: dict[str, int] = {}
    for row in rows:
        name = row.cells.get("username", "").lower()
        if name and name not in first_row:
            first_row[name] = row.number
    file_roles = {row.cells.get("username", "").lower(): row.cells.get("role", "").lower() for row in rows}
    managers_named = {row.cells.get("manager", "").lower() for row in rows} - {""}
    outside = _users_by_name([m for m in managers_named if m not in existing], "groups")

    def role_after_import(username: str) -> str | None:
        key = username.lower()
        user = existing.get(key) or outside.get(key)
        if key in first_row and file_roles.get(key) in ROLES:
            return file_roles[key]
        if user is not None:
            return role_of(user)
        return LEARNER if key in first_row else None

    managing: dict[str, set[str]] = {}
    for username, team_name in User.objects.annotate(lowered=Lower("username")).filter(
            lowered__in=sorted(managers_named), managed_teams__isnull=False).values_list("lowered", "managed_teams__name"):
        managing.setdefault(username, set()).add(team_name)

    plans = [_plan_row(row, existing, first_row, teams, role_after_import, managing) for row in rows]
    new_teams = [name for name in teams.new.values()
                 if any(name in p.teams + p.manages for p in plans if p.action != REFUSED)]
    return ImportPlan(rows=plans, new_teams=new_teams)


def _users_by_name(names: Iterable[str], *related: str) -> dict[str, User]:
    """Users by lower-cased username. Usernames are told apart regardless of case (``user_create``
    refuses a second "Alice"), so the file's "alice" is the account "Alice"."""
    lowered = sorted({n.lower() for n in names if n})
    found: dict[str, User] = {}
    for start in range(0, len(lowered), 500):  # within every database's limit of query parameters
        chunk = lowered[start:start + 500]
        users = User.objects.annotate(lowered=Lower("username")).filter(lowered__in=chunk).prefetch_related(*related)
        found.update({u.username.lower(): u for u in users})
    return found


def _plan_row(row: PersonRow, existing: dict[str, User], first_row: dict[str, int], teams: _Teams,
              role_after_import: Callable[[str], str | None], managing: dict[str, set[str]]) -> RowPlan:
    cells = row.cells
    plan = RowPlan(number=row.number, username=cells.get("username", ""))
    errors = plan.errors
    if "__too_long__" in cells:
        errors.append(cells["__too_long__"])
        plan.action = REFUSED
        return plan
    for column, value in cells.items():
        if value.startswith(FORMULA_STARTS):
            errors.append(_("%(column)s starts with %(start)s, which a spreadsheet would run as a formula") % {
                "column": column, "start": repr(value[0])})

    username = plan.username
    if not username:
        errors.append(_("username is empty"))
    elif len(username) > 150:
        errors.append(_("username is longer than 150 characters"))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors.append(_("username %(username)s may hold only letters, digits and @ . + - _") % {
                "username": repr(username)})
        if first_row.get(username.lower()) != row.number:
            errors.append(_("username %(username)s is also on row %(row)d") % {
                "username": repr(username), "row": first_row[username.lower()]})

    plan.email = cells.get("email", "")
    if plan.email:
        try:
            EmailValidator()(plan.email)
        except ValidationError:
            errors.append(_("email %(email)s is not an email address") % {"email": repr(plan.email)})
    for column in ("first_name", "last_name"):
        setattr(plan, column, " ".join(cells.get(column, "").split()))
        if len(getattr(plan, column)) > 150:
            errors.append(_("%(column)s is longer than 150 characters") % {"column": column})

    plan.role = cells.get("role", "").lower()
    if plan.role and plan.role not in ROLES:
        errors.append(_("unknown role %(role)s; the roles are %(roles)s") % {
            "role": repr(cells["role"]), "roles": ", ".join(ROLES)})

    for column in ("teams", "manages"):
        names = []
        for name in _team_names(cells.get(column, "")):
            stored, problem = teams.resolve(name)
            if problem:
                errors.append(problem)
            names.append(stored)
        setattr(plan, column, names)

    user = existing.get(username.lower())
    role = plan.role if plan.role in ROLES else (role_of(user) if user is not None else LEARNER)
    if plan.manages and role not in MANAGING_ROLES:
        errors.append(_("only managers and admins manage teams; %(username)s would be a %(role)s") % {
            "username": repr(username), "role": role})

    plan.manager = cells.get("manager", "")
    if plan.manager:
        manager_role = role_after_import(plan.manager)
        if plan.manager.lower() == username.lower():
            errors.append(_("a person cannot be their own manager"))
        elif manager_role is None:
            errors.append(_("manager %(manager)s is neither in Pathwise nor in this file") % {
                "manager": repr(plan.manager)})
        elif manager_role not in MANAGING_ROLES:
            errors.append(_("manager %(manager)s is a %(role)s, not a manager or admin") % {
                "manager": repr(plan.manager), "role": manager_role})
        if not plan.teams:
            errors.append(_("a manager is given but no team: the manager manages the teams in the teams column"))

    if user is not None and getattr(user, "is_superuser", False) and plan.role and plan.role != ADMIN:
        errors.append(_("%(username)s is a superuser: change their role in the admin, not by import") % {
            "username": repr(user.username)})

    if errors:
        plan.action = REFUSED
        return plan
    if user is None:
        plan.action = CREATE
        plan.changes = ([_("new %(role)s") % {"role": role}] + [_("joins %(team)s") % {"team": t} for t in plan.teams]
                        + [_("manages %(team)s") % {"team": t} for t in plan.manages])
        if plan.manager:
            plan.changes.append(_("%(manager)s manages %(teams)s") % {"manager": plan.manager,
                                                                      "teams": ", ".join(plan.teams)})
        return plan

    plan.username = user.username
    changes = []
    for column in ("email", "first_name", "last_name"):
        value = getattr(plan, column)
        if value and value != getattr(user, column):
            changes.append(_("%(column)s: %(before)s → %(after)s") % {
                "column": column.replace("_", " "), "before": getattr(user, column) or _("(none)"), "after": value})
    if plan.role and plan.role != role_of(user):
        changes.append(_("role: %(before)s → %(after)s") % {"before": role_of(user), "after": plan.role})
    member_of = {t.name for t in user.teams.all()}
    managed_now = {t.name for t in user.managed_teams.all()}
    changes += [_("joins %(team)s") % {"team": t} for t in plan.teams if t not in member_of]
    changes += [_("manages %(team)s") % {"team": t} for t in plan.manages if t not in managed_now]
    if plan.manager:
        new_links = [t for t in plan.teams if t not in managing.get(plan.manager.lower(), set())]
        if new_links:
            changes.append(_("%(manager)s manages %(teams)s") % {"manager": plan.manager, "teams": ", ".join(new_links)})
    plan.changes = changes
    plan.action = UPDATE if changes else UNCHANGED
    return plan
