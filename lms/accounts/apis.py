"""REST API for accounts: API tokens and "who am I"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts.models import ADMIN, LEARNER, MANAGER, ROLES
from lms.accounts.roles import is_admin, is_manager
from lms.api import RelatedSlugsField


class TokenObtainApi(ObtainAuthToken):
    """DRF's token view; send the token as ``Authorization: Token <key>``."""

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("AuthToken", {"token": serializers.CharField()}),
        tags=["auth"],
        auth=[],
        description="Exchange a username and password for an API token (the same token every time).",
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=ROLES)
        teams = RelatedSlugsField()
        managed_teams = RelatedSlugsField()

        class Meta:
            ref_name = "Me"

    @extend_schema(responses=OutputSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        user = request.user
        role = ADMIN if is_admin(user) else MANAGER if is_manager(user) else LEARNER
        data = {name: getattr(user, name) for name in ("id", "username", "first_name", "last_name", "email")}
        data.update(role=role, teams=user.teams.all(), managed_teams=user.managed_teams.all())
        return Response(self.OutputSerializer(data).data)
