from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from lms.accounts.models import ADMIN, LEARNER, MANAGER, ROLES, Preferences, Team


@transaction.atomic
def user_create(*, username: str, password: str | None = None, role: str = LEARNER, email: str = "", first_name: str = "",
                last_name: str = "", teams: Iterable[Team] = (), managed_teams: Iterable[Team] = ()) -> User:
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
def user_set_role(*, user: User, role: str) -> None:
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
def user_update(*, user: User, username: str | None = None, email: str | None = None,
                first_name: str | None = None, last_name: str | None = None) -> User:
    """Change a user's name, email or username; None leaves a field as it is. A username taken by
    someone else, in any case, is a ValidationError, as in ``user_create``."""
    if username is not None and username != user.username:
        if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
            raise ValidationError({"username": [f"a user named {username!r} exists already"]})
        user.username = username
    for field, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(user, field, value)
    try:
        with transaction.atomic():
            user.save(update_fields=["username", "email", "first_name", "last_name"])
    except IntegrityError:
        raise ValidationError({"username": [f"a user named {username!r} exists already"]}) from None
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool) -> User:
    """Let a user sign in again, or stop them. A deactivated user keeps everything they did (answers,
    learner states, decisions, completions): only signing in stops, and their API tokens are
    deleted so that no client keeps acting for them."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    if not active:
        AuthToken.objects.filter(user=user).delete()
    return user


@transaction.atomic
def team_create(*, name: str, slug: str, members: Iterable[User] = (),
                managers: Iterable[User] = ()) -> Team:
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
def team_add_members(*, team: Team, members: Iterable[User]) -> Team:
    """Add learners to a team; those in it already stay as they are."""
    team.members.add(*members)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str) -> Team:
    """Rename a team (its slug, used in addresses, stays); a name taken already is a ValidationError."""
    if Team.objects.filter(name=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": [f"a team named {name!r} exists already"]})
    team.name = name
    team.save(update_fields=["name"])
    return team


@transaction.atomic
def team_remove_members(*, team: Team, members: Iterable[User]) -> Team:
    """Take learners out of a team; their own history stays with them."""
    team.members.remove(*members)
    return team


@transaction.atomic
def team_set_members(*, team: Team, members: Iterable[User]) -> Team:
    """Make ``members`` the team's learners, no more and no fewer."""
    team.members.set(list(members))
    return team


@transaction.atomic
def team_add_managers(*, team: Team, managers: Iterable[User]) -> Team:
    """Add managers to a team; those managing it already stay as they are."""
    team.managers.add(*managers)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    """Delete a team: its memberships and the assignments made to it go; its learners, and all they
    did, stay."""
    team.delete()


def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for ``user``, expiring after REST_KNOX's TOKEN_TTL. Only its SHA-512 digest
    is stored, so the key returned here is the only copy there will ever be."""
    token, key = AuthToken.objects.create(user=user)
    return token, key


def api_token_revoke(*, user: User, token_key: str) -> bool:
    """Delete the caller's token identified by ``token_key`` (its first characters, which the
    list shows); False when they have none by that key."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


TOTP_DEVICE_NAME = "Authenticator app"


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin enrolment: a fresh unconfirmed TOTP device (a new secret), replacing any unconfirmed
    one. It counts for sign-in only once ``totp_device_confirm`` has seen a code from it."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm enrolment with a code from the app. Other devices of the user are removed: one
    authenticator app per account keeps "which phone was it?" out of support calls."""
    if not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def totp_devices_remove(*, user: User) -> None:
    """Turn two-factor sign-in off for ``user``."""
    TOTPDevice.objects.filter(user=user).delete()


@transaction.atomic
def preferences_update(*, user: User, language: str, time_zone: str) -> Preferences:
    """Store the language and time zone ``user`` chose (blank: the browser's language, the site's
    zone). The form has checked both against LANGUAGES and the IANA zones."""
    row, _created = Preferences.objects.update_or_create(user=user, defaults={"language": language, "time_zone": time_zone})
    return row


__all__ = [
    "ADMIN",
    "LEARNER",
    "MANAGER",
    "api_token_create",
    "api_token_revoke",
    "preferences_update",
    "team_add_managers",
    "team_add_members",
    "team_create",
    "team_delete",
    "team_remove_members",
    "team_set_members",
    "team_update",
    "totp_device_confirm",
    "totp_device_start",
    "totp_devices_remove",
    "user_create",
    "user_set_active",
    "user_set_role",
    "user_update",
]
