"""Pieces shared by every app's ``apis`` module: permissions, pagination and the "whose data is
this" lookup used by the ``?user=`` filters. The exception handler, which knows every app's errors,
is ``lms.api_errors``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts.roles import is_admin
from lms.accounts.selectors import learners_visible_to


class IsAdminRoleOrReadOnly(BasePermission):
    """Anyone signed in may read; only admins may write."""

    message = "Only admins may change content."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or is_admin(request.user)


class Pagination(LimitOffsetPagination):
    """DRF's, except that a malformed ``limit`` or ``offset`` (``?offset=null``) is a 400 rather than
    silently the first page: a client with such a bug would otherwise never see the rest."""

    max_limit = 200

    def get_limit(self, request: Request) -> int | None:
        self._check(request, self.limit_query_param, minimum=1)
        return super().get_limit(request)

    def get_offset(self, request: Request) -> int:
        self._check(request, self.offset_query_param, minimum=0)
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """DRF's parameters with the bounds enforced above, so the schema does not offer ``limit=0``."""
        parameters = super().get_schema_operation_parameters(view)
        minimum = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            if parameter["name"] in minimum:
                parameter["schema"]["minimum"] = minimum[parameter["name"]]
        return parameters

    @staticmethod
    def _check(request: Request, name: str, *, minimum: int) -> None:
        raw = request.query_params.get(name)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= minimum):
            raise exceptions.ValidationError({name: [f"must be a whole number, at least {minimum}"]})


def paginated_response(
    *, request: Request, view: APIView, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer],
    context: dict[str, Any] | None = None,
) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)


def visible_learner_or_404(viewer: User, user_id: int | None) -> User:
    """The learner whose data ``viewer`` asked for with ``?user=``: themselves when not given.

    A user outside the viewer's scope is a 404, exactly like one that does not exist, so a
    manager cannot probe for other teams' members (and never gets an empty list by mistake).
    """
    if user_id is None or user_id == viewer.pk:
        return viewer
    learner = learners_visible_to(viewer).filter(pk=user_id).first()
    if learner is None:
        raise Http404("No such learner.")
    return learner


class UserFilterSerializer(serializers.Serializer):
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1,
        help_text="A learner's id. Managers: members of their teams; admins: anyone. Default: yourself.",
    )


class RelatedSlugsField(serializers.ListField):
    """Read-only: one attribute (the slug by default) of each object of a many-to-many relation."""

    def __init__(self, attr: str = "slug", **kwargs: Any) -> None:
        self.attr = attr
        super().__init__(child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, manager: Any) -> list[str]:
        return [getattr(obj, self.attr) for obj in manager.all()]


# --- The schema --------------------------------------------------------------------------------------

BAD_REQUEST = "Invalid input; the body names each field's or parameter's problem."
NOT_FOUND = "No such object, or not one you may see."


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: the error answers every view can give, where its own decorator is silent.

    400 wherever there is a body or a query parameter (serializers and the pagination refuse bad
    values), 404 wherever the path names an object, and 403 for a change that a permission beyond
    signing in can refuse (its message as the description). A view's own description wins.
    """
    refusals = {}
    for path, _regex, method, view in generator.endpoints:
        permissions = getattr(view.cls, "permission_classes", [])
        strict = [p for p in permissions if not issubclass(p, IsAuthenticated)]
        if strict and method not in SAFE_METHODS:
            refusals[(path, method.lower())] = " ".join(getattr(p, "message", "") for p in strict).strip()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
                responses.setdefault("400", {"description": BAD_REQUEST})
            if any(p.get("in") == "path" for p in parameters):
                responses.setdefault("404", {"description": NOT_FOUND})
            if (path, method) in refusals:
                responses.setdefault("403", {"description": refusals[(path, method)] or "Not allowed."})
    return result
