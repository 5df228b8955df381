"""The REST API's exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): it knows the domain
errors of every app, so it sits above them, beside the URL map; the apps' ``apis`` modules never
import it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from lms.content.grading import InvalidAnswer
from lms.learning.services import AlreadyAnswered, NotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This is still used (by a quiz or by learners' answers) and cannot be deleted."
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught the domain's exceptions so that bad input is a 400, a refusal a 403
    and a second answer within a quiz a 409, with errors in DRF's usual ``{"field": ["message"]}``
    shape, instead of a 500."""
    if isinstance(exc, DjangoValidationError):
        detail = serializers.as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:  # model.full_clean() puts constraint errors under "__all__"
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, InvalidAnswer):
        exc = exceptions.ValidationError({"answer": [str(exc)]})
    elif isinstance(exc, AlreadyAnswered):
        exc = Conflict(str(exc))  # a state the client can read back, not a missing permission
    elif isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, ProtectedError):
        # Answers keep their question, module and course, and quizzes their questions
        # (on_delete=PROTECT): the answer log is what the learner model learns from.
        exc = Conflict()
    return drf_exception_handler(exc, context)
