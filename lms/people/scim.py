"""SCIM 2.0 provisioning (RFC 7643, 7644) on django-scim2's views: Users are Pathwise accounts and
Groups are teams (their members are the team's learners).

django-scim2 supplies the endpoints, the filter parser and the error format; the adapters here map
SCIM's attributes onto accounts and teams and write through ``lms.accounts.services``. They accept
what the common identity providers send, including Entra ID's (Azure AD's) "True"/"False" strings
for ``active`` and PATCH paths such as ``emails[type eq "work"].value``. Attributes Pathwise does not
keep (title, department, phone numbers, ...) are ignored rather than refused, so that provisioning of
the rest goes on. Deleting a user deactivates the account, keeping everything the learner did.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from django_scim import constants, exceptions
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.middleware import SCIMAuthCheckMiddleware
from django_scim.models import SCIMServiceProviderConfig

from lms.accounts.models import LEARNER, Team
from lms.accounts.services import (
    team_add_members,
    team_create,
    team_delete,
    team_remove_members,
    team_set_members,
    team_update,
    user_create,
    user_set_active,
    user_update,
)
from lms.people.scim_filters import PathwiseGroupFilter, PathwiseUserFilter
from lms.people.services import scim_token_authenticate
from lms.text import text_problem

USER_SCHEMA_PREFIX = constants.SchemaURI.USER + ":"
GROUP_SCHEMA_PREFIX = constants.SchemaURI.GROUP + ":"
MEMBER_FILTER_RE = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)
EMAIL_PATH_RE = re.compile(r"^emails(\[[^\]]*\])?(\.value)?$", re.IGNORECASE)
MAX_BODY_BYTES = 1024 * 1024


def base_location(request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> str:
    """Where resources' ``location`` addresses start: the site's public address, not the Host
    header of whoever asked."""
    return settings.PATHWISE_SITE_URL + "/"


def extra_filter_kwargs_getter(model: type) -> Any:
    """django-scim2's hook before each lookup by id. Ids here are primary keys, so an id that is not
    a number is a resource that does not exist (404), not a database error."""

    def extra_filter_kwargs(request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args and not str(args[0]).isdigit():
            raise exceptions.NotFoundError(args[0])
        return {}

    return extra_filter_kwargs


def _bad(detail: str, scim_type: str = "invalidValue") -> exceptions.BadRequestError:
    return exceptions.BadRequestError(detail, scim_type=scim_type)


def _text(value: Any, attribute: str, *, max_length: int = 150) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(f'"{attribute}" must be a string')
    problem = text_problem(value)
    if problem:
        raise _bad(f'"{attribute}" {problem}')
    value = value.strip()
    if len(value) > max_length:
        raise _bad(f'"{attribute}" is longer than {max_length} characters')
    return value


def _boolean(value: Any, attribute: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # Entra ID sends "False"
        return value.lower() == "true"
    raise _bad(f'"{attribute}" must be true or false')


def _email(value: Any) -> str:
    """The primary (else the first) address of SCIM's ``emails``, or a bare address string."""
    if isinstance(value, list):
        if not all(isinstance(e, dict) for e in value):
            raise _bad('"emails" must be a list of objects with a "value"')
        chosen = next((e for e in value if e.get("primary") is True), value[0] if value else {})
        value = chosen.get("value", "")
    elif isinstance(value, dict):  # OneLogin sends one object
        value = value.get("value", "")
    email = _text(value, "emails", max_length=254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise _bad(f"{email!r} is not an email address") from None
    return email


def _member_ids(value: Any) -> list[int]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise _bad('"members" must be a list of objects with a "value"')
    ids = []
    for member in value:
        raw = str(member.get("value", ""))
        if not raw.isdigit():
            raise _bad(f"no user has the id {raw!r}")
        ids.append(int(raw))
    return ids


def _strip_schema(path: str, prefix: str) -> str:
    return path[len(prefix):] if path.lower().startswith(prefix.lower()) else path


def _operations(operations: Any) -> list[tuple[str, str, Any]]:
    """(op, path, value) of each PATCH operation, checked for shape."""
    if not isinstance(operations, list):
        raise _bad('"Operations" must be a list', "invalidSyntax")
    checked = []
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise _bad('each operation must be an object with an "op"', "invalidSyntax")
        op = operation["op"].lower()
        if op not in constants.VALID_PATCH_OPS:
            raise _bad(f'unknown PATCH op {operation["op"]!r}', "invalidSyntax")
        path = operation.get("path") or ""
        if not isinstance(path, str):
            raise _bad('"path" must be a string', "invalidPath")
        if op == "remove" and not path:
            raise _bad('"path" must be given in a "remove" operation', "noTarget")
        if not path and not isinstance(operation.get("value"), dict):
            raise _bad("an operation without a path needs an object as its value", "invalidSyntax")
        checked.append((op, path, operation.get("value")))
    return checked


class ScimUser(SCIMUser):
    """A Pathwise account. New accounts are learners without a password (an unusable one: they sign
    in by single sign-on, docs/people-import.md); passwords sent over SCIM are ignored."""

    id_field = "pk"
    ATTR_MAP = PathwiseUserFilter.attr_map
    obj: User  # django-scim2's adapter holds the row it represents (unsaved for a new account)

    def __init__(self, obj: Any, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request)
        self.pending: dict[str, Any] = {}

    @property
    def groups(self) -> list[dict[str, str]]:
        return [{"value": str(team.pk), "$ref": ScimGroup(team, self.request).location, "display": team.name}
                for team in self.obj.teams.all()]

    @property
    def emails(self) -> list[dict[str, Any]]:
        return [{"value": self.obj.email, "primary": True, "type": "work"}] if self.obj.email else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "schemas": [constants.SchemaURI.USER],
            "id": self.id,
            "userName": self.obj.username,
            "name": {"givenName": self.obj.first_name, "familyName": self.obj.last_name,
                     "formatted": self.name_formatted},
            "displayName": self.display_name,
            "emails": self.emails,
            "active": self.obj.is_active,
            "groups": self.groups,
            "meta": {"resourceType": self.resource_type, "created": self.obj.date_joined.isoformat(),
                     "location": self.location},
        }

    def from_dict(self, d: dict[str, Any]) -> None:
        """A whole user, as POST and PUT send it: what is missing is emptied (SCIM's replace)."""
        if not isinstance(d, dict):
            raise _bad("the body must be a JSON object", "invalidSyntax")
        username = _text(d.get("userName"), "userName")
        if not username:
            raise _bad('"userName" is required')
        name = d.get("name") or {}
        if not isinstance(name, dict):
            raise _bad('"name" must be an object')
        self.pending = {
            "username": username,
            "first_name": _text(name.get("givenName"), "name.givenName"),
            "last_name": _text(name.get("familyName"), "name.familyName"),
            "email": _email(d.get("emails") or []),
        }
        if d.get("active") is not None:
            self.pending["active"] = _boolean(d["active"], "active")

    def validate_dict(self, d: dict[str, Any]) -> None:
        """Checked in ``from_dict``, where each value is read."""

    def save(self) -> None:
        fields = {k: v for k, v in self.pending.items() if k != "active"}
        try:
            if self.obj.pk is None:
                self.obj = user_create(role=LEARNER, **fields)
            elif fields:
                self.obj = user_update(user=self.obj, **fields)
        except ValidationError as exc:
            raise exceptions.IntegrityError(" ".join(exc.messages), scim_type="uniqueness") from None
        if "active" in self.pending:
            self.obj = user_set_active(user=self.obj, active=self.pending["active"])
        self.pending = {}

    def delete(self) -> None:
        """Deprovisioning deactivates: the learner's answers, states and decisions stay (for their
        managers' reports and for retraining) and an admin erases them if asked to."""
        user_set_active(user=self.obj, active=False)

    def handle_operations(self, operations: Any) -> None:
        for op, path, value in _operations(operations):
            if path:
                self._apply(op, _strip_schema(path, USER_SCHEMA_PREFIX), value)
            else:
                for key, item in value.items():
                    if key == "name" and isinstance(item, dict):
                        for sub, sub_value in item.items():
                            self._apply(op, f"name.{sub}", sub_value)
                    else:
                        self._apply(op, _strip_schema(key, USER_SCHEMA_PREFIX), item)
        self.save()

    def _apply(self, op: str, path: str, value: Any) -> None:
        key = path.lower()
        removing = op == "remove"
        if key == "username":
            if removing:
                raise _bad('"userName" cannot be removed', "mutability")
            self.pending["username"] = _text(value, "userName") or self.obj.username
        elif key in ("name.givenname", "givenname"):
            self.pending["first_name"] = "" if removing else _text(value, "name.givenName")
        elif key in ("name.familyname", "familyname"):
            self.pending["last_name"] = "" if removing else _text(value, "name.familyName")
        elif key == "name":
            if removing:
                self.pending.update(first_name="", last_name="")
            elif isinstance(value, dict):
                for sub, sub_value in value.items():
                    self._apply(op, f"name.{sub}", sub_value)
            else:
                raise _bad('"name" must be an object')
        elif EMAIL_PATH_RE.match(key):
            self.pending["email"] = "" if removing else _email(value)
        elif key == "active":
            if removing:
                raise _bad('"active" cannot be removed', "mutability")
            self.pending["active"] = _boolean(value, "active")
        # Anything else (displayName, title, phoneNumbers, the enterprise extension...) is not kept.


class ScimGroup(SCIMGroup):
    """A team. Its SCIM members are the team's learners; managers are given in Pathwise."""

    id_field = "pk"
    ATTR_MAP = PathwiseGroupFilter.attr_map
    obj: Team  # django-scim2's adapter holds the row it represents (unsaved for a new team)

    def __init__(self, obj: Any, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request)
        self.pending: dict[str, Any] = {}

    @property
    def members(self) -> list[dict[str, str]]:
        return [{"value": str(user.pk), "$ref": ScimUser(user, self.request).location,
                 "display": ScimUser(user, self.request).display_name} for user in self.obj.members.all()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schemas": [constants.SchemaURI.GROUP],
            "id": self.id,
            "displayName": self.obj.name,
            "members": self.members,
            "meta": {"resourceType": self.resource_type, "created": self.obj.created.isoformat(),
                     "location": self.location},
        }

    def validate_dict(self, d: dict[str, Any]) -> None:
        """Checked in ``from_dict``, where each value is read."""

    def from_dict(self, d: dict[str, Any]) -> None:
        if not isinstance(d, dict):
            raise _bad("the body must be a JSON object", "invalidSyntax")
        name = _text(d.get("displayName"), "displayName", max_length=120)
        if not name:
            raise _bad('"displayName" is required')
        self.pending = {"name": name, "members": self._users(_member_ids(d.get("members") or []))}

    def save(self) -> None:
        name: str | None = self.pending.get("name")
        try:
            if self.obj.pk is None:
                if not name:
                    raise _bad('"displayName" is required')
                self.obj = team_create(name=name, slug=_free_team_slug(name))
            elif name and name != self.obj.name:
                self.obj = team_update(team=self.obj, name=name)
        except ValidationError as exc:
            raise exceptions.IntegrityError(" ".join(exc.messages), scim_type="uniqueness") from None
        if "members" in self.pending:
            team_set_members(team=self.obj, members=self.pending["members"])
        self.pending = {}

    def delete(self) -> None:
        team_delete(team=self.obj)

    def handle_operations(self, operations: Any) -> None:
        for op, path, value in _operations(operations):
            items = [(_strip_schema(path, GROUP_SCHEMA_PREFIX), value)] if path else list(value.items())
            for item_path, item_value in items:
                self._apply(op, item_path, item_value)
        self.save()

    def _apply(self, op: str, path: str, value: Any) -> None:
        key = path.lower()
        member = MEMBER_FILTER_RE.match(path)
        if member and op == "remove":  # Okta: path 'members[value eq "42"]'
            team_remove_members(team=self.obj, members=self._users(_member_ids([{"value": member.group(1)}])))
        elif key == "members":
            if op == "remove" and value is None:
                team_set_members(team=self.obj, members=[])
                return
            users = self._users(_member_ids(value or []))
            if op == "add":
                team_add_members(team=self.obj, members=users)
            elif op == "remove":
                team_remove_members(team=self.obj, members=users)
            else:
                team_set_members(team=self.obj, members=users)
        elif key == "displayname":
            if op == "remove":
                raise _bad('"displayName" cannot be removed', "mutability")
            self.pending["name"] = _text(value, "displayName", max_length=120) or self.obj.name
        elif key in ("id", "externalid", "schemas", "meta"):
            return  # Okta repeats the id in a replace; Pathwise keeps no external id
        else:
            raise _bad(f"a group has no attribute {path!r} that can be changed", "invalidPath")

    @staticmethod
    def _users(ids: list[int]) -> list[Any]:
        users = list(User.objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {u.pk for u in users})
        if missing:
            raise _bad(f"no user has the id {missing[0]}")
        return users


def _free_team_slug(name: str) -> str:
    base = slugify(name)[:110] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What this service provider supports, as identity providers read it before provisioning."""

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update({
            "filter": {"supported": True, "maxResults": 200},
            "changePassword": {"supported": False},
        })
        return d


def _error(status: int, detail: str) -> HttpResponse:
    body = {"schemas": [constants.SchemaURI.ERROR], "status": str(status), "detail": detail}
    return HttpResponse(json.dumps(body), content_type=constants.SCIM_CONTENT_TYPE, status=status)


class ScimBearerTokenCheck(SCIMAuthCheckMiddleware):
    """Wraps every SCIM view (django-scim2's AUTH_CHECK_MIDDLEWARE): only a request with
    ``Authorization: Bearer <key>`` of a SCIM token gets through; a signed-in session does not.
    Bodies are not logged: they hold people's names and addresses."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        token = scim_token_authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            response = _error(401, "A SCIM token is required: Authorization: Bearer <token>.")
            response["WWW-Authenticate"] = 'Bearer realm="Pathwise SCIM"'
            return response
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            return _error(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
        if request.method in ("POST", "PUT", "PATCH") and request.body.strip():
            # django-scim2 reads the body itself; what it would trip over is answered here.
            try:
                body = json.loads(request.body.decode("utf-8"))
            except UnicodeDecodeError:
                return _error(400, "The body is not UTF-8 text.")
            except ValueError:
                body = {}  # django-scim2 answers 400 with the parser's message
            if not isinstance(body, dict):
                return _error(400, "The body must be a JSON object.")
        request.scim_token = token  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response
