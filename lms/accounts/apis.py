"""REST API for accounts: API tokens, "who am I", and users and teams (created by admins).

Managers read the members of the teams they manage and those teams; learners read neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts.models import LEARNER, ROLES, Team
from lms.accounts.roles import is_admin, is_staff_role, role_of
from lms.accounts.selectors import api_tokens_of, teams_visible_to, totp_device_of, users_visible_to
from lms.accounts.services import api_token_create, api_token_revoke, team_add_members, team_create, user_create
from lms.accounts.throttles import SignInLockedOut, SignInRateThrottle, lockout_message
from lms.api import Pagination, RelatedSlugsField, paginated_response
from lms.http import AuthenticatedRequest

BAD_INPUT = OpenApiResponse(description="Invalid input; the body names each field's problem.")
ADMINS_ONLY = OpenApiResponse(description="Only admins may do this.")
STAFF_ONLY = OpenApiResponse(description="Managers and admins only.")


SIGNIN_REFUSED = OpenApiResponse(description="Wrong credentials or two-factor code; the body says which.")
SIGNIN_LOCKED = OpenApiResponse(description="Too many failed sign-ins for this username from this address, or "
                                            "too many attempts from it; the body says when to try again.")
NOT_YOURS = OpenApiResponse(description="You have no token with this id.")


class TokenObtainApi(APIView):
    """Username and password (and the two-factor code where the user has set one up) for an API
    token, sent as ``Authorization: Token <key>``.

    The address's sign-in rate and the username's lockout are checked before the password is
    hashed; the lockout counts failures here and on the sign-in page together.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [SignInRateThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenRequest"

        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
        code = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                     help_text="The six-digit code of the user's authenticator app, if they set one "
                                               "up (account › Two-factor sign-in).")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenIssued"

        token = serializers.CharField(help_text="The key; shown this once (only its digest is stored).")
        expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")

    @extend_schema(
        request=InputSerializer, responses={200: OutputSerializer, 400: SIGNIN_REFUSED, 403: OpenApiResponse(
            description="Admins must set up two-factor sign-in before they get a token (when the site requires it)."),
            429: SIGNIN_LOCKED},
        tags=["auth"], auth=[],
        description="Exchange a username and password for a new API token that expires (list and revoke "
                    "tokens at auth/tokens/).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The Django request, so that django-axes records the attempt (and a lockout) on it.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            raise SignInLockedOut(lockout_message(request._request))
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        device = totp_device_of(user)
        if device is not None and not data.get("code"):
            raise exceptions.ValidationError({"code": ["This user signs in with a code from an authenticator app."]})
        if device is not None and not device.verify_token(data["code"]):
            raise exceptions.ValidationError({"code": ["That code is not right, or it has been used already "
                                                       "(after a wrong one, wait a few seconds)."]})
        if device is None and settings.PATHWISE_REQUIRE_2FA_FOR_ADMINS and is_admin(user):
            raise exceptions.PermissionDenied("Set up two-factor sign-in (account › Two-factor sign-in) first.")
        instance, key = api_token_create(user=user)
        return Response(self.OutputSerializer({"token": key, "expiry": instance.expiry}).data)


class TokenOutput(serializers.Serializer):
    class Meta:
        ref_name = "Token"

    id = serializers.CharField(source="token_key", help_text="The key's first characters; not enough to use it.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(help_text="Whether this request was made with it.")

    def get_current(self, token: Any) -> bool:
        return token.pk == getattr(self.context.get("auth"), "pk", None)


class TokenListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses={200: TokenOutput(many=True)}, tags=["auth"],
                   description="Your API tokens that have not expired, newest first; never their keys.")
    def get(self, request: AuthenticatedRequest) -> Response:
        return paginated_response(request=request, view=self, queryset=api_tokens_of(request.user),
                                  serializer_class=TokenOutput, context={"auth": request.auth})


class TokenDetailApi(APIView):
    @extend_schema(responses={204: None, 404: NOT_YOURS}, tags=["auth"],
                   description="Revoke one of your tokens at once (the one in use too).")
    def delete(self, request: AuthenticatedRequest, token_id: str) -> Response:
        if not api_token_revoke(user=request.user, token_key=token_id):
            raise exceptions.NotFound("You have no token with this id.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Permissions and fields ---------------------------------------------------------------------

class IsStaffRoleReadsAdminWrites(BasePermission):
    """Managers and admins read (each within their scope); only admins write."""

    message = "Only managers and admins may read this, and only admins may change it."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return False
        return is_staff_role(request.user) if request.method in SAFE_METHODS else is_admin(request.user)


class IsAdminRole(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_authenticated and is_admin(request.user)


class ExistingRowsField(serializers.ListField):
    """A list of names (slugs, usernames) read as the rows they name, each once, in the order given.

    Every unknown name is reported in one message. The names are checked as text first (no NUL
    characters, bounded length), so nothing odd reaches the database.
    """

    def __init__(self, *, queryset: QuerySet, field: str, noun: str, max_length: int, **kwargs: Any) -> None:
        self.queryset, self.field, self.noun = queryset, field, noun
        kwargs.setdefault("max_length", 1000)
        super().__init__(child=serializers.CharField(max_length=max_length), **kwargs)

    def to_internal_value(self, data: Any) -> list[Model]:
        names = list(dict.fromkeys(super().to_internal_value(data)))
        found = {getattr(row, self.field): row for row in self.queryset.filter(**{f"{self.field}__in": names})}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise serializers.ValidationError(f"no {self.noun} {', '.join(map(repr, unknown))}")
        return [found[name] for name in names]

    def to_representation(self, data: Any) -> list[str]:
        return [getattr(row, self.field) for row in data]


def _teams_field(help_text: str) -> ExistingRowsField:
    return ExistingRowsField(queryset=Team.objects.all(), field="slug", noun="team with the slug", max_length=120,
                             required=False, default=list, help_text=help_text)


def _users_field(help_text: str) -> ExistingRowsField:
    return ExistingRowsField(queryset=User.objects.all(), field="username", noun="user named", max_length=150,
                             required=False, default=list, help_text=help_text)


# --- Users --------------------------------------------------------------------------------------

class RoleField(serializers.ChoiceField):
    """The user's role, read from their groups (``source="*"``: the field sees the whole user)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ROLES, source="*", read_only=True, **kwargs)

    # source="*" hands the field the whole user, where DRF's stubs type a ChoiceField's value as the choice.
    def to_representation(self, user: User) -> str:  # type: ignore[override]
        return role_of(user)


@extend_schema_field({"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}]})
class StoredEmailField(serializers.CharField):
    """An account's address as stored: "" for an account created without one, which ``format: email``
    alone would call invalid."""


class UserOutput(serializers.Serializer):
    class Meta:
        ref_name = "User"

    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = StoredEmailField(help_text="Empty when the account has no address.")
    role = RoleField()
    teams = RelatedSlugsField(help_text="Slugs of the teams the user is a member of.")
    managed_teams = RelatedSlugsField(help_text="Slugs of the teams the user manages.")


def _users(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related("groups", "teams", "managed_teams").order_by("username", "id")


class MeApi(APIView):
    class OutputSerializer(UserOutput):
        class Meta:
            ref_name = "Me"

    @extend_schema(responses=OutputSerializer, tags=["auth"])
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class UserListApi(APIView):
    permission_classes = [IsStaffRoleReadsAdminWrites]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "UserCreate"

        username = serializers.CharField(max_length=150, validators=[User.username_validator],
                                         help_text="Letters, digits and @/./+/-/_ only; unique, whatever the case.")
        password = serializers.CharField(
            required=False, allow_null=True, write_only=True, trim_whitespace=False, max_length=4096,
            help_text="Checked by the site's password rules. Left out: the user cannot sign in with a password "
                      "until one is set.",
        )
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
        role = serializers.ChoiceField(choices=ROLES, required=False, default=LEARNER)
        teams = _teams_field("Slugs of teams to join as a member.")
        managed_teams = _teams_field("Slugs of teams to manage (managers and admins only).")

        def validate_username(self, username: str) -> str:
            if User.objects.filter(username__iexact=username).exists():
                raise serializers.ValidationError(f"a user named {username!r} exists already")
            return username

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs.get("managed_teams") and attrs["role"] == LEARNER:
                raise serializers.ValidationError({"managed_teams": ["only managers and admins manage teams"]})
            if attrs.get("password") is not None:
                candidate = User(username=attrs["username"], email=attrs["email"], first_name=attrs["first_name"],
                                 last_name=attrs["last_name"])
                try:
                    validate_password(attrs["password"], user=candidate)
                except DjangoValidationError as exc:
                    raise serializers.ValidationError({"password": list(exc.messages)}) from None
            return attrs

    @extend_schema(
        responses={200: UserOutput(many=True), 403: STAFF_ONLY}, tags=["users"],
        description="Admins: every user. Managers: the members of the teams they manage. Learners: 403.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return paginated_response(request=request, view=self, queryset=_users(users_visible_to(request.user)),
                                  serializer_class=UserOutput)

    @extend_schema(
        request=InputSerializer, responses={201: UserOutput, 400: BAD_INPUT, 403: ADMINS_ONLY}, tags=["users"],
        description="Admins. Create a user in a role, optionally in teams. A username taken already (in any case) "
                    "is a 400.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data)
        created = _users(User.objects.filter(pk=user.pk)).get()
        return Response(UserOutput(created).data, status=status.HTTP_201_CREATED)


class UserDetailApi(APIView):
    permission_classes = [IsStaffRoleReadsAdminWrites]

    @extend_schema(
        responses={200: UserOutput, 403: STAFF_ONLY,
                   404: OpenApiResponse(description="No such user, or not a member of your teams.")},
        tags=["users"], description="Admins: anyone. Managers: a member of the teams they manage.",
    )
    def get(self, request: AuthenticatedRequest, user_id: int) -> Response:
        user = _users(users_visible_to(request.user)).filter(pk=user_id).first()
        if user is None:
            raise exceptions.NotFound("No such user, or not one of your teams' members.")
        return Response(UserOutput(user).data)


# --- Teams --------------------------------------------------------------------------------------

class TeamOutput(serializers.Serializer):
    class Meta:
        ref_name = "Team"

    slug = serializers.SlugField()
    name = serializers.CharField()
    managers = RelatedSlugsField(attr="username", help_text="Usernames.")
    members = RelatedSlugsField(attr="username", help_text="Usernames.")


def _teams(queryset: QuerySet[Team]) -> QuerySet[Team]:
    by_name = User.objects.order_by("username")
    return queryset.prefetch_related(Prefetch("managers", queryset=by_name), Prefetch("members", queryset=by_name))


def team_data(team: Team) -> dict[str, Any]:
    return TeamOutput(_teams(Team.objects.filter(pk=team.pk)).get()).data


def _refuse_learners_as_managers(managers: Iterable[User]) -> None:
    learners = [m.get_username() for m in managers if not is_staff_role(m)]
    if learners:
        raise serializers.ValidationError(
            {"managers": [f"only managers and admins manage teams, not {', '.join(map(repr, learners))}"]})


class TeamListApi(APIView):
    permission_classes = [IsStaffRoleReadsAdminWrites]
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TeamCreate"

        slug = serializers.SlugField(max_length=120)
        name = serializers.CharField(max_length=120)
        managers = _users_field("Usernames of the team's managers (users in the manager or admin role).")
        members = _users_field("Usernames of the team's members.")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            _refuse_learners_as_managers(attrs["managers"])
            return attrs

    @extend_schema(responses={200: TeamOutput(many=True), 403: STAFF_ONLY}, tags=["teams"],
                   description="Admins: every team. Managers: the teams they manage. Learners: 403.")
    def get(self, request: AuthenticatedRequest) -> Response:
        return paginated_response(request=request, view=self, queryset=_teams(teams_visible_to(request.user)),
                                  serializer_class=TeamOutput)

    @extend_schema(request=InputSerializer, responses={201: TeamOutput, 400: BAD_INPUT, 403: ADMINS_ONLY},
                   tags=["teams"], description="Admins. A slug or name taken already is a 400.")
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = team_create(**serializer.validated_data)
        return Response(team_data(team), status=status.HTTP_201_CREATED)


class TeamMembersApi(APIView):
    permission_classes = [IsAdminRole]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TeamMembersAdd"

        members = ExistingRowsField(queryset=User.objects.all(), field="username", noun="user named",
                                    max_length=150, allow_empty=False, help_text="Usernames to add.")

    @extend_schema(request=InputSerializer,
                   responses={200: TeamOutput, 400: BAD_INPUT, 403: ADMINS_ONLY,
                              404: OpenApiResponse(description="No such team.")},
                   tags=["teams"],
                   description="Admins. Add members to a team; those in it already stay. Returns the team.")
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise exceptions.NotFound("No team with this slug.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team_add_members(team=team, members=serializer.validated_data["members"])
        return Response(team_data(team))
